"""The public market data reads of `contract check-deribit`: the order book (by name and by instrument id), the ticker,
the book summaries, the last trades (by instrument and by currency, and their `_and_time` forms), the TradingView
chart, the trade volumes, an instrument, its contract size, the expirations, the delivery prices of its index and
the last settlements; the index's price and the index names, the mark price history, the funding rate (its value,
history and chart), the historical volatility, the volatility index, the APR history; the platform's status,
`public/hello` and the announcements. Each is called with valid params (the instrument the check asks about, its id
and its index from `public/get_instruments`' row of it; windows of the hour, 8 hours or day before the window's end)
and, where one can be made, invalid ones.
"""

from __future__ import annotations

from typing import Any

from mockexchange.contract.deribit.writes import NOT_A_CURRENCY, NOT_AN_INSTRUMENT, Params

HOUR_MS = 3_600_000
SPANS = (HOUR_MS, 8 * HOUR_MS, 24 * HOUR_MS)  # the windows asked about: the hour, 8 hours, the day before the end
APR_CURRENCY = "usde"  # a yield token get_apr_history knows
CLIENT_NAME, CLIENT_VERSION = "mockexchange-contract-kit", "1"  # who public/hello introduces


def read_cases(method: str, ctx: dict[str, Any]) -> list[tuple[str, Params | None]] | None:
    """(kind, params) of each call of a market data read; None for a method that is none."""
    currency, instrument, row = ctx["currency"], ctx["instrument"], ctx.get("instrument_row") or {}
    by_instrument = {"instrument_name": instrument} if instrument else None
    window = {"start_timestamp": 0, "end_timestamp": ctx["now_ms"]}
    bad_instrument = {"instrument_name": NOT_AN_INSTRUMENT}
    bad_currency = {"currency": NOT_A_CURRENCY}

    def of_instrument(**more: Any) -> Params | None:
        return {**by_instrument, **more} if by_instrument else None

    instrument_id, index = row.get("instrument_id"), row.get("price_index")
    now_ms = ctx["now_ms"]
    hour, eight_hours, day = ({"start_timestamp": now_ms - span, "end_timestamp": now_ms} for span in SPANS)
    chart = {**day, "resolution": "60"}
    table: dict[str, list[tuple[str, Params | None]]] = {
        "public/get_order_book": [("valid", of_instrument(depth=5)), ("invalid", bad_instrument)],
        "public/get_order_book_by_instrument_id": [
            ("valid", {"instrument_id": instrument_id, "depth": 5} if isinstance(instrument_id, int) else None),
            ("invalid", {"instrument_id": "not-a-number"}),
        ],
        "public/ticker": [("valid", by_instrument), ("invalid", bad_instrument)],
        "public/get_book_summary_by_currency": [
            ("valid", {"currency": currency}), ("valid", {"currency": currency, "kind": "option"}),
            ("invalid", bad_currency),
        ],
        "public/get_book_summary_by_instrument": [("valid", by_instrument), ("invalid", bad_instrument)],
        "public/get_last_trades_by_instrument": [
            ("valid", by_instrument), ("valid", of_instrument(count=1, sorting="asc")), ("invalid", bad_instrument),
        ],
        "public/get_last_trades_by_instrument_and_time": [
            ("valid", of_instrument(**window)), ("invalid", {**bad_instrument, **window}),
        ],
        "public/get_last_trades_by_currency": [
            ("valid", {"currency": currency}), ("valid", {"currency": currency, "kind": "future", "count": 1}),
            ("invalid", bad_currency),
        ],
        "public/get_last_trades_by_currency_and_time": [
            ("valid", {"currency": currency, **window}),
            ("invalid", {"currency": currency, "start_timestamp": "soon", "end_timestamp": 1}),
        ],
        "public/get_tradingview_chart_data": [
            ("valid", of_instrument(**chart)), ("invalid", of_instrument(**{**chart, "resolution": "2h"})),
        ],
        "public/get_trade_volumes": [("valid", {}), ("valid", {"extended": True}), ("invalid", {"extended": "yes"})],
        "public/get_instrument": [("valid", by_instrument), ("invalid", bad_instrument)],
        "public/get_contract_size": [("valid", by_instrument), ("invalid", bad_instrument)],
        "public/get_expirations": [
            ("valid", {"currency": currency, "kind": "any"}), ("valid", {"currency": "grouped", "kind": "future"}),
            ("invalid", {"currency": currency, "kind": "perpetual"}),
        ],
        "public/get_delivery_prices": [
            ("valid", {"index_name": index} if isinstance(index, str) else None),
            ("invalid", {"index_name": index or "btc_usd", "count": 0}),
        ],
        "public/get_last_settlements_by_currency": [
            ("valid", {"currency": currency}), ("valid", {"currency": currency, "count": 1}),
            ("invalid", bad_currency),
        ],
        "public/get_last_settlements_by_instrument": [("valid", by_instrument), ("invalid", bad_instrument)],
        "public/get_index_price": [
            ("valid", {"index_name": index} if isinstance(index, str) else None), ("invalid", {"index_name": 7}),
        ],
        "public/get_index_price_names": [
            ("valid", {}), ("valid", {"extended": True}), ("invalid", {"extended": "yes"}),
        ],
        "public/get_mark_price_history": [("valid", of_instrument(**hour)), ("invalid", {**bad_instrument, **hour})],
        "public/get_funding_rate_value": [
            ("valid", of_instrument(**eight_hours)),
            ("invalid", of_instrument(**{**eight_hours, "end_timestamp": "now"})),
        ],
        "public/get_funding_rate_history": [("valid", of_instrument(**day)), ("invalid", {**bad_instrument, **day})],
        "public/get_funding_chart_data": [
            ("valid", of_instrument(length="8h")), ("invalid", of_instrument(length="2h")),
        ],
        "public/get_historical_volatility": [("valid", {"currency": currency}), ("invalid", bad_currency)],
        "public/get_volatility_index_data": [
            ("valid", {"currency": currency, **day, "resolution": "3600"}),
            ("invalid", {"currency": currency, **day, "resolution": "2h"}),
        ],
        "public/get_apr_history": [
            ("valid", {"currency": APR_CURRENCY}), ("valid", {"currency": APR_CURRENCY, "limit": 1}),
            ("invalid", {"currency": NOT_A_CURRENCY}),
        ],
        "public/status": [("valid", {})],
        "public/hello": [
            ("valid", {"client_name": CLIENT_NAME, "client_version": CLIENT_VERSION}),
            ("invalid", {"client_name": CLIENT_NAME}),
        ],
        "public/get_announcements": [("valid", {}), ("valid", {"count": 1}), ("invalid", {"count": 0})],
    }  # fmt: skip
    return table.get(method)
