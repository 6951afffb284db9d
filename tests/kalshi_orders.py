"""What the tests of Kalshi's orders over HTTP share: the module's mock and its fresh start, two markets, a signed
client fixture per user, an order body, placing one, the whole state (to see that a refusal changed nothing) and
Kalshi's exchange refusal."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import httpx
import pytest
from kalshi_http import signed

from mockexchange.core.clock import ManualClock
from mockexchange.server import MockServer
from mockexchange.state import snapshot

T0 = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
M = "KXORD-26NOV-A"
N = "KXORD-26NOV-B"


def module_server(**settings: object) -> Callable[..., Iterator[MockServer]]:
    """The fixture `server`: one mock of `settings` for the test module, on a manual exchange clock at T0."""

    @pytest.fixture(scope="module", name="server")
    def server() -> Iterator[MockServer]:
        with MockServer(clock=ManualClock(T0), **settings) as mock:  # type: ignore[arg-type]
            yield mock

    return server


def fresh(server: MockServer, first: str = M, second: str = N) -> MockServer:
    """The module's mock as each test starts: reset, the clock at T0, no rate limit, alice and bob ($100 each),
    markets `first` and `second` (M and N, event KXORD-26NOV), no book."""
    server.reset()
    server.set_rate_limit_tier("off")
    server.ledger.state.clock.set(T0)
    for user in ("alice", "bob"):
        server.create_account(user, balance_cents=10_000)
    server.create_market(first)
    server.create_market(second)
    return server


def client_of(user: str) -> Callable[..., Iterator[httpx.Client]]:
    """A fixture named after the user: a signed client of a new key of theirs, on the test module's `mock`."""

    @pytest.fixture(name=user)
    def client(mock: MockServer) -> Iterator[httpx.Client]:
        with signed(mock, user) as signed_client:
            yield signed_client

    return client


def order(**fields) -> dict:
    """A CreateOrderV2Request: a good-till-canceled bid for 1 of M at 0.30, with `fields` over it."""
    return {"ticker": M, "side": "bid", "count": "1", "price": "0.30", "time_in_force": "good_till_canceled",
            "self_trade_prevention_type": "taker_at_cross", **fields}  # fmt: skip


def place(client: httpx.Client, **fields) -> dict:
    r = client.post("/portfolio/events/orders", json=order(**fields))
    assert r.status_code == 201, r.text
    return r.json()


def state(mock: MockServer) -> bytes:
    return snapshot.take(mock.app.control)


def refused(r: httpx.Response, status: int, code: str) -> None:
    """Kalshi's exchange refusal with that status and code, the mock's diagnosis beside it."""
    assert (r.status_code, r.json()) == (status, {"error": {"code": code, "message": code.replace("_", " "),
                                                            "service": "exchange"}}), r.text  # fmt: skip
    assert r.headers["x-mockexchange-diagnosis"]
