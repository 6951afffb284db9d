"""Kalshi's AccountApi: GET /account/limits, POST /account/api_usage_level/upgrade,
GET /account/api_usage_level/volume_progress and GET /account/endpoint_costs.

The tier a user is reported and charged under is its effective Predictions tier (core/kalshi/usage_levels.py): the
mock's `--rate-limit-tier` raised by the user's live grants; with limits off the base is basic, so /account/limits
answers basic's figures (or a grant's), which the mock then does not enforce. The upgrade executes the admin API's
grant (`GrantApiUsageLevel`), so a state file keeps it. The endpoint costs are the table the limiter charges by
(rate_limits.py). The same shapes serve both wire profiles (the legacy one had no AccountApi).
"""

from __future__ import annotations

from typing import Any

from mockexchange.auth.kalshi.keys import ApiKey
from mockexchange.core.clock import unix_seconds
from mockexchange.core.kalshi.account_commands import GrantApiUsageLevel
from mockexchange.core.kalshi.rate_budgets import KALSHI_DEFAULT_COST, kalshi_budgets
from mockexchange.core.kalshi.units import contracts
from mockexchange.core.kalshi.usage_levels import (
    ADVANCED,
    PREDICTIONS,
    VOLUME_GOALS,
    goal_units,
    trailing_volume,
)
from mockexchange.core.rate_budgets import OFF
from mockexchange.core.token_bucket import Budget
from mockexchange.venues.kalshi import commands
from mockexchange.venues.kalshi.context import KalshiContext
from mockexchange.venues.kalshi.errors import forbidden
from mockexchange.venues.kalshi.rate_limits import ENDPOINT_COSTS
from mockexchange.venues.kalshi.render import count_fp


def bucket_limit(budget: Budget) -> dict[str, int]:
    """A BucketLimit."""
    return {"refill_rate": budget.refill_per_second, "bucket_capacity": budget.capacity}


def get_limits(ctx: KalshiContext, key: ApiKey, query: Any) -> dict[str, Any]:
    base = ctx.rate_limits.tier if ctx.rate_limits is not None else OFF
    now = ctx.ledger.state.clock.now()
    levels = ctx.ledger.state.usage_levels
    tier = levels.tier(key.user_id, base, now)
    budgets = kalshi_budgets(tier)
    return {
        "usage_tier": tier,
        "read": bucket_limit(budgets["read"]),
        "write": bucket_limit(budgets["write"]),
        "grants": [grant.as_wire() for grant in levels.grants(key.user_id, now)],
    }


def _made_an_order(ctx: KalshiContext, user_id: str) -> bool:
    """Whether any of the user's latest orders reached the mock: every order does through its API (an order of the
    user's, or the order a fill belongs to)."""
    with ctx.ledger.reading():
        fills, _ = ctx.ledger.state.fill_index.page(user_id, 1)
        return bool(fills) or bool(ctx.ledger.state.order_index.count(user_id))


def upgrade(ctx: KalshiContext, key: ApiKey, query: Any) -> None:
    """A permanent Advanced grant on the Predictions instance (created, or refreshed): 201 with no body."""
    if not _made_an_order(ctx, key.user_id):
        raise forbidden(
            "no API-created order was found in the user's latest 100 Predictions orders",
            f"user {key.user_id!r} has no order and no fill: the upgrade needs one order made through the API",
        )
    commands.execute(ctx, GrantApiUsageLevel(key.user_id, ADVANCED, PREDICTIONS, "manual"))


def get_volume_progress(ctx: KalshiContext, key: ApiKey, query: Any) -> dict[str, Any]:
    """One snapshot, computed now (Kalshi's is a cron's latest): the user's contracts in the trailing 30 days."""
    with ctx.ledger.reading():
        now = ctx.ledger.state.clock.now()
        volume = trailing_volume(ctx.ledger.state.fill_index, key.user_id, now)
    goals = [
        {
            "level": level,
            "earn_volume_goal_fp": count_fp(contracts(goal_units(earn))),
            "keep_volume_goal_fp": count_fp(contracts(goal_units(keep))),
        }
        for level, (earn, keep) in VOLUME_GOALS.items()
    ]
    progress = {"computed_ts": unix_seconds(now), "trailing_30d_volume_fp": count_fp(contracts(volume))}
    return {"volume_progress": [{**progress, "goals": goals}]}


def endpoint_costs() -> dict[str, Any]:
    """The endpoints whose cost is not the default; a batch's per-item cost equal to the default is not listed."""
    listed = [
        {"method": cost.method, "path": cost.path, "cost": cost.cost}
        for cost in ENDPOINT_COSTS.values()
        if cost.cost != KALSHI_DEFAULT_COST
    ]
    return {"default_cost": KALSHI_DEFAULT_COST, "endpoint_costs": listed}


def get_endpoint_costs(ctx: KalshiContext, key: None, query: Any) -> dict[str, Any]:
    return endpoint_costs()
