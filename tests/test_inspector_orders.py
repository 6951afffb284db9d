"""The inspector's orders over real HTTP (docs/inspector.md): an account's resting orders (each what GET
/portfolio/orders serves, with what it holds), its ended ones (most recent first, each what GET /portfolio/orders/{id}
serves), per subaccount; a market's book naming each level's owners in queue order (the house, each account's order);
the live feed naming the account and the market as an order changes; bad input refused in the admin's shape."""

from __future__ import annotations

import plain_http
import pytest
from inspector_orders import EXPIRES, M, as_served, cancel, inspected, place, sandbox_fixtures
from kalshi_http import ok, signed
from test_inspector_api import Events

from mockexchange.admin.kalshi import orders as kalshi_orders
from mockexchange.server import MockServer

server, mock = sandbox_fixtures()


def test_an_accounts_orders_are_what_rest_serves_with_what_each_holds(mock: MockServer) -> None:
    with signed(mock, "alice") as alice, signed(mock, "alice", subaccount=1) as alice_1, signed(mock, "bob") as bob:
        gone = place(alice, count="2", price="0.31")  # placed first, ended last
        # Takes 1 of the house's bid: executed, never rests.
        place(alice, side="ask", count="1", price="0.40", time_in_force="immediate_or_cancel")
        partly = place(alice, count="7", price="0.46", client_order_id="a-1")  # 5 fill at 0.45, 2 rest
        later = place(alice, count="3", price="0.30", client_order_id="a-2", expiration_time=EXPIRES)
        mock.ledger.state.clock.advance(1)
        cancel(alice, gone["order_id"])
        place(alice_1, count="4", price="0.35", client_order_id="s-1")
        place(bob, count="1", price="0.20")
        served = ok(alice, "/portfolio/orders", status="resting", subaccount="0")["orders"]
        ended_ids = [o["order_id"] for o in ok(alice, "/portfolio/orders", subaccount="0")["orders"]
                     if o["status"] != "resting"]  # fmt: skip
        ended_served = {i: ok(alice, f"/portfolio/orders/{i}")["order"] for i in ended_ids}
        served_1 = ok(alice_1, "/portfolio/orders", status="resting")["orders"]
    shown = inspected(mock, "alice")["orders"]
    assert [as_served(o) for o in shown["resting"]["orders"]] == served
    assert [o["order_id"] for o in served] == [later["order_id"], partly["order_id"]]  # newest placed first
    held = {o["client_order_id"]: o["held_dollars"] for o in shown["resting"]["orders"]}
    assert held == {"a-1": "0.920000", "a-2": "0.900000"}  # 2 x 0.46, 3 x 0.30 (no maker fee on this series)
    rows = {o["client_order_id"]: o for o in shown["resting"]["orders"]}
    assert (rows["a-1"]["fill_count_fp"], rows["a-1"]["remaining_count_fp"]) == ("5.00", "2.00")
    assert rows["a-2"]["expiration_time"] == "2026-11-02T16:00:00.000000Z" and rows["a-2"]["order_group_id"] is None
    ended = shown["ended"]["orders"]
    assert [o["status"] for o in ended] == ["canceled", "executed"]  # by when it ended, most recent first
    assert [as_served(o) for o in ended] == [ended_served[o["order_id"]] for o in ended]
    assert {o["held_dollars"] for o in ended} == {"0.000000"}
    assert [(o["time_in_force"], o["post_only"]) for o in ended] == [
        ("good_till_canceled", False), ("immediate_or_cancel", False)]  # fmt: skip
    assert (shown["resting"]["more"], shown["ended"]["more"]) == (False, False)
    sub_1 = inspected(mock, "alice", 1)
    assert [as_served(o) for o in sub_1["orders"]["resting"]["orders"]] == served_1
    assert [o["client_order_id"] for o in served_1] == ["s-1"] and sub_1["orders"]["ended"]["orders"] == []
    assert sub_1["queries"]["resting_orders"].endswith("status=resting&limit=100&subaccount=1")


def test_the_lists_are_bounded_and_say_more_follow(mock: MockServer) -> None:
    with signed(mock, "bob") as bob:
        r = bob.post("/portfolio/events/orders/batched", json={"orders": [
            {"ticker": M, "side": "bid", "count": "1", "price": "0.10", "time_in_force": "good_till_canceled",
             "self_trade_prevention_type": "taker_at_cross"} for _ in range(101)]})  # fmt: skip
        assert r.status_code == 201, r.text
        assert bob.delete("/portfolio/events/orders").status_code == 204
        place(bob, price="0.11")
    shown = inspected(mock, "bob")["orders"]
    assert (len(shown["resting"]["orders"]), shown["resting"]["more"]) == (1, False)
    assert (len(shown["ended"]["orders"]), shown["ended"]["more"]) == (100, True)


def test_each_book_level_names_its_owners_in_queue_order(mock: MockServer) -> None:
    with signed(mock, "alice") as alice, signed(mock, "bob") as bob:
        behind_house = place(bob, count="2", price="0.40")
        first = place(alice, count="7", price="0.46")  # 5 fill, 2 rest at 0.46
        second = place(bob, count="1", price="0.46")
    r = plain_http.get(f"{mock.base_url}/_admin/markets/{M}", timeout=10)
    assert r.status_code == 200, r.text
    bids = {level["yes_price_dollars"]: level for level in r.json()["book"]["bids"]}
    assert bids["0.4600"]["owners"] == [
        {"owner": "alice", "subaccount": 0, "order_id": first["order_id"], "count_fp": "2.00"},
        {"owner": "bob", "subaccount": 0, "order_id": second["order_id"], "count_fp": "1.00"},
    ]
    assert bids["0.4600"]["count_fp"] == "3.00"
    assert bids["0.4000"]["owners"] == [
        {"owner": "house", "count_fp": "10.00"},
        {"owner": "bob", "subaccount": 0, "order_id": behind_house["order_id"], "count_fp": "2.00"},
    ]


def test_a_crowded_level_names_its_first_orders_and_the_rest_together(mock: MockServer) -> None:
    crowd = kalshi_orders.LEVEL_ORDERS + 3
    with signed(mock, "bob") as bob:
        made = [place(bob, price="0.12") for _ in range(crowd)]
    r = plain_http.get(f"{mock.base_url}/_admin/markets/{M}", timeout=10)
    owners = next(lv for lv in r.json()["book"]["bids"] if lv["yes_price_dollars"] == "0.1200")["owners"]
    named = [o["order_id"] for o in owners[:-1]]
    assert named == [m["order_id"] for m in made[: kalshi_orders.LEVEL_ORDERS]]
    assert owners[-1] == {"owner": "accounts", "orders": 3, "count_fp": "3.00"}


def test_the_feed_names_the_account_and_the_market_as_an_order_changes(mock: MockServer) -> None:
    with signed(mock, "alice") as alice:
        events = Events(mock)
        try:
            events.wait_for("hello")
            made = place(alice, price="0.33")
            events.wait_for("state", lambda d: d["users"] is not None and "alice" in d["users"]["kalshi"])
            events.wait_for("markets", lambda d: d["tickers"] is None or M in d["tickers"])
            events.got.clear()
            # An amend that moves nothing on the book and no cash: the order's change alone tells.
            r = alice.post(f"/portfolio/events/orders/{made['order_id']}/amend",
                           json={"ticker": M, "side": "bid", "price": "0.33", "count": "1",
                                 "updated_client_order_id": "renamed"})  # fmt: skip
            assert r.status_code == 200, r.text
            events.wait_for("state", lambda d: d["users"] is not None and "alice" in d["users"]["kalshi"])
            events.got.clear()
            cancel(alice, made["order_id"])
            events.wait_for("state", lambda d: d["users"] is not None and "alice" in d["users"]["kalshi"])
        finally:
            events.close()


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("accounts/nobody", {}, 404),
        ("accounts/%00", {}, 404),
        ("accounts/alice", {"subaccount": "64"}, 400),
        ("accounts/alice", {"subaccount": "-1"}, 400),
        ("accounts/alice", {"subaccount": "1e3"}, 400),
        ("accounts/alice", {"subaccount": "9" * 400}, 400),
        ("accounts/alice", {"status": "resting"}, 400),
    ],
)
def test_bad_input_to_the_orders_read_is_the_admin_shape(mock: MockServer, path: str, params: dict, status: int):
    r = plain_http.get(f"{mock.base_url}/_admin/{path}", params=params, timeout=10)
    assert r.status_code == status, r.text
    assert set(r.json()) <= {"error", "errors"} and r.json()["error"]
