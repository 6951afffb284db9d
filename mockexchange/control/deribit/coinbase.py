"""The Coinbase dialect's credentials on the control plane: `CreateCoinbaseKey`'s and `IssueCoinbaseOAuthToken`'s
draws and handlers (the commands are the core's, core/deribit/coinbase_commands.py; the registries auth's). A key's
draw names it and, without a public key, draws the pair: the command keeps the public key, the answer alone the
private key. A token's draw keeps its digest: the answer alone holds the token (docs/coinbase.md).
"""

from __future__ import annotations

import dataclasses
import secrets
from typing import Any

from mockexchange.auth.deribit.coinbase import PERMISSION_SCOPES, CoinbaseAuth, CoinbaseTokens, OAuthGrant, scopes_of
from mockexchange.auth.deribit.coinbase_keys import (
    CoinbaseKey,
    CoinbaseKeyRegistry,
    JwtVerifier,
    algorithm_of,
    key_name,
    new_key_pair,
    permissions_of,
)
from mockexchange.auth.deribit.tokens import digest
from mockexchange.auth.errors import KeyRegistrationError
from mockexchange.control.errors import refused_values
from mockexchange.core.commands import Handlers
from mockexchange.core.deribit.coinbase_commands import CreateCoinbaseKey, IssueCoinbaseOAuthToken
from mockexchange.core.deribit.exchange import DeribitExchange


def draw_key(create: CreateCoinbaseKey) -> tuple[CreateCoinbaseKey, str | None]:
    """The command with a name and a public key (unless given); the private key drawn, for the answer only."""
    private_key = None
    public_key = create.public_key
    with refused_values():
        if public_key is None:
            public_key, private_key = new_key_pair(create.algorithm)
        algorithm = algorithm_of(public_key)
    name = create.key_name or key_name()
    return dataclasses.replace(create, key_name=name, public_key=public_key, algorithm=algorithm), private_key


def _wallet_id(exchange: DeribitExchange, user_id: str, subaccount_id: int | None) -> int | None:
    """The subaccount acted for (None: the main account), checked to exist."""
    wallet = exchange.accounts.wallet(user_id, subaccount_id)
    return None if wallet.id == exchange.accounts.account(user_id).main.id else wallet.id


def create_key(
    exchange: DeribitExchange, registry: CoinbaseKeyRegistry, create: CreateCoinbaseKey, private_key: str | None
) -> dict[str, Any]:
    assert create.key_name is not None and create.public_key is not None  # (drawn)
    with refused_values():
        key = registry.add(
            CoinbaseKey(
                create.key_name, create.algorithm, create.public_key, create.user_id,
                _wallet_id(exchange, create.user_id, create.subaccount_id), permissions_of(create.permissions),
            )
        )  # fmt: skip
    answer: dict[str, Any] = {
        "name": key.name,
        "algorithm": key.algorithm,
        "public_key": key.public_key,
        "user_id": key.user_id,
        "subaccount_id": key.subaccount_id,
        "permissions": list(key.permissions),
        "scope": " ".join(s for p in key.permissions for s in PERMISSION_SCOPES[p]),
    }
    if private_key is not None:
        answer["private_key"] = private_key  # shown once: the mock keeps the public key only
    return answer


def draw_token(issue: IssueCoinbaseOAuthToken) -> tuple[IssueCoinbaseOAuthToken, str | None]:
    if issue.token_digest is not None:
        return issue, None
    token = secrets.token_urlsafe(32)
    return dataclasses.replace(issue, token_digest=digest(token)), token


def issue_token(
    exchange: DeribitExchange, tokens: CoinbaseTokens, issue: IssueCoinbaseOAuthToken, token: str | None
) -> dict[str, Any]:
    assert issue.token_digest is not None  # (drawn)
    with refused_values():
        try:
            scopes = scopes_of(issue.scopes)
        except ValueError as error:
            raise KeyRegistrationError(str(error)) from None
        subaccount_id = _wallet_id(exchange, issue.user_id, issue.subaccount_id)
    tokens.add_oauth(OAuthGrant(issue.token_digest, issue.user_id, subaccount_id, scopes))
    answer: dict[str, Any] = {"user_id": issue.user_id, "subaccount_id": subaccount_id, "scope": " ".join(scopes)}
    if token is not None:
        answer["access_token"] = token  # shown once: the mock keeps its digest
    return answer


def coinbase_state() -> dict[str, Any]:
    """The dialect's state beside Deribit's (the venue's registration holds it): its keys, its tokens, the JWTs'
    nonces."""
    keys = CoinbaseKeyRegistry()
    return {"coinbase_keys": keys, "coinbase_tokens": CoinbaseTokens(), "coinbase_jwts": JwtVerifier(keys)}


def add_coinbase_handlers(handlers: Handlers, control: Any) -> None:
    exchange, keys, tokens = control.exchange, control.coinbase_keys, control.coinbase_tokens
    handlers.add(CreateCoinbaseKey, lambda made, aside: create_key(exchange, keys, made, aside), draw_key)
    handlers.add(IssueCoinbaseOAuthToken, lambda made, aside: issue_token(exchange, tokens, made, aside), draw_token)


def reset_coinbase(control: Any) -> None:
    control.coinbase_keys.clear()
    control.coinbase_tokens.clear()
    control.coinbase_jwts.clear()


def coinbase_auth(control: Any) -> CoinbaseAuth:
    """The gateway's auth over the control plane's state (Deribit's token clock: what Deribit's signatures are checked
    against)."""
    return CoinbaseAuth(
        control.deribit_keys, control.deribit_tokens, control.coinbase_keys, control.coinbase_tokens,
        control.coinbase_jwts,
    )  # fmt: skip
