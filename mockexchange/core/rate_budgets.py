"""The venues' published rate-limit budgets, per tier: which buckets each venue keeps per user and their shapes.

A tier is Kalshi's name for an account's API access level (docs.kalshi.com/getting_started/rate_limits); `off`
(the default) limits nothing. Deribit's own tiers follow 7-day trading volume and only move its matching-engine limit,
so every tier here applies Deribit's documented defaults. Sources and the mock's choices: docs/rate-limits.md.
"""

from __future__ import annotations

from mockexchange.core.token_bucket import Budget

OFF = "off"
# Kalshi's Predictions usage tiers, lowest first (GetAccountApiLimits, 3.34). Expert and Prestige are named by the spec
# but their budgets are not published: the mock's figures are its choice (docs/rate-limits.md).
TIERS = ("basic", "advanced", "expert", "premier", "paragon", "prime", "prestige")
KALSHI = "kalshi"
DERIBIT = "deribit"

# Kalshi: each bucket's budget per second in tokens (read, write); most requests cost 10 tokens.
KALSHI_DEFAULT_COST = 10
_KALSHI_PER_SECOND = {
    "basic": (200, 100),
    "advanced": (300, 300),
    "expert": (500, 500),  # not published: between Advanced and Premier
    "premier": (1_000, 1_000),
    "paragon": (2_000, 2_000),
    "prime": (4_000, 4_000),
    "prestige": (8_000, 8_000),  # not published: above Prime
}
# GET /portfolio/balance has its own bucket: 1 call a second on Basic and Advanced, 5 above; no burst.
_KALSHI_BALANCE_PER_SECOND = {tier: 1 if tier in ("basic", "advanced") else 5 for tier in TIERS}
# "write buckets at non-Basic tiers hold two seconds of budget" (BucketLimit, 3.34): Basic's holds one.
KALSHI_WRITE_BURST_SECONDS = 2
KALSHI_READ_BURST_SECONDS = 1  # not documented: the mock's choice (docs/known-differences.md)

# Deribit: non-matching-engine requests cost 500 credits from a pool of 50,000 refilled at 10,000 a second (20 a second,
# a burst of 100); matching-engine requests (orders) 5 a second, a burst of 20 (the lowest volume tier); subscribe 3,000
# credits from 30,000 refilled at 10,000 a second (about 3.3 a second, a burst of 10).
DERIBIT_BUDGETS = {
    "non_matching_engine": Budget(50_000, 10_000, 500, "credits"),
    "matching_engine": Budget(20, 5, 1, "requests"),
    "subscribe": Budget(30_000, 10_000, 3_000, "credits"),
}


def kalshi_budgets(tier: str) -> dict[str, Budget]:
    read, write = _KALSHI_PER_SECOND[tier]
    balance = _KALSHI_BALANCE_PER_SECOND[tier]
    return {
        "read": Budget(read * KALSHI_READ_BURST_SECONDS, read, KALSHI_DEFAULT_COST),
        "write": Budget(write * (1 if tier == "basic" else KALSHI_WRITE_BURST_SECONDS), write, KALSHI_DEFAULT_COST),
        "balance": Budget(balance, balance, 1, "requests"),
    }


def budgets(tier: str) -> dict[str, dict[str, Budget]]:
    """Each venue's buckets under `tier` (one of `TIERS`; `off` has none)."""
    if tier == OFF:
        return {}
    if tier not in _KALSHI_PER_SECOND:
        raise ValueError(f"unknown rate-limit tier {tier!r}; the tiers are {', '.join((OFF, *TIERS))}")
    return {KALSHI: kalshi_budgets(tier), DERIBIT: dict(DERIBIT_BUDGETS)}
