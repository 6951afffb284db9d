"""pykalshi 2.0.0's dialect: a typed client of its own making (not generated from the spec), the wire's names kept,
amounts the wire's strings."""

from __future__ import annotations

from dataclasses import replace

from mockexchange.contract.clients.dialects import (
    EVENT_SAME,
    EXCHANGE_STATUS,
    LISTED_MARKET,
    MARKET_AMOUNTS,
    ORDER_SAME,
    QUOTES,
    SERIES_SAME,
    SETTLEMENT_SAME,
    SIZES,
    WIRE_COLLECTION,
    WIRE_EXCHANGE_DATA,
    WIRE_MARKET_DATA,
    Dialect,
    MarketData,
    named_fields,
)
from mockexchange.contract.clients.misreads import Answers, Asks, Misread, Sends

# pykalshi 2.0.0: a typed client of its own making, the wire's names kept, amounts the wire's strings. Its list methods
# answer plain lists and walk the cursor themselves (`fetch_all=True`); its positions keep the market positions only.
PYKALSHI = Dialect(
    methods={
        "positions": "portfolio.get_positions",
        "balance": "portfolio.get_balance",
        "resting": "portfolio.get_resting_order_value",  # (its answer a misread: below)
        "fills": "portfolio.get_fills",
        "settlements": "portfolio.get_settlements",
        # market data (the `markets` scene); a book is read from the `Market` it answers (pykalshi_client.py)
        "GetMarkets": "get_markets",
        "GetMarketOrderbook": "market_orderbook",
        "GetMarket": "get_market",
        "GetTrades": "get_trades",
        "GetEvents": "get_events",
        "GetEvent": "get_event",
        "GetSeries": "get_series",
        "GetSeriesList": "get_all_series",
        "GetExchangeStatus": "exchange.get_status",
        # the historical API (the `historical` scene): it has no GetHistoricalPositions
        "GetHistoricalCutoff": "history.get_cutoff",
        "GetFillsHistorical": "history.get_fills",
        "GetHistoricalOrders": "history.get_orders",
        # its orders (the `orders` scene): writes answered with the `Order` it builds from the acknowledgement
        "CreateOrderV2": "portfolio.place_order",
        "BatchCreateOrdersV2": "portfolio.batch_place_orders",
        "AmendOrderV2": "portfolio.amend_order",
        "DecreaseOrderV2": "portfolio.decrease_order",
        "CancelOrderV2": "portfolio.cancel_order",
        "BatchCancelOrdersV2": "portfolio.batch_cancel_orders",
        "GetOrders": "portfolio.get_orders",
        "GetOrder": "portfolio.get_order",
        "GetOrderQueuePositions": "portfolio.get_queue_positions",
        "GetOrderQueuePosition": "portfolio.get_queue_position",
        # its subaccounts (the `subaccounts` scene): it has no instance transfers or target allocation
        "CreateSubaccount": "portfolio.create_subaccount",
        "ApplySubaccountTransfer": "portfolio.transfer_between_subaccounts",
        "GetSubaccountBalances": "portfolio.get_subaccount_balances",
        "GetSubaccountTransfers": "portfolio.get_subaccount_transfers",
        "GetSubaccountNetting": "portfolio.get_subaccount_netting",
        "UpdateSubaccountNetting": "portfolio.update_subaccount_netting",
        # its RFQs (the `rfqs` scene): it has no quote read, accept or confirm, nor block trades
        "CreateRFQ": "communications.create_rfq",
        "GetRFQs": "communications.get_rfqs",
        "GetRFQ": "communications.get_rfq",
        "CreateQuote": "communications.create_quote",
        # what the exchange says of itself, the historical API's market data, the multivariate collections (the
        # `exchange-data` scene); a combo is made through the collection it answers (pykalshi_client.py)
        "GetExchangeSchedule": "exchange.get_schedule",
        "GetHistoricalMarkets": "history.get_markets",
        "GetHistoricalMarket": "history.get_market",
        "GetMarketCandlesticksHistorical": "history.get_candlesticks",
        "GetTradesHistorical": "history.get_trades",
        "GetMultivariateEventCollections": "get_mve_collections",
        "GetMultivariateEventCollection": "get_mve_collection",
        "CreateMarketInMultivariateEventCollection": "create_combo",
        "GetMultivariateEvents": "get_multivariate_events",
        # its keys and limits (the `account` scene): it generates a key of the default type and scopes only
        "GetAccountApiLimits": "api_keys.get_limits",
        "GenerateApiKey": "api_keys.generate",
        "CreateApiKey": "api_keys.create",
        "DeleteApiKey": "api_keys.delete",
        "GetApiKeys": "api_keys.list",
    },
    lists={"positions": "market_positions", **{name: name for name in ("fills", "settlements")}},
    # an order write's counts; a key's id; a combo's ticker (it answers the combo's Market)
    renamed={
        "fill_count": "fill_count_fp",
        "remaining_count": "remaining_count_fp",
        "api_key_id": "id",
        "market_ticker": "ticker",
    },  # fmt: skip
    # its limits model reads `read_limit` and `write_limit`, which the spec's answer does not have
    unkept=frozenset(
        {
            "average_fill_price",
            "average_fee_paid",
            "ts_ms",
            "reduced_by",
            "market_ticker",
            "key_type",
            "read",
            "write",
            "grants",
        }
    ),  # fmt: skip
    echoed={"ApplySubaccountTransfer": "client_transfer_id"},
    unwrapped=True,
    misreads={
        "GetUserDataTimestamp": Misread(
            "its exchange.get_user_data_timestamp reads `user_data_timestamp`, which the spec's answer does not have "
            "(`as_of_time`), so it answers 0",
            "exchange.get_user_data_timestamp",
            Answers(0),
        ),
        "GetQuotes": Misread(
            "its communications.get_quotes sends the quote creator as `creator_user_id`, which the spec names "
            "`quote_creator_user_id`",
            "communications.get_quotes",
            Sends("creator_user_id", "quote_creator_user_id"),
            params={"quote_creator_user_id": "creator_user_id"},
        ),
        # (a read column's misread: its refusals are judged, its answer by the sign)
        "resting": Misread(
            "its portfolio.get_resting_order_value reads `total_resting_order_value_dollars`, which the spec's answer "
            'does not have (`total_resting_order_value`, cents), so it answers "0" (docs/trading-bot.md)',
            "portfolio.get_resting_order_value",
            Answers("0"),
        ),
        "GetEventForecastPercentilesHistory": Misread(
            "its Event.get_forecast_percentile_history asks /events/{ticker}/forecast/percentile_history, a path the "
            "spec does not have, without the window it requires",
            "event_forecast",
            Asks("/forecast/percentile_history"),
        ),
    },
    market=(
        ("ticker", "ticker", "text"),
        ("last_updated", "last_updated_ts", "time"),
        ("position", "position_fp", "count"),
        *named_fields(MARKET_AMOUNTS, "dollars", "_dollars"),
    ),
    event=(),  # (its positions keep no event positions)
    fill=(
        ("fill_id", "fill_id", "text"),
        ("ticker", "ticker", "text"),
        ("order_id", "order_id", "text"),
        ("side", "side", "text"),
        ("action", "action", "text"),
        ("is_taker", "is_taker", "text"),
        ("created", "created_time", "time"),
        ("count", "count_fp", "count"),
        ("yes_price", "yes_price_dollars", "price"),
        ("fee", "fee_cost_dollars", "dollars"),
    ),
    settlement=(
        *SETTLEMENT_SAME,
        ("event_ticker", "event_ticker", "text"),
        ("yes_count", "yes_count_fp", "count"),
        ("no_count", "no_count_fp", "count"),
        ("yes_total_cost", "yes_total_cost_dollars", "dollars"),
        ("no_total_cost", "no_total_cost_dollars", "dollars"),
    ),
    balance=(("balance", "balance", "cents"),),  # its Balance keeps the cents and the portfolio value only
    order=ORDER_SAME,
    errors={400: "KalshiAPIError", 403: "AuthenticationError", 404: "ResourceNotFoundError", 409: "KalshiAPIError"},
    breakdowns=False,
    # its get_balance takes no parameter; its generate a name only
    lacks_params={
        "balance": frozenset({"subaccount", "exchange_index"}),
        "GenerateApiKey": frozenset({"key_type", "scopes"}),
    },  # fmt: skip
    params={"DeleteApiKey": {"api_key": "key_id"}, "GetMarketCandlesticksHistorical": {"period_interval": "period"}},
    # its collection model reads `size_min_fp` and `size_max_fp`, which the spec's collection does not have, and keeps
    # neither `is_all_yes` nor `associated_event_tickers`
    exchange_data=replace(WIRE_EXCHANGE_DATA, collection=WIRE_COLLECTION[:5] + WIRE_COLLECTION[-1:]),
    own_walk={"fetch_all": True},
    # its Market has no exchange_index, its Series no fee type or multiplier; it answers a record unwrapped
    market_data=MarketData(
        market=(
            *(f for f in LISTED_MARKET if f[0] != "exchange_index"),
            *named_fields(QUOTES, "price", "_dollars"),
            *named_fields(SIZES, "count", "_fp"),
        ),
        trade=WIRE_MARKET_DATA.trade,
        event=EVENT_SAME,
        series=SERIES_SAME[:4],
        enveloped=False,
        book_key="",
        status=EXCHANGE_STATUS[:2],  # its ExchangeStatus keeps no resume time
    ),
    lacks={
        "fcm": "pykalshi has no FCM operations",
        "transfers": "pykalshi has no GetDeposits or GetWithdrawals",
        "perps": "pykalshi has no client of the perps exchange",
        "perps-ws": "pykalshi has no client of the perps exchange",
        "fcm-desk": "pykalshi has no FCM operations",
        "live-data": "pykalshi has no live data, milestone, structured target or incentive program operations",
    },
)
