"""Deribit's resting orders over real HTTP and the websocket: seeded and cancelled through the admin API, the Python
API and scenarios; served by get_open_orders_by_currency / _by_instrument, get_open_orders and get_order_state with
Deribit's fields and types; their margin in positions and the account summary; user.orders.* and user.changes.*
notifications; bad input refused with Deribit's errors; kept across a restart."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from pathlib import Path
from textwrap import dedent
from typing import Any

import httpx
import plain_http
import pytest
import websockets
from deribit_rpc import DeribitWs

from mockexchange.control import ControlError
from mockexchange.core.clock import ManualClock
from mockexchange.registry import GRAMMAR
from mockexchange.scenario.schema import ScenarioError, load_file
from mockexchange.server import MockServer

ALICE = ("AliceKey", "alice-secret")
BOB = ("BobKey", "bob-secret")


@pytest.fixture
def mock():
    with MockServer(clock=ManualClock()) as server:
        server.create_deribit_account("alice", balances={"BTC": "10", "ETH": "100", "USDC": "100000"})
        server.create_deribit_key("alice", client_id=ALICE[0], client_secret=ALICE[1])
        server.create_deribit_account("bob", balances={"BTC": "1"})
        server.create_deribit_key("bob", client_id=BOB[0], client_secret=BOB[1])
        yield server


def call(mock: MockServer, method: str, params: dict | None = None, auth: tuple[str, str] | None = ALICE) -> dict:
    """A JSON-RPC POST; the reply parsed with every number exact."""
    body = {"jsonrpc": "2.0", "id": 7, "method": method, "params": params or {}}
    response = plain_http.post(f"{mock.deribit_url}/api/v2/{method}", json=body, auth=auth, timeout=10)
    reply = json.loads(response.text, parse_float=Decimal)
    expected = 200 if "result" in reply else 401 if reply["error"]["code"] == 13009 else 400
    assert response.status_code == expected, response.text
    return reply


def result(mock: MockServer, method: str, params: dict | None = None, auth: tuple[str, str] | None = ALICE) -> Any:
    reply = call(mock, method, params, auth)
    assert "result" in reply, reply
    return reply["result"]


def error(mock: MockServer, method: str, params: dict | None = None, auth: tuple[str, str] | None = ALICE) -> dict:
    reply = call(mock, method, params, auth)
    assert "error" in reply, reply
    return reply["error"]


def admin(mock: MockServer, path: str, body: dict) -> httpx.Response:
    return plain_http.post(f"{mock.base_url}/_admin/{path}", json=body, timeout=10)


# -- seeding and reading --------------------------------------------------------------------------------------------


def test_an_order_seeded_over_the_admin_api_reads_back_with_deribits_fields(mock):
    seeded = admin(mock, "deribit/orders", {
        "user_id": "alice", "instrument_name": "BTC-PERPETUAL", "direction": "buy", "amount": "120",
        "price": "3928.5", "label": "fooBar",
    })  # fmt: skip
    assert seeded.status_code == 200, seeded.text
    made = seeded.json()
    assert made["order_state"] == "open" and made["price"] == "3928.5" and made["account_id"] == 1001
    now_ms = int(mock.exchange.state.clock.now().timestamp() * 1000)

    state = result(mock, "private/get_order_state", {"order_id": made["order_id"]})
    assert state == {
        "order_id": made["order_id"], "order_state": "open", "order_type": "limit",
        "time_in_force": "good_til_cancelled", "instrument_name": "BTC-PERPETUAL", "direction": "buy",
        "price": Decimal("3928.5"), "amount": 120, "contracts": 12, "filled_amount": 0, "average_price": 0,
        "profit_loss": 0, "commission": 0, "max_show": 120, "label": "fooBar", "post_only": False,
        "reduce_only": False, "api": True, "web": False,
        "mobile": False, "replaced": False, "is_liquidation": False, "is_rebalance": False, "risk_reducing": False,
        "mmp": False, "creation_timestamp": now_ms, "last_update_timestamp": now_ms,
    }  # fmt: skip
    assert isinstance(state["amount"], int) and isinstance(state["creation_timestamp"], int)
    assert result(mock, "private/get_open_orders_by_currency", {"currency": "BTC"}) == [state]
    assert result(mock, "private/get_open_orders_by_currency", {"currency": "any", "kind": "future"}) == [state]
    assert result(mock, "private/get_open_orders_by_instrument", {"instrument_name": "BTC-PERPETUAL"}) == [state]
    assert result(mock, "private/get_open_orders") == [state]
    # The same over a GET with the params in the query string.
    got = plain_http.get(
        mock.deribit_url + "/api/v2/private/get_open_orders_by_currency", params={"currency": "btc"}, auth=ALICE
    )
    assert got.status_code == 200 and json.loads(got.text, parse_float=Decimal)["result"] == [state]


def test_filters_by_currency_kind_instrument_and_type(mock):
    limit = mock.deribit_order("alice", "BTC-PERPETUAL", "buy", "100", "50000")
    option = mock.deribit_order("alice", "BTC-25DEC26-60000-C", "sell", "1.5", "0.05", post_only=True)
    eth = mock.deribit_order("alice", "ETH-PERPETUAL", "sell", "10", "3500", time_in_force="good_til_day")
    stop = mock.deribit_order("alice", "BTC-PERPETUAL", "sell", "100", order_type="stop_market",
                              trigger="mark_price", trigger_price="45000")  # fmt: skip
    take = mock.deribit_order("alice", "BTC-PERPETUAL", "sell", "100", "70000", order_type="take_limit",
                              trigger="index_price", trigger_price="69000", reduce_only=True)  # fmt: skip

    def ids(method: str, **params: Any) -> list[str]:
        return [row["order_id"] for row in result(mock, method, params)]

    assert ids("private/get_open_orders_by_currency", currency="BTC") == [
        limit["order_id"], option["order_id"], stop["order_id"], take["order_id"]
    ]  # fmt: skip
    assert ids("private/get_open_orders_by_currency", currency="BTC", kind="option") == [option["order_id"]]
    assert ids("private/get_open_orders_by_currency", currency="ETH") == [eth["order_id"]]
    assert ids("private/get_open_orders_by_currency", currency="USDC") == []
    assert ids("private/get_open_orders_by_currency", currency="BTC", kind="spot") == []
    assert ids("private/get_open_orders_by_currency", currency="BTC", type="limit") == [
        limit["order_id"], option["order_id"]
    ]  # fmt: skip
    assert ids("private/get_open_orders", type="trigger_all") == [stop["order_id"], take["order_id"]]
    assert ids("private/get_open_orders", type="stop_all") == [stop["order_id"]]
    assert ids("private/get_open_orders", type="take_limit") == [take["order_id"]]
    assert ids("private/get_open_orders", type="trailing_all") == []
    assert ids("private/get_open_orders_by_instrument", instrument_name="ETH-PERPETUAL") == [eth["order_id"]]
    assert ids("private/get_open_orders_by_instrument", instrument_name="BTC-PERPETUAL", type="stop_market") == [
        stop["order_id"]
    ]  # fmt: skip

    rows = {row["order_id"]: row for row in result(mock, "private/get_open_orders")}
    assert rows[stop["order_id"]]["price"] == "market_price" and rows[stop["order_id"]]["order_state"] == "untriggered"
    assert (rows[stop["order_id"]]["trigger"], rows[stop["order_id"]]["trigger_price"]) == ("mark_price", 45000)
    assert rows[stop["order_id"]]["triggered"] is False and "trigger" not in rows[limit["order_id"]]
    assert rows[take["order_id"]]["reduce_only"] is True and rows[take["order_id"]]["price"] == 70000
    assert rows[option["order_id"]]["post_only"] is True and rows[option["order_id"]]["reject_post_only"] is False
    assert rows[option["order_id"]]["amount"] == Decimal("1.5") and rows[option["order_id"]]["contracts"] == Decimal(
        "1.5"
    )
    assert rows[eth["order_id"]]["time_in_force"] == "good_til_day"


def test_each_wallet_sees_its_own_orders_only(mock):
    sub = mock.create_deribit_subaccount("alice", balances={"BTC": "1"})
    sub_key = mock.create_deribit_key("alice", subaccount_id=sub["id"])
    mine = mock.deribit_order("alice", "BTC-PERPETUAL", "buy", "100", "50000")
    subs = mock.deribit_order("alice", "BTC-PERPETUAL", "sell", "100", "70000", subaccount_id=sub["id"])
    bobs = mock.deribit_order("bob", "BTC-PERPETUAL", "buy", "10", "40000", order_id="bob-1")
    assert [r["order_id"] for r in result(mock, "private/get_open_orders")] == [mine["order_id"]]
    sub_auth = (sub_key["client_id"], sub_key["client_secret"])
    assert [r["order_id"] for r in result(mock, "private/get_open_orders", auth=sub_auth)] == [subs["order_id"]]
    named = result(mock, "private/get_open_orders", {"subaccount_id": sub["id"]})
    assert [r["order_id"] for r in named] == [subs["order_id"]]
    assert result(mock, "private/get_order_state", {"order_id": "bob-1"}, auth=BOB)["order_id"] == "bob-1"
    # Another wallet's order is as unknown as one never placed.
    assert error(mock, "private/get_order_state", {"order_id": bobs["order_id"]})["code"] == 10004
    assert error(mock, "private/get_order_state", {"order_id": subs["order_id"]})["code"] == 10004


def test_cancelling_takes_an_order_off_the_open_lists_and_keeps_its_state(mock):
    kept = mock.deribit_order("alice", "BTC-PERPETUAL", "buy", "100", "50000")
    gone = mock.deribit_order("alice", "BTC-PERPETUAL", "buy", "200", "49000")
    mock.advance_clock(seconds=5)
    cancelled = admin(mock, "deribit/orders/cancel", {"order_id": gone["order_id"]})
    assert cancelled.status_code == 200 and cancelled.json()["order_state"] == "cancelled"
    assert [r["order_id"] for r in result(mock, "private/get_open_orders")] == [kept["order_id"]]
    state = result(mock, "private/get_order_state", {"order_id": gone["order_id"]})
    assert state["order_state"] == "cancelled" and state["cancel_reason"] == "user_request"
    assert state["last_update_timestamp"] - state["creation_timestamp"] == 5000
    again = admin(mock, "deribit/orders/cancel", {"order_id": gone["order_id"]})
    assert again.status_code == 409 and "cancelled already" in again.json()["error"]
    unknown = admin(mock, "deribit/orders/cancel", {"order_id": "nope"})
    assert unknown.status_code == 404
    with pytest.raises(ControlError):
        mock.deribit_cancel_order(gone["order_id"])


# -- bad input ------------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_bad_reads_get_deribits_errors(mock):
    mock.deribit_order("alice", "BTC-PERPETUAL", "buy", "100", "50000")
    assert error(mock, "private/get_order_state", {"order_id": "999999"}) == {
        "code": 10004, "message": "order_not_found",
        "mockexchange_diagnosis": "no order '999999' for account 1001",
    }  # fmt: skip
    for params, param in [
        ({}, "order_id"),
        ({"order_id": 1}, "order_id"),
        ({"order_id": ["1"]}, "order_id"),
        ({"order_id": ""}, "order_id"),
    ]:
        refused = error(mock, "private/get_order_state", params)
        assert refused["code"] == -32602 and refused["data"]["param"] == param, refused
    for method, params, param in [
        ("private/get_open_orders_by_currency", {}, "currency"),
        ("private/get_open_orders_by_currency", {"currency": "DOGE"}, "currency"),
        ("private/get_open_orders_by_currency", {"currency": 5}, "currency"),
        ("private/get_open_orders_by_currency", {"currency": "BTC", "kind": "swap"}, "kind"),
        ("private/get_open_orders_by_currency", {"currency": "BTC", "type": "market"}, "type"),
        ("private/get_open_orders_by_currency", {"currency": "BTC", "type": True}, "type"),
        ("private/get_open_orders_by_instrument", {}, "instrument_name"),
        ("private/get_open_orders_by_instrument", {"instrument_name": "BTC-NOPE"}, "instrument_name"),
        ("private/get_open_orders_by_instrument", {"instrument_name": {"a": 1}}, "instrument_name"),
        ("private/get_open_orders", {"kind": 7}, "kind"),
        ("private/get_open_orders", {"subaccount_id": "１２"}, "subaccount_id"),
        ("private/get_open_orders", {"subaccount_id": 10**30}, "subaccount_id"),
    ]:
        refused = error(mock, method, params)
        assert refused["code"] == -32602 and refused["data"]["param"] == param, (method, params, refused)
    assert error(mock, "private/get_open_orders", auth=None)["code"] == 13009
    query = plain_http.get(mock.deribit_url + "/api/v2/private/get_order_state?order_id=nope", auth=ALICE)
    assert query.status_code == 400 and query.json()["error"]["code"] == 10004


@pytest.mark.slow
def test_bad_seeds_are_refused_and_change_nothing(mock):
    good = {"user_id": "alice", "instrument_name": "BTC-PERPETUAL", "direction": "buy", "amount": "100",
            "price": "50000"}  # fmt: skip
    for change, status, words in [
        ({"amount": 100.5}, 400, "amount"),
        ({"amount": "105"}, 400, "multiple of 10"),
        ({"amount": "1e30"}, 400, "amount"),
        ({"amount": "１００"}, 400, "amount"),
        ({"price": None}, 400, "needs a price"),
        ({"price": "0"}, 400, "price"),
        ({"direction": "long"}, 400, "direction"),
        ({"order_type": "market"}, 400, "order_type"),
        ({"order_type": "stop_market", "trigger": "mark_price", "trigger_price": "1"}, 400, "has no price"),
        ({"order_type": "stop_limit", "trigger_price": "1"}, 400, "trigger"),
        ({"order_type": "stop_limit", "trigger": "mark_price"}, 400, "trigger_price"),
        ({"trigger": "mark_price"}, 400, "no trigger"),
        ({"time_in_force": "fill_or_kill"}, 400, "time_in_force"),
        ({"label": "x" * 65}, 400, "label"),
        ({"label": 5}, 400, "label"),
        ({"post_only": "yes"}, 400, "post_only"),
        ({"max_show": "200"}, 400, "max_show"),
        ({"instrument_name": "BTC-NOPE"}, 400, "instrument"),
        ({"user_id": "ghost"}, 404, "ghost"),
        ({"subaccount_id": 5}, 404, "subaccount"),
        ({"order_id": ""}, 400, "order_id"),
    ]:
        refused = admin(mock, "deribit/orders", {**good, **change})
        assert refused.status_code == status and words in refused.json()["error"], (change, refused.text)
    assert result(mock, "private/get_open_orders") == []
    assert admin(mock, "deribit/orders", {**good, "order_id": "mine"}).status_code == 200
    taken = admin(mock, "deribit/orders", {**good, "order_id": "mine"})
    assert taken.status_code == 409 and "taken" in taken.json()["error"]
    assert [r["order_id"] for r in result(mock, "private/get_open_orders")] == ["mine"]


# -- margins --------------------------------------------------------------------------------------------------------


def test_open_orders_margin_on_positions_and_in_the_account_summary(mock):
    mock.deribit_fill("alice", "BTC-PERPETUAL", "buy", "10000", "50000")  # long 10,000 USD
    before = result(mock, "private/get_account_summary", {"currency": "BTC"})
    position = result(mock, "private/get_position", {"instrument_name": "BTC-PERPETUAL"})
    assert position["open_orders_margin"] == 0

    # Sells up to the long position reduce it: no margin. Buys add: 20,000 USD at 50,000 = 0.4 BTC at 2.002%.
    mock.deribit_order("alice", "BTC-PERPETUAL", "sell", "10000", "60000")
    assert result(mock, "private/get_position", {"instrument_name": "BTC-PERPETUAL"})["open_orders_margin"] == 0
    mock.deribit_order("alice", "BTC-PERPETUAL", "buy", "20000", "50000")
    buy_side = Decimal("0.4") * (Decimal("0.02") + Decimal("0.4") * Decimal("0.00005"))
    position = result(mock, "private/get_position", {"instrument_name": "BTC-PERPETUAL"})
    assert position["open_orders_margin"] == buy_side == Decimal("0.008008")
    # A sell beyond the position: 30,000 USD at 60,000, of which 20,000 USD adds (1/3 BTC): smaller than the buys.
    mock.deribit_order("alice", "BTC-PERPETUAL", "sell", "20000", "60000")
    assert result(mock, "private/get_position", {"instrument_name": "BTC-PERPETUAL"})["open_orders_margin"] == buy_side
    # Untriggered and reduce-only orders hold none.
    mock.deribit_order("alice", "BTC-PERPETUAL", "buy", "90000", order_type="stop_market", trigger="last_price",
                       trigger_price="70000")  # fmt: skip
    mock.deribit_order("alice", "BTC-PERPETUAL", "buy", "90000", "50000", reduce_only=True)
    assert result(mock, "private/get_position", {"instrument_name": "BTC-PERPETUAL"})["open_orders_margin"] == buy_side

    # An option never traded: a buy holds its premium, a sell a short option's initial margin at the mark.
    option = "BTC-25DEC26-60000-C"
    mock.set_mark_price(option, "0.06")
    mock.deribit_order("alice", option, "buy", "2", "0.05")
    assert result(mock, "private/get_position", {"instrument_name": option})["open_orders_margin"] == Decimal("0.1")
    mock.deribit_order("alice", option, "sell", "3", "0.2")
    short = 3 * (Decimal("0.15") + Decimal("0.06"))  # at the money (index 60,000): max(0.15 - 0, 0.10) + mark
    assert result(mock, "private/get_position", {"instrument_name": option})["open_orders_margin"] == short

    after = result(mock, "private/get_account_summary", {"currency": "BTC"})
    held = buy_side + short
    assert after["initial_margin"] == before["initial_margin"] + held
    assert after["projected_initial_margin"] == after["initial_margin"]
    assert after["available_funds"] == before["available_funds"] - held
    assert after["maintenance_margin"] == before["maintenance_margin"]
    assert after["balance"] == before["balance"]
    # Only the position traded is listed; the option's orders count in the summary all the same.
    assert [p["instrument_name"] for p in result(mock, "private/get_positions", {"currency": "BTC"})] == [
        "BTC-PERPETUAL"
    ]  # fmt: skip

    # ETH's summary holds none of it; cancelling gives the margin back.
    assert result(mock, "private/get_account_summary", {"currency": "ETH"})["initial_margin"] == 0
    for row in result(mock, "private/get_open_orders_by_instrument", {"instrument_name": option}):
        mock.deribit_cancel_order(row["order_id"])
    assert result(mock, "private/get_account_summary", {"currency": "BTC"})["initial_margin"] == (
        before["initial_margin"] + buy_side
    )


def test_linear_orders_hold_usdc(mock):
    mock.deribit_order("alice", "BTC_USDC-PERPETUAL", "sell", "0.5", "60000")
    expected = Decimal("0.5") * 60000 * (Decimal("0.02") + Decimal("0.5") * Decimal("0.00005"))
    position = result(mock, "private/get_position", {"instrument_name": "BTC_USDC-PERPETUAL"})
    assert position["open_orders_margin"] == expected == Decimal("600.75")
    summary = result(mock, "private/get_account_summary", {"currency": "USDC"})
    assert summary["initial_margin"] == expected and summary["available_funds"] == 100000 - expected


def test_signalplus_positions_carry_open_orders_margin(mock):
    import base64
    import hashlib
    import hmac
    import time

    mock.deribit_fill("alice", "BTC-PERPETUAL", "buy", "10000", "50000")
    mock.deribit_order("alice", "BTC-PERPETUAL", "buy", "20000", "50000")
    ts = str(int(time.time() * 1000))
    nonce = "n" + ts
    sig = base64.b64encode(hmac.new(ALICE[1].encode(), f"{ts}\n{nonce}\n".encode(), hashlib.sha256).digest()).decode()
    headers = {"Authorization": f"Bearer {ALICE[0]}", "Signalplus-API-Signature": sig, "Signalplus-API-Nonce": nonce,
               "Signalplus-API-Timestamp": ts}  # fmt: skip
    body = {"rid": 1, "method": "private/get_positions", "params": {"currency": "BTC"}}
    reply = plain_http.post(mock.base_url + "/api", json=body, headers=headers, timeout=10).json()
    [row] = reply["result"]
    assert row["openOrdersMargin"] == "0.008008"


# -- the websocket --------------------------------------------------------------------------------------------------


class Client(DeribitWs):
    async def quiet(self, seconds: float = 0.3) -> None:  # type: ignore[override]
        assert await super().quiet(seconds), "a notification arrived"


def test_order_changes_are_published_on_user_orders_and_user_changes(mock):
    channels = [
        "user.orders.BTC-PERPETUAL.raw",
        "user.orders.any.any.100ms",
        "user.orders.future.BTC.raw",
        "user.orders.option.any.raw",
        "user.changes.BTC-PERPETUAL.raw",
        "user.trades.any.any.raw",
    ]

    async def go() -> None:
        async with websockets.connect(mock.deribit_ws_url) as ws:
            client = Client(ws)
            granted = await client.call("public/auth", {"grant_type": "client_credentials", "client_id": ALICE[0],
                                                        "client_secret": ALICE[1]})  # fmt: skip
            assert "result" in granted, granted
            assert (await client.call("private/subscribe", {"channels": channels}))["result"] == channels

            placed = await asyncio.to_thread(mock.deribit_order, "alice", "BTC-PERPETUAL", "buy", "100", "50000")
            got = {}
            for _ in range(4):
                message = await client.notification()
                assert message["method"] == "subscription"
                got[message["params"]["channel"]] = message["params"]["data"]
            assert set(got) == {channels[0], channels[1], channels[2], channels[4]}
            row = got["user.orders.BTC-PERPETUAL.raw"]
            assert row["order_id"] == placed["order_id"] and row["order_state"] == "open" and row["amount"] == 100
            assert got["user.orders.future.BTC.raw"] == row and got["user.orders.any.any.100ms"] == [row]
            changes = got["user.changes.BTC-PERPETUAL.raw"]
            assert changes["instrument_name"] == "BTC-PERPETUAL" and changes["orders"] == [row]
            assert changes["trades"] == []
            [position] = changes["positions"]
            assert position["size"] == 0 and position["open_orders_margin"] == Decimal("0.00004")
            await client.quiet()

            # Another user's order, and an ETH order on a BTC-only channel set, send nothing here.
            await asyncio.to_thread(mock.deribit_order, "bob", "BTC-PERPETUAL", "buy", "10", "50000")
            await asyncio.to_thread(mock.deribit_order, "alice", "ETH-PERPETUAL", "buy", "10", "3000")
            eth = await client.notification()
            assert eth["params"]["channel"] == "user.orders.any.any.100ms"
            assert eth["params"]["data"][0]["instrument_name"] == "ETH-PERPETUAL"
            await client.quiet()

            await asyncio.to_thread(mock.deribit_cancel_order, placed["order_id"])
            cancelled = await client.notification()
            assert cancelled["params"]["channel"] == "user.orders.BTC-PERPETUAL.raw"
            assert cancelled["params"]["data"]["order_state"] == "cancelled"
            assert cancelled["params"]["data"]["cancel_reason"] == "user_request"

    asyncio.run(go())


def test_the_orders_channels_are_checked_like_the_others(mock):
    async def go() -> None:
        async with websockets.connect(mock.deribit_ws_url) as ws:
            client = Client(ws)
            await client.call("public/auth", {"grant_type": "client_credentials", "client_id": ALICE[0],
                                              "client_secret": ALICE[1]})  # fmt: skip
            for name in ["user.orders.swap.BTC.raw", "user.orders.BTC-PERPETUAL.1s", "user.orders.future.B$.raw"]:
                refused = await client.call("private/subscribe", {"channels": [name]})
                assert refused["error"]["code"] == -32602, (name, refused)
            ok = ["user.orders.future.btc.agg2"]
            assert (await client.call("private/subscribe", {"channels": ok}))["result"] == ok

    asyncio.run(go())


# -- scenarios and restarts -----------------------------------------------------------------------------------------

SCENARIO = """\
deribit:
  accounts: [{user_id: trader, balances: {BTC: "5"}, keys: [{client_id: t, client_secret: t-secret}]}]
  orders:
    - {user_id: trader, instrument_name: BTC-PERPETUAL, direction: buy, amount: "1000", price: "55000",
       order_id: seeded, label: grid}
steps:
  - deribit_order: {user_id: trader, instrument_name: BTC-PERPETUAL, direction: sell, amount: "500",
                    order_type: stop_market, trigger: mark_price, trigger_price: "50000", order_id: stop}
  - deribit_cancel_order: {order_id: seeded}
"""


def test_scenarios_seed_and_cancel_orders():
    with MockServer(clock=ManualClock()) as mock:
        mock.load_scenario(document=SCENARIO)
        trader = ("t", "t-secret")
        [seeded] = result(mock, "private/get_open_orders", auth=trader)
        assert (seeded["order_id"], seeded["label"], seeded["price"]) == ("seeded", "grid", 55000)
        mock.step(1)
        assert [r["order_id"] for r in result(mock, "private/get_open_orders", auth=trader)] == ["seeded", "stop"]
        mock.step(1)
        assert [r["order_id"] for r in result(mock, "private/get_open_orders", auth=trader)] == ["stop"]
        assert result(mock, "private/get_order_state", {"order_id": "seeded"}, auth=trader)["order_state"] == (
            "cancelled"
        )


def test_bad_order_steps_name_the_line_and_the_field(tmp_path: Path):
    path = tmp_path / "s.yaml"
    path.write_text(dedent("""\
        deribit:
          orders:
            - {user_id: trader, instrument_name: BTC-PERPETUAL, direction: buy, amount: "10", price: 55000.5}
        steps:
          - deribit_order: {user_id: trader, instrument_name: BTC-PERPETUAL, direction: buy, amount: "10",
                            order_type: market}
          - deribit_cancel_order: {}
        """))  # fmt: skip
    with pytest.raises(ScenarioError) as caught:
        load_file(path, grammar=GRAMMAR)
    errors = [e.removeprefix(f"{path}:") for e in caught.value.errors]
    assert errors == [
        '3: deribit.orders[0].price: must be a quoted decimal string: write "55000.5" (money is never a float; '
        "unquoted, YAML reads 55000.5 as a binary float)",
        "6: steps[0].deribit_order.order_type: must be one of 'limit', 'stop_limit', 'take_limit', 'stop_market', "
        "'take_market', 'trailing_stop', not 'market'",
        "7: steps[1].deribit_cancel_order.order_id: required",
    ]


@pytest.mark.slow
def test_orders_come_back_after_a_restart(tmp_path: Path):
    path = tmp_path / "state.db"
    with MockServer(state=str(path)) as mock:
        mock.create_deribit_account("alice", balances={"BTC": "10"})
        mock.create_deribit_key("alice", client_id=ALICE[0], client_secret=ALICE[1])
        mock.deribit_order("alice", "BTC-PERPETUAL", "buy", "100", "50000")
        gone = mock.deribit_order("alice", "BTC-PERPETUAL", "sell", "100", "70000")
        mock.deribit_cancel_order(gone["order_id"])
        before = [result(mock, "private/get_open_orders"), result(mock, "private/get_order_state",
                                                                   {"order_id": gone["order_id"]})]  # fmt: skip
        summary = result(mock, "private/get_account_summary", {"currency": "BTC"})
    assert summary["initial_margin"] > 0
    for drop_snapshots in (False, True):
        if drop_snapshots:
            import sqlite3

            db = sqlite3.connect(path)
            with db:
                db.execute("DELETE FROM snapshots")
            db.close()
        with MockServer(state=str(path)) as again:
            assert [
                result(again, "private/get_open_orders"),
                result(again, "private/get_order_state", {"order_id": gone["order_id"]}),
            ] == before
            assert result(again, "private/get_account_summary", {"currency": "BTC"}) == summary
            if drop_snapshots:  # new ids go on from the kept ones
                new = again.deribit_order("alice", "BTC-PERPETUAL", "buy", "100", "50000")
                assert new["order_id"] not in {row["order_id"] for row in before[0]} | {gone["order_id"]}
