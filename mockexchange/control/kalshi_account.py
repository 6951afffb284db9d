"""Kalshi's account operations on the mock: a user's API usage-level grants and its tier, and deleting an API key.

`Control` inherits them (the admin API's `POST /_admin/api_usage_levels`, `POST /_admin/keys/delete`, the Python API's
methods of the same names, scenarios' `api_usage_level`); the venue's own `POST /account/api_usage_level/upgrade`,
`POST /api_keys`, `POST /api_keys/generate` and `DELETE /api_keys/{api_key}` run these commands too, so a state file
keeps what a client changed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from mockexchange.auth.kalshi.keys import DEFAULT_SCOPES, SCOPES, KeyRegistry, scopes_refusal
from mockexchange.control.commands import command
from mockexchange.control.errors import ControlError
from mockexchange.control.values import MAX_TEXT, choice, integer, optional_text, shown, text
from mockexchange.core.connections import LiveConnections
from mockexchange.core.kalshi.checks import LedgerError
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.kalshi.usage_levels import EXCHANGE_INSTANCES, GRANT_SOURCES, LEVELS, PREDICTIONS, Grant
from mockexchange.core.rate_limits import RateLimits

KEY_DELETED_CLOSE = (1008, "api key deleted")  # the close code and reason a deleted key's websockets get
_MAX_TS = 253_402_300_799  # 9999-12-31T23:59:59Z: the last Unix second Python's calendar holds


def key_scopes(scopes: Any) -> tuple[str, ...]:
    """Kalshi's scope rules: ApiKeyScope values, `write` only beside `read`; none given is full access. Repeats
    count once."""
    if scopes is None:
        return DEFAULT_SCOPES
    if not isinstance(scopes, list | tuple) or not scopes or len(scopes) > len(SCOPES) * 2:
        raise ControlError(f"scopes must be a non-empty list of {', '.join(SCOPES)}, not {shown(scopes)}")
    for scope in scopes:
        if scope not in SCOPES:
            raise ControlError(f"scopes holds {shown(scope)}, which is none of {', '.join(SCOPES)}")
    if (why := scopes_refusal(scopes)) is not None:
        raise ControlError(f"scopes: {why}")
    return tuple(dict.fromkeys(scopes))


class KalshiAccountOperations:
    """Mixed into `Control`, which owns the state they act on."""

    ledger: Ledger
    keys: KeyRegistry
    connections: LiveConnections
    rate_limiter: RateLimits

    @command()
    def grant_api_usage_level(
        self,
        user_id: str,
        level: str,
        exchange_instance: str = PREDICTIONS,
        source: str = "manual",
        expires_ts: int | None = None,
    ) -> dict[str, Any]:
        """Grant the user an API usage level (basic ... prestige) on an exchange instance, until `expires_ts` (Unix
        seconds, exchange time) or for good; a grant of the same level there is replaced. Its Predictions tier is the
        highest of the mock's tier and its live event_contract grants. Answers its tier and grants."""
        user_id = text(user_id, "user_id")
        grant = Grant(
            choice(exchange_instance, "exchange_instance", EXCHANGE_INSTANCES),
            choice(level, "level", LEVELS),
            choice(source, "source", GRANT_SOURCES),
            None if expires_ts is None else datetime.fromtimestamp(integer(expires_ts, "expires_ts", 0, _MAX_TS), UTC),
        )
        with self.ledger.reading():
            self._account(user_id)
            self.ledger.state.usage_levels.grant(user_id, grant)
        return self.api_usage_level(user_id)

    def api_usage_level(self, user_id: str) -> dict[str, Any]:
        """The user's Predictions tier (as GET /account/limits reports it) and live grants."""
        user_id = text(user_id, "user_id")
        with self.ledger.reading():
            self._account(user_id)
            now = self.ledger.state.clock.now()
            levels = self.ledger.state.usage_levels
            return {
                "user_id": user_id,
                "usage_tier": levels.tier(user_id, self.rate_limiter.tier, now),
                "grants": [grant.as_wire() for grant in levels.grants(user_id, now)],
            }

    @command()
    def delete_key(self, key_id: str, user_id: str | None = None) -> dict[str, Any]:
        """Delete an API key (of `user_id`, when given): a request it signs is refused from now on, and its open
        websockets are closed. Answers how many were."""
        key_id = text(key_id, "key_id", most=MAX_TEXT)
        user_id = optional_text(user_id, "user_id")
        key = self.keys.get(key_id)
        if key is None or (user_id is not None and key.user_id != user_id):
            owner = f" of {user_id!r}" if user_id is not None else ""
            raise ControlError(f"no API key {key_id!r}{owner}", 404)
        self.keys.remove(key_id)
        code, reason = KEY_DELETED_CLOSE
        closed = self.connections.close(code, reason, venue="kalshi", key_id=key_id)
        return {"key_id": key_id, "user_id": key.user_id, "deleted": True, "closed_websockets": closed}

    def _account(self, user_id: str) -> None:
        try:
            self.ledger.state.account(user_id)
        except LedgerError as exc:
            raise ControlError(str(exc), exc.status) from None
