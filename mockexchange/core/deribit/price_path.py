"""A value over the exchange clock, for what the Deribit mock has no source of its own for (an index's price, a
perpetual's funding rate, a currency's historical volatility, a yield token's APR): the points set, each the value from
its time on, kept oldest first and bounded (`PricePath`); and the kind a command gives a path in (`PathKind`).

A path set anew replaces what was kept from its first point on (the points before it stay): a point at the clock's
time now, what `set_index_price` sets, ends every point set for later. A point's time is given as `at` (an ISO 8601
time) or `seconds` from the time its command runs (negative: the past; neither: now), so a scenario's step and a
state file's replay of it set the same times. A read sees the points up to the clock's time now, never a later one.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from operator import attrgetter
from typing import Any

from mockexchange.core.clock import Clock
from mockexchange.core.deribit.bounds import ExchangeError
from mockexchange.core.deribit.records import Price
from mockexchange.core.timed_points import TimedPointsKind, When, timed
from mockexchange.core.values import Decimals, Refused

MAX_POINTS = 10_000  # what one path keeps (its oldest dropped first), and what one command may set
_TIME = attrgetter("timestamp")
_ZERO = Decimal(0)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

Point = tuple[When, Decimal]


@dataclass(frozen=True, slots=True)
class PathKind(TimedPointsKind[Decimal]):
    """A path as a command takes it: a list of 1 to `MAX_POINTS` objects, each its time (`at` or `seconds`, or
    neither: now) and its value as `field` names it (`{"seconds": 60, "price": "61000"}`), held as (time, value)."""

    value: Decimals
    field: str

    def most(self) -> int:
        return MAX_POINTS

    def fields(self) -> tuple[str, ...]:
        return (self.field,)

    required = fields

    def said(self) -> str:
        return f'"{self.field}"'

    def read_value(self, item: dict[str, Any], name: str) -> Decimal:
        return self.value.read(item[self.field], f"{name}.{self.field}")

    def write_value(self, value: Decimal) -> dict[str, Any]:
        return {self.field: self.value.write(value)}

    def value_schema(self) -> dict[str, Any]:
        return {self.field: self.value.schema()}


def resolved(points: tuple[Point, ...], now: datetime) -> list[Price]:
    """The points at their exchange times (`seconds` from `now`), in time order; two at one instant are refused."""
    try:
        return [Price(amount, at) for at, amount in timed(points, now)]
    except Refused as exc:
        raise ExchangeError(str(exc)) from None


class PricePath:
    """One value's points over the exchange clock, oldest first: the newest `MAX_POINTS` and the one in force when
    points were last set; `ahead`: whether its last point was later than the clock when last looked at (else the last
    point is in force from now on, the clock never running back); `announced`: the point last published as the value
    in force (an index's: index_history.py publishes each as the clock reaches it)."""

    __slots__ = ("points", "ahead", "announced")

    def __init__(self) -> None:
        self.points: list[Price] = []
        self.ahead = False
        self.announced: Price | None = None

    def set(self, points: list[Price], now: datetime) -> None:
        """Put `points` (in time order) in place of what was kept from the first of them on."""
        kept = self.points
        del kept[bisect_left(kept, points[0].timestamp, key=_TIME) :]
        kept.extend(points)
        cut = len(kept) - MAX_POINTS
        if cut > 0:  # the oldest go, but for the one in force now: the value now, and at every expiry ahead, read it
            in_force = bisect_right(kept, now, key=_TIME) - 1
            if 0 <= in_force < cut:
                del kept[:in_force]
                del kept[1 : cut - in_force]
            else:
                del kept[:cut]
        self.ahead = kept[-1].timestamp > now

    def current(self, clock: Clock) -> Price | None:
        """The point in force at the clock's time now: the last once the clock has reached it, without reading the
        clock again (a mark, a margin, a ticker read it many times a read)."""
        points = self.points
        if not self.ahead:
            return points[-1] if points else None
        found = self.at(clock.now())
        if found is points[-1]:
            self.ahead = False
        return found

    def at(self, when: datetime) -> Price | None:
        """The point in force at `when` (the last at or before it); None before the first."""
        points = self.points
        if points and points[-1].timestamp <= when:  # (the value now, the common read)
            return points[-1]
        found = bisect_right(points, when, key=_TIME)
        return points[found - 1] if found else None

    def value_at(self, when: datetime) -> Decimal | None:
        point = self.at(when)
        return None if point is None else point.value

    def between(self, start: datetime, end: datetime) -> list[Price]:
        """The points from `start` to `end`, both included, oldest first."""
        points = self.points
        return points[bisect_left(points, start, key=_TIME) : bisect_right(points, end, key=_TIME)]

    def until(self, when: datetime) -> list[Price]:
        """The points at or before `when`, oldest first."""
        points = self.points
        if points and points[-1].timestamp <= when:
            return list(points)
        return points[: bisect_right(points, when, key=_TIME)]

    def accrued(self, start: datetime, end: datetime) -> Decimal:
        """The sum of the value over time from `start` to `end`, in value x milliseconds (0 before the first point)."""
        if end <= start:
            return _ZERO
        total, held, since = _ZERO, self.value_at(start), start
        for point in self.between(start, end):
            if held is not None:
                total += held * _ms(point.timestamp - since)
            held, since = point.value, max(point.timestamp, start)
        if held is not None:
            total += held * _ms(end - since)
        return total


def grid(when: datetime, step: timedelta) -> datetime:
    """The last time at or before `when` on the epoch's grid of `step` (a candle's, an hour's, a day's start)."""
    return when - (when - EPOCH) % step


def put(paths: dict[str, PricePath], key: str, points: list[Price], now: datetime) -> PricePath:
    """Set `points` (in time order) on the path kept under `key`, made if new."""
    path = paths.get(key)
    if path is None:
        path = paths[key] = PricePath()
    path.set(points, now)
    return path


def _ms(span: timedelta) -> int:
    return (span.days * 86_400 + span.seconds) * 1000 + span.microseconds // 1000
