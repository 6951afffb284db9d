"""Deribit's public market data over real HTTP and the websocket: public/get_order_book and public/ticker derived from
every account's resting orders and the book's prices and trades; the book.* and ticker.* channels (a snapshot, then
each move with its change ids); hostile params refused with Deribit's JSON-RPC errors."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from contextlib import closing
from decimal import Decimal
from typing import Any

import plain_http
import pytest
import websockets
from deribit_rpc import DeribitWs, public_rpc

from mockexchange.core.clock import ManualClock
from mockexchange.server import MockServer

PERP = "BTC-PERPETUAL"
CALL = "BTC-27DEC30-60000-C"


@pytest.fixture
def mock():
    with MockServer(clock=ManualClock()) as server:
        for user in ("alice", "bob"):
            server.create_deribit_account(user, balances={"BTC": "10", "USDC": "100000"})
        server.create_deribit_key("alice", client_id="AliceKey", client_secret="alice-secret")
        server.set_index_price("btc_usd", "50000")
        server.list_instrument(PERP)
        server.list_instrument(CALL)
        yield server


rpc = public_rpc


def result(mock: MockServer, method: str, params: dict) -> Any:
    reply = rpc(mock, method, params)
    assert "result" in reply, reply
    return reply["result"]


def seed_book(mock: MockServer) -> dict[str, str]:
    """Two accounts' orders on the perpetual: bids 100+50 at 49990 and 30 at 49980.5, asks 70 at 50010.5; a stop order
    and a cancelled bid, which rest nowhere; an iceberg showing 20 of 200 at 50020."""
    ids = {
        "alice_bid": mock.deribit_order("alice", PERP, "buy", "100", "49990")["order_id"],
        "bob_bid": mock.deribit_order("bob", PERP, "buy", "50", "49990")["order_id"],
        "low_bid": mock.deribit_order("alice", PERP, "buy", "30", "49980.5")["order_id"],
        "ask": mock.deribit_order("bob", PERP, "sell", "70", "50010.5")["order_id"],
        "iceberg": mock.deribit_order("bob", PERP, "sell", "200", "50020", max_show="20")["order_id"],
        "gone": mock.deribit_order("alice", PERP, "buy", "10", "49995")["order_id"],
    }
    mock.deribit_order("alice", PERP, "sell", "10", "48000", order_type="stop_limit", trigger="mark_price",
                       trigger_price="48500")  # fmt: skip
    mock.deribit_cancel_order(ids["gone"])
    return ids


# -- public/get_order_book --------------------------------------------------------------------------------------------


def test_the_order_book_is_every_accounts_resting_orders_by_level(mock):
    seed_book(mock)
    now_ms = int(mock.exchange.state.clock.now().timestamp() * 1000)
    book = result(mock, "public/get_order_book", {"instrument_name": PERP})
    assert book["bids"] == [[49990, 150], [Decimal("49980.5"), 30]]
    assert book["asks"] == [[Decimal("50010.5"), 70], [50020, 20]]
    assert book == {
        "timestamp": now_ms, "stats": {"volume": None, "price_change": None, "low": None, "high": None},
        "state": "open", "open_interest": 0, "min_price": 47500, "max_price": 52500, "mark_price": 50000,
        "last_price": None, "instrument_name": PERP, "index_price": 50000, "estimated_delivery_price": 50000,
        "best_bid_price": 49990, "best_bid_amount": 150, "best_ask_price": Decimal("50010.5"), "best_ask_amount": 70,
        "funding_8h": 0, "current_funding": 0, "bids": book["bids"], "asks": book["asks"],
        "change_id": book["change_id"],
    }  # fmt: skip
    assert isinstance(book["change_id"], int) and book["change_id"] > 0
    top = result(mock, "public/get_order_book", {"instrument_name": PERP, "depth": 1})
    assert top["bids"] == [[49990, 150]] and top["asks"] == [[Decimal("50010.5"), 70]]
    assert top["change_id"] == book["change_id"]


def test_a_book_moves_with_its_orders_and_an_empty_side_reads_zero(mock):
    ids = seed_book(mock)
    before = result(mock, "public/get_order_book", {"instrument_name": PERP})["change_id"]
    for name in ("alice_bid", "bob_bid", "low_bid"):
        mock.deribit_cancel_order(ids[name])
    book = result(mock, "public/get_order_book", {"instrument_name": PERP, "depth": 5})
    assert book["bids"] == [] and book["best_bid_price"] == 0 and book["best_bid_amount"] == 0
    assert book["change_id"] == before + 3


def test_the_ticker_has_the_books_top_the_last_trade_and_the_days_stats(mock):
    seed_book(mock)
    mock.deribit_fill("alice", PERP, "buy", "1000", "50000")
    mock.exchange.state.clock.advance(60)
    mock.deribit_fill("bob", PERP, "sell", "500", "50500")
    ticker = result(mock, "public/ticker", {"instrument_name": PERP})
    assert "bids" not in ticker and "change_id" not in ticker
    assert ticker["best_bid_price"] == 49990 and ticker["best_ask_amount"] == 70
    assert ticker["last_price"] == 50500 and ticker["interest_value"] == 0
    # Inverse perpetual: amounts in USD, the volume in BTC (1000/50000 + 500/50500).
    assert ticker["stats"] == {
        "volume": Decimal("0.02990099"), "volume_usd": 1500, "price_change": 1, "low": 50000, "high": 50500,
    }  # fmt: skip
    assert ticker["open_interest"] == 1000  # alice's long (bob's short is the other side, off the mock's book)
    mock.exchange.state.clock.advance(86_401)  # both trades over 24 hours old
    later = result(mock, "public/ticker", {"instrument_name": PERP})
    assert later["stats"]["volume"] is None and later["last_price"] == 50500


def test_an_options_ticker_has_greeks_volatility_and_its_underlying(mock):
    mock.deribit_order("alice", CALL, "buy", "1", "0.005")
    ticker = result(mock, "public/ticker", {"instrument_name": CALL})
    assert ticker["underlying_index"] == "index_price" and ticker["underlying_price"] == 50000
    assert ticker["mark_iv"] == 50 and ticker["interest_rate"] == 0 and ticker["best_bid_price"] == Decimal("0.005")
    assert set(ticker["greeks"]) == {"delta", "gamma", "vega", "theta", "rho"}
    assert 0 < ticker["greeks"]["delta"] < 1 and ticker["min_price"] <= ticker["mark_price"] <= ticker["max_price"]
    assert "funding_8h" not in ticker and "interest_value" not in ticker


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({}, "instrument_name"),
        ({"instrument_name": "NOT-AN-INSTRUMENT"}, "instrument_name"),
        ({"instrument_name": "x" * 5000}, "instrument_name"),
        ({"instrument_name": 42}, "instrument_name"),
        ({"instrument_name": PERP, "depth": 0}, "depth"),
        ({"instrument_name": PERP, "depth": -1}, "depth"),
        ({"instrument_name": PERP, "depth": 10_001}, "depth"),
        ({"instrument_name": PERP, "depth": 10**40}, "depth"),
        ({"instrument_name": PERP, "depth": 5.5}, "depth"),
        ({"instrument_name": PERP, "depth": "5"}, "depth"),
        ({"instrument_name": PERP, "depth": True}, "depth"),
    ],
)
def test_hostile_params_are_deribits_invalid_params(mock, params, param):
    error = rpc(mock, "public/get_order_book", params)["error"]
    assert error["code"] == -32602 and error["message"] == "Invalid params" and error["data"]["param"] == param


@pytest.mark.parametrize("depth", ["%D9%A3", "1e3", "0x10", "", "99999999999999999999999", "-5"])
def test_hostile_depth_in_a_query_string(mock, depth):
    url = f"{mock.deribit_url}/api/v2/public/get_order_book?instrument_name={PERP}&depth={depth}"
    response = plain_http.get(url, timeout=10)
    assert response.status_code == 400 and response.json()["error"]["code"] == -32602, response.text
    unknown = plain_http.get(f"{mock.deribit_url}/api/v2/public/ticker?instrument_name=%E2%82%BF", timeout=10)
    assert unknown.status_code == 400 and unknown.json()["error"]["data"]["param"] == "instrument_name"


# -- the websocket --------------------------------------------------------------------------------------------------


class Client(DeribitWs):
    async def auth(self) -> dict:  # type: ignore[override]
        reply = await super().auth("AliceKey", "alice-secret")
        assert "result" in reply, reply
        return reply


def run(mock: MockServer, body: Any) -> Any:
    async def go() -> Any:
        async with websockets.connect(mock.deribit_ws_url) as ws:
            return await body(Client(ws))

    return asyncio.run(go())


def apply(book: dict[Decimal, Decimal], entries: list[list[Any]]) -> None:
    for action, price, amount in entries:
        if action == "delete":
            del book[price]
        else:
            assert (price in book) == (action == "change"), (action, price, book)
            book[price] = amount


def test_book_channel_sends_a_snapshot_then_each_move_with_its_change_ids(mock):
    ids = seed_book(mock)

    async def body(client: Client) -> list[dict]:
        reply = await client.call("public/subscribe", {"channels": [f"book.{PERP}.100ms"]})
        assert reply["result"] == [f"book.{PERP}.100ms"]
        frames = [await client.notification()]
        await asyncio.to_thread(mock.deribit_order, "alice", PERP, "buy", "20", "49990")
        await asyncio.to_thread(mock.deribit_cancel_order, ids["ask"])
        await asyncio.to_thread(mock.deribit_order, "bob", PERP, "buy", "10", "49000")
        frames += [await client.notification() for _ in range(3)]
        return frames

    snapshot, *changes = [f["params"]["data"] for f in run(mock, body)]
    assert snapshot["type"] == "snapshot" and snapshot["instrument_name"] == PERP
    assert snapshot["bids"] == [["new", 49990, 150], ["new", Decimal("49980.5"), 30]]
    assert snapshot["asks"] == [["new", Decimal("50010.5"), 70], ["new", 50020, 20]]
    assert [c["type"] for c in changes] == ["change"] * 3
    assert [c["bids"] for c in changes] == [[["change", 49990, 170]], [], [["new", 49000, 10]]]
    assert changes[1]["asks"] == [["delete", Decimal("50010.5"), 0]]
    previous = snapshot["change_id"]
    for change in changes:
        assert change["prev_change_id"] == previous and change["change_id"] > previous
        previous = change["change_id"]
    read = result(mock, "public/get_order_book", {"instrument_name": PERP})
    assert read["change_id"] == previous


def test_snapshot_and_changes_are_the_book_while_orders_pour_in(mock):
    """Orders placed from another thread while the client subscribes: the snapshot plus the changes after it equal the
    book read at the end (no move lost or counted twice)."""
    stop = threading.Event()

    def pour() -> None:
        price = 40000
        while not stop.is_set() and price < 40400:
            mock.deribit_order("bob", PERP, "buy", "10", str(price))
            price += 1

    async def body(client: Client) -> dict[Decimal, Decimal]:
        worker = threading.Thread(target=pour)
        worker.start()
        await asyncio.sleep(0.01)
        await client.call("public/subscribe", {"channels": [f"book.{PERP}.100ms"]})
        await asyncio.to_thread(worker.join)
        snapshot = (await client.notification())["params"]["data"]
        bids = {price: amount for _, price, amount in snapshot["bids"]}
        last = snapshot["change_id"]
        final = result(mock, "public/get_order_book", {"instrument_name": PERP, "depth": 10_000})
        while last != final["change_id"]:
            change = (await client.notification())["params"]["data"]
            assert change["prev_change_id"] == last
            apply(bids, change["bids"])
            last = change["change_id"]
        assert [[p, a] for p, a in sorted(bids.items(), reverse=True)] == final["bids"]
        return bids

    try:
        assert len(run(mock, body)) > 0
    finally:
        stop.set()


def test_raw_channels_need_an_authorized_connection(mock):
    async def body(client: Client) -> None:
        refused = await client.call("public/subscribe", {"channels": [f"book.{PERP}.raw"]})
        assert refused["error"]["code"] == 13778
        assert refused["error"]["message"] == "raw_subscriptions_not_available_for_unauthorized"
        await client.auth()
        assert (await client.call("public/subscribe", {"channels": [f"book.{PERP}.raw"]}))["result"]
        assert (await client.notification())["params"]["data"]["type"] == "snapshot"

    run(mock, body)


@pytest.mark.parametrize(
    "channel",
    [
        "book.NOT-AN-INSTRUMENT.100ms", f"book.{PERP}.1s", f"book.{PERP}", f"ticker.{PERP}.100ms.x",
        f"book.{PERP}.3.10.100ms", f"book.{PERP}.10.7.100ms", f"book.{PERP}.10.10.raw", "ticker." + "x" * 5000 + ".raw",
    ],
)  # fmt: skip
def test_malformed_market_channels_are_invalid_params(mock, channel):
    async def body(client: Client) -> None:
        await client.auth()
        reply = await client.call("public/subscribe", {"channels": [channel]})
        assert reply["error"]["code"] == -32602 and reply["error"]["data"]["param"] == "channels", reply
        assert await client.quiet()

    run(mock, body)


def test_grouped_book_sends_the_top_levels_grouped_at_once_and_on_every_move(mock):
    seed_book(mock)

    async def body(client: Client) -> list[dict]:
        await client.call("public/subscribe", {"channels": [f"book.{PERP}.10.1.100ms", f"book.{PERP}.none.10.agg2"]})
        frames = [await client.notification(), await client.notification()]
        await asyncio.to_thread(mock.deribit_order, "alice", PERP, "buy", "70", "49999")
        frames += [await client.notification(), await client.notification()]
        return frames

    frames = {(f["params"]["channel"], i): f["params"]["data"] for i, f in enumerate(run(mock, body))}
    data = list(frames.values())
    by_channel = [(channel, d) for (channel, _), d in zip(frames, data, strict=True)]
    grouped = [d for channel, d in by_channel if ".10.1." in channel]
    plain = [d for channel, d in by_channel if ".none." in channel]
    assert grouped[0]["bids"] == [[49990, 150]] and grouped[0]["asks"] == [[50020, 90]]
    assert grouped[1]["bids"] == [[49990, 220]]
    assert plain[0]["bids"] == [[49990, 150], [Decimal("49980.5"), 30]]
    assert plain[1]["bids"][0] == [49999, 70] and "type" not in plain[1]
    assert grouped[1]["change_id"] == plain[1]["change_id"] > plain[0]["change_id"]


def test_ticker_channel_follows_the_book_trades_and_the_index(mock):
    seed_book(mock)

    async def body(client: Client) -> list[dict]:
        await client.call("public/subscribe", {"channels": [f"ticker.{PERP}.100ms"]})
        frames = [await client.notification()]
        await asyncio.to_thread(mock.set_index_price, "btc_usd", "51000")
        frames.append(await client.notification())
        await asyncio.to_thread(mock.deribit_order, "alice", PERP, "buy", "10", "50001")
        frames.append(await client.notification())
        await asyncio.to_thread(mock.deribit_fill, "alice", PERP, "buy", "10", "50002")
        frames.append(await client.notification())
        await asyncio.to_thread(mock.set_index_price, "eth_usd", "3000")  # another index: nothing
        await client.call("public/unsubscribe", {"channels": [f"ticker.{PERP}.100ms"]})
        await asyncio.to_thread(mock.set_index_price, "btc_usd", "52000")
        assert await client.quiet()
        return [f["params"]["data"] for f in frames]

    first, indexed, bid, traded = run(mock, body)
    assert first["index_price"] == 50000 and first["best_bid_price"] == 49990 and "bids" not in first
    assert indexed["index_price"] == 51000 and indexed["mark_price"] == 51000
    assert bid["best_bid_price"] == 50001 and bid["best_bid_amount"] == 10
    assert traded["last_price"] == 50002 and traded["stats"]["volume_usd"] == 10


def test_unsubscribe_all_stops_the_book_and_the_connection_leaves_the_fanout(mock):
    async def body(client: Client) -> None:
        await client.call("public/subscribe", {"channels": [f"book.{PERP}.100ms", f"ticker.{CALL}.100ms"]})
        await client.notification()
        await client.notification()
        assert (await client.call("public/unsubscribe_all"))["result"] == "ok"
        await asyncio.to_thread(mock.deribit_order, "alice", PERP, "buy", "10", "1000")
        assert await client.quiet()

    run(mock, body)


def test_the_book_comes_back_after_a_restart_and_after_a_reset(tmp_path):
    """A state file's snapshot or its commands bring the resting orders back, and the book is built from them; a reset
    empties it (change ids go on growing)."""
    path = tmp_path / "state.db"
    with MockServer(state=str(path)) as mock:
        mock.create_deribit_account("alice", balances={"BTC": "10"})
        mock.create_deribit_account("bob", balances={"BTC": "10"})
        mock.set_index_price("btc_usd", "50000")
        seed_book(mock)
        before = result(mock, "public/get_order_book", {"instrument_name": PERP})
    for replayed in (False, True):  # from the snapshot, then from the commands alone
        if replayed:
            with closing(sqlite3.connect(path)) as db, db:
                db.execute("DELETE FROM snapshots")
        with MockServer(state=str(path)) as again:
            book = result(again, "public/get_order_book", {"instrument_name": PERP})
            assert (book["bids"], book["asks"]) == (before["bids"], before["asks"])
    with MockServer(clock=ManualClock()) as mock:
        mock.create_deribit_account("alice", balances={"BTC": "10"})
        mock.create_deribit_account("bob", balances={"BTC": "10"})
        mock.set_index_price("btc_usd", "50000")
        seed_book(mock)
        last = result(mock, "public/get_order_book", {"instrument_name": PERP})["change_id"]
        plain_http.post(f"{mock.base_url}/_admin/reset", timeout=10).raise_for_status()
        mock.set_index_price("btc_usd", "50000")
        mock.create_deribit_account("bob", balances={"BTC": "10"})
        mock.deribit_order("bob", PERP, "buy", "10", "100")
        book = result(mock, "public/get_order_book", {"instrument_name": PERP})
        assert book["bids"] == [[100, 10]] and book["asks"] == [] and book["change_id"] > last
