"""The perps exchange's exit triggers over real HTTP, signed with Kalshi's keys: set, read, update and cancel on a
position's cross and isolated slots with their refusals (in Kalshi's shape, changing nothing); a stop-loss firing when
the control plane moves the mark past it (the position closed through the book by the exchange's own order, its fill
`order_source: system`), again at the next move when the book took less; a trailing stop ratcheting then firing; an
anchored bracket pending, then armed by its order's fill; a position flipped, then closed by the user ending its
triggers on both slots; a random sequence keeping the exchange's invariants; a restart from the state file. Every
answer is checked against the spec's schema (perps_http.py)."""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from perps_fixtures import alice_client, bob_client, fresh, module_server  # noqa: F401  (fixtures)
from perps_http import BTC, ETH, T0, fund, order, placed, ready, signed, whole

from mockexchange.control import ControlError
from mockexchange.core.clock import ManualClock
from mockexchange.server import MockServer

CROSS = f"/margin/cross/positions/{ETH}/exit_trigger"
ISOLATED = f"/margin/isolated/positions/{ETH}/exit_trigger"


def long_eth(alice: httpx.Client, bob: httpx.Client, count: str = "2", price: str = "3000") -> None:
    """Alice buys `count` ETH-PERP from bob at `price`."""
    placed(bob, **order(ETH, "ask", count, price, client_order_id="open-ask"))
    placed(alice, **order(ETH, "bid", count, price, client_order_id="open-bid", time_in_force="immediate_or_cancel"))


def put(client: httpx.Client, path: str, status: int = 200, **body: Any) -> dict:
    answer = client.put(path, json=body)
    assert answer.status_code == status, answer.text
    return answer.json()


def refused(mock: MockServer, client: httpx.Client, method: str, path: str, status: int, code: str,
            **body: Any) -> None:  # fmt: skip
    """A request refused with `status` and Kalshi's `code`, having changed nothing."""
    before = whole(mock)
    answer = client.request(method, path, json=body if method == "PUT" else None)
    assert answer.status_code == status, answer.text
    assert answer.json()["error"]["code"] == code, answer.text
    assert whole(mock) == before


def live(client: httpx.Client, path: str = CROSS, **params: Any) -> list[dict]:
    answer = client.get(path, params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()["exit_triggers"]


def position(client: httpx.Client, ticker: str = ETH) -> str:
    rows = client.get("/margin/positions").json()["positions"]
    return next((row["position"] for row in rows if row["market_ticker"] == ticker), "0.00")


def test_set_read_update_cancel_and_refusals(mock: MockServer, alice: httpx.Client, bob: httpx.Client) -> None:
    long_eth(alice, bob)
    made = put(alice, CROSS, stop_loss_price="2900", take_profit_price="3200")
    assert {k: made[k] for k in ("ticker", "kind", "status", "count", "filled_count", "stop_loss_price",
                                 "take_profit_price")} == {  # fmt: skip
        "ticker": ETH, "kind": "bracket", "status": "active", "count": "0.00", "filled_count": "0.00",
        "stop_loss_price": "2900.0000", "take_profit_price": "3200.0000",
    }  # fmt: skip
    # set again: the whole position's bracket replaced in place, the leg omitted cleared
    again = put(alice, CROSS, stop_loss_price="2950")
    assert again["id"] == made["id"] and "take_profit_price" not in again
    assert live(alice) == [again] and live(alice, kind="trailing") == [] and live(bob) == []
    trailing = put(alice, CROSS, kind="trailing", trail_amount="25")
    assert (trailing["watermark_price"], trailing["effective_stop_price"]) == ("3000.0000", "2975.000000")
    assert [row["id"] for row in live(alice)] == [made["id"], trailing["id"]]
    # refusals, each changing nothing
    for body in ({}, {"stop_loss_price": "2900", "trail_bps": 5}, {"kind": "trailing", "trail_amount": "1",
                 "trail_bps": 5}, {"kind": "trailing", "trail_bps": 10_000}, {"count": "1", "stop_loss_price": "1"},
                 {"client_trigger_id": "k", "stop_loss_price": "1"}, {"stop_loss_price": "0"},
                 {"count": "1.5", "client_trigger_id": "k", "stop_loss_price": "1"}):  # fmt: skip
        refused(mock, alice, "PUT", CROSS, 400, "invalid_price" if body.get("stop_loss_price") == "0" else
                "bad_request", **body)  # fmt: skip
    refused(mock, alice, "PUT", CROSS, 409, "conflict", count="1", client_trigger_id="k", stop_loss_price="2900")
    refused(mock, bob, "PUT", CROSS.replace(ETH, "NOPE"), 404, "not_found", stop_loss_price="1")
    refused(mock, alice, "PUT", f"/margin/cross/positions/{BTC}/exit_trigger", 400, "bad_request",
            stop_loss_price="1")  # (no position to protect)  # fmt: skip
    refused(mock, alice, "PUT", f"{CROSS}/nope", 404, "not_found", stop_loss_price="1")
    refused(mock, alice, "PUT", f"{CROSS}/{trailing['id']}", 404, "not_found", stop_loss_price="1")
    refused(mock, alice, "PUT", f"{CROSS}/{made['id']}", 400, "bad_request")
    refused(mock, alice, "DELETE", f"{CROSS}/{trailing['id']}", 404, "not_found")
    assert alice.get(CROSS, params={"kind": "other"}).status_code == 400
    # the bracket's legs updated by id; the trailing stop cancelled by kind, the bracket by id
    updated = put(alice, f"{CROSS}/{made['id']}", take_profit_price="3300")
    assert (updated["take_profit_price"], "stop_loss_price" in updated) == ("3300.0000", False)
    assert alice.delete(CROSS, params={"kind": "trailing"}).status_code == 204
    assert [row["id"] for row in live(alice)] == [made["id"]]
    assert alice.delete(f"{CROSS}/{made['id']}").status_code == 204 and live(alice) == []
    assert alice.delete(CROSS).status_code == 204  # (nothing live: no refusal)
    # brackets of a count: keyed, replayed, fitting the position
    one = put(alice, CROSS, count="1", client_trigger_id="k1", stop_loss_price="2800")
    assert (one["count"], one["client_trigger_id"]) == ("1.00", "k1")
    assert put(alice, CROSS, count="1", client_trigger_id="k1", stop_loss_price="1") == one
    refused(mock, alice, "PUT", CROSS + "?subaccount=0", 400, "bad_request", count="2", client_trigger_id="k2",
            stop_loss_price="2800")  # (1 + 2 > 2)  # fmt: skip
    refused(mock, alice, "PUT", CROSS, 409, "conflict", stop_loss_price="2800")  # (a whole one beside)
    mock.list_perp_market("SOL-PERP", "150")
    placed(bob, **order("SOL-PERP", "ask", "1", "150", client_order_id="s"))
    placed(alice, **order("SOL-PERP", "bid", "1", "150", client_order_id="s", time_in_force="immediate_or_cancel"))
    refused(mock, alice, "PUT", "/margin/cross/positions/SOL-PERP/exit_trigger", 409, "idempotency_key_already_used",
            count="1", client_trigger_id="k1", stop_loss_price="1")  # fmt: skip
    # the admin API and the Python API set the same triggers
    two = mock.set_perp_exit_trigger(user_id="alice", ticker=ETH, count="1", client_trigger_id="k2",
                                     take_profit_price="3500")  # fmt: skip
    assert [row["id"] for row in live(alice)] == [one["id"], two["trigger_id"]]


def test_a_stop_loss_fires_through_the_book(mock: MockServer, alice: httpx.Client, bob: httpx.Client) -> None:
    long_eth(alice, bob)
    placed(bob, **order(ETH, "bid", "1", "2900", client_order_id="b1"))
    made = put(alice, CROSS, count="2", client_trigger_id="stop", stop_loss_price="2950")
    cash = alice.get("/margin/balance").json()
    mock.set_perp_marks(ticker=ETH, mark_price="2960")  # not reached
    assert live(alice)[0]["status"] == "active" and position(alice) == "2.00"
    # reached: the exchange's order sells what the book takes (1 at 2900), the trigger stays active
    mock.set_perp_marks(ticker=ETH, mark_price="2940")
    fired = live(alice)[0]
    assert (fired["status"], fired["filled_count"], fired["triggered_leg"]) == ("active", "1.00", "stop_loss")
    assert position(alice) == "1.00"
    fill = alice.get("/margin/fills").json()["fills"][0]
    assert (fill["order_id"], fill["order_source"], fill["side"], fill["price"]) == (
        fired["triggered_order_id"], "system", "ask", "2900.0000")  # fmt: skip
    order_row = alice.get(f"/margin/orders/{fired['triggered_order_id']}").json()["order"]
    assert (order_row["order_source"], order_row["remaining_count"]) == ("system", "0.00")
    assert alice.get("/margin/balance").json() != cash
    # the next move fires it again, now that the book holds a bid: the position is closed, the trigger filled
    placed(bob, **order(ETH, "bid", "3", "2890", client_order_id="b2"))
    mock.set_perp_marks(ticker=ETH, mark_price="2945")
    assert live(alice) == [] and position(alice) == "0.00"
    done = put(alice, CROSS, count="2", client_trigger_id="stop", stop_loss_price="1")  # (the key replays it)
    assert (done["id"], done["status"], done["filled_count"]) == (made["id"], "filled", "2.00")
    assert done["triggered_order_id"] != fired["triggered_order_id"]
    bids = alice.get(f"/margin/markets/{ETH}/orderbook").json()["orderbook"]["bids"]
    assert bids == [["2890.0000", "2.00"]]
    # a trigger set past the mark fires at once (here bob's short, a take-profit: bought back at the best ask)
    placed(alice, **order(ETH, "bid", "1", "2950", client_order_id="a1"))
    placed(bob, **order(ETH, "ask", "1", "2950", client_order_id="b3", time_in_force="immediate_or_cancel"))
    placed(alice, **order(ETH, "ask", "1", "2955", client_order_id="a2"))
    assert position(bob) == "-1.00"
    at_once = put(bob, CROSS, take_profit_price="2960")
    assert (at_once["status"], at_once["triggered_leg"], at_once["filled_count"]) == ("filled", "take_profit", "1.00")
    assert position(bob) == "0.00" and bob.get("/margin/fills").json()["fills"][0]["price"] == "2955.0000"


def test_a_trailing_stop_ratchets_then_fires(mock: MockServer, alice: httpx.Client, bob: httpx.Client) -> None:
    long_eth(alice, bob, "1")
    placed(bob, **order(ETH, "bid", "5", "3000", client_order_id="b1"))
    made = put(alice, CROSS, kind="trailing", trail_bps=100)  # 1% of the watermark
    assert (made["watermark_price"], made["effective_stop_price"], made["trail_bps"]) == (
        "3000.0000", "2970.000000", 100)  # fmt: skip
    for mark, watermark, stop in (("3100", "3100.0000", "3069.000000"), ("3080", "3100.0000", "3069.000000"),
                                  ("3150.55", "3150.5500", "3119.044500")):  # fmt: skip
        mock.set_perp_marks(ticker=ETH, mark_price=mark)
        (row,) = live(alice)
        assert (row["watermark_price"], row["effective_stop_price"]) == (watermark, stop)
    mock.set_perp_marks(ticker=ETH, mark_price="3119.05")  # above the stop: not yet
    assert len(live(alice)) == 1
    mock.set_perp_marks(ticker=ETH, mark_price="3119.04")
    assert live(alice) == [] and position(alice) == "0.00"
    assert alice.get("/margin/fills").json()["fills"][0]["order_source"] == "system"


def test_an_anchored_bracket_is_pending_then_armed(mock: MockServer, alice: httpx.Client, bob: httpx.Client) -> None:
    anchor = placed(alice, **order(ETH, "bid", "3", "2990", client_order_id="entry"))["order_id"]
    refused(mock, alice, "PUT", CROSS, 409, "anchor_order_unavailable", anchor_order_id="nope",
            client_trigger_id="a0", stop_loss_price="2900")  # fmt: skip
    made = put(alice, CROSS, anchor_order_id=anchor, client_trigger_id="a1", stop_loss_price="2900")
    assert (made["status"], made["count"], made["anchor_order_id"]) == ("pending_on_entry", "0.00", anchor)
    mock.set_perp_marks(ticker=ETH, mark_price="2800")  # pending: not evaluated
    assert live(alice)[0]["status"] == "pending_on_entry"
    mock.set_perp_marks(ticker=ETH, mark_price="3000")
    placed(bob, **order(ETH, "ask", "1", "2990", client_order_id="b1"))  # the entry fills 1 of 3
    armed = live(alice)[0]
    assert (armed["status"], armed["count"]) == ("active", "1.00")
    placed(bob, **order(ETH, "bid", "1", "2995", client_order_id="b2"))  # (before alice's own bid at 2990)
    mock.set_perp_marks(ticker=ETH, mark_price="2890")  # fires: closes its 1, pending again on its order
    back = live(alice)[0]
    assert (back["status"], back["filled_count"], back["anchor_order_id"]) == ("pending_on_entry", "1.00", anchor)
    assert position(alice) == "0.00"
    # its order cancelled: the anchor cleared, the trigger filled (all it followed is closed)
    assert alice.delete(f"/margin/orders/{anchor}").status_code == 200
    assert live(alice) == []
    done = put(alice, CROSS, anchor_order_id="x", client_trigger_id="a1", stop_loss_price="1")
    assert (done["status"], done["filled_count"], "anchor_order_id" in done) == ("filled", "1.00", False)
    # an anchor that ends unfilled ends its trigger
    other = placed(alice, **order(ETH, "bid", "1", "2000", client_order_id="far"))["order_id"]
    put(alice, CROSS, anchor_order_id=other, client_trigger_id="a2", take_profit_price="3500")
    alice.delete(f"/margin/orders/{other}")
    ended = put(alice, CROSS, anchor_order_id="x", client_trigger_id="a2", take_profit_price="1")
    assert (ended["status"], ended["status_reason"]) == ("canceled", "entry_not_filled")


def test_the_users_trading_ends_triggers_and_the_isolated_slot(
    mock: MockServer, alice: httpx.Client, bob: httpx.Client
) -> None:
    long_eth(alice, bob)
    iso = put(alice, ISOLATED, kind="trailing", trail_amount="50")
    cross = put(alice, CROSS, count="2", client_trigger_id="c1", stop_loss_price="2500")
    assert live(alice, ISOLATED) == [iso] and [row["id"] for row in live(alice)] == [cross["id"]]
    assert live(alice, ISOLATED, kind="bracket") == []
    refused(mock, alice, "PUT", ISOLATED, 400, "bad_request", kind="trailing", stop_loss_price="1")
    # the user sells 3: the long flips short, which ends the triggers of the long
    placed(bob, **order(ETH, "bid", "3", "3000", client_order_id="b1"))
    placed(alice, **order(ETH, "ask", "3", "3000", client_order_id="a1", time_in_force="immediate_or_cancel"))
    assert live(alice) == [] and live(alice, ISOLATED) == []
    flipped = put(alice, CROSS, count="2", client_trigger_id="c1", stop_loss_price="1")
    assert (flipped["status"], flipped["status_reason"]) == ("canceled", "position_flipped")
    # the short's triggers, isolated and cross, end when the user buys it back
    short = put(alice, ISOLATED, stop_loss_price="3100")
    assert short["status"] == "active"
    put(alice, CROSS, count="1", client_trigger_id="c2", take_profit_price="2000")
    placed(bob, **order(ETH, "ask", "1", "3000", client_order_id="b2"))
    placed(alice, **order(ETH, "bid", "1", "3000", client_order_id="a2", time_in_force="immediate_or_cancel"))
    assert position(alice) == "0.00" and live(alice, ISOLATED) == [] and live(alice) == []
    closed = put(alice, CROSS, count="1", client_trigger_id="c2", take_profit_price="1")
    assert (closed["status"], closed["status_reason"]) == ("canceled", "position_closed")
    assert alice.delete(ISOLATED).status_code == 204


def test_a_random_sequence_with_triggers_and_marks_keeps_the_invariants(mock: MockServer) -> None:
    """Orders, exit triggers and moves of the mark at random between four users (the Python API's, the venue's
    commands): cash plus the positions' value is what was funded less the fees, positions sum to zero, and every live
    trigger protects its open position's side (or waits on its anchor order), within a slot's bounds."""
    users = ("alice", "bob", "carol", "dave")
    for user in users[2:]:
        fund(mock, user, 10_000)
    draw = random.Random(53)
    for n in range(250):
        user, roll = draw.choice(users), draw.random()
        mark = Decimal(3000) + draw.randint(-40, 40)
        try:
            if roll < 0.6:
                tif = draw.choice(("good_till_canceled", "immediate_or_cancel"))
                mock.place_perp_order(user, ETH, draw.choice(("bid", "ask")), str(draw.randint(1, 4)),
                                      str(mark + draw.randint(-10, 10)), f"o{n}", tif)  # fmt: skip
            elif roll < 0.8:
                legs = {"stop_loss_price": str(mark - draw.randint(-5, 30)),
                        "take_profit_price": str(mark + draw.randint(-5, 30))}  # fmt: skip
                how = draw.choice(({}, {"kind": "trailing", "trail_bps": draw.randint(1, 60)},
                                   {"count": "1", "client_trigger_id": f"t{n}"}))  # fmt: skip
                mock.set_perp_exit_trigger(user, ETH, slot=draw.choice(("cross", "isolated")) if not how.get(
                    "count") else "cross", **(how if how.get("kind") else legs | how))  # fmt: skip
            else:
                mock.set_perp_marks(ETH, mark_price=str(mark))
        except ControlError as exc:  # a refusal (margin, no position to protect, a count that does not fit)
            assert any(word in str(exc) for word in ("margin", "position", "exclude")), exc
    accounts = [mock.perps_account(user) for user in users]
    sizes = [Decimal(p["position"]) for a in accounts for p in a["positions"]]
    assert sum(sizes) == 0
    signed_cost = sum(Decimal(p["entry_cost"]) * (1 if Decimal(p["position"]) > 0 else -1)
                      for a in accounts for p in a["positions"])  # fmt: skip
    cash = sum(Decimal(a["cash"]) for a in accounts)
    fills = [f for user in users for f in mock.app.control.perps.state.fills.get(user, [])]
    assert cash - signed_cost == 4 * 10_000 - sum(Decimal(f.fee) / 1_000_000 for f in fills)
    assert any(f.source == "system" for f in fills)  # (triggers fired)
    held = {a["user_id"]: {p["ticker"]: Decimal(p["position"]) for p in a["positions"]} for a in accounts}
    for slots in mock.app.control.perps.state.exit_triggers.values():
        for (user, _, _), triggers in slots.items():
            assert sum(t.kind == "bracket" for t in triggers.values()) <= 20
            assert sum(t.kind == "trailing" for t in triggers.values()) <= 1
            for trigger in triggers.values():
                size = held[user].get(ETH, Decimal(0))
                assert trigger.status in ("active", "pending_on_entry")
                assert size and (size > 0) == trigger.long, (trigger, size)


def test_a_restart_from_the_state_file_keeps_the_triggers(tmp_path: Path) -> None:
    state = str(tmp_path / "state.db")
    reads = (CROSS, ISOLATED, "/margin/positions", "/margin/fills")
    with MockServer(clock=ManualClock(T0), state=state) as mock:
        ready(mock)
        with signed(mock, "alice") as alice, signed(mock, "bob") as bob:
            long_eth(alice, bob, "3")
            placed(bob, **order(ETH, "bid", "1", "2900", client_order_id="b1"))
            put(alice, CROSS, count="2", client_trigger_id="k", stop_loss_price="2950")
            put(alice, ISOLATED, kind="trailing", trail_amount="80")
            mock.set_perp_marks(ETH, mark_price="3050")
            mock.set_perp_marks(ETH, mark_price="2940")  # the bracket fires (1 of 2 taken)
            before = {path: alice.get(path).json() for path in reads}
    with MockServer(clock=ManualClock(T0), state=state) as again, signed(again, "alice") as alice:
        assert {path: alice.get(path).json() for path in reads} == before
        assert before[CROSS]["exit_triggers"][0]["filled_count"] == "1.00"
