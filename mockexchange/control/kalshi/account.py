"""Kalshi's account operations on the mock: its API keys made and deleted, a user's API usage-level grants and its
tier.

`Control`'s methods of them (kalshi_operations.py: the admin API's `POST /_admin/keys`, `POST /_admin/keys/delete`,
`POST /_admin/api_usage_levels`, the Python API's methods of the same names, scenarios' `keys` and
`api_usage_level`); the venue's own `POST /api_keys`, `POST /api_keys/generate`, `DELETE /api_keys/{api_key}` and
`POST /account/api_usage_level/upgrade` run these commands too, so a state file keeps what a client changed. The key
commands
are declared in the core (core/kalshi/key_commands.py); their handlers and the draw of a new key are the control
plane's (keys.py).
"""

from __future__ import annotations

from typing import Any

from mockexchange.auth.kalshi.keys import ApiKey, KeyMade
from mockexchange.control.answers import fields
from mockexchange.control.errors import core_call, refused_values
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.values import TEXT


def key_json(made: KeyMade) -> dict[str, Any]:
    """A key made: its id, user and type; its private key PEM where the mock drew the pair (answered once)."""
    answer = fields(made.key, "key_id user_id key_type")
    if made.private_key_pem is not None:
        answer["private_key_pem"] = made.private_key_pem
    return answer


def deleted_json(deleted: tuple[ApiKey, int]) -> dict[str, Any]:
    key, closed = deleted
    return {"key_id": key.key_id, "user_id": key.user_id, "deleted": True, "closed_websockets": closed}


def api_usage_level(ledger: Ledger, rate_tier: str, user_id: Any) -> dict[str, Any]:
    """The user's Predictions tier (as GET /account/limits reports it, `rate_tier` the run's) and live grants."""
    with refused_values():
        user_id = TEXT.read(user_id, "user_id")
    with ledger.reading():
        core_call(ledger.state.account, user_id)  # (a user without an account: the ledger's 404)
        now = ledger.state.clock.now()
        levels = ledger.state.usage_levels
        return {
            "user_id": user_id,
            "usage_tier": levels.tier(user_id, rate_tier, now),
            "grants": [grant.as_wire() for grant in levels.grants(user_id, now)],
        }
