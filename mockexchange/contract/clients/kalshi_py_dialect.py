"""kalshi-py 2.0.6.6's dialect: a client generated (openapi-python-client) from an older Kalshi spec than the legacy
profile's (its positions still take the `settlement_status` Kalshi removed on 5 December 2025): the legacy profile's
shapes under the wire's names, as kalshi_python_sync 3.2.0's (`OFFICIAL_3_2`), with the operations it was made with
(its module names are the operationIds in snake case, as 3.2.0's methods)."""

from __future__ import annotations

from dataclasses import replace

from mockexchange.contract.clients.dialects import OFFICIAL_3_2
from mockexchange.contract.clients.misreads import Misread, Raises

assert OFFICIAL_3_2.market_data is not None

_ABSENT = frozenset({
    "get_fcm_orders", "get_fcm_positions", "get_series_fee_changes", "get_market_candlesticks_by_event",
    "get_event_forecast_percentiles_history", "get_tags_for_series_categories", "get_filters_for_sports",
    "get_multivariate_events", "get_live_data", "get_live_datas", "get_incentive_programs",
})  # fmt: skip
# What its calls cannot read or ask of the scenes' operations: findings the cells name and show again
_NO_PARAMETERS = Raises("TypeError")  # (its script refuses what the operation's `sync` does not take: a TypeError)
_MISREADS = {
    "GetSeries": Misread(
        "its get_series has no answer model (the spec it was made from gave none), so with the "
        "raise_on_unexpected_status its create_client sets it raises UnexpectedStatus on Kalshi's 200 too",
        "get_series",
        Raises("UnexpectedStatus", 200),
    ),
    "GetSeriesList": Misread(
        "its get_series_list has no answer model either: it raises UnexpectedStatus on the 200 (and it requires the "
        "`category` the spec leaves optional)",
        "get_series_list",
        Raises("UnexpectedStatus", 200),
        required={"category": "Economics"},  # (the markets scene's series')
    ),
    "GetRFQs": Misread(
        "its get_rf_qs takes no parameter (no limit, cursor or status): it cannot walk the RFQs",
        "get_rf_qs",
        _NO_PARAMETERS,
    ),
    "GetQuotes": Misread(
        "its get_quotes takes no parameter (no creator filter, limit or cursor): it cannot ask for the maker's quotes "
        "nor walk them",
        "get_quotes",
        _NO_PARAMETERS,
    ),
    "GetMultivariateEventCollections": Misread(
        "its get_multivariate_event_collections takes no parameter (no limit or cursor): it cannot walk the "
        "collections",
        "get_multivariate_event_collections",
        _NO_PARAMETERS,
    ),
}
KALSHI_PY = replace(
    OFFICIAL_3_2,
    methods={
        name: method for name, method in OFFICIAL_3_2.methods.items() if method not in _ABSENT and name not in _MISREADS
    },
    # `raise_on_unexpected_status=True`: every refusal raises its UnexpectedStatus
    errors=dict.fromkeys((400, 401, 403, 404, 409, 429, 500), "UnexpectedStatus"),
    lacks_params={
        # (its settlement_status is the one Kalshi removed on 5 December 2025: the legacy profile has none)
        "positions": frozenset({"subaccount", "exchange_index", "settlement_status"}),
        "fills": frozenset({"subaccount", "exchange_index"}),
        "settlements": frozenset({"subaccount"}),
        "balance": frozenset({"subaccount", "exchange_index"}),
        "GenerateApiKey": frozenset({"key_type"}),
    },
    lacks={
        **{name: why for name, why in OFFICIAL_3_2.lacks.items() if not why.startswith("3.2.0")},
        "fcm": "kalshi-py has no FCM operations",
        "fcm-desk": "kalshi-py has no FCM operations",
        "transfers": "kalshi-py has no get_deposits or get_withdrawals",
        "subaccounts": "kalshi-py has none of the subaccount, instance transfer or target allocation operations",
        "historical": "kalshi-py has no historical operations (nor has the legacy profile: Kalshi added them in 2026)",
    },
    findings={
        "batch": (
            "TypeError",
            "its batch answer model reads each item's `order` and `error` as objects, where the answer has null for "
            "the one an item does not carry: every batch of orders raises after the exchange placed it",
        ),
        "batch_cancel": (
            "TypeError",
            "its batch cancel answer model reads each item's `order` and `error` as objects, where the answer has "
            "null for the one an item does not carry: it raises after the exchange cancelled",
        ),
    },
    # its orderbook model reads each dollar level as an object: a finding, the read must raise as it does
    market_data=replace(
        OFFICIAL_3_2.market_data,
        breaks={
            "GetMarketOrderbook": (
                "ValueError",
                "its ModelOrderBook reads each `yes_dollars` and `no_dollars` level as an object {price, quantity}, "
                "where Kalshi sends a [price, count] pair",
            )
        },
    ),
    misreads=_MISREADS,
)
