"""Deribit's credit-based rate limits: which bucket a method draws from, who pays, and error 10028.

Who pays: an authenticated caller's account (per sub-account, as Deribit applies them: every key of one wallet shares
its credits), else the client's address (Deribit limits unauthenticated requests per IP). Over HTTP a public method is
paid by the address even with an Authorization header (the mock authenticates private methods only); over the
websocket a connection bound by `public/auth` pays with its account for everything it sends next. A request is charged
once its method is known to the mock and its caller established: a malformed request, an unknown method or a refused
authentication costs nothing. On the websocket 10028 ends the session (the reply, then the close), as Deribit does.
Budgets and sources: docs/rate-limits.md.
"""

from __future__ import annotations

from mockexchange.auth.deribit.authentication import Authenticated
from mockexchange.core.deribit.rate_budgets import DERIBIT
from mockexchange.core.rate_limits import RateLimits
from mockexchange.venues.deribit.errors import TOO_MANY_REQUESTS, RpcError

NON_MATCHING_ENGINE = "non_matching_engine"
MATCHING_ENGINE = "matching_engine"
SUBSCRIBE = "subscribe"

# Deribit's list of matching-engine requests (docs.deribit.com/articles/rate-limits); every other method is a
# non-matching-engine request. The mock serves the order methods of them (venues/deribit/order_writes.py).
MATCHING_ENGINE_METHODS = frozenset({
    "private/buy", "private/sell", "private/edit", "private/edit_by_label", "private/cancel", "private/cancel_all",
    "private/cancel_all_by_instrument", "private/cancel_all_by_currency", "private/cancel_all_by_currency_pair",
    "private/cancel_all_by_kind_or_type", "private/cancel_by_label", "private/cancel_quotes", "private/close_position",
    "private/verify_block_trade", "private/execute_block_trade", "private/move_positions", "private/mass_quote",
})  # fmt: skip
SUBSCRIBE_METHODS = frozenset({"public/subscribe", "private/subscribe"})  # their own, costlier bucket


def bucket_of(method: str) -> str:
    if method in MATCHING_ENGINE_METHODS:
        return MATCHING_ENGINE
    return SUBSCRIBE if method in SUBSCRIBE_METHODS else NON_MATCHING_ENGINE


def subject_of(caller: Authenticated | None, client_host: str | None) -> str:
    """Who pays: the caller's wallet (`alice`, `alice/subaccount-2`), else `ip:<address>`."""
    if caller is not None:
        credential = caller.credential
        if credential.subaccount_id is None:
            return credential.user_id
        return f"{credential.user_id}/subaccount-{credential.subaccount_id}"
    return f"ip:{client_host or 'unknown'}"


def charge(limits: RateLimits | None, method: str, subject: str) -> None:
    """Take the method's credits from the subject's bucket, or raise 10028."""
    if limits is None or not limits.enabled:
        return
    bucket = bucket_of(method)
    if limits.take(DERIBIT, subject, bucket):
        return
    shape = limits.describe(DERIBIT, bucket)
    raise RpcError(
        TOO_MANY_REQUESTS,
        f"{subject} spent its {bucket} credits ({shape}) on {method}; they refill on the wall clock "
        "(GET /_admin/rate_limits shows the levels, POST /_admin/rate_limits changes the tier)",
    )
