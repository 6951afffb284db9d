"""A token bucket in whole integers: a level that refills at a steady rate up to a capacity, read at the times a clock
gives. One request takes its cost from the level, or is refused (taking nothing) when the level is short of it.

The level is kept in millionths of a token, so a refill over a whole number of microseconds is exact (rate x us): no
float and no drift, and a ManualClock moved by a known step refills a known amount. A clock that runs backwards (the
system clock set back) refills nothing until it has passed the last time the bucket was read again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

SCALE = 1_000_000  # the level's units per token: one token refilled per second is one unit per microsecond
_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class Budget:
    """One bucket's shape: what it holds when full (the burst), what it gains each second, what a request costs."""

    capacity: int
    refill_per_second: int
    cost: int  # a request's cost, unless its venue says otherwise
    unit: str = "tokens"  # what the numbers count, as the venue words it ("tokens", "credits", "requests")

    def __post_init__(self) -> None:
        if self.capacity < 1 or self.refill_per_second < 1 or self.cost < 1:
            raise ValueError(f"a budget's capacity, refill and cost are positive: {self}")

    def as_dict(self) -> dict[str, int | str]:
        return {
            "capacity": self.capacity,
            "refill_per_second": self.refill_per_second,
            "cost": self.cost,
            "unit": self.unit,
        }


class TokenBucket:
    """A bucket of `budget`, full at `now`. Not thread-safe: its owner holds a lock."""

    __slots__ = ("_level", "_updated", "budget")

    def __init__(self, budget: Budget, now: datetime) -> None:
        self.budget = budget
        self._level = budget.capacity * SCALE
        self._updated = now

    def _refill(self, now: datetime) -> None:
        if now <= self._updated:
            return
        elapsed_us = (now - self._updated) // _MICROSECOND
        self._updated = now
        full = self.budget.capacity * SCALE
        if self._level < full:
            self._level = min(full, self._level + self.budget.refill_per_second * elapsed_us)

    def take(self, cost: int, now: datetime) -> bool:
        """Take `cost` tokens if the bucket holds them at `now` (True); else take nothing (False)."""
        self._refill(now)
        needed = cost * SCALE
        if self._level < needed:
            return False
        self._level -= needed
        return True

    def level(self, now: datetime) -> int:
        """The whole tokens the bucket holds at `now` (a part of one is not counted)."""
        self._refill(now)
        return self._level // SCALE
