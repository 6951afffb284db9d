"""Kalshi's order groups over the admin API, real HTTP (docs/admin-api.md): made, given a limit, triggered, reset and
deleted by `POST /_admin/order_groups[/limit|/trigger|/reset|/delete]`, each change what a client then reads over
Kalshi's REST; read beside the account's orders in `GET /_admin/accounts/{user_id}` (`order_groups`: each group as
REST serves it, with what its orders matched in the window and how many rest); bad input (an unknown group, another
user's, wrong types, huge numbers, bodies that are not JSON) answered in the admin's shape, never a 500, nothing
changed."""

from __future__ import annotations

import json

import httpx
import plain_http
import pytest
from inspector_orders import M, inspected, place, sandbox_fixtures
from kalshi_http import ok, signed

from mockexchange.admin.kalshi import order_groups as kalshi_order_groups
from mockexchange.server import MockServer
from mockexchange.state import snapshot

server, mock = sandbox_fixtures()


def admin(mock: MockServer, operation: str, body: object = None, raw: bytes | None = None) -> httpx.Response:
    content = raw if raw is not None else json.dumps(body).encode()
    return plain_http.post(f"{mock.base_url}/_admin/{operation}", content=content,
                      headers={"Content-Type": "application/json"}, timeout=10)  # fmt: skip


def done(mock: MockServer, operation: str, body: dict) -> dict:
    r = admin(mock, operation, body)
    assert r.status_code == 200, r.text
    return r.json()


def groups_shown(mock: MockServer, user_id: str = "alice", subaccount: int = 0) -> dict[str, dict]:
    return {g["id"]: g for g in inspected(mock, user_id, subaccount)["order_groups"]["order_groups"]}


def served(client: httpx.Client, group_id: str) -> dict:
    """The group as Kalshi's REST serves it: its row of the list and its orders."""
    (row,) = [g for g in ok(client, "/portfolio/order_groups")["order_groups"] if g["id"] == group_id]
    return {**row, "orders": ok(client, f"/portfolio/order_groups/{group_id}")["orders"]}


def test_a_groups_life_over_the_admin_api_is_what_rest_and_the_inspector_read(mock: MockServer) -> None:
    made = done(mock, "order_groups", {"user_id": "alice", "contracts_limit": 3})
    gid = made["order_group_id"]
    assert made == {"order_group_id": gid, "subaccount": 0, "exchange_index": 0}
    seeded = done(mock, "order_groups", {"user_id": "alice", "contracts_limit_fp": "5.00", "subaccount": 1,
                                         "order_group_id": "grp-seeded"})  # fmt: skip
    assert seeded == {"order_group_id": "grp-seeded", "subaccount": 1, "exchange_index": 0}
    with signed(mock, "alice") as alice:
        resting = place(alice, count="2", price="0.30", order_group_id=gid)["order_id"]
        place(alice, count="2", price="0.45", order_group_id=gid)  # takes 2 of the house's ask: 2 matched, under 3
        shown = groups_shown(mock)
        assert set(shown) == {gid}  # the shown subaccount's only
        assert {k: v for k, v in shown[gid].items() if k not in kalshi_order_groups.INSIDE_FIELDS} == served(alice, gid)
        assert (shown[gid]["contracts_limit_fp"], shown[gid]["is_auto_cancel_enabled"]) == ("3.00", False)
        assert [shown[gid][k] for k in kalshi_order_groups.INSIDE_FIELDS] == ["2.00", 2, 1]

        done(mock, "order_groups/limit", {"user_id": "alice", "order_group_id": gid, "contracts_limit": 1})
        assert ok(alice, f"/portfolio/orders/{resting}")["order"]["status"] == "canceled"  # below 2 matched: triggered
        shown = groups_shown(mock)[gid]
        assert (shown["contracts_limit_fp"], shown["is_auto_cancel_enabled"], shown["resting_count"]) == (
            "1.00", True, 0)  # fmt: skip
        assert shown == {**served(alice, gid), **{k: shown[k] for k in kalshi_order_groups.INSIDE_FIELDS}}
        refused = alice.post("/portfolio/events/orders", json={
            "ticker": M, "side": "bid", "count": "1", "price": "0.30", "time_in_force": "good_till_canceled",
            "self_trade_prevention_type": "taker_at_cross", "order_group_id": gid})  # fmt: skip
        assert refused.status_code == 409, refused.text  # a triggered group takes no order

        done(mock, "order_groups/reset", {"user_id": "alice", "order_group_id": gid})
        shown = groups_shown(mock)[gid]
        assert (shown["is_auto_cancel_enabled"], shown["matched_fp"]) == (False, "0.00")
        again = place(alice, count="1", price="0.31", order_group_id=gid)["order_id"]
        done(mock, "order_groups/trigger", {"user_id": "alice", "order_group_id": gid})
        assert ok(alice, f"/portfolio/orders/{again}")["order"]["status"] == "canceled"
        assert groups_shown(mock)[gid]["is_auto_cancel_enabled"] is True

        done(mock, "order_groups/delete", {"user_id": "alice", "order_group_id": gid})
        assert alice.get(f"/portfolio/order_groups/{gid}").status_code == 404
        assert groups_shown(mock) == {}
    with signed(mock, "alice", subaccount=1) as alice_1:
        assert groups_shown(mock, subaccount=1) == {"grp-seeded": {**served(alice_1, "grp-seeded"),
                                                                   "matched_fp": "0.00", "orders_count": 0,
                                                                   "resting_count": 0}}  # fmt: skip


def test_matches_leave_the_window_after_15_seconds(mock: MockServer) -> None:
    gid = done(mock, "order_groups", {"user_id": "alice", "contracts_limit": 10})["order_group_id"]
    with signed(mock, "alice") as alice:
        place(alice, count="2", price="0.45", order_group_id=gid)
    assert groups_shown(mock)[gid]["matched_fp"] == "2.00"
    mock.advance_clock(seconds=15)
    assert groups_shown(mock)[gid]["matched_fp"] == "0.00"


def test_a_group_shows_its_latest_orders_and_the_list_says_when_more_follow(mock: MockServer) -> None:
    gid = done(mock, "order_groups", {"user_id": "bob", "contracts_limit": 5})["order_group_id"]
    many = kalshi_order_groups.GROUP_ORDERS + 2
    with signed(mock, "bob") as bob:
        r = bob.post("/portfolio/events/orders/batched", json={"orders": [
            {"ticker": M, "side": "bid", "count": "1", "price": "0.10", "time_in_force": "good_till_canceled",
             "self_trade_prevention_type": "taker_at_cross", "order_group_id": gid} for _ in range(many)]})  # fmt: skip
        assert r.status_code == 201, r.text
        everyone = ok(bob, f"/portfolio/order_groups/{gid}")["orders"]
    shown = groups_shown(mock, "bob")[gid]
    assert len(everyone) == many and shown["orders"] == everyone[-kalshi_order_groups.GROUP_ORDERS :]
    assert (shown["orders_count"], shown["resting_count"]) == (many, many)
    for _ in range(100):
        mock.create_order_group("bob", contracts_limit=1)
    listed = inspected(mock, "bob")["order_groups"]
    assert (len(listed["order_groups"]), listed["more"]) == (100, True)
    assert listed["order_groups"][0]["id"] == gid  # oldest first, as REST lists them


EXISTING = "g-1"


@pytest.mark.parametrize(
    ("operation", "body", "status", "says"),
    [
        ("order_groups", {"user_id": "alice"}, 400, "contracts_limit"),
        ("order_groups", {"user_id": "nobody", "contracts_limit": 5}, 404, "unknown user_id"),
        ("order_groups", {"user_id": ["alice"], "contracts_limit": 5}, 400, "user_id"),
        ("order_groups", {"user_id": "alice", "contracts_limit": "5"}, 400, "contracts_limit"),
        ("order_groups", {"user_id": "alice", "contracts_limit": 5.0}, 400, "contracts_limit"),
        ("order_groups", {"user_id": "alice", "contracts_limit": True}, 400, "contracts_limit"),
        ("order_groups", {"user_id": "alice", "contracts_limit": 0}, 400, "contracts_limit"),
        ("order_groups", {"user_id": "alice", "contracts_limit": 1_000_001}, 400, "contracts_limit"),
        ("order_groups", {"user_id": "alice", "contracts_limit": 10**30}, 400, "contracts_limit"),
        ("order_groups", {"user_id": "alice", "contracts_limit_fp": "2.50"}, 400, "contracts_limit_fp"),
        ("order_groups", {"user_id": "alice", "contracts_limit_fp": "1e999999"}, 400, "contracts_limit_fp"),
        ("order_groups", {"user_id": "alice", "contracts_limit_fp": "9" * 5000}, 400, "contracts_limit_fp"),
        ("order_groups", {"user_id": "alice", "contracts_limit": 5, "contracts_limit_fp": "6.00"}, 400, "match"),
        ("order_groups", {"user_id": "alice", "contracts_limit": 5, "subaccount": 2**64}, 400, "subaccount"),
        ("order_groups", {"user_id": "alice", "contracts_limit": 5, "subaccount": 5}, 400, "subaccount"),
        ("order_groups", {"user_id": "alice", "contracts_limit": 5, "exchange_index": -1}, 400, "exchange_index"),
        ("order_groups", {"user_id": "alice", "contracts_limit": 5, "exchange_index": 9}, 400, "exchange_index"),
        ("order_groups", {"user_id": "alice", "contracts_limit": 5, "order_group_id": ""}, 400, "order_group_id"),
        (
            "order_groups",
            {"user_id": "alice", "contracts_limit": 5, "order_group_id": "x" * 10**5},
            400,
            "order_group_id",
        ),
        ("order_groups", {"user_id": "alice", "contracts_limit": 5, "order_group_id": EXISTING}, 409, "exists"),
        ("order_groups/limit", {"user_id": "alice", "order_group_id": "nope", "contracts_limit": 2}, 404, "nope"),
        ("order_groups/limit", {"user_id": "alice", "order_group_id": EXISTING}, 400, "contracts_limit"),
        (
            "order_groups/limit",
            {"user_id": "alice", "order_group_id": EXISTING, "contracts_limit": 10**20},
            400,
            "contracts_limit",
        ),
        ("order_groups/trigger", {"user_id": "alice", "order_group_id": "nope"}, 404, "no order group"),
        ("order_groups/trigger", {"user_id": "bob", "order_group_id": EXISTING}, 404, "no order group"),
        ("order_groups/trigger", {"user_id": "alice", "order_group_id": EXISTING, "subaccount": 1}, 404, "no order"),
        ("order_groups/trigger", {"user_id": "alice", "order_group_id": 12}, 400, "order_group_id"),
        ("order_groups/trigger", {"user_id": "alice", "order_group_id": [EXISTING]}, 400, "order_group_id"),
        (
            "order_groups/reset",
            {"user_id": "alice", "order_group_id": EXISTING, "exchange_index": 10**20},
            400,
            "exchange_index",
        ),
        ("order_groups/reset", {"user_id": "alice", "order_group_id": EXISTING, "subaccount": -1}, 400, "subaccount"),
        ("order_groups/delete", {"user_id": "alice", "order_group_id": EXISTING, "limit": 1}, 400, "unknown field"),
        ("order_groups/delete", {"order_group_id": EXISTING}, 400, "missing field"),
        ("order_groups/delete", {"user_id": None, "order_group_id": EXISTING}, 400, "user_id"),
    ],
)
def test_bad_input_is_the_admins_shape_and_changes_nothing(mock, operation, body, status, says):
    done(mock, "order_groups", {"user_id": "alice", "contracts_limit": 5, "order_group_id": EXISTING})
    before = snapshot.take(mock.app.control)
    r = admin(mock, operation, body)
    assert r.status_code == status, r.text
    assert set(r.json()) == {"error"} and says in r.json()["error"], r.text
    assert snapshot.take(mock.app.control) == before


@pytest.mark.parametrize(
    "raw",
    [
        b'{"user_id": "alice", "contracts_limit": 1e400}',
        b'{"user_id": "alice", "contracts_limit": 1' + b"0" * 5000 + b"}",
        b"[]",
        b"not json",
        b'{"user_id": "alice", "contracts_limit": 5',
    ],
)
def test_bodies_that_are_not_a_json_object_are_refused(mock: MockServer, raw: bytes) -> None:
    before = snapshot.take(mock.app.control)
    r = admin(mock, "order_groups", raw=raw)
    assert r.status_code == 400 and set(r.json()) == {"error"}, r.text
    assert snapshot.take(mock.app.control) == before
