"""A market's candlesticks, venue-neutral (Kalshi's prediction markets, the perps exchange's): periods of `step`
microseconds, each ending at a multiple of it, one for each period in which something happened (a trade, or the top
of the book moving), as the periods with no data are absent from Kalshi's answers. A candle's price figures are its
trades' (open, high, low, close, the count-weighted mean half even to the price unit, the last price before it), None
without a trade; its bid and ask those in force at its start and end and the extremes between; its volume its trades';
its open interest what the venue counts at its end. Each venue's core says where its trades and quotes are
(core/kalshi/candles.py, core/perps/candles.py); amounts are the venue's units."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Generic, TypeVar

from mockexchange.core.numbers import INT64_MAX
from mockexchange.core.rounding import half_even

US = 1_000_000  # microseconds in a second: a candle's `end_period_ts` is in seconds
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Range:
    open: int
    low: int
    high: int
    close: int


@dataclass(frozen=True, slots=True)
class Candle:
    end_period_ts: int  # Unix seconds
    bid: Range
    ask: Range
    price: Range | None  # None: no trade in the period
    mean: int | None
    previous: int | None  # the last trade's price before the period
    volume: int
    open_interest: int
    value: int = 0  # the sum of its trades' price times count (the venue's units multiplied)


@dataclass(frozen=True, slots=True)
class Trades(Generic[T]):
    """A market's trades, oldest first, and how to read each: when (microseconds), its price and count; `see`, what
    the venue counts of a trade as the walk passes it, `open_interest` what it counts at a candle's end."""

    trades: Sequence[T]
    at: Callable[[T], int]
    terms: Callable[[T], tuple[int, int]]
    see: Callable[[T], None]
    open_interest: Callable[[], int]


def period_ends(times: Iterable[int], step: int) -> list[int]:
    """The ends (microseconds) of the periods of `step` microseconds those times fall in, in order."""
    return sorted({(at - 1) // step * step + step for at in times})


def walk(
    quotes: Sequence[tuple[int, int, int]], trades: Trades[T], ends: list[int], step: int,
    spread: Callable[[int, int], tuple[int, int]],
) -> Iterator[Candle]:  # fmt: skip
    """The candle of each period ending at `ends`: `quotes` (when, bid, ask), oldest first, read through `spread`
    (what an empty side shows)."""
    rows, at, terms = trades.trades, trades.at, trades.terms
    t = q = 0
    bid, ask = -1, -1
    last: int | None = None
    for end in ends:
        begin = end - step
        while q < len(quotes) and quotes[q][0] <= begin:
            bid, ask = quotes[q][1], quotes[q][2]
            q += 1
        seen = [spread(bid, ask)]
        while q < len(quotes) and quotes[q][0] <= end:
            bid, ask = quotes[q][1], quotes[q][2]
            seen.append(spread(bid, ask))
            q += 1
        previous, prices, volume, paid = last, [], 0, 0
        while t < len(rows) and at(rows[t]) <= end:
            price, count = terms(rows[t])
            prices.append(price)
            volume += count
            paid += price * count
            trades.see(rows[t])
            last = price
            t += 1
        bids, asks = [b for b, _ in seen], [a for _, a in seen]
        yield Candle(
            end // US, Range(bids[0], min(bids), max(bids), bids[-1]), Range(asks[0], min(asks), max(asks), asks[-1]),
            Range(prices[0], min(prices), max(prices), prices[-1]) if prices else None,
            half_even(paid, volume) if volume else None, previous, volume, trades.open_interest(), paid,
        )  # fmt: skip


def latest_before(before: list[Candle], period: int, start: int) -> Candle | None:
    """Kalshi's `include_latest_before_start`: the last candle of `before` (those ending before `start`), moved to
    the first period end at or after it, its prices null and its `previous` the close it had."""
    if not before:
        return None
    real = before[-1]
    moved_to = -(-start // period) * period
    if moved_to > INT64_MAX:
        return None  # a period ending past int64 seconds: no wire carries it (a `start_ts` near the int64 bound)
    previous = real.price.close if real.price is not None else real.previous
    return replace(real, end_period_ts=moved_to, price=None, mean=None, previous=previous, volume=0, value=0)
