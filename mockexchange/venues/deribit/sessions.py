"""Deribit's sessions beside `public/auth`: `public/fork_token` (a new named session, scope `session:<name>`, from a
session-scoped refresh token) and `public/exchange_token` (a token acting for another account of the same user, a
subaccount or the main account, from a main-account key's refresh token; `scope` may narrow it). Neither spends the
refresh token it is given; each new token is narrowed to what that refresh token held. `private/logout` is the
websocket's (websocket.py).
"""

from __future__ import annotations

import re
from typing import Any

from mockexchange.auth.deribit.keys import DeribitCredential
from mockexchange.auth.deribit.tokens import session_of
from mockexchange.core.deribit.bounds import ExchangeError
from mockexchange.core.values import Text
from mockexchange.venues.deribit.errors import FORBIDDEN, RpcError, invalid_param
from mockexchange.venues.deribit.methods import Method, RpcCall, token_result
from mockexchange.venues.deribit.params import INTEGER, STRING

# A session's name is a part of a space-separated scope: no blank in it (Deribit states no other rule).
SESSION_NAME = Text(64, pattern=re.compile(r"\S+"))


def public_fork_token(call: RpcCall) -> Any:
    refresh_token = call.params.read("refresh_token", STRING, required=True)
    name = call.params.read("session_name", SESSION_NAME, required=True, reason="invalid session_name")

    def forked(held: str) -> str:
        if session_of(held) is None:
            raise RpcError(FORBIDDEN, "public/fork_token takes a session-scoped refresh token (scope session:<name>)")
        return " ".join([*(part for part in held.split() if not part.startswith("session:")), f"session:{name}"])

    return token_result(call.ctx.auth.tokens.derive(refresh_token, forked, connection_id=call.connection_id))


def public_exchange_token(call: RpcCall) -> Any:
    refresh_token = call.params.read("refresh_token", STRING, required=True)
    subject_id = call.params.read("subject_id", INTEGER, required=True)
    scope = call.params.read("scope", STRING)

    def subject(credential: DeribitCredential) -> int | None:
        """The account `subject_id` names, of the user of a main-account key; None for the main account."""
        key = call.ctx.auth.registry.get(credential.client_id)
        if key is None or key.subaccount_id is not None:
            raise RpcError(FORBIDDEN, "public/exchange_token takes the refresh token of a main account's key")
        exchange = call.ctx.exchange
        with exchange.reading():
            try:
                account = exchange.accounts.account(credential.user_id)
            except ExchangeError:
                account = None
            if account is not None and subject_id == account.main.id:
                return None
            if account is None or subject_id not in account.subaccounts:
                raise invalid_param("subject_id", "invalid subject", f"no account {subject_id} of the key's user")
        return subject_id

    tokens = call.ctx.auth.tokens
    asked = (lambda held: held) if scope is None else (lambda _: scope)
    return token_result(tokens.derive(refresh_token, asked, subaccount_id=subject, connection_id=call.connection_id))


METHODS: dict[str, Method] = {
    "public/fork_token": Method(public_fork_token),
    "public/exchange_token": Method(public_exchange_token),
}
