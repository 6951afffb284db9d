"""The Deribit account's records as clients see them: private/get_transaction_log (every cash move, its fields,
`continuation` paging, `query`), the user.portfolio notification of a move made over the websocket, and a restart from
the state file answering every account read with the same bytes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import websockets
from deribit_rpc import Deribit
from state_sql import sql

from mockexchange.control.errors import ControlError
from mockexchange.core.clock import ManualClock, unix_ms
from mockexchange.server import MockServer

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FUTURE = "BTC-13MAR26"
WIDE = {"start_timestamp": 0, "end_timestamp": 10**13}


@pytest.fixture
def mock() -> Iterator[MockServer]:
    with MockServer(clock=ManualClock(START)) as server:
        yield server


def every_move(mock: MockServer) -> Deribit:
    """alice: a deposit, a trade, a transfer to her subaccount and one to bob, a withdrawal then its cancelling, and
    the delivery of a future at its expiry; a minute apart."""
    mock.create_deribit_account("alice", balances={"BTC": "10"}, account_id=2001)
    mock.create_deribit_subaccount("alice", subaccount_id=2002, username="alice_sub")
    mock.create_deribit_account("bob", account_id=3001)
    alice = Deribit(mock, mock.create_deribit_key("alice"))
    mock.set_index_price("btc_usd", "60000")
    steps = [
        lambda: mock.deribit_deposit("alice", "BTC", "2"),
        lambda: mock.deribit_fill("alice", FUTURE, "buy", "6000", "60000", fee="0.00005"),
        lambda: alice.result("private/submit_transfer_to_subaccount", currency="BTC", amount=1, destination=2002),
        lambda: alice.result("private/submit_transfer_to_user", currency="BTC", amount=0.5, destination="bob"),
        lambda: alice.result("private/withdraw", currency="BTC", amount=1, address="bc1qdest"),
    ]
    for step in steps:
        made = step()
        mock.advance_clock(seconds=60)
    alice.result("private/cancel_withdrawal", currency="BTC", id=made["id"])
    mock.set_settlement_price(FUTURE, "66000")
    mock.advance_clock(to="2026-03-13T08:00:01+00:00")
    return alice


def test_the_log_holds_every_cash_move_newest_first_with_the_balance_after(mock: MockServer) -> None:
    alice = every_move(mock)
    logs = alice.decimal("private/get_transaction_log", currency="BTC", **WIDE)["logs"]
    kinds = [(row["type"], row["change"]) for row in logs]
    assert kinds == [
        ("delivery", Decimal("0.00909091")),  # 6000 USD long from 60000 to 66000: 6000/60000 - 6000/66000
        ("withdrawal", Decimal("1.0001")),  # the cancelled withdrawal's amount and fee come back
        ("withdrawal", Decimal("-1.0001")),
        ("transfer", Decimal("-0.5")),
        ("transfer", Decimal(-1)),
        ("trade", Decimal("-0.00005")),
        ("deposit", Decimal(2)),
    ]
    assert [row["user_seq"] for row in logs] == [7, 6, 5, 4, 3, 2, 1]
    balances = [row["balance"] for row in logs]
    assert balances[0] == alice.decimal("private/get_account_summary", currency="BTC")["balance"]
    for newer, older in zip(logs, logs[1:], strict=False):
        # each balance is the one after its move (to the 8 places both are written with)
        assert abs(newer["balance"] - older["balance"] - newer["change"]) <= Decimal("0.00000001")
    trade = logs[5]
    assert (
        trade["instrument_name"] == FUTURE and trade["side"] == "open buy" and trade["commission"] == Decimal("0.00005")
    )
    assert trade["amount"] == 6000 and trade["price"] == 60000 and trade["position"] == 6000
    assert trade["user_id"] == 2001 and trade["username"] == "alice" and trade["user_role"] == "taker"
    assert logs[0]["side"] == "close sell" and logs[0]["position"] == 0
    assert logs[3]["info"]["other_side"] == "bob" and logs[2]["info"]["address"] == "bc1qdest"
    assert logs[6]["timestamp"] == unix_ms(START)
    sub = alice.result("private/get_transaction_log", currency="BTC", subaccount_id=2002, **WIDE)["logs"]
    assert [(row["type"], row["change"], row["info"]["other_side"]) for row in sub] == [("transfer", 1, "alice")]


def test_continuation_pages_through_the_log_and_query_filters_it(mock: MockServer) -> None:
    alice = every_move(mock)
    whole = alice.result("private/get_transaction_log", currency="BTC", **WIDE)["logs"]
    pages, continuation = [], None
    while True:
        extra = {} if continuation is None else {"continuation": continuation}
        page = alice.result("private/get_transaction_log", currency="BTC", count=3, **WIDE, **extra)
        pages += page["logs"]
        continuation = page["continuation"]
        if continuation is None:
            break
        assert len(page["logs"]) == 3
    assert pages == whole
    minute = unix_ms(START)
    window = alice.result("private/get_transaction_log", currency="BTC", start_timestamp=minute + 60_000,
                          end_timestamp=minute + 120_000)["logs"]  # fmt: skip
    assert [row["type"] for row in window] == ["transfer", "trade"]
    query = alice.result("private/get_transaction_log", currency="BTC", query="transfer", **WIDE)["logs"]
    assert [row["type"] for row in query] == ["transfer", "transfer"]
    opened = alice.result("private/get_transaction_log", currency="BTC", query="open buy", **WIDE)["logs"]
    assert [row["type"] for row in opened] == ["trade"]
    assert alice.result("private/get_transaction_log", currency="BTC", query="swap", **WIDE)["logs"] == []
    assert alice.result("private/get_transaction_log", currency="ETH", **WIDE) == {"logs": [], "continuation": None}


def test_a_transfer_made_over_the_websocket_notifies_both_portfolios(mock: MockServer) -> None:
    mock.create_deribit_account("alice", balances={"BTC": "10"}, account_id=2001)
    mock.create_deribit_account("bob", balances={"BTC": "1"}, account_id=3001)
    keys = {user: mock.create_deribit_key(user) for user in ("alice", "bob")}

    async def session(user: str) -> Any:
        ws = await websockets.connect(mock.deribit_ws_url)
        auth = {"grant_type": "client_credentials", **{k: keys[user][k] for k in ("client_id", "client_secret")}}
        await ws.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "public/auth", "params": auth}))
        assert "result" in json.loads(await ws.recv())
        channels = {"channels": ["user.portfolio.btc"]}
        await ws.send(json.dumps({"jsonrpc": "2.0", "id": 2, "method": "private/subscribe", "params": channels}))
        assert json.loads(await ws.recv())["result"] == ["user.portfolio.btc"]
        first = json.loads(await asyncio.wait_for(ws.recv(), 5))  # the channel's first, once subscribed
        assert first["params"]["data"]["balance"] == {"alice": 10, "bob": 1}[user]
        return ws

    async def go() -> tuple[dict, dict, dict]:
        alice, bob = await session("alice"), await session("bob")
        transfer = {"currency": "BTC", "amount": 2.5, "destination": "bob"}
        await alice.send(json.dumps({"jsonrpc": "2.0", "id": 3, "method": "private/submit_transfer_to_user",
                                     "params": transfer}))  # fmt: skip
        frames = [json.loads(await asyncio.wait_for(alice.recv(), 5)) for _ in range(2)]
        reply = next(f for f in frames if f.get("id") == 3)
        mine = next(f for f in frames if f.get("method") == "subscription")
        theirs = json.loads(await asyncio.wait_for(bob.recv(), 5))
        await alice.close()
        await bob.close()
        return reply, mine, theirs

    reply, mine, theirs = asyncio.run(go())
    assert reply["result"]["other_side"] == "bob" and reply["result"]["amount"] == 2.5
    assert mine["params"]["channel"] == "user.portfolio.btc" and mine["params"]["data"]["balance"] == 7.5
    assert theirs["params"]["data"]["balance"] == 3.5


ACCOUNT_READS = [
    ("private/get_subaccounts", {"with_portfolio": True}),
    ("private/get_account_summaries", {}),
    ("private/get_transfers", {"currency": "BTC"}),
    ("private/get_withdrawals", {"currency": "BTC"}),
    ("private/get_deposits", {"currency": "BTC"}),
    ("private/get_current_deposit_address", {"currency": "BTC"}),
    ("private/get_transaction_log", {"currency": "BTC", **WIDE}),
]


def _bytes(client: Deribit) -> list[bytes]:
    """Each read's reply without the server's time stamps: the state's bytes."""
    found = []
    for method, params in ACCOUNT_READS:
        for extra in ({}, {"subaccount_id": 2002}) if method != "private/get_subaccounts" else ({},):
            reply = client.rpc(method, **params, **extra)
            assert "result" in reply, reply
            found.append(json.dumps({"id": reply["id"], "result": reply["result"]}).encode())
    return found


@pytest.mark.slow
def test_a_restart_restores_what_clients_changed_byte_for_byte(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    with MockServer(state=str(path), clock=ManualClock(START)) as first:
        alice = every_move(first)
        key = {"client_id": "AliceKept", "client_secret": "kept-secret"}
        first.create_deribit_key("alice", **key)
        alice = Deribit(first, key)
        made = alice.result("private/create_subaccount")
        alice.result("private/change_subaccount_name", sid=made["id"], name="desk")
        alice.result("private/toggle_subaccount_login", sid=2002, state="enable")
        alice.result("private/create_deposit_address", currency="BTC")
        alice.result("private/withdraw", currency="BTC", amount=0.25, address="bc1qkept", nonce="kept-nonce")
        assert alice.rpc("private/submit_transfer_to_user", currency="BTC", amount=1, destination="nobody")["error"]
        before = _bytes(alice)
    for drop_snapshots in (False, True):
        if drop_snapshots:
            sql(path, "DELETE FROM snapshots")
        with MockServer(state=str(path)) as again:
            assert _bytes(Deribit(again, key)) == before


def test_a_trades_log_row_says_whether_it_opens_or_closes_and_names_its_trade(mock: MockServer) -> None:
    """Alice buys 6,000 USD of the future, sells 10,000 (closing her long through zero), sells 2,000 more (adding to
    her short) and buys 1,000 (closing part of it): open buy, close sell, open sell, close buy. The close through zero
    realizes the long's profit, 6,000/60,000 - 6,000/66,000 BTC."""
    mock.create_deribit_account("alice", balances={"BTC": "10"}, account_id=2001)
    alice = Deribit(mock, mock.create_deribit_key("alice"))
    mock.set_index_price("btc_usd", "60000")
    trades = [
        mock.deribit_fill("alice", FUTURE, direction, amount, price)
        for direction, amount, price in (("buy", "6000", "60000"), ("sell", "10000", "66000"),
                                         ("sell", "2000", "66000"), ("buy", "1000", "66000"))
    ]  # fmt: skip
    logs = alice.decimal("private/get_transaction_log", currency="BTC", **WIDE)["logs"][::-1]
    assert [(row["side"], row["position"]) for row in logs] == [
        ("open buy", 6000), ("close sell", -4000), ("open sell", -6000), ("close buy", -5000)]  # fmt: skip
    assert [(row["trade_id"], row["order_id"]) for row in logs] == [(t["trade_id"], t["order_id"]) for t in trades]
    assert [(row["mark_price"], row["index_price"]) for row in logs] == [(60000, 60000)] * 4
    assert logs[1]["cashflow"] == logs[1]["change"] == Decimal("0.00909091")
    closed = trades[3]["profit_loss"]  # (closed at its entry: no P&L, and not written "-0")
    assert Decimal(closed) == 0 and not closed.startswith("-")


def test_a_fill_at_its_instruments_expiry_instant_is_refused(mock: MockServer) -> None:
    """At 08:00 on its expiry day the future is delivered: a fill then would open a position in it again."""
    mock.create_deribit_account("alice", balances={"BTC": "10"}, account_id=2001)
    mock.set_index_price("btc_usd", "60000")
    mock.deribit_fill("alice", FUTURE, "buy", "10", "60000")
    mock.advance_clock(to="2026-03-13T08:00:00+00:00")
    with pytest.raises(ControlError) as refused:
        mock.deribit_fill("alice", FUTURE, "buy", "10", "60000")
    assert (str(refused.value), refused.value.status) == (f"{FUTURE} has expired", 409)
    alice = Deribit(mock, mock.create_deribit_key("alice"))
    assert alice.result("private/get_positions", currency="BTC") == []
