"""A perps market's premium, what its funding rate averages: at an instant, from the mock's own prices, the book's best
bid and ask against the reference price (the index), (max(0, bid - ref) - max(0, ref - ask)) / ref, an exact
fraction; none when a side of the book is empty or the market is not active.

Funding measures it over bars of one second of the exchange clock, each at the prices in force at the bar's start
(the last change at or before it). It is read from what is kept of the past, not sampled each second: the top of the
book each time it moved (history.py's `quote`) and the reference price and status each time either changed
(`record`), each market's newest `history_size` of each; a bar before the oldest kept has no premium. So nothing is
done while nobody asks, and a read over a period walks its changes, not its seconds."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from datetime import datetime
from fractions import Fraction

from mockexchange.core.clock import unix_us
from mockexchange.core.perps.markets import PerpMarket
from mockexchange.core.perps.state import PerpsState
from mockexchange.core.rounding import ceiling

SECOND = 1_000_000  # microseconds: a bar
NEVER = 2**63
NO_QUOTE = (0, -1, -1)


def record(state: PerpsState, market: PerpMarket, at: datetime) -> None:
    """The market's reference price and status as they stand from `at` on (kept if either changed)."""
    inputs = state.premium_inputs.setdefault(market.ticker, [])
    made = (unix_us(at), market.reference.price, market.status == "active")
    if inputs and inputs[-1][1:] == made[1:]:
        return
    if inputs and inputs[-1][0] == made[0]:  # (two changes at one instant: the last holds)
        inputs[-1] = made
        return
    inputs.append(made)
    if len(inputs) > state.history_size:
        del inputs[0]


def premium(bid: int, ask: int, reference: int) -> Fraction | None:
    """The premium at a top of the book (-1: an empty side) and a reference price (-1: none), in price units."""
    if bid < 0 or ask < 0 or reference < 0:
        return None
    return Fraction(max(0, bid - reference) - max(0, reference - ask), reference)


def runs(state: PerpsState, ticker: str, start: int, end: int) -> Iterator[tuple[int, int, int, int, int]]:
    """The market's prices over [start, end) (Unix microseconds) as runs of unchanged ones: (from, to, best bid, best
    ask, reference), the bid, ask or reference -1 where there is no premium (no quote kept, or the market not
    active)."""
    quotes = state.quotes.get(ticker, [])
    inputs = state.premium_inputs.get(ticker, [])
    q = bisect_right(quotes, start, key=lambda kept: kept[0]) - 1  # (the one in force at `start`; -1: none)
    i = bisect_right(inputs, start, key=lambda kept: kept[0]) - 1
    at = start
    while at < end:
        next_quote = quotes[q + 1][0] if q + 1 < len(quotes) else NEVER
        next_input = inputs[i + 1][0] if i + 1 < len(inputs) else NEVER
        until = min(next_quote, next_input, end)
        _, bid, ask = quotes[q] if q >= 0 else NO_QUOTE
        reference = inputs[i][1] if i >= 0 and inputs[i][2] else -1
        yield at, until, bid, ask, reference
        at = until
        q += next_quote == until
        i += next_input == until


def bars(start: int, end: int) -> int:
    """How many bars start in [start, end) (microseconds)."""
    return ceiling(end, SECOND) - ceiling(start, SECOND)


def average(state: PerpsState, market: PerpMarket, start: int, end: int) -> Fraction:
    """The time-weighted average premium of the bars starting in [start, end): a bar without one counts as 0
    (`dampen`) or is left out (`exclude`, the market's `funding_invalid_premium_handling`); 0 without a bar."""
    total, counted = summed(state, market, start, end)
    return total / counted if counted else Fraction(0)


def summed(state: PerpsState, market: PerpMarket, start: int, end: int) -> tuple[Fraction, int]:
    """The premiums of the bars starting in [start, end) summed, and how many the average counts. (Summed in
    integers over each reference price, one division each: a period may have many moves of its book.)"""
    exclude = market.funding_invalid_premium_handling == "exclude"
    total, counted, summed, over = Fraction(0), 0, 0, 0
    for since, until, bid, ask, reference in runs(state, market.ticker, start, end):
        count = bars(since, until)
        if not count:
            continue
        if bid < 0 or ask < 0 or reference < 0:
            counted += 0 if exclude else count
            continue
        if reference != over:
            total, summed, over = total + (Fraction(summed, over) if summed else 0), 0, reference
        summed += (max(0, bid - reference) - max(0, reference - ask)) * count
        counted += count
    total += Fraction(summed, over) if summed else 0
    return total, counted


def at_second(state: PerpsState, ticker: str, second: int) -> Fraction | None:
    """The premium of the bar starting at `second` (microseconds)."""
    _, _, bid, ask, reference = next(runs(state, ticker, second, second + 1))
    return premium(bid, ask, reference)


def seconds(state: PerpsState, ticker: str, start: int, end: int) -> Iterator[tuple[int, Fraction | None]]:
    """Each bar starting in [start, end) and its premium (a read of at most an hour: its seconds are asked for)."""
    for since, until, bid, ask, reference in runs(state, ticker, start, end):
        measured = premium(bid, ask, reference)
        for second in range(ceiling(since, SECOND), ceiling(until, SECOND)):
            yield second * SECOND, measured
