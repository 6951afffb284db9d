"""Kalshi's rate limits on the REST routes: which bucket an operation draws from, what it costs, and the 429.

Charged per user (every key of a user shares its buckets), after the request authenticated and before the operation
runs: a request refused at authentication costs nothing, one refused later (a bad parameter, a 403) has paid. A public
market data read (GET /markets, ...) is charged to the user of the key it names if any, else to the client's address.
A user is charged under its own usage tier (its API usage-level grants raise it above the mock's tier: usage_levels.py).
Kalshi's documented 429 is `{"error": "too many requests"}` with no `Retry-After` and no `X-RateLimit-*` header; the
mock adds only its diagnosis header. The websocket's commands are not charged. Budgets and sources: docs/rate-limits.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from mockexchange.auth.kalshi.signature import KEY_HEADER
from mockexchange.core.kalshi.rate_budgets import KALSHI, KALSHI_DEFAULT_COST
from mockexchange.venues.kalshi.context import KalshiContext
from mockexchange.venues.kalshi.errors import KalshiError

TOO_MANY_REQUESTS = {"error": "too many requests"}

# GET /portfolio/balance has its own bucket; it does not draw down the read budget, nor reads it.
BALANCE_OPERATIONS = frozenset({"GetBalance"})
# The write bucket: "order placement, amends, cancels, order groups, and the RFQ quote flow"; an operation added later
# lands in the right bucket by its operationId.
WRITE_OPERATIONS = frozenset({
    "CreateOrder", "CreateOrderV2", "AmendOrder", "DecreaseOrder", "CancelOrder", "CancelOrderV2", "CancelAllOrders",
    "BatchCreateOrders", "BatchCreateOrdersV2", "BatchCancelOrders", "BatchCancelOrdersV2",
    "CreateOrderGroup", "DeleteOrderGroup", "ResetOrderGroup", "TriggerOrderGroup", "UpdateOrderGroupLimit",
    "CreateQuote", "DeleteQuote", "AcceptQuote", "ConfirmQuote", "DeleteRFQQuote", "AcceptRFQQuote", "ConfirmRFQQuote",
    "UpgradeAccountApiUsageLevel",  # "uses the Predictions Write bucket" (3.34)
})  # fmt: skip


class EndpointCost(NamedTuple):
    method: str
    path: str  # as the spec's paths name it, under /trade-api/v2
    cost: int  # tokens a request (a batch: an item) costs
    per_item: bool = False  # a batch pays `cost` for each item it holds


# Every operation whose cost is not the default (10 tokens), from each operation's "Rate limit" note in the 3.34 spec;
# the batch create pays the default per order. The limiter charges by this table and GET /account/endpoint_costs lists
# it, so both say the same.
ENDPOINT_COSTS: dict[str, EndpointCost] = {
    "GetOrder": EndpointCost("GET", "/portfolio/orders/{order_id}", 2),
    "CancelAllOrders": EndpointCost("DELETE", "/portfolio/events/orders", 2),
    "BatchCreateOrdersV2": EndpointCost("POST", "/portfolio/events/orders/batched", KALSHI_DEFAULT_COST, True),
    "BatchCancelOrdersV2": EndpointCost("DELETE", "/portfolio/events/orders/batched", 2, True),
    "CancelOrderV2": EndpointCost("DELETE", "/portfolio/events/orders/{order_id}", 2),
    "GetRFQQuote": EndpointCost("GET", "/communications/rfqs/{rfq_id}/quotes/{quote_id}", 2),
    "DeleteRFQQuote": EndpointCost("DELETE", "/communications/rfqs/{rfq_id}/quotes/{quote_id}", 2),
    "CreateQuote": EndpointCost("POST", "/communications/quotes", 2),
    "GetQuote": EndpointCost("GET", "/communications/quotes/{quote_id}", 2),
    "DeleteQuote": EndpointCost("DELETE", "/communications/quotes/{quote_id}", 2),
    "UpgradeAccountApiUsageLevel": EndpointCost("POST", "/account/api_usage_level/upgrade", 30),
}


# The legacy profile's order writes (venues/kalshi/legacy_orders.py) cost what their 3.34 twins cost: 3.34 lists no
# cost of its own for them (it has no such routes), and a batch pays per item whichever route it came by.
LEGACY_TWINS = {"CancelOrder": "CancelOrderV2", "BatchCreateOrders": "BatchCreateOrdersV2",
                "BatchCancelOrders": "BatchCancelOrdersV2"}  # fmt: skip


def _cost_row(operation_id: str) -> EndpointCost | None:
    return ENDPOINT_COSTS.get(LEGACY_TWINS.get(operation_id, operation_id))


def bucket_of(operation_id: str) -> str:
    if operation_id in BALANCE_OPERATIONS:
        return "balance"
    return "write" if operation_id in WRITE_OPERATIONS else "read"


def cost_of(operation_id: str, items: int = 1) -> int | None:
    """The tokens the operation costs (a batch of `items`); None: its bucket's own cost (the balance bucket counts
    requests)."""
    if operation_id in BALANCE_OPERATIONS:
        return None
    found = _cost_row(operation_id)
    if found is None:
        return KALSHI_DEFAULT_COST
    return found.cost * items if found.per_item else found.cost


def charge_items(ctx: KalshiContext, user_id: str, operation_id: str, items: int) -> None:
    """A batch's further `items` (its first was charged before its body was read), if it pays per item."""
    found = _cost_row(operation_id)
    if found is not None and found.per_item and items > 0:
        charge(ctx, user_id, operation_id, items)


def charge(ctx: KalshiContext, user_id: str, operation_id: str, items: int = 1) -> None:
    """Take the operation's cost from the user's bucket under its usage tier, or raise Kalshi's 429."""
    limits = ctx.rate_limits
    if limits is None or not limits.enabled:
        return
    tier = ctx.ledger.state.usage_levels.tier(user_id, limits.tier, ctx.ledger.state.clock.now())
    _take(ctx, user_id, f"user {user_id!r}", operation_id, items, tier)


def charge_public(ctx: KalshiContext, headers: Mapping[str, str], client: Any, operation_id: str) -> None:
    """A public market data read's charge (nothing is signed): the user of the key the request names, if the mock
    knows it (its signature is not checked: the read is public); else the client's address, under the mock's tier."""
    limits = ctx.rate_limits
    if limits is None or not limits.enabled:
        return
    user_id = named_user(ctx, headers)
    if user_id is not None:
        charge(ctx, user_id, operation_id)
        return
    _take(ctx, address_of(client), f"the address {client_address(client)}", operation_id, 1, limits.tier)


def named_user(ctx: KalshiContext, headers: Mapping[str, str]) -> str | None:
    """The user of the key a public request names, if the mock knows it (its signature is not checked)."""
    key = ctx.keys.get(headers.get(KEY_HEADER) or "")
    return None if key is None else key.user_id


def client_address(client: Any) -> str:
    return client[0] if client else "unknown"


def address_of(client: Any) -> str:
    """The subject an anonymous request is charged as: its client's address."""
    return f"address:{client_address(client)}"


def _take(ctx: KalshiContext, subject: str, who: str, operation_id: str, items: int, tier: str) -> None:
    take(ctx, KALSHI, subject, who, bucket_of(operation_id), cost_of(operation_id, items), tier)


def take(ctx: KalshiContext, venue: str, subject: str, who: str, bucket: str, cost: int | None, tier: str) -> None:
    """Take `cost` from the subject's `bucket` at `venue` (Kalshi's, or its perps exchange's) under `tier`, or raise
    Kalshi's 429 (the perps exchange's too)."""
    limits = ctx.rate_limits
    assert limits is not None
    if limits.take(venue, subject, bucket, cost, tier=tier):
        return
    shape = limits.describe(venue, bucket, tier)
    raise KalshiError(
        429,
        dict(TOO_MANY_REQUESTS),
        f"{who} spent the {bucket} bucket ({tier} tier: {shape}); it refills on the wall clock "
        "(GET /_admin/rate_limits shows the levels, POST /_admin/rate_limits changes the tier)",
    )
