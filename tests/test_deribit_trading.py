"""A Deribit client trading over real HTTP and the websocket: private/buy and sell that rest and that cross (fills at
the resting price, fees per kind, both sides' positions), edit and edit_by_label, cancel and the cancels of several,
close_position, the order history and an order's trades; refusals with Deribit's codes and nothing changed; the public
book and the user channels moved by a client's order; a client's orders kept by the state file."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import websockets
from deribit_rpc import Deribit, DeribitWs
from module_mocks import fresh, module_mock

from mockexchange.core.clock import ManualClock
from mockexchange.server import MockServer

PERP = "BTC-PERPETUAL"
STOP = {"instrument_name": PERP, "amount": 10, "price": 60000, "type": "stop_limit", "trigger": "index_price"}


T0 = datetime.now(UTC)  # as a new ManualClock() starts
server = module_mock("server", T0)


@pytest.fixture
def mock(server: MockServer) -> MockServer:
    """The module's mock, reset: alice and bob, 10 BTC and 100 ETH each."""
    fresh(server, T0)
    for user in ("alice", "bob"):
        server.create_deribit_account(user, balances={"BTC": "10", "ETH": "100"})
    return server


@pytest.fixture
def alice(mock: MockServer) -> Deribit:
    return Deribit(mock, mock.create_deribit_key("alice", client_id="AliceKey", client_secret="alice-secret"))


@pytest.fixture
def bob(mock: MockServer) -> Deribit:
    return Deribit(mock, mock.create_deribit_key("bob", client_id="BobKey", client_secret="bob-secret"))


def state(client: Deribit) -> tuple[Any, ...]:
    """What a refused call must leave as it was: the wallet, its positions and its orders."""
    return (
        client.decimal("private/get_account_summary", currency="BTC")["balance"],
        client.decimal("private/get_positions", currency="BTC"),
        client.decimal("private/get_open_orders"),
    )


def test_an_order_rests_then_another_clients_order_takes_it_at_its_price(alice: Deribit, bob: Deribit) -> None:
    rested = alice.decimal("private/buy", instrument_name=PERP, amount=100, price=60000, label="bid")
    assert rested["trades"] == [] and rested["order"]["order_state"] == "open"
    assert rested["order"]["amount"] == 100 and rested["order"]["label"] == "bid"
    order_id = rested["order"]["order_id"]
    taken = bob.decimal("private/sell", instrument_name=PERP, amount=60, price=59000)
    (trade,) = taken["trades"]
    # At the resting order's price, not the taker's; the taker pays 0.05% of the notional in BTC, the maker none.
    assert (trade["price"], trade["amount"], trade["direction"], trade["liquidity"]) == (60000, 60, "sell", "T")
    assert trade["fee"] == Decimal("0.0000005") and trade["fee_currency"] == "BTC"
    assert taken["order"]["order_state"] == "filled" and taken["order"]["filled_amount"] == 60
    made = alice.decimal("private/get_order_state", order_id=order_id)
    assert (made["order_state"], made["filled_amount"], made["average_price"]) == ("open", 60, 60000)
    (maker,) = alice.decimal("private/get_user_trades_by_order", order_id=order_id)
    assert (maker["trade_id"], maker["liquidity"], maker["fee"]) == (trade["trade_id"], "M", 0)
    sizes = [client.decimal("private/get_position", instrument_name=PERP)["size"] for client in (alice, bob)]
    assert sizes == [60, -60]
    book = alice.decimal("public/get_order_book", instrument_name=PERP)
    assert book["bids"] == [[60000, 40]] and book["asks"] == [] and book["last_price"] == 60000


def test_edit_cancel_and_the_order_history(alice: Deribit, bob: Deribit) -> None:
    placed = alice.result("private/buy", instrument_name=PERP, amount=100, price=50000, label="a")["order"]
    edited = alice.decimal("private/edit", order_id=placed["order_id"], amount=200, price=50500)["order"]
    assert (edited["amount"], edited["price"], edited["max_show"], edited["replaced"]) == (200, 50500, 200, True)
    by_label = alice.decimal("private/edit_by_label", label="a", instrument_name=PERP, amount=150, price=50500)
    assert by_label["order"]["order_id"] == placed["order_id"] and by_label["order"]["amount"] == 150
    assert alice.rpc("private/edit", order_id=placed["order_id"], amount=10, price=50000.25)["error"]["code"] == 10043
    cancelled = alice.decimal("private/cancel", order_id=placed["order_id"])
    assert cancelled["order_state"] == "cancelled" and cancelled["cancel_reason"] == "user_request"
    again = alice.rpc("private/cancel", order_id=placed["order_id"])
    assert again["error"]["code"] == 11044 and again["error"]["message"] == "not_open_order"
    assert alice.result("private/get_order_history_by_instrument", instrument_name=PERP) == []  # nothing filled
    unfilled = alice.result("private/get_order_history_by_currency", currency="BTC", include_unfilled=True)
    assert [row["order_id"] for row in unfilled] == [placed["order_id"]]
    for price in (40000, 40500, 41000):
        alice.result("private/buy", instrument_name=PERP, amount=10, price=price, label="many")
    alice.result("private/sell", instrument_name=PERP, amount=10, price=70000)
    assert alice.result("private/cancel_by_label", label="many") == 3
    assert alice.result("private/cancel_all_by_instrument", instrument_name=PERP) == 1
    assert alice.result("private/get_open_orders") == []
    assert alice.rpc("private/cancel_all", detailed=True)["error"]["code"] == 10033


def test_close_position_and_a_market_order(alice: Deribit, bob: Deribit) -> None:
    bob.result("private/sell", instrument_name=PERP, amount=500, price=61000)
    bought = alice.decimal("private/buy", instrument_name=PERP, amount=200, type="market")
    assert [(t["price"], t["amount"]) for t in bought["trades"]] == [(61000, 200)]
    bob.result("private/buy", instrument_name=PERP, amount=500, price=60500)
    closed = alice.decimal("private/close_position", instrument_name=PERP, type="market")
    assert closed["order"]["direction"] == "sell" and closed["order"]["reduce_only"] is True
    assert [(t["price"], t["amount"]) for t in closed["trades"]] == [(60500, 200)]
    assert alice.decimal("private/get_position", instrument_name=PERP)["size"] == 0
    history = alice.result("private/get_order_history_by_currency", currency="BTC", kind="future")
    assert [row["order_id"] for row in history] == [closed["order"]["order_id"], bought["order"]["order_id"]]
    refused = alice.rpc("private/close_position", instrument_name=PERP, type="market")
    assert refused["error"]["code"] == 10021


@pytest.mark.parametrize(
    ("params", "code", "param"),
    [
        ({"instrument_name": "BTC-NOPE", "amount": 10, "price": 1}, 10020, None),
        ({"instrument_name": PERP, "amount": 15, "price": 60000}, 10021, None),  # not a multiple of 10
        ({"instrument_name": PERP, "amount": 10, "price": 60000.25}, 10043, None),  # off the 0.5 tick
        ({"instrument_name": PERP, "amount": "10", "price": 60000}, -32602, "amount"),
        ({"instrument_name": PERP, "amount": 1e300, "price": 60000}, -32602, "amount"),
        ({"instrument_name": PERP, "amount": -10, "price": 60000}, -32602, "amount"),
        ({"instrument_name": PERP, "amount": 10, "price": 60000, "type": "iceberg"}, -32602, "type"),
        ({"instrument_name": PERP, "amount": 10, "price": 60000, "type": "trailing_stop"}, -32602, "price"),
        (
            {"instrument_name": PERP, "amount": 10, "type": "trailing_stop", "trigger": "index_price"},
            -32602,
            "trigger_offset",
        ),
        (
            {"instrument_name": PERP, "amount": 10, "price": 60000, "linked_order_type": "one_cancels_other"},
            -32602,
            "otoco_config",
        ),
        ({"instrument_name": PERP, "amount": 10, "price": 60000, "time_in_force": "forever"}, -32602, "time_in_force"),
        ({"instrument_name": PERP, "amount": 10, "price": 60000, "post_only": "yes"}, -32602, "post_only"),
        ({"instrument_name": PERP, "amount": 10, "price": 60000, "label": "x" * 65}, -32602, "label"),
        ({"instrument_name": PERP, "amount": 10, "contracts": 2, "price": 60000}, 10021, None),
        ({"instrument_name": ["BTC"], "amount": 10, "price": 60000}, -32602, "instrument_name"),
        ({"instrument_name": PERP, "amount": 10**12, "price": 60000}, -32602, "amount"),
        ({"instrument_name": PERP, "amount": 500_000_000, "price": 60000}, 10009, None),  # margin beyond the wallet
        ({"instrument_name": PERP, "amount": 10}, -32602, "price"),  # a limit order with no price
        ({**STOP, "trigger_price": 60000.25}, 10043, None),  # the trigger price off the tick too
        ({**STOP, "trigger_price": 59000, "price": 60000.25}, 10043, None),  # checked before it waits
        ({**STOP, "trigger_price": 59000, "time_in_force": "fill_or_kill"}, -32602, "time_in_force"),
        ({**STOP, "trigger": "whenever", "trigger_price": 59000}, -32602, "trigger"),
        ({**STOP, "price": 60000}, -32602, "trigger_price"),  # a stop with no trigger price
    ],
)
def test_a_refused_order_names_its_fault_and_changes_nothing(
    alice: Deribit, params: dict[str, Any], code: int, param: str | None
) -> None:
    before = state(alice)
    answer = alice.rpc("private/buy", **params)
    assert answer["error"]["code"] == code, answer
    if param is not None:
        assert answer["error"]["data"]["param"] == param, answer
    assert answer["_status"] == 400 and state(alice) == before


def test_another_wallets_order_is_unknown_and_post_only_does_not_take(alice: Deribit, bob: Deribit) -> None:
    theirs = bob.result("private/sell", instrument_name=PERP, amount=10, price=62000)["order"]["order_id"]
    for method in ("private/cancel", "private/get_order_state", "private/get_user_trades_by_order"):
        assert alice.rpc(method, order_id=theirs)["error"]["code"] == 10004
    assert alice.rpc("private/edit", order_id=theirs, amount=20, price=62000)["error"]["code"] == 10004
    taking = {"instrument_name": PERP, "amount": 10, "price": 62000, "post_only": True, "reject_post_only": True}
    assert alice.rpc("private/buy", **taking)["error"]["code"] == 11054
    assert bob.decimal("private/get_order_state", order_id=theirs)["filled_amount"] == 0


def test_over_the_websocket_an_order_reaches_both_sides_and_the_public_book(
    mock: MockServer, alice: Deribit, bob: Deribit
) -> None:
    bob.result("private/sell", instrument_name=PERP, amount=50, price=60000)

    async def run() -> tuple[dict, list[dict]]:
        async with websockets.connect(mock.deribit_ws_url) as ws:
            client = DeribitWs(ws)
            assert "result" in await client.auth("AliceKey", "alice-secret")
            channels = [f"user.trades.{PERP}.raw", f"user.orders.{PERP}.raw", f"book.{PERP}.raw"]
            subscribed = await client.call("private/subscribe", {"channels": channels})
            assert sorted(subscribed["result"]) == sorted(channels), subscribed
            snapshot = await client.notification()
            assert snapshot["params"]["data"]["asks"] == [["new", 60000, 50]]
            bought = await client.call("private/buy", {"instrument_name": PERP, "amount": 20, "price": 60000})
            seen = list(client.notifications)
            while len(seen) < 3:
                seen.append(await client.notification())
            return bought, seen

    bought, seen = asyncio.run(run())
    assert [t["amount"] for t in bought["result"]["trades"]] == [20]
    by_channel = {frame["params"]["channel"]: frame["params"]["data"] for frame in seen}
    assert by_channel[f"user.trades.{PERP}.raw"][0]["trade_id"] == bought["result"]["trades"][0]["trade_id"]
    assert by_channel[f"user.orders.{PERP}.raw"]["order_state"] == "filled"
    assert by_channel[f"book.{PERP}.raw"]["asks"] == [["change", 60000, 30]]
    assert bob.decimal("private/get_position", instrument_name=PERP)["size"] == -20


def test_a_clients_orders_and_trades_are_kept_by_the_state_file(tmp_path: Path) -> None:
    path = str(tmp_path / "state.db")
    with MockServer(state=path, clock=ManualClock()) as mock:
        for user in ("alice", "bob"):
            mock.create_deribit_account(user, balances={"BTC": "10"})
        alice = Deribit(mock, mock.create_deribit_key("alice", client_id="AliceKey", client_secret="alice-secret"))
        bob = Deribit(mock, mock.create_deribit_key("bob", client_id="BobKey", client_secret="bob-secret"))
        resting = alice.result("private/buy", instrument_name=PERP, amount=100, price=60000)["order"]["order_id"]
        bob.result("private/sell", instrument_name=PERP, amount=30, price=60000)
        before = json.dumps([state(alice), state(bob)], default=str)
    with MockServer(state=path) as again:
        alice = Deribit(again, {"client_id": "AliceKey", "client_secret": "alice-secret"})
        bob = Deribit(again, {"client_id": "BobKey", "client_secret": "bob-secret"})
        assert json.dumps([state(alice), state(bob)], default=str) == before
        assert alice.decimal("private/get_order_state", order_id=resting)["filled_amount"] == 30


def test_a_stop_order_waits_off_the_book_until_the_mark_reaches_it(mock: MockServer, alice: Deribit, bob: Deribit):
    bob.result("private/buy", instrument_name=PERP, amount=100, price=47000)
    stop = {"instrument_name": PERP, "amount": 100, "type": "stop_market", "trigger": "mark_price"}
    placed = alice.decimal("private/sell", trigger_price=48000, **stop)["order"]
    assert (placed["order_state"], placed["triggered"], placed["price"]) == ("untriggered", False, "market_price")
    assert alice.decimal("public/get_order_book", instrument_name=PERP)["asks"] == []
    mock.set_mark_price(PERP, "48500")  # a stop sell fires at or below its price
    assert alice.decimal("private/get_order_state", order_id=placed["order_id"])["order_state"] == "untriggered"
    mock.set_mark_price(PERP, "48000")
    fired = alice.decimal("private/get_order_state", order_id=placed["order_id"])
    assert (fired["order_state"], fired["triggered"], fired["filled_amount"]) == ("filled", True, 100)
    assert fired["average_price"] == 47000  # at the resting bid's price
    (trade,) = alice.decimal("private/get_user_trades_by_order", order_id=placed["order_id"])
    assert (trade["price"], trade["order_type"], trade["liquidity"]) == (47000, "stop_market", "T")
    assert bob.decimal("private/get_position", instrument_name=PERP)["size"] == 100


def test_a_take_order_watches_the_last_trade_and_an_index_stop_its_index(mock: MockServer, alice: Deribit):
    take = {"instrument_name": PERP, "amount": 10, "price": 46000, "type": "take_limit", "trigger": "last_price"}
    waiting = alice.result("private/buy", trigger_price=46500, **take)["order"]["order_id"]
    mock.deribit_fill("bob", PERP, "buy", "10", "47000")  # a take buy fires at or below its price
    assert alice.decimal("private/get_order_state", order_id=waiting)["order_state"] == "untriggered"
    mock.deribit_fill("bob", PERP, "sell", "10", "46500")
    rested = alice.decimal("private/get_order_state", order_id=waiting)
    assert (rested["order_state"], rested["triggered"], rested["price"]) == ("open", True, 46000)
    assert alice.decimal("public/get_order_book", instrument_name=PERP)["bids"] == [[46000, 10]]
    # Fired with more than the wallet's funds cover: rejected, nothing traded or resting.
    beyond = {"instrument_name": PERP, "amount": 100_000_000, "price": 70000, "type": "stop_limit"}
    refused = alice.result("private/buy", trigger="index_price", trigger_price=65000, **beyond)["order"]["order_id"]
    balance, positions, _ = state(alice)
    mock.set_index_price("btc_usd", "65000")
    assert alice.decimal("private/get_order_state", order_id=refused)["order_state"] == "rejected"
    assert state(alice) == (balance, positions, [alice.decimal("private/get_order_state", order_id=waiting)])


def test_the_margin_an_order_would_hold_and_holds(alice: Deribit, bob: Deribit) -> None:
    asked = alice.decimal("private/get_margins", instrument_name=PERP, amount=10000, price=50000)
    placed = alice.result("private/buy", instrument_name=PERP, amount=10000, price=50000)["order"]["order_id"]
    alice.result("private/sell", instrument_name=PERP, amount=10, price=90000, type="stop_limit", trigger="index_price",
                 trigger_price=40000)  # fmt: skip
    untriggered = alice.result("private/get_open_orders", type="trigger_all")[0]["order_id"]
    held = alice.decimal("private/get_order_margin_by_ids", ids=[placed, untriggered])
    summary = alice.decimal("private/get_account_summary", currency="BTC")
    assert [row["order_id"] for row in held] == [placed, untriggered]
    assert held[0]["initial_margin"] == asked["buy"] == summary["initial_margin"] > 0
    assert (held[1]["initial_margin"], held[0]["initial_margin_currency"]) == (0, "BTC")
    assert asked["min_price"] < 60000 < asked["max_price"]  # the band around the mark (the index, 60,000)
    bob.result("private/sell", instrument_name=PERP, amount=10000, price=50000)  # alice is long 10,000 now
    closing = alice.decimal("private/get_margins", instrument_name=PERP, amount=10000, price=50000)
    assert closing["sell"] == 0 and closing["buy"] > 0  # a sell that only closes holds nothing
    theirs = bob.result("private/sell", instrument_name=PERP, amount=10, price=99000)["order"]["order_id"]
    assert alice.rpc("private/get_order_margin_by_ids", ids=[placed, theirs])["error"]["code"] == 10004
    assert alice.rpc("private/get_order_margin_by_ids", ids="[1")["error"]["data"]["param"] == "ids"


def test_a_book_refusal_in_any_read_is_deribits_error_never_the_mocks_500(mock: MockServer, alice: Deribit) -> None:
    mock.list_instrument("XRP_USDC-PERPETUAL")  # listed, with no index price to value it by
    for method, params in (
        ("private/get_margins", {"instrument_name": "XRP_USDC-PERPETUAL", "amount": 10, "price": 1}),
        ("private/get_position", {"instrument_name": "XRP_USDC-PERPETUAL"}),
        ("public/ticker", {"instrument_name": "XRP_USDC-PERPETUAL"}),
    ):
        answered = alice.rpc(method, **params)
        assert answered["_status"] == 400 and answered["error"]["code"] != -32000, (method, answered)
