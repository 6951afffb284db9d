"""Each instrument's candles (`public/get_tradingview_chart_data`), rolled up from its trades as they happen, at every
resolution Deribit charts: 1, 3, 5, 10, 15, 30, 60, 120, 180, 360 and 720 minutes and a day.

A candle is one period of the exchange clock, from a multiple of its width since the epoch (a day's from 00:00 UTC):
its first and last trade's price (`open`, `close`), the highest and lowest (`high`, `low`), the amount traded in the
base currency (`volume`: an inverse future's USD amount over the price, any other's amount) and in the quote currency
(`cost`: an inverse future's USD amount, any other's amount times the price). Each trade id counts once (the taker's
side, as the instrument's public trades list it).

What is kept: each instrument's newest `CANDLES_KEPT` candles at each resolution (a period with no trade makes none),
however many trades there were, so a read of up to `CANDLES_KEPT` periods costs one step a period, whatever the trades
and past the bound on the trades an instrument keeps (trading.py). A trade the clock set back puts in an earlier period
goes into that period's candle. A read fills a period with no trade, after the first kept and up to the clock's
current one, with the close before it and no volume (`chart`).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

MINUTE_MS = 60_000
RESOLUTIONS = (1, 3, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440)  # minutes; 1440: Deribit's `1D`
_WIDTHS = tuple(minutes * MINUTE_MS for minutes in RESOLUTIONS)
CANDLES_KEPT = 5_000  # candles an instrument keeps at each resolution, the newest
ZERO = Decimal(0)


@dataclass(slots=True)
class DeribitCandle:
    tick: int  # the period's start, ms since the epoch
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal  # in the base currency
    cost: Decimal  # in the quote currency


def _tick(candle: DeribitCandle) -> int:
    return candle.tick


def roll(series: list[list[DeribitCandle]], at_ms: int, price: Decimal, volume: Decimal, cost: Decimal) -> None:
    """Add one trade to an instrument's candles (`series`: one list a resolution, oldest first; made if empty)."""
    if not series:
        series.extend([] for _ in RESOLUTIONS)
    for width, candles in zip(_WIDTHS, series, strict=True):
        tick = at_ms - at_ms % width
        last = candles[-1] if candles else None
        if last is not None and last.tick == tick:
            _add(last, price, volume, cost)
        elif last is None or last.tick < tick:
            candles.append(DeribitCandle(tick, price, price, price, price, volume, cost))
            if len(candles) > CANDLES_KEPT:
                del candles[0]
        else:  # an earlier period (the clock was set back): its candle, made if it has none
            place = bisect_left(candles, tick, key=_tick)
            if candles[place].tick == tick:
                _add(candles[place], price, volume, cost, last_trade=False)
            elif place > 0 or len(candles) < CANDLES_KEPT:  # (older than every kept candle at the bound: forgotten)
                candles.insert(place, DeribitCandle(tick, price, price, price, price, volume, cost))


def _add(candle: DeribitCandle, price: Decimal, volume: Decimal, cost: Decimal, *, last_trade: bool = True) -> None:
    if price > candle.high:
        candle.high = price
    elif price < candle.low:
        candle.low = price
    if last_trade:
        candle.close = price
    candle.volume += volume
    candle.cost += cost


def resolution_index(minutes: int) -> int:
    """Where a resolution's candles are in an instrument's series; ValueError for one Deribit does not chart."""
    return RESOLUTIONS.index(minutes)


def chart(
    series: list[list[DeribitCandle]], minutes: int, start_ms: int, end_ms: int, now_ms: int, limit: int
) -> Iterator[DeribitCandle]:
    """The candles of the periods that start from `start_ms` to `end_ms` (and no later than the clock's current one),
    oldest first, the newest `limit` of them: those kept, and a period with no trade after the first kept, one with
    the close before it for its four prices and no volume."""
    width = minutes * MINUTE_MS
    candles = series[resolution_index(minutes)] if series else []
    last = min(end_ms, now_ms)
    last -= last % width
    first = start_ms + (-start_ms) % width
    if last < first:
        return
    first = max(first, last - (limit - 1) * width)
    place = bisect_left(candles, first, key=_tick)
    close = candles[place - 1].close if place > 0 else None
    if close is None:  # nothing before the first kept candle in the range
        if place == len(candles):
            return
        first = candles[place].tick
    for tick in range(first, last + 1, width):
        if place < len(candles) and candles[place].tick == tick:
            candle = candles[place]
            place += 1
            close = candle.close
            yield candle
        elif close is not None:
            yield DeribitCandle(tick, close, close, close, close, ZERO, ZERO)
