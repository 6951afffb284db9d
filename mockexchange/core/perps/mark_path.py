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
from datetime import datetime
from typing import Any, ClassVar

from mockexchange.core.commands import Command, value
from mockexchange.core.perps.errors import PerpsError
from mockexchange.core.perps.market_commands import SetPerpMarks
from mockexchange.core.perps.units import PRICE_KIND
from mockexchange.core.timed_points import TimedPointsKind, When, timed
from mockexchange.core.values import TEXT, Refused

MAX_POINTS = 1_000  # what a command may give, and what a market holds ahead
MARKS = ("mark_price", "liquidation_mark_price", "settlement_mark_price", "reference_price")

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
class MarkPathKind(TimedPointsKind[Marks]):
    """A path as a command takes it: a list of 1 to `MAX_POINTS` objects, each its time (`at` or `seconds`, or neither:
    now) and its marks (`{"seconds": 60, "mark_price": "101.5"}`), held as (time, marks)."""

    def most(self) -> int:
        return MAX_POINTS

    def fields(self) -> tuple[str, ...]:
        return MARKS

    def said(self) -> str:
        return "marks (mark_price, ...)"

    def read_value(self, item: dict[str, Any], name: str) -> Marks:
        given = [None if item.get(m) is None else PRICE_KIND.read(item[m], f"{name}.{m}") for m in MARKS]
        marks: Marks = (given[0], given[1], given[2], given[3])
        try:
            marks_of("-", marks)  # (checked as a command of any market checks them)
        except Refused as exc:
            raise Refused(f"{name}: {exc}", exc.code) from None
        return marks

    def write_value(self, value: Marks) -> dict[str, Any]:
        return {mark: PRICE_KIND.write(price) for mark, price in zip(MARKS, value, strict=True) if price}

    def value_schema(self) -> dict[str, Any]:
        return {mark: PRICE_KIND.schema() for mark in MARKS}


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
    try:
        return [PerpMarkPoint(at, marks_of(path.ticker, marks)) for at, marks in timed(path.path, now)]
    except Refused as exc:
        raise PerpsError(str(exc)) from None


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
