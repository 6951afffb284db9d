"""The perps fee schedule: tiers of maker and taker rates (millionths of the notional), each user on one (tier 0
unless set), and the fee of a fill: its value times its rate, rounded up to the micro-dollar."""

from __future__ import annotations

from dataclasses import dataclass

from mockexchange.core.perps.units import MILLION
from mockexchange.core.rounding import ceiling

SCHEDULE_NAME = "kalshi_prime"  # (the schedule a direct member's tiers are in: docs/perps.md)


@dataclass(frozen=True, slots=True)
class FeeTier:
    schedule: str
    tier: int
    maker: int  # millionths of the notional
    taker: int


# Defaults (docs/perps.md): 2 and 5 basis points at the entry tier, less above it.
SCHEDULE = (
    FeeTier(SCHEDULE_NAME, 0, 200, 500),
    FeeTier(SCHEDULE_NAME, 1, 100, 400),
    FeeTier(SCHEDULE_NAME, 2, 0, 300),
)
TIERS = {tier.tier: tier for tier in SCHEDULE}


def fee(value: int, rate: int) -> int:
    """The fee of a fill worth `value` micro-dollars at `rate` millionths, rounded up to the micro-dollar."""
    return ceiling(value * rate, MILLION)
