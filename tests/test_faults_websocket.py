"""Websocket faults over real connections (docs/misbehaving.md): a user's connections closed with a code of the test's
choosing, a channel's messages delayed, Deribit's JSON-RPC calls answered with an error, delayed or dropped by path
rules, and upgrades refused or dropped; from the admin API, the Python API and a scenario step."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import plain_http
import pytest
import websockets
from waits import HANG_S
from websockets.exceptions import ConnectionClosed, InvalidMessage, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from mockexchange.core.clock import ManualClock
from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiSigner

WS_PATH = "/trade-api/ws/v2"
FED = "KXFED-26DEC-T4.00"


def admin(mock: MockServer, path: str, body: dict[str, Any]) -> httpx.Response:
    return plain_http.post(f"{mock.base_url}/_admin/{path}", json=body, timeout=10)


def kalshi_signer(mock: MockServer, user: str) -> KalshiSigner:
    mock.create_account(user, balance_cents=10_000_000)
    key = mock.create_key(user)
    return KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])


@contextmanager
def kalshi_ws(mock: MockServer, signer: KalshiSigner) -> Iterator[ClientConnection]:
    with connect(mock.kalshi_ws_url, additional_headers=signer.headers("GET", WS_PATH), open_timeout=HANG_S) as ws:
        yield ws


def subscribe(ws: ClientConnection, *channels: str) -> None:
    ws.send(json.dumps({"id": 1, "cmd": "subscribe", "params": {"channels": list(channels)}}))
    for _ in channels:
        assert json.loads(ws.recv(timeout=HANG_S))["type"] == "subscribed"


class Deribit:
    """A JSON-RPC client over the Deribit websocket."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.next_id = 0

    async def call(self, method: str, params: dict | None = None) -> dict:
        self.next_id += 1
        await self.ws.send(json.dumps({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params or {}}))
        return json.loads(await asyncio.wait_for(self.ws.recv(), 5))

    async def auth(self) -> dict:
        grant = {"grant_type": "client_credentials", "client_id": "BobKey", "client_secret": "bob-secret"}
        return await self.call("public/auth", grant)


@pytest.fixture
def bob(mockexchange: MockServer) -> None:
    mockexchange.create_deribit_account("bob", balances={"BTC": "10"})
    mockexchange.create_deribit_key("bob", client_id="BobKey", client_secret="bob-secret")


# -- closing a user's connections ------------------------------------------------------------------------------------


def test_a_kalshi_users_connections_are_closed_with_4001_and_others_go_on(mockexchange):
    alice, bob = kalshi_signer(mockexchange, "alice"), kalshi_signer(mockexchange, "bob")
    with (
        kalshi_ws(mockexchange, alice) as first,
        kalshi_ws(mockexchange, alice) as second,
        kalshi_ws(mockexchange, bob) as other,
    ):
        subscribe(first, "fill")
        answer = admin(mockexchange, "faults/ws/close", {"user_id": "alice", "code": 4001, "reason": "bye"})
        assert answer.status_code == 200 and answer.json() == {"closed": 2}
        for ws in (first, second):
            with pytest.raises(ConnectionClosed) as closed:
                ws.recv(timeout=HANG_S)
            assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4001, "bye")
        subscribe(other, "fill")  # bob's connection is untouched
        mockexchange.fill("bob", FED, "yes", "buy", "1", "0.5")
        assert json.loads(other.recv(timeout=HANG_S))["type"] == "fill"


def test_a_kalshi_connection_is_closed_by_key_and_venue(mockexchange, bob):
    signer = kalshi_signer(mockexchange, "alice")
    with kalshi_ws(mockexchange, signer) as ws:
        assert mockexchange.close_websockets(4000, user_id="alice", venue="deribit") == {"closed": 0}
        assert mockexchange.close_websockets(4000, key_id="nobody") == {"closed": 0}
        assert mockexchange.close_websockets(4002, key_id=signer.key_id, venue="kalshi") == {"closed": 1}
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=HANG_S)
        assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4002, "")


def test_a_deribit_connection_is_closed_once_auth_binds_it(mockexchange, bob):
    async def go() -> None:
        async with websockets.connect(mockexchange.deribit_ws_url) as ws:
            client = Deribit(ws)
            assert mockexchange.close_websockets(4001, user_id="bob") == {"closed": 0}  # not bound yet
            assert "access_token" in (await client.auth())["result"]
            assert mockexchange.close_websockets(4001, key_id="BobKey", reason="token revoked") == {"closed": 1}
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 5)
            assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4001, "token revoked")

    asyncio.run(go())


# -- delaying a channel's messages -----------------------------------------------------------------------------------


def test_a_kalshi_fill_message_is_delayed(mockexchange):
    signer = kalshi_signer(mockexchange, "alice")
    with kalshi_ws(mockexchange, signer) as ws:
        subscribe(ws, "fill", "market_positions")
        rule = admin(mockexchange, "faults", {"channel": "fill", "venue": "kalshi", "delay_ms": 500, "times": 1})
        assert rule.json()["channel"] == "fill"
        start = time.monotonic()
        mockexchange.fill("alice", FED, "yes", "buy", "1", "0.5")
        kinds = [json.loads(ws.recv(timeout=HANG_S))["type"] for _ in range(2)]
        assert time.monotonic() - start >= 0.5
        assert kinds == ["fill", "market_position"]  # the order is kept: the position waited behind the fill
        mockexchange.fill("alice", FED, "yes", "buy", "1", "0.5")
        assert [json.loads(ws.recv(timeout=HANG_S))["type"] for _ in range(2)] == ["fill", "market_position"]
    assert mockexchange.faults()["faults"][0]["fired"] == 1


def test_a_deribit_portfolio_notification_is_delayed(mockexchange, bob):
    mockexchange.add_fault(channel="user.portfolio", venue="deribit", delay_ms=400)

    async def go() -> float:
        async with websockets.connect(mockexchange.deribit_ws_url) as ws:
            client = Deribit(ws)
            await client.auth()
            start = time.monotonic()
            assert (await client.call("private/subscribe", {"channels": ["user.portfolio.btc"]}))["result"]
            first = json.loads(await asyncio.wait_for(ws.recv(), 5))  # the channel's first, once subscribed
            assert first["params"]["channel"] == "user.portfolio.btc" and time.monotonic() - start >= 0.4
            start = time.monotonic()
            await asyncio.to_thread(mockexchange.deribit_fill, "bob", "BTC-PERPETUAL", "buy", "10", "60000")
            note = json.loads(await asyncio.wait_for(ws.recv(), 5))
            assert note["params"]["channel"] == "user.portfolio.btc"
            return time.monotonic() - start

    assert asyncio.run(go()) >= 0.4
    assert mockexchange.faults()["faults"][0]["fired"] == 2


# -- Deribit's calls over the websocket ------------------------------------------------------------------------------


def test_deribit_calls_get_the_error_the_delay_or_the_drop(mockexchange):
    mockexchange.add_fault(path="/api/v2/public/test", status=503, times=1)
    mockexchange.add_fault(path="/api/v2/public/get_time", delay_ms=300, times=1)
    mockexchange.add_fault(path="/api/v2/public", method="GET", status=500)  # names a method: HTTP only

    async def go() -> None:
        async with websockets.connect(mockexchange.deribit_ws_url) as ws:
            client = Deribit(ws)
            refused = await client.call("public/test")
            assert refused["id"] == 1 and (refused["error"]["code"], refused["error"]["message"]) == (10040, "retry")
            assert (await client.call("public/test"))["result"] == {"version": "1.2.26"}
            start = time.monotonic()
            slow = await client.call("public/get_time")
            assert time.monotonic() - start >= 0.3 and slow["usDiff"] >= 300_000 and "result" in slow
        mockexchange.add_fault(path="/api/v2/public/test", drop=True)
        async with websockets.connect(mockexchange.deribit_ws_url) as ws:
            await ws.send(json.dumps({"jsonrpc": "2.0", "id": 9, "method": "public/test", "params": {}}))
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 5)
            assert closed.value.rcvd is None  # no close frame: the connection just ended (1006)

    asyncio.run(go())
    messages = [e for e in mockexchange.requests(venue="deribit") if e["command"] is not None]
    assert [(e["operation"], e["replies"], e["fault"]) for e in messages] == [
        ("public/test", ["error 10040"], "status 503 (fault rule 1)"),
        ("public/test", ["result"], None),
        ("public/get_time", ["result"], "delay 300 ms (fault rule 2)"),
        ("public/test", ["dropped"], "drop (fault rule 4)"),
    ]
    assert all(e["problems"] == [] for e in messages)
    assert [rule["fired"] for rule in mockexchange.faults()["faults"]] == [1, 1, 0, 1]


# -- upgrades --------------------------------------------------------------------------------------------------------


def test_an_upgrade_is_refused_in_the_venues_shape_or_dropped(mockexchange):
    signer = kalshi_signer(mockexchange, "alice")
    mockexchange.add_fault(path=WS_PATH, status=503, times=1)
    with pytest.raises(InvalidStatus) as refused, kalshi_ws(mockexchange, signer):
        pass
    response = refused.value.response
    assert response.status_code == 503
    assert json.loads(response.body) == {"error": {"code": "service_unavailable", "message": "service unavailable"}}
    with kalshi_ws(mockexchange, signer) as ws:  # times ran out
        subscribe(ws, "fill")
    mockexchange.add_fault(path="/ws/api/v2", drop=True)

    async def dropped() -> None:
        with pytest.raises((InvalidMessage, ConnectionClosed, EOFError, OSError)):
            async with websockets.connect(mockexchange.deribit_ws_url, open_timeout=HANG_S):
                pass

    asyncio.run(dropped())
    upgrades = [(e["venue"], e["status"], e["fault"]) for e in mockexchange.requests(transport="ws") if e["method"]]
    assert upgrades == [
        ("kalshi", 503, "status 503 (fault rule 1)"),
        ("kalshi", 101, None),
        ("deribit", None, "drop (fault rule 2)"),
    ]


# -- a scenario ------------------------------------------------------------------------------------------------------


def test_a_scenario_step_closes_a_users_websockets():
    scenario = """
users:
  - user_id: alice
    keys: [{key_id: alice-key}]
steps:
  - ws_close: {user_id: alice, code: 4001, reason: maintenance}
"""
    with MockServer(clock=ManualClock()) as mock:
        [key] = mock.load_scenario(document=scenario)["keys"]
        signer = KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])
        with kalshi_ws(mock, signer) as ws:
            subscribe(ws, "fill")
            [ran] = mock.step()["ran"]
            assert ran["result"] == {"closed": 1}
            with pytest.raises(ConnectionClosed) as closed:
                ws.recv(timeout=HANG_S)
            assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4001, "maintenance")
