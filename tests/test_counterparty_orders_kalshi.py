"""Kalshi's counterparty order over real HTTP and websockets (docs/scenarios.md, docs/admin-api.md): the scenario step
`place_order` and the admin call `POST /_admin/orders/place` place an order as `POST /portfolio/events/orders` places a
client's, so it takes the bot's resting order: the bot's fills, position, order status and the market's book and trades
show the match over REST and on the websocket. The step takes the command's fields, checked when the file is read."""

from __future__ import annotations

import inspect

import plain_http
import pytest
from kalshi_http import ok, signed
from market_client import ClientBook, reading, signer_for, subscribe
from order_channels import ALICE, BOB, M, channels_mock, order

from mockexchange.registry import GRAMMAR, control_plane
from mockexchange.scenario.schema import ScenarioError, load_document

mock = channels_mock()
# BOB sells YES into ALICE's (the bot's) bid: a client's order, immediate-or-cancel.
TAKER = {"user_id": BOB, "ticker": M, "side": "ask", "count": "10", "price": "0.45",
         "time_in_force": "immediate_or_cancel", "self_trade_prevention_type": "taker_at_cross"}  # fmt: skip


def of(frames: list[dict], kind: str) -> list[dict]:
    return [f["msg"] for f in frames if f["type"] == kind]


def admin(mock, path: str, body: dict) -> dict:
    r = plain_http.post(f"{mock.base_url}/_admin/{path}", json=body, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def test_a_scenario_step_takes_the_bots_resting_order_as_a_client_would(mock):
    with signed(mock, ALICE) as bot, reading(mock, signer_for(mock, ALICE)) as ws:
        ws.ask(subscribe(["user_orders", "fill", "market_positions"]), 3)
        ws.ask(subscribe(["orderbook_delta"], command_id=2, market_tickers=[M]), 2)  # and its snapshot
        r = bot.post("/portfolio/events/orders", json=order(count="10", price="0.45"))
        assert r.status_code == 201, r.text
        resting = r.json()["order_id"]
        ws.wait(lambda f: of(f, "user_order") and of(f, "orderbook_delta"))  # it rests, on the book
        admin(mock, "scenario", {"document": {"steps": [{"place_order": TAKER}]}, "reset": False})
        [ran] = admin(mock, "scenario/step", {})["ran"]
        assert (ran["kind"], ran["result"]["status"], ran["result"]["filled"]) == ("place_order", "executed", "10")

        frames = ws.wait(lambda f: [o["status"] for o in of(f, "user_order")] == ["resting", "executed"]
                         and of(f, "fill") and of(f, "market_position")
                         and len(of(f, "orderbook_delta")) == 2)  # fmt: skip
        [fill] = of(frames, "fill")
        assert (fill["order_id"], fill["is_taker"], fill["count_fp"], fill["yes_price_dollars"]) == (
            resting, False, "10.00", "0.4500")  # fmt: skip
        assert of(frames, "market_position")[0]["position_fp"] == "10.00"
        assert (of(frames, "user_order")[1]["order_id"], of(frames, "user_order")[1]["fill_count_fp"]) == (
            resting, "10.00")  # fmt: skip
        book = ClientBook().apply_all([f for f in frames if f["type"] in ("orderbook_snapshot", "orderbook_delta")])
        assert book.gaps == [] and book.books[M] == {"yes": {}, "no": {}}  # the level it took from is gone

        # REST reads the same match.
        assert ok(bot, f"/portfolio/orders/{resting}")["order"]["status"] == "executed"
        [row] = ok(bot, "/portfolio/fills")["fills"]
        assert (row["trade_id"], row["is_taker"], row["count_fp"]) == (fill["trade_id"], False, "10.00")
        assert ok(bot, "/portfolio/positions")["market_positions"][0]["position_fp"] == "10.00"
        served = plain_http.get(f"{mock.kalshi_url}/markets/{M}/orderbook", timeout=10).json()["orderbook_fp"]
        assert served == {"yes_dollars": [], "no_dollars": []}
        [trade] = plain_http.get(f"{mock.kalshi_url}/markets/trades", params={"ticker": M}, timeout=10).json()["trades"]
        assert (trade["trade_id"], trade["count_fp"], trade["taker_book_side"]) == (fill["trade_id"], "10.00", "ask")


def test_the_admin_call_takes_part_and_answers_what_it_did(mock):
    with signed(mock, ALICE) as bot:
        resting = bot.post("/portfolio/events/orders", json=order(count="10", price="0.45")).json()["order_id"]
        taken = admin(mock, "orders/place", {**TAKER, "count": "4", "client_order_id": "mm-1"})
        assert (taken["user_id"], taken["client_order_id"], taken["status"]) == (BOB, "mm-1", "executed")
        assert (taken["filled"], taken["fill_value"], taken["remaining"]) == ("4", "1.8", "0")  # YES value: 4 x 0.45
        row = ok(bot, f"/portfolio/orders/{resting}")["order"]
        assert (row["status"], row["fill_count_fp"], row["remaining_count_fp"]) == ("resting", "4.00", "6.00")
        served = plain_http.get(f"{mock.kalshi_url}/markets/{M}/orderbook", timeout=10).json()["orderbook_fp"]
        assert served["yes_dollars"] == [["0.4500", "6.00"]]
        # Held to its funds as a client is: what would rest past BOB's cash is refused, and nothing changes.
        short = {**TAKER, "count": "1000", "time_in_force": "good_till_canceled"}
        refused = plain_http.post(f"{mock.base_url}/_admin/orders/place", json=short, timeout=10)
        assert refused.status_code == 400 and "insufficient" in refused.json()["error"], refused.text
        assert ok(bot, f"/portfolio/orders/{resting}")["order"]["remaining_count_fp"] == "6.00"


def test_the_step_takes_the_commands_fields_checked_when_the_file_is_read():
    parameters = inspect.signature(control_plane().place_order).parameters
    assert list(GRAMMAR.specs["place_order"]) == [name for name in parameters if name != "self"]
    required = {name for name, p in parameters.items() if p.default is p.empty and name != "self"}
    assert {name for name, field in GRAMMAR.specs["place_order"].items() if field.required} == required
    with pytest.raises(ScenarioError) as wrong:
        load_document(
            "steps:\n  - place_order: {user_id: b, ticker: M, side: up, count: 0.5, price: '0.45'}\n", grammar=GRAMMAR
        )
    assert wrong.value.errors == [
        "<document>:2: steps[0].place_order.side: must be one of 'bid', 'ask', 'yes', 'no', not 'up'",
        '<document>:2: steps[0].place_order.count: must be a quoted decimal string: write "0.5" (money is never a '
        "float; unquoted, YAML reads 0.5 as a binary float)",
        "<document>:2: steps[0].place_order.time_in_force: required",
        "<document>:2: steps[0].place_order.self_trade_prevention_type: required",
    ]
