"""A perps market's marks along a path: the command that sets one (`SetPerpMarkPath`, declared once: core/commands.py),
its points as a command takes them (`MarkPathKind`) and those held for later (`PerpMarkPoint`, the state's
`mark_paths`).

A point sets the marks as `set_perp_marks` does (`mark_price` both the liquidation and settlement marks, or each on
its own, and/or the reference price) when the exchange clock reaches its time: `at` (ISO 8601) or `seconds` from the
time the command runs (negative: the past; neither: now), so a scenario's step and a state file's replay of it set the
same times. A point at or before the command's time is set at once; a later one is held (the exchange's `run_due`
sets each at its own time, in time order). A path replaces the points held from its first point's time on; a
market holds at most `MAX_POINTS` ahead."""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

from mockexchange.core.commands import Command, value
from mockexchange.core.money import shown
from mockexchange.core.perps.errors import PerpsError
from mockexchange.core.perps.market_commands import SetPerpMarks
from mockexchange.core.perps.units import PRICE_KIND
from mockexchange.core.values import ITEM, TEXT, Integer, IsoTime, Kind, Refused

MAX_POINTS = 1_000  # what a command may give, and what a market holds ahead
MAX_OFFSET = 100 * 366 * 86_400  # a point's `seconds`: a century either way
MARKS = ("mark_price", "liquidation_mark_price", "settlement_mark_price", "reference_price")
_AT = IsoTime()
_SECONDS = Integer(-MAX_OFFSET, MAX_OFFSET)

When = datetime | int  # a point's time as given: an exchange time, or seconds from its command's
Marks = tuple[int | None, int | None, int | None, int | None]  # as MARKS names them, price units
Point = tuple[When, Marks]


@dataclass(frozen=True, slots=True)
class PerpMarkPoint:
    """Marks to set at a time: the market's `set_perp_marks` then."""

    at: datetime
    marks: SetPerpMarks


def marks_of(ticker: str, marks: Marks) -> SetPerpMarks:
    """A point's marks as the command that sets them (checked as it checks them)."""
    made = SetPerpMarks(ticker, *marks)
    made.check()
    return made


@dataclass(frozen=True, slots=True)
class MarkPathKind(Kind[tuple[Point, ...]]):
    """A path as a command takes it: a list of 1 to `MAX_POINTS` objects, each its time (`at` or `seconds`, or neither:
    now) and its marks (`{"seconds": 60, "mark_price": "101.5"}`), held as (time, marks)."""

    plain = list[dict[str, Any]]

    def read(self, value: Any, name: str) -> tuple[Point, ...]:
        if not isinstance(value, list) or not 1 <= len(value) <= MAX_POINTS:
            raise Refused(f"{name} must be a list of 1 to {MAX_POINTS} points, not {shown(value)}")
        return tuple(self._point(item, f"{name}[{i}]") for i, item in enumerate(value))

    def _point(self, item: Any, name: str) -> Point:
        words = 'an object of "at" (ISO 8601) or "seconds" (from now), and marks (mark_price, ...)'
        if not isinstance(item, dict) or not set(item) <= {"at", "seconds", *MARKS}:
            raise Refused(f"{name} must be {words}, not {shown(item)}", why=ITEM, given=item)
        if "at" in item and "seconds" in item:
            raise Refused(f"{name} gives both at and seconds: give one", why=ITEM, given=item)
        try:
            given = [None if item.get(m) is None else PRICE_KIND.read(item[m], f"{name}.{m}") for m in MARKS]
            marks: Marks = (given[0], given[1], given[2], given[3])
            marks_of("-", marks)  # (checked as a command of any market checks them)
            if "at" in item:
                return _AT.read(item["at"], f"{name}.at"), marks
            return _SECONDS.read(item.get("seconds", 0), f"{name}.seconds"), marks
        except Refused as exc:
            raise Refused(f"{name}: {exc}", exc.code, ITEM, item) from None

    def write(self, value: tuple[Point, ...]) -> list[dict[str, Any]]:
        written = []
        for when, marks in value:
            point: dict[str, Any] = {"at": _AT.write(when)} if isinstance(when, datetime) else {"seconds": when}
            point.update({mark: PRICE_KIND.write(price) for mark, price in zip(MARKS, marks, strict=True) if price})
            written.append(point)
        return written

    def check(self, value: tuple[Point, ...], name: str) -> None:
        if not isinstance(value, tuple):
            raise Refused(f"{name} must be a tuple of (time, marks) points, not {shown(value)}")
        self.read(self.write(value), name)

    def schema(self) -> dict[str, Any]:
        point = {
            "type": "object",
            "properties": {"at": _AT.schema(), "seconds": _SECONDS.schema()}
            | {mark: PRICE_KIND.schema() for mark in MARKS},
            "additionalProperties": False,
        }
        return {"type": "array", "minItems": 1, "maxItems": MAX_POINTS, "items": point}


@dataclass(frozen=True, slots=True)
class SetPerpMarkPath(Command):
    """A market's marks along a path: each point's marks set when the exchange clock reaches its time (`at`, or
    `seconds` from now), in place of the points held from the first one's time on."""

    name: ClassVar[str] = "set_perp_mark_path"
    ticker: str = value(TEXT)
    path: tuple[Point, ...] = value(MarkPathKind())


def resolved(path: SetPerpMarkPath, now: datetime) -> list[PerpMarkPoint]:
    """The path's points at their exchange times (`seconds` from `now`), in time order; two at one instant are
    refused."""
    made = []
    for when, marks in path.path:
        at = when if isinstance(when, datetime) else now + timedelta(seconds=when)
        try:
            _AT.check(at, "a point's time")
        except Refused as exc:
            raise PerpsError(str(exc)) from None
        made.append(PerpMarkPoint(at, marks_of(path.ticker, marks)))
    made.sort(key=lambda point: point.at)
    for before, after in zip(made, made[1:], strict=False):
        if before.at == after.at:
            raise PerpsError(f"a path has two points at {after.at.isoformat()}: give one")
    return made


def hold(held: dict[str, list[PerpMarkPoint]], ticker: str, points: list[PerpMarkPoint]) -> None:
    """Hold `points` (later than now, in time order) in place of the market's from the first of them on."""
    kept = held.get(ticker, [])
    kept = kept[: bisect_left(kept, points[0].at, key=lambda point: point.at)] + points if points else kept
    if len(kept) > MAX_POINTS:
        raise PerpsError(f"a market holds at most {MAX_POINTS} points ahead; this path would make {len(kept)}")
    if kept:
        held[ticker] = kept
    else:
        held.pop(ticker, None)


def next_point(held: dict[str, list[PerpMarkPoint]]) -> PerpMarkPoint | None:
    """The earliest point held (of any market)."""
    firsts = [points[0] for points in held.values()]
    return min(firsts, key=lambda point: point.at) if firsts else None


def take(held: dict[str, list[PerpMarkPoint]], point: PerpMarkPoint) -> None:
    """The market's first point is set: held no more."""
    points = held[point.marks.ticker]
    del points[0]
    if not points:
        del held[point.marks.ticker]
