"""A process's mocks share their route tables (Kalshi's per profile, the perps venue's, the admin API's operations:
made once a process), and each request still runs on the mock it came to: two mocks served at once in one process,
each with its own accounts, keys, margined cash and admin token, answer each from its own state over real HTTP."""

from __future__ import annotations

import httpx
import pytest
from starlette.routing import Route

from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiAuth, KalshiSigner


def _signed(mock: MockServer, user_id: str, base: str) -> httpx.Client:
    key = mock.create_key(user_id)
    signer = KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])
    return httpx.Client(base_url=base, auth=KalshiAuth(signer), timeout=10)


def _route(mock: MockServer, path: str) -> Route:
    return next(r for r in mock.app.asgi.routes if isinstance(r, Route) and r.path == path)


@pytest.fixture(scope="module")
def mocks():
    with MockServer(admin_token="a-token") as first, MockServer() as second:
        for mock, cents in ((first, 1_000), (second, 700_000)):
            mock.create_account("alice", balance_cents=cents)
            mock.intra_exchange_transfer("alice", "event_contract", "margined", cents * 50)  # half, in micro-dollars
        yield first, second


def test_the_two_mocks_take_the_same_route_objects(mocks) -> None:
    first, second = mocks
    for path in ("/trade-api/v2/portfolio/balance", "/trade-api/v2/margin/balance", "/_admin/accounts"):
        assert _route(first, path) is _route(second, path)


def test_each_signed_kalshi_and_perps_read_answers_from_its_own_mock(mocks) -> None:
    first, second = mocks
    with _signed(first, "alice", first.kalshi_url) as one, _signed(second, "alice", second.kalshi_url) as other:
        assert one.get("/portfolio/balance").json()["balance"] == 500
        assert other.get("/portfolio/balance").json()["balance"] == 350_000
        cash = [
            client.get("/margin/balance").json()["subaccount_balances"][0]["account_equity"] for client in (one, other)
        ]
        assert cash == ["5.000000", "3500.000000"]
        # a key is its own mock's: the other refuses it
        stray = httpx.get(second.kalshi_url + "/portfolio/balance", auth=one.auth, timeout=10)
        assert stray.status_code == 401


def _users(admin: str, **headers: str) -> set[str]:
    answer = httpx.get(admin + "/accounts", headers=headers, timeout=10)
    assert answer.status_code == 200, answer.text
    return {account["user_id"] for account in answer.json()["kalshi"]}


def test_each_admin_call_is_guarded_and_answered_by_its_own_mock(mocks) -> None:
    first, second = mocks
    admin = first.kalshi_url.replace("/trade-api/v2", "/_admin")
    other = second.kalshi_url.replace("/trade-api/v2", "/_admin")
    token = {"Authorization": "Bearer a-token"}
    # the first mock's token guards the first mock's admin API only
    assert httpx.post(admin + "/accounts", json={"user_id": "bob"}, timeout=10).status_code == 401
    assert httpx.post(admin + "/accounts", json={"user_id": "bob"}, headers=token, timeout=10).status_code == 200
    assert httpx.post(other + "/accounts", json={"user_id": "carol"}, timeout=10).status_code == 200
    # each POST changed its own mock, and each GET of the same path reads its own
    assert _users(admin, **token) >= {"alice", "bob"} and "carol" not in _users(admin, **token)
    assert _users(other) >= {"alice", "carol"} and "bob" not in _users(other)
    again = httpx.post(other + "/accounts", json={"user_id": "carol"}, timeout=10)
    assert again.status_code == 409, again.text
