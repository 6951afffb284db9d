"""Kalshi's API key commands, declared once (core/commands.py): a key made for a user (its public key given, or a new
pair drawn) and a key deleted; and the scopes a key may hold (Kalshi's ApiKeyScope). The venue's POST /api_keys,
POST /api_keys/generate and DELETE /api_keys/{api_key}, the admin API, the Python API, scenario files and the state
file build these. Their handlers are the key registry's (auth/kalshi/keys.py, a floor above the core): the control
plane registers them, with the draw of what a new key draws (control/kalshi/keys.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from mockexchange.core.commands import Command, UserCommand, value
from mockexchange.core.kalshi.checks import MAX_SUBACCOUNT
from mockexchange.core.money import shown
from mockexchange.core.values import TEXT, Choice, Integer, Kind, Refused, Text

# Kalshi's ApiKeyScope (3.34): the parents `read` and `write`, and child scopes that grant one endpoint group each.
SCOPES = (
    "read", "write", "read::block_trade_accept", "read::portfolio_balance", "write::trade", "write::transfer",
    "write::fcm_risk", "write::block_trade_accept",
)  # fmt: skip
DEFAULT_SCOPES = ("read", "write")  # a key created without scopes has full access
KEY_TYPES = ("rsa", "ed25519")
MAX_PEM = 16_384  # characters of a PEM public key (an RSA-16384 one is about 3,000)
_MOST_SCOPES = len(SCOPES) * 2


def scopes_refusal(scopes: tuple[str, ...] | list[str]) -> str | None:
    """Why Kalshi refuses these scopes together, None if it takes them: the broad `write` only beside `read` (a child
    scope, `write::transfer`, may stand alone)."""
    if "write" in scopes and "read" not in scopes:
        return "the broad `write` scope must include `read` too"
    return None


@dataclass(frozen=True, slots=True)
class Scopes(Kind[tuple[str, ...]]):
    """A key's scopes, by Kalshi's rules: ApiKeyScope values, `write` only beside `read`; repeats count once."""

    plain = list[str]

    def read(self, value: Any, name: str) -> tuple[str, ...]:
        if not isinstance(value, list | tuple) or not value or len(value) > _MOST_SCOPES:
            raise Refused(f"{name} must be a non-empty list of {', '.join(SCOPES)}, not {shown(value)}")
        for scope in value:
            if scope not in SCOPES:
                raise Refused(f"{name} holds {shown(scope)}, which is none of {', '.join(SCOPES)}")
        if (why := scopes_refusal(value)) is not None:
            raise Refused(f"{name}: {why}")
        return tuple(dict.fromkeys(value))

    def write(self, value: tuple[str, ...]) -> list[str]:
        return list(value)

    def check(self, value: tuple[str, ...], name: str) -> None:
        if not isinstance(value, tuple):
            raise Refused(f"{name} must be a tuple of scopes, not {shown(value)}")
        self.read(value, name)

    def schema(self) -> dict[str, Any]:
        return {"type": "array", "minItems": 1, "maxItems": _MOST_SCOPES, "items": {"enum": list(SCOPES)}}


@dataclass(frozen=True, slots=True)
class CreateApiKey(UserCommand):
    """An API key for the user: the given public key, or a new pair (then the private key PEM is returned).

    `subaccount` locks the key to one subaccount; `subtrader_id` binds an FCM member's key to one subtrader.
    `name` and `scopes` (Kalshi's ApiKeyScope values; `read` and `write` unless given) are what GET /api_keys shows.
    """

    name: ClassVar[str] = "create_key"
    public_key_pem: str | None = value(Text(MAX_PEM), None)
    subaccount: int | None = value(Integer(0, MAX_SUBACCOUNT), None)
    subtrader_id: str | None = value(TEXT, None)
    key_type: str = value(Choice(KEY_TYPES), "rsa")
    key_id: str | None = value(TEXT, None)
    # Any name Kalshi's validator takes (`required` refuses only an empty one): blanks too, as the wire lets them in.
    key_name: str | None = value(Text(blank=True), None, called="name")
    scopes: tuple[str, ...] | None = value(Scopes(), None)


@dataclass(frozen=True, slots=True)
class DeleteApiKey(Command):
    """Delete an API key (of `user_id`, when given): a request it signs is refused from now on, and its open
    websockets are closed. Answers how many were."""

    name: ClassVar[str] = "delete_key"
    key_id: str = value(TEXT)
    user_id: str | None = value(TEXT, None)
