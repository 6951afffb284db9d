"""The fixtures each perps test module imports (`# noqa: F401`): one mock a module on a ManualClock at `T0`, made ready
before each test, and signed clients of alice and bob (perps_http.py)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from perps_http import T0, ready, signed

from mockexchange.core.clock import ManualClock
from mockexchange.server import MockServer


@pytest.fixture(scope="module", name="server")
def module_server() -> Iterator[MockServer]:
    with MockServer(clock=ManualClock(T0)) as mock:
        yield mock


@pytest.fixture(name="mock")
def fresh(server: MockServer) -> MockServer:
    """The module's mock as each test starts (`ready`)."""
    return ready(server)


@pytest.fixture(name="alice")
def alice_client(mock: MockServer) -> Iterator[httpx.Client]:
    with signed(mock, "alice") as client:
        yield client


@pytest.fixture(name="bob")
def bob_client(mock: MockServer) -> Iterator[httpx.Client]:
    with signed(mock, "bob") as client:
        yield client
