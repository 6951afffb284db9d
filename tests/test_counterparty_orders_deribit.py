"""Deribit's counterparty order over real HTTP and websockets (docs/scenarios.md, docs/admin-api.md): the scenario step
`deribit_place_order` and the admin call `POST /_admin/deribit/orders/place` place an order as `private/buy` and
`private/sell` place a client's, so it takes the bot's resting order: the bot's trades, position, order state and the
instrument's book show the match over JSON-RPC and on the websocket. A trade made by a labelled order carries its
`label` (docs/deribit.md), as Deribit's user trades do: in the order's answer, `private/get_user_trades_by_*` and
`user.trades.*`; an unlabelled order's trade has none. The admin API's order answer carries every field of the
venue's order object (a trailing stop's, a linked order's, a quote's) beside the control plane's own, and its cancel
of several (`deribit/orders/cancel_all`, `reason` cancel_on_disconnect) ends an admin-placed quote as a disconnect
would."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Iterator
from typing import Any

import plain_http
import pytest
import websockets
from deribit_rpc import Deribit, DeribitWs

from mockexchange.core.clock import ManualClock
from mockexchange.registry import GRAMMAR, control_plane
from mockexchange.server import MockServer

PERP = "BTC-PERPETUAL"
CHANNELS = [f"user.orders.{PERP}.raw", f"user.trades.{PERP}.raw", f"book.{PERP}.raw"]
# The market maker buys what the bot offers: a client's order, immediate-or-cancel.
TAKER = {"user_id": "mm", "instrument_name": PERP, "direction": "buy", "amount": "100", "price": "60000",
         "time_in_force": "immediate_or_cancel", "label": "mm-1"}  # fmt: skip


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    with MockServer(clock=ManualClock()) as mock:
        yield mock


@pytest.fixture
def mock(server: MockServer) -> MockServer:
    server.reset()
    for user in ("bot", "mm"):
        server.create_deribit_account(user, balances={"BTC": "10"})
    return server


def client(mock: MockServer, user: str) -> Deribit:
    return Deribit(mock, mock.create_deribit_key(user, client_id=f"{user}-key", client_secret=f"{user}-secret"))


def admin(mock: MockServer, path: str, body: dict) -> dict:
    r = plain_http.post(f"{mock.base_url}/_admin/{path}", json=body, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def watched(mock: MockServer, act: Any, until: Any) -> list[dict]:
    """The params of the notifications of the bot's connection (subscribed to CHANNELS, the book's snapshot first)
    from before `act()` runs (in a worker thread) until `until(them)` holds."""

    async def go() -> list[dict]:
        async with websockets.connect(mock.deribit_ws_url) as ws:
            bot = DeribitWs(ws, decimals=False)
            assert "result" in await bot.auth("bot-key", "bot-secret")
            assert (await bot.call("private/subscribe", {"channels": CHANNELS}))["result"] == CHANNELS
            seen = [(await bot.notification())["params"]]
            await asyncio.to_thread(act)
            while not until(seen):
                seen.append((await bot.notification())["params"])
            return seen

    return asyncio.run(go())


def of(seen: list[dict], channel: str) -> list[Any]:
    return [params["data"] for params in seen if params["channel"] == channel]


def test_a_scenario_step_takes_the_bots_resting_order_as_a_client_would(mock):
    bot = client(mock, "bot")
    resting = bot.result("private/sell", instrument_name=PERP, amount=100, price=60000, label="bot-ask")["order"]
    document = {"steps": [{"deribit_place_order": TAKER}]}

    def step() -> None:
        admin(mock, "scenario", {"document": document, "reset": False})
        [ran] = admin(mock, "scenario/step", {})["ran"]
        assert (ran["kind"], ran["result"]["order"]["order_state"]) == ("deribit_place_order", "filled")

    def done(seen: list[dict]) -> bool:
        orders = of(seen, f"user.orders.{PERP}.raw")
        return bool(orders and orders[-1]["order_state"] == "filled" and of(seen, f"user.trades.{PERP}.raw")
                    and len(of(seen, f"book.{PERP}.raw")) == 2)  # fmt: skip

    seen = watched(mock, step, done)
    snapshot, change = of(seen, f"book.{PERP}.raw")
    assert (snapshot["asks"], change["asks"]) == ([["new", 60000, 100]], [["delete", 60000, 0]])
    [[trade]] = of(seen, f"user.trades.{PERP}.raw")
    assert (trade["order_id"], trade["liquidity"], trade["amount"], trade["price"], trade["label"]) == (
        resting["order_id"], "M", 100, 60000, "bot-ask")  # fmt: skip
    # JSON-RPC reads the same match.
    state = bot.result("private/get_order_state", order_id=resting["order_id"])
    assert (state["order_state"], state["filled_amount"]) == ("filled", 100)
    [read] = bot.result("private/get_user_trades_by_instrument", instrument_name=PERP)["trades"]
    assert (read["trade_id"], read["label"]) == (trade["trade_id"], "bot-ask")
    [position] = bot.result("private/get_positions", currency="BTC")
    assert (position["instrument_name"], position["size"]) == (PERP, -100)
    assert bot.result("public/get_order_book", instrument_name=PERP)["asks"] == []


def test_the_admin_call_takes_part_and_answers_its_trades(mock):
    bot = client(mock, "bot")
    resting = bot.result("private/sell", instrument_name=PERP, amount=300, price=60000)["order"]
    taken = admin(mock, "deribit/orders/place", TAKER)
    assert (taken["order"]["user_id"], taken["order"]["order_state"]) == ("mm", "filled")
    [trade] = taken["trades"]
    assert (trade["amount"], trade["price"], trade["label"]) == ("100", "60000", "mm-1")
    state = bot.result("private/get_order_state", order_id=resting["order_id"])
    assert (state["order_state"], state["filled_amount"]) == ("open", 100)
    assert bot.result("public/get_order_book", instrument_name=PERP)["asks"] == [[60000, 200]]
    # Held to its funds as a client is: an order past mm's margin is refused, and nothing changes.
    refused = plain_http.post(f"{mock.base_url}/_admin/deribit/orders/place", timeout=10,
                              json={**TAKER, "amount": "100000000", "time_in_force": "good_til_cancelled"})  # fmt: skip
    assert refused.status_code == 400 and "available" in refused.json()["error"], refused.text
    assert bot.result("public/get_order_book", instrument_name=PERP)["asks"] == [[60000, 200]]


def test_a_labelled_orders_trades_carry_its_label_an_unlabelled_ones_none(mock):
    bot = client(mock, "bot")
    offer = {**TAKER, "direction": "sell", "amount": "200", "time_in_force": "good_til_cancelled"}
    admin(mock, "deribit/orders/place", offer)  # mm's labelled order rests; the bot takes it twice
    answers = []

    def buy() -> None:
        answers.append(bot.result("private/buy", instrument_name=PERP, amount=100, price=60000, label="bot-take"))
        answers.append(bot.result("private/buy", instrument_name=PERP, amount=100, price=60000))

    seen = watched(mock, buy, lambda seen: len(of(seen, f"user.trades.{PERP}.raw")) == 2)
    labelled, plain = answers
    assert [t["label"] for t in labelled["trades"]] == ["bot-take"]
    assert ["label" in t for t in plain["trades"]] == [False]
    notified = [trade for batch in of(seen, f"user.trades.{PERP}.raw") for trade in batch]
    assert [t.get("label") for t in notified] == ["bot-take", None]
    order_id = labelled["order"]["order_id"]
    assert [t.get("label") for t in bot.result("private/get_user_trades_by_order", order_id=order_id)] == ["bot-take"]
    for method, params in (
        ("private/get_user_trades_by_instrument", {"instrument_name": PERP}),
        ("private/get_user_trades_by_currency", {"currency": "BTC"}),
    ):
        trades = bot.result(method, sorting="asc", **params)["trades"]
        assert [t.get("label") for t in trades] == ["bot-take", None], method
    # The maker's side carries its own order's label.
    mm = client(mock, "mm")
    trades = mm.result("private/get_user_trades_by_instrument", instrument_name=PERP, sorting="asc")["trades"]
    assert [(t["liquidity"], t["label"]) for t in trades] == [("M", "mm-1"), ("M", "mm-1")]


def test_a_closing_orders_profit_loss_is_its_trades_to_their_places(mock):
    # An inverse future's realized P&L divides by two prices: the order sums it exact, and shows it as its trades do.
    bot = client(mock, "bot")
    admin(mock, "deribit/orders/place", {**TAKER, "direction": "sell", "time_in_force": "good_til_cancelled"})
    bot.result("private/buy", instrument_name=PERP, amount=100, price=60000)
    admin(mock, "deribit/orders/place", {**TAKER, "price": "60007", "time_in_force": "good_til_cancelled"})
    closing = bot.result("private/sell", instrument_name=PERP, amount=100, price=60007)["order"]
    state = bot.decimal("private/get_order_state", order_id=closing["order_id"])
    [trade] = bot.decimal("private/get_user_trades_by_order", order_id=closing["order_id"])
    assert state["profit_loss"] == trade["profit_loss"] != 0
    assert -state["profit_loss"].as_tuple().exponent <= 8, state["profit_loss"]


def test_the_step_takes_the_commands_fields():
    parameters = inspect.signature(control_plane().deribit_place_order).parameters
    assert set(GRAMMAR.specs["deribit_place_order"]) == {name for name in parameters if name != "self"}
    required = {name for name, p in parameters.items() if p.default is p.empty and name != "self"}
    assert {name for name, field in GRAMMAR.specs["deribit_place_order"].items() if field.required} == required


def test_the_admin_order_answer_carries_the_wire_orders_fields_and_cancels_quotes_as_a_disconnect(mock):
    bot = client(mock, "bot")
    mock.set_index_price("btc_usd", "60000")
    bot_order = {"user_id": "bot", "instrument_name": PERP, "amount": "100"}
    trail = {"direction": "sell", "order_type": "trailing_stop", "trigger": "index_price", "trigger_offset": "500"}
    trailing = admin(mock, "deribit/orders/place", {**bot_order, **trail})["order"]
    wire = bot.result("private/get_order_state", order_id=trailing["order_id"])
    assert set(wire) <= set(trailing)  # every field of the venue's order object, and the control plane's own
    assert {k: trailing[k] for k in ("trigger_offset", "trigger_reference_price", "contracts", "mmp", "user_id")} == {
        "trigger_offset": "500", "trigger_reference_price": "60000", "contracts": "10", "mmp": False, "user_id": "bot",
    }  # fmt: skip
    assert (trailing["price"], wire["price"]) == (None, "market_price")  # (the control plane's own word kept)
    legs = [{"price": "62000"}, {"type": "stop_market", "trigger": "mark_price", "trigger_price": "58000"}]
    link = {"linked_order_type": "one_triggers_one_cancels_other", "trigger_fill_condition": "incremental"}
    linked = admin(mock, "deribit/orders/place", {**bot_order, "direction": "buy", "price": "59000",
                                                  "otoco_config": legs, **link})["order"]  # fmt: skip
    assert (linked["is_primary_otoco"], len(linked["oto_order_ids"]), linked["trigger_fill_condition"]) == (
        True, 2, "incremental",
    )  # fmt: skip
    mock.set_deribit_mmp_config("bot", "btc_usd", 10, 30, quantity_limit="1", max_quote_quantity="1", mmp_group="g")
    quoted = admin(mock, "deribit/mass_quotes", {"user_id": "bot", "quote_id": "q1", "mmp_group": "g", "quotes": [
        {"instrument_name": PERP, "side": "ask", "price": "61000", "amount": "100", "quote_set_id": "s1"},
    ]})["orders"]  # fmt: skip
    assert [(o["quote"], o["quote_id"], o["quote_set_id"], o["mmp_group"], o["mmp"]) for o in quoted] == [
        (True, "q1", "s1", "g", True)
    ]
    ids = [o["order_id"] for o in quoted]
    gone = admin(
        mock, "deribit/orders/cancel_all", {"user_id": "bot", "order_ids": ids, "reason": "cancel_on_disconnect"}
    )
    assert [(o["order_id"], o["cancel_reason"]) for o in gone] == [(ids[0], "cancel_on_disconnect")]
    assert bot.result("private/get_order_state", order_id=ids[0])["cancel_reason"] == "cancel_on_disconnect"
