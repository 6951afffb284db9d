"""The mock's rate-limit tiers, and the venues' budgets under one: which buckets each venue keeps per user and their
shapes, each venue's table of them its registration's (core/kalshi/rate_budgets.py, core/deribit/rate_budgets.py).

A tier is Kalshi's name for an account's API access level (docs.kalshi.com/getting_started/rate_limits); `off`
(the default) limits nothing. Sources and the mock's choices: docs/rate-limits.md.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from mockexchange.core.token_bucket import Budget

OFF = "off"
# Kalshi's Predictions usage tiers, lowest first (GetAccountApiLimits, 3.34). Expert and Prestige are named by the spec
# but their budgets are not published: the mock's figures are its choice (docs/rate-limits.md).
TIERS = ("basic", "advanced", "expert", "premier", "paragon", "prime", "prestige")

# Each venue's buckets under a tier, by the venue's name
Tables = Mapping[str, Callable[[str], dict[str, Budget]]]


def budgets(tier: str, tables: Tables) -> dict[str, dict[str, Budget]]:
    """Each venue's buckets under `tier` (one of `TIERS`; `off` has none)."""
    if tier == OFF:
        return {}
    if tier not in TIERS:
        raise ValueError(f"unknown rate-limit tier {tier!r}; the tiers are {', '.join((OFF, *TIERS))}")
    return {venue: table(tier) for venue, table in tables.items()}
