"""Kalshi's order groups over real HTTP with signed requests: made, listed, read, triggered by their contracts limit
over the rolling 15-second window (as taker and as maker), by hand and by a lower limit, reset and deleted; orders
placed into them (one at a time and in a batch) and refused when the group is not the key's or is triggered; every
refusal a 4xx in Kalshi's shape that changes nothing; subaccounts as the spec says."""

from __future__ import annotations

from datetime import timedelta

import httpx
import plain_http
import pytest
from kalshi_http import ok
from kalshi_orders import T0, M, N, fresh, order, place, refused, state
from module_mocks import client_of, forget, module_mock, signed

from mockexchange.server import MockServer

GROUPS = "/portfolio/order_groups"


server_fixture = module_mock("server", T0)


@pytest.fixture
def mock(server: MockServer) -> MockServer:
    """alice and bob ($100 each), markets M and N with no book."""
    forget(fresh(server))
    return server


alice_client, bob_client = client_of("alice"), client_of("bob")


def make_group(client: httpx.Client, **body) -> str:
    r = client.post(f"{GROUPS}/create", json=body or {"contracts_limit": 5})
    assert r.status_code == 201, r.text
    return r.json()["order_group_id"]


def group(client: httpx.Client, group_id: str, **params) -> dict:
    return ok(client, f"{GROUPS}/{group_id}", **params)


def status(client: httpx.Client, order_id: str) -> tuple[str, str]:
    row = ok(client, f"/portfolio/orders/{order_id}")["order"]
    return row["status"], row["remaining_count_fp"]


# -- the shapes --------------------------------------------------------------------------------------------------------


def test_a_group_is_made_listed_and_read_in_the_specs_shapes(mock, alice):
    r = alice.post(f"{GROUPS}/create", json={"contracts_limit": 5})
    assert r.status_code == 201
    made = r.json()
    assert made == {"order_group_id": made["order_group_id"], "subaccount": 0, "exchange_index": 0}
    gid = made["order_group_id"]
    other = make_group(alice, contracts_limit_fp="12.00", contracts_limit=12)
    assert ok(alice, GROUPS) == {"order_groups": [
        {"id": gid, "contracts_limit_fp": "5.00", "is_auto_cancel_enabled": False, "exchange_index": 0},
        {"id": other, "contracts_limit_fp": "12.00", "is_auto_cancel_enabled": False, "exchange_index": 0},
    ]}  # fmt: skip
    first = place(alice, order_group_id=gid)
    second = place(alice, order_group_id=gid, price="0.31")
    place(alice)  # in no group
    assert group(alice, gid) == {"is_auto_cancel_enabled": False, "contracts_limit_fp": "5.00",
                                 "orders": [first["order_id"], second["order_id"]], "exchange_index": 0}  # fmt: skip
    row = ok(alice, f"/portfolio/orders/{first['order_id']}")["order"]
    assert row["order_group_id"] == gid
    # another user's list holds none of them, and reads them as none
    with signed(mock, "bob") as bob:
        assert ok(bob, GROUPS) == {"order_groups": []}
        assert bob.get(f"{GROUPS}/{gid}").status_code == 404


def test_a_groups_subaccount_is_the_bodys_and_reads_filter_by_it(mock, alice):
    mock.create_subaccount("alice")
    primary = make_group(alice)
    r = alice.post(f"{GROUPS}/create", json={"contracts_limit": 3, "subaccount": 1})
    assert r.status_code == 201 and r.json()["subaccount"] == 1
    sub = r.json()["order_group_id"]
    assert [g["id"] for g in ok(alice, GROUPS)["order_groups"]] == [primary, sub]  # omitted: every subaccount
    assert [g["id"] for g in ok(alice, GROUPS, subaccount=1)["order_groups"]] == [sub]
    assert group(alice, sub)["contracts_limit_fp"] == "3.00"  # one group: any subaccount's when omitted
    assert alice.get(f"{GROUPS}/{sub}", params={"subaccount": 0}).status_code == 404
    # the writes default to the primary: the subaccount's group is named with its number
    refused(alice.put(f"{GROUPS}/{sub}/trigger"), 404, "not_found")
    assert alice.put(f"{GROUPS}/{sub}/trigger", params={"subaccount": 1}).status_code == 200
    # an order joins a group of its own subaccount only
    refused(alice.post("/portfolio/events/orders", json=order(order_group_id=primary, subaccount=1)), 404, "not_found")
    # a key locked to subaccount 1 sees and makes that subaccount's groups only
    with signed(mock, "alice", subaccount=1) as locked:
        assert [g["id"] for g in ok(locked, GROUPS)["order_groups"]] == [sub]
        made = locked.post(f"{GROUPS}/create", json={"contracts_limit": 2}).json()
        assert made["subaccount"] == 1
        assert locked.get(f"{GROUPS}/{primary}").status_code == 404
        assert locked.post(f"{GROUPS}/create", json={"contracts_limit": 2, "subaccount": 0}).status_code == 403
        assert locked.put(f"{GROUPS}/{made['order_group_id']}/reset", params={"subaccount": 0}).status_code == 403


def test_an_unknown_subaccount_or_exchange_index_makes_no_group(mock, alice):
    before = state(mock)
    refused(alice.post(f"{GROUPS}/create", json={"contracts_limit": 5, "subaccount": 3}), 400, "bad_request")
    refused(alice.post(f"{GROUPS}/create", json={"contracts_limit": 5, "exchange_index": 7}), 400, "bad_request")
    assert state(mock) == before


# -- the limit over the rolling window ---------------------------------------------------------------------------------


def test_passing_the_limit_triggers_the_group_its_orders_end_and_new_ones_are_refused_until_a_reset(mock, alice, bob):
    gid = make_group(alice, contracts_limit=3)
    maker = place(alice, order_group_id=gid, count="5", price="0.40")
    other_market = place(alice, order_group_id=gid, ticker=N, count="2", price="0.20")
    outside = place(alice, count="1", price="0.39")  # in no group: it stays
    # bob takes 3 of alice's maker order: 3 matched, not past the limit of 3
    bob.post("/portfolio/events/orders", json=order(side="ask", count="3", price="0.40",
                                                    time_in_force="immediate_or_cancel"))  # fmt: skip
    assert status(alice, maker["order_id"]) == ("resting", "2.00")
    assert group(alice, gid)["is_auto_cancel_enabled"] is False
    # one more: 4 matched in the window, past 3: the group triggers, its resting orders end (both markets)
    taken = bob.post("/portfolio/events/orders", json=order(side="ask", count="1", price="0.40",
                                                            time_in_force="immediate_or_cancel")).json()  # fmt: skip
    assert taken["fill_count"] == "1.00"
    assert status(alice, maker["order_id"]) == ("canceled", "0.00")
    assert status(alice, other_market["order_id"]) == ("canceled", "0.00")
    assert status(alice, outside["order_id"]) == ("resting", "1.00")
    assert group(alice, gid)["is_auto_cancel_enabled"] is True
    book = plain_http.get(f"{mock.kalshi_url}/markets/{M}/orderbook").json()["orderbook_fp"]
    assert book["yes_dollars"] == [["0.3900", "1.00"]]
    balance = ok(alice, "/portfolio/balance")["balance"]
    before = state(mock)
    refused(alice.post("/portfolio/events/orders", json=order(order_group_id=gid)), 409, "order_group_triggered")
    batch = alice.post("/portfolio/events/orders/batched", json={"orders": [order(order_group_id=gid), order()]})
    assert batch.status_code == 201
    refusal, placed = batch.json()["orders"]
    assert refusal["error"]["code"] == "order_group_triggered" and "order_id" not in refusal
    assert placed["error"] is None
    alice.delete(f"/portfolio/events/orders/{placed['order_id']}")
    assert ok(alice, "/portfolio/balance")["balance"] == balance
    # reset: the count is zero, the trigger ends, orders join again
    assert alice.put(f"{GROUPS}/{gid}/reset").json() == {}
    assert state(mock) != before
    assert group(alice, gid)["is_auto_cancel_enabled"] is False
    again = place(alice, order_group_id=gid, count="3", price="0.40")
    bob.post("/portfolio/events/orders", json=order(side="ask", count="3", price="0.40",
                                                    time_in_force="immediate_or_cancel"))  # fmt: skip
    assert status(alice, again["order_id"]) == ("executed", "0.00")  # 3 of 3 after the reset: not past it
    assert group(alice, gid)["is_auto_cancel_enabled"] is False


def test_a_takers_fills_count_and_its_own_rest_ends_when_it_passes_the_limit(mock, alice, bob):
    mock.set_book(M, no=[["0.55", "4"]])  # the house's YES ask at 0.45 x4
    gid = make_group(alice, contracts_limit=3)
    made = place(alice, order_group_id=gid, count="6", price="0.46")
    assert (made["fill_count"], made["remaining_count"]) == ("4.00", "0.00")  # filled 4, the rest ended with the group
    assert status(alice, made["order_id"]) == ("canceled", "0.00")
    assert group(alice, gid)["is_auto_cancel_enabled"] is True
    assert ok(alice, "/portfolio/orders", status="resting")["orders"] == []
    book = plain_http.get(f"{mock.kalshi_url}/markets/{M}/orderbook").json()["orderbook_fp"]
    assert book["yes_dollars"] == [] and book["no_dollars"] == []


def test_matches_leave_the_window_after_15_seconds(mock, alice, bob):
    gid = make_group(alice, contracts_limit=3)
    place(alice, order_group_id=gid, count="10", price="0.40")

    def take(count: str) -> None:
        r = bob.post("/portfolio/events/orders", json=order(side="ask", count=count, price="0.40",
                                                            time_in_force="immediate_or_cancel"))  # fmt: skip
        assert r.json()["fill_count"] == f"{count}.00"

    take("3")
    mock.advance_clock(seconds=14)
    assert group(alice, gid)["is_auto_cancel_enabled"] is False
    mock.advance_clock(seconds=1)  # the 3 matched 15 s ago have left the window
    take("3")
    assert group(alice, gid)["is_auto_cancel_enabled"] is False
    mock.advance_clock(seconds=10)
    take("1")  # 3 + 1 within 15 s: past the limit
    assert group(alice, gid)["is_auto_cancel_enabled"] is True


def test_a_trigger_by_hand_cancels_the_groups_orders_whatever_it_matched(mock, alice):
    gid = make_group(alice)
    orders = [place(alice, order_group_id=gid, price=p)["order_id"] for p in ("0.30", "0.31")]
    assert alice.put(f"{GROUPS}/{gid}/trigger", json={}).json() == {}
    assert [status(alice, o) for o in orders] == [("canceled", "0.00")] * 2
    assert group(alice, gid) == {"is_auto_cancel_enabled": True, "contracts_limit_fp": "5.00", "orders": orders,
                                 "exchange_index": 0}  # fmt: skip
    assert alice.put(f"{GROUPS}/{gid}/trigger").status_code == 200  # again: nothing left to cancel
    assert ok(alice, "/portfolio/balance")["balance"] == 10_000  # every hold given back


def test_a_limit_below_what_the_window_holds_triggers_the_group(mock, alice, bob):
    gid = make_group(alice, contracts_limit=10)
    resting = place(alice, order_group_id=gid, count="10", price="0.40")
    bob.post("/portfolio/events/orders", json=order(side="ask", count="4", price="0.40",
                                                    time_in_force="immediate_or_cancel"))  # fmt: skip
    assert alice.put(f"{GROUPS}/{gid}/limit", json={"contracts_limit": 4}).json() == {}  # 4 is not past 4
    assert status(alice, resting["order_id"]) == ("resting", "6.00")
    assert alice.put(f"{GROUPS}/{gid}/limit", json={"contracts_limit_fp": "3"}).status_code == 200
    assert status(alice, resting["order_id"]) == ("canceled", "0.00")
    assert group(alice, gid)["contracts_limit_fp"] == "3.00" and group(alice, gid)["is_auto_cancel_enabled"] is True


def test_a_deleted_group_cancels_its_orders_and_is_gone(mock, alice):
    gid = make_group(alice)
    resting = place(alice, order_group_id=gid)
    assert alice.delete(f"{GROUPS}/{gid}").json() == {}
    assert status(alice, resting["order_id"]) == ("canceled", "0.00")
    assert ok(alice, GROUPS) == {"order_groups": []}
    assert alice.get(f"{GROUPS}/{gid}").status_code == 404
    refused(alice.post("/portfolio/events/orders", json=order(order_group_id=gid)), 404, "not_found")
    refused(alice.delete(f"{GROUPS}/{gid}"), 404, "not_found")
    # the order still names the group it was placed into
    assert ok(alice, f"/portfolio/orders/{resting['order_id']}")["order"]["order_group_id"] == gid


# -- refusals ----------------------------------------------------------------------------------------------------------


def test_an_order_naming_a_group_not_the_keys_is_refused_and_changes_nothing(mock, alice, bob):
    theirs = make_group(bob)
    mine = make_group(alice)
    before = state(mock)
    for gid in ("no-such-group", theirs, "ü" * 300):
        refused(alice.post("/portfolio/events/orders", json=order(order_group_id=gid)), *(
            (400, "bad_request") if len(gid) > 256 else (404, "not_found")))  # fmt: skip
    r = alice.post("/portfolio/events/orders", json=order(order_group_id=5))
    assert r.status_code == 400 and "CreateOrderV2Request.order_group_id of type string" in r.json()["details"]
    assert state(mock) == before
    assert group(alice, mine)["orders"] == []


@pytest.mark.parametrize(
    ("body", "details"),
    [
        (
            {"contracts_limit": "5"},
            "cannot unmarshal string into Go struct field CreateOrderGroupRequest.contracts_limit",
        ),
        ({"contracts_limit": 1e30}, "cannot unmarshal number 1e+30 into Go struct field CreateOrderGroupRequest.cont"),
        ({"contracts_limit": 2**63}, "cannot unmarshal number 9223372036854775808 into Go struct field"),
        ({"contracts_limit": 0}, "failed on the 'gte' tag"),
        ({"contracts_limit": -3}, "failed on the 'gte' tag"),
        ({"contracts_limit_fp": 5}, "cannot unmarshal number into Go struct field CreateOrderGroupRequest.contracts"),
        ({"contracts_limit": 5, "subaccount": -1}, "failed on the 'gte' tag"),
        ([5], "cannot unmarshal array into Go value of type CreateOrderGroupRequest"),
    ],
)
def test_a_create_body_that_does_not_decode_is_the_flat_bad_request(mock, alice, body, details):
    before = state(mock)
    r = alice.post(f"{GROUPS}/create", json=body)
    assert r.status_code == 400 and r.json()["code"] == "bad_request" and details in r.json()["details"], r.text
    assert state(mock) == before


@pytest.mark.parametrize(
    "body",
    [
        {},  # no limit
        {"contracts_limit": 1_000_001},
        {"contracts_limit": 10**15},
        {"contracts_limit_fp": "2.5"},
        {"contracts_limit_fp": "0"},
        {"contracts_limit_fp": "١٠"},  # Arabic-Indic digits
        {"contracts_limit_fp": "1e3"},
        {"contracts_limit_fp": "5", "contracts_limit": 6},
    ],
)
def test_a_limit_out_of_range_or_not_whole_is_refused_and_changes_nothing(mock, alice, body):
    gid = make_group(alice)
    before = state(mock)
    refused(alice.post(f"{GROUPS}/create", json=body), 400, "bad_request")
    refused(alice.put(f"{GROUPS}/{gid}/limit", json=body), 400, "bad_request")
    assert state(mock) == before


def test_each_group_write_of_an_unknown_group_is_404_and_changes_nothing(mock, alice):
    gid = make_group(alice)
    place(alice, order_group_id=gid)
    before = state(mock)
    for method, suffix, body in (("PUT", "/trigger", None), ("PUT", "/reset", {}), ("DELETE", "", None),
                                 ("PUT", "/limit", {"contracts_limit": 2})):  # fmt: skip
        for target, params in (("nope", {}), (gid, {"exchange_index": 1}), (gid, {"subaccount": 2})):
            r = alice.request(method, f"{GROUPS}/{target}{suffix}", params=params, json=body)
            refused(r, 404, "not_found")
    for params, said in (({"subaccount": "x"}, "ParseInt"), ({"subaccount": "٣"}, "ParseInt"),
                         ({"exchange_index": "-1"}, "'gte' tag"), ({"subaccount": "64"}, "'lte' tag")):  # fmt: skip
        r = alice.put(f"{GROUPS}/{gid}/trigger", params=params)
        assert r.status_code == 400 and said in r.json()["msg"], r.text
    r = alice.put(f"{GROUPS}/{gid}/reset", content=b"[1]", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["code"] == "bad_request"
    assert alice.get(f"{GROUPS}/nope").status_code == 404
    assert state(mock) == before


def test_a_read_only_key_reads_groups_and_may_not_change_them(mock, alice):
    gid = make_group(alice)
    with signed(mock, "alice", scopes=["read"]) as reader:
        assert [g["id"] for g in ok(reader, GROUPS)["order_groups"]] == [gid]
        before = state(mock)
        assert reader.put(f"{GROUPS}/{gid}/trigger").status_code == 403
        assert reader.post(f"{GROUPS}/create", json={"contracts_limit": 1}).status_code == 403
        assert state(mock) == before
    with signed(mock, "alice", scopes=["read", "write::trade"]) as trader:
        assert trader.put(f"{GROUPS}/{gid}/trigger").status_code == 200


def test_a_match_just_inside_the_window_still_counts(mock, alice, bob):
    """The window is 15 seconds of the exchange clock: a match 14.999 s before another counts with it."""
    gid = make_group(alice, contracts_limit=1)
    place(alice, order_group_id=gid, count="3", price="0.40")
    bob.post("/portfolio/events/orders", json=order(side="ask", count="1", price="0.40",
                                                    time_in_force="immediate_or_cancel"))  # fmt: skip
    mock.advance_clock(to=(T0 + timedelta(seconds=14, milliseconds=999)).isoformat())
    bob.post("/portfolio/events/orders", json=order(side="ask", count="1", price="0.40",
                                                    time_in_force="immediate_or_cancel"))  # fmt: skip
    assert group(alice, gid)["is_auto_cancel_enabled"] is True
