"""The Coinbase dialect's credentials, declared once (core/commands.py): `CreateCoinbaseKey`, a CDP API key for a
Deribit account (a user's main account or one subaccount), and `IssueCoinbaseOAuthToken`, an OAuth2 access token for
one with chosen scopes. Their handlers are the control plane's (control/deribit/coinbase.py), over auth's registries;
their draws keep what a state file may hold (the key's name and public key, the OAuth2 token's digest) and hand the
private key, or the token, to the answer alone (docs/coinbase.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from mockexchange.core.commands import UserCommand, value
from mockexchange.core.deribit.bounds import MAX_ACCOUNT_ID
from mockexchange.core.values import TEXT, Choice, Integer, Text

PUBLIC_KEY = Text(2000)  # a PEM public key (an ECDSA P-256 one is 178 characters)


@dataclass(frozen=True, slots=True)
class CreateCoinbaseKey(UserCommand):
    """A CDP API key named `organizations/{org}/apiKeys/{id}` with Coinbase's permissions (`view trade transfer`), for
    the user's main account or one subaccount; without `public_key` the mock draws the pair."""

    name: ClassVar[str] = "create_coinbase_key"
    key_name: str | None = value(TEXT, None)
    public_key: str | None = value(PUBLIC_KEY, None)
    algorithm: str = value(Choice(("ES256", "EdDSA")), "ES256")
    permissions: str | None = value(TEXT, None)
    subaccount_id: int | None = value(Integer(1, MAX_ACCOUNT_ID), None)


@dataclass(frozen=True, slots=True)
class IssueCoinbaseOAuthToken(UserCommand):
    """An OAuth2 access token with Coinbase's `wallet:...` scopes for the user's main account or one subaccount, which
    `public/auth`'s `coinbase_oauth2` grant takes; kept as its digest (`token_digest`, drawn)."""

    name: ClassVar[str] = "issue_coinbase_oauth_token"
    scopes: str = value(TEXT)
    subaccount_id: int | None = value(Integer(1, MAX_ACCOUNT_ID), None)
    token_digest: str | None = value(TEXT, None)
