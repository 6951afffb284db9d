"""Kalshi's account operations on the mock: its API keys made and deleted, a user's API usage-level grants and its
tier.

`Control` inherits them (the admin API's `POST /_admin/keys`, `POST /_admin/keys/delete`, `POST
/_admin/api_usage_levels`, the Python API's methods of the same names, scenarios' `keys` and `api_usage_level`); the
venue's own `POST /api_keys`, `POST /api_keys/generate`, `DELETE /api_keys/{api_key}` and `POST
/account/api_usage_level/upgrade` run these commands too, so a state file keeps what a client changed. The key commands
are declared in the core (core/kalshi/key_commands.py); their handlers and the draw of a new key are the control
plane's (key_handlers.py).
"""

from __future__ import annotations

from typing import Any

from mockexchange.auth.kalshi.keys import ApiKey, KeyMade, KeyRegistry
from mockexchange.control.commands import operation
from mockexchange.control.errors import ControlError
from mockexchange.control.values import text
from mockexchange.core.kalshi.account_commands import GrantApiUsageLevel
from mockexchange.core.kalshi.checks import LedgerError
from mockexchange.core.kalshi.key_commands import CreateApiKey, DeleteApiKey
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.rate_limits import RateLimits


def key_json(made: KeyMade) -> dict[str, Any]:
    """A key made: its id, user and type; its private key PEM where the mock drew the pair (answered once)."""
    key = made.key
    answer: dict[str, Any] = {"key_id": key.key_id, "user_id": key.user_id, "key_type": key.key_type}
    if made.private_key_pem is not None:
        answer["private_key_pem"] = made.private_key_pem
    return answer


def _deleted_json(deleted: tuple[ApiKey, int]) -> dict[str, Any]:
    key, closed = deleted
    return {"key_id": key.key_id, "user_id": key.user_id, "deleted": True, "closed_websockets": closed}


class KalshiAccountOperations:
    """Mixed into `Control`, which owns the state they act on and runs their commands (`Control.run`)."""

    ledger: Ledger
    keys: KeyRegistry
    rate_limiter: RateLimits

    create_key = operation(CreateApiKey, key_json)
    delete_key = operation(DeleteApiKey, _deleted_json)
    # (its answer reads the user's tier, which the run's rate-limit tier sets)
    grant_api_usage_level = operation(
        GrantApiUsageLevel, lambda control, user_id: control.api_usage_level(user_id), reads=True
    )

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

    def _account(self, user_id: str) -> None:
        try:
            self.ledger.state.account(user_id)
        except LedgerError as exc:
            raise ControlError(str(exc), exc.status) from None
