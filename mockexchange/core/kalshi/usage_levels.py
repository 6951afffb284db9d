"""A Kalshi user's API usage level: the grants that raise it above the mock's tier, and the trading volume it is
measured against.

A grant confers a level (one of the rate-limit tiers, `core.rate_budgets.TIERS`) on one exchange instance, until it
expires (exchange time) or for good. A user's effective Predictions tier is the highest of the mock's tier (the
`base`: `--rate-limit-tier`, basic when limits are off) and the levels of its live `event_contract` grants. The volume
is the contracts a user's fills moved in the trailing 30 days, from the ledger's fill index; the goals each level is
earned and kept at are the mock's figures (Kalshi does not publish them; docs/rate-limits.md).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import datetime, timedelta

from mockexchange.core.clock import unix_seconds
from mockexchange.core.kalshi.fill_log import Fill
from mockexchange.core.kalshi.units import CONTRACT, count_units
from mockexchange.core.rate_budgets import OFF, TIERS
from mockexchange.core.time_index import TimeIndex

LEVELS = TIERS  # lowest first
BASIC = LEVELS[0]
ADVANCED = LEVELS[1]
EXCHANGE_INSTANCES = ("event_contract", "margined")
PREDICTIONS = "event_contract"  # the lane /account/limits reports
MARGINED = "margined"  # the perps exchange's lane (/account/limits/perps)
GRANT_SOURCES = ("volume", "manual")
VOLUME_WINDOW = timedelta(days=30)
# Each volume-based level's goals in contracts: (earned at, kept at) over the trailing 30 days. The mock's choice.
VOLUME_GOALS: dict[str, tuple[int, int]] = {
    "expert": (100_000, 50_000),
    "premier": (1_000_000, 500_000),
    "paragon": (5_000_000, 2_500_000),
    "prime": (10_000_000, 5_000_000),
    "prestige": (25_000_000, 12_500_000),
}


@dataclass(frozen=True, slots=True)
class Grant:
    exchange_instance: str
    level: str
    source: str
    expires: datetime | None = None  # None: permanent

    def live(self, now: datetime) -> bool:
        return self.expires is None or now < self.expires

    def as_wire(self) -> dict[str, object]:
        """An `ApiUsageLevelGrant`: `expires_ts` absent for a permanent grant."""
        found: dict[str, object] = {"exchange_instance": self.exchange_instance, "level": self.level}
        if self.expires is not None:
            found["expires_ts"] = unix_seconds(self.expires)
        found["source"] = self.source
        return found


def higher(a: str, b: str) -> str:
    return a if LEVELS.index(a) >= LEVELS.index(b) else b


class UsageLevels:
    """Every user's grants: one per (exchange instance, level), a new one replacing it (a refresh). Changed under the
    ledger's lock; read without it (a read copies a user's grants in one step)."""

    def __init__(self) -> None:
        self._grants: dict[str, dict[tuple[str, str], Grant]] = {}

    def grant(self, user_id: str, grant: Grant) -> None:
        self._grants.setdefault(user_id, {})[(grant.exchange_instance, grant.level)] = grant

    def grants(self, user_id: str, now: datetime) -> list[Grant]:
        """The user's live grants, by exchange instance and then level, lowest first."""
        held = list(self._grants.get(user_id, {}).values())
        live = [g for g in held if g.live(now)]
        return sorted(live, key=lambda g: (EXCHANGE_INSTANCES.index(g.exchange_instance), LEVELS.index(g.level)))

    def tier(self, user_id: str, base: str, now: datetime, instance: str = PREDICTIONS) -> str:
        """The user's effective tier on an exchange instance (Predictions unless named): the highest of `base` (the
        mock's tier; basic when it is off) and its live grants on that instance."""
        found = BASIC if base == OFF else base
        for grant in self.grants(user_id, now):
            if grant.exchange_instance == instance:
                found = higher(found, grant.level)
        return found

    def clear(self) -> None:
        self._grants.clear()


def trailing_volume(fill_index: TimeIndex, user_id: str, now: datetime) -> int:
    """The contracts (hundredths) the user's fills moved in the `VOLUME_WINDOW` ending at `now`."""
    end = unix_seconds(now)
    start = unix_seconds(now - VOLUME_WINDOW)
    found, _ = fill_index.page(user_id, sys.maxsize, min_ts=start, max_ts=end)
    return sum(count_units(fill.count) for _, fill in found if isinstance(fill, Fill))  # (its records are all fills)


def goal_units(contracts: int) -> int:
    return contracts * CONTRACT
