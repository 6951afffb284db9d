"""How the inspector reads the Kalshi venue: its own operations, an account's called as an unrestricted key of the
user would call them and the market data's as anyone does, with the query a client would send, so what the page shows
is what REST serves, byte for byte (the same profile, the same REST lag, the same render cache).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mockexchange.auth.kalshi.keys import ApiKey
from mockexchange.control import ControlError
from mockexchange.venues.kalshi.context import KalshiContext
from mockexchange.venues.kalshi.errors import KalshiError
from mockexchange.venues.kalshi.params import Parts

API = "GET /trade-api/v2"  # the venue's REST reads, as the inspector names the queries it shows
INSPECTOR_KEY_ID = "mockexchange-inspector"  # the key id the venue's operations are called with (never a real key)

Operation = Callable[[KalshiContext, ApiKey, Any], Any]
PublicOperation = Callable[[KalshiContext, None, Any], Any]  # (market data: called without a key)


def as_user(user_id: str) -> ApiKey:
    # The venue's operations read the key's user and its bindings only (none: every subaccount may be asked).
    return ApiKey(INSPECTOR_KEY_ID, user_id, None)  # type: ignore[arg-type]  # (never verified: holds no public key)


def venue_answer(
    operation: Operation, ctx: KalshiContext, user_id: str, query: dict[str, str] | Parts, *, missing: int | None = None
) -> Any:
    """The operation's answer to `query` (a write's: its `Parts`) for the user; None if it refuses with the status
    `missing` (a 404 that says there is nothing, as a subtrader without a daily cap)."""
    key = as_user(user_id)
    return _answer(lambda: operation(ctx, key, query), missing)


def public_answer(
    operation: PublicOperation, ctx: KalshiContext, values: dict[str, str], *, missing: int | None = None
) -> Any:
    """A public market data operation's answer to `values` (its path's names and its query), as anyone gets it."""
    return _answer(lambda: operation(ctx, None, values), missing)


def _answer(call: Callable[[], Any], missing: int | None) -> Any:
    try:
        return call()
    except KalshiError as exc:  # the queries are the mock's own: a refusal here is worth reading, not a 500
        if exc.status == missing:
            return None
        raise ControlError(f"the Kalshi venue refused the inspector's read: {exc}", 409) from None
