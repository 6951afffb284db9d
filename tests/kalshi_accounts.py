"""What the Kalshi account tests share: a signed client for a user, and a fresh funded user with one."""

from __future__ import annotations

import itertools

import httpx

from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiAuth, KalshiSigner

_users = itertools.count()


def client(mock: MockServer, user_id: str, **binding) -> httpx.Client:
    key = mock.create_key(user_id, **binding)
    signer = KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])
    return httpx.Client(base_url=mock.kalshi_url, auth=KalshiAuth(signer), timeout=10)


def user(mock: MockServer, cents: int = 10_000) -> tuple[str, httpx.Client]:
    """A new account of `cents` in its primary subaccount (a name no test used before), and a client of its own."""
    user_id = f"acct{next(_users)}"
    mock.create_account(user_id, balance_cents=cents)
    return user_id, client(mock, user_id)
