"""What a delivery writes, over real HTTP (core/deribit/expiry.py): a subaccount's position delivered into its own
wallet; each holder's transaction log row of the delivery, at the expiry (not when the clock came past it), with every
field Deribit's has; the public settlement of the instrument summing every wallet's (the long side delivered, every
holder's P&L), and an option's (its value as its mark, its index's day of delivery); a resting order the
delivery ends, told on the user.orders channel; and an expiry ahead delivered at its index when later points fill the
index's path."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import websockets
from test_deribit_expiry import CALL, START, WEEKLY, WEEKLY_EXPIRY, admin, rpc

from mockexchange.core.clock import ManualClock, unix_ms
from mockexchange.server import MockServer
from mockexchange.venues.deribit.render import PRICE, SUMMARY, rounded


def _pl(size: int, entry: int, price: int) -> Decimal:
    """An inverse future's P&L in BTC: size x (1 / entry - 1 / price)."""
    return Decimal(size) * (Decimal(price) - Decimal(entry)) / (Decimal(entry) * Decimal(price))


@pytest.fixture
def mock() -> Iterator[MockServer]:
    with MockServer(clock=ManualClock(START)) as server:
        for user in ("alice", "bob", "carol"):
            server.create_deribit_account(user, balances={"BTC": "10"})
        yield server


def test_a_delivery_writes_each_wallet_its_row_and_the_instrument_its_settlement(mock: MockServer) -> None:
    """Alice's subaccount buys 1,000 at 60,000 and carol 500 at 61,000, bob sells the 1,500; delivered at the index
    of 66,000 when the clock passes the expiry an hour late."""
    sub = mock.create_deribit_subaccount("alice", balances={"BTC": "2"})["id"]
    mock.deribit_fill("alice", WEEKLY, "buy", "1000", "60000", subaccount_id=sub)
    mock.deribit_fill("carol", WEEKLY, "buy", "500", "61000")
    mock.deribit_fill("bob", WEEKLY, "sell", "1500", "60000")
    mock.set_index_price("btc_usd", "66000")
    assert admin(mock, "clock", {"to": "2026-03-13T09:00:00Z"}).status_code == 200
    wallets = mock.exchange.accounts
    assert wallets.wallet("alice", sub).balance("BTC") == 2 + _pl(1000, 60000, 66000)
    assert wallets.wallet("alice").balance("BTC") == 10  # (the main account held nothing)
    carol = mock.create_deribit_key("carol")
    logs = rpc(mock, carol, "private/get_transaction_log", currency="BTC", start_timestamp=0,
               end_timestamp=unix_ms(WEEKLY_EXPIRY) + 10**8)["logs"]  # fmt: skip
    (row,) = [log for log in logs if log["type"] == "delivery"]
    earned = rounded(_pl(500, 61000, 66000), SUMMARY)
    assert {k: row[k] for k in ("timestamp", "instrument_name", "side", "amount", "price", "position",
                                "mark_price", "index_price", "settlement_price", "change")} == {  # fmt: skip
        "timestamp": unix_ms(WEEKLY_EXPIRY), "instrument_name": WEEKLY, "side": "close sell", "amount": 500,
        "price": 66000, "position": 0, "mark_price": 66000, "index_price": 66000, "settlement_price": 66000,
        "change": earned,
    }  # fmt: skip
    bob = mock.create_deribit_key("bob")
    logs = rpc(mock, bob, "private/get_transaction_log", currency="BTC", start_timestamp=0,
               end_timestamp=unix_ms(WEEKLY_EXPIRY) + 10**8)["logs"]  # fmt: skip
    assert [(log["side"], log["amount"]) for log in logs if log["type"] == "delivery"] == [("close buy", 1500)]
    (settled,) = rpc(mock, carol, "public/get_last_settlements_by_instrument", instrument_name=WEEKLY)["settlements"]
    every = _pl(1000, 60000, 66000) + _pl(500, 61000, 66000) + _pl(-1500, 60000, 66000)
    assert (settled["position"], settled["profit_loss"]) == (1500, rounded(every, SUMMARY))


def test_a_resting_order_ended_by_its_delivery_is_notified_on_user_orders(mock: MockServer) -> None:
    """Alice's bid on the weekly future rests until the clock passes the expiry: user.orders tells her it ended,
    `cancelled` by `settlement`, at the expiry."""
    key = mock.create_deribit_key("alice")
    resting = mock.deribit_order("alice", WEEKLY, "buy", "1000", "50000")

    async def go() -> dict:
        async with websockets.connect(mock.deribit_ws_url) as ws:
            await ws.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "public/auth", "params": {
                "grant_type": "client_credentials", "client_id": key["client_id"],
                "client_secret": key["client_secret"]}}))  # fmt: skip
            assert "result" in json.loads(await ws.recv())
            channel = f"user.orders.{WEEKLY}.raw"
            await ws.send(json.dumps({"jsonrpc": "2.0", "id": 2, "method": "private/subscribe",
                                      "params": {"channels": [channel]}}))  # fmt: skip
            assert json.loads(await ws.recv())["result"] == [channel]
            moved = await asyncio.to_thread(admin, mock, "clock", {"to": "2026-03-13T09:00:00Z"})
            assert moved.status_code == 200
            return json.loads(await asyncio.wait_for(ws.recv(), 5))["params"]["data"]

    ended = asyncio.run(go())
    assert (ended["order_id"], ended["order_state"], ended["cancel_reason"]) == (
        resting["order_id"], "cancelled", "settlement"
    )  # fmt: skip
    assert ended["last_update_timestamp"] == unix_ms(WEEKLY_EXPIRY)


def test_an_options_public_settlement_shows_its_value_and_its_index_day(mock: MockServer) -> None:
    """A call on 60,000 settled at 66,000 is worth 6,000 / 66,000 BTC: its public settlement's mark is that value (not
    the price), its holders' P&L together nothing (alice long 2 from bob), and its index lists the day's delivery."""
    mock.deribit_fill("alice", CALL, "buy", "2", "0.05")
    mock.deribit_fill("bob", CALL, "sell", "2", "0.05")
    assert admin(mock, "deribit/settlement_prices", {"instrument_name": CALL, "price": "66000"}).status_code == 200
    assert admin(mock, "clock", {"to": "2026-05-01T00:00:00Z"}).status_code == 200
    key = mock.create_deribit_key("alice")
    (settled,) = rpc(mock, key, "public/get_last_settlements_by_instrument", instrument_name=CALL)["settlements"]
    value = Decimal(6000) / Decimal(66000)
    assert (settled["position"], settled["mark_price"], settled["profit_loss"]) == (2, rounded(value, PRICE), 0)
    days = rpc(mock, key, "public/get_delivery_prices", index_name="btc_usd")["data"]
    assert "2026-04-24" in {day["date"] for day in days}


def test_an_expiry_ahead_delivers_at_its_index_after_10000_later_points_are_set(mock: MockServer) -> None:
    """Alice holds a call on 55,000 bought at the default index (60,000); then 10,000 index points are set from a day
    after the call's expiry on, past what a path keeps: the point in force now stays, so the index still reads 60,000
    and the expiry delivers at it (the call's value 5,000 / 60,000 BTC), where a path cut to its newest 10,000 had no
    price for the expiry and never delivered."""
    call = "BTC-24APR26-55000-C"
    mock.deribit_fill("alice", call, "buy", "1", "0.1")
    mock.deribit_fill("bob", call, "sell", "1", "0.1")
    later = datetime(2026, 4, 25, 8, 0, tzinfo=UTC)
    path = [{"at": (later + timedelta(seconds=i)).isoformat(), "price": "70000"} for i in range(10_000)]
    assert admin(mock, "deribit/index_paths", {"index_name": "btc_usd", "path": path}).json()["price"] == "60000"
    assert admin(mock, "clock", {"to": "2026-04-24T09:00:00Z"}).status_code == 200
    key = mock.create_deribit_key("alice")
    (settled,) = rpc(mock, key, "private/get_settlement_history_by_currency", currency="BTC")["settlements"]
    value = Decimal(5000) / Decimal(60000)
    assert (settled["instrument_name"], settled["index_price"], settled["mark_price"]) == (
        call, 60000, rounded(value, PRICE)
    )  # fmt: skip
    assert rpc(mock, key, "private/get_position", instrument_name=call)["size"] == 0
