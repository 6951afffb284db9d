"""Deribit's cancel on disconnect over real websockets: a connection that enabled it closes and the orders placed
through it are cancelled (`cancel_reason` `cancel_on_disconnect`), which another connection of the account sees on
`user.orders`; an order placed over HTTP stays; the account's scope is what a connection with none of its own takes,
and the three methods are websocket-only (-32601 over HTTP)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import websockets
from deribit_rpc import Deribit, DeribitWs

from mockexchange.server import MockServer

PERP = "BTC-PERPETUAL"
BID = {"instrument_name": PERP, "amount": 100, "price": 50000}


@pytest.fixture
def alice(mockexchange: MockServer) -> Deribit:
    mockexchange.create_deribit_account("alice", balances={"BTC": "10"})
    return Deribit(mockexchange, mockexchange.create_deribit_key("alice", client_id="AliceKey", client_secret="s3"))


async def _client(ws: Any) -> DeribitWs:
    client = DeribitWs(ws)
    assert "result" in await client.auth("AliceKey", "s3")
    return client


async def _cancelled(watcher: DeribitWs, count: int) -> list[dict]:
    """The next `count` order notifications the watcher is sent (it waits for each: no fixed wait)."""
    rows = []
    while len(rows) < count:
        message = await watcher.notification()
        rows.append(message["params"]["data"])
    return rows


def test_a_closed_connection_cancels_its_orders_and_another_connection_sees_it(
    mockexchange: MockServer, alice: Deribit
) -> None:
    kept = alice.result("private/buy", **BID, label="http")["order"]["order_id"]  # placed over HTTP: it stays

    async def go() -> list[dict]:
        async with websockets.connect(mockexchange.deribit_ws_url) as watching:
            watcher = await _client(watching)
            await watcher.call("private/subscribe", {"channels": ["user.orders.any.any.raw"]})
            async with websockets.connect(mockexchange.deribit_ws_url) as trading:
                trader = await _client(trading)
                assert (await trader.call("private/enable_cancel_on_disconnect"))["result"] == "ok"
                got = await trader.call("private/get_cancel_on_disconnect")
                assert got["result"] == {"scope": "connection", "enabled": True}
                for price in (49000, 48000):
                    assert "result" in await trader.call("private/buy", {**BID, "price": price})
                await _cancelled(watcher, 2)  # the two placed (open)
            return await _cancelled(watcher, 2)

    rows = asyncio.run(go())
    assert [(r["order_state"], r["cancel_reason"]) for r in rows] == [("cancelled", "cancel_on_disconnect")] * 2
    open_ids = [order["order_id"] for order in alice.result("private/get_open_orders")]
    assert open_ids == [kept]


def test_the_account_scope_is_kept_and_taken_by_a_connection_that_sets_none(
    mockexchange: MockServer, alice: Deribit
) -> None:
    async def go() -> None:
        async with websockets.connect(mockexchange.deribit_ws_url) as ws:
            client = await _client(ws)
            assert (await client.call("private/enable_cancel_on_disconnect", {"scope": "account"}))["result"] == "ok"
            account = await client.call("private/get_cancel_on_disconnect", {"scope": "account"})
            assert account["result"] == {"scope": "account", "enabled": True}
            assert (await client.call("private/get_cancel_on_disconnect"))["result"]["enabled"] is True
            await client.call("private/disable_cancel_on_disconnect")  # its own: off, the account's stays on
            assert (await client.call("private/get_cancel_on_disconnect"))["result"]["enabled"] is False
            refused = await client.call("private/enable_cancel_on_disconnect", {"scope": "session"})
            assert refused["error"]["code"] == -32602 and refused["error"]["data"]["param"] == "scope"
            await client.call("private/buy", BID)

    asyncio.run(go())
    assert len(alice.result("private/get_open_orders")) == 1  # its own setting was off: nothing cancelled
    wallet = mockexchange.set_deribit_cancel_on_disconnect("alice", False)
    assert wallet["cancel_on_disconnect"] is False
    for method in ("private/enable_cancel_on_disconnect", "private/get_cancel_on_disconnect"):
        assert alice.rpc(method)["error"]["code"] == -32601  # websocket only
