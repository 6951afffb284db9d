"""Kalshi's rate limits on the REST routes: which bucket an operation draws from, what it costs, and the 429.

Charged per user (every key of a user shares its buckets), after the request authenticated and before the operation
runs: a request refused at authentication costs nothing, one refused later (a bad parameter, a 403) has paid. Kalshi's
documented 429 is `{"error": "too many requests"}` with no `Retry-After` and no `X-RateLimit-*` header; the mock adds
only its diagnosis header. The websocket's commands are not charged. Budgets and sources: docs/rate-limits.md.
"""

from __future__ import annotations

from mockexchange.core.rate_budgets import KALSHI
from mockexchange.core.rate_limits import RateLimits
from mockexchange.venues.kalshi.errors import KalshiError

TOO_MANY_REQUESTS = {"error": "too many requests"}

# GET /portfolio/balance has its own bucket; it does not draw down the read budget, nor reads it.
BALANCE_OPERATIONS = frozenset({"GetBalance"})
# The write bucket: "order placement, amends, cancels, order groups, and the RFQ quote flow". The mock serves none of
# them yet; an operation added later lands in the right bucket by its operationId.
WRITE_OPERATIONS = frozenset({
    "CreateOrder", "CreateOrderV2", "AmendOrder", "DecreaseOrder", "CancelOrder", "CancelOrderV2", "CancelAllOrders",
    "BatchCreateOrders", "BatchCreateOrdersV2", "BatchCancelOrders", "BatchCancelOrdersV2",
    "CreateOrderGroup", "DeleteOrderGroup", "ResetOrderGroup", "TriggerOrderGroup", "UpdateOrderGroupLimit",
    "CreateQuote", "DeleteQuote", "AcceptQuote", "ConfirmQuote",
})  # fmt: skip


def bucket_of(operation_id: str) -> str:
    if operation_id in BALANCE_OPERATIONS:
        return "balance"
    return "write" if operation_id in WRITE_OPERATIONS else "read"


def charge(limits: RateLimits | None, user_id: str, operation_id: str) -> None:
    """Take the operation's cost from the user's bucket, or raise Kalshi's 429."""
    if limits is None or not limits.enabled:
        return
    bucket = bucket_of(operation_id)
    if limits.take(KALSHI, user_id, bucket):
        return
    shape = limits.describe(KALSHI, bucket)
    raise KalshiError(
        429,
        dict(TOO_MANY_REQUESTS),
        f"user {user_id!r} spent the {bucket} bucket ({limits.tier} tier: {shape}); it refills on the wall clock "
        "(GET /_admin/rate_limits shows the levels, POST /_admin/rate_limits changes the tier)",
    )
