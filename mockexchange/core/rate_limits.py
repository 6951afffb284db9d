"""The rate limits of one mock: a tier, and under it a token bucket per venue, subject and bucket name, all read on
one clock (the wall clock the app passes around, so a test's ManualClock refills them when it moves).

A subject is whoever a venue charges: a Kalshi user, a Deribit account or client address; the venue decides and
charges through `take`. Buckets are made full on a subject's first request. Changing the tier, even to the one in
force, forgets every bucket (so each starts full again); `off` limits nothing and keeps no buckets. At most
`max_subjects` subjects are held: beyond, the one least recently charged is forgotten (its buckets full again).
A subject may be charged under a tier of its own (a Kalshi user's usage level): its buckets take that tier's shapes,
and a bucket whose shape changes starts full.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, ClassVar

from mockexchange.core.clock import Clock
from mockexchange.core.commands import Command, value
from mockexchange.core.money import shown
from mockexchange.core.rate_budgets import OFF, TIERS, Tables, budgets
from mockexchange.core.token_bucket import Budget, TokenBucket
from mockexchange.core.values import Kind, Refused

MAX_SUBJECTS = 10_000
_MAX_TIER_TEXT = 32


@dataclass(frozen=True, slots=True)
class _Tier(Kind[str]):
    """A tier's name in any case, held in lower case."""

    plain = str

    def read(self, value: Any, name: str) -> str:
        allowed = (OFF, *TIERS)
        folded = value.lower() if isinstance(value, str) and len(value) <= _MAX_TIER_TEXT else None
        if folded not in allowed:
            raise Refused(f"{name} must be one of {', '.join(map(repr, allowed))}, not {shown(value)}")
        return folded

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "maxLength": _MAX_TIER_TEXT}


@dataclass(frozen=True, slots=True)
class SetRateLimitTier(Command):
    """Change the rate-limit tier (off, basic, advanced, expert, premier, paragon, prime, prestige); every bucket
    starts full."""

    name: ClassVar[str] = "set_rate_limit_tier"
    kept: ClassVar[bool] = False  # (the tier a mock starts with is its setting)
    tier: str = value(_Tier())


def tier_name(tier: str) -> str:
    """A tier's name as the mock keeps it (lower case); ValueError for one it does not know."""
    name = tier.lower() if isinstance(tier, str) else tier
    if name != OFF and name not in TIERS:
        raise ValueError(f"unknown rate-limit tier {tier!r}; the tiers are {', '.join((OFF, *TIERS))}")
    return name


class RateLimits:
    def __init__(
        self, clock: Clock, tier: str = OFF, *, tables: Tables | None = None, max_subjects: int = MAX_SUBJECTS
    ) -> None:
        """`tables`: each venue's buckets under a tier, by the venue's name (its registration's); none: no venue
        keeps a bucket."""
        self.clock = clock
        self.tables: Tables = tables or {}
        self.max_subjects = max_subjects
        self._lock = threading.Lock()
        self._tier = tier_name(tier)
        self._budgets = budgets(self._tier, self.tables)
        self._tier_budgets: dict[str, dict[str, dict[str, Budget]]] = {}  # every tier's, as subjects' own tiers ask
        self._buckets: OrderedDict[tuple[str, str], dict[str, TokenBucket]] = OrderedDict()

    @property
    def tier(self) -> str:
        return self._tier

    @property
    def enabled(self) -> bool:
        return self._tier != OFF

    def set_tier(self, tier: str) -> None:
        name = tier_name(tier)
        with self._lock:
            self._tier = name
            self._budgets = budgets(name, self.tables)
            self._buckets.clear()

    def set_rate_limit_tier(self, command: SetRateLimitTier) -> dict[str, Any]:
        """The tier set, and the state it leaves."""
        self.set_tier(command.tier)
        return self.state()

    def reset(self) -> None:
        """Every bucket full again (the tier stays)."""
        with self._lock:
            self._buckets.clear()

    def _shapes(self, tier: str | None) -> dict[str, dict[str, Budget]]:
        """The budgets of `tier` (None: the tier in force); nothing is limited while the mock's tier is off."""
        if tier is None or tier == self._tier or self._tier == OFF:
            return self._budgets
        found = self._tier_budgets.get(tier)
        if found is None:
            found = self._tier_budgets[tier] = budgets(tier_name(tier), self.tables)
        return found

    def budget(self, venue: str, bucket: str, tier: str | None = None) -> Budget | None:
        """The shape of `venue`'s `bucket` under `tier` (None: the tier in force); None when it keeps no such bucket
        (or limits are off)."""
        return self._shapes(tier).get(venue, {}).get(bucket)

    def describe(self, venue: str, bucket: str, tier: str | None = None) -> str:
        """A bucket's shape in words, for the diagnosis of a refusal."""
        budget = self.budget(venue, bucket, tier)
        if budget is None:
            return "no budget"
        return f"{budget.capacity} {budget.unit} at most, {budget.refill_per_second} a second, {budget.cost} a request"

    def take(self, venue: str, subject: str, bucket: str, cost: int | None = None, *, tier: str | None = None) -> bool:
        """Charge `subject` `cost` (the bucket's default cost if None) from its `bucket` at `venue`, under its own
        `tier` if given: True if it had them (or nothing is limited), False if the request is over the limit (nothing
        is taken)."""
        with self._lock:
            budget = self._shapes(tier).get(venue, {}).get(bucket)
            if budget is None:
                return True
            now = self.clock.now()
            key = (venue, subject)
            held = self._buckets.get(key)
            if held is None:
                held = self._buckets[key] = {}
                while len(self._buckets) > self.max_subjects:
                    self._buckets.popitem(last=False)
            else:
                self._buckets.move_to_end(key)
            found = held.get(bucket)
            if found is None or found.budget != budget:  # new, or the subject's tier changed: full
                found = held[bucket] = TokenBucket(budget, now)
            return found.take(budget.cost if cost is None else cost, now)

    def state(self) -> dict[str, Any]:
        """The tier, each venue's budgets, and each subject's bucket levels (whole units; a bucket not yet used is
        full), as plain JSON-ready values."""
        with self._lock:
            now = self.clock.now()
            levels: dict[str, dict[str, dict[str, int]]] = {venue: {} for venue in self._budgets}
            for (venue, subject), held in self._buckets.items():
                shapes = self._budgets.get(venue, {})
                levels.setdefault(venue, {})[subject] = {
                    name: held[name].level(now) if name in held else shape.capacity for name, shape in shapes.items()
                }
            return {
                "tier": self._tier,
                "tiers": [OFF, *TIERS],
                "budgets": {
                    venue: {name: shape.as_dict() for name, shape in shapes.items()}
                    for venue, shapes in self._budgets.items()
                },
                "buckets": levels,
            }
