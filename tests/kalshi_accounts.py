"""What the Kalshi account tests share: a signed client for a user, a fresh funded user with one, and an FCM desk."""

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


def open_fcm_desk(mock: MockServer) -> None:
    """An FCM member `fcm` whose subtrader `fcm_A` holds 5 YES of KXH-1, and its error account `err` with the
    subtrader `err_E` (each subtrader $100)."""
    mock.create_account("fcm", fcm_member=True)
    mock.create_account("err", fcm_member=True)
    mock.create_account("fcm_A", subtrader_of="fcm", balance_cents=10_000)
    mock.create_account("err_E", subtrader_of="err", balance_cents=10_000)
    mock.set_fcm_error_account("fcm", "err")
    mock.fill("fcm_A", "KXH-1", "yes", "buy", "5", "0.50")
