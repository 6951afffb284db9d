"""What Deribit publishes of the trades made on its books: the last trades (`public/get_last_trades_by_instrument`,
`_by_currency` and their `_and_time` forms), the candles (`public/get_tradingview_chart_data`) and the volumes
(`public/get_trade_volumes`), read from the trades each instrument keeps (core/deribit/trading.py: its newest 10,000,
each trade id once, with the taker's direction) and its candles (core/deribit/candles.py); and their rows, which the
`trades.*` and `chart.trades.*` channels send too (trade_channels.py).

The last trades page as a user's trades do (history.py's `TradeBounds`): `count`, `sorting`, sequence numbers or trade
ids, times, all inclusive, and `has_more`; by currency, every instrument settled in it, in trade id order.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

from mockexchange.core.clock import unix_ms
from mockexchange.core.deribit.candles import MINUTE_MS, RESOLUTIONS, DeribitCandle, chart
from mockexchange.core.deribit.exchange import DeribitExchange
from mockexchange.core.deribit.instruments import Instrument
from mockexchange.core.deribit.records import DeribitTrade
from mockexchange.core.deribit.trading import DAY
from mockexchange.venues.deribit import render
from mockexchange.venues.deribit.history import trade_bounds
from mockexchange.venues.deribit.market_data import VOLUME  # (places: the ticker's volumes')
from mockexchange.venues.deribit.methods import Method, RpcCall, listed_instrument
from mockexchange.venues.deribit.params import BOOLEAN, INTEGER
from mockexchange.web.answers import json_number

Row = render.Row
HUNDRED = Decimal(100)
MAX_CANDLES = 5_000  # candles one chart read answers at most: the newest of the range
# Deribit's resolutions as it names them: minutes, and `1D`
RESOLUTION = {**{str(minutes): minutes for minutes in RESOLUTIONS[:-1]}, "1D": RESOLUTIONS[-1]}
VOLUME_CURRENCIES = ("BTC", "ETH")  # the rows of public/get_trade_volumes: each base coin Deribit lists them for
WEEK, MONTH = timedelta(days=7), timedelta(days=30)
HOUR = 60  # the candles the 7- and 30-day volumes add up


# -- last trades ------------------------------------------------------------------------------------------------------


def _last_trades(call: RpcCall, *, by_instrument: bool, by_time: bool) -> Any:
    bounds = trade_bounds(call, by_instrument=by_instrument, by_time=by_time)
    exchange = call.ctx.exchange
    with exchange.reading():
        kept = exchange.state.instrument_trades
        if by_instrument:
            found = kept.get(listed_instrument(call), ())
            walk: Iterable[DeribitTrade] = found if bounds.ascending else reversed(found)
        else:
            market = exchange.market
            names = [
                name for name in kept
                if market.instrument(name).settlement_currency == bounds.currency
                and bounds.kind in (None, "any", market.instrument(name).kind)
            ]  # fmt: skip
            walk = _merged([kept[name] for name in names], bounds.ascending)
        chosen, more = bounds.page(walk, exchange.market)
        rows = [public_trade(trade, exchange.market.instrument(trade.instrument_name)) for trade in chosen]
    return {"trades": rows, "has_more": more}


def _merged(instruments: list[Any], ascending: bool) -> Iterator[DeribitTrade]:
    """Every instrument's trades in trade id order (each instrument's are in it already)."""
    if len(instruments) == 1:
        return iter(instruments[0]) if ascending else reversed(instruments[0])
    walks = [iter(trades) if ascending else reversed(trades) for trades in instruments]
    return heapq.merge(*walks, key=_trade_number, reverse=not ascending)


def _trade_number(trade: DeribitTrade) -> int:
    return int(trade.trade_id)


def public_trade(trade: DeribitTrade, instrument: Instrument) -> Row:
    """A trade as Deribit publishes it (the last trades, the `trades.*` channels): the taker's direction, no account's
    order, fee or P&L; an option's `iv` (in percent, the volatility it was marked with)."""
    row: Row = {
        "trade_seq": trade.trade_seq,
        "trade_id": trade.trade_id,
        "timestamp": unix_ms(trade.timestamp),
        "tick_direction": trade.tick_direction,
        "price": json_number(trade.price),
        "instrument_name": trade.instrument_name,
        "direction": trade.direction,
        "amount": json_number(trade.amount),
        "contracts": json_number(trade.amount / instrument.contract_size),
    }
    if trade.mark_price is not None:
        row["mark_price"] = render.number(trade.mark_price, render.PRICE)
    if trade.index_price is not None:
        row["index_price"] = render.number(trade.index_price, render.PRICE)
    if trade.volatility is not None:
        row["iv"] = render.number(trade.volatility * HUNDRED, 2)
    return row


# -- candles ----------------------------------------------------------------------------------------------------------


def public_get_tradingview_chart_data(call: RpcCall) -> Any:
    name = listed_instrument(call)
    params = call.params
    start_ms = params.read("start_timestamp", INTEGER, required=True)
    end_ms = params.read("end_timestamp", INTEGER, required=True)
    # minutes (`"60"`, or the number 60) or `"1D"`, one of those Deribit charts
    minutes = params.named("resolution", RESOLUTION, "resolution {value:.40} is not one of {allowed}")
    exchange = call.ctx.exchange
    with exchange.reading():
        series = exchange.state.candles.get(name, [])
        now_ms = unix_ms(exchange.state.clock.now())
        return chart_row(chart(series, minutes, start_ms, end_ms, now_ms, MAX_CANDLES))


def chart_row(candles: Iterable[DeribitCandle]) -> Row:
    """`public/get_tradingview_chart_data`: the candles as columns, `status` `no_data` when there is none."""
    ticks: list[int] = []
    opens: list[Any] = []
    highs: list[Any] = []
    lows: list[Any] = []
    closes: list[Any] = []
    volumes: list[Any] = []
    costs: list[Any] = []
    for candle in candles:
        tick, open_, high, low, close, volume, cost = candle_figures(candle)
        ticks.append(tick)
        opens.append(open_)
        highs.append(high)
        lows.append(low)
        closes.append(close)
        volumes.append(volume)
        costs.append(cost)
    return {
        "volume": volumes, "cost": costs, "ticks": ticks, "status": "ok" if ticks else "no_data", "open": opens,
        "low": lows, "high": highs, "close": closes,
    }  # fmt: skip


def candle_row(candle: DeribitCandle) -> Row:
    """One candle as the `chart.trades.*` channel sends it."""
    tick, open_, high, low, close, volume, cost = candle_figures(candle)
    return {"volume": volume, "tick": tick, "open": open_, "low": low, "high": high, "cost": cost, "close": close}


def candle_figures(candle: DeribitCandle) -> tuple[int, Any, Any, Any, Any, Any, Any]:
    """A candle's tick and JSON numbers: its prices as traded, its volume to `VOLUME` places, its cost exact."""
    number = json_number
    return (
        candle.tick, number(candle.open), number(candle.high), number(candle.low), number(candle.close),
        render.number(candle.volume, VOLUME), number(candle.cost),
    )  # fmt: skip


# -- volumes ----------------------------------------------------------------------------------------------------------


def public_get_trade_volumes(call: RpcCall) -> Any:
    extended = call.params.read("extended", BOOLEAN, False)
    exchange = call.ctx.exchange
    with exchange.reading():
        return [_volumes(exchange, currency, extended) for currency in VOLUME_CURRENCIES]


def _volumes(exchange: DeribitExchange, currency: str, extended: bool) -> Row:
    """A base coin's volumes in it: its futures', calls' and puts' (every instrument of that base coin, inverse or
    USDC-settled), over the trades of the last 24 hours each instrument keeps (as its ticker's statistics); with
    `extended`, over the hours begun in the last 7 and 30 days too (its hourly candles)."""
    state = exchange.state
    now = state.clock.now()
    hour = RESOLUTIONS.index(HOUR)
    periods = {"": None, **({"_7d": unix_ms(now - WEEK), "_30d": unix_ms(now - MONTH)} if extended else {})}
    sums = {f"{kind}{period}": Decimal(0) for kind in ("futures", "calls", "puts", "spot") for period in periods}
    for name, trades in state.instrument_trades.items():
        instrument = exchange.market.instrument(name)
        if instrument.base_currency != currency:
            continue
        kind = "futures" if instrument.kind == "future" else "calls" if instrument.option_type == "call" else "puts"
        since = now - DAY
        for trade in reversed(trades):
            if trade.timestamp < since:
                break
            sums[kind] += trade.amount / trade.price if instrument.is_inverse and kind == "futures" else trade.amount
        hours = state.candles[name][hour] if name in state.candles else []
        for period, start_ms in periods.items():
            if start_ms is not None:
                sums[f"{kind}{period}"] += _volume_since(hours, start_ms)
    row: Row = {"currency": currency}
    for period in periods:
        for kind in ("calls", "puts", "futures", "spot"):
            row[f"{kind}_volume{period}"] = render.number(sums[f"{kind}{period}"], VOLUME)
    return row


def _volume_since(hours: list[DeribitCandle], start_ms: int) -> Decimal:
    """The volume of the hourly candles of the hours that end after `start_ms`."""
    total = Decimal(0)
    for candle in reversed(hours):
        if candle.tick + HOUR * MINUTE_MS <= start_ms:
            break
        total += candle.volume
    return total


def _read(**how: bool) -> Method:
    return Method(lambda call: _last_trades(call, **how), instrument=how["by_instrument"])


METHODS: dict[str, Method] = {
    "public/get_last_trades_by_instrument": _read(by_instrument=True, by_time=False),
    "public/get_last_trades_by_instrument_and_time": _read(by_instrument=True, by_time=True),
    "public/get_last_trades_by_currency": _read(by_instrument=False, by_time=False),
    "public/get_last_trades_by_currency_and_time": _read(by_instrument=False, by_time=True),
    "public/get_tradingview_chart_data": Method(public_get_tradingview_chart_data, instrument=True),
    "public/get_trade_volumes": Method(public_get_trade_volumes),
}
