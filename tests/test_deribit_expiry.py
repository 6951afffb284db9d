"""Futures and options expire on the exchange clock and are delivered: over real HTTP and the websocket, moved by
POST /_admin/clock (a manual clock, and the system clock with no scenario), with the settlement price set through
the admin API or the index in force at the expiry; perpetuals are untouched; a state file brings the same back."""

from __future__ import annotations

import asyncio
import base64
import json
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import plain_http
import pytest
import websockets

from mockexchange.core.clock import ManualClock, unix_ms
from mockexchange.server import MockServer
from mockexchange.venues.deribit.render import PRICE, SUMMARY, rounded

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
WEEKLY, MONTHLY = "BTC-13MAR26", "BTC-24APR26"  # the default instruments listed on START
CALL, PUT = "BTC-24APR26-60000-C", "BTC-24APR26-65000-P"
LINEAR = "BTC_USDC-24APR26"
WEEKLY_EXPIRY = datetime(2026, 3, 13, 8, 0, tzinfo=UTC)
MONTHLY_EXPIRY = datetime(2026, 4, 24, 8, 0, tzinfo=UTC)


def rpc(mock: MockServer, key: dict[str, Any], method: str, **params: Any) -> Any:
    token = base64.b64encode(f"{key['client_id']}:{key['client_secret']}".encode()).decode()
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
    r = plain_http.post(
        f"{mock.deribit_url}/api/v2", content=json.dumps(body), headers={"Authorization": f"Basic {token}"}
    )
    answer = json.loads(r.text, parse_float=Decimal)
    assert "result" in answer, answer
    return answer["result"]


def admin(mock: MockServer, path: str, body: dict[str, Any]) -> httpx.Response:
    return plain_http.post(f"{mock.base_url}/_admin/{path}", json=body, timeout=10)


@pytest.fixture
def mock() -> Iterator[MockServer]:
    with MockServer(clock=ManualClock(START)) as server:
        yield server


def open_positions(mock: MockServer) -> dict[str, Any]:
    mock.create_deribit_account("alice", balances={"BTC": "10", "USDC": "100000"})
    key = mock.create_deribit_key("alice")
    mock.deribit_fill("alice", "BTC-PERPETUAL", "buy", "5000", "60000")
    mock.deribit_fill("alice", WEEKLY, "buy", "1000", "60000", fee="0.00001")
    mock.deribit_fill("alice", MONTHLY, "sell", "3000", "62000")
    mock.deribit_fill("alice", CALL, "buy", "2", "0.05")
    mock.deribit_fill("alice", PUT, "sell", "1", "0.02")
    mock.deribit_fill("alice", LINEAR, "buy", "0.5", "61000")
    return key


@pytest.mark.slow
def test_the_clock_passing_an_expiry_delivers_futures_and_options(mock: MockServer) -> None:
    key = open_positions(mock)
    before = mock.exchange.accounts.wallet("alice").balance("BTC")
    mock.set_index_price("btc_usd", "66000")
    # passing the weekly expiry: only the weekly future is delivered, at the index in force then
    assert admin(mock, "clock", {"to": "2026-03-13T09:00:00Z"}).status_code == 200
    mock.set_index_price("btc_usd", "70000")  # after the expiry: too late to change the delivery
    weekly_pl = Decimal(1000) * (Decimal(66000) - Decimal(60000)) / (Decimal(60000) * Decimal(66000))
    assert mock.exchange.accounts.wallet("alice").balance("BTC") == before + weekly_pl
    (row,) = rpc(mock, key, "private/get_settlement_history_by_currency", currency="BTC")["settlements"]
    assert row == {
        "type": "delivery", "timestamp": unix_ms(WEEKLY_EXPIRY), "instrument_name": WEEKLY, "position": 1000,
        "mark_price": 66000, "index_price": 66000, "profit_loss": rounded(weekly_pl, SUMMARY),
        "session_profit_loss": rounded(weekly_pl, SUMMARY), "funding": 0,
    }  # fmt: skip
    weekly = rpc(mock, key, "private/get_position", instrument_name=WEEKLY)
    assert weekly["size"] == 0 and weekly["settlement_price"] == 66000
    assert weekly["realized_profit_loss"] == rounded(weekly_pl, 9)
    assert WEEKLY not in {p["instrument_name"] for p in rpc(mock, key, "private/get_positions", currency="BTC")}
    refused = admin(mock, "deribit/fills", {"user_id": "alice", "instrument_name": WEEKLY, "direction": "buy",
                                            "amount": "10", "price": "60000"})  # fmt: skip
    assert refused.status_code == 409 and "expired" in refused.json()["error"]

    # the monthly options settle at the price set for them; the monthly futures at the index (70000)
    for name in (CALL, PUT):
        assert admin(mock, "deribit/settlement_prices", {"instrument_name": name, "price": "66000"}).status_code == 200
    btc_before, usdc_before = (
        mock.exchange.accounts.wallet("alice").balance("BTC"),
        mock.exchange.accounts.wallet("alice").balance("USDC"),
    )
    assert admin(mock, "clock", {"to": "2026-05-01T00:00:00Z"}).json()["exchange_time"] == "2026-05-01T00:00:00+00:00"
    monthly_pl = Decimal(-3000) * (Decimal(70000) - Decimal(62000)) / (Decimal(62000) * Decimal(70000))
    call_value = Decimal(6000) / Decimal(66000)  # BTC per option: (66000 - 60000) / 66000; the put pays nothing
    assert mock.exchange.accounts.wallet("alice").balance("BTC") == btc_before + monthly_pl + 2 * call_value
    history = rpc(mock, key, "private/get_settlement_history_by_currency", currency="BTC")["settlements"]
    assert [r["instrument_name"] for r in history] == [PUT, CALL, MONTHLY, WEEKLY]  # newest first, by name at a tie
    call = history[1]
    assert call["position"] == 2 and call["mark_price"] == rounded(call_value, PRICE)
    assert call["profit_loss"] == rounded(2 * (call_value - Decimal("0.05")), SUMMARY)
    assert (
        history[0]["position"] == -1 and history[0]["mark_price"] == 0 and history[0]["profit_loss"] == Decimal("0.02")
    )
    usdc = rpc(mock, key, "private/get_settlement_history_by_currency", currency="USDC")["settlements"]
    assert [r["instrument_name"] for r in usdc] == [LINEAR]
    index_usdc = mock.exchange.market.index_price("btc_usdc")
    linear_pl = Decimal("0.5") * (index_usdc - Decimal(61000))
    assert (
        usdc[0]["profit_loss"] == linear_pl
        and mock.exchange.accounts.wallet("alice").balance("USDC") == usdc_before + linear_pl
    )
    # the perpetual never expires
    perpetual = rpc(mock, key, "private/get_position", instrument_name="BTC-PERPETUAL")
    assert perpetual["size"] == 5000 and perpetual["average_price"] == 60000
    assert [p["instrument_name"] for p in rpc(mock, key, "private/get_positions", currency="BTC")] == ["BTC-PERPETUAL"]


def test_settlement_history_pages_and_filters(mock: MockServer) -> None:
    key = open_positions(mock)
    mock.advance_clock(to="2026-05-01T00:00:00Z")
    first = rpc(mock, key, "private/get_settlement_history_by_currency", currency="BTC", count=3)
    assert [r["instrument_name"] for r in first["settlements"]] == [PUT, CALL, MONTHLY]
    assert isinstance(first["continuation"], str)
    rest = rpc(mock, key, "private/get_settlement_history_by_currency", currency="BTC",
               continuation=first["continuation"])  # fmt: skip
    assert [r["instrument_name"] for r in rest["settlements"]] == [WEEKLY] and rest["continuation"] is None
    by_name = rpc(mock, key, "private/get_settlement_history_by_instrument", instrument_name=CALL)
    assert [r["instrument_name"] for r in by_name["settlements"]] == [CALL]
    assert rpc(mock, key, "private/get_settlement_history_by_currency", currency="BTC", type="settlement") == {
        "settlements": [], "continuation": None,
    }  # fmt: skip
    early = rpc(mock, key, "private/get_settlement_history_by_currency", currency="BTC",
                search_start_timestamp=unix_ms(WEEKLY_EXPIRY))  # fmt: skip
    assert [r["instrument_name"] for r in early["settlements"]] == [WEEKLY]
    # another user sees none of it
    mock.create_deribit_account("bob", balances={"BTC": "1"})
    bob = mock.create_deribit_key("bob")
    assert rpc(mock, bob, "private/get_settlement_history_by_currency", currency="BTC")["settlements"] == []
    for bad in ({"count": 0}, {"continuation": "zzz"}, {"type": "funding"}, {"currency": "any"}):
        body = {"jsonrpc": "2.0", "id": 1, "method": "private/get_settlement_history_by_currency",
                "params": {"currency": "BTC"} | bad}  # fmt: skip
        token = base64.b64encode(f"{key['client_id']}:{key['client_secret']}".encode()).decode()
        r = plain_http.post(f"{mock.deribit_url}/api/v2", json=body, headers={"Authorization": f"Basic {token}"})
        assert r.status_code == 400 and r.json()["error"]["code"] == -32602, (bad, r.text)


def test_a_delivery_notifies_user_changes_and_portfolio(mock: MockServer) -> None:
    key = open_positions(mock)
    mock.set_index_price("btc_usd", "66000")

    async def go() -> list[dict[str, Any]]:
        async with websockets.connect(mock.deribit_ws_url) as ws:
            await ws.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "public/auth", "params": {
                "grant_type": "client_credentials", "client_id": key["client_id"],
                "client_secret": key["client_secret"]}}))  # fmt: skip
            assert "result" in json.loads(await ws.recv())
            channels = ["user.changes.future.btc.raw", "user.portfolio.btc", "user.trades.any.any.raw"]
            await ws.send(json.dumps({"jsonrpc": "2.0", "id": 2, "method": "private/subscribe",
                                      "params": {"channels": channels}}))  # fmt: skip
            assert json.loads(await ws.recv())["result"] == channels
            first = json.loads(await asyncio.wait_for(ws.recv(), 5))  # the portfolio's, once subscribed
            assert first["params"]["channel"] == "user.portfolio.btc"
            moved = await asyncio.to_thread(admin, mock, "clock", {"to": "2026-03-14T00:00:00Z"})
            assert moved.status_code == 200
            got = [json.loads(await asyncio.wait_for(ws.recv(), 5), parse_float=Decimal) for _ in range(2)]
            with pytest.raises(asyncio.TimeoutError):  # nothing on user.trades: a delivery is not a trade
                await asyncio.wait_for(ws.recv(), 0.5)
            # the same methods over the websocket
            for number, (method, params) in enumerate([
                ("private/get_settlement_history_by_currency", {"currency": "BTC"}),
                ("private/get_user_trades_by_instrument", {"instrument_name": WEEKLY, "historical": True}),
            ], start=3):  # fmt: skip
                await ws.send(json.dumps({"jsonrpc": "2.0", "id": number, "method": method, "params": params}))
                reply = json.loads(await asyncio.wait_for(ws.recv(), 5))
                assert reply["id"] == number, reply
                got.append({"params": {"channel": method, "data": reply["result"]}})
            return got

    got = {m["params"]["channel"]: m["params"]["data"] for m in asyncio.run(go())}
    changes = got["user.changes.future.btc.raw"]
    assert changes["instrument_name"] == WEEKLY and changes["trades"] == [] and changes["orders"] == []
    assert [(p["instrument_name"], p["size"]) for p in changes["positions"]] == [(WEEKLY, 0)]
    with mock.exchange.reading():
        balance = mock.exchange.valuation.account_summary("alice", "BTC").balance
    assert got["user.portfolio.btc"]["balance"] == rounded(balance, SUMMARY)
    (delivered,) = got["private/get_settlement_history_by_currency"]["settlements"]
    assert (delivered["instrument_name"], delivered["index_price"]) == (WEEKLY, 66000)
    (trade,) = got["private/get_user_trades_by_instrument"]["trades"]
    assert (trade["instrument_name"], trade["amount"], trade["direction"]) == (WEEKLY, 1000, "buy")


def test_the_system_clock_moves_without_a_scenario_and_delivers(tmp_path: Path) -> None:
    """No scenario, the system clock: POST /_admin/clock moves it on, the weekly future is delivered; a restart from
    the state file (without its snapshot: every command again; with it) comes back with the same."""
    path = tmp_path / "state.db"
    with MockServer(state=str(path)) as mock:
        mock.create_deribit_account("alice", balances={"BTC": "10"})
        key = mock.create_deribit_key("alice")
        weekly = next(i for i in mock.exchange.market.instruments("BTC", "future") if not i.is_perpetual)
        mock.deribit_fill("alice", weekly.instrument_name, "buy", "1000", "60000")
        mock.set_index_price("btc_usd", "64000")
        assert weekly.expiration is not None
        seconds = (weekly.expiration - datetime.now(UTC)).total_seconds() + 3600
        r = admin(mock, "clock", {"seconds": seconds})
        assert r.status_code == 200 and r.json()["clock"] == "system"
        mock.set_index_price("btc_usd", "50000")
        history = rpc(mock, key, "private/get_settlement_history_by_currency", currency="BTC")
        assert [(s["instrument_name"], s["index_price"]) for s in history["settlements"]] == [
            (weekly.instrument_name, 64000)
        ]
        balance = mock.exchange.accounts.wallet("alice").balance("BTC")
        assert balance == Decimal(10) + Decimal(1000) * Decimal(4000) / (Decimal(60000) * Decimal(64000))
        ahead = datetime.fromisoformat(mock.clock()["exchange_time"]) - datetime.now(UTC)
    with MockServer(state=str(path)) as again:
        assert rpc(again, key, "private/get_settlement_history_by_currency", currency="BTC") == history
        assert again.exchange.accounts.wallet("alice").balance("BTC") == balance
        assert datetime.fromisoformat(again.clock()["exchange_time"]) - datetime.now(UTC) > ahead - timedelta(60)
    db = sqlite3.connect(path)
    with db:
        db.execute("DELETE FROM snapshots")
    db.close()
    time.sleep(0.01)
    with MockServer(state=str(path)) as replayed:
        assert rpc(replayed, key, "private/get_settlement_history_by_currency", currency="BTC") == history
        assert replayed.exchange.accounts.wallet("alice").balance("BTC") == balance
        assert datetime.fromisoformat(replayed.clock()["exchange_time"]) - datetime.now(UTC) > ahead - timedelta(60)


SCENARIO = """
settings:
  start: "2026-03-12T08:00:00Z"
deribit:
  index_prices: {btc_usd: "60000"}
  accounts:
    - user_id: trader
      balances: {BTC: "10"}
      keys:
        - {client_id: trader-desk, client_secret: trader-desk-secret}
  positions:
    - {user_id: trader, instrument_name: BTC-13MAR26, direction: sell, amount: "6000", price: "60000"}
steps:
  - deribit_withdrawal: {user_id: trader, currency: BTC, amount: "1.5", fee: "0.0005", address: bc1qscenario}
  - index_price: {index_name: btc_usd, price: "50000"}
  - wait: 86400
"""


def test_a_scenario_wait_delivers_and_its_withdrawal_step_is_listed() -> None:
    with MockServer(clock=ManualClock(START)) as mock:
        mock.load_scenario(document=SCENARIO)
        mock.step(count=3)
        key = {"client_id": "trader-desk", "client_secret": "trader-desk-secret"}
        (withdrawal,) = rpc(mock, key, "private/get_withdrawals", currency="BTC")["data"]
        assert (withdrawal["amount"], withdrawal["fee"], withdrawal["address"]) == (
            Decimal("1.5"), Decimal("0.0005"), "bc1qscenario",
        )  # fmt: skip
        (delivery,) = rpc(mock, key, "private/get_settlement_history_by_instrument", instrument_name=WEEKLY)[
            "settlements"
        ]
        pl = Decimal(-6000) * (Decimal(50000) - Decimal(60000)) / (Decimal(60000) * Decimal(50000))
        assert delivery["index_price"] == 50000 and delivery["position"] == -6000
        assert delivery["profit_loss"] == rounded(pl, SUMMARY) == Decimal("0.02")  # the short gained
        assert mock.exchange.accounts.wallet("trader").balance("BTC") == Decimal(10) - Decimal("1.5005") + pl


def test_resting_orders_end_with_their_instrument(mock: MockServer) -> None:
    mock.create_deribit_account("alice", balances={"BTC": "10"})
    key = mock.create_deribit_key("alice")
    weekly = mock.deribit_order("alice", WEEKLY, "buy", "1000", "50000")  # never traded: no position, no price
    monthly = mock.deribit_order("alice", MONTHLY, "sell", "2000", "70000")
    perpetual = mock.deribit_order("alice", "BTC-PERPETUAL", "buy", "100", "40000")
    margin_before = rpc(mock, key, "private/get_account_summary", currency="BTC")["initial_margin"]
    assert admin(mock, "clock", {"to": "2026-03-13T09:00:00Z"}).status_code == 200
    ended = rpc(mock, key, "private/get_order_state", order_id=weekly["order_id"])
    assert (ended["order_state"], ended["cancel_reason"]) == ("cancelled", "settlement")
    assert ended["last_update_timestamp"] == unix_ms(WEEKLY_EXPIRY)
    still = [o["order_id"] for o in rpc(mock, key, "private/get_open_orders_by_currency", currency="BTC")]
    assert still == [monthly["order_id"], perpetual["order_id"]]
    assert rpc(mock, key, "private/get_account_summary", currency="BTC")["initial_margin"] < margin_before
    assert admin(mock, "clock", {"to": "2026-05-01T00:00:00Z"}).status_code == 200
    still = [o["order_id"] for o in rpc(mock, key, "private/get_open_orders_by_currency", currency="BTC")]
    assert still == [perpetual["order_id"]]
