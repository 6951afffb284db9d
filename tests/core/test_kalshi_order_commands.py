"""Changing and ending a resting Kalshi order in the core (core/kalshi/trading.py), past what
tests/test_kalshi_orders_core.py checks: cancel (one, or all of a user's), decrease, amend (in place, or anew at the
back of a level, crossing first), expiry on the exchange clock, a pause's and a market's end, and the ended orders an
account keeps. Each command's refusals with their status, Kalshi's code and words (a refused command changes nothing),
and what a command changes: the order (its counts, hold, reason, status), its owner's cash and resting contracts, the
book and its place in the queue, and what the command answers (`OrderOutcome`)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D

import pytest
from kalshi_commands import amend as amend_order
from kalshi_commands import submit
from test_kalshi_orders_core import T0, M, ask, bid, cash, levels, new_ledger

from mockexchange.core.kalshi import checks as checks_module
from mockexchange.core.kalshi import trading
from mockexchange.core.kalshi.checks import LedgerError
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.kalshi.market_changes import BOOK
from mockexchange.core.kalshi.market_commands import SetExchangeStatus, SetSeries
from mockexchange.core.kalshi.order_group_commands import CreateOrderGroup
from mockexchange.core.kalshi.orders import ORDER
from mockexchange.core.kalshi.subaccount_commands import ApplySubaccountTransfer, CreateSubaccount
from mockexchange.core.stepping import Footprint, MustStep
from mockexchange.core.values import Refused

IOC = "immediate_or_cancel"
N = "KXORD-26NOV-B"
FUNDS = 1_000_000_000  # micro-dollars: the $1,000 each user opens with


class Desk:
    """Users a, b and c on M and N, and the book and order changes published from the start."""

    def __init__(self) -> None:
        self.ledger = ledger = new_ledger("a", "b", "c")
        ledger.catalogue.list_market(N)
        self.moves: list = []
        self.changes: list = []
        ledger.state.bus.subscribe(self.moves.append, [BOOK], wants=lambda: True)
        ledger.state.bus.subscribe(self.changes.append, [ORDER], wants=lambda: True)

    def order(self, done) -> object:
        return self.ledger.state.all_orders[done.order.order_id]

    def resting(self, user: str) -> int:
        """The user's resting contracts on M (its row's count, and its account's)."""
        row = self.ledger.state.positions.get(user, 0, M)
        return row.resting_orders_count if row is not None else 0

    def last_reason(self, done) -> tuple:
        last = [c.payload for c in self.changes if c.payload.order_id == done.order.order_id][-1]
        return last.status, last.last_update_reason, last.remaining

    def state(self) -> tuple:
        ledger = self.ledger
        state = ledger.state
        orders = {i: o.copy().__repr__() for i, o in state.orders.items()}
        return (levels(ledger), [cash(ledger, u) for u in "abc"], orders, dict(state.client_orders), len(self.moves),
                len(self.changes), len(state.fills))  # fmt: skip

    def refused(self, command, *args, **options) -> tuple:
        """(status, code, words) of a refused command, which changed nothing."""
        before = self.state()
        with pytest.raises(LedgerError) as caught:
            command(*args, **options)
        assert self.state() == before
        return caught.value.status, getattr(caught.value, "code", None), str(caught.value)


@pytest.fixture(name="desk")
def a_desk() -> Desk:
    return Desk()


# -- cancel --------------------------------------------------------------------------------------------------------


def test_a_cancel_ends_the_order_gives_its_hold_and_resting_contracts_back_and_answers_what_it_took_off(desk: Desk):
    ledger = desk.ledger
    done = bid(ledger, "a", 40, 5, client_order_id="c-1")
    ledger.state.clock.advance(seconds=2)
    cancelled = ledger.trading.cancel_order(done.order.order_id, "a", 0)
    assert (cancelled.reduced, cancelled.filled, cancelled.when) == (500, 0, T0 + timedelta(seconds=2))
    order = desk.order(done)
    assert (order.status, order.remaining, order.held, order.last_update_reason) == ("canceled", 0, 0, "Decrease")
    assert order.updated == T0 + timedelta(seconds=2) and order.order_id not in ledger.state.orders
    assert cash(ledger, "a") == FUNDS and desk.resting("a") == 0 and ledger.state.accounts["a"].resting == 0
    assert levels(ledger) == ([], []) and desk.moves[-1].payload.cause.client_order_id == "c-1"


def test_a_cancel_names_only_a_resting_order_of_the_user_and_subaccount_on_its_exchange_index(desk: Desk):
    ledger = desk.ledger
    done = bid(ledger, "a", 40, 5)
    order_id = done.order.order_id
    gone = f"no resting order {order_id!r}"
    elsewhere = {"exchange_index": 2}
    for args, options in (((order_id, "b", 0), {}), ((order_id, "a", 1), {}), ((order_id, "a", 0), elsewhere),
                          (("other", "a", 0), {}), ((5, "a", 0), {})):  # fmt: skip
        answer = desk.refused(ledger.trading.cancel_order, *args, **options)
        assert answer == (404, "not_found", gone if args[0] == order_id else f"no resting order {args[0]!r}")
    assert ledger.trading.cancel_order(order_id, "a", 0, exchange_index=0).reduced == 500
    assert desk.refused(ledger.trading.cancel_order, order_id, "a", 0) == (404, "not_found", gone)


def test_the_control_planes_cancel_takes_any_resting_order_and_names_no_cause(desk: Desk):
    done = bid(desk.ledger, "a", 40, 5)
    assert desk.ledger.trading.cancel_order(done.order.order_id).order.status == "canceled"
    assert desk.moves[-1].payload.cause is None


def test_cancelling_every_order_of_a_user_ends_them_market_by_market_and_only_that_subaccounts_if_named(desk: Desk):
    ledger = desk.ledger
    ledger.subaccounts.create_subaccount(CreateSubaccount("a"))
    ledger.subaccounts.subaccount_transfer(ApplySubaccountTransfer("a", "t-1", 0, 1, 10_000))
    first = bid(ledger, "a", 40, 5)
    on_n = submit(ledger, "a", N, "yes", "sell", 200, 7000)
    in_one = bid(ledger, "a", 41, 1, subaccount=1)
    others = bid(ledger, "b", 39, 1)
    moved = len(desk.moves)
    done = ledger.trading.cancel_orders("a", 0)
    assert [(d.order.order_id, d.reduced, d.order.status) for d in done] == [
        (first.order.order_id, 500, "canceled"), (on_n.order.order_id, 200, "canceled")]  # fmt: skip
    assert [m.payload.ticker for m in desk.moves[moved:]] == [M, N]  # one action a market
    assert {(m.payload.cause.user_id, m.payload.cause.subaccount) for m in desk.moves[moved:]} == {("a", 0)}
    assert set(ledger.state.orders) == {in_one.order.order_id, others.order.order_id}
    assert [d.order.order_id for d in ledger.trading.cancel_orders("a")] == [in_one.order.order_id]
    assert cash(ledger, "a") == FUNDS - 100 * 1_000_000 and ledger.state.accounts["a"].resting == 0


def test_cancelling_more_than_deep_orders_runs_long(monkeypatch: pytest.MonkeyPatch, desk: Desk):
    monkeypatch.setattr(trading, "DEEP", 2)
    ledger = desk.ledger
    long_seen: list[bool] = []
    ledger.state.bus.subscribe(lambda _: long_seen.append(ledger.state.lock.running_long), [ORDER], wants=lambda: True)
    for resting, long in ((2, False), (3, True)):
        for cents in range(30, 30 + resting):
            bid(ledger, "a", cents, 1)
        long_seen.clear()
        assert len(ledger.trading.cancel_orders("a")) == resting
        assert long_seen == [long] * resting


# -- decrease ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({}, "give exactly one of reduce_by and reduce_to"),
        ({"reduce_by": 100, "reduce_to": 100}, "give exactly one of reduce_by and reduce_to"),
        ({"reduce_by": 0}, "reduce_by must be positive"),
        ({"reduce_to": -1}, "reduce_to must be at least 0"),
        ({"reduce_to": 501}, "reduce_to must be at most what rests (5.00 contracts)"),
    ],
)
def test_a_decrease_is_refused_unless_it_names_one_smaller_count(desk: Desk, options: dict, words: str):
    done = bid(desk.ledger, "a", 40, 5)
    assert desk.refused(desk.ledger.trading.decrease_order, done.order.order_id, "a", 0, **options) == (
        400, "invalid_order", words)  # fmt: skip


def test_a_decrease_shrinks_the_order_in_place_and_its_hold_and_resting_contracts_follow(desk: Desk):
    ledger = desk.ledger
    done = bid(ledger, "a", 40, 5)
    ledger.state.clock.advance(seconds=1)
    smaller = ledger.trading.decrease_order(done.order.order_id, "a", 0, reduce_by=150)
    order = desk.order(done)
    assert (smaller.reduced, order.remaining, order.held, desk.resting("a")) == (150, 350, 350 * 4000, 4)
    assert cash(ledger, "a") == FUNDS - 350 * 4000 and order.updated == T0 + timedelta(seconds=1)
    assert desk.last_reason(done) == ("resting", "Decrease", 350) and levels(ledger)[0] == [(4000, 350)]
    assert ledger.trading.decrease_order(done.order.order_id, "a", 0, reduce_to=100).reduced == 250
    assert (desk.resting("a"), ledger.state.accounts["a"].resting) == (1, 1)


def test_a_decrease_to_what_rests_changes_nothing_and_one_to_nothing_cancels(desk: Desk):
    ledger = desk.ledger
    done = bid(ledger, "a", 40, 5)
    before = desk.state()
    ledger.state.clock.advance(seconds=1)
    same = ledger.trading.decrease_order(done.order.order_id, "a", 0, reduce_to=500)
    assert same.reduced == 0 and desk.state() == before and desk.order(done).updated == T0
    assert (same.order.order_id, same.order.remaining) == (done.order.order_id, 500)
    gone = ledger.trading.decrease_order(done.order.order_id, "a", 0, reduce_by=900)  # more than rests: to nothing
    assert (gone.reduced, gone.order.status, desk.last_reason(done)) == (500, "canceled", ("canceled", "Decrease", 0))
    other = bid(ledger, "a", 40, 2)
    assert ledger.trading.decrease_order(other.order.order_id, "a", 0, reduce_to=0).order.status == "canceled"
    assert cash(ledger, "a") == FUNDS and levels(ledger) == ([], [])


# -- amend ---------------------------------------------------------------------------------------------------------


def amend(ledger: Ledger, done, cents: int, count: int, **options):
    """Amend a's bid `done` to `count` contracts in all at `cents`."""
    return amend_order(ledger, done.order.order_id, "a", 0, M, "yes", "buy", cents * 100, count * 100, **options)


def test_an_amend_is_refused_unless_it_keeps_the_orders_market_side_and_ids_and_names_a_count_and_price_it_may(
    desk: Desk,
):
    ledger = desk.ledger
    bid(ledger, "b", 40, 1, client_order_id="b's")
    bid(ledger, "a", 39, 1, client_order_id="taken")
    done = bid(ledger, "a", 40, 5, client_order_id="mine")
    ask(ledger, "c", 40, 2, time_in_force=IOC)  # b's first, then 1 of a's
    order_id = done.order.order_id
    stays = f"order {order_id!r} is a bid of 'KXORD-26NOV-A': those stay"
    for args in ((N, "yes", "buy"), (M, "yes", "sell"), (M, "no", "buy")):
        answer = desk.refused(amend_order, ledger, order_id, "a", 0, *args, 4000, 500)
        assert answer == (400, "invalid_order", stays)
    cases = [
        ({"client_order_id": "other"}, 40, 5,
         (400, "invalid_order", f"client_order_id 'other' is not order {order_id!r}'s")),
        ({"updated_client_order_id": "taken"}, 40, 5,
         (409, "order_already_exists", "client_order_id 'taken' names an order already")),
        ({}, 40, 1, (400, "invalid_order", "count must be more than the 1.00 contracts it filled")),
        ({"expiration_time": T0}, 40, 5, (400, "invalid_expiration_time", "expiration_time must be in the future")),
    ]  # fmt: skip
    for options, cents, count, answer in cases:
        assert desk.refused(amend, ledger, done, cents, count, **options) == answer
    assert desk.refused(amend_order, ledger, order_id, "a", 0, M, "yes", "buy", 4050, 500)[1] == "invalid_price"
    assert desk.refused(amend_order, ledger, order_id, "b", 0, M, "yes", "buy", 4000, 500)[:2] == (404, "not_found")
    for same in (None, "mine"):  # its own client order id, or none, is no refusal
        assert amend(ledger, done, 40, 5, client_order_id=same, updated_client_order_id="mine").order.remaining == 400
    before = desk.state()
    with pytest.raises(Refused) as empty:  # none is None: an empty one is refused as the command is made
        amend(ledger, done, 40, 5, client_order_id="")
    assert (empty.value.code, str(empty.value)) == (
        None, "client_order_id must be a non-empty string of at most 256 characters, not ''")  # fmt: skip
    assert desk.state() == before


def test_an_amend_to_a_smaller_count_at_its_price_keeps_its_place_and_counts_what_it_filled(desk: Desk):
    ledger = desk.ledger
    done = bid(ledger, "a", 40, 5)
    behind = bid(ledger, "b", 40, 1)
    ask(ledger, "c", 40, 1, time_in_force=IOC)  # a fills 1 of 5
    ledger.state.clock.advance(seconds=1)
    smaller = amend(ledger, done, 40, 3, updated_client_order_id="new")
    order = desk.order(done)
    assert (smaller.reduced, smaller.filled, order.remaining, order.initial, order.filled) == (200, 0, 200, 300, 100)
    assert (order.held, desk.resting("a"), order.updated) == (200 * 4000, 2, T0 + timedelta(seconds=1))
    assert desk.last_reason(done) == ("resting", "Amend", 200) and order.client_order_id == "new"
    assert ledger.trading.queue_position(behind.order.order_id, "b", 0) == 200  # a's 2 still ahead
    assert dict(ledger.state.client_orders) == {("a", "new"): order.order_id}
    assert bid(ledger, "c", 30, 1).order.status == "resting"
    unchanged = amend(ledger, done, 40, 3)  # the same count: nothing taken off
    assert unchanged.reduced == 0 and desk.last_reason(done) == ("resting", "Amend", 200)


def test_an_amend_to_a_new_price_or_a_larger_count_goes_to_the_back_of_its_level(desk: Desk):
    ledger = desk.ledger
    done = bid(ledger, "a", 40, 2, client_order_id="mine")
    behind = bid(ledger, "b", 40, 1)
    larger = amend(ledger, done, 40, 3)
    assert (larger.reduced, ledger.trading.queue_position(behind.order.order_id, "b", 0)) == (-100, 0)
    assert (desk.order(done).held, desk.resting("a"), cash(ledger, "a")) == (300 * 4000, 3, FUNDS - 300 * 4000)
    assert desk.last_reason(done) == ("resting", "Amend", 300)
    moved = amend(ledger, done, 45, 3, updated_client_order_id="moved")
    assert levels(ledger)[0] == [(4500, 300), (4000, 100)] and moved.order.client_order_id == "moved"
    assert list(desk.moves[-1].payload.levels) == [("bid", 4000, 400, 100), ("bid", 4500, 0, 300)]
    assert (
        dict(ledger.state.client_orders)[("a", "moved")] == done.order.order_id
        and ("a", "mine") not in ledger.state.client_orders
    )
    assert desk.moves[-1].payload.cause.client_order_id == "moved"


def test_an_amend_anew_crosses_first_as_a_taker_and_rests_the_rest_at_its_new_price(desk: Desk):
    ledger = desk.ledger
    ledger.catalogue.put_series(SetSeries("KXORD", fee_type="quadratic_with_maker_fees"))
    rule = ledger.catalogue.fee_rule_for(M, None)
    ask(ledger, "c", 39, 1)
    done = bid(ledger, "a", 40, 5)  # takes c's 1 at 0.39, rests 4
    ask(ledger, "c", 40, 1, time_in_force=IOC)  # 1 filled as maker at 0.40
    assert desk.order(done).maker_run == 100
    ask(ledger, "b", 44, 2)
    ledger.state.clock.advance(seconds=1)
    crossed = amend(ledger, done, 45, 6)  # 4 to rest: 2 taken at 0.44, 2 rest at 0.45
    taker_fees = rule.fee_units(100, 3900, True) + rule.fee_units(200, 4400, True)
    assert (crossed.filled, crossed.yes_value, crossed.reduced) == (200, 200 * 4400, 100)
    assert crossed.fees == rule.fee_units(200, 4400, True)
    order = desk.order(done)
    assert (order.remaining, order.filled, order.initial, order.yes_price) == (200, 400, 600, 4500)
    assert (order.taker_fees, order.taker_cost) == (taker_fees, 100 * 3900 + 200 * 4400)
    assert order.maker_run == 0 and order.held == 200 * 4500 + rule.fee_units(200, 4500, False)
    assert levels(ledger) == ([(4500, 200)], []) and desk.resting("a") == 2
    assert desk.last_reason(done) == ("resting", "Amend", 200) and order.updated == T0 + timedelta(seconds=1)
    ask(ledger, "c", 45, 1, time_in_force=IOC)  # 1 filled as maker at 0.45
    larger = amend(ledger, done, 45, 7)  # a larger count at its price keeps its maker run
    assert larger.reduced == -100 and desk.order(done).maker_run == 100


def test_an_amend_that_fills_whole_ends_executed_and_one_self_trade_prevention_stops_ends_cancelled(desk: Desk):
    ledger = desk.ledger
    done = bid(ledger, "a", 40, 5)
    ask(ledger, "b", 45, 5)
    filled = amend(ledger, done, 45, 5)
    assert (filled.filled, filled.reduced, desk.last_reason(done)) == (500, 500, ("executed", "Amend", 0))
    assert desk.order(done).held == 0 and desk.resting("a") == 0 and levels(ledger) == ([], [])
    again = bid(ledger, "a", 40, 5)
    ask(ledger, "a", 46, 1)
    stopped = amend(ledger, again, 46, 5)
    assert (stopped.filled, stopped.reduced, desk.last_reason(again)) == (0, 500, ("canceled", "SelfTradeCancel", 0))
    assert (
        cash(ledger, "a")
        == FUNDS - 500 * 4500 - ledger.catalogue.fee_rule_for(M, None).fee_units(500, 4500, True) - 100 * 5400
    )


def test_a_refused_amend_anew_leaves_the_order_where_it_was(desk: Desk):
    ledger = desk.ledger
    done = bid(ledger, "a", 40, 5, post_only=True)
    behind = bid(ledger, "b", 40, 1)
    ask(ledger, "c", 50, 1)
    assert desk.refused(amend, ledger, done, 50, 5) == (
        400, "post_only_cross", "the post-only order would cross the book of 'KXORD-26NOV-A'")  # fmt: skip
    assert ledger.trading.queue_position(behind.order.order_id, "b", 0) == 500
    poor = new_ledger("a", "c", cents=300)
    rest = bid(poor, "a", 40, 5)  # holds $2 of a's $3
    assert amend_order(poor, rest.order.order_id, "a", 0, M, "yes", "buy", 6000, 500).order.held == 3_000_000
    with pytest.raises(LedgerError) as refused:
        amend_order(poor, rest.order.order_id, "a", 0, M, "yes", "buy", 6100, 500)
    assert str(refused.value) == (
        "insufficient balance: the order needs 3050000 micro-dollars of subaccount 0's cash, which has 0 available"
    )


# -- expiry, pauses and the end of a market --------------------------------------------------------------------------


def test_orders_expire_each_at_its_expiration_time_once_the_clock_reaches_it(desk: Desk):
    ledger = desk.ledger
    soon = bid(ledger, "a", 40, 1, expiration_time=T0 + timedelta(seconds=10))
    later = bid(ledger, "b", 41, 1, expiration_time=T0 + timedelta(seconds=20))
    on_n = submit(ledger, "c", N, "yes", "buy", 100, 3000, expiration_time=T0 + timedelta(seconds=10))
    ledger.state.clock.advance(seconds=25)
    ledger.lifecycle.run_due()
    for done, when in ((soon, 10), (later, 20), (on_n, 10)):
        order = desk.order(done)
        assert (order.status, order.last_update_reason, order.updated) == (
            "canceled", "ExpiryCancel", T0 + timedelta(seconds=when))  # fmt: skip
    assert not ledger.state.orders and [cash(ledger, u) for u in "abc"] == [FUNDS] * 3 and not ledger.state.expiries


def test_an_amended_expiration_time_is_the_one_that_counts(desk: Desk):
    ledger = desk.ledger
    moved = bid(ledger, "a", 40, 1, expiration_time=T0 + timedelta(seconds=10))
    dropped = bid(ledger, "a", 41, 1, expiration_time=T0 + timedelta(seconds=10))
    kept = bid(ledger, "a", 42, 1, expiration_time=T0 + timedelta(seconds=10))
    amend(ledger, moved, 40, 1, expiration_time=T0 + timedelta(seconds=30))
    amend(ledger, dropped, 41, 1, expiration_time=None)
    amend(ledger, kept, 42, 1)  # the expiration_time stays
    assert desk.order(moved).expiration_time == T0 + timedelta(seconds=30)
    ledger.state.clock.advance(seconds=10)
    ledger.lifecycle.run_due()
    assert set(ledger.state.orders) == {moved.order.order_id, dropped.order.order_id}
    ledger.state.clock.advance(seconds=20)
    ledger.lifecycle.run_due()
    assert set(ledger.state.orders) == {dropped.order.order_id} and desk.order(moved).updated == T0 + timedelta(
        seconds=30
    )


def test_expiries_of_orders_ended_since_are_let_go_as_they_pile_up(desk: Desk):
    ledger = desk.ledger
    bid(ledger, "b", 30, 1)  # rests throughout, without an expiration_time
    kept = []
    for _ in range(70):
        done = bid(ledger, "a", 40, 1, expiration_time=T0 + timedelta(days=1))
        ledger.trading.cancel_order(done.order.order_id, "a", 0)
        kept.append(len(ledger.state.expiries[M]))
    # Past twice what rests (b's order and the one placed) and 64 more, only those of resting orders stay.
    assert (max(kept), kept[-1]) == (68, 70 - 68)
    last = bid(ledger, "a", 40, 1, expiration_time=T0 + timedelta(days=1))
    ledger.state.clock.advance(seconds=86_400)
    ledger.lifecycle.run_due()
    assert desk.order(last).last_update_reason == "ExpiryCancel" and M not in ledger.state.expiries


def test_an_expiry_publishes_its_book_change_at_its_time_and_one_amended_since_holds_up_no_other(desk: Desk):
    ledger = desk.ledger
    moved = bid(ledger, "a", 40, 1, expiration_time=T0 + timedelta(seconds=10))
    amend(ledger, moved, 40, 1, expiration_time=T0 + timedelta(seconds=30))  # its first expiry stays behind
    due = bid(ledger, "b", 39, 2, expiration_time=T0 + timedelta(seconds=15))
    before = len(desk.moves)
    ledger.state.clock.advance(seconds=20)
    ledger.lifecycle.run_due()
    assert desk.last_reason(due) == ("canceled", "ExpiryCancel", 0) and moved.order.order_id in ledger.state.orders
    assert moved_since(desk, before) == [([("bid", 3900, 200, 0)], T0 + timedelta(seconds=15), None)]


def test_a_pause_ends_the_orders_that_asked_in_every_market_it_pauses_in_one_action_each(desk: Desk):
    ledger = desk.ledger
    ledger.catalogue.list_market("KXORD-26NOV-C")  # no book
    kept = bid(ledger, "c", 39, 1)  # M: none asked
    asked = submit(ledger, "a", N, "yes", "buy", 100, 4000, cancel_order_on_pause=True)
    asked_too = submit(ledger, "b", N, "yes", "sell", 100, 6000, cancel_order_on_pause=True)
    moved = len(desk.moves)
    ledger.lifecycle.set_exchange_status(SetExchangeStatus(trading_active=False))
    assert desk.last_reason(asked) == desk.last_reason(asked_too) == ("canceled", "HaltCancel", 0)
    assert set(ledger.state.orders) == {kept.order.order_id} and len(desk.moves) == moved + 1
    assert [cash(ledger, u) for u in "ab"] == [FUNDS, FUNDS]


@pytest.mark.parametrize(
    ("end", "reason"), [("close", "CloseCancel"), ("settle", "CloseCancel"), ("resume", "HaltCancel")]
)
def test_every_order_ends_with_its_market_and_the_house_levels_go(desk: Desk, end: str, reason: str):
    ledger = desk.ledger
    ledger.liquidity.set_levels(M, [(3000, 100)], None)
    mine = bid(ledger, "a", 40, 2)
    if end == "close":
        ledger.lifecycle.set_close_time(M, T0 + timedelta(seconds=1))
        ledger.state.clock.advance(seconds=1)
        ledger.lifecycle.run_due()
    elif end == "settle":
        ledger.lifecycle.settle_market(M, "yes")
    else:
        ledger.lifecycle.pause_market(M)
        ledger.lifecycle.resume_market(M)
    assert desk.last_reason(mine) == ("canceled", reason, 0) and desk.resting("a") == 0
    assert levels(ledger) == ([], []) and ledger.state.markets[M].house is None and cash(ledger, "a") == FUNDS
    assert sorted(desk.moves[-1].payload.levels) == [("bid", 3000, 100, 0), ("bid", 4000, 200, 0)]


def test_an_account_keeps_its_latest_ended_orders_and_forgets_the_oldest_and_its_client_order_id():
    ledger = Desk().ledger
    ledger.state.kept_ended = 2  # (Settings.kalshi_ended_orders)
    group = ledger.groups.create_order_group(CreateOrderGroup("a", contracts_limit=1_000))
    first = bid(ledger, "a", 40, 1, client_order_id="first", order_group_id=group.group_id)
    ledger.trading.cancel_order(first.order.order_id, "a", 0)
    second = bid(ledger, "a", 40, 1, client_order_id="second")
    ledger.trading.cancel_order(second.order.order_id, "a", 0)
    assert first.order.order_id in ledger.state.all_orders and ("a", "first") in ledger.state.client_orders
    third = bid(ledger, "a", 40, 1, time_in_force=IOC)  # ends as it is placed: the first goes
    assert set(ledger.state.all_orders) == {second.order.order_id, third.order.order_id}
    assert ("a", "first") not in ledger.state.client_orders and ("a", "second") in ledger.state.client_orders
    assert first.order.order_id not in ledger.state.order_groups[group.group_id].orders
    assert bid(ledger, "a", 40, 1, client_order_id="first").order.client_order_id == "first"  # free again
    assert {o.order_id for o in ledger.state.order_index.records("a")} == set(ledger.state.all_orders)


@pytest.mark.parametrize("command", ["order", "cancel", "decrease", "amend", "expire"])
def test_the_first_change_of_a_new_day_keeps_the_days_before_figures(desk: Desk, command: str):
    ledger = desk.ledger
    expiry = T0 + timedelta(hours=9) if command == "expire" else None
    done = bid(ledger, "a", 40, 2, expiration_time=expiry)
    ledger.state.clock.advance(seconds=9 * 3600)  # the next UTC day's first instant
    if command == "order":
        bid(ledger, "b", 41, 1)
    elif command == "cancel":
        ledger.trading.cancel_order(done.order.order_id, "a", 0)
    elif command == "decrease":
        ledger.trading.decrease_order(done.order.order_id, "a", 0, reduce_by=100)
    elif command == "amend":
        amend(ledger, done, 39, 2)
    else:
        ledger.lifecycle.run_due()
        assert desk.last_reason(done) == ("canceled", "ExpiryCancel", 0)
    assert ledger.state.markets[M].previous_yes_bid == 4000


def test_queue_positions_answer_what_rests_ahead_of_each_kept_order_by_ticker_then_time(desk: Desk):
    ledger = desk.ledger
    bid(ledger, "b", 40, 3)
    first = bid(ledger, "a", 40, 2)
    on_n = submit(ledger, "a", N, "yes", "buy", 100, 3000)
    bid(ledger, "a", 20, 1)  # left out below
    later = bid(ledger, "a", 40, 1)
    rows = ledger.trading.queue_positions("a", lambda o: o.yes_price != 2000, lambda o, ahead: (o.order_id, ahead))
    assert rows == [(first.order.order_id, 300), (later.order.order_id, 500), (on_n.order.order_id, 0)]
    assert ledger.trading.queue_position(later.order.order_id, "a", 0) == 500


def test_each_order_change_published_is_the_order_as_it_stood_then(desk: Desk):
    ledger = desk.ledger
    done = bid(ledger, "a", 40, 5)
    ledger.trading.decrease_order(done.order.order_id, "a", 0, reduce_to=300)
    ledger.trading.cancel_order(done.order.order_id, "a", 0)
    assert [(c.payload.status, c.payload.remaining, c.payload.last_update_reason) for c in desk.changes] == [
        ("resting", 500, None), ("resting", 300, "Decrease"), ("canceled", 0, "Decrease")]  # fmt: skip
    assert done.order.status == "resting" and done.order.remaining == 500  # the answer too, as it was


def test_queue_positions_of_more_than_deep_orders_read_long_and_never_inline_on_an_event_loop(
    monkeypatch: pytest.MonkeyPatch, desk: Desk
):
    monkeypatch.setattr(trading, "DEEP", 2)
    ledger = desk.ledger
    for cents in (30, 31):
        bid(ledger, "a", cents, 1)
    long_seen: list[bool] = []

    def row(order, ahead: int) -> int:
        long_seen.append(ledger.state.lock.running_long)
        return ahead

    token = ledger.state.lock.admit(lambda: Footprint.of(("a",), (M,)))
    assert token is not None
    try:
        assert ledger.trading.queue_positions("a", lambda o: True, row) == [0, 0]  # 2: inline
        bid(ledger, "a", 32, 1)
        with pytest.raises(MustStep):
            ledger.trading.queue_positions("a", lambda o: True, row)
    finally:
        ledger.state.lock.discharge(token)
    assert ledger.trading.queue_positions("a", lambda o: True, row) == [0, 0, 0]
    assert long_seen == [False, False, True, True, True]


@pytest.mark.parametrize("command", ["order", "seeded", "cancel", "cancel all", "decrease", "amend"])
def test_a_command_sees_the_orders_due_to_expire_before_it_ended_at_their_time(desk: Desk, command: str):
    ledger = desk.ledger
    due = bid(ledger, "a", 40, 1, expiration_time=T0 + timedelta(seconds=10))
    ledger.state.clock.advance(seconds=20)  # no one ran what was due
    order_id = due.order.order_id
    if command == "order":
        assert ask(ledger, "b", 40, 1, time_in_force=IOC).filled == 0
    elif command == "seeded":
        ledger.trading.place_order("b", M, "yes", "sell", D(1), D("0.4000"))  # would cross the expired bid
    elif command == "cancel all":
        assert ledger.trading.cancel_orders("a") == []
    else:
        calls = {"cancel": lambda: ledger.trading.cancel_order(order_id, "a", 0),
                 "decrease": lambda: ledger.trading.decrease_order(order_id, "a", 0, reduce_to=0),
                 "amend": lambda: amend(ledger, due, 41, 1)}  # fmt: skip
        with pytest.raises(LedgerError) as refused:
            calls[command]()
        assert refused.value.status == 404
    assert (
        desk.order(due).updated == T0 + timedelta(seconds=10) and desk.order(due).last_update_reason == "ExpiryCancel"
    )


# -- what each command answers and publishes ------------------------------------------------------------------------


def figures(done) -> tuple:
    """What a command answered besides the order: (filled, YES value, fees, taken off, when)."""
    return done.filled, done.yes_value, done.fees, done.reduced, done.when


def moved_since(desk: Desk, before: int) -> list[tuple]:
    """The book changes published since `before` of them: (levels, when, cause's user and subaccount)."""
    return [
        (list(m.payload.levels), m.payload.at, m.payload.cause and m.payload.cause[:2]) for m in desk.moves[before:]
    ]


def test_a_cancel_decrease_or_amend_in_place_answers_what_it_took_off_and_when_and_publishes_that(desk: Desk):
    ledger = desk.ledger
    done = bid(ledger, "a", 40, 5)
    bid(ledger, "a", 30, 2)
    later = T0 + timedelta(seconds=5)
    ledger.state.clock.advance(seconds=5)
    before = len(desk.moves)
    assert figures(ledger.trading.decrease_order(done.order.order_id, "a", 0, reduce_by=1)) == (0, 0, 0, 1, later)
    assert figures(amend(ledger, done, 40, 4)) == (0, 0, 0, 99, later)
    assert ledger.state.accounts["a"].updated[0] == later  # the hold moved then
    assert figures(ledger.trading.decrease_order(done.order.order_id, "a", 0, reduce_to=400)) == (0, 0, 0, 0, later)
    assert figures(ledger.trading.cancel_order(done.order.order_id, "a", 0)) == (0, 0, 0, 400, later)
    assert moved_since(desk, before) == [
        ([("bid", 4000, 500, 499)], later, ("a", 0)), ([("bid", 4000, 499, 400)], later, ("a", 0)),
        ([("bid", 4000, 400, 0)], later, ("a", 0))]  # fmt: skip


def test_cancelling_all_a_users_orders_answers_each_and_publishes_one_change_of_the_market(desk: Desk):
    ledger = desk.ledger
    first, second = bid(ledger, "a", 40, 5), bid(ledger, "a", 30, 2)
    ledger.state.clock.advance(seconds=5)
    before = len(desk.moves)
    done = ledger.trading.cancel_orders("a")
    assert [figures(d) for d in done] == [
        (0, 0, 0, 500, T0 + timedelta(seconds=5)),
        (0, 0, 0, 200, T0 + timedelta(seconds=5)),
    ]
    assert [desk.last_reason(d) for d in (first, second)] == [("canceled", "Decrease", 0)] * 2
    assert moved_since(desk, before) == [
        ([("bid", 4000, 500, 0), ("bid", 3000, 200, 0)], T0 + timedelta(seconds=5), ("a", 0))]  # fmt: skip


def test_an_amend_of_the_expiration_time_alone_moves_nothing_in_the_book(desk: Desk):
    ledger = desk.ledger
    done = bid(ledger, "a", 40, 5)
    before = len(desk.moves)
    kept = amend(ledger, done, 40, 5, expiration_time=T0 + timedelta(hours=1))
    assert figures(kept)[:4] == (0, 0, 0, 0) and len(desk.moves) == before
    assert desk.last_reason(done) == ("resting", "Amend", 500)


def test_a_decrease_names_only_a_resting_order_of_the_user_and_subaccount_on_its_exchange_index(desk: Desk):
    ledger = desk.ledger
    done = bid(ledger, "a", 40, 5)
    order_id = done.order.order_id
    for args, options in (((order_id, "b", 0), {}), ((order_id, "a", 0), {"exchange_index": 2})):
        answer = desk.refused(ledger.trading.decrease_order, *args, reduce_by=100, **options)
        assert answer == (404, "not_found", f"no resting order {order_id!r}")
    assert ledger.trading.decrease_order(order_id, "a", 0, reduce_by=100, exchange_index=0).reduced == 100


def test_an_amend_anew_keeps_what_it_does_not_change_and_rests_as_its_owners_order(desk: Desk):
    ledger = desk.ledger
    done = bid(ledger, "a", 40, 2, client_order_id="mine", expiration_time=T0 + timedelta(seconds=30))
    ledger.state.clock.advance(seconds=5)
    moved = amend(ledger, done, 42, 2)
    assert (
        figures(moved) == (0, 0, 0, 0, T0 + timedelta(seconds=5))
        and ledger.state.accounts["a"].updated[0] == moved.when
    )
    order = desk.order(done)
    assert (order.client_order_id, ledger.state.client_orders[("a", "mine")]) == ("mine", order.order_id)
    stopped = ask(ledger, "a", 42, 1, time_in_force=IOC)  # its own order: self-trade prevention stops it
    assert (stopped.filled, stopped.order.last_update_reason) == (0, "SelfTradeCancel")
    ledger.state.clock.advance(seconds=25)
    ledger.lifecycle.run_due()
    assert desk.last_reason(done) == ("canceled", "ExpiryCancel", 0)
    assert ledger.state.accounts["a"].updated[0] == T0 + timedelta(seconds=30)


def test_an_amend_that_fills_whole_counts_its_new_total(desk: Desk):
    ledger = desk.ledger
    done = bid(ledger, "a", 40, 5)
    ask(ledger, "b", 45, 5)
    ledger.state.clock.advance(seconds=1)
    filled = amend(ledger, done, 45, 5)
    assert (desk.order(done).initial, filled.when) == (500, T0 + timedelta(seconds=1))


def test_an_account_rests_at_most_its_bound_of_contracts_in_all_an_amend_counting_its_own_once(
    monkeypatch: pytest.MonkeyPatch, desk: Desk
):
    monkeypatch.setattr(checks_module, "MAX_ACCOUNT_CONTRACTS", D(10))
    ledger = desk.ledger
    done = bid(ledger, "a", 40, 6)
    submit(ledger, "a", N, "yes", "buy", 400, 4000)
    with pytest.raises(LedgerError) as placing:
        bid(ledger, "a", 30, 1)
    assert "would take this account's contracts resting to 11" in str(placing.value)
    assert amend(ledger, done, 41, 6).order.yes_price == 4100
    with pytest.raises(LedgerError) as refused:
        amend(ledger, done, 42, 7)
    words = str(refused.value)
    assert words.startswith("count 7") and "would take this account's contracts resting to 11" in words
    assert words.endswith("an account may reach 10 (reset to start again)")
    assert ledger.state.accounts["a"].resting == 10


def test_a_reduce_only_order_reduces_only_a_position_held_on_the_side_it_sells(desk: Desk):
    ledger = desk.ledger
    ledger.liquidity.set_levels(M, [(4000, 1_000)], [(4000, 1_000)])  # the house bids YES 0.40 and asks it at 0.60
    nothing = ask(ledger, "a", 40, 1, time_in_force=IOC, reduce_only=True)  # a holds nothing there
    assert (nothing.order.initial, figures(nothing)) == (0, (0, 0, 0, 0, T0))
    bid(ledger, "b", 60, 1, time_in_force=IOC)
    short = ask(ledger, "c", 40, 2, time_in_force=IOC)  # c holds 2 NO
    assert short.filled == 200
    wrong_side = ask(ledger, "c", 40, 1, time_in_force=IOC, reduce_only=True)  # selling YES adds to its NO
    assert (wrong_side.order.initial, wrong_side.filled) == (0, 0)
    closing = bid(ledger, "c", 60, 5, time_in_force=IOC, reduce_only=True)
    assert (closing.order.initial, closing.filled) == (200, 200)


def test_reads_and_commands_naming_an_order_or_market_by_something_else_than_text_find_none(desk: Desk):
    ledger = desk.ledger
    done = bid(ledger, "a", 40, 1)
    assert desk.refused(ledger.trading.cancel_order, ["x"], "a", 0) == (404, "not_found", "no resting order ['x']")
    before = desk.state()
    with pytest.raises(Refused) as elsewhere:  # refused as the command is made
        submit(ledger, "a", ["x"], "yes", "buy", 100, 4000)
    assert str(elsewhere.value) == "ticker must be a non-empty string of at most 256 characters, not a list"
    assert desk.state() == before
    with pytest.raises(LedgerError) as others:
        ledger.trading.queue_position(done.order.order_id, "b", 0)
    assert others.value.status == 404


def test_a_lagged_read_of_an_account_shows_its_cash_before_an_order_moved_it_into_a_hold(desk: Desk):
    ledger = desk.ledger
    ledger.set_lag(timedelta(seconds=10))
    ledger.state.clock.advance(seconds=1)
    done = bid(ledger, "a", 40, 5)
    ledger.state.clock.advance(seconds=1)
    ledger.trading.cancel_order(done.order.order_id, "a", 0)
    then = [ledger.account_as_of("a", T0 + timedelta(milliseconds=ms)).cash[(0, 0)] for ms in (500, 1500, 2500)]
    assert then == [FUNDS, FUNDS - 500 * 4000, FUNDS]


def test_an_expiry_amended_since_holds_up_no_other_due_at_the_same_time(desk: Desk):
    ledger = desk.ledger
    pair = [bid(ledger, "a", cents, 1, expiration_time=T0 + timedelta(seconds=10)) for cents in (40, 41)]
    first, second = sorted(pair, key=lambda done: done.order.order_id)  # the one whose expiry comes out first
    amend_order(ledger, first.order.order_id, "a", 0, M, "yes", "buy", first.order.yes_price, 100,
                     expiration_time=T0 + timedelta(seconds=30))  # fmt: skip
    ledger.state.clock.advance(seconds=10)
    ledger.lifecycle.run_due()
    assert desk.last_reason(second) == ("canceled", "ExpiryCancel", 0) and first.order.order_id in ledger.state.orders


def test_a_lagged_read_of_a_position_shows_its_resting_contracts_as_each_command_left_them(desk: Desk):
    ledger = desk.ledger
    ledger.set_lag(timedelta(seconds=60))
    ask(ledger, "b", 50, 1)
    ledger.state.clock.advance(seconds=1)
    bid(ledger, "a", 50, 1)  # a's row opens with a fill at 1 s
    steps = []
    trading = ledger.trading
    for command in (lambda: bid(ledger, "a", 40, 5), lambda: trading.decrease_order(steps[0].order.order_id, "a", 0,
                    reduce_to=200), lambda: trading.cancel_order(steps[0].order.order_id, "a", 0)):  # fmt: skip
        ledger.state.clock.advance(seconds=1)
        steps.append(command())
    ask(ledger, "b", 39, 3)
    ledger.state.clock.advance(seconds=1)
    crossed = bid(ledger, "a", 40, 5)  # 5 s: 3 taken, 2 rest
    ledger.state.clock.advance(seconds=1)
    amend(ledger, crossed, 41, 6)  # 6 s: anew at 0.41, 3 to rest
    ask(ledger, "c", 41, 1, time_in_force=IOC)  # 6 s: 1 filled as maker

    def resting_then(seconds: float) -> int:
        rows, _ = ledger.state.positions.page("a", 0, "all", 10, ticker=M, as_of=T0 + timedelta(seconds=seconds))
        return rows[0].resting_orders_count

    assert [resting_then(s) for s in (1.5, 2.5, 3.5, 4.5, 5.5, 6.5)] == [0, 5, 2, 0, 2, 2]
