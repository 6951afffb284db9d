"""The perps exchange's rate limits (GetPerpsAccountApiLimits' buckets): each user's read and write buckets of the
margined instance, apart from Kalshi's Predictions ones, under the user's tier there (the mock's tier, raised by the
user's `margined` usage-level grants). A request costs the spec's default 10 tokens, or what its operation's note
states (`GetMarginBalance`: 5, 50 computing the available balance; table.py): a write (POST, PUT, DELETE) from the
write bucket, a read from the read bucket. Charged as Kalshi's are (venues/kalshi/rate_limits.py): a signed
request to its user after it authenticated, a public read to the user of the key it names if the mock knows it, else
to the client's address; the 429 is Kalshi's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockexchange.auth.kalshi.keys import ApiKey
from mockexchange.core.kalshi.rate_budgets import kalshi_budgets
from mockexchange.core.kalshi.usage_levels import MARGINED
from mockexchange.core.rate_budgets import OFF
from mockexchange.core.token_bucket import Budget
from mockexchange.venues.kalshi.account import bucket_limit
from mockexchange.venues.kalshi.params import Query
from mockexchange.venues.kalshi.rate_limits import address_of, client_address, named_user, take
from mockexchange.venues.perps.context import PerpsContext

PERPS = "perps"  # the venue's name, which its buckets are kept under (its registration's)
COST = 10  # tokens a request, but where an operation's note states another (table.py)


def default_cost(query: Query) -> int:
    return COST


def perps_budgets(tier: str) -> dict[str, Budget]:
    """The margined instance's buckets under a tier: the shapes of Kalshi's read and write buckets (the mock's choice:
    the perps spec publishes none), apart from them."""
    return {bucket: budget for bucket, budget in kalshi_budgets(tier).items() if bucket in ("read", "write")}


def tier(ctx: PerpsContext, user_id: str) -> str:
    """The user's tier on the margined instance."""
    kalshi = ctx.kalshi
    state = kalshi.ledger.state
    base = kalshi.rate_limits.tier if kalshi.rate_limits is not None else OFF
    return state.usage_levels.tier(user_id, base, state.clock.now(), MARGINED)


def account_limits(ctx: PerpsContext, key: ApiKey, query: Query) -> dict[str, Any]:
    """GetPerpsAccountApiLimits: the user's tier on the margined instance, its buckets' shapes and its grants."""
    state = ctx.kalshi.ledger.state
    user_tier = tier(ctx, key.user_id)
    budgets = perps_budgets(user_tier)
    return {
        "usage_tier": user_tier, "read": bucket_limit(budgets["read"]), "write": bucket_limit(budgets["write"]),
        "grants": [grant.as_wire() for grant in state.usage_levels.grants(key.user_id, state.clock.now())],
    }  # fmt: skip


def charge(ctx: PerpsContext, user_id: str, write: bool, cost: int = COST) -> None:
    limits = ctx.kalshi.rate_limits
    if limits is None or not limits.enabled:
        return
    bucket = "write" if write else "read"
    take(ctx.kalshi, PERPS, user_id, f"user {user_id!r}", bucket, cost, tier(ctx, user_id))


def charge_public(ctx: PerpsContext, headers: Mapping[str, str], client: Any, cost: int = COST) -> None:
    limits = ctx.kalshi.rate_limits
    if limits is None or not limits.enabled:
        return
    user_id = named_user(ctx.kalshi, headers)
    if user_id is not None:
        charge(ctx, user_id, False, cost)
        return
    who = f"the address {client_address(client)}"
    take(ctx.kalshi, PERPS, address_of(client), who, "read", cost, limits.tier)
