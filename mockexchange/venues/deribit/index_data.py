"""Deribit's public reads of price indices and volatility: `public/get_index_price` and `get_index_price_names` (each
index's price now, core/deribit/market.py), `get_mark_price_history` (an option's mark every 5 minutes,
core/deribit/index_history.py), `get_historical_volatility` (core/deribit/volatility.py), `get_volatility_index_data`
(the candles of a currency's volatility index, the price index `btcdvol_usdc`), and `get_apr_history` (a yield token's
APR by day, core/deribit/apr.py); and their rows.

What the mock has no source for is set through the control plane over the exchange clock; a read answers what was set up
to the clock's time now (an empty history where nothing was). Prices and values are written to 8 places.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from mockexchange.core.clock import unix_ms
from mockexchange.core.deribit import index_history
from mockexchange.core.deribit.apr import AprDay
from mockexchange.core.deribit.feed_commands import APR_CURRENCIES
from mockexchange.core.deribit.index_history import IndexCandle
from mockexchange.core.deribit.records import Price
from mockexchange.core.deribit.volatility import volatility_index
from mockexchange.core.values import Integer
from mockexchange.venues.deribit.errors import invalid_param
from mockexchange.venues.deribit.methods import Method, RpcCall, listed_instrument
from mockexchange.venues.deribit.params import BOOLEAN, INTEGER, STRING
from mockexchange.venues.deribit.render import PRICE, Row, number

MAX_MARKS = 1_000  # an option's marks one read answers, the newest (the mock's bound)
MAX_CANDLES = 1_000  # volatility index candles a read answers, the newest; `continuation` asks for the ones before
# public/get_volatility_index_data's `resolution` (Deribit's: seconds, or 1D) -> the span of a candle
RESOLUTIONS = {**{text: timedelta(seconds=int(text)) for text in ("1", "60", "3600", "43200")}, "1D": timedelta(days=1)}
DAYS = Integer(1, 365)  # `limit` of public/get_apr_history (Deribit's default and maximum: 365)


def public_get_index_price(call: RpcCall) -> Any:
    name = call.params.read("index_name", STRING, required=True).lower()
    with call.ctx.exchange.reading():
        price = call.ctx.exchange.market.index_or_none(name)
    if price is None:
        raise invalid_param(
            "index_name", "invalid index_name", f"no price for the index {name[:64]!r} (set_index_price)"
        )
    # (the estimated delivery price is the index: the mock averages nothing before an expiry)
    return {"index_price": number(price, PRICE), "estimated_delivery_price": number(price, PRICE)}


def public_get_index_price_names(call: RpcCall) -> Any:
    extended = call.params.read("extended", BOOLEAN, False)
    with call.ctx.exchange.reading():
        names = sorted(call.ctx.exchange.market.index_prices())
    return [index_name_row(name, extended) for name in names]


def public_get_mark_price_history(call: RpcCall) -> Any:
    name = listed_instrument(call)
    start, end = call.params.time("start_timestamp"), call.params.time("end_timestamp")
    exchange = call.ctx.exchange
    with exchange.reading():
        marks = index_history.mark_history(exchange, name, start, end, MAX_MARKS)
    return [point_row(mark) for mark in marks]


def public_get_historical_volatility(call: RpcCall) -> Any:
    currency = call.params.currency(allow_any=False, required=True)
    with call.ctx.exchange.reading():
        points = call.ctx.exchange.historical_volatility.history(currency)
    return [point_row(point) for point in points]


def public_get_volatility_index_data(call: RpcCall) -> Any:
    currency = call.params.currency(allow_any=False, required=True)
    start, end = call.params.time("start_timestamp"), call.params.time("end_timestamp")
    # a candle's span: seconds Deribit takes (a JSON number, or its text) or `1D`
    span = call.params.named("resolution", RESOLUTIONS, "resolution must be one of {allowed}, not {value}")
    exchange = call.ctx.exchange
    with exchange.reading():
        path = exchange.market.index_path(volatility_index(currency))
        now = exchange.state.clock.now()
        made, more = ([], None) if path is None else index_history.candles(path, span, start, end, now, MAX_CANDLES)
    return {"data": [candle_row(candle) for candle in made], "continuation": None if more is None else unix_ms(more)}


def public_get_apr_history(call: RpcCall) -> Any:
    given = call.params.read("currency", STRING, required=True)
    if given.lower() not in APR_CURRENCIES:
        allowed = ", ".join(APR_CURRENCIES)
        raise invalid_param("currency", "invalid currency", f"currency {given[:64]!r} is not one of {allowed}")
    limit = call.params.read("limit", DAYS, 365)
    before = call.params.read("before", INTEGER)
    with call.ctx.exchange.reading():
        days, more = call.ctx.exchange.apr.days(given.lower(), limit, before)
    return {"data": [apr_row(day) for day in days], "continuation": more}


METHODS: dict[str, Method] = {
    "public/get_index_price": Method(public_get_index_price),
    "public/get_index_price_names": Method(public_get_index_price_names),
    "public/get_mark_price_history": Method(public_get_mark_price_history, instrument=True),
    "public/get_historical_volatility": Method(public_get_historical_volatility),
    "public/get_volatility_index_data": Method(public_get_volatility_index_data),
    "public/get_apr_history": Method(public_get_apr_history),
}


# -- rows -------------------------------------------------------------------------------------------------------------


def index_name_row(name: str, extended: bool) -> Row:
    """An index's name; `extended`: whether combos may be made on it (the mock makes none)."""
    if not extended:
        return {"name": name}
    return {"name": name, "future_combo_creation_enabled": False, "option_combo_creation_enabled": False}


def point_row(point: Price) -> list[Any]:
    """`[timestamp, value]`: a mark's, a historical volatility's."""
    return [unix_ms(point.timestamp), number(point.value, PRICE)]


def candle_row(candle: IndexCandle) -> list[Any]:
    return [
        unix_ms(candle.timestamp),
        *(number(v, PRICE) for v in (candle.open, candle.high, candle.low, candle.close)),
    ]


def apr_row(day: AprDay) -> Row:
    return {"day": day.day, "apr": number(day.apr, PRICE)}
