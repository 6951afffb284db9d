"""How each Kalshi client family of the client matrix is called, and under which names and units it hands values back.

A `Dialect` names, for one family (kalshi-sdk; the official generated SDK 3.34.0, sync or async; the official 3.2.0;
pykalshi):
the method path of each endpoint the matrix's reads name (`positions`, `fills`, ...) and of each operation the account
scenes call by Kalshi's operationId (`CreateSubaccount`, ...), the lists a page of it holds, the fields of each record
as (ledger attribute, the client's name, unit) with the units checks.py compares in, the names it gives wire fields,
the exception class it raises for each HTTP status, the parameters it cannot send and the capabilities it lacks. An
operation missing from `methods` is one the client does not have.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from mockexchange.contract.clients.misreads import Misread

# (ledger attribute, the client's field, unit): how one value is compared. Units:
#   text     equal as JSON gives it (strings, ints, bools)      count    Decimal, 2 places
#   dollars  Decimal at the profile's places (6, legacy 4)      price    Decimal, 4 places
#   balance  Decimal, 4 places truncated                         cents    integer cents, truncated
#   whole    integer contracts, truncated                        time     a datetime equal to the ledger's
#   unix     integer Unix seconds (or null)                    number   Decimal, exact (a JSON number or a string)
#   json     a JSON structure (lists, mappings), equal as JSON with its keys sorted
Field = tuple[str, str, str]
DOLLAR_PLACES = {"3.34": 6, "legacy": 4}
POSITION_LISTS = ["market_positions", "event_positions"]


EXCHANGE_STATUS = ("exchange_active", "trading_active", "exchange_estimated_resume_time")


@dataclass(frozen=True)
class MarketData:
    """How a client hands back the market data reads (the `markets` scene): the fields of a market, a trade, an event
    and a series as (attribute of the scene's expected record, the client's field, unit); whether a single answer
    comes in Kalshi's envelope (`{"market": ...}`) or as the record; where a book sits and in which shape (`pairs`:
    `yes_dollars`/`no_dollars` lists of [price, count] under `book_key`; `levels`: `yes`/`no` lists of {price,
    quantity}); what the client cannot parse of a correct answer: operationId -> (the exception it raises, why),
    a finding about the client; and which fields of the exchange's status it keeps."""

    market: tuple[Field, ...]
    trade: tuple[Field, ...]
    event: tuple[Field, ...]
    series: tuple[Field, ...]
    enveloped: bool = True
    book: str = "pairs"
    book_key: str = "orderbook_fp"
    breaks: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    status: tuple[str, ...] = EXCHANGE_STATUS  # the exchange status' fields the client keeps


WIRE_COLLECTION: tuple[Field, ...] = (
    ("collection_ticker", "collection_ticker", "text"), ("series_ticker", "series_ticker", "text"),
    ("title", "title", "text"), ("open_date", "open_date", "time"), ("close_date", "close_date", "time"),
    ("size_min", "size_min", "text"), ("size_max", "size_max", "text"), ("is_all_yes", "is_all_yes", "text"),
    ("event_tickers", "associated_event_tickers", "json"), ("yes_only", "yes_only", "json"),
)  # fmt: skip


@dataclass(frozen=True)
class ExchangeData:
    """How a client hands back what the `exchange-data` and `live-data` scenes read beyond the markets scene's records
    (whose `MarketData` says whether a single answer comes in its envelope): a candle of an event's markets and one of
    the historical API's (a dotted name reaches into a nested price: `price.close_dollars`), and a structured
    target, a milestone, an incentive program, a multivariate collection (`yes_only`: its associated events'
    `is_yes_only`, in order)."""

    candle: tuple[Field, ...]
    historical_candle: tuple[Field, ...]
    target: tuple[Field, ...]
    milestone: tuple[Field, ...]
    program: tuple[Field, ...]
    collection: tuple[Field, ...] = WIRE_COLLECTION


@dataclass(frozen=True)
class Dialect:
    """How one client family is called and how it names and types what it parsed."""

    methods: dict[str, str]  # endpoint or operationId -> dotted method path on the client
    lists: dict[str, str | list[str]]  # endpoint or operationId -> the list(s) a page of it holds (default: "items",
    # for an operation its wire name)
    market: tuple[Field, ...]
    event: tuple[Field, ...]
    fill: tuple[Field, ...]
    settlement: tuple[Field, ...]
    balance: tuple[Field, ...]
    order: tuple[Field, ...]  # Kalshi's Order (GET /historical/orders, GET /fcm/orders)
    errors: Mapping[int, str]  # HTTP status -> the exception class the client raises for it
    iterator: str | None = None  # the client's own positions iterator, if it has one
    breakdowns: bool = True  # balance and resting order value carry a per-exchange breakdown
    renamed: Mapping[str, str] = field(default_factory=dict)  # wire field -> the client's name for it, where it differs
    # operations whose success with no body (as the spec has it) the client cannot parse: a finding about the client
    bodyless_breaks: frozenset[str] = frozenset()
    lacks_params: Mapping[str, frozenset[str]] = field(default_factory=dict)  # endpoint -> parameters it cannot send
    lacks: Mapping[str, str] = field(default_factory=dict)  # capability -> why it does not apply
    market_data: MarketData | None = None  # the `markets` scene's reads
    body: str | None = None  # the argument a request body goes under (None: its fields are keyword arguments)
    # a scene's call id -> (the exception the client raises, why): what it does with a correct request, a finding
    findings: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    exchange_data: ExchangeData | None = None  # the `exchange-data` and `live-data` scenes' records
    # operation -> {Kalshi's parameter: the client's name for it}, where it differs
    params: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    cursors: Mapping[str, str] = field(default_factory=dict)  # operation -> its page's next cursor, where not `cursor`
    # the arguments that make a list method walk every page itself, for a client that hands its users no cursor
    # (pykalshi's `fetch_all=True`): a walk of pages is then one such call, its pages read from the requests it sent
    own_walk: Mapping[str, object] | None = None
    # wire fields of the orders scene's answers the client's models do not keep (pykalshi answers an order write with
    # a model it builds from the acknowledgement and its request): the checks leave them out
    unkept: frozenset[str] = frozenset()
    # operationId -> the request field the client answers back in place of the wire's empty body (pykalshi's
    # transfer_between_subaccounts answers the client_transfer_id it sent)
    echoed: Mapping[str, str] = field(default_factory=dict)
    # operationId -> why the client's call for it cannot ask or read what the spec says, and what shows it
    # (misreads.py): a finding about the client, which the matrix shows again in each run rather than judge the call
    misreads: Mapping[str, Misread] = field(default_factory=dict)
    unwrapped: bool = False  # a single record comes as the record itself, not in Kalshi's envelope (`{"rfq": ...}`)

    def refused(self, error: dict, status: int) -> bool:
        """Whether a call's error (client_harness.py's) is the client's own exception for that HTTP status."""
        return error["status"] == status and self.errors[status] in error["mro"]

    def name(self, wire: str) -> str:
        """The client's name of a wire field."""
        return self.renamed.get(wire, wire)


_FILL_SAME: tuple[Field, ...] = (
    ("fill_id", "fill_id", "text"),
    ("ticker", "ticker", "text"),
    ("side", "side", "text"),
    ("action", "action", "text"),
    ("is_taker", "is_taker", "text"),
    ("created", "created_time", "time"),
)
_MARKET_SAME: tuple[Field, ...] = (("ticker", "ticker", "text"), ("last_updated", "last_updated_ts", "time"))
SETTLEMENT_SAME: tuple[Field, ...] = (
    ("ticker", "ticker", "text"),
    ("market_result", "market_result", "text"),
    ("revenue", "revenue", "cents"),
    ("fee_cost", "fee_cost", "dollars"),
    ("settled_time", "settled_time", "time"),
)
MARKET_AMOUNTS = ("market_exposure", "total_traded", "realized_pnl", "fees_paid")
_EVENT_AMOUNTS = ("total_cost", "event_exposure", "realized_pnl", "fees_paid")


def named_fields(names: tuple[str, ...], unit: str, suffix: str = "") -> tuple[Field, ...]:
    return tuple((name, name + suffix, unit) for name in names)


ORDER_SAME: tuple[Field, ...] = (
    ("order_id", "order_id", "text"),
    ("ticker", "ticker", "text"),
    ("side", "side", "text"),
    ("action", "action", "text"),
    ("status", "status", "text"),
    ("created", "created_time", "time"),
)
_SDK_ERRORS = {
    400: "KalshiValidationError", 403: "KalshiAuthError", 404: "KalshiNotFoundError", 409: "KalshiConflictError",
}  # fmt: skip
_OFFICIAL_ERRORS = {
    400: "BadRequestException", 403: "ForbiddenException", 404: "NotFoundException", 409: "ConflictException",
}  # fmt: skip

# The account's operations (AccountApi, ApiKeysApi, the subaccounts and transfers of PortfolioApi, the historical
# reads, FcmApi): their method in kalshi-sdk and in the official SDKs.
_SDK_OPERATIONS = {
    "GetAccountApiLimits": "account.limits",
    "GetAccountEndpointCosts": "account.endpoint_costs",
    "GetAccountApiUsageLevelVolumeProgress": "account.volume_progress",
    "UpgradeAccountApiUsageLevel": "account.upgrade",
    "GetApiKeys": "api_keys.list",
    "CreateApiKey": "api_keys.create",
    "GenerateApiKey": "api_keys.generate",
    "DeleteApiKey": "api_keys.delete",
    "CreateSubaccount": "subaccounts.create",
    "ApplySubaccountTransfer": "subaccounts.transfer",
    "GetSubaccountBalances": "subaccounts.list_balances",
    "GetSubaccountTransfers": "subaccounts.list_transfers",
    "GetSubaccountNetting": "subaccounts.get_netting",
    "UpdateSubaccountNetting": "subaccounts.update_netting",
    "IntraExchangeInstanceTransfer": "perps.transfers.transfer_instance",  # only its perps client has it
    "GetIntraExchangeInstanceTransfers": "portfolio.intra_exchange_transfers",
    "GetIntraExchangeInstanceTransfer": "portfolio.get_intra_exchange_transfer",
    "GetTargetBalanceAllocation": "portfolio.target_balance_allocation",
    "SetTargetBalanceAllocation": "portfolio.set_target_balance_allocation",
    "GetHistoricalCutoff": "historical.cutoff",
    "GetHistoricalPositions": "historical.positions",
    "GetFillsHistorical": "historical.fills",
    "GetHistoricalOrders": "historical.orders",
    "ListFCMSubtraders": "fcm.list_subtraders",
    "CreateFCMSubtrader": "fcm.create_subtrader",
    "GetFCMSubtraderBlockedCategories": "fcm.blocked_categories",
    "UpdateFCMSubtraderBlockedCategories": "fcm.update_blocked_categories",
    "GetFCMEventContractDailyCap": "fcm.event_contract_daily_cap",
    "UpdateFCMEventContractDailyCap": "fcm.update_event_contract_daily_cap",
    "DeleteFCMEventContractDailyCap": "fcm.delete_event_contract_daily_cap",
    "GetFCMFills": "fcm.fills",
    "GetFCMOrders": "fcm.orders",
    "CreateFCMPositionTransfer": "fcm.create_position_transfer",
    # market data (the `markets` scene)
    "GetMarkets": "markets.list",
    "GetMarket": "markets.get",
    "GetMarketOrderbook": "markets.orderbook",
    "GetMarketOrderbooks": "markets.bulk_orderbooks",
    "GetTrades": "markets.list_trades",
    "GetEvents": "events.list",
    "GetEvent": "events.get",
    "GetSeries": "series.get",
    "GetSeriesList": "series.list",
    "GetExchangeStatus": "exchange.status",
    # orders (the `orders` scene)
    "CreateOrderV2": "orders.create_v2",
    "AmendOrderV2": "orders.amend_v2",
    "DecreaseOrderV2": "orders.decrease_v2",
    "CancelOrderV2": "orders.cancel_v2",
    "BatchCreateOrdersV2": "orders.batch_create_v2",
    "BatchCancelOrdersV2": "orders.batch_cancel_v2",
    "GetOrders": "orders.list",
    "GetOrder": "orders.get",
    "GetOrderQueuePositions": "orders.queue_positions",
    "GetOrderQueuePosition": "orders.queue_position",
    # the exchange's and an event's data, the historical markets, search, multivariate (the `exchange-data` scene)
    "GetExchangeSchedule": "exchange.schedule",
    "GetUserDataTimestamp": "exchange.user_data_timestamp",
    "GetSeriesFeeChanges": "series.fee_changes",
    "GetEventFeeChanges": "events.fee_changes",
    "GetEventMetadata": "events.metadata",
    "GetMarketCandlesticksByEvent": "series.event_candlesticks",
    "GetEventForecastPercentilesHistory": "series.forecast_percentile_history",
    "GetHistoricalMarkets": "historical.markets",
    "GetHistoricalMarket": "historical.market",
    "GetMarketCandlesticksHistorical": "historical.candlesticks",
    "GetTradesHistorical": "historical.trades",
    "GetTagsForSeriesCategories": "search.tags_by_categories",
    "GetFiltersForSports": "search.filters_by_sport",
    "GetMultivariateEventCollections": "multivariate_collections.list",
    "GetMultivariateEventCollection": "multivariate_collections.get",
    "CreateMarketInMultivariateEventCollection": "multivariate_collections.create_market",
    "GetMultivariateEvents": "events.list_multivariate",
    # what the exchange is told from outside (the `live-data` scene)
    "GetMilestones": "milestones.list",
    "GetMilestone": "milestones.get",
    "GetLiveData": "live_data.get_typed",
    "GetLiveDataByMilestone": "live_data.get",
    "GetLiveDatas": "live_data.batch",
    "GetEventLiveData": "live_data.get_event",
    "GetGameStats": "live_data.game_stats",
    "GetWeatherIndex": "live_data.weather",
    "GetWeatherIndexCalibrations": "live_data.weather_calibrations",
    "GetStructuredTargets": "structured_targets.list",
    "GetStructuredTarget": "structured_targets.get",
    "GetIncentivePrograms": "incentive_programs.list",
}
# The communications API (the `rfqs` scene): RFQs, quotes and block trade proposals, under `communications`.
_SDK_COMMUNICATIONS = {
    "GetCommunicationsID": "communications.get_id",
    "CreateRFQ": "communications.rfqs.create",
    "GetRFQs": "communications.rfqs.list",
    "GetRFQ": "communications.rfqs.get",
    "CreateQuote": "communications.quotes.create",
    "GetQuotes": "communications.quotes.list",
    "GetQuote": "communications.quotes.get",
    "GetRFQQuote": "communications.quotes.get_for_rfq",
    "AcceptRFQQuote": "communications.quotes.accept_for_rfq",
    "ConfirmRFQQuote": "communications.quotes.confirm_for_rfq",
    "ProposeBlockTrade": "communications.block_trade_proposals.create",
    "GetBlockTradeProposals": "communications.block_trade_proposals.list",
    "AcceptBlockTradeProposal": "communications.block_trade_proposals.accept",
}
_SDK_OPERATIONS |= _SDK_COMMUNICATIONS
_SDK_PAGES = (  # answered as the SDK's `Page`, its list under `items`
    "fills", "settlements", "deposits", "withdrawals", "GetSubaccountTransfers", "GetIntraExchangeInstanceTransfers",
    "GetFillsHistorical", "GetHistoricalOrders", "GetFCMOrders", "GetMarkets", "GetTrades", "GetEvents", "GetOrders",
    "GetRFQs", "GetQuotes", "GetBlockTradeProposals", "GetEventFeeChanges", "GetHistoricalMarkets",
    "GetTradesHistorical", "GetMultivariateEventCollections", "GetMultivariateEvents", "GetMilestones",
    "GetStructuredTargets", "GetIncentivePrograms",
)  # fmt: skip
_SDK_ORDER: tuple[Field, ...] = (
    *ORDER_SAME,
    ("yes_price", "yes_price", "price"),
    ("initial_count", "initial_count", "count"),
    ("remaining_count", "remaining_count", "count"),
    ("last_update", "last_update_time", "time"),
)


# The market data records, compared field by field (the scene's expected records carry these attributes).
LISTED_MARKET: tuple[Field, ...] = (
    ("ticker", "ticker", "text"), ("event_ticker", "event_ticker", "text"), ("status", "status", "text"),
    ("exchange_index", "exchange_index", "text"), ("result", "result", "text"), ("open_time", "open_time", "time"),
    ("close_time", "close_time", "time"), ("floor_strike", "floor_strike", "number"),
)  # fmt: skip
QUOTES = ("yes_bid", "yes_ask", "no_bid", "no_ask", "last_price")
SIZES = ("yes_bid_size", "yes_ask_size", "volume", "open_interest")
_TRADE_SAME: tuple[Field, ...] = (
    ("trade_id", "trade_id", "text"), ("ticker", "ticker", "text"), ("taker_side", "taker_side", "text"),
    ("created", "created_time", "time"),
)  # fmt: skip
_TRADE_SIDES: tuple[Field, ...] = (
    ("taker_side", "taker_outcome_side", "text"),
    ("taker_book_side", "taker_book_side", "text"),
)
EVENT_SAME: tuple[Field, ...] = (
    ("event_ticker", "event_ticker", "text"), ("series_ticker", "series_ticker", "text"), ("title", "title", "text"),
    ("sub_title", "sub_title", "text"), ("mutually_exclusive", "mutually_exclusive", "text"),
)  # fmt: skip
SERIES_SAME: tuple[Field, ...] = (
    ("ticker", "ticker", "text"), ("title", "title", "text"), ("category", "category", "text"),
    ("frequency", "frequency", "text"), ("fee_type", "fee_type", "text"),
    ("fee_multiplier", "fee_multiplier", "number"),
)  # fmt: skip
# The 3.34 shapes under the wire's names (the official SDKs' models keep them).
WIRE_MARKET_DATA = MarketData(
    market=(*LISTED_MARKET, *named_fields(QUOTES, "price", "_dollars"), *named_fields(SIZES, "count", "_fp")),
    trade=(*_TRADE_SAME, *_TRADE_SIDES, ("count", "count_fp", "count"), ("yes_price", "yes_price_dollars", "price"),
           ("no_price", "no_price_dollars", "price")),
    event=EVENT_SAME,
    series=SERIES_SAME,
)  # fmt: skip
# A candle's figures (the scene's expected record: its end, trade prices, the YES bid's and ask's close, sizes) under
# the names of a client's model, nested prices by dotted name.
_CANDLE_PRICES = ("open", "high", "low", "close")


def _candle(price: str, count: str, unit: str = "count") -> tuple[Field, ...]:
    return (
        ("end_period_ts", "end_period_ts", "text"),
        *((name, f"price.{name}{price}", "price") for name in _CANDLE_PRICES),
        ("bid_close", f"yes_bid.close{price}", "price"), ("ask_close", f"yes_ask.close{price}", "price"),
        ("volume", f"volume{count}", unit), ("open_interest", f"open_interest{count}", unit),
    )  # fmt: skip


def _target(kind: str) -> tuple[Field, ...]:
    return (
        ("structured_target_id", "id", "text"), ("name", "name", "text"), ("type", kind, "text"),
        ("details", "details", "json"), ("source_id", "source_id", "text"), ("last_updated", "last_updated_ts", "time"),
    )  # fmt: skip


_MILESTONE: tuple[Field, ...] = (
    ("milestone_id", "id", "text"), ("category", "category", "text"), ("type", "type", "text"),
    ("start_date", "start_date", "time"), ("end_date", "end_date", "time"), ("title", "title", "text"),
    ("related_event_tickers", "related_event_tickers", "json"),
    ("primary_event_tickers", "primary_event_tickers", "json"), ("details", "details", "json"),
    ("last_updated", "last_updated_ts", "time"), ("source_ids", "source_ids", "json"),
)  # fmt: skip
_PROGRAM: tuple[Field, ...] = (
    ("incentive_program_id", "id", "text"), ("market_ticker", "market_ticker", "text"),
    ("incentive_type", "incentive_type", "text"), ("start_date", "start_date", "time"),
    ("end_date", "end_date", "time"), ("period_reward", "period_reward", "text"), ("paid_out", "paid_out", "text"),
    ("discount_factor_bps", "discount_factor_bps", "text"), ("market_id", "market_id", "text"),
    ("incentive_description", "incentive_description", "text"), ("target_size", "target_size_fp", "count"),
    ("max_reward_per_account", "max_reward_per_account", "text"),
)  # fmt: skip
# the wire's names: the official SDKs' models keep them (the historical API's candles drop `_dollars` and `_fp`)
WIRE_EXCHANGE_DATA = ExchangeData(_candle("_dollars", "_fp"), _candle("", ""), _target("type"), _MILESTONE, _PROGRAM)
_LIQUIDITY = "its Market requires `liquidity_dollars`, which 3.34.0's Market does not have"


def _snake(operation: str) -> str:
    """The generated SDK's method for an operationId: `GetFCMOrders` -> `get_fcm_orders`."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", operation).lower()


# kalshi-sdk: its own method names and iterators, amounts parsed into Decimals under the short names.
SDK = Dialect(
    methods={
        **_SDK_OPERATIONS,
        "positions": "portfolio.positions",
        "fcm_positions": "fcm.positions",
        "balance": "portfolio.balance",
        "fills": "portfolio.fills",
        "settlements": "portfolio.settlements",
        "deposits": "portfolio.deposits",
        "withdrawals": "portfolio.withdrawals",
        "resting": "portfolio.total_resting_order_value",
    },
    lists={
        "positions": POSITION_LISTS,
        "fcm_positions": POSITION_LISTS,
        **dict.fromkeys(_SDK_PAGES, "items"),
    },
    market=(*_MARKET_SAME, ("position", "position", "count"), *named_fields(MARKET_AMOUNTS, "dollars")),
    event=(
        ("event_ticker", "event_ticker", "text"),
        ("total_cost_shares", "total_cost_shares", "count"),
        *named_fields(_EVENT_AMOUNTS, "dollars"),
    ),
    fill=(
        *_FILL_SAME,
        ("count", "count", "count"),
        ("yes_price", "yes_price", "price"),
        ("fee", "fee_cost", "dollars"),
    ),
    settlement=(
        *SETTLEMENT_SAME,
        ("yes_count", "yes_count", "count"),
        ("no_count", "no_count", "count"),
        ("yes_total_cost", "yes_total_cost", "dollars"),
        ("no_total_cost", "no_total_cost", "dollars"),
    ),
    balance=(("balance", "balance", "cents"), ("balance", "balance_dollars", "balance")),
    order=_SDK_ORDER,
    errors=_SDK_ERRORS,
    iterator="portfolio.positions_all",
    bodyless_breaks=frozenset({"UpgradeAccountApiUsageLevel"}),  # `account.upgrade` parses the 201 as JSON
    market_data=MarketData(
        market=(*LISTED_MARKET, *named_fields(QUOTES, "price"), *named_fields(SIZES, "count")),
        trade=(
            *_TRADE_SAME,
            *_TRADE_SIDES,
            ("count", "count", "count"),
            ("yes_price", "yes_price", "price"),
            ("no_price", "no_price", "price"),
        ),
        event=EVENT_SAME,
        series=SERIES_SAME,
        enveloped=False,
        book="levels",
        book_key="",
        breaks=dict.fromkeys(
            ("GetMarkets", "GetMarket", "GetHistoricalMarkets", "GetHistoricalMarket"), ("ValidationError", _LIQUIDITY)
        ),
    ),  # fmt: skip
    exchange_data=ExchangeData(_candle("", ""), _candle("", ""), _target("target_type"), _MILESTONE, _PROGRAM),
    params={"GetLiveData": {"type": "milestone_type"}},
    renamed={
        "trailing_30d_volume_fp": "trailing_30d_volume",
        "earn_volume_goal_fp": "earn_volume_goal",
        "keep_volume_goal_fp": "keep_volume_goal",
        "count_fp": "count",
        "yes_price_dollars": "yes_price",
        "fill_count_fp": "fill_count",
        "taker_fees_dollars": "taker_fees",
        "taker_fill_cost_dollars": "taker_fill_cost",
        "queue_position_fp": "queue_position",
        "contracts_fp": "contracts",
        "yes_bid_dollars": "yes_bid",
        "no_bid_dollars": "no_bid",
    },
    body="request",  # its order writes take the body as its request model only
    findings={
        "unnamed": (
            "ValidationError",
            "its CreateOrderV2Request requires `client_order_id`, which the spec "
            "makes optional: it raises before sending",
        )
    },
)

_OFFICIAL_METHODS = {
    **{operation: _snake(operation) for operation in _SDK_OPERATIONS},
    # (`_snake` splits an acronym's plural: the SDK keeps `rfqs` whole)
    "GetRFQs": "get_rfqs",
    "CreateRFQ": "create_rfq",
    "GetRFQ": "get_rfq",
    "GetRFQQuote": "get_rfq_quote",
    "AcceptRFQQuote": "accept_rfq_quote",
    "ConfirmRFQQuote": "confirm_rfq_quote",
    # the deprecated routes by the quote's id (the `rfqs` scene calls them only for a client without the scoped ones)
    "AcceptQuote": "accept_quote",
    "ConfirmQuote": "confirm_quote",
    "positions": "get_positions",
    "fcm_positions": "get_fcm_positions",
    "balance": "get_balance",
    "fills": "get_fills",
    "settlements": "get_settlements",
    "deposits": "get_deposits",
    "withdrawals": "get_withdrawals",
    "resting": "get_portfolio_resting_order_total_value",
}
_OFFICIAL_LISTS: dict[str, str | list[str]] = {
    "positions": POSITION_LISTS,
    "fcm_positions": POSITION_LISTS,
    **{name: name for name in ("fills", "settlements", "deposits", "withdrawals")},
}
_NO_WEBSOCKET = "the package has no websocket client (REST only)"
_NO_PERPS = "the package has no client of the perps exchange (kalshi-sdk's PerpsClient is the published one)"
# 3.2.0 has the portfolio reads but deposits and withdrawals; of the account's operations the keys and one FCM read
# (no AccountApi, subaccounts, transfers, history).
LEGACY_ORDER_WRITES = (
    "CreateOrder",
    "BatchCreateOrders",
    "AmendOrder",
    "DecreaseOrder",
    "CancelOrder",
    "BatchCancelOrders",
)
_HAS_3_2 = ("positions", "fcm_positions", "balance", "fills", "settlements", "resting")
_OPERATIONS_3_2: tuple[str, ...] = ("GetApiKeys", "CreateApiKey", "GenerateApiKey", "DeleteApiKey", "GetFCMOrders")
_OPERATIONS_3_2 += (  # the market data reads but GetMarketOrderbooks (Kalshi added it later)
    "GetMarkets", "GetMarket", "GetMarketOrderbook", "GetTrades", "GetEvents", "GetEvent", "GetSeries",
    "GetSeriesList", "GetExchangeStatus",
)  # fmt: skip
# the order reads; its order writes are the legacy ones (the `orders` scene places v2 orders: n/a)
_OPERATIONS_3_2 += ("GetOrders", "GetOrder", "GetOrderQueuePositions", "GetOrderQueuePosition")
# the RFQs and quotes by the quote alone (none of the RFQ-scoped quote operations, nor block trades)
_OPERATIONS_3_2 += ("GetCommunicationsID", "CreateRFQ", "GetRFQs", "GetRFQ", "CreateQuote", "GetQuotes", "GetQuote")
_OPERATIONS_3_2 += ("AcceptQuote", "ConfirmQuote")
# of the exchange's and an event's data, search and multivariate all but the event fee changes and the historical API;
# of what the exchange is told the milestones, the typed and batch live data reads, the targets and the programs
_OPERATIONS_3_2 += (
    "GetExchangeSchedule", "GetUserDataTimestamp", "GetSeriesFeeChanges", "GetEventMetadata",
    "GetMarketCandlesticksByEvent", "GetEventForecastPercentilesHistory", "GetTagsForSeriesCategories",
    "GetFiltersForSports", "GetMultivariateEventCollections", "GetMultivariateEventCollection",
    "CreateMarketInMultivariateEventCollection", "GetMultivariateEvents", "GetMilestones", "GetMilestone",
    "GetLiveData", "GetLiveDatas", "GetStructuredTargets", "GetStructuredTarget", "GetIncentivePrograms",
)  # fmt: skip

# kalshi_python_sync / kalshi_python_async 3.34.0: the wire's names, amounts kept as the wire's strings.
OFFICIAL = Dialect(
    methods=_OFFICIAL_METHODS,
    lists=_OFFICIAL_LISTS,
    market=(*_MARKET_SAME, ("position", "position_fp", "count"), *named_fields(MARKET_AMOUNTS, "dollars", "_dollars")),
    event=(
        ("event_ticker", "event_ticker", "text"),
        ("total_cost_shares", "total_cost_shares_fp", "count"),
        *named_fields(_EVENT_AMOUNTS, "dollars", "_dollars"),
    ),
    fill=(
        *_FILL_SAME,
        ("count", "count_fp", "count"),
        ("yes_price", "yes_price_dollars", "price"),
        ("fee", "fee_cost", "dollars"),
    ),
    settlement=(
        *SETTLEMENT_SAME,
        ("yes_count", "yes_count_fp", "count"),
        ("no_count", "no_count_fp", "count"),
        ("yes_total_cost", "yes_total_cost_dollars", "dollars"),
        ("no_total_cost", "no_total_cost_dollars", "dollars"),
    ),
    balance=(("balance", "balance", "cents"), ("balance", "balance_dollars", "balance")),
    order=(
        *ORDER_SAME,
        ("yes_price", "yes_price_dollars", "price"),
        ("initial_count", "initial_count_fp", "count"),
        ("remaining_count", "remaining_count_fp", "count"),
        ("last_update", "last_update_time", "time"),
    ),
    errors=_OFFICIAL_ERRORS,
    lacks={
        "websocket": _NO_WEBSOCKET,
        "orderbook-ws": _NO_WEBSOCKET,
        "market-ws": _NO_WEBSOCKET,
        "perps": _NO_PERPS,
        "perps-ws": _NO_PERPS,
    },
    market_data=WIRE_MARKET_DATA,
    exchange_data=WIRE_EXCHANGE_DATA,
    cursors={"GetIncentivePrograms": "next_cursor"},
)

# kalshi_python_sync 3.2.0: the integer fields of late 2025 (cents, whole contracts) beside 4-place dollar strings;
# fewer parameters, no deposits or withdrawals, no breakdowns.
OFFICIAL_3_2 = Dialect(
    methods={
        **{name: method for name, method in _OFFICIAL_METHODS.items() if name in _HAS_3_2 or name in _OPERATIONS_3_2},
        "GetExchangeAnnouncements": "get_exchange_announcements",  # (the legacy profile's: gone from 3.34.0)
        # the first order routes (the legacy profile's `orders` scene: scenes/legacy_orders.py)
        **{operation: _snake(operation) for operation in LEGACY_ORDER_WRITES},
    },
    lists=_OFFICIAL_LISTS,
    market=(
        *_MARKET_SAME,
        ("position", "position", "whole"),
        *named_fields(MARKET_AMOUNTS, "cents"),
        *named_fields(MARKET_AMOUNTS, "dollars", "_dollars"),
    ),
    event=(
        ("event_ticker", "event_ticker", "text"),
        ("total_cost_shares", "total_cost_shares", "whole"),
        *named_fields(_EVENT_AMOUNTS, "cents"),
        *named_fields(_EVENT_AMOUNTS, "dollars", "_dollars"),
    ),
    fill=(
        *_FILL_SAME,
        ("count", "count", "whole"),
        ("yes_price", "yes_price", "cents"),
        ("yes_price", "yes_price_fixed", "price"),
        ("created", "ts", "unix"),
    ),
    settlement=(
        *SETTLEMENT_SAME,
        ("yes_count", "yes_count", "whole"),
        ("no_count", "no_count", "whole"),
        ("yes_total_cost", "yes_total_cost", "cents"),
        ("no_total_cost", "no_total_cost", "cents"),
    ),
    balance=(("balance", "balance", "cents"),),
    order=(
        *ORDER_SAME,
        ("yes_price", "yes_price", "cents"),
        ("yes_price", "yes_price_dollars", "price"),
        ("initial_count", "initial_count", "whole"),
        ("remaining_count", "remaining_count", "whole"),
    ),
    errors=_OFFICIAL_ERRORS,
    breakdowns=False,
    lacks_params={
        "positions": frozenset({"settlement_status", "subaccount", "exchange_index"}),
        "fills": frozenset({"subaccount", "exchange_index"}),
        "settlements": frozenset({"subaccount"}),
        "balance": frozenset({"subaccount", "exchange_index"}),
        "GenerateApiKey": frozenset({"key_type"}),
    },
    market_data=MarketData(
        market=(
            *(
                ("legacy_status", "status", "text") if f[0] == "status" else f
                for f in LISTED_MARKET
                if f[0] != "exchange_index"
            ),  # 3.2.0's Market has no exchange_index
            *named_fields(QUOTES, "cents"),
            *named_fields(QUOTES, "price", "_dollars"),
            ("volume", "volume", "whole"),
            ("open_interest", "open_interest", "whole"),
        ),
        trade=(
            *_TRADE_SAME,
            ("count", "count", "whole"),
            ("yes_price", "yes_price", "cents"),
            ("no_price", "no_price", "cents"),
            ("yes_price", "yes_price_dollars", "price"),
        ),
        event=EVENT_SAME,
        series=SERIES_SAME,
        book_key="orderbook",
    ),
    lacks={
        "websocket": _NO_WEBSOCKET,
        "orderbook-ws": _NO_WEBSOCKET,
        "market-ws": _NO_WEBSOCKET,
        "perps": _NO_PERPS,
        "perps-ws": _NO_PERPS,
        "transfers": "3.2.0 has no get_deposits or get_withdrawals",
        "subaccounts": "3.2.0 has none of the subaccount, instance transfer or target allocation operations",
        "historical": "3.2.0 has no HistoricalApi (nor has the legacy profile: Kalshi added it in 2026)",
    },
    # its candles' sizes are the legacy profile's whole contracts (3.2.0's MarketCandlestick has no `_fp` twins); its
    # Milestone has no source_ids, its IncentiveProgram no market id, description or reward cap, its size whole
    exchange_data=ExchangeData(
        _candle("_dollars", "", "whole"),
        _candle("", ""),
        _target("type"),
        _MILESTONE[:-1],
        (*_PROGRAM[:8], ("target_size", "target_size", "whole")),
    ),
    cursors={"GetIncentivePrograms": "next_cursor"},
    renamed={"contracts_fp": "contracts"},  # an RFQ's and a quote's whole contracts (the legacy profile's twins)
    findings={
        "accept": (
            "ValidationError",
            "its AcceptQuoteRequest takes accepted_side only as 'true' or 'false' (the spec's yes and no read as YAML "
            "booleans; Kalshi takes yes or no): it raises before sending, and cannot accept a quote",
        ),
        "combo": (
            "ValidationError",
            "its TickerPair takes side only as 'true' or 'false' (the spec's yes and no read as YAML booleans): it "
            "raises before sending, and cannot make a combo market",
        ),
    },
)
