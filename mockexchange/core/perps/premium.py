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
    """The premium at a top of the book (-1: an empty side) and a reference price, all in price units."""
    if bid < 0 or ask < 0:
        return None
    return Fraction(max(0, bid - reference) - max(0, reference - ask), reference)


def runs(state: PerpsState, ticker: str, start: int, end: int) -> Iterator[tuple[int, int, Fraction | None]]:
    """The market's premium over [start, end) (Unix microseconds) as runs of unchanged prices: (from, to, premium)."""
    quotes = state.quotes.get(ticker, [])
    inputs = state.premium_inputs.get(ticker, [])
    q = bisect_right(quotes, start, key=lambda kept: kept[0]) - 1  # (the one in force at `start`; -1: none)
    i = bisect_right(inputs, start, key=lambda kept: kept[0]) - 1
    at = start
    while at < end:
        next_quote = quotes[q + 1][0] if q + 1 < len(quotes) else NEVER
        next_input = inputs[i + 1][0] if i + 1 < len(inputs) else NEVER
        until = min(next_quote, next_input, end)
        measured = None
        if q >= 0 and i >= 0 and inputs[i][2]:
            measured = premium(quotes[q][1], quotes[q][2], inputs[i][1])
        yield at, until, measured
        at = until
        q += next_quote == until
        i += next_input == until


def bars(start: int, end: int) -> int:
    """How many bars start in [start, end) (microseconds)."""
    return ceiling(end, SECOND) - ceiling(start, SECOND)


def average(state: PerpsState, market: PerpMarket, start: int, end: int) -> Fraction:
    """The time-weighted average premium of the bars starting in [start, end): a bar without one counts as 0
    (`dampen`) or is left out (`exclude`, the market's `funding_invalid_premium_handling`); 0 without a bar."""
    exclude = market.funding_invalid_premium_handling == "exclude"
    total, counted = Fraction(0), 0
    for since, until, measured in runs(state, market.ticker, start, end):
        count = bars(since, until)
        if measured is not None:
            total += measured * count
        if measured is not None or not exclude:
            counted += count
    return total / counted if counted else Fraction(0)


def at_second(state: PerpsState, ticker: str, second: int) -> Fraction | None:
    """The premium of the bar starting at `second` (microseconds)."""
    return next(runs(state, ticker, second, second + 1))[2]


def seconds(state: PerpsState, ticker: str, start: int, end: int) -> Iterator[tuple[int, Fraction | None]]:
    """Each bar starting in [start, end) and its premium (a read of at most an hour: its seconds are asked for)."""
    for since, until, measured in runs(state, ticker, start, end):
        for second in range(ceiling(since, SECOND), ceiling(until, SECOND)):
            yield second * SECOND, measured
