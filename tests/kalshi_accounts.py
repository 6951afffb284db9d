"""What the Kalshi account tests share: a signed client for a user, a fresh funded user with one, and an FCM desk."""

from __future__ import annotations

import itertools

import httpx
from module_mocks import signed

from mockexchange.server import MockServer


def client(mock: MockServer, user_id: str, **binding) -> httpx.Client:
    """A client of a key of the user's (on a module's mock, the key it keeps: module_mocks)."""
    return signed(mock, user_id, **binding)


def user(mock: MockServer, cents: int = 10_000) -> tuple[str, httpx.Client]:
    """A new account of `cents` in its primary subaccount, and a client of its own. Its name is the first `acct<n>`
    the mock does not hold: after a reset, the same names again, whose keys a module's mock keeps."""
    user_id = next(name for n in itertools.count() if (name := f"acct{n}") not in mock.ledger.state.accounts)
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
