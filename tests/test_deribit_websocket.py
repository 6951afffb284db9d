"""Deribit's websocket over a real connection: JSON-RPC, connection-scoped auth, user.* notifications on fills,
the heartbeat."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
import pytest
import websockets
from deribit_rpc import DeribitWs

from mockexchange.server import MockServer


@pytest.fixture
def deribit(mockexchange: MockServer) -> dict[str, str]:
    mockexchange.create_deribit_account("alice", balances={"BTC": "10", "USDC": "1000"})
    return mockexchange.create_deribit_key("alice", client_id="AliceKey", client_secret="alice-secret")


class Client(DeribitWs):
    def __init__(self, ws: Any) -> None:
        super().__init__(ws, decimals=False)

    async def auth(self) -> dict:  # type: ignore[override]
        return await super().auth("AliceKey", "alice-secret")


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_public_test_and_the_envelope(mockexchange):
    async def go() -> None:
        async with websockets.connect(mockexchange.deribit_ws_url) as ws:
            reply = await Client(ws).call("public/test")
            assert reply["result"] == {"version": "1.2.26"} and reply["id"] == 1
            assert reply["testnet"] is True and reply["usDiff"] == reply["usOut"] - reply["usIn"]

    run(go())


def test_private_needs_auth_then_the_connection_is_bound(mockexchange, deribit):
    async def go() -> None:
        async with websockets.connect(mockexchange.deribit_ws_url) as ws:
            client = Client(ws)
            refused = await client.call("private/get_positions", {"currency": "BTC"})
            assert refused["error"]["code"] == 13009
            grant = await client.auth()
            assert grant["result"]["access_token"] and "connection" in grant["result"]["scope"]
            assert (await client.call("private/get_positions", {"currency": "BTC"}))["result"] == []
            token = grant["result"]["access_token"]
        async with websockets.connect(mockexchange.deribit_ws_url) as ws:
            other = await Client(ws).call("private/get_positions", {"access_token": token})
            assert other["error"]["code"] == 13009  # a connection-scoped token works on its own connection only

    run(go())


def test_fills_notify_changes_trades_and_portfolio(mockexchange, deribit):
    async def go() -> None:
        async with websockets.connect(mockexchange.deribit_ws_url) as ws:
            client = Client(ws)
            await client.auth()
            channels = [
                "user.changes.future.BTC.raw",
                "user.trades.any.any.raw",
                "user.portfolio.btc",
                "user.changes.ETH-PERPETUAL.100ms",
            ]
            subscribed = await client.call("private/subscribe", {"channels": channels})
            assert subscribed["result"] == channels
            first = await client.notification()  # the portfolio channel's first, once subscribed
            assert first["params"]["channel"] == "user.portfolio.btc" and first["params"]["data"]["balance"] == 10
            await asyncio.to_thread(mockexchange.deribit_fill, "alice", "BTC-PERPETUAL", "buy", "100", "60000")
            got = {}
            for _ in range(3):
                message = await client.notification()
                assert message["method"] == "subscription" and "id" not in message
                got[message["params"]["channel"]] = message["params"]["data"]
            assert set(got) == {"user.changes.future.BTC.raw", "user.trades.any.any.raw", "user.portfolio.btc"}
            change = got["user.changes.future.BTC.raw"]
            assert change["instrument_name"] == "BTC-PERPETUAL"
            assert change["positions"][0]["size"] == 100 and change["trades"][0]["direction"] == "buy"
            [trade] = got["user.trades.any.any.raw"]
            assert trade["amount"] == 100 and trade["price"] == 60000 and trade["instrument_name"] == "BTC-PERPETUAL"
            assert got["user.portfolio.btc"]["currency"] == "BTC"
            assert got["user.portfolio.btc"]["initial_margin"] > first["params"]["data"]["initial_margin"] == 0

    run(go())


def test_other_users_fills_are_not_sent(mockexchange, deribit):
    mockexchange.create_deribit_account("bob", balances={"BTC": "1"})

    async def go() -> None:
        async with websockets.connect(mockexchange.deribit_ws_url) as ws:
            client = Client(ws)
            await client.auth()
            await client.call("private/subscribe", {"channels": ["user.trades.any.any.raw"]})
            await asyncio.to_thread(mockexchange.deribit_fill, "bob", "BTC-PERPETUAL", "buy", "10", "60000")
            await asyncio.to_thread(mockexchange.deribit_fill, "alice", "ETH-PERPETUAL", "sell", "5", "3000")
            message = await client.notification()
            assert message["params"]["data"][0]["instrument_name"] == "ETH-PERPETUAL"

    run(go())


def test_subscribe_errors(mockexchange, deribit):
    async def go() -> None:
        async with websockets.connect(mockexchange.deribit_ws_url) as ws:
            client = Client(ws)
            assert (await client.call("private/subscribe", {"channels": ["user.trades.any.any.raw"]}))["error"][
                "code"
            ] == 13009
            await client.auth()
            bad = await client.call("private/subscribe", {"channels": ["user.trades.perp.any.raw"]})
            assert bad["error"]["code"] == -32602 and bad["error"]["data"]["param"] == "channels"
            assert (await client.call("private/unsubscribe_all"))["result"] == "ok"

    run(go())


@pytest.mark.parametrize("scope", ["private", "public"])
def test_after_unsubscribe_all_no_notification_arrives(mockexchange, deribit, scope):
    """A fill after unsubscribe_all sends nothing: the next notification is the one of a channel subscribed again
    afterwards, for a later fill (a connection's notifications arrive in order, so nothing is waited out)."""

    async def go() -> None:
        async with websockets.connect(mockexchange.deribit_ws_url) as ws:
            client = Client(ws)
            await client.auth()
            await client.call("private/subscribe", {"channels": ["user.trades.any.any.raw", "user.portfolio.btc"]})
            assert (await client.notification())["params"]["channel"] == "user.portfolio.btc"  # its first
            await asyncio.to_thread(mockexchange.deribit_fill, "alice", "BTC-PERPETUAL", "buy", "10", "60000")
            assert {(await client.notification())["params"]["channel"] for _ in range(2)} == {
                "user.trades.any.any.raw", "user.portfolio.btc",
            }  # fmt: skip
            assert (await client.call(f"{scope}/unsubscribe_all"))["result"] == "ok"
            await asyncio.to_thread(mockexchange.deribit_fill, "alice", "BTC-PERPETUAL", "buy", "20", "60000")
            again = await client.call("private/subscribe", {"channels": ["user.trades.ETH-PERPETUAL.raw"]})
            assert again["result"] == ["user.trades.ETH-PERPETUAL.raw"]
            await asyncio.to_thread(mockexchange.deribit_fill, "alice", "ETH-PERPETUAL", "sell", "5", "3000")
            message = await client.notification()
            assert message["params"]["channel"] == "user.trades.ETH-PERPETUAL.raw"
            assert [t["instrument_name"] for t in message["params"]["data"]] == ["ETH-PERPETUAL"]
            assert (await client.call("public/test"))["result"] and client.notifications == []

    run(go())


def test_heartbeat_and_errors(mockexchange):
    async def go() -> None:
        async with websockets.connect(mockexchange.deribit_ws_url) as ws:
            client = Client(ws)
            assert (await client.call("public/set_heartbeat", {"interval": 1}))["error"]["code"] == -32602
            assert (await client.call("public/nope"))["error"]["code"] == -32601
            await ws.send("{oops")
            assert json.loads(await ws.recv())["error"]["code"] == -32700
            await ws.send(
                json.dumps({"jsonrpc": "2.0", "id": 1, "method": "public/test", "params": {"p": "x" * 40000}})
            )
            assert json.loads(await ws.recv())["error"]["code"] == -32600
            await ws.send(json.dumps({"jsonrpc": "2.0", "method": "public/test"}))
            assert json.loads(await ws.recv())["error"]["code"] == 11050
            assert (await client.call("public/set_heartbeat", {"interval": 10}))["result"] == "ok"
            assert (await client.call("public/set_heartbeat", {"interval": 30.5}))["result"] == "ok"  # (a number)
            assert (await client.call("public/set_heartbeat", {"interval": 9.999}))["error"]["code"] == -32602
            assert (await client.call("public/disable_heartbeat"))["result"] == "ok"

    run(go())


@pytest.mark.slow
def test_the_heartbeat_sends_test_requests_until_disabled(mockexchange, monkeypatch):
    """Beats every second; disabled just after one arrived, nothing comes in the next 1.2 s."""
    from mockexchange.venues.deribit import websocket as deribit_websocket

    monkeypatch.setattr(deribit_websocket, "MIN_HEARTBEAT_S", 1)

    async def go() -> None:
        async with websockets.connect(mockexchange.deribit_ws_url) as ws:
            client = Client(ws)
            assert (await client.call("public/set_heartbeat", {"interval": 1}))["result"] == "ok"
            beat = await client.notification(timeout=3)
            assert beat == {"jsonrpc": "2.0", "method": "heartbeat", "params": {"type": "test_request"}}
            assert (await client.call("public/test"))["result"]["version"]
            assert (await client.notification(timeout=3))["method"] == "heartbeat"
            assert (await client.call("public/disable_heartbeat"))["result"] == "ok"
            with pytest.raises(TimeoutError):
                await client.notification(timeout=1.2)
            assert (await client.call("public/test"))["result"] and client.notifications == []

    run(go())


def test_a_portfolio_channel_sends_the_wallets_figures_once_subscribed(mockexchange, deribit):
    """On subscribing, `user.portfolio.{currency}` sends the wallet's figures at once (what `watch_balance` waits for
    on a quiet account), to that channel alone: none for a name held already, none for a currency not listed."""

    async def go() -> None:
        async with websockets.connect(mockexchange.deribit_ws_url) as ws:
            client = Client(ws)
            await client.auth()
            held = (await client.call("private/get_account_summary", {"currency": "BTC"}))["result"]
            channels = ["user.portfolio.XRP", "user.portfolio.btc"]  # (no XRP is listed)
            assert (await client.call("private/subscribe", {"channels": channels}))["result"] == channels
            first = await client.notification()
            assert first["params"]["channel"] == "user.portfolio.btc"
            figures = first["params"]["data"]
            assert figures["currency"] == "BTC" and figures["balance"] == 10
            assert {name: figures[name] for name in ("balance", "equity", "available_funds", "margin_balance")} == {
                name: held[name] for name in ("balance", "equity", "available_funds", "margin_balance")
            }
            again = ["user.portfolio.btc", "user.portfolio.BTC"]  # one held already, one new (its own name)
            assert (await client.call("private/subscribe", {"channels": again}))["result"] == again
            assert (await client.notification())["params"]["channel"] == "user.portfolio.BTC"
            await asyncio.to_thread(mockexchange.deribit_fill, "alice", "BTC-PERPETUAL", "buy", "10", "60000")
            # In order: the fill's, to both BTC channels, and nothing before them (no XRP, no second btc first).
            after = {(await client.notification())["params"]["channel"] for _ in range(2)}
            assert after == {"user.portfolio.btc", "user.portfolio.BTC"}

    run(go())


def test_the_any_portfolio_channel_tells_each_currencys_figures(mockexchange, deribit):
    """`user.portfolio.any` (Deribit: every currency's portfolio; ccxt's coinbaseinternational's `watch_balance`
    subscribes it) sends the wallet's figures in each listed currency once subscribed, then a currency's figures as a
    fill, a move of its cash or of its marks changes them, each on the channel named `any`."""

    async def go() -> None:
        async with websockets.connect(mockexchange.deribit_ws_url) as ws:
            client = Client(ws)
            await client.auth()
            assert (await client.call("private/subscribe", {"channels": ["user.portfolio.any"]}))["result"] == [
                "user.portfolio.any"
            ]
            firsts = [(await client.notification())["params"] for _ in range(5)]
            assert {first["channel"] for first in firsts} == {"user.portfolio.any"}
            assert [first["data"]["currency"] for first in firsts] == ["BTC", "ETH", "USDC", "USDT", "EURR"]
            assert [first["data"]["balance"] for first in firsts] == [10, 0, 1000, 0, 0]

            async def told(command: str, *args: Any, **terms: Any) -> dict[str, Any]:
                await asyncio.to_thread(getattr(mockexchange, command), *args, **terms)
                message = (await client.notification())["params"]
                assert message["channel"] == "user.portfolio.any"
                currency = message["data"]["currency"]
                summary = await client.call("private/get_account_summary", {"currency": currency})
                figures = ("balance", "equity", "available_funds", "initial_margin", "margin_balance", "futures_pl")
                assert {name: message["data"][name] for name in figures} == {
                    name: summary["result"][name] for name in figures
                }
                return message["data"]

            filled = await told("deribit_fill", "alice", "BTC-PERPETUAL", "buy", "6000", "60000")
            assert filled["currency"] == "BTC" and filled["initial_margin"] > 0
            moved = await told("deribit_deposit", "alice", "USDC", "250")
            assert (moved["currency"], moved["balance"]) == ("USDC", 1250)
            marked = await told("set_index_price", "btc_usd", "61000")
            assert marked["currency"] == "BTC" and marked["futures_pl"] > 0

    run(go())


def test_a_portfolio_channel_sends_the_figures_again_as_marks_move(mockexchange, deribit):
    """A move of an index, or of a pinned mark, that values the wallet's open positions in a currency sends its
    `user.portfolio.{currency}` figures again; a move that leaves them as the channel last sent them sends nothing."""
    mockexchange.deribit_fill("alice", "BTC-PERPETUAL", "buy", "6000", "60000")

    async def go() -> None:
        async with websockets.connect(mockexchange.deribit_ws_url) as ws:
            client = Client(ws)
            await client.auth()
            channels = ["user.portfolio.btc", "user.portfolio.eth"]
            assert (await client.call("private/subscribe", {"channels": channels}))["result"] == channels
            firsts = {(await client.notification())["params"]["channel"] for _ in range(2)}
            assert firsts == set(channels)

            async def moved(command: str, *args: str) -> dict[str, Any]:
                await asyncio.to_thread(getattr(mockexchange, command), *args)
                message = await client.notification()
                assert message["params"]["channel"] == "user.portfolio.btc"  # (never the eth channel: nothing open)
                summary = await client.call("private/get_account_summary", {"currency": "BTC"})
                assert message["params"]["data"]["futures_pl"] == summary["result"]["futures_pl"]
                return message["params"]["data"]

            await asyncio.to_thread(mockexchange.set_index_price, "eth_usd", "3100")  # no ETH position: no news
            up = await moved("set_index_price", "btc_usd", "61000")
            assert up["futures_pl"] > 0 and up["equity"] > 10
            await asyncio.to_thread(mockexchange.set_index_price, "btc_usd", "61000")  # the figures as they were
            pinned = await moved("set_mark_price", "BTC-PERPETUAL", "62000")
            assert pinned["futures_pl"] > up["futures_pl"]
            assert (await moved("set_mark_price", "BTC-PERPETUAL", None))["futures_pl"] == up["futures_pl"]
            unsubscribed = await client.call("private/unsubscribe", {"channels": ["user.portfolio.btc"]})
            assert unsubscribed["result"] == ["user.portfolio.btc"]
            await asyncio.to_thread(mockexchange.set_index_price, "btc_usd", "59000")  # no channel: no news
            await client.call("private/subscribe", {"channels": ["user.portfolio.BTC"]})
            again = await client.notification()
            assert again["params"]["channel"] == "user.portfolio.BTC" and again["params"]["data"]["futures_pl"] < 0
            assert (await client.call("private/unsubscribe_all"))["result"] == "ok"
            await asyncio.to_thread(mockexchange.set_index_price, "btc_usd", "60500")  # no channel: no news
            await client.call("private/subscribe", {"channels": ["user.portfolio.Btc"]})
            assert (await client.notification())["params"]["channel"] == "user.portfolio.Btc"
            await client.call("private/unsubscribe", {"channels": ["user.portfolio.Btc"]})
            await client.call("private/subscribe", {"channels": ["user.portfolio.Btc"]})  # the same name, nothing moved
            assert (await client.notification())["params"]["channel"] == "user.portfolio.Btc"  # its first, again
            assert (await client.call("private/unsubscribe_all"))["result"] == "ok"
            await client.call("private/subscribe", {"channels": ["user.portfolio.Btc"]})  # and after unsubscribe_all
            assert (await client.notification())["params"]["channel"] == "user.portfolio.Btc"

    run(go())


async def watching_portfolio(ws: Any, channel: str) -> tuple[Client, dict[str, Any]]:
    """A connection bound to alice's key holding the portfolio `channel`, and the figures of its first notification."""
    client = Client(ws)
    await client.auth()
    await client.call("private/subscribe", {"channels": [channel]})
    return client, (await client.notification())["params"]["data"]


def test_a_volatility_set_moves_the_portfolio_of_a_wallet_holding_options(mockexchange, deribit):
    mockexchange.list_instrument("BTC-27DEC30-60000-C")
    mockexchange.deribit_fill("alice", "BTC-27DEC30-60000-C", "buy", "2", "0.05")

    async def go() -> None:
        async with websockets.connect(mockexchange.deribit_ws_url) as ws:
            client, first = await watching_portfolio(ws, "user.portfolio.BTC")
            await asyncio.to_thread(mockexchange.set_volatility, "0.9", currency="BTC")
            moved = await client.notification()
            assert moved["params"]["channel"] == "user.portfolio.BTC"
            assert moved["params"]["data"]["options_value"] > first["options_value"] > 0

    run(go())


def test_an_order_change_sends_the_portfolio_once_for_what_it_and_its_fills_moved(mockexchange, deribit):
    """An order resting holds margin, so `user.portfolio` tells it; an order that fills at once changes the order and
    makes a trade, and the two, rendered after both, send the figures once."""
    mockexchange.create_deribit_account("bob", balances={"BTC": "10"})
    mockexchange.deribit_order("bob", "BTC-PERPETUAL", "sell", "1000", "60500")

    async def go() -> None:
        async with websockets.connect(mockexchange.deribit_ws_url) as ws:
            client, first = await watching_portfolio(ws, "user.portfolio.btc")
            assert first["initial_margin"] == 0
            bid = {"instrument_name": "BTC-PERPETUAL", "amount": 2000, "price": 59000, "type": "limit"}
            placed = (await client.call("private/buy", bid))["result"]["order"]
            held = (await client.notification())["params"]["data"]
            summary = (await client.call("private/get_account_summary", {"currency": "BTC"}))["result"]
            assert held["initial_margin"] == summary["initial_margin"] > 0
            await client.call("private/cancel", {"order_id": placed["order_id"]})
            assert (await client.notification())["params"]["data"]["initial_margin"] == 0
            taken = (await client.call("private/buy", {**bid, "amount": 1000, "price": 60500}))["result"]
            assert taken["order"]["order_state"] == "filled" and len(taken["trades"]) == 1
            filled = (await client.notification())["params"]["data"]
            assert filled["initial_margin"] > 0
            await client.call("private/subscribe", {"channels": ["user.portfolio.BTC"]})  # its first comes next
            assert (await client.notification())["params"]["channel"] == "user.portfolio.BTC"

    run(go())


def test_public_channels_stay_when_the_connection_authenticates_as_another_user(mockexchange, deribit):
    mockexchange.create_deribit_account("bob", balances={"BTC": "1"})
    mockexchange.create_deribit_key("bob", client_id="BobKey", client_secret="bob-secret")

    async def go() -> None:
        async with websockets.connect(mockexchange.deribit_ws_url) as ws:
            client = Client(ws)
            await client.auth()
            await client.call("public/subscribe", {"channels": ["deribit_price_index.btc_usd"]})
            assert (await client.notification())["params"]["data"]["price"] == 60000
            await DeribitWs.auth(client, "BobKey", "bob-secret")
            await asyncio.to_thread(mockexchange.set_index_price, "btc_usd", "61000")
            assert (await client.notification())["params"]["data"]["price"] == 61000

    run(go())


def test_ccxt_pro_watch_balance_channels_are_accepted(mockexchange, deribit):
    channels = ["user.portfolio.BTC", "user.portfolio.ETH", "user.portfolio.SOL", "user.portfolio.USDC"]

    async def go() -> None:
        async with websockets.connect(mockexchange.deribit_ws_url) as ws:
            client = Client(ws)
            await client.auth()
            assert (await client.call("private/subscribe", {"channels": channels}))["result"] == channels

    run(go())


def test_a_connection_scoped_token_dies_with_its_connection(mockexchange, deribit):
    """While its websocket is open the token is refused elsewhere as another connection's; once it has closed, the
    mock holds it no more (a closed connection's tokens are not kept)."""
    summary = f"{mockexchange.deribit_url}/api/v2/private/get_account_summary"

    def refused_because(token: str) -> str:
        answer = httpx.get(summary, params={"currency": "BTC"}, headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 401 and answer.json()["error"]["code"] == 13009
        return answer.json()["error"]["mockexchange_diagnosis"]

    async def go() -> str:
        async with websockets.connect(mockexchange.deribit_ws_url) as ws:
            granted = (await Client(ws).auth())["result"]
            assert "connection" in granted["scope"].split()
            token = granted["access_token"]
            assert "another websocket connection" in await asyncio.to_thread(refused_because, token)
        return token

    token = run(go())
    deadline = time.monotonic() + 10  # (only bounds a mock that never lets the token go)
    while "another websocket connection" in refused_because(token) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert refused_because(token) == "no such access token"
