"""What an operation needs of the key that signed its request, checked before its parameters or body are read (as
Kalshi checks a key's permissions before it binds the request): a scope, an FCM member caller, a key of the whole
account. A refusal is a 403 in Kalshi's shape, the reason in the diagnosis header, and changes nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mockexchange.auth.kalshi.keys import ApiKey
from mockexchange.venues.kalshi.context import KalshiContext
from mockexchange.venues.kalshi.errors import forbidden, restricted
from mockexchange.venues.kalshi.fcm import require_member

if TYPE_CHECKING:
    from mockexchange.venues.kalshi.table import Operation

NO_SCOPE = "insufficient API key scope"


def require_scope(key: ApiKey, any_of: tuple[str, ...], what: str) -> None:
    """A 403 unless the key holds one of the scopes `any_of` (its `what` is the operation the request asks for)."""
    if not key.grants(any_of):
        raise forbidden(
            NO_SCOPE,
            f"key {key.key_id} has the scopes {', '.join(key.scopes)}; {what} needs {' or '.join(any_of)}",
        )


def permit(ctx: KalshiContext, operation: Operation, key: ApiKey) -> None:
    """Refuse the key what the operation does not let it do, in the table's order."""
    require_scope(key, operation.scopes, operation.operation_id)
    if operation.member:
        require_member(ctx, key)
    if operation.whole_account and key.subaccount is not None:
        raise restricted(f"key is locked to subaccount {key.subaccount}; {operation.operation_id} takes a key of the "
                         "whole account")  # fmt: skip
