"""Where and how an exit trigger fires, over real HTTP and the control plane's marks (core/perps/exit_triggers.py):
each leg of a long's and of a short's trigger, and a trailing stop of each (its watermark ratcheting the way that
protects the position), does not fire a hundredth of a dollar short of its level and fires at the level itself,
closing the position through the book; a bracket of a count closes only what is left of its count; a trigger whose
order is refused ends failed; a subaccount's cross trigger reads that subaccount's position; a trigger cancelled, by
its id or with the rest, replays by its key as the user cancelled it; an anchor must be a resting order of the
position's own side; and the brackets of a count are bounded and fit what is left of the position."""

from __future__ import annotations

import httpx
import pytest
from perps_fixtures import alice_client, bob_client, fresh, module_server  # noqa: F401  (fixtures)
from perps_http import BTC, ETH, fund, open_subaccount, order, placed
from test_perps_triggers import CROSS, long_eth, position, put, refused

from mockexchange.core.perps import exit_triggers
from mockexchange.server import MockServer

# (whose position: alice long 2 ETH at 3,000, bob short 2; the trigger; a mark first, if any; a mark a hundredth short
# of the level; the level)
CASES = {
    "a long's stop loss": ("alice", {"stop_loss_price": "2950"}, None, "2950.01", "2950"),
    "a long's take profit": ("alice", {"take_profit_price": "3100"}, None, "3099.99", "3100"),
    "a short's stop loss": ("bob", {"stop_loss_price": "3050"}, None, "3049.99", "3050"),
    "a short's take profit": ("bob", {"take_profit_price": "2900"}, None, "2900.01", "2900"),
    # a long's trail: its watermark rises to 3,040, so its stop to 3,015
    "a long's trailing stop": ("alice", {"kind": "trailing", "trail_amount": "25"}, "3040", "3015.01", "3015"),
    # a short's trail: its watermark falls to 2,950, so its stop to 2,975
    "a short's trailing stop": ("bob", {"kind": "trailing", "trail_amount": "25"}, "2950", "2974.99", "2975"),
}


@pytest.mark.parametrize("case", CASES)
def test_a_trigger_fires_at_its_level_and_not_a_hundredth_before(
    mock: MockServer, alice: httpx.Client, bob: httpx.Client, case: str
) -> None:
    who, legs, first, short_of, level = CASES[case]
    client = {"alice": alice, "bob": bob}[who]
    long_eth(alice, bob)
    fund(mock, "carol", 100_000)  # (the book the exchange's closing order trades with)
    mock.place_perp_order("carol", ETH, "bid", "10", "2000", "c-bid")
    mock.place_perp_order("carol", ETH, "ask", "10", "4000", "c-ask")
    held = position(client)
    put(client, CROSS, **legs)
    for mark in [m for m in (first, short_of) if m is not None]:
        mock.set_perp_marks(ticker=ETH, mark_price=mark)
        assert position(client) == held, (case, mark)
    mock.set_perp_marks(ticker=ETH, mark_price=level)
    assert position(client) == "0.00", case


def test_a_cancelled_trigger_replays_as_cancelled_by_the_user(
    mock: MockServer, alice: httpx.Client, bob: httpx.Client
) -> None:
    """Two keyed brackets of one contract, one cancelled by its id, the other with every trigger of the position: each
    key then replays the trigger as it ended, `canceled` by `user_canceled`."""
    long_eth(alice, bob)
    one = put(alice, CROSS, count="1", client_trigger_id="one", stop_loss_price="2800")
    put(alice, CROSS, count="1", client_trigger_id="two", stop_loss_price="2700")
    assert alice.delete(f"{CROSS}/{one['id']}").status_code == 204
    assert alice.delete(CROSS).status_code == 204
    for key in ("one", "two"):
        ended = put(alice, CROSS, count="1", client_trigger_id=key, stop_loss_price="1")
        assert (ended["status"], ended["status_reason"]) == ("canceled", "user_canceled"), key


def test_a_bracket_of_a_count_closes_what_is_left_of_its_count(
    mock: MockServer, alice: httpx.Client, bob: httpx.Client
) -> None:
    """Alice long 3 ETH with a stop of 2 contracts: the book takes 1 at the first firing, and at the next move the
    trigger sells the 1 left of its count, not more: she keeps 1."""
    long_eth(alice, bob, count="3")
    mock.place_perp_order("bob", ETH, "bid", "1", "2900", "b1")
    put(alice, CROSS, count="2", client_trigger_id="two", stop_loss_price="2950")
    mock.set_perp_marks(ticker=ETH, mark_price="2940")
    assert position(alice) == "2.00"
    mock.place_perp_order("bob", ETH, "bid", "5", "2890", "b2")
    mock.set_perp_marks(ticker=ETH, mark_price="2945")
    assert position(alice) == "1.00"


def test_a_trigger_whose_order_is_refused_ends_failed(mock: MockServer, alice: httpx.Client, bob: httpx.Client) -> None:
    """The market closed, a stop reached cannot place its order: the trigger ends `failed` by `order_rejected`, and the
    next trigger set fires as any would once the market trades again."""
    long_eth(alice, bob)
    put(alice, CROSS, count="1", client_trigger_id="stop", stop_loss_price="2950")
    mock.update_perp_market(ETH, status="closed")
    mock.set_perp_marks(ticker=ETH, mark_price="2940")
    ended = put(alice, CROSS, count="1", client_trigger_id="stop", stop_loss_price="1")
    assert (ended["status"], ended["status_reason"]) == ("failed", "order_rejected")
    mock.update_perp_market(ETH, status="active")
    mock.place_perp_order("bob", ETH, "bid", "5", "2900", "b1")
    put(alice, CROSS, count="1", client_trigger_id="again", stop_loss_price="2950")
    mock.set_perp_marks(ticker=ETH, mark_price="2945")
    assert position(alice) == "1.00"


def test_a_cross_trigger_of_a_subaccount_reads_that_subaccounts_position(
    mock: MockServer, alice: httpx.Client, bob: httpx.Client
) -> None:
    """Alice long 1 ETH in subaccount 1 and nothing in subaccount 0: subaccount 1's stop sells its 1 (read as
    subaccount 0's, there would be nothing to close)."""
    open_subaccount(alice, 1, 500_000)
    placed(bob, **order(ETH, "ask", "1", "3000", client_order_id="sub-ask"))
    placed(alice, **order(ETH, "bid", "1", "3000", subaccount=1, time_in_force="immediate_or_cancel"))
    mock.place_perp_order("bob", ETH, "bid", "5", "2900", "b1")
    put(alice, f"{CROSS}?subaccount=1", stop_loss_price="2950")
    mock.set_perp_marks(ticker=ETH, mark_price="2940")
    assert alice.get("/margin/positions", params={"subaccount": 1}).json()["positions"] == []


def test_an_anchor_must_be_a_resting_order_of_the_positions_own_side(
    mock: MockServer, alice: httpx.Client, bob: httpx.Client
) -> None:
    """Alice long 2 ETH: an anchored bracket is refused (409 `anchor_order_unavailable`, changing nothing) on bob's
    order, on her subaccount 1's, on her BTC order, on an ask (it would reduce her long) and on a bid already filled;
    her own resting ETH bid in subaccount 0 anchors one."""
    long_eth(alice, bob)
    open_subaccount(alice, 1, 100_000)
    theirs = placed(bob, **order(ETH, "bid", "1", "2000", client_order_id="bob-bid"))["order_id"]
    other_sub = placed(alice, **order(ETH, "bid", "1", "2000", client_order_id="sub-bid", subaccount=1))["order_id"]
    other_market = placed(alice, **order(BTC, "bid", "0.01", "90000", client_order_id="btc-bid"))["order_id"]
    reducing = placed(alice, **order(ETH, "ask", "1", "4000", client_order_id="ask"))["order_id"]
    placed(bob, **order(ETH, "ask", "1", "2990", client_order_id="bob-ask"))
    filled = placed(alice, **order(ETH, "bid", "1", "2990", client_order_id="filled"))["order_id"]
    for n, anchor in enumerate((theirs, other_sub, other_market, reducing, filled)):
        refused(mock, alice, "PUT", CROSS, 409, "anchor_order_unavailable", anchor_order_id=anchor,
                client_trigger_id=f"a{n}", stop_loss_price="2900")  # fmt: skip
    own = placed(alice, **order(ETH, "bid", "1", "2000", client_order_id="own"))["order_id"]
    made = put(alice, CROSS, anchor_order_id=own, client_trigger_id="own", stop_loss_price="1900")
    assert made["status"] == "pending_on_entry"


def test_the_brackets_of_a_count_are_bounded_and_fit_what_is_left(
    mock: MockServer, alice: httpx.Client, bob: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Alice long 3. At most 2 brackets here (the bound set low): a third of 1 is refused though it fits. Then a
    bracket of 2 that the book half fills (1 left of it, 2 held) takes another of 1, not of 2."""
    monkeypatch.setattr(exit_triggers, "MAX_BRACKETS", 2)
    long_eth(alice, bob, count="3")
    for key in ("a", "b"):
        put(alice, CROSS, count="1", client_trigger_id=key, stop_loss_price="2800")
    refused(mock, alice, "PUT", CROSS, 400, "bad_request", count="1", client_trigger_id="c", stop_loss_price="2800")
    assert alice.delete(CROSS).status_code == 204
    mock.place_perp_order("bob", ETH, "bid", "1", "2900", "b1")
    put(alice, CROSS, count="2", client_trigger_id="two", stop_loss_price="2950")
    mock.set_perp_marks(ticker=ETH, mark_price="2940")  # (the book takes 1 of its 2)
    mock.set_perp_marks(ticker=ETH, mark_price="3000")
    assert position(alice) == "2.00"
    refused(mock, alice, "PUT", CROSS, 400, "bad_request", count="2", client_trigger_id="big", stop_loss_price="2800")
    put(alice, CROSS, count="1", client_trigger_id="one", stop_loss_price="2800")
