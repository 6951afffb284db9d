"""Deribit's market maker tools on the wire: the MMP methods and their refusals over HTTP (a mass quote there has no
connection to cancel on disconnect: refused), and over a real websocket a mass quote with cancel on disconnect on, its
detailed answer, a fill that triggers the group's protection (`user.mmp_trigger.btc_usd`, the quotes cancelled for
`mmp_trigger` on `user.orders`), cancel_quotes, and the connection's close cancelling the quotes it placed."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import websockets
from deribit_rpc import Deribit, DeribitWs

from mockexchange.server import MockServer

PERP = "BTC-PERPETUAL"
CONFIG = {"index_name": "btc_usd", "interval": 10, "frozen_time": 0, "quantity_limit": 0.001,
          "max_quote_quantity": 1, "mmp_group": "g"}  # fmt: skip


@pytest.fixture
def mm(mockexchange: MockServer) -> Deribit:
    mockexchange.set_index_price("btc_usd", "60000")
    for user in ("mm", "taker"):
        mockexchange.create_deribit_account(user, balances={"BTC": "10"})
    mockexchange.create_deribit_key("taker", client_id="TakerKey", client_secret="t3")
    return Deribit(mockexchange, mockexchange.create_deribit_key("mm", client_id="MmKey", client_secret="s3"))


def _quotes(bid: int, ask: int, set_id: str = "a") -> list[dict]:
    return [{"instrument_name": PERP, "quote_set_id": set_id, "bid": {"price": bid, "amount": 100},
             "ask": {"price": ask, "amount": 100}}]  # fmt: skip


def test_the_mmp_methods_and_their_refusals_over_http(mm: Deribit) -> None:
    assert mm.rpc("private/set_mmp_config", **{**CONFIG, "max_quote_quantity": None})["error"]["code"] == -32602
    assert mm.rpc("private/set_mmp_config", **{**CONFIG, "interval": 4000})["error"]["code"] == -32602
    assert mm.rpc("private/set_mmp_config", **{**CONFIG, "quantity_limit": None})["error"]["code"] == -32602
    assert mm.rpc("private/set_mmp_config", **CONFIG, block_rfq=True)["error"]["code"] == 10033
    made = mm.result("private/set_mmp_config", **CONFIG)
    assert [(c["index_name"], c["mmp_group"], c["max_quote_quantity"]) for c in made] == [("btc_usd", "g", 1)]
    assert mm.result("private/get_mmp_config", index_name="btc_usd", mmp_group="g") == made
    assert mm.result("private/get_mmp_config") == []  # the orders' configuration: none
    assert mm.rpc("private/get_mmp_config", mmp_group="g")["error"]["code"] == -32602  # needs index_name
    assert mm.result("private/get_mmp_status") == []
    assert mm.result("private/reset_mmp", index_name="btc_usd", mmp_group="g") == "ok"
    refused = mm.rpc("private/mass_quote", quote_id="1", mmp_group="g", quotes=_quotes(59990, 60010))
    assert refused["error"]["code"] == 11030  # no connection to cancel on disconnect over HTTP
    assert mm.rpc("private/cancel_quotes", cancel_type="nothing")["error"]["code"] == -32602
    assert mm.rpc("private/cancel_quotes", cancel_type="quote_set_id")["error"]["code"] == -32602
    assert mm.result("private/cancel_quotes", cancel_type="all") == 0
    assert mm.rpc("private/buy", instrument_name=PERP, amount=10, type="market", mmp=True)["error"]["code"] == -32602


async def _client(ws: Any, client_id: str, secret: str) -> DeribitWs:
    client = DeribitWs(ws)
    assert "result" in await client.auth(client_id, secret)
    return client


async def _until(client: DeribitWs, channel: str, passed: list[dict] | None = None) -> dict:
    """The next notification on `channel` (others passed over, into `passed` if given; each waited for: no fixed
    wait)."""
    while True:
        message = await client.notification()
        if message["params"]["channel"] == channel:
            return message["params"]["data"]
        if passed is not None:
            passed.append(message["params"]["data"])


def test_mass_quotes_over_a_websocket_trigger_cancel_and_go_on_disconnect(
    mockexchange: MockServer, mm: Deribit
) -> None:
    mm.result("private/set_mmp_config", **CONFIG)
    mm.result("private/set_mmp_config", **{**CONFIG, "mmp_group": "h", "quantity_limit": 10})

    async def go() -> tuple[dict, list[dict], int]:
        async with websockets.connect(mockexchange.deribit_ws_url) as watching:
            watcher = await _client(watching, "MmKey", "s3")
            channels = ["user.mmp_trigger.btc_usd", "user.orders.any.any.raw"]
            await watcher.call("private/subscribe", {"channels": channels})
            async with websockets.connect(mockexchange.deribit_ws_url) as quoting:
                quoter = await _client(quoting, "MmKey", "s3")
                params = {"quote_id": "1", "mmp_group": "g", "quotes": _quotes(59990, 60010), "detailed": True}
                assert (await quoter.call("private/mass_quote", params))["error"]["code"] == 11030  # no COD yet
                await quoter.call("private/enable_cancel_on_disconnect")
                made = (await quoter.call("private/mass_quote", params))["result"]
                assert [(o["quote"], o["mmp_group"], o["mmp"]) for o in made["orders"]] == [(True, "g", True)] * 2
                other = {**params, "mmp_group": "h", "quotes": _quotes(59000, 61000, "b"), "detailed": False}
                assert (await quoter.call("private/mass_quote", other))["result"]["errors_count"] == 0
                await _until(watcher, "user.orders.any.any.raw")  # (the four placed, in order)
                for _ in range(3):
                    await _until(watcher, "user.orders.any.any.raw")
                mockexchange.deribit_place_order("taker", PERP, "sell", "100", "59990")  # 0.00167 BTC > 0.001
                cancelled: list[dict] = []  # (the fill's and the trigger's, told before the trigger)
                triggered = await _until(watcher, "user.mmp_trigger.btc_usd", cancelled)
                status = (await quoter.call("private/get_mmp_status", {"index_name": "btc_usd"}))["result"]
                assert status == [{"index_name": "btc_usd", "frozen_until": 0, "mmp_group": "g"}]
                frozen = await quoter.call("private/mass_quote", params)
                assert frozen["error"]["code"] == 11030
                by_set = {"cancel_type": "quote_set_id", "quote_set_id": "nothing"}
                assert (await quoter.call("private/cancel_quotes", by_set))["result"] == 0
                await quoter.call("private/mass_quote", {**other, "quotes": _quotes(59100, 60900, "b")})
            gone = [await _until(watcher, "user.orders.any.any.raw") for _ in range(4)]  # amended twice, then closed
            return triggered, cancelled, sum(1 for row in gone if row.get("cancel_reason") == "cancel_on_disconnect")

    triggered, cancelled, on_disconnect = asyncio.run(go())
    assert triggered == {"index_name": "btc_usd", "frozen_until": 0, "mmp_group": "g"}
    assert {(row["order_state"], row.get("cancel_reason"), row.get("mmp_cancelled")) for row in cancelled} == {
        ("filled", None, None),
        ("cancelled", "mmp_trigger", True),
    }
    assert on_disconnect == 2  # the group h quotes the connection placed
    assert mm.result("private/get_open_orders") == []
