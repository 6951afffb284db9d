"""A value's points at times of the exchange clock, as a command takes them (`TimedPointsKind`) and as they are set
(`timed`): what a venue has no source of its own for, set along a path (a Deribit index's price, a perps market's
marks).

A point's time is `at` (an ISO 8601 time) or `seconds` from the time its command runs (negative: the past; neither:
now), so a scenario's step and a state file's replay of it set the same times. A kind says which fields its value is
read from and how (`read_value`, `write_value`, `value_schema`)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, TypeVar

from mockexchange.core.money import shown
from mockexchange.core.values import ITEM, Integer, IsoTime, Kind, Refused

MAX_OFFSET = 100 * 366 * 86_400  # a point's `seconds`: a century either way
AT = IsoTime()
SECONDS = Integer(-MAX_OFFSET, MAX_OFFSET)
V = TypeVar("V")
When = datetime | int  # a point's time as given: an exchange time, or seconds from its command's


class TimedPointsKind(Kind[tuple[tuple[When, V], ...]]):
    """A list of 1 to `most()` objects, each its time (`at` or `seconds`, or neither: now) and its value's fields,
    held as (time, value)."""

    plain = list[dict[str, Any]]

    def most(self) -> int:
        raise NotImplementedError

    def fields(self) -> tuple[str, ...]:
        """The value's fields a point may give."""
        raise NotImplementedError

    def required(self) -> tuple[str, ...]:
        """The value's fields a point must give."""
        return ()

    def said(self) -> str:
        """How a refusal names the value's fields."""
        raise NotImplementedError

    def read_value(self, item: dict[str, Any], name: str) -> V:
        raise NotImplementedError

    def write_value(self, value: V) -> dict[str, Any]:
        raise NotImplementedError

    def value_schema(self) -> dict[str, Any]:
        """The value's fields' schemas, by name."""
        raise NotImplementedError

    def read(self, value: Any, name: str) -> tuple[tuple[When, V], ...]:
        most = self.most()
        if not isinstance(value, list) or not 1 <= len(value) <= most:
            raise Refused(f"{name} must be a list of 1 to {most} points, not {shown(value)}")
        return tuple(self._point(item, f"{name}[{i}]") for i, item in enumerate(value))

    def _point(self, item: Any, name: str) -> tuple[When, V]:
        words = f'an object of "at" (ISO 8601) or "seconds" (from now), and {self.said()}'
        if (
            not isinstance(item, dict)
            or not set(self.required()) <= set(item)
            or not set(item) <= {"at", "seconds", *self.fields()}
        ):
            raise Refused(f"{name} must be {words}, not {shown(item)}", why=ITEM, given=item)
        if "at" in item and "seconds" in item:
            raise Refused(f"{name} gives both at and seconds: give one", why=ITEM, given=item)
        try:
            value = self.read_value(item, name)
            if "at" in item:
                return AT.read(item["at"], f"{name}.at"), value
            return SECONDS.read(item.get("seconds", 0), f"{name}.seconds"), value
        except Refused as exc:
            raise Refused(str(exc), exc.code, ITEM, item) from None

    def write(self, value: tuple[tuple[When, V], ...]) -> list[dict[str, Any]]:
        written = []
        for when, point in value:
            at: dict[str, Any] = {"at": AT.write(when)} if isinstance(when, datetime) else {"seconds": when}
            written.append(at | self.write_value(point))
        return written

    def check(self, value: tuple[tuple[When, V], ...], name: str) -> None:
        if not isinstance(value, tuple):
            raise Refused(f"{name} must be a tuple of (time, value) points, not {shown(value)}")
        self.read(self.write(value), name)

    def schema(self) -> dict[str, Any]:
        point: dict[str, Any] = {
            "type": "object",
            "properties": {"at": AT.schema(), "seconds": SECONDS.schema()} | self.value_schema(),
            "additionalProperties": False,
        }
        if self.required():
            point["required"] = list(self.required())
        return {"type": "array", "minItems": 1, "maxItems": self.most(), "items": point}


def timed(points: tuple[tuple[When, V], ...], now: datetime) -> list[tuple[datetime, V]]:
    """The points at their exchange times (`seconds` from `now`), in time order; two at one instant are refused."""
    made = []
    for when, value in points:
        at = when if isinstance(when, datetime) else now + timedelta(seconds=when)
        AT.check(at, "a point's time")
        made.append((at, value))
    made.sort(key=lambda point: point[0])
    for before, after in zip(made, made[1:], strict=False):
        if before[0] == after[0]:
            raise Refused(f"a path has two points at {after[0].isoformat()}: give one")
    return made
