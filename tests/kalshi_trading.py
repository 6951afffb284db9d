"""What the order tests over HTTP share (the v2 routes' and the legacy profile's): a mock made ready to trade before
each test (two funded accounts, two markets, the house's liquidity on the first) and a signed client fixture per
account."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

import httpx
import pytest
from kalshi_http import signed

from mockexchange.core.clock import ManualClock
from mockexchange.server import MockServer

TRADERS = ("alice", "bob")


def ready_to_trade(server: MockServer, now: datetime, first: str, second: str) -> MockServer:
    """The mock reset to `now`, rate limits off: alice ($100) and bob ($100), markets `first` and `second`; the house's
    YES bid 0.40 x10 and NO bid 0.55 x5 (a YES ask at 0.45) on `first`."""
    server.reset()
    server.set_rate_limit_tier("off")
    server.ledger.clock.set(now)
    for user in TRADERS:
        server.create_account(user, balance_cents=10_000)
    server.create_market(first)
    server.create_market(second)
    server.set_book(first, yes=[["0.40", "10"]], no=[["0.55", "5"]])
    return server


def trading_mock(now: datetime, first: str, second: str, **settings: object) -> tuple[Callable, Callable]:
    """The fixtures `server` (one mock a module, on a manual clock at `now`, of `settings`) and `mock` (it, made
    `ready_to_trade` for each test)."""

    @pytest.fixture(scope="module", name="server")
    def server_fixture() -> Iterator[MockServer]:
        with MockServer(clock=ManualClock(now), **settings) as served:
            yield served

    @pytest.fixture(name="mock")
    def mock_fixture(server: MockServer) -> MockServer:
        return ready_to_trade(server, now, first, second)

    return server_fixture, mock_fixture


def trader(user_id: str) -> Callable[..., Iterator[httpx.Client]]:
    """A fixture: a client signing with a new key of `user_id` on the test's `mock`."""

    @pytest.fixture(name=user_id)
    def client(mock: MockServer) -> Iterator[httpx.Client]:
        with signed(mock, user_id) as made:
            yield made

    return client
