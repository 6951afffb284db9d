"""The perps exchange's order rules one by one over real HTTP (core/perps/trading.py): an amend's refusals and what it
may change (its count against what filled, its client order id, its expiry), a decrease to nothing, a client order id
free again once its order rests no more, an expiry at the instant it is placed, a reduce-only order with nothing to
close, the margin check at equity exactly and for an order that adds none, a cancel of one subaccount's orders, and a
paused exchange. Each refusal's status and code on the wire, its words in the diagnosis, and nothing changed."""

from __future__ import annotations

from datetime import timedelta

import httpx
from perps_fixtures import alice_client, bob_client, fresh, module_server  # noqa: F401  (fixtures)
from perps_http import BTC, ETH, T0, open_subaccount, order, placed, refusal, whole

from mockexchange.server import MockServer


def got(client: httpx.Client, order_id: str) -> dict:
    return client.get(f"/margin/orders/{order_id}").json()["order"]


def amend(client: httpx.Client, order_id: str, **body: object) -> httpx.Response:
    return client.post(f"/margin/orders/{order_id}/amend", json=body)


def resting(client: httpx.Client) -> list[str]:
    """The client order ids of the user's resting orders (GET /margin/orders?status=resting), oldest first."""
    orders = client.get("/margin/orders", params={"status": "resting"}).json()["orders"]
    return [o["client_order_id"] for o in reversed(orders)]


def test_an_amend_keeps_its_orders_market_side_and_id_and_counts_what_filled(
    mock: MockServer, alice: httpx.Client, bob: httpx.Client
) -> None:
    """Alice bids 0.10 at 99,000 and 0.02 of it fills: an amend may not move it to another market or side, name
    another client order id, leave the tick, or ask for no more than what filled."""
    order_id = placed(alice, **order(BTC, "bid", "0.10", "99000"))["order_id"]
    placed(bob, **order(BTC, "ask", "0.02", "99000"))
    before = whole(mock)
    same = {"ticker": BTC, "side": "bid", "price": "99000", "count": "0.10"}
    for changed in ({"ticker": ETH}, {"side": "ask"}):
        words = refusal(amend(alice, order_id, **same | changed), 400, "invalid_order")
        assert words == "an amend keeps the order's ticker and side"
    assert refusal(amend(alice, order_id, **same | {"client_order_id": "another"}), 400, "invalid_order") == (
        "client_order_id is not the order's")  # fmt: skip
    assert refusal(amend(alice, order_id, **same | {"price": "99000.25"}), 400, "invalid_price") == (
        "price must be a multiple of the tick size")  # fmt: skip
    assert refusal(amend(alice, order_id, **same | {"count": "0.02"}), 400, "bad_request") == (
        "count must be above what filled (2 hundredths)")  # fmt: skip
    assert whole(mock) == before
    # its own client order id is no refusal; a count one hundredth above what filled leaves one resting, in place
    kept = amend(alice, order_id, **same | {"count": "0.03", "client_order_id": "bid-0_10-99000"})
    assert kept.status_code == 200, kept.text
    assert (kept.json()["remaining_count"], kept.json()["fill_count"]) == ("0.01", "0.00")
    assert (got(alice, order_id)["remaining_count"], got(alice, order_id)["fill_count"]) == ("0.01", "0.02")
    # the same price and count again changes nothing: the answer's counts and averages are null (sent: the spec's
    # x-omitempty false)
    assert amend(alice, order_id, **same | {"count": "0.03"}).json() == {
        "order_id": order_id, "client_order_id": "bid-0_10-99000", "remaining_count": None, "fill_count": None,
        "average_fill_price": None, "average_fee_paid": None}  # fmt: skip


def test_an_amend_renames_its_order_and_frees_the_old_name(mock: MockServer, alice: httpx.Client) -> None:
    first = placed(alice, **order(BTC, "bid", "0.01", "90000", client_order_id="first"))["order_id"]
    placed(alice, **order(BTC, "bid", "0.01", "91000", client_order_id="second"))
    same = {"ticker": BTC, "side": "bid", "price": "90000", "count": "0.01"}
    before = whole(mock)
    taken = amend(alice, first, **same | {"updated_client_order_id": "second"})
    assert refusal(taken, 409, "order_already_exists") == "client_order_id 'second' names a resting order"
    assert whole(mock) == before
    assert amend(alice, first, **same | {"updated_client_order_id": "first"}).status_code == 200  # (its own name)
    renamed = amend(alice, first, **same | {"updated_client_order_id": "renamed"})
    assert renamed.json()["client_order_id"] == "renamed" and got(alice, first)["client_order_id"] == "renamed"
    # the old name is free, the new one taken
    placed(alice, **order(BTC, "bid", "0.01", "89000", client_order_id="first"))
    taken = alice.post("/margin/orders", json=order(BTC, "bid", "0.01", "88000", client_order_id="renamed"))
    assert refusal(taken, 409, "order_already_exists") == "client_order_id 'renamed' names a resting order"
    assert resting(alice) == ["renamed", "second", "first"]
    assert alice.delete(f"/margin/orders/{first}").status_code == 200  # (its new name is free again)
    placed(alice, **order(BTC, "bid", "0.01", "88000", client_order_id="renamed"))


def test_an_amend_sets_removes_and_refuses_an_expiry(mock: MockServer, alice: httpx.Client) -> None:
    now = int(T0.timestamp())
    same = {"ticker": BTC, "side": "bid", "price": "90000", "count": "0.01"}
    set_ = placed(alice, **order(BTC, "bid", "0.01", "90000", client_order_id="set"))["order_id"]
    removed = placed(alice, **order(BTC, "bid", "0.01", "90000", client_order_id="removed", expiration_time=now + 60))
    before = whole(mock)
    for past in (now, now - 1):  # (the instant itself is not in the future)
        words = refusal(amend(alice, set_, **same | {"expiration_time": past}), 400, "invalid_expiration_time")
        assert words == "expiration_time must be in the future"
    assert whole(mock) == before
    assert amend(alice, set_, **same | {"expiration_time": now + 60}).status_code == 200
    assert got(alice, set_)["expiration_time"] == "2026-11-02T15:01:00.000000Z"
    assert amend(alice, removed["order_id"], **same | {"expiration_time": 0}).status_code == 200
    assert got(alice, removed["order_id"])["expiration_time"] is None
    mock.advance_clock(seconds=60)
    assert got(alice, set_)["last_update_reason"] == "ExpiryCancel"
    assert resting(alice) == ["removed"]  # (its old expiry passed: it has none now)


def test_a_decrease_to_nothing_cancels_and_a_decrease_must_take_something_off(
    mock: MockServer, alice: httpx.Client
) -> None:
    order_id = placed(alice, **order(BTC, "bid", "0.10", "90000"))["order_id"]
    before = whole(mock)
    for body in ({"reduce_to": "0.10"}, {"reduce_to": "0.11"}, {"reduce_by": "0.11"}):
        answer = alice.post(f"/margin/orders/{order_id}/decrease", json=body)
        assert "it cannot decrease to" in refusal(answer, 400, "bad_request"), body
    assert whole(mock) == before
    by = alice.post(f"/margin/orders/{order_id}/decrease", json={"reduce_by": "0.04"})
    assert by.json()["remaining_count"] == "0.06"
    to = alice.post(f"/margin/orders/{order_id}/decrease", json={"reduce_to": "0.01"})
    assert to.json()["remaining_count"] == "0.01"
    gone = alice.post(f"/margin/orders/{order_id}/decrease", json={"reduce_to": "0.00"})
    assert gone.status_code == 200 and gone.json()["remaining_count"] == "0.00"
    assert got(alice, order_id)["last_update_reason"] == "Decrease" and resting(alice) == []
    cancelled = alice.get("/margin/orders", params={"status": "canceled"}).json()["orders"]
    assert [o["order_id"] for o in cancelled] == [order_id]


def test_a_client_order_id_is_free_once_its_order_rests_no_more(mock: MockServer, alice: httpx.Client) -> None:
    first = placed(alice, **order(BTC, "bid", "0.01", "90000", client_order_id="mine"))["order_id"]
    again = alice.post("/margin/orders", json=order(BTC, "bid", "0.01", "91000", client_order_id="mine"))
    assert refusal(again, 409, "order_already_exists") == "client_order_id 'mine' names a resting order"
    assert alice.delete(f"/margin/orders/{first}").status_code == 200
    second = placed(alice, **order(BTC, "bid", "0.01", "91000", client_order_id="mine"))["order_id"]
    assert resting(alice) == ["mine"] and got(alice, second)["price"] == "91000.0000"


def test_an_order_refused_at_its_expiry_and_in_a_whole_contract_market(mock: MockServer, alice: httpx.Client) -> None:
    before = whole(mock)
    now = int(T0.timestamp())
    at_now = alice.post("/margin/orders", json=order(BTC, "bid", "0.01", "90000", expiration_time=now))
    assert refusal(at_now, 400, "invalid_expiration_time") == "expiration_time must be in the future"
    half = alice.post("/margin/orders", json=order(ETH, "bid", "0.5", "3000"))
    assert refusal(half, 400, "invalid_order") == "this market trades whole contracts only"
    assert whole(mock) == before
    assert placed(alice, **order(BTC, "bid", "0.01", "90000", expiration_time=now + 1))["remaining_count"] == "0.01"


def test_an_amend_that_moves_its_order_waits_for_trading_as_an_order_does(
    mock: MockServer, alice: httpx.Client, bob: httpx.Client
) -> None:
    """A new price or a larger count places the order anew: refused while the exchange does not trade, the market is
    not active or the user's margin trading is off, nothing traded and the order as it was; a smaller count at its
    price keeps its place, and is taken."""
    order_id = placed(alice, **order(ETH, "bid", "3", "2990"))["order_id"]
    placed(bob, **order(ETH, "ask", "1", "3000"))
    stops = (
        (lambda: mock.set_perps_exchange_status(trading_active=False), 400, "exchange_closed"),
        (lambda: mock.update_perp_market(ETH, status="inactive"), 400, "market_closed"),
        (lambda: mock.set_perps_enabled("alice", enabled=False), 403, "margin_not_enabled"),
    )
    for stop, status, code in stops:
        stop()
        before = whole(mock)
        for count, price in (("3", "3000"), ("4", "2990")):  # (3,000 crosses bob's ask)
            refusal(amend(alice, order_id, ticker=ETH, side="bid", price=price, count=count), status, code)
        assert whole(mock) == before
        mock.set_perps_exchange_status(trading_active=True)
        mock.update_perp_market(ETH, status="active")
        mock.set_perps_enabled("alice", enabled=True)
    mock.set_perps_exchange_status(trading_active=False)
    smaller = amend(alice, order_id, ticker=ETH, side="bid", price="2990", count="2")
    assert smaller.status_code == 200 and smaller.json()["remaining_count"] == "2.00", smaller.text
    assert alice.get("/margin/fills").json()["fills"] == []


def test_a_decrease_or_an_amend_splits_no_contract_where_the_market_trades_whole_ones(
    mock: MockServer, alice: httpx.Client
) -> None:
    """ETH trades whole contracts: a decrease by or to part of one, or an amend to such a count, is refused as the
    create is, and changes nothing; whole counts go through (BTC takes hundredths)."""
    order_id = placed(alice, **order(ETH, "bid", "3", "2900"))["order_id"]
    before = whole(mock)
    for body in ({"reduce_by": "0.50"}, {"reduce_to": "1.25"}):
        decreased = alice.post(f"/margin/orders/{order_id}/decrease", json=body)
        assert refusal(decreased, 400, "invalid_order") == "this market trades whole contracts only"
    amended = amend(alice, order_id, ticker=ETH, side="bid", price="2900", count="2.5")
    assert refusal(amended, 400, "invalid_order") == "this market trades whole contracts only"
    assert whole(mock) == before
    decreased = alice.post(f"/margin/orders/{order_id}/decrease", json={"reduce_by": "1"})
    assert decreased.json()["remaining_count"] == "2.00"
    assert amend(alice, order_id, ticker=ETH, side="bid", price="2900", count="4").json()["remaining_count"] == "4.00"
    fractional = placed(alice, **order(BTC, "bid", "0.05", "90000"))["order_id"]
    decreased = alice.post(f"/margin/orders/{fractional}/decrease", json={"reduce_by": "0.01"})
    assert decreased.json()["remaining_count"] == "0.04"


def test_a_reduce_only_order_closes_at_most_what_is_held(
    mock: MockServer, alice: httpx.Client, bob: httpx.Client
) -> None:
    """Alice has never held BTC: a reduce-only order of hers closes nothing, though bob bids and asks across it, and is
    cancelled at once, as is a bid of hers when she is long. Long 0.02, her reduce-only ask of 0.02 exactly is not
    capped."""
    placed(bob, **order(BTC, "bid", "0.05", "99000"))
    placed(bob, **order(BTC, "ask", "0.05", "101000"))
    ioc = {"reduce_only": True, "time_in_force": "immediate_or_cancel"}
    for side, price in (("ask", "99000"), ("bid", "101000")):
        nothing = placed(alice, **order(BTC, side, "0.05", price, client_order_id=f"none-{side}", **ioc))
        assert (nothing["fill_count"], nothing["remaining_count"]) == ("0.00", "0.00")
        assert got(alice, nothing["order_id"])["last_update_reason"] == "ReduceOnlyCancel"
    placed(alice, **order(BTC, "bid", "0.02", "101000", client_order_id="long"))
    more = placed(alice, **order(BTC, "bid", "0.01", "101000", client_order_id="more", **ioc))
    assert more["fill_count"] == "0.00" and got(alice, more["order_id"])["last_update_reason"] == "ReduceOnlyCancel"
    exact = placed(alice, **order(BTC, "ask", "0.02", "100500", client_order_id="exact", **ioc))
    assert got(alice, exact["order_id"])["last_update_reason"] != "ReduceOnlyCancel"
    cancelled = alice.get("/margin/orders", params={"status": "canceled"}).json()["orders"]
    assert {o["client_order_id"] for o in cancelled} == {"none-bid", "none-ask", "more", "exact"}
    closed = placed(alice, **order(BTC, "ask", "0.05", "99000", client_order_id="closed", **ioc))
    assert closed["fill_count"] == "0.02"  # (capped at the 0.02 held)


def test_the_margin_check_at_equity_exactly_and_for_an_order_that_adds_none(
    mock: MockServer, alice: httpx.Client, bob: httpx.Client
) -> None:
    """Alice's $10,000 of equity holds a bid of 1.00 BTC at 100,000 (10% of initial margin) exactly; with 0.5 of it
    resting, a further 0.6 is refused, its diagnosis naming what it needs and what is free. Amending a resting bid
    counts it once."""
    exactly = placed(alice, **order(BTC, "bid", "1.00", "100000", client_order_id="exactly"))["order_id"]
    assert alice.post(f"/margin/orders/{exactly}/decrease", json={"reduce_to": "0.50"}).status_code == 200
    refused = alice.post("/margin/orders", json=order(BTC, "bid", "0.6", "100000"))
    assert refusal(refused, 400, "insufficient_balance") == (
        "the order needs 6000000000 micro-dollars of initial margin; 5000000000 are free")  # fmt: skip
    moved = amend(alice, exactly, ticker=BTC, side="bid", price="100500", count="0.50")
    assert moved.status_code == 200, moved.text  # (5,025: counted once, not beside the 5,000 it replaces)
    # an amend is checked as the order it makes: 5 BTC at 100,500 needs 50,250, against the 10,000 its own frees;
    # refused, it renames and dates nothing (both were once written before the check)
    before = whole(mock)
    grown = amend(alice, exactly, ticker=BTC, side="bid", price="100500", count="5.00",
                  updated_client_order_id="grown", expiration_time=int(T0.timestamp()) + 60)  # fmt: skip
    assert refusal(grown, 400, "insufficient_balance") == (
        "the order needs 50250000000 micro-dollars of initial margin; 10000000000 are free")  # fmt: skip
    assert whole(mock) == before
    assert (got(alice, exactly)["client_order_id"], got(alice, exactly)["expiration_time"]) == ("exactly", None)
    assert amend(alice, exactly, ticker=BTC, side="bid", price="100000", count="1.00").status_code == 200


def test_an_amend_is_held_to_the_notional_risk_limit(mock: MockServer, alice: httpx.Client) -> None:
    mock.set_perps_notional_limit("alice", "3000", level="market", ticker=BTC)
    order_id = placed(alice, **order(BTC, "bid", "0.02", "100000"))["order_id"]
    before = whole(mock)
    grown = amend(alice, order_id, ticker=BTC, side="bid", price="100000.5", count="0.05")
    assert "past the limit" in refusal(grown, 400, "notional_risk_limit_exceeded")
    assert whole(mock) == before
    assert amend(alice, order_id, ticker=BTC, side="bid", price="100000", count="0.03").status_code == 200


def test_an_order_adding_no_margin_is_placed_when_the_account_is_under_its_initial_margin(
    mock: MockServer, alice: httpx.Client, bob: httpx.Client
) -> None:
    """Alice long 0.8 at 100,000 ($8,000 of initial margin); the mark at 96,000 leaves her $6,800 or so of equity,
    above the maintenance margin and below the initial. An ask above the book adds nothing to her larger side: placed.
    A bid adds: refused, nothing free."""
    placed(bob, **order(BTC, "ask", "0.8", "100000"))
    placed(alice, **order(BTC, "bid", "0.8", "100000"))
    mock.set_perp_marks(BTC, mark_price="96000")
    placed(alice, **order(BTC, "ask", "0.01", "120000", client_order_id="ask"))
    refused = alice.post("/margin/orders", json=order(BTC, "bid", "0.01", "90000"))
    assert refusal(refused, 400, "insufficient_balance").endswith("; 0 are free")


def test_cancel_all_of_one_subaccount_leaves_the_others(mock: MockServer, alice: httpx.Client) -> None:
    open_subaccount(alice, 1, 100_000)
    placed(alice, **order(BTC, "bid", "0.01", "90000", client_order_id="zero"))
    placed(alice, **order(BTC, "bid", "0.01", "90000", client_order_id="one", subaccount=1))
    assert alice.delete("/margin/orders", params={"subaccount": 1}).status_code == 204
    assert resting(alice) == ["zero"]


def test_a_paused_exchange_takes_no_order(mock: MockServer, alice: httpx.Client) -> None:
    mock.set_perps_exchange_status(trading_active=False)
    before = whole(mock)
    paused = alice.post("/margin/orders", json=order(BTC, "bid", "0.01", "90000"))
    assert refusal(paused, 400, "exchange_closed") == "the perps exchange is not trading"
    assert whole(mock) == before
    mock.set_perps_exchange_status(trading_active=True)
    assert placed(alice, **order(BTC, "bid", "0.01", "90000"))["remaining_count"] == "0.01"


def test_an_expiry_passing_before_a_command_is_made_first(mock: MockServer, alice: httpx.Client) -> None:
    """The clock passes an order's expiry with nothing made in between: the next command (a cancel of another order)
    finds it expired, not resting."""
    later = int((T0 + timedelta(seconds=30)).timestamp())
    expiring = placed(alice, **order(BTC, "bid", "0.01", "90000", client_order_id="exp", expiration_time=later))
    other = placed(alice, **order(BTC, "bid", "0.01", "89000", client_order_id="other"))["order_id"]
    mock.app.control.parts.clock.set(T0 + timedelta(seconds=30))
    assert alice.delete(f"/margin/orders/{other}").status_code == 200
    assert got(alice, expiring["order_id"])["last_update_reason"] == "ExpiryCancel"


def test_a_market_not_active_takes_no_order_and_an_ended_order_takes_no_change(
    mock: MockServer, alice: httpx.Client, bob: httpx.Client
) -> None:
    """ETH closed, then inactive: an order there is refused. Bob's ask, taken whole, and alice's bid that took it are
    executed; a cancel, a decrease or an amend of either is 404 `not_found`, as for one that never was; a cancel of all
    cancels with `Decrease`."""
    for status in ("closed", "inactive"):
        mock.update_perp_market(ETH, status=status)
        before = whole(mock)
        refused = alice.post("/margin/orders", json=order(ETH, "bid", "1", "3000"))
        assert refusal(refused, 400, "market_closed") == f"market 'ETH-PERP' is {status}"
        assert whole(mock) == before
    maker = placed(bob, **order(BTC, "ask", "0.02", "100000"))["order_id"]
    taker = placed(alice, **order(BTC, "bid", "0.02", "100000"))["order_id"]
    for client, order_id, side in ((bob, maker, "ask"), (alice, taker, "bid")):
        executed = client.get("/margin/orders", params={"status": "executed"}).json()["orders"]
        assert [o["order_id"] for o in executed] == [order_id]
        words = refusal(client.delete(f"/margin/orders/{order_id}"), 404, "not_found")
        assert words == f"order {order_id!r} is executed"
        decreased = client.post(f"/margin/orders/{order_id}/decrease", json={"reduce_by": "0.01"})
        assert refusal(decreased, 404, "not_found") == words
        amended = amend(client, order_id, ticker=BTC, side=side, price="99000", count="0.02")
        assert refusal(amended, 404, "not_found") == words
    rests = placed(alice, **order(BTC, "bid", "0.01", "90000", client_order_id="rests"))["order_id"]
    assert alice.delete("/margin/orders").status_code == 204
    assert got(alice, rests)["last_update_reason"] == "Decrease" and resting(alice) == []


def test_an_amend_that_trades_and_rests_says_amend_and_a_renamed_name_is_freed_by_its_cancel(
    mock: MockServer, alice: httpx.Client, bob: httpx.Client
) -> None:
    order_id = placed(alice, **order(BTC, "bid", "0.05", "99000"))["order_id"]
    placed(bob, **order(BTC, "ask", "0.02", "99500"))
    crossed = amend(alice, order_id, ticker=BTC, side="bid", price="99500", count="0.05",
                    updated_client_order_id="renamed")  # fmt: skip
    assert (crossed.json()["fill_count"], crossed.json()["remaining_count"]) == ("0.02", "0.03")
    assert got(alice, order_id)["last_update_reason"] == "Amend"  # (it traded, and rests as amended)
    assert alice.delete(f"/margin/orders/{order_id}").status_code == 200
    assert placed(alice, **order(BTC, "bid", "0.01", "90000", client_order_id="renamed"))["remaining_count"] == "0.01"
