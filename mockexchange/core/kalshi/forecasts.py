"""An event's forecast (`GET /series/{series}/events/{ticker}/forecast_percentile_history`): the distribution of the
one number its markets are strikes of, as their prices imply it, read at percentiles, over time.

The markets that are strikes: `greater` and `greater_or_equal` ones with a `floor_strike` k (YES pays if the number
is above k: its price p says P(X <= k) = 1 - p), `less` and `less_or_equal` ones with a `cap_strike` k (P(X <= k) = p),
and `between` ones with both (a bucket: its price is the bucket's weight; the buckets' weights, normalised to 1 and
summed up to each cap, say P(X <= cap)). Every other market of the event is left out; an event with no strike has no
forecast. A market's price at a time is its last trade's YES price at or before it (a market not traded yet is left
out). The points (k, P(X <= k)), in strike order, are made non-decreasing (each the largest so far); the number at
percentile q (0-9999, hundredths of a percent) is read off them by straight lines: the strike where they reach q/10000,
between two points the line joining them, below the first point the first strike, above the last the last strike.

A forecast is given at the end of each period in which one of the strikes traded (as candles are given only for
periods with trades, core/candles.py). Every figure is exact (fractions) until it is rounded: the raw forecast half
even to `RAW_PLACES`, the forecast to the most places the event's strikes have.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from typing import NamedTuple

from mockexchange.core.candles import US, period_ends
from mockexchange.core.kalshi.fill_log import FillLog
from mockexchange.core.kalshi.markets import Market
from mockexchange.core.kalshi.units import PRICE, price_units
from mockexchange.core.time_index import TimeIndex

ABOVE = frozenset({"greater", "greater_or_equal"})
BELOW = frozenset({"less", "less_or_equal"})
RAW_PLACES = 8  # a strike's places (market_commands.STRIKE_PLACES): the raw forecast is as fine as a strike


class Strike(NamedTuple):
    """One market's place in the event's distribution: `above` k (floor), `below` k (cap), or `between` two."""

    ticker: str
    kind: str  # "above", "below", "between"
    floor: Decimal | None
    cap: Decimal | None


class Forecast(NamedTuple):
    """The event's forecast at the end of a period: each percentile asked, and its number (raw, and rounded)."""

    end_period_ts: int  # Unix seconds
    points: list[tuple[int, Decimal, Decimal]]  # (percentile, raw, rounded)


def strikes(markets: Sequence[Market]) -> list[Strike]:
    """The markets that are strikes of the event's number (the others are left out)."""
    found = []
    for m in markets:
        if m.strike_type in ABOVE and m.floor_strike is not None:
            found.append(Strike(m.ticker, "above", m.floor_strike, None))
        elif m.strike_type in BELOW and m.cap_strike is not None:
            found.append(Strike(m.ticker, "below", None, m.cap_strike))
        elif m.strike_type == "between" and m.floor_strike is not None and m.cap_strike is not None:
            found.append(Strike(m.ticker, "between", m.floor_strike, m.cap_strike))
    return found


def places(found: Sequence[Strike]) -> int:
    """The most decimal places any of the strikes has (a forecast is rounded to them)."""
    exponents = [d.as_tuple().exponent for s in found for d in (s.floor, s.cap) if d is not None]
    return max((-e for e in exponents if isinstance(e, int)), default=0)


def cdf(priced: Sequence[tuple[Strike, int]]) -> list[tuple[Fraction, Fraction]]:
    """The points (k, P(X <= k)) the priced strikes (each with its YES price, price units) imply, in strike order,
    non-decreasing."""
    points = []
    for strike, units in priced:
        p = Fraction(units, PRICE)
        if strike.kind == "above":
            points.append((Fraction(strike.floor or 0), 1 - p))
        elif strike.kind == "below":
            points.append((Fraction(strike.cap or 0), p))
    buckets = sorted((Fraction(s.cap or 0), units) for s, units in priced if s.kind == "between")
    weight = sum(units for _, units in buckets)
    held = 0
    for cap, units in buckets:
        held += units
        if weight:
            points.append((cap, Fraction(held, weight)))
    points.sort()
    shaped: list[tuple[Fraction, Fraction]] = []
    for x, level in points:
        level = max(level, shaped[-1][1]) if shaped else level
        if shaped and shaped[-1][0] == x:
            shaped[-1] = (x, level)
        else:
            shaped.append((x, level))
    return shaped


def at_percentile(points: Sequence[tuple[Fraction, Fraction]], percentile: int) -> Fraction:
    """The number at `percentile` (hundredths of a percent) of the points (at least one)."""
    q = Fraction(percentile, 10_000)
    for i, (x, level) in enumerate(points):
        if level >= q:
            if i == 0:
                return x
            x0, level0 = points[i - 1]
            return x0 + (x - x0) * (q - level0) / (level - level0)
    return points[-1][0]


def rounded(value: Fraction, digits: int) -> Decimal:
    """`value` half even to `digits` places, exactly."""
    return Decimal(round(value * 10**digits)).scaleb(-digits)


def history(
    markets: Sequence[Market], market_trades: TimeIndex, fills: FillLog, step: int, start: int, end: int,
    percentiles: Sequence[int],
) -> list[Forecast]:  # fmt: skip
    """The event's forecast at the end of each period of `step` microseconds in which one of its strikes traded,
    ending from `start` to `end` (Unix seconds, both included); none for an event without strikes."""
    found = strikes(markets)
    digits = places(found)
    trades: list[tuple[int, int, int]] = []  # (when, strike, price units) of every strike's trades
    for i, strike in enumerate(found):
        numbers = market_trades.numbers(strike.ticker)
        for n in numbers or ():
            trades.append((fills.times[n], i, price_units(fills.view(n).yes_price)))
    trades.sort()
    last: dict[int, int] = {}
    forecasts, t = [], 0
    for period_end in period_ends([at for at, _, _ in trades], step):
        while t < len(trades) and trades[t][0] <= period_end:
            last[trades[t][1]] = trades[t][2]
            t += 1
        if not start <= period_end // US <= end:
            continue
        points = cdf([(found[i], units) for i, units in sorted(last.items())])
        if points:
            values = [(p, at_percentile(points, p)) for p in percentiles]
            forecasts.append(
                Forecast(period_end // US, [(p, rounded(v, RAW_PLACES), rounded(v, digits)) for p, v in values])
            )
    return forecasts
