"""`last_update_reason` on `user_order` frames, over real websockets and HTTP: each change of an order carries why it
happened, in the AsyncAPI's words (every frame checked against the slice as it arrives, market_client.py): placed
(none), Trade, Amend, Decrease (a decrease, a cancel of one, a batch or all, a group's trigger or delete, the control
plane's cancel), SelfTradeCancel (the taker stopped, the maker cancelled, an amend stopped), ExpiryCancel (its
expiration_time, what immediate-or-cancel and fill-or-kill leave unfilled), ReduceOnlyCancel, HaltCancel (a pause,
trading off, a resume) and CloseCancel (a close, a determination)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from kalshi_http import ok, signed
from market_client import Reader, reading, signer_for, subscribe
from order_channels import ALICE, BOB, T0, M, N, channels_mock, order

from mockexchange.server import MockServer

ORDERS = "/portfolio/events/orders"
PLACED = None  # a frame of an order placed with nothing else happening carries no reason

mock = channels_mock()


def place(client: httpx.Client, **fields) -> str:
    r = client.post(ORDERS, json=order(**fields))
    assert r.status_code == 201, r.text
    return r.json()["order_id"]


def change(reader: Reader) -> tuple[str, str, str | None]:
    """The next `user_order` frame's order id, status and reason (the connection takes `user_orders` only)."""
    [frame] = reader.next()
    assert frame["type"] == "user_order", frame
    msg = frame["msg"]
    return msg["order_id"], msg["status"], msg.get("last_update_reason")


def reasons(reader: Reader, count: int) -> list[tuple[str, str, str | None]]:
    return [change(reader) for _ in range(count)]


@pytest.fixture
def watched(mock: MockServer) -> Iterator[tuple[httpx.Client, httpx.Client, Reader, Reader]]:
    """alice's and bob's signed clients and their `user_orders` connections."""
    alice, bob = signed(mock, ALICE), signed(mock, BOB)
    with alice, bob, reading(mock, signer_for(mock, ALICE)) as a, reading(mock, signer_for(mock, BOB)) as b:
        a.ask(subscribe(["user_orders"]))
        b.ask(subscribe(["user_orders"]))
        yield alice, bob, a, b


def test_trades_amends_decreases_and_cancels_say_why(mock, watched):
    alice, bob, a, b = watched
    resting = place(alice, count="5", price="0.40")
    assert change(a) == (resting, "resting", PLACED)
    taker = place(bob, side="ask", count="2", price="0.40", time_in_force="immediate_or_cancel")
    assert change(a) == (resting, "resting", "Trade")  # partly filled, as maker
    assert change(b) == (taker, "executed", "Trade")  # filled whole as it was placed
    path = f"{ORDERS}/{resting}"
    assert alice.post(f"{path}/amend", json={"ticker": M, "side": "bid", "price": "0.41", "count": "5"}).is_success
    assert change(a) == (resting, "resting", "Amend")
    assert alice.post(f"{path}/decrease", json={"reduce_by": "1"}).is_success
    assert change(a) == (resting, "resting", "Decrease")
    assert alice.delete(path).is_success
    assert change(a) == (resting, "canceled", "Decrease")  # Kalshi counts a cancel as a decrease (`reduced_by`)

    # A decrease to nothing, a batch's cancel, every order's cancel, the control plane's cancel: Decrease each.
    ids = [place(alice, price=p) for p in ("0.20", "0.21", "0.22", "0.23")]
    assert [reason for *_, reason in reasons(a, 4)] == [PLACED] * 4
    assert alice.post(f"{ORDERS}/{ids[0]}/decrease", json={"reduce_to": "0"}).is_success
    assert alice.request("DELETE", f"{ORDERS}/batched", json={"orders": [{"order_id": ids[1]}]}).is_success
    mock.cancel_order(ids[2])
    assert alice.delete(ORDERS).status_code == 204
    assert reasons(a, 4) == [(i, "canceled", "Decrease") for i in ids]

    # A resting order that fills whole as maker; an order that fills as it is placed and rests the rest.
    maker = place(alice, count="2", price="0.45")
    taker = place(bob, side="ask", count="3", price="0.45")
    assert reasons(a, 2) == [(maker, "resting", PLACED), (maker, "executed", "Trade")]
    assert change(b) == (taker, "resting", "Trade")
    assert ok(alice, f"/portfolio/orders/{maker}")["order"]["status"] == "executed"  # REST agrees
    a.quiet()
    b.quiet()


def test_what_the_time_in_force_leaves_and_an_expiration_time_end_as_expiry(mock, watched):
    alice, bob, a, b = watched
    maker = place(alice, count="1", price="0.45")
    ioc = place(bob, side="ask", count="3", price="0.45", time_in_force="immediate_or_cancel")
    fok = place(bob, side="ask", count="3", price="0.30", time_in_force="fill_or_kill")  # nothing to fill it
    assert reasons(a, 2) == [(maker, "resting", PLACED), (maker, "executed", "Trade")]
    assert reasons(b, 2) == [(ioc, "canceled", "ExpiryCancel"), (fok, "canceled", "ExpiryCancel")]
    assert ok(bob, f"/portfolio/orders/{ioc}")["order"]["fill_count_fp"] == "1.00"  # it filled 1, the rest expired

    expires = int((T0 + timedelta(seconds=60)).timestamp())
    dated = place(alice, expiration_time=expires)
    assert change(a) == (dated, "resting", PLACED)
    mock.advance_clock(seconds=61)
    ok(alice, "/portfolio/orders")  # (a read runs what is due)
    assert change(a) == (dated, "canceled", "ExpiryCancel")
    a.quiet()


def test_self_trade_prevention_cancels_the_taker_the_maker_or_an_amend(mock, watched):
    alice, _, a, _ = watched
    bid = place(alice, count="2", price="0.40")
    stopped = place(alice, side="ask", count="1", price="0.40")  # taker_at_cross: the incoming order stops
    assert reasons(a, 2) == [(bid, "resting", PLACED), (stopped, "canceled", "SelfTradeCancel")]
    ask = place(alice, side="ask", count="1", price="0.40", self_trade_prevention_type="maker")
    assert reasons(a, 2) == [(bid, "canceled", "SelfTradeCancel"), (ask, "resting", PLACED)]  # the maker goes
    bid = place(alice, count="1", price="0.35")
    assert change(a) == (bid, "resting", PLACED)
    amended = alice.post(f"{ORDERS}/{bid}/amend", json={"ticker": M, "side": "bid", "price": "0.40", "count": "1"})
    assert amended.is_success, amended.text
    assert change(a) == (bid, "canceled", "SelfTradeCancel")  # amended onto its own ask: stopped there
    a.quiet()


def test_a_reduce_only_order_cut_to_the_position_says_so(mock, watched):
    alice, bob, a, b = watched
    place(bob, side="ask", count="1", price="0.40")
    bought = place(alice, count="1", price="0.40", time_in_force="immediate_or_cancel")
    reasons(b, 2)
    assert change(a) == (bought, "executed", "Trade")  # alice holds 1 YES
    place(bob, count="5", price="0.35")
    reasons(b, 1)
    cut = place(alice, side="ask", count="3", price="0.35", time_in_force="immediate_or_cancel", reduce_only=True)
    assert change(a) == (cut, "executed", "ReduceOnlyCancel")  # cut to 1, which filled
    nothing = place(alice, side="ask", count="3", price="0.35", time_in_force="immediate_or_cancel",
                    reduce_only=True)  # fmt: skip
    assert change(a) == (nothing, "canceled", "ReduceOnlyCancel")  # no position left: cut to nothing
    a.quiet()


def test_pauses_resumes_closes_and_determinations_end_orders_as_halt_or_close(mock, watched):
    alice, _, a, _ = watched
    asked = place(alice, cancel_order_on_pause=True)
    kept = place(alice, price="0.31")
    reasons(a, 2)
    mock.pause_market(M)
    assert change(a) == (asked, "canceled", "HaltCancel")
    mock.resume_market(M)
    assert change(a) == (kept, "canceled", "HaltCancel")  # Kalshi cancels resting orders on reactivation

    asked = place(alice, cancel_order_on_pause=True)
    reasons(a, 1)
    mock.set_exchange_status(trading_active=False)
    assert change(a) == (asked, "canceled", "HaltCancel")
    mock.set_exchange_status(trading_active=True)

    closing, determined = place(alice), place(alice, ticker=N)
    reasons(a, 2)
    mock.close_market(M)
    assert change(a) == (closing, "canceled", "CloseCancel")
    mock.determine_market(N, "yes")
    assert change(a) == (determined, "canceled", "CloseCancel")
    a.quiet()


def test_a_groups_trigger_and_delete_cancel_as_decreases(mock, watched):
    alice, bob, a, _ = watched
    gid = alice.post("/portfolio/order_groups/create", json={"contracts_limit": 1}).json()["order_group_id"]
    first, second = place(alice, count="2", price="0.40", order_group_id=gid), place(alice, order_group_id=gid)
    reasons(a, 2)
    place(bob, side="ask", count="2", price="0.40", time_in_force="immediate_or_cancel")  # 2 matched, past 1
    assert reasons(a, 2) == [(first, "executed", "Trade"), (second, "canceled", "Decrease")]
    assert alice.put(f"/portfolio/order_groups/{gid}/reset").is_success
    third = place(alice, order_group_id=gid)
    reasons(a, 1)
    assert alice.delete(f"/portfolio/order_groups/{gid}").is_success
    assert change(a) == (third, "canceled", "Decrease")
    a.quiet()
