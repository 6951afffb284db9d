"""Deribit's documented rate-limit budgets: its own tiers follow 7-day trading volume and only move its matching-engine
limit, so every tier of the mock applies Deribit's defaults. Sources: docs/rate-limits.md."""

from __future__ import annotations

from mockexchange.core.token_bucket import Budget

DERIBIT = "deribit"  # the venue's name, which its buckets are kept under
# Deribit: non-matching-engine requests cost 500 credits from a pool of 50,000 refilled at 10,000 a second (20 a second,
# a burst of 100); matching-engine requests (orders) 5 a second, a burst of 20 (the lowest volume tier); subscribe 3,000
# credits from 30,000 refilled at 10,000 a second (about 3.3 a second, a burst of 10).
DERIBIT_BUDGETS = {
    "non_matching_engine": Budget(50_000, 10_000, 500, "credits"),
    "matching_engine": Budget(20, 5, 1, "requests"),
    "subscribe": Budget(30_000, 10_000, 3_000, "credits"),
}


def deribit_budgets(tier: str) -> dict[str, Budget]:
    """Deribit's buckets, the same under every tier."""
    return dict(DERIBIT_BUDGETS)
