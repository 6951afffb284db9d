"""Deribit's trailing stops, market_limit orders and linked orders over real HTTP and the websocket: the fields each
order object carries in private/buy's answer, get_order_state, get_open_orders (by type), the trigger order history
and user.orders; an OTOCO's secondaries notified as they wait, are placed and one cancels the other; a trailing
stop's trigger price notified as it moves, an incremental secondary as it grows; otoco_config from a query string's
JSON text."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from urllib.parse import quote

import pytest
import websockets
from deribit_rpc import Deribit, DeribitWs
from module_mocks import fresh, module_mock

from mockexchange.server import MockServer

PERP = "BTC-PERPETUAL"
T0 = datetime.now(UTC)
server = module_mock("server", T0)
TAKE_AND_STOP = [
    {"direction": "sell", "type": "take_limit", "price": 62000, "trigger": "mark_price", "trigger_price": 62000},
    {"direction": "sell", "type": "stop_market", "trigger": "mark_price", "trigger_price": 58000},
]


@pytest.fixture
def mock(server: MockServer) -> MockServer:
    fresh(server, T0)
    for user in ("alice", "bob"):
        server.create_deribit_account(user, balances={"BTC": "10"})
    server.set_index_price("btc_usd", "60000")
    return server


@pytest.fixture
def alice(mock: MockServer) -> Deribit:
    return Deribit(mock, mock.create_deribit_key("alice", client_id="AliceKey", client_secret="alice-secret"))


def test_a_trailing_stop_reads_with_its_offset_and_its_moving_trigger_price(mock: MockServer, alice: Deribit) -> None:
    placed = alice.decimal("private/sell", instrument_name=PERP, amount=100, type="trailing_stop",
                           trigger="index_price", trigger_offset=500, label="trail")["order"]  # fmt: skip
    assert {k: placed[k] for k in ("order_type", "order_state", "price", "trigger_price", "trigger_offset",
                                   "trigger_reference_price")} == {
        "order_type": "trailing_stop", "order_state": "untriggered", "price": "market_price", "trigger_price": 59500,
        "trigger_offset": 500, "trigger_reference_price": 60000,
    }  # fmt: skip
    mock.set_index_price("btc_usd", "61000")
    state = alice.decimal("private/get_order_state", order_id=placed["order_id"])
    assert state["trigger_price"] == 60500
    assert [row["order_id"] for row in alice.decimal("private/get_open_orders", type="trailing_stop")] == [
        placed["order_id"]
    ]
    assert alice.decimal("private/get_open_orders", type="stop_all") == []
    (entry,) = alice.decimal("private/get_trigger_order_history", currency="BTC")["entries"]
    assert (entry["trigger_offset"], entry["trigger_price"], entry["order_type"]) == (500, 60500, "market")


def test_an_edit_gives_a_trailing_stop_a_new_offset_from_its_triggers_price_now(
    mock: MockServer, alice: Deribit
) -> None:
    """private/edit's `trigger_offset`: an untriggered trailing stop trails again from its trigger's price now; any
    other order has no offset to change (-32602 `trigger_offset`, nothing changed)."""
    placed = alice.decimal("private/sell", instrument_name=PERP, amount=100, type="trailing_stop",
                           trigger="index_price", trigger_offset=500)["order"]  # fmt: skip
    mock.set_index_price("btc_usd", "61000")  # (it trailed up to 60,500)
    mock.set_index_price("btc_usd", "60900")
    edited = alice.decimal("private/edit", order_id=placed["order_id"], amount=100, trigger_offset=200)["order"]
    assert (edited["trigger_offset"], edited["trigger_price"], edited["trigger_reference_price"]) == (200, 60700, 60900)
    limit = alice.decimal("private/sell", instrument_name=PERP, amount=10, price=70000)["order"]
    error = alice.rpc("private/edit", order_id=limit["order_id"], amount=10, price=70000, trigger_offset=300)["error"]
    assert (error["code"], error["data"]["param"]) == (-32602, "trigger_offset")
    assert "trigger_offset" not in alice.decimal("private/get_order_state", order_id=limit["order_id"])


def test_a_market_limit_and_an_otoco_from_a_query_string(mock: MockServer, alice: Deribit) -> None:
    mock.deribit_order("bob", PERP, "sell", "100", "60010")
    answer = alice.query("private/buy", f"instrument_name={PERP}&amount=150&type=market_limit")
    order = json.loads(answer.text)["result"]["order"]
    assert (order["order_type"], order["original_order_type"], order["price"], order["filled_amount"]) == (
        "limit", "market_limit", 60010, 100,
    )  # fmt: skip
    config = quote(json.dumps(TAKE_AND_STOP))
    answer = alice.query(
        "private/buy", f"instrument_name={PERP}&amount=10&price=59000&linked_order_type=one_triggers_one_cancels_other"
        f"&otoco_config={config}",
    )  # fmt: skip
    primary = json.loads(answer.text)["result"]["order"]
    assert primary["is_primary_otoco"] is True and len(primary["oto_order_ids"]) == 2
    secondary = alice.result("private/get_order_state", order_id=primary["oto_order_ids"][0])
    assert secondary["is_secondary_oto"] and secondary["primary_order_id"] == primary["order_id"]
    refused = alice.rpc("private/buy", instrument_name=PERP, amount=10, price=59000,
                        linked_order_type="one_cancels_other", otoco_config=[{"price": "cheap"}])  # fmt: skip
    assert (refused["error"]["code"], refused["error"]["data"]["param"]) == (-32602, "otoco_config")


def test_an_otocos_orders_are_notified_as_they_wait_are_placed_and_cancel_each_other(mock: MockServer) -> None:
    mock.create_deribit_key("alice", client_id="AliceKey", client_secret="alice-secret")

    async def run() -> list[dict]:
        async with websockets.connect(mock.deribit_ws_url) as ws:
            client = DeribitWs(ws)
            assert "result" in await client.auth("AliceKey", "alice-secret")
            await client.call("private/subscribe", {"channels": [f"user.orders.{PERP}.raw"]})
            placed = await client.call("private/buy", {
                "instrument_name": PERP, "amount": 10, "price": 59000, "otoco_config": TAKE_AND_STOP,
                "linked_order_type": "one_triggers_one_cancels_other",
            })  # fmt: skip
            assert "result" in placed, placed
            mock.deribit_order("bob", PERP, "sell", "10", "59000")  # fills the primary: its pair is placed
            mock.set_mark_price(PERP, "57000")  # the stop fires: the take is cancelled
            seen: list[dict] = []
            while not any(frame.get("cancel_reason") == "oco_other_closed" for frame in seen):
                seen.append((await client.notification())["params"]["data"])
            return seen

    seen = asyncio.run(run())
    states = [(frame["order_type"], frame["order_state"], frame.get("is_secondary_oto", False)) for frame in seen]
    assert states[:3] == [("limit", "open", False), ("take_limit", "untriggered", True),
                          ("stop_market", "untriggered", True)]  # fmt: skip
    assert ("limit", "filled", False) in states
    assert ("take_limit", "untriggered", False) in states and ("stop_market", "untriggered", False) in states
    assert seen[-1]["order_type"] == "take_limit" and seen[-1]["order_state"] == "cancelled"
    assert {frame.get("oco_ref") for frame in seen[1:]} - {None} == {seen[-1]["oco_ref"]}


def test_a_trailing_stops_moves_and_an_incremental_secondarys_growth_are_notified(mock: MockServer) -> None:
    mock.create_deribit_key("alice", client_id="AliceKey", client_secret="alice-secret")

    async def next_of(client: DeribitWs, order_id: str) -> dict:
        while True:
            data = (await client.notification())["params"]["data"]
            if data["order_id"] == order_id:
                return data

    async def run() -> tuple[list[dict], list[dict]]:
        async with websockets.connect(mock.deribit_ws_url) as ws:
            client = DeribitWs(ws)
            assert "result" in await client.auth("AliceKey", "alice-secret")
            await client.call("private/subscribe", {"channels": [f"user.orders.{PERP}.raw"]})
            trailing = (await client.call("private/sell", {
                "instrument_name": PERP, "amount": 10, "type": "trailing_stop", "trigger": "index_price",
                "trigger_offset": 500,
            }))["result"]["order"]  # fmt: skip
            moves = [await next_of(client, trailing["order_id"])]  # placed
            mock.set_index_price("btc_usd", "60100")
            mock.set_index_price("btc_usd", "60050")  # back: it stays, nothing told
            mock.set_index_price("btc_usd", "60200")
            moves += [await next_of(client, trailing["order_id"]) for _ in range(2)]
            primary = (await client.call("private/buy", {
                "instrument_name": PERP, "amount": 50, "price": 59000, "linked_order_type": "one_triggers_other",
                "trigger_fill_condition": "incremental", "otoco_config": [{"price": 62000}],
            }))["result"]["order"]  # fmt: skip
            (secondary,) = primary["oto_order_ids"]
            growth = [await next_of(client, secondary)]  # waiting
            mock.deribit_order("bob", PERP, "sell", "10", "59000")
            mock.deribit_order("bob", PERP, "sell", "20", "59000")
            growth += [await next_of(client, secondary) for _ in range(2)]
            return moves, growth

    moves, growth = asyncio.run(run())
    assert [(m["trigger_price"], m["order_state"]) for m in moves] == [
        (59500, "untriggered"), (59600, "untriggered"), (59700, "untriggered"),
    ]  # fmt: skip
    assert moves[1]["last_update_timestamp"] >= moves[0]["last_update_timestamp"]
    assert [(g["amount"], g["order_state"], g.get("is_secondary_oto", False), g["trigger_fill_condition"])
            for g in growth] == [
        (50, "untriggered", True, "incremental"), (10, "open", False, "incremental"),
        (30, "open", False, "incremental"),
    ]  # fmt: skip


def _orders(who: Deribit) -> list[tuple[str, str, str | None]]:
    """Every order of the perpetual, open or not: (direction, state, cancel reason)."""
    rows = who.result("private/get_order_history_by_instrument", instrument_name=PERP, include_unfilled=True)
    return [(row["direction"], row["order_state"], row.get("cancel_reason")) for row in rows]


@pytest.mark.parametrize(
    ("bob_asks", "other"),
    [
        ([], {"direction": "sell", "price": 58000}),  # it would take its own primary's bid
        ([], {"direction": "sell", "price": 59000}),  # at the bid's own price
        ([59000, 59500], {"direction": "buy", "price": 59600}),  # it would take bob's asks (the primary takes one)
    ],
)
def test_an_oco_whose_other_order_would_be_rejected_as_post_only_places_neither(mock, alice, bob_asks, other):
    """The other order was once placed after the primary: refused, it left the primary resting unlinked, or its
    fill made, while the request answered an error."""
    bob = Deribit(mock, mock.create_deribit_key("bob"))
    for price in bob_asks:
        bob.result("private/sell", instrument_name=PERP, amount=10, price=price)
    refused = alice.rpc("private/buy", instrument_name=PERP, amount=10, price=59000,
                        linked_order_type="one_cancels_other",
                        otoco_config=[other | {"post_only": True, "reject_post_only": True}])  # fmt: skip
    assert refused["error"]["message"] == "post_only_reject", refused
    assert _orders(alice) == [] and alice.decimal("private/get_position", instrument_name=PERP)["size"] == 0


def test_an_oco_whose_other_order_lacks_the_funds_takes_its_resting_primary_back(mock, alice):
    """Funds for the primary's bid alone: the other order is refused (not_enough_funds) once the primary rests, and
    the primary, which took nothing, is cancelled with it: nothing is left open."""
    mock.create_deribit_account("thin", balances={"BTC": "0.000005"})
    thin = Deribit(mock, mock.create_deribit_key("thin"))
    assert thin.result("private/buy", instrument_name=PERP, amount=10, price=50000)["order"]["order_state"] == "open"
    thin.result("private/cancel_all")
    refused = thin.rpc("private/buy", instrument_name=PERP, amount=10, price=50000,
                       linked_order_type="one_cancels_other",
                       otoco_config=[{"direction": "buy", "price": 49000}])  # fmt: skip
    assert refused["error"]["message"] == "not_enough_funds", refused
    assert thin.result("private/get_open_orders", instrument_name=PERP) == []
    assert _orders(thin)[0] == ("buy", "cancelled", "oco_other_closed")


def test_an_oco_whose_primary_traded_keeps_its_trades_and_its_other_order_ends_rejected(mock, alice):
    """Funds for the primary's fill alone: it takes bob's ask; its other order, refused for funds after, ends
    `rejected` (as a linked order placed late does), and the request answers the primary and its trade."""
    bob = Deribit(mock, mock.create_deribit_key("bob"))
    bob.result("private/sell", instrument_name=PERP, amount=10, price=59000)
    mock.create_deribit_account("thin", balances={"BTC": "0.000004"})
    thin = Deribit(mock, mock.create_deribit_key("thin"))
    made = thin.result("private/buy", instrument_name=PERP, amount=10, price=59000,
                       linked_order_type="one_cancels_other",
                       otoco_config=[{"direction": "buy", "price": 49000}])  # fmt: skip
    assert (made["order"]["order_state"], len(made["trades"])) == ("filled", 1)
    assert thin.decimal("private/get_position", instrument_name=PERP)["size"] == 10
    assert sorted(_orders(thin)) == [("buy", "filled", None), ("buy", "rejected", None)]
    assert thin.result("private/get_open_orders", instrument_name=PERP) == []
