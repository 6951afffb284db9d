"""The perps exchange's order groups over real HTTP, signed with Kalshi's keys: a group's orders matched past its
contracts limit within the window trigger it (its resting orders cancelled, new ones refused 409), a reset takes
orders again, a limit set below the window's count triggers at once, a trigger by hand and a delete cancel its orders;
the group's reads, refusals in Kalshi's shape that change nothing, and a restart from the state file. Every answer is
checked against the spec's schema (perps_http.py)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
from perps_fixtures import alice_client, bob_client, fresh, module_server  # noqa: F401  (fixtures)
from perps_http import BTC, ETH, T0, fund, order, placed, signed, whole

from mockexchange.core.clock import ManualClock
from mockexchange.server import MockServer


def group(client: httpx.Client, limit: str = "1.00") -> str:
    made = client.post("/margin/order_groups/create", json={"contracts_limit_fp": limit})
    assert made.status_code == 201, made.text
    assert made.json()["subaccount"] == 0 and made.json()["exchange_index"] == 0
    return made.json()["order_group_id"]


def read(client: httpx.Client, group_id: str) -> dict:
    answer = client.get(f"/margin/order_groups/{group_id}")
    assert answer.status_code == 200, answer.text
    return answer.json()


def status(client: httpx.Client, order_id: str) -> tuple[str, str]:
    found = client.get(f"/margin/orders/{order_id}").json()["order"]
    return found["remaining_count"], found["last_update_reason"]


def test_matches_past_the_limit_trigger_the_group(mock: MockServer, alice: httpx.Client, bob: httpx.Client) -> None:
    group_id = group(alice, "1.00")
    resting = placed(alice, **order(ETH, "bid", "1", "2990", order_group_id=group_id))["order_id"]
    maker = placed(alice, **order(ETH, "bid", "3", "3000", client_order_id="m", order_group_id=group_id))
    # bob takes 1 then 1 of alice's maker order: 2 contracts matched in the window, past the limit of 1
    placed(bob, **order(ETH, "ask", "1", "3000", client_order_id="b1"))
    assert read(alice, group_id)["is_auto_cancel_enabled"] is False
    mock.app.control.parts.clock.set(T0 + timedelta(seconds=10))
    placed(bob, **order(ETH, "ask", "1", "3000", client_order_id="b2"))
    got = read(alice, group_id)
    assert got == {"is_auto_cancel_enabled": True, "contracts_limit_fp": "1.00",
                   "orders": [resting, maker["order_id"]], "exchange_index": 0}  # fmt: skip
    assert status(alice, resting) == ("0.00", "Decrease") and status(alice, maker["order_id"])[0] == "0.00"
    assert alice.get(f"/margin/markets/{ETH}/orderbook").json()["orderbook"]["bids"] == []
    # a triggered group takes no order, and the refusal changes nothing
    before = whole(mock)
    refused = alice.post("/margin/orders", json=order(ETH, "bid", "1", "2990", client_order_id="x",
                                                       order_group_id=group_id))  # fmt: skip
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "order_group_triggered"
    assert whole(mock) == before
    # a reset takes orders again; the window counts afresh (older matches drop out after 15 seconds too)
    assert alice.put(f"/margin/order_groups/{group_id}/reset").json() == {}
    placed(alice, **order(ETH, "bid", "1", "2990", client_order_id="y", order_group_id=group_id))
    assert read(alice, group_id)["is_auto_cancel_enabled"] is False
    # a limit set at or above what the window holds leaves it; a trigger by hand cancels its orders
    assert alice.put(f"/margin/order_groups/{group_id}/limit", json={"contracts_limit": 3}).status_code == 200
    assert read(alice, group_id)["contracts_limit_fp"] == "3.00"
    assert alice.put(f"/margin/order_groups/{group_id}/trigger", json={}).status_code == 200
    assert alice.get(f"/margin/markets/{ETH}/orderbook").json()["orderbook"]["bids"] == []


def test_a_limit_below_the_window_triggers_and_a_delete_cancels(alice: httpx.Client, bob: httpx.Client) -> None:
    group_id = group(alice, "5")
    placed(alice, **order(ETH, "bid", "2", "3000", order_group_id=group_id))
    placed(bob, **order(ETH, "ask", "2", "3000"))  # 2 matched: within 5
    rest = placed(alice, **order(ETH, "bid", "1", "2990", client_order_id="r", order_group_id=group_id))
    assert alice.put(f"/margin/order_groups/{group_id}/limit", json={"contracts_limit_fp": "1.00"}).json() == {}
    assert read(alice, group_id)["is_auto_cancel_enabled"] is True
    assert status(alice, rest["order_id"]) == ("0.00", "Decrease")
    other = group(alice, "10")
    kept = placed(alice, **order(BTC, "bid", "0.50", "99000", client_order_id="k", order_group_id=other))
    listed = alice.get("/margin/order_groups").json()["order_groups"]
    assert [(g["id"], g["is_auto_cancel_enabled"], g["contracts_limit_fp"]) for g in listed] == [
        (group_id, True, "1.00"), (other, False, "10.00"),
    ]  # fmt: skip
    assert alice.delete(f"/margin/order_groups/{other}").json() == {}
    assert status(alice, kept["order_id"]) == ("0.00", "Decrease")
    assert alice.get(f"/margin/order_groups/{other}").status_code == 404
    assert [g["id"] for g in alice.get("/margin/order_groups").json()["order_groups"]] == [group_id]


def test_a_taker_in_a_group_counts_its_own_matches(mock: MockServer, alice: httpx.Client, bob: httpx.Client) -> None:
    """Alice's group (limit 1) rests a bid; an order of the group that takes 2 of bob's asks triggers it at once."""
    group_id = group(alice, "1.00")
    rest = placed(alice, **order(ETH, "bid", "1", "2900", order_group_id=group_id))["order_id"]
    placed(bob, **order(ETH, "ask", "2", "3000"))
    taken = placed(alice, **order(ETH, "bid", "2", "3000", client_order_id="t", order_group_id=group_id))
    assert taken["fill_count"] == "2.00"
    assert read(alice, group_id)["is_auto_cancel_enabled"] is True
    assert status(alice, rest) == ("0.00", "Decrease")


def test_refusals_in_kalshis_shape(mock: MockServer, alice: httpx.Client, bob: httpx.Client) -> None:
    group_id = group(alice)
    before = whole(mock)
    # another user's group is not found, to read, change or join
    assert bob.get(f"/margin/order_groups/{group_id}").status_code == 404
    assert bob.put(f"/margin/order_groups/{group_id}/trigger").json()["error"]["code"] == "not_found"
    joined = bob.post("/margin/orders", json=order(BTC, "bid", "0.1", "99000", order_group_id=group_id))
    assert joined.status_code == 404 and joined.json()["error"]["code"] == "not_found"
    for body in ({"contracts_limit": 0}, {"contracts_limit_fp": "1.5"}, {}, {"contracts_limit": 2,
                                                                          "contracts_limit_fp": "3.00"}):  # fmt: skip
        answer = alice.post("/margin/order_groups/create", json=body)
        assert answer.status_code == 400, (body, answer.text)
    assert alice.put(f"/margin/order_groups/{group_id}/limit", json={"contracts_limit": "x"}).status_code == 400
    assert alice.post("/margin/order_groups/create", json={"contracts_limit": 1, "subaccount": 3}).status_code == 404
    assert alice.get("/margin/order_groups", params={"subaccount": "-1"}).status_code == 400
    assert whole(mock) == before


def test_a_restart_from_the_state_file_keeps_the_groups(tmp_path: Path) -> None:
    state = str(tmp_path / "state.db")
    with MockServer(clock=ManualClock(T0), state=state) as mock:
        fund(mock, "alice", 5_000)
        mock.list_perp_market(BTC, "100000", tick_size="0.5")
        with signed(mock, "alice") as alice:
            group_id = group(alice, "2")
            placed(alice, **order(BTC, "bid", "0.1", "99000", order_group_id=group_id))
            alice.put(f"/margin/order_groups/{group_id}/trigger")
            before = read(alice, group_id)
    with MockServer(clock=ManualClock(T0), state=state) as again, signed(again, "alice") as alice:
        assert read(alice, group_id) == before
