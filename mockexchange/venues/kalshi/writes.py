"""What the account writes share: running a client's write as a control-plane command (so a state file keeps it),
Kalshi's answer to what the ledger refuses, and the usage tier an account is on."""

from __future__ import annotations

from typing import Any

from mockexchange.auth.kalshi.keys import ApiKey
from mockexchange.core.kalshi.checks import LedgerError
from mockexchange.core.rate_budgets import OFF
from mockexchange.venues.kalshi.context import KalshiContext
from mockexchange.venues.kalshi.errors import KalshiError, forbidden, internal_error

RESTRICTED = "this API key is restricted to a single sub-account and cannot access this endpoint"


def run(ctx: KalshiContext, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """Run the command `name` for a client (`KalshiContext.commands`); a refusal is Kalshi's error for it."""
    if ctx.write_commands is None:
        raise internal_error("this mock serves no account writes (its Kalshi context has no commands)")
    try:
        return ctx.write_commands(name, arguments)
    except LedgerError as exc:
        raise refused(exc) from None


def refused(exc: LedgerError) -> KalshiError:
    """The ledger's refusal in Kalshi's shape (`{"error": {"code", "message", "service"}}`), the reason in the
    diagnosis header; a refusal of the mock's own (the state file could not keep the command) is a 500."""
    if exc.status >= 500:
        return internal_error(str(exc))
    code = getattr(exc, "code", None) or {404: "not_found", 409: "conflict"}.get(exc.status, "bad_request")
    body = {"error": {"code": code, "message": code.replace("_", " "), "service": "exchange"}}
    return KalshiError(exc.status, body, str(exc))


def unrestricted(key: ApiKey, why: str) -> None:
    """Refuse a key locked to a subaccount: `why` it may not do this."""
    if key.subaccount is not None:
        raise forbidden(RESTRICTED, f"key is locked to subaccount {key.subaccount}: {why}")


def tier_of(ctx: KalshiContext, user_id: str) -> str:
    """The usage tier of the user's account: the mock's rate-limit tier (one for every account)."""
    return ctx.rate_limits.tier if ctx.rate_limits is not None else OFF
