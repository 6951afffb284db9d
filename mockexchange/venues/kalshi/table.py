"""Every Kalshi REST operation the mock serves, declared once: its method, path, operationId, what answers it, the JSON
body it takes, and what it needs of the key that signs it. routes.py builds the routes from this table alone; the
checks of what an operation needs are access.py's.

An operation's `answer(ctx, key, values)` is given the decoded body if it takes one (bodies.py), else the record its
path names (`{"transfer_id": ...}`), else the query; an operation of `parts` is given all three (`params.Parts`). It
answers a JSON-ready value (a dict, or a page already rendered, an `orjson.Fragment`), None for an answer without a
body, or a Response. It answers with `status` unless it raises a `KalshiError`.

What it needs, checked in this order after the signature and the rate limit and before its parameters or body are read:
a scope of the key (Kalshi's ApiKeyScope: `read` grants every read, `write` every write, a child scope only its
group), an FCM member caller (`member`: `fcm.require_member`), a key of the whole account (`whole_account`: a key
locked to a subaccount is refused). An operation of no scope is public: no signature asked, nothing charged.

An operation of some wire profiles only (`profiles`: the legacy order routes, which 3.34.0 no longer has) is routed
under those alone; under another its path answers as a path the mock does not serve (404, or 405 where the path
serves other methods), but under a profile in which Kalshi retired it (`retired`: the v1 order writes under 3.34),
where its route answers Kalshi's 410.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mockexchange.core.kalshi.order_group_commands import (
    DeleteOrderGroup,
    ResetOrderGroup,
    TriggerOrderGroup,
    UpdateOrderGroupLimit,
)
from mockexchange.core.kalshi.rfq_commands import AcceptQuote, ConfirmQuote, DeleteQuote
from mockexchange.venues.kalshi import (
    account,
    api_keys,
    balance,
    block_trades,
    candlesticks,
    catalogue,
    communications,
    event_data,
    exchange_info,
    fcm,
    fcm_lists,
    historical,
    historical_markets,
    history,
    incentive_programs,
    instance_transfers,
    legacy_orders,
    live_data,
    market_data,
    markets,
    multivariate,
    order_groups,
    order_reads,
    orders,
    positions,
    rfq_batches,
    search,
    subaccounts,
    targets_and_milestones,
    weather,
)
from mockexchange.venues.kalshi.bodies import Body

Answer = Callable[..., Any]  # (KalshiContext, ApiKey | None, values) -> a JSON-ready value, None or a Response

# The scopes that grant an operation (any one of them does).
PUBLIC: tuple[str, ...] = ()
READ = ("read",)
WRITE = ("write",)
BALANCE = ("read", "read::portfolio_balance")
TRANSFER = ("write", "write::transfer")
FCM_RISK = ("write", "write::fcm_risk")  # FCM subtrader creation, trading blocks, daily caps
TRADE = ("write", "write::trade")  # orders
BLOCK_READ = ("read", "read::block_trade_accept")  # block trade proposals
BLOCK_ACCEPT = ("write", "write::block_trade_accept")
LEGACY = ("legacy",)  # the profile of the operations 3.34.0 no longer has
MODERN = ("3.34",)  # the profile in which Kalshi retired the v1 order writes
ACCOUNT, MARKET, ALL = "account", "market", "all"  # an operation's reach


@dataclass(frozen=True, slots=True)
class Operation:
    method: str
    path: str  # under /trade-api/v2, as the spec names it
    operation_id: str
    answer: Answer
    scopes: tuple[str, ...]  # any of them grants it; none: public
    body: Body | None = None  # the JSON body it takes, read and decoded before `answer` runs
    status: int = 200  # the status of its answer
    member: bool = False  # FCM members only
    whole_account: bool = False  # a key locked to a subaccount is refused
    # A GET of it is answered by the generator in the generated-responses mode (generated_mode.py), after it ran as
    # in ledger mode; False: the ledger (or the key registry) answers in every mode. Writes always change the ledger.
    generated: bool = True
    # Kalshi's public market data: no signature asked, but charged (to the key it names, else to the address), and
    # answered with the path's names and the query together.
    market_data: bool = False
    # The answer is given `params.Parts`: the body (if it takes one) with the path's names and the query together (a
    # write naming a record, and what its query says of it).
    parts: bool = False
    profiles: tuple[str, ...] | None = None  # the wire profiles that serve it (None: every one)
    # The wire profiles in which Kalshi has retired it: its route answers 410 `deprecated_v1_order_endpoint` once the
    # key's checks pass, and does nothing (the v1 order writes, retired in June 2026)
    retired: tuple[str, ...] = ()
    # A write whose work grows with what it names (a batch, every resting order) or that makes a key pair: it runs in
    # a worker thread, so the event loop answers others meanwhile; any other write runs on the event loop (routes.py).
    worker: bool = False
    # What it reads, for a long command running beside it (core/stepping.py): ACCOUNT, the signing key's account (its
    # user's and its subtrader's; a long command names every account with a row or an order in the markets it
    # trades); MARKET, the one market its path names; ALL (the rest), anything: it waits for the command's end.
    reach: str = ALL

    def served_in(self, profile: str) -> bool:
        return self.profiles is None or profile in self.profiles

    @property
    def public(self) -> bool:
        return not self.scopes

    @classmethod
    def data(cls, path: str, operation_id: str, answer: Answer, reach: str = ALL) -> Operation:
        """A public market data read (the ledger answers it in every mode)."""
        return cls("GET", path, operation_id, answer, PUBLIC, generated=False, market_data=True, reach=reach)

    @property
    def write(self) -> bool:
        return self.method != "GET"


OPERATIONS: tuple[Operation, ...] = (
    # the portfolio
    Operation("GET", "/portfolio/positions", "GetPositions", positions.get_positions, READ, reach=ACCOUNT),
    Operation("GET", "/portfolio/balance", "GetBalance", balance.get_balance, BALANCE, reach=ACCOUNT),
    # orders (v2): placed, cancelled, amended, decreased (early: Starlette tries the routes in turn, and a trading
    # client places orders as often as it reads its positions)
    Operation("POST", "/portfolio/events/orders", "CreateOrderV2", orders.create_order, TRADE, body=orders.ORDER,
              status=201, generated=False),
    Operation("DELETE", "/portfolio/events/orders", "CancelAllOrders", orders.cancel_all_orders, TRADE, status=204,
              generated=False, worker=True),
    Operation("POST", "/portfolio/events/orders/batched", "BatchCreateOrdersV2", orders.batch_create_orders, TRADE,
              body=orders.BATCH_CREATE, status=201, generated=False, worker=True),
    Operation("DELETE", "/portfolio/events/orders/batched", "BatchCancelOrdersV2", orders.batch_cancel_orders, TRADE,
              body=orders.BATCH_CANCEL, generated=False, worker=True),
    Operation("DELETE", "/portfolio/events/orders/{order_id}", "CancelOrderV2", orders.cancel_order, TRADE,
              generated=False, parts=True),
    Operation("POST", "/portfolio/events/orders/{order_id}/amend", "AmendOrderV2", orders.amend_order, TRADE,
              body=orders.AMEND, generated=False, parts=True),
    Operation("POST", "/portfolio/events/orders/{order_id}/decrease", "DecreaseOrderV2", orders.decrease_order, TRADE,
              body=orders.DECREASE, generated=False, parts=True),
    Operation("GET", "/portfolio/summary/total_resting_order_value", "GetPortfolioRestingOrderTotalValue",
              balance.get_resting_order_value, READ, member=True),
    Operation("GET", "/portfolio/fills", "GetFills", history.get_fills, READ, reach=ACCOUNT),
    Operation("GET", "/portfolio/settlements", "GetSettlements", history.get_settlements, READ, reach=ACCOUNT),
    Operation("GET", "/portfolio/deposits", "GetDeposits", history.get_deposits, READ, reach=ACCOUNT),
    Operation("GET", "/portfolio/withdrawals", "GetWithdrawals", history.get_withdrawals, READ, reach=ACCOUNT),
    Operation("GET", "/portfolio/orders", "GetOrders", order_reads.get_orders, READ, generated=False, reach=ACCOUNT),
    Operation("GET", "/portfolio/orders/queue_positions", "GetOrderQueuePositions",
              order_reads.get_order_queue_positions, READ, generated=False),
    Operation("GET", "/portfolio/orders/{order_id}", "GetOrder", order_reads.get_order, READ, generated=False,
              reach=ACCOUNT),
    Operation("GET", "/portfolio/orders/{order_id}/queue_position", "GetOrderQueuePosition",
              order_reads.get_order_queue_position, READ, generated=False),
    # subaccounts
    Operation("POST", "/portfolio/subaccounts", "CreateSubaccount", subaccounts.create_subaccount, WRITE,
              body=subaccounts.CREATE_BODY, status=201, whole_account=True),
    Operation("POST", "/portfolio/subaccounts/transfer", "ApplySubaccountTransfer",
              subaccounts.apply_subaccount_transfer, TRANSFER, body=subaccounts.TRANSFER_BODY, whole_account=True),
    Operation("GET", "/portfolio/subaccounts/balances", "GetSubaccountBalances", subaccounts.get_subaccount_balances,
              READ, reach=ACCOUNT),
    Operation("GET", "/portfolio/subaccounts/transfers", "GetSubaccountTransfers",
              subaccounts.get_subaccount_transfers, READ, reach=ACCOUNT),
    Operation("GET", "/portfolio/subaccounts/netting", "GetSubaccountNetting", subaccounts.get_subaccount_netting,
              READ, reach=ACCOUNT),
    Operation("PUT", "/portfolio/subaccounts/netting", "UpdateSubaccountNetting",
              subaccounts.update_subaccount_netting, WRITE, body=subaccounts.NETTING_BODY),
    # moves of cash between exchange instances and shards; the target balance allocation
    Operation("POST", "/portfolio/intra_exchange_instance_transfer", "IntraExchangeInstanceTransfer",
              instance_transfers.intra_exchange_instance_transfer, TRANSFER, body=instance_transfers.TRANSFER_BODY),
    Operation("GET", "/portfolio/intra_exchange_instance_transfers", "GetIntraExchangeInstanceTransfers",
              instance_transfers.get_intra_exchange_instance_transfers, READ, reach=ACCOUNT),
    Operation("GET", "/portfolio/intra_exchange_instance_transfers/{transfer_id}", "GetIntraExchangeInstanceTransfer",
              instance_transfers.get_intra_exchange_instance_transfer, READ, reach=ACCOUNT),
    Operation("GET", "/portfolio/target_balance_allocation", "GetTargetBalanceAllocation",
              instance_transfers.get_target_balance_allocation, READ, whole_account=True, reach=ACCOUNT),
    Operation("POST", "/portfolio/target_balance_allocation", "SetTargetBalanceAllocation",
              instance_transfers.set_target_balance_allocation, WRITE, body=instance_transfers.ALLOCATION_BODY,
              whole_account=True),
    # the historical API
    Operation("GET", "/historical/cutoff", "GetHistoricalCutoff", historical.get_historical_cutoff, PUBLIC),
    Operation("GET", "/historical/positions", "GetHistoricalPositions", historical.get_historical_positions, READ,
              reach=ACCOUNT),
    Operation("GET", "/historical/fills", "GetFillsHistorical", historical.get_fills_historical, READ, reach=ACCOUNT),
    Operation("GET", "/historical/orders", "GetHistoricalOrders", historical.get_historical_orders, READ,
              reach=ACCOUNT),
    Operation.data("/historical/markets", "GetHistoricalMarkets", historical_markets.get_historical_markets),
    Operation.data("/historical/markets/{ticker}", "GetHistoricalMarket", historical_markets.get_historical_market,
                   reach=MARKET),
    Operation.data("/historical/markets/{ticker}/candlesticks", "GetMarketCandlesticksHistorical",
                   historical_markets.get_market_candlesticks_historical),
    Operation.data("/historical/trades", "GetTradesHistorical", historical_markets.get_trades_historical),
    # AccountApi and ApiKeysApi: the ledger and the key registry answer them in every mode
    Operation("GET", "/account/limits", "GetAccountApiLimits", account.get_limits, READ, generated=False,
              reach=ACCOUNT),
    Operation("POST", "/account/api_usage_level/upgrade", "UpgradeAccountApiUsageLevel", account.upgrade, WRITE,
              status=201, generated=False),
    Operation("GET", "/account/api_usage_level/volume_progress", "GetAccountApiUsageLevelVolumeProgress",
              account.get_volume_progress, READ, generated=False, reach=ACCOUNT),
    Operation("GET", "/account/endpoint_costs", "GetAccountEndpointCosts", account.get_endpoint_costs, PUBLIC,
              generated=False),
    Operation("GET", "/api_keys", "GetApiKeys", api_keys.get_api_keys, READ, generated=False, reach=ACCOUNT),
    Operation("POST", "/api_keys", "CreateApiKey", api_keys.create_api_key, WRITE, body=api_keys.CREATE_BODY,
              status=201, whole_account=True, generated=False),
    Operation("POST", "/api_keys/generate", "GenerateApiKey", api_keys.generate_api_key, WRITE,
              body=api_keys.GENERATE_BODY, status=201, whole_account=True, generated=False, worker=True),
    Operation("DELETE", "/api_keys/{api_key}", "DeleteApiKey", api_keys.delete_api_key, WRITE, status=204,
              whole_account=True, generated=False),
    # market data (public): markets, events, series, books, trades, candlesticks, the exchange's status
    Operation.data("/markets", "GetMarkets", markets.get_markets),
    Operation.data("/markets/trades", "GetTrades", market_data.get_trades),
    Operation.data("/markets/orderbooks", "GetMarketOrderbooks", market_data.get_market_orderbooks),
    Operation.data("/markets/candlesticks", "BatchGetMarketCandlesticks", candlesticks.batch_get_market_candlesticks),
    Operation.data("/markets/{ticker}", "GetMarket", markets.get_market, reach=MARKET),
    Operation.data("/markets/{ticker}/orderbook", "GetMarketOrderbook", market_data.get_market_orderbook,
                   reach=MARKET),
    Operation.data("/series/{series_ticker}/markets/{ticker}/candlesticks", "GetMarketCandlesticks",
                   candlesticks.get_market_candlesticks),
    Operation.data("/events", "GetEvents", catalogue.get_events),
    # (before the path of one event, which would take `multivariate` as its ticker)
    Operation.data("/events/multivariate", "GetMultivariateEvents", multivariate.get_events),
    Operation.data("/events/{event_ticker}", "GetEvent", catalogue.get_event),
    Operation.data("/series", "GetSeriesList", catalogue.get_series_list),
    Operation.data("/series/{series_ticker}", "GetSeries", catalogue.get_series),
    Operation.data("/exchange/status", "GetExchangeStatus", market_data.get_exchange_status),
    # search (public): the filters derived from the series and events listed
    Operation.data("/search/tags_by_categories", "GetTagsForSeriesCategories", search.get_tags_by_categories),
    Operation.data("/search/filters_by_sport", "GetFiltersForSports", search.get_filters_by_sport),
    # the exchange's schedule, its users' data freshness, its fee changes; an event's metadata, candlesticks, forecast
    Operation.data("/exchange/schedule", "GetExchangeSchedule", exchange_info.get_exchange_schedule),
    Operation.data("/exchange/user_data_timestamp", "GetUserDataTimestamp", exchange_info.get_user_data_timestamp),
    # (the legacy profile's: the exchange's announcements, gone from 3.34.0)
    Operation("GET", "/exchange/announcements", "GetExchangeAnnouncements", exchange_info.get_exchange_announcements,
              PUBLIC, generated=False, market_data=True, profiles=LEGACY),
    Operation.data("/series/fee_changes", "GetSeriesFeeChanges", exchange_info.get_series_fee_changes),
    Operation.data("/events/fee_changes", "GetEventFeeChanges", exchange_info.get_event_fee_changes),
    Operation.data("/events/{event_ticker}/metadata", "GetEventMetadata", event_data.get_event_metadata),
    Operation.data("/series/{series_ticker}/events/{ticker}/candlesticks", "GetMarketCandlesticksByEvent",
                   event_data.get_market_candlesticks_by_event),
    Operation("GET", "/series/{series_ticker}/events/{ticker}/forecast_percentile_history",
              "GetEventForecastPercentilesHistory", event_data.get_event_forecast_percentiles_history, READ,
              generated=False, parts=True),
    # multivariate event collections and their combo markets (a combo is made by a signed write: trading's scope)
    Operation.data("/multivariate_event_collections", "GetMultivariateEventCollections", multivariate.get_collections),
    Operation.data("/multivariate_event_collections/{collection_ticker}", "GetMultivariateEventCollection",
                   multivariate.get_collection),
    Operation("POST", "/multivariate_event_collections/{collection_ticker}",
              "CreateMarketInMultivariateEventCollection", multivariate.create_market, TRADE, body=multivariate.CREATE,
              generated=False, parts=True),
    # (the legacy profile's: a combo looked up by its legs, and a collection's lookups of late; gone from 3.34.0)
    Operation("PUT", "/multivariate_event_collections/{collection_ticker}/lookup",
              "LookupTickersForMarketInMultivariateEventCollection", multivariate.lookup_market, TRADE,
              body=multivariate.LOOKUP, generated=False, parts=True, profiles=LEGACY),
    Operation("GET", "/multivariate_event_collections/{collection_ticker}/lookup",
              "GetMultivariateEventCollectionLookupHistory", multivariate.get_lookup_history, PUBLIC, generated=False,
              market_data=True, profiles=LEGACY),
    # what the exchange is told from outside (public): milestones and their live data, a city's weather index,
    # structured targets, incentive programs
    Operation.data("/milestones", "GetMilestones", targets_and_milestones.get_milestones),
    Operation.data("/milestones/{milestone_id}", "GetMilestone", targets_and_milestones.get_milestone),
    Operation.data("/live_data/batch", "GetLiveDatas", live_data.get_live_datas),
    Operation.data("/live_data/milestone/{milestone_id}", "GetLiveDataByMilestone",
                   live_data.get_live_data_by_milestone),
    Operation.data("/live_data/milestone/{milestone_id}/game_stats", "GetGameStats", live_data.get_game_stats),
    Operation.data("/live_data/events/{event_ticker}", "GetEventLiveData", live_data.get_event_live_data),
    Operation.data("/live_data/weather/{city}", "GetWeatherIndex", weather.get_weather_index),
    Operation.data("/live_data/weather/{city}/calibrations", "GetWeatherIndexCalibrations",
                   weather.get_weather_index_calibrations),
    Operation.data("/live_data/{type}/milestone/{milestone_id}", "GetLiveData", live_data.get_live_data),
    Operation.data("/structured_targets", "GetStructuredTargets", targets_and_milestones.get_structured_targets),
    Operation.data("/structured_targets/{structured_target_id}", "GetStructuredTarget",
                   targets_and_milestones.get_structured_target),
    Operation.data("/incentive_programs", "GetIncentivePrograms", incentive_programs.get_incentive_programs),
    # an FCM member's desk
    Operation("GET", "/fcm/positions", "GetFCMPositions", positions.get_fcm_positions, READ, member=True),
    Operation("GET", "/fcm/fills", "GetFCMFills", fcm_lists.get_fcm_fills, READ, member=True),
    Operation("GET", "/fcm/orders", "GetFCMOrders", fcm_lists.get_fcm_orders, READ, member=True),
    Operation("GET", "/fcm/subtraders", "ListFCMSubtraders", fcm.list_subtraders, READ, member=True),
    Operation("POST", "/fcm/subtraders", "CreateFCMSubtrader", fcm.create_subtrader, FCM_RISK,
              body=fcm.CREATE_SUBTRADER, status=201, member=True),
    Operation("GET", "/fcm/subtraders/event_contract_daily_cap", "GetFCMEventContractDailyCap", fcm.get_daily_cap,
              READ, member=True),
    Operation("PUT", "/fcm/subtraders/event_contract_daily_cap", "UpdateFCMEventContractDailyCap",
              fcm.update_daily_cap, FCM_RISK, body=fcm.UPDATE_CAP, member=True),
    Operation("DELETE", "/fcm/subtraders/event_contract_daily_cap", "DeleteFCMEventContractDailyCap",
              fcm.delete_daily_cap, FCM_RISK, member=True),
    Operation("GET", "/fcm/subtraders/blocked_categories", "GetFCMSubtraderBlockedCategories",
              fcm.get_blocked_categories, READ, member=True),
    Operation("PUT", "/fcm/subtraders/blocked_categories", "UpdateFCMSubtraderBlockedCategories",
              fcm.update_blocked_categories, FCM_RISK, body=fcm.UPDATE_CATEGORIES, member=True),
    Operation("POST", "/fcm/positions/transfers", "CreateFCMPositionTransfer", fcm.create_position_transfer, WRITE,
              body=fcm.TRANSFER, status=201, member=True),
    # the legacy order writes (kalshi_python_sync 3.2.0's OrdersApi), gone from 3.34.0: the legacy profile's only;
    # under 3.34 Kalshi's 410 (retired in June 2026)
    Operation("POST", "/portfolio/orders", "CreateOrder", legacy_orders.create_order, TRADE, body=legacy_orders.ORDER,
              status=201, generated=False, profiles=LEGACY, retired=MODERN),
    Operation("POST", "/portfolio/orders/batched", "BatchCreateOrders", legacy_orders.batch_create_orders, TRADE,
              body=legacy_orders.BATCH_CREATE, status=201, generated=False, profiles=LEGACY, worker=True,
              retired=MODERN),
    Operation("DELETE", "/portfolio/orders/batched", "BatchCancelOrders", legacy_orders.batch_cancel_orders, TRADE,
              body=legacy_orders.BATCH_CANCEL, generated=False, profiles=LEGACY, worker=True, retired=MODERN),
    Operation("DELETE", "/portfolio/orders/{order_id}", "CancelOrder", legacy_orders.cancel_order, TRADE,
              generated=False, profiles=LEGACY, retired=MODERN),
    Operation("POST", "/portfolio/orders/{order_id}/amend", "AmendOrder", legacy_orders.amend_order, TRADE,
              body=legacy_orders.AMEND, generated=False, parts=True, profiles=LEGACY, retired=MODERN),
    Operation("POST", "/portfolio/orders/{order_id}/decrease", "DecreaseOrder", legacy_orders.decrease_order, TRADE,
              body=legacy_orders.DECREASE, generated=False, parts=True, profiles=LEGACY, retired=MODERN),
    # order groups: a contracts limit over orders, triggered (their orders cancelled) when it is passed
    Operation("GET", "/portfolio/order_groups", "GetOrderGroups", order_groups.get_order_groups, READ,
              generated=False, reach=ACCOUNT),
    Operation("POST", "/portfolio/order_groups/create", "CreateOrderGroup", order_groups.create_order_group, TRADE,
              body=order_groups.CREATE, status=201, generated=False),
    Operation("GET", "/portfolio/order_groups/{order_group_id}", "GetOrderGroup", order_groups.get_order_group, READ,
              generated=False, parts=True, reach=ACCOUNT),
    Operation("DELETE", "/portfolio/order_groups/{order_group_id}", "DeleteOrderGroup",
              order_groups.changing(DeleteOrderGroup), TRADE, generated=False, parts=True, worker=True),
    Operation("PUT", "/portfolio/order_groups/{order_group_id}/reset", "ResetOrderGroup",
              order_groups.changing(ResetOrderGroup), TRADE, body=order_groups.EMPTY, generated=False, parts=True),
    Operation("PUT", "/portfolio/order_groups/{order_group_id}/trigger", "TriggerOrderGroup",
              order_groups.changing(TriggerOrderGroup), TRADE, body=order_groups.EMPTY, generated=False, parts=True,
              worker=True),
    Operation("PUT", "/portfolio/order_groups/{order_group_id}/limit", "UpdateOrderGroupLimit",
              order_groups.changing(UpdateOrderGroupLimit), TRADE, body=order_groups.LIMIT, generated=False, parts=True,
              worker=True),  # (a limit below the window triggers the group: every one of its orders cancelled)
    # communications: block trade proposals, proposed by one side and accepted by the other
    Operation("GET", "/communications/block-trade-proposals", "GetBlockTradeProposals", block_trades.get_proposals,
              BLOCK_READ, generated=False, reach=ACCOUNT),
    Operation("POST", "/communications/block-trade-proposals", "ProposeBlockTrade", block_trades.propose, WRITE,
              body=block_trades.PROPOSE, status=201, generated=False),
    Operation("POST", "/communications/block-trade-proposals/{block_trade_proposal_id}/accept",
              "AcceptBlockTradeProposal", block_trades.accept, BLOCK_ACCEPT, body=block_trades.ACCEPT, status=204,
              generated=False, parts=True),
    # RFQs and quotes (the communications API): a requester's RFQ, makers' quotes, accepted and confirmed
    Operation("GET", "/communications/id", "GetCommunicationsID", communications.get_communications_id, READ,
              generated=False),
    Operation("GET", "/communications/rfqs", "GetRFQs", communications.get_rfqs, READ, generated=False),
    Operation("POST", "/communications/rfqs", "CreateRFQ", communications.create_rfq, TRADE,
              body=communications.CREATE_RFQ, status=201, generated=False),
    Operation("GET", "/communications/rfqs/{rfq_id}", "GetRFQ", communications.get_rfq, READ, generated=False),
    Operation("DELETE", "/communications/rfqs/{rfq_id}", "DeleteRFQ", communications.delete_rfq, TRADE, status=204,
              generated=False, parts=True),
    Operation("GET", "/communications/rfqs/{rfq_id}/quotes/{quote_id}", "GetRFQQuote", communications.get_rfq_quote,
              READ, generated=False),
    Operation("DELETE", "/communications/rfqs/{rfq_id}/quotes/{quote_id}", "DeleteRFQQuote",
              communications.on_quote(DeleteQuote, "DeleteRFQQuote"), TRADE, status=204, generated=False, parts=True),
    Operation("PUT", "/communications/rfqs/{rfq_id}/quotes/{quote_id}/accept", "AcceptRFQQuote",
              communications.on_quote(AcceptQuote, "AcceptRFQQuote"), TRADE, body=communications.ACCEPT, status=204,
              generated=False, parts=True),
    Operation("PUT", "/communications/rfqs/{rfq_id}/quotes/{quote_id}/confirm", "ConfirmRFQQuote",
              communications.on_quote(ConfirmQuote, "ConfirmRFQQuote"), TRADE, body=communications.CONFIRM,
              status=204, generated=False, parts=True),
    Operation("GET", "/communications/quotes", "GetQuotes", communications.get_quotes, READ, generated=False),
    Operation("POST", "/communications/quotes", "CreateQuote", communications.create_quote, TRADE,
              body=communications.CREATE_QUOTE, status=201, generated=False),
    # (the deprecated four: the same answers, the quote named alone)
    Operation("GET", "/communications/quotes/{quote_id}", "GetQuote", communications.get_quote, READ,
              generated=False),
    Operation("DELETE", "/communications/quotes/{quote_id}", "DeleteQuote",
              communications.on_quote(DeleteQuote, "DeleteQuote"), TRADE, status=204, generated=False, parts=True),
    Operation("PUT", "/communications/quotes/{quote_id}/accept", "AcceptQuote",
              communications.on_quote(AcceptQuote, "AcceptQuote"), TRADE, body=communications.ACCEPT, status=204,
              generated=False, parts=True),
    Operation("PUT", "/communications/quotes/{quote_id}/confirm", "ConfirmQuote",
              communications.on_quote(ConfirmQuote, "ConfirmQuote"), TRADE, body=communications.CONFIRM, status=204,
              generated=False, parts=True),
    # RFQ batches: a requester's batch of child RFQs, makers' batch quotes, the best quotes accepted and confirmed
    Operation("GET", "/communications/rfq_batches", "GetRFQBatches", rfq_batches.get_rfq_batches, READ,
              generated=False),
    Operation("POST", "/communications/rfq_batches", "CreateRFQBatch", rfq_batches.create_rfq_batch, TRADE,
              body=rfq_batches.CREATE_BATCH, status=201, generated=False),
    Operation("GET", "/communications/rfq_batches/{rfq_batch_id}", "GetRFQBatch", rfq_batches.get_rfq_batch, READ,
              generated=False),
    Operation("DELETE", "/communications/rfq_batches/{rfq_batch_id}", "DeleteRFQBatch", rfq_batches.delete_rfq_batch,
              TRADE, status=204, generated=False, parts=True),
    Operation("GET", "/communications/rfq_batches/{rfq_batch_id}/best_quotes", "GetRFQBatchBestQuotes",
              rfq_batches.get_best_quotes, READ, generated=False),
    Operation("PUT", "/communications/rfq_batches/{rfq_batch_id}/accept", "AcceptRFQBatch",
              rfq_batches.accept_rfq_batch, TRADE, body=rfq_batches.ACCEPT_BATCH, generated=False, parts=True),
    Operation("GET", "/communications/rfq_batches/{rfq_batch_id}/quotes", "GetRFQBatchQuotes",
              rfq_batches.get_batch_quotes, READ, generated=False),
    Operation("POST", "/communications/rfq_batches/{rfq_batch_id}/quotes", "CreateRFQBatchQuote",
              rfq_batches.create_batch_quote, TRADE, body=rfq_batches.CREATE_BATCH_QUOTE, status=201,
              generated=False, parts=True),
    Operation("DELETE", "/communications/rfq_batches/{rfq_batch_id}/quotes/{batch_quote_id}", "DeleteRFQBatchQuote",
              rfq_batches.DELETE_BATCH_QUOTE, TRADE, status=204, generated=False, parts=True),
    Operation("PUT", "/communications/rfq_batches/{rfq_batch_id}/quotes/{batch_quote_id}/confirm",
              "ConfirmRFQBatchQuote", rfq_batches.CONFIRM_BATCH_QUOTE, TRADE, body=rfq_batches.CONFIRM, status=204,
              generated=False, parts=True),
)  # fmt: skip

BY_ID: dict[str, Operation] = {op.operation_id: op for op in OPERATIONS}
