"""Kalshi's orders in the core (core/kalshi/trading.py, matching.py): placed orders rest in the market's one book beside
the house's scripted liquidity, cross it in price-time priority at the resting prices, and every fill of a match goes
the one money road (positions, cash, fees, the tape); what resting orders hold of their owner's cash; self-trade
prevention, time in force, post-only and reduce-only; the lifecycle ending orders; seeded orders joining the book.
A sequence test checks random orders against a model of the book written without the book's data structures, and of
the money written without the ledger's (tests/money_model.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kalshi_commands import amend, submit
from money_model import NO_ROUNDING_FEE, Kalshi

from mockexchange.core.book import ASK, BID
from mockexchange.core.clock import ManualClock
from mockexchange.core.events import EventBus
from mockexchange.core.ids import IdFactory
from mockexchange.core.kalshi.accounts import HOUSE
from mockexchange.core.kalshi.checks import LedgerError
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.kalshi.market_changes import BOOK
from mockexchange.core.kalshi.market_commands import SetSeries

T0 = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
M = "KXORD-26NOV-A"
D = Decimal


def new_ledger(*users: str, cents: int = 100_000) -> Ledger:
    made = Ledger(clock=ManualClock(T0), ids=IdFactory(7))
    for user in users:
        made.open_account(user, balance=D(cents) / 100)
    made.catalogue.list_market(M)
    return made


def bid(ledger: Ledger, user: str, cents: int, count: int, **options):
    """A bid (buy YES) of `count` contracts at `cents` (whole cents) on M."""
    return submit(ledger, user, M, "yes", "buy", count * 100, cents * 100, **options)


def ask(ledger: Ledger, user: str, cents: int, count: int, **options):
    return submit(ledger, user, M, "yes", "sell", count * 100, cents * 100, **options)


def cash(ledger: Ledger, user: str) -> int:
    """The user's available cash, micro-dollars (subaccount 0, index 0)."""
    return ledger.state.accounts[user].cash.get((0, 0), 0)


def position(ledger: Ledger, user: str) -> int:
    row = ledger.state.positions.get(user, 0, M)
    return ledger.state.positions.cells(row)[0] if row is not None else 0


def levels(ledger: Ledger) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    return ledger.feed.book_levels(M)


# -- matching ----------------------------------------------------------------------------------------------------------


def test_a_crossing_order_fills_level_by_level_at_the_resting_prices_then_rests():
    ledger = new_ledger("a", "b", "c")
    ask(ledger, "a", 45, 2)
    ask(ledger, "b", 45, 3)  # behind a's at 45
    ask(ledger, "c", 47, 5)
    done = bid(ledger, "c", 46, 10, client_order_id="mine")
    assert (done.filled, done.yes_value) == (500, 500 * 4500)  # both asks at 45, none at 47
    assert done.order.remaining == 500 and done.order.status == "resting" and done.order.filled == 500
    assert levels(ledger) == ([(4600, 500)], [(4700, 500)])
    fills = list(ledger.state.fills)
    takers = [f for f in fills if f.is_taker]
    makers = [f for f in fills if not f.is_taker]
    assert [(f.user_id, f.count, f.price, f.side, f.action) for f in makers] == [
        ("a", D("2.00"), D("0.4500"), "yes", "sell"), ("b", D("3.00"), D("0.4500"), "yes", "sell")]  # fmt: skip
    assert {f.order_id for f in takers} == {done.order.order_id} and {f.client_order_id for f in takers} == {"mine"}
    assert [f.fill_id for f in takers] == [f.fill_id for f in makers]  # a match's two fills share its trade id
    assert position(ledger, "c") == 500 and position(ledger, "a") == -200 and position(ledger, "b") == -300
    # The tape prints one trade a match: the taker's side (YES bought).
    trades, _ = ledger.state.trades.page("", 10)
    assert [(r.count, r.yes_price, r.is_taker) for _, r in trades] == [(D("3.00"), D("0.4500"), True),
                                                                        (D("2.00"), D("0.4500"), True)]  # fmt: skip
    assert ledger.state.markets[M].volume == 500


def test_the_house_is_the_other_side_of_a_match_with_scripted_liquidity_so_positions_sum_to_zero():
    ledger = new_ledger("a")
    ledger.liquidity.set_levels(M, [(4000, 1_000)], [(5500, 500)])  # YES bid 0.40 x10; NO bid 0.55 x5 = YES ask 0.45
    bid(ledger, "a", 46, 7)  # takes the house's 5 at 0.45, rests 2 at 0.46
    ask(ledger, "a", 38, 12, time_in_force="immediate_or_cancel", self_trade_prevention_type="maker")
    rows = [row for row in ledger.state.positions.of_market(M)]
    assert {row.user_id for row in rows} == {"a", HOUSE}
    assert sum(ledger.state.positions.cells(row)[0] for row in rows) == 0
    assert levels(ledger) == ([], [])  # the house's bid taken whole, a's own bid cancelled by self-trade prevention
    assert ledger.state.markets[M].house == {}  # the taken level is no longer the house's


def test_fees_follow_the_series_schedule_and_a_makers_fills_pay_one_fill_of_their_total():
    ledger = new_ledger("m", "t")
    ledger.catalogue.put_series(SetSeries("KXORD", fee_type="quadratic_with_maker_fees"))
    bid(ledger, "m", 50, 3)
    for _ in range(3):  # three 1-contract taker fills against m's resting 3
        ask(ledger, "t", 50, 1)
    maker = [f for f in ledger.state.fills if f.user_id == "m"]
    taker = [f for f in ledger.state.fills if f.user_id == "t"]
    # Taker: 0.07 x 1 x 0.5 x 0.5 = 0.0175 each, rounded up per fill. Maker: 0.0175 x 3 x 0.25 = 0.013125 for the
    # three, rounded up once (0.0132): the fills pay 0.0044, 0.0044, 0.0044 (each the rise of the rounded total).
    assert [f.fee for f in taker] == [D("0.017500")] * 3
    assert sum(f.fee for f in maker) == D("0.013200")
    assert [f.fee for f in maker] == [D("0.004400"), D("0.004400"), D("0.004400")]
    order = ledger.state.all_orders[maker[0].order_id]
    assert order.status == "executed" and order.maker_fees == 13_200 and order.held == 0
    assert cash(ledger, "m") == 1_000_000_000 - 3 * 500_000 - 13_200  # the hold paid cost and fees exactly


def test_a_resting_order_holds_its_value_and_gives_it_back_as_it_fills_or_ends():
    ledger = new_ledger("a", "b", cents=1_000)  # $10
    done = bid(ledger, "a", 40, 10)  # holds 10 x 0.40
    assert cash(ledger, "a") == 6_000_000 and ledger.state.orders[done.order.order_id].held == 4_000_000
    sold = ask(ledger, "b", 40, 4, time_in_force="immediate_or_cancel")  # b buys NO at 0.60
    assert sold.filled == 400 and cash(ledger, "a") == 6_000_000  # the fill took its cost from the hold
    assert ledger.state.orders[done.order.order_id].held == 2_400_000
    ledger.trading.cancel_order(done.order.order_id, "a", 0)
    assert cash(ledger, "a") == 10_000_000 - 1_600_000  # 4 YES bought at 0.40, the rest back
    assert ledger.contracts_resting == 0


def test_an_order_beyond_the_available_balance_is_refused_and_changes_nothing():
    ledger = new_ledger("a", "b", cents=500)
    ledger.liquidity.set_levels(M, None, [(5000, 2_000)])  # YES ask 0.50 x20
    bid(ledger, "a", 30, 10)  # holds $3 of a's $5
    before = (
        levels(ledger),
        cash(ledger, "a"),
        dict(ledger.state.orders),
        ledger.feed.book_clock(M),
        len(ledger.state.fills),
    )
    with pytest.raises(LedgerError) as refused:
        bid(ledger, "a", 50, 5)  # $2.50 and its fee: more than the $2 left
    assert refused.value.status == 400 and refused.value.code == "insufficient_balance"
    assert (
        levels(ledger),
        cash(ledger, "a"),
        dict(ledger.state.orders),
        ledger.feed.book_clock(M),
        len(ledger.state.fills),
    ) == before
    assert bid(ledger, "a", 50, 3, time_in_force="immediate_or_cancel").filled == 300  # $1.50 and its fee: within $2


def test_self_trade_prevention_stops_the_taker_or_cancels_the_maker():
    ledger = new_ledger("a", "b")
    ask(ledger, "a", 50, 2)
    ask(ledger, "b", 50, 2)
    stopped = bid(ledger, "a", 50, 3, self_trade_prevention_type="taker_at_cross")
    assert stopped.filled == 0 and stopped.order.status == "canceled" and levels(ledger) == ([], [(5000, 400)])
    maker = bid(ledger, "a", 50, 3, self_trade_prevention_type="maker")
    assert maker.filled == 200 and maker.order.status == "resting" and maker.order.remaining == 100
    assert levels(ledger) == ([(5000, 100)], [])  # a's ask cancelled, b's taken, the rest of a's bid rests
    assert [o.status for o in ledger.state.all_orders.values()][:2] == ["canceled", "executed"]


def test_time_in_force_immediate_or_cancel_fill_or_kill_and_expiration_on_the_exchange_clock():
    ledger = new_ledger("a", "b")
    ask(ledger, "a", 50, 2)
    ioc = bid(ledger, "b", 50, 5, time_in_force="immediate_or_cancel")
    assert (ioc.filled, ioc.order.remaining, ioc.order.status) == (200, 0, "canceled")
    ask(ledger, "a", 50, 2)
    kill = bid(ledger, "b", 50, 5, time_in_force="fill_or_kill")
    assert (kill.filled, kill.order.status, levels(ledger)) == (0, "canceled", ([], [(5000, 200)]))
    assert bid(ledger, "b", 50, 2, time_in_force="fill_or_kill").order.status == "executed"
    expiring = bid(ledger, "b", 40, 1, expiration_time=T0 + timedelta(seconds=30))
    ledger.state.clock.advance(seconds=29)
    ledger.lifecycle.run_due()
    assert expiring.order.order_id in ledger.state.orders
    ledger.state.clock.advance(seconds=1)
    ledger.lifecycle.run_due()
    ended = ledger.state.all_orders[expiring.order.order_id]
    assert ended.status == "canceled" and ended.updated == T0 + timedelta(seconds=30) and levels(ledger) == ([], [])
    for options, code in (({"time_in_force": "immediate_or_cancel", "expiration_time": T0 + timedelta(days=1)},
                           "invalid_expiration_time"),
                          ({"expiration_time": T0}, "invalid_expiration_time"),
                          ({"reduce_only": True}, "invalid_order")):  # fmt: skip
        with pytest.raises(LedgerError) as refused:
            bid(ledger, "b", 40, 1, **options)
        assert refused.value.code == code


def test_post_only_is_refused_if_it_would_cross_and_reduce_only_is_cut_to_the_position():
    ledger = new_ledger("a", "b")
    ask(ledger, "a", 50, 10)
    with pytest.raises(LedgerError) as refused:
        bid(ledger, "b", 50, 1, post_only=True)
    assert refused.value.code == "post_only_cross" and levels(ledger) == ([], [(5000, 1_000)])
    assert bid(ledger, "b", 49, 1, post_only=True).order.status == "resting"
    bid(ledger, "b", 50, 3)  # b holds 3 YES
    cut = ask(ledger, "b", 49, 10, time_in_force="immediate_or_cancel", reduce_only=True)
    assert cut.order.initial == 300  # cut to the 3 YES held (then stopped at b's own bid at 49: taker_at_cross)
    none = bid(ledger, "b", 60, 5, time_in_force="immediate_or_cancel", reduce_only=True)  # b holds no NO to reduce
    assert (none.order.initial, none.filled, none.order.status) == (0, 0, "canceled")


def test_orders_are_refused_unless_the_market_is_active_and_pause_close_and_settlement_end_them():
    ledger = new_ledger("a")
    kept = bid(ledger, "a", 40, 5)
    asked = bid(ledger, "a", 41, 5, cancel_order_on_pause=True)
    ledger.lifecycle.pause_market(M)
    assert set(ledger.state.orders) == {kept.order.order_id}  # only the one that asked ended
    with pytest.raises(LedgerError) as refused:
        bid(ledger, "a", 40, 1)
    assert (refused.value.status, refused.value.code) == (409, "market_closed")
    assert ledger.state.all_orders[asked.order.order_id].status == "canceled"
    ledger.lifecycle.resume_market(M)  # resuming clears the book (Kalshi cancels resting orders then)
    assert not ledger.state.orders and cash(ledger, "a") == 1_000_000_000
    bid(ledger, "a", 40, 5)
    ledger.lifecycle.settle_market(M, "no")
    assert not ledger.state.orders and cash(ledger, "a") == 1_000_000_000 and ledger.contracts_resting == 0
    assert ledger.state.positions.get("a", 0, M).resting_orders_count == 0


def test_a_seeded_order_joins_the_book_holds_nothing_and_never_takes():
    ledger = new_ledger("a", "b")
    seeded = ledger.trading.place_order("a", M, "no", "buy", D(4), D("0.60"), order_id="seeded-1")  # a YES ask at 0.40
    assert levels(ledger) == ([], [(4000, 400)]) and cash(ledger, "a") == 1_000_000_000 and seeded.held == 0
    with pytest.raises(LedgerError, match="never takes"):
        ledger.trading.place_order("b", M, "yes", "buy", D(1), D("0.40"))
    taken = bid(ledger, "b", 40, 1)
    assert taken.filled == 100 and ledger.state.orders["seeded-1"].remaining == 300
    assert cash(ledger, "a") == 1_000_000_000 - 600_000  # a bought NO at 0.60 when it filled
    assert position(ledger, "a") == -100


def test_amend_and_decrease_keep_or_lose_the_place_in_the_queue():
    ledger = new_ledger("a", "b", "c")
    first = bid(ledger, "a", 40, 5)
    second = bid(ledger, "b", 40, 5)
    ledger.trading.decrease_order(first.order.order_id, "a", 0, reduce_by=200)
    assert ledger.trading.queue_position(second.order.order_id, "b", 0) == 300  # a kept its place, smaller
    amend(ledger, first.order.order_id, "a", 0, M, "yes", "buy", 4000, 800)  # larger: to the back
    assert ledger.trading.queue_position(first.order.order_id, "a", 0) == 500
    crossed = amend(ledger, second.order.order_id, "b", 0, M, "yes", "buy", 4500, 500)  # no ask: rests at 45
    assert crossed.filled == 0 and levels(ledger) == ([(4500, 500), (4000, 800)], [])
    ask(ledger, "c", 45, 2)
    amended = amend(ledger, first.order.order_id, "a", 0, M, "yes", "buy", 4600, 800)
    assert amended.filled == 0  # nothing to take at 46: c's ask went to b's bid
    with pytest.raises(LedgerError):
        amend(ledger, first.order.order_id, "a", 0, M, "yes", "sell", 4600, 800)  # the side stays


def test_one_order_publishes_one_book_change_naming_its_cause():
    bus = EventBus()
    seen = []
    bus.subscribe(seen.append, [BOOK], wants=lambda: True)
    ledger = Ledger(clock=ManualClock(T0), bus=bus, ids=IdFactory(7))
    for user in ("a", "b"):
        ledger.open_account(user, balance=D(100))
    ledger.catalogue.list_market(M)
    ask(ledger, "a", 45, 2)
    ask(ledger, "a", 46, 2)
    bid(ledger, "b", 46, 5, client_order_id="b-1")
    moved = seen[-1].payload
    assert moved.clock == 3 and moved.cause.user_id == "b" and moved.cause.client_order_id == "b-1"
    assert [(c.side, c.price, c.before, c.after) for c in moved.levels] == [
        (ASK, 4500, 200, 0), (ASK, 4600, 200, 0), (BID, 4600, 0, 100)]  # fmt: skip


# -- a sequence test against a model -------------------------------------------------------------------------------


USERS = ("u1", "u2", "u3")


@dataclass
class _Resting:
    order_id: str
    owner: str
    side: str
    price: int  # cents, YES
    size: int  # whole contracts
    seq: int


def _model_cross(resting: list[_Resting], owner: str, side: str, price: int, size: int, stp: str):
    """Price-time priority on a plain list: (matches as (order, size), cancelled, stopped, left)."""
    other = ASK if side == BID else BID
    queue = sorted(
        (o for o in resting if o.side == other), key=lambda o: (o.price if other == ASK else -o.price, o.seq)
    )
    matches, cancelled, left = [], [], size
    for o in queue:
        if not left or (o.price > price if side == BID else o.price < price):
            break
        if o.owner == owner:
            if stp == "taker_at_cross":
                return matches, cancelled, True, left
            cancelled.append(o)
            continue
        take = min(left, o.size)
        matches.append((o, take))
        left -= take
    return matches, cancelled, False, left


steps = st.lists(
    st.tuples(
        st.sampled_from(["order", "order", "order", "cancel"]),
        st.sampled_from(USERS),
        st.sampled_from([BID, ASK]),
        st.integers(35, 65),
        st.integers(1, 8),
        st.sampled_from(["good_till_canceled", "immediate_or_cancel", "fill_or_kill"]),
        st.sampled_from(["taker_at_cross", "maker"]),
        st.integers(0, 50),
    ),
    max_size=40,
)


@pytest.mark.slow
@settings(max_examples=120, deadline=None)
@given(steps)
def test_random_orders_agree_with_a_model_of_the_book_and_of_the_money(script):
    ledger = new_ledger(*USERS, cents=100_000)
    ledger.liquidity.set_levels(M, [(4000, 500), (3800, 500)], [(5500, 500), (5300, 500)])  # bids 40, 38; asks 45, 47
    money = Kalshi(T0, balance_precision=NO_ROUNDING_FEE)
    for user in (*USERS, HOUSE):
        money.open_account(user, 100_000 if user != HOUSE else 0)
    resting = [_Resting(f"house-{i}", HOUSE, side, p, 5, i) for i, (side, p) in
               enumerate([(BID, 40), (BID, 38), (ASK, 45), (ASK, 47)])]  # fmt: skip
    seq = len(resting)
    for kind, user, side, cents, size, tif, stp, pick in script:
        if kind == "cancel":
            mine = [o for o in resting if o.owner == user]
            if mine:
                chosen = mine[pick % len(mine)]
                ledger.trading.cancel_order(chosen.order_id, user, 0)
                resting.remove(chosen)
            continue
        matches, cancelled, stopped, left = _model_cross(resting, user, side, cents, size, stp)
        if tif == "fill_or_kill" and left:
            matches, cancelled, stopped, left = [], [], False, size
        done = submit(ledger, user, M, "yes", "buy" if side == BID else "sell", size * 100, cents * 100,
                                 time_in_force=tif, self_trade_prevention_type=stp)  # fmt: skip
        for o, take in matches:
            taker_side = ("yes", "buy") if side == BID else ("yes", "sell")
            maker_side = ("yes", "sell") if side == BID else ("yes", "buy")
            money.fill(user, 0, M, *taker_side, Fraction(take), Fraction(o.price, 100), True)
            money.fill(o.owner, 0, M, *maker_side, Fraction(take), Fraction(o.price, 100), False)
            o.size -= take
        resting = [o for o in resting if o.size and o not in cancelled]
        assert done.filled == (size - left) * 100
        if tif == "good_till_canceled" and left and not stopped:
            seq += 1
            resting.append(_Resting(done.order.order_id, user, side, cents, left, seq))
        # The book, every account's money and position, as the models say.
        for want_side, got in zip((BID, ASK), levels(ledger), strict=True):
            want: dict[int, int] = {}
            for o in resting:
                if o.side == want_side:
                    want[o.price * 100] = want.get(o.price * 100, 0) + o.size * 100
            assert got == sorted(want.items(), reverse=want_side == BID)
        bids, asks = levels(ledger)
        assert not bids or not asks or bids[0][0] < asks[0][0]
        held = {u: sum(o.held for o in ledger.state.orders.values() if o.user_id == u) for u in USERS}
        for u in (*USERS, HOUSE):
            model_cash = money.accounts[u].amounts.get((0, 0), Fraction(0))
            assert Fraction(cash(ledger, u) + held.get(u, 0), 10**6) == model_cash, u
            row = money.rows.get((u, 0, M))
            assert Fraction(position(ledger, u), 100) == (row.position if row else 0), u
            if u != HOUSE:
                assert held[u] == sum(o.size * 100 * (o.price * 100 if o.side == BID else 10_000 - o.price * 100)
                                      for o in resting if o.owner == u)  # fmt: skip
        assert sum(position(ledger, u) for u in (*USERS, HOUSE)) == 0
