"""Kalshi's published rate-limit budgets per tier (docs.kalshi.com/getting_started/rate_limits): each user's read,
write and balance buckets. Sources and the mock's choices: docs/rate-limits.md."""

from __future__ import annotations

from mockexchange.core.rate_budgets import TIERS
from mockexchange.core.token_bucket import Budget

KALSHI = "kalshi"  # the venue's name, which its buckets are kept under
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


def kalshi_budgets(tier: str) -> dict[str, Budget]:
    read, write = _KALSHI_PER_SECOND[tier]
    balance = _KALSHI_BALANCE_PER_SECOND[tier]
    return {
        "read": Budget(read * KALSHI_READ_BURST_SECONDS, read, KALSHI_DEFAULT_COST),
        "write": Budget(write * (1 if tier == "basic" else KALSHI_WRITE_BURST_SECONDS), write, KALSHI_DEFAULT_COST),
        "balance": Budget(balance, balance, 1, "requests"),
    }
