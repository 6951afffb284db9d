"""Kalshi's cross in the core (core/kalshi/matching.py), past what tests/test_kalshi_orders_core.py checks: the house's
side of a match (its fills, its cash, the levels it keeps), the fields each fill and order takes from a match, a
maker's figures as it fills, what a cost cap (`buy_max_cost`) buys, the cash check (its bounds to the micro-dollar and
the words of its refusal, an amend's hold counted back, a close paying in), and where a cross runs long (past `DEEP`
resting orders, or an order group it may trigger cancelling that many) over what trading in its market touches."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D

import pytest
from kalshi_commands import amend, submit
from test_kalshi_orders_core import T0, M, ask, bid, cash, levels, new_ledger, position

from mockexchange.core.book import ASK, BID
from mockexchange.core.kalshi import footprints, matching
from mockexchange.core.kalshi.account_commands import SeedTransfer
from mockexchange.core.kalshi.accounts import HOUSE
from mockexchange.core.kalshi.checks import LedgerError
from mockexchange.core.kalshi.footprints import trading_footprint
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.kalshi.market_commands import SetSeries, UpdateMarket
from mockexchange.core.kalshi.order_group_commands import CreateOrderGroup
from mockexchange.core.kalshi.orders import ORDER
from mockexchange.core.stepping import Footprint

IOC, FOK = "immediate_or_cancel", "fill_or_kill"
DOLLAR = 1_000_000  # micro-dollars
LEAST_CAP = 10_000  # the least buy_max_cost an order command takes: a cent


def taker_fee(ledger: Ledger, count: int, yes_price: int) -> int:
    return ledger.catalogue.fee_rule_for(M, None).fee_units(count, yes_price, True)


def fills_of(ledger: Ledger, user: str) -> list[tuple]:
    return [
        (f.side, f.action, f.count, f.price, f.yes_price, f.fee, f.is_taker)
        for f in ledger.state.fills
        if f.user_id == user
    ]


def refusal(command, *args, **options) -> LedgerError:
    with pytest.raises(LedgerError) as refused:
        command(*args, **options)
    return refused.value


# -- the house's side and what a match writes -------------------------------------------------------------------------


def test_the_house_sells_or_buys_yes_at_the_match_price_and_pays_its_maker_fees():
    ledger = new_ledger("a")
    ledger.catalogue.put_series(SetSeries("KXORD", fee_type="quadratic_with_maker_fees"))
    ledger.liquidity.set_levels(M, [(4000, 300)], [(5500, 500)])  # the house bids YES 0.40 x3 and asks YES 0.45 x5
    bid(ledger, "a", 45, 2, time_in_force=IOC)  # the house sells 2 YES at 0.45 (it buys NO at 0.55)
    ask(ledger, "a", 40, 1, time_in_force=IOC)  # the house buys 1 YES at 0.40
    rule = ledger.catalogue.fee_rule_for(M, None)
    sold_fee, bought_fee = rule.fee_units(200, 4500, False), rule.fee_units(100, 4000, False)
    assert sold_fee and bought_fee  # this schedule charges makers
    assert fills_of(ledger, HOUSE) == [
        ("yes", "sell", D("2.00"), D("0.4500"), D("0.4500"), D(sold_fee) / DOLLAR, False),
        ("yes", "buy", D("1.00"), D("0.4000"), D("0.4000"), D(bought_fee) / DOLLAR, False),
    ]
    # Long 2 NO at 0.55, then 1 YES bought at 0.40 closes one pair (paying back $1).
    assert cash(ledger, HOUSE) == -2 * 550_000 - sold_fee - 400_000 + DOLLAR - bought_fee
    assert position(ledger, HOUSE) == -100 and position(ledger, "a") == 100
    assert sorted(f.fill_id for f in ledger.state.fills if f.user_id == HOUSE) == sorted(
        f.fill_id for f in ledger.state.fills if f.user_id == "a")  # fmt: skip
    # The levels the house still rests stay its own; one taken whole goes.
    assert ledger.state.markets[M].house is not None and set(ledger.state.markets[M].house) == {
        (BID, 4000),
        (ASK, 4500),
    }
    bid(ledger, "a", 45, 3, time_in_force=IOC)
    assert set(ledger.state.markets[M].house) == {(BID, 4000)}


def test_a_market_without_a_book_crosses_nothing():
    ledger = new_ledger("a")
    assert ledger.state.markets[M].book is None
    done = bid(ledger, "a", 50, 2, time_in_force=IOC)
    assert (done.filled, done.order.status, done.order.remaining, ledger.state.markets[M].book) == (
        0,
        "canceled",
        0,
        None,
    )
    assert cash(ledger, "a") == 1_000 * DOLLAR and not list(ledger.state.fills)


def test_each_fill_names_its_own_order_and_client_order_id_and_the_taker_keeps_its_cost_and_fees():
    ledger = new_ledger("m", "t")
    rest = ask(ledger, "m", 45, 2, client_order_id="m-1")
    ask(ledger, "m", 46, 3)
    done = bid(ledger, "t", 46, 4, time_in_force=IOC)
    at_45 = [f for f in ledger.state.fills if f.yes_price == D("0.45")]
    assert sorted((f.user_id, f.order_id, f.client_order_id) for f in at_45) == [
        ("m", rest.order.order_id, "m-1"), ("t", done.order.order_id, None)]  # fmt: skip
    fees = taker_fee(ledger, 200, 4500) + taker_fee(ledger, 200, 4600)
    assert (done.filled, done.yes_value, done.fees) == (400, 200 * 4500 + 200 * 4600, fees)
    assert (done.order.taker_cost, done.order.taker_fees, done.order.filled) == (200 * 4500 + 200 * 4600, fees, 400)
    assert cash(ledger, "t") == 1_000 * DOLLAR - 200 * 4500 - 200 * 4600 - fees
    # A sell's figures: what it filled at the YES prices, what it paid for the NO it bought.
    bid(ledger, "m", 30, 1)
    sold = ask(ledger, "t", 30, 1, time_in_force=IOC)  # t sells 1 of its 4 YES
    assert (sold.yes_value, sold.order.taker_cost) == (100 * 3000, 100 * 7000)


def test_a_maker_keeps_its_fills_figures_and_rests_and_holds_what_is_left():
    ledger = new_ledger("m", "t")
    ledger.catalogue.put_series(SetSeries("KXORD", fee_type="quadratic_with_maker_fees"))
    seen: list = []
    ledger.state.bus.subscribe(seen.append, [ORDER], wants=lambda: True)
    rest = bid(ledger, "m", 40, 5)
    ledger.state.clock.advance(seconds=3)
    ask(ledger, "t", 40, 2, time_in_force=IOC)
    order = ledger.state.orders[rest.order.order_id]
    fee = ledger.catalogue.fee_rule_for(M, None).fee_units(200, 4000, False)
    assert (order.remaining, order.filled, order.maker_cost, order.maker_fees, order.maker_run) == (
        300, 200, 200 * 4000, fee, 200)  # fmt: skip
    assert order.updated == T0 + timedelta(seconds=3) and order.status == "resting"
    assert order.held == 300 * 4000 + ledger.catalogue.fee_rule_for(M, None).fee_units(500, 4000, False) - fee
    assert ledger.state.positions.get("m", 0, M).resting_orders_count == 3 and ledger.state.accounts["m"].resting == 3
    assert [(c.payload.remaining, c.payload.last_update_reason) for c in seen if c.user_id == "m"][-1] == (300, "Trade")
    assert ledger.state.accounts["m"].updated[0] == T0 + timedelta(seconds=3)  # its hold moved then
    ask(ledger, "t", 40, 3, time_in_force=IOC)
    ended = ledger.state.all_orders[rest.order.order_id]
    assert (ended.status, ended.remaining, ended.held, ended.last_update_reason) == ("executed", 0, 0, "Trade")
    total_fee = ledger.catalogue.fee_rule_for(M, None).fee_units(500, 4000, False)
    assert (ended.filled, ended.maker_cost, ended.maker_fees, ended.maker_run) == (500, 500 * 4000, total_fee, 500)
    assert ledger.state.positions.get("m", 0, M).resting_orders_count == 0 and ledger.state.accounts["m"].resting == 0


def test_a_no_buyers_resting_order_fills_at_its_no_price_and_pays_the_rise_of_its_rounded_maker_fees():
    ledger = new_ledger("m", "t")
    ledger.catalogue.put_series(SetSeries("KXORD", fee_type="quadratic_with_maker_fees"))
    rest = submit(ledger, "m", M, "no", "buy", 200, 4500)  # a YES ask at 0.45: NO bought at 0.55
    for _ in range(2):
        bid(ledger, "t", 45, 1, time_in_force=IOC)
    rule = ledger.catalogue.fee_rule_for(M, None)
    one, two = rule.fee_units(100, 4500, False), rule.fee_units(200, 4500, False)
    assert two < 2 * one  # rounded once for both, not once each
    made = [(f.side, f.action, f.price, f.fee) for f in ledger.state.fills if f.user_id == "m"]
    assert made == [("no", "buy", D("0.5500"), D(one) / DOLLAR), ("no", "buy", D("0.5500"), D(two - one) / DOLLAR)]
    assert ledger.state.all_orders[rest.order.order_id].maker_fees == two


def test_each_fill_of_a_match_and_each_row_it_moves_is_handed_to_who_takes_them():
    ledger = new_ledger("m", "t")
    handed: list = []
    ledger.state.bus.subscribe(handed.append, ["fill", "position"], wants=lambda: True)
    ask(ledger, "m", 45, 2)
    handed.clear()
    bid(ledger, "t", 45, 2, time_in_force=IOC)
    assert sorted((c.kind, c.user_id) for c in handed) == [("fill", "m"), ("fill", "t"), ("position", "m"),
                                                            ("position", "t")]  # fmt: skip


def test_a_self_trade_cancel_ends_the_makers_order_for_that_reason_and_gives_its_hold_back():
    ledger = new_ledger("a", "b")
    mine = ask(ledger, "a", 50, 2)
    ask(ledger, "b", 51, 1)
    done = bid(ledger, "a", 51, 1, self_trade_prevention_type="maker", time_in_force=IOC)
    cancelled = ledger.state.all_orders[mine.order.order_id]
    assert (cancelled.status, cancelled.last_update_reason, cancelled.held) == ("canceled", "SelfTradeCancel", 0)
    assert done.filled == 100 and cash(ledger, "a") == 1_000 * DOLLAR - 5100 * 100 - taker_fee(ledger, 100, 5100)


def test_the_orders_of_a_group_count_what_they_match_as_taker_and_as_maker():
    ledger = new_ledger("a", "b")
    group = ledger.groups.create_order_group(CreateOrderGroup("a", contracts_limit=100))
    bid(ledger, "a", 40, 3, order_group_id=group.group_id)
    ask(ledger, "b", 40, 2, time_in_force=IOC)  # a's order matches 2 as maker
    ask(ledger, "b", 45, 4)
    bid(ledger, "a", 45, 1, order_group_id=group.group_id, time_in_force=IOC)  # and 1 as taker
    bid(ledger, "a", 45, 1, time_in_force=IOC)  # not in the group
    assert ledger.groups.order_group(group.group_id, "a", 0).total(ledger.state.clock.now()) == 300


# -- a cost cap ---------------------------------------------------------------------------------------------------


def most_bought(budget: int, most: int, yes_price: int, ledger: Ledger) -> int:
    """The most hundredths up to `most` bought at `yes_price` with their fee within `budget`, counted one by one."""
    return max(n for n in range(most + 1) if n * yes_price + taker_fee(ledger, n, yes_price) <= budget)


@pytest.fixture(name="capped")
def capped_book() -> Ledger:
    """YES asks of the house: 0.45 x2, 0.47 x3."""
    ledger = new_ledger("a")
    ledger.liquidity.set_levels(M, None, [(5500, 200), (5300, 300)])
    return ledger


def test_a_cap_that_pays_for_whole_levels_exactly_buys_them_and_a_micro_dollar_less_buys_less(capped: Ledger):
    two_levels = 200 * 4500 + taker_fee(capped, 200, 4500) + 300 * 4700 + taker_fee(capped, 300, 4700)
    whole = bid(capped, "a", 47, 5, time_in_force=IOC, buy_max_cost=two_levels)
    assert (whole.filled, whole.order.status) == (500, "executed")
    ledger = new_ledger("a")
    ledger.liquidity.set_levels(M, None, [(5500, 200), (5300, 300)])
    first = 200 * 4500 + taker_fee(ledger, 200, 4500)
    cut = bid(ledger, "a", 47, 5, time_in_force=IOC, buy_max_cost=two_levels - 1)
    assert cut.filled == 200 + most_bought(two_levels - 1 - first, 300, 4700, ledger) < 500
    assert cash(ledger, "a") >= 1_000 * DOLLAR - (two_levels - 1)


def test_a_cap_over_three_levels_buys_two_whole_and_what_it_pays_for_of_the_third():
    ledger = new_ledger("a")
    ledger.liquidity.set_levels(M, None, [(5500, 200), (5300, 300), (5000, 400)])  # YES asks 0.45 x2, 0.47 x3, 0.50 x4
    whole = 200 * 4500 + taker_fee(ledger, 200, 4500) + 300 * 4700 + taker_fee(ledger, 300, 4700)
    budget = whole + 250 * 5000 + taker_fee(ledger, 250, 5000)
    done = bid(ledger, "a", 50, 9, time_in_force=IOC, buy_max_cost=budget)
    assert done.filled == 200 + 300 + most_bought(budget - whole, 400, 5000, ledger) == 750


def test_a_cap_within_one_level_buys_the_most_hundredths_it_pays_for():
    budgets = [LEAST_CAP, 100 * 4500 + 7_000, 150 * 4500]  # the least: 2 hundredths and their fee cost 0.0094
    for count in (3, 4, 37, 99, 100, 101, 150, 199, 200):
        exact = count * 4500 + taker_fee(new_ledger(), count, 4500)
        budgets += [exact - 1, exact]
    for budget in budgets:
        ledger = new_ledger("a")
        ledger.liquidity.set_levels(M, None, [(5500, 200), (5300, 300)])
        done = bid(ledger, "a", 45, 5, time_in_force=IOC, buy_max_cost=budget)
        assert done.filled == most_bought(budget, 200, 4500, ledger), budget
        assert 1_000 * DOLLAR - cash(ledger, "a") <= budget


def test_a_cap_that_affords_nothing_fills_nothing_and_a_fill_or_kill_fills_whole_within_it_or_not_at_all(
    capped: Ledger,
):
    dear = new_ledger("a")
    dear.catalogue.update_market(UpdateMarket(M, price_level_structure="deci_cent"))
    dear.liquidity.set_levels(M, None, [(10, 200)])  # a YES ask at 0.999: a hundredth and its fee cost more than a cent
    assert 9990 + taker_fee(dear, 1, 9990) > LEAST_CAP
    nothing = submit(dear, "a", M, "yes", "buy", 500, 9990, time_in_force=IOC, buy_max_cost=LEAST_CAP)
    assert (nothing.filled, nothing.order.status, cash(dear, "a")) == (0, "canceled", 1_000 * DOLLAR)
    short = 200 * 4500 + taker_fee(capped, 200, 4500)
    killed = bid(capped, "a", 45, 2, time_in_force=FOK, buy_max_cost=short - 1)
    assert (killed.filled, killed.order.status) == (0, "canceled")
    assert bid(capped, "a", 45, 2, time_in_force=FOK, buy_max_cost=short).filled == 200
    assert cash(capped, "a") == 1_000 * DOLLAR - short


# -- the cash check --------------------------------------------------------------------------------------------------


def test_an_order_may_hold_all_the_available_cash_but_not_a_micro_dollar_more():
    ledger = new_ledger("a", cents=500)
    assert bid(ledger, "a", 50, 10).order.held == 5 * DOLLAR and cash(ledger, "a") == 0
    poorer = new_ledger("a", cents=499)
    refused = refusal(bid, poorer, "a", 50, 10)
    assert (refused.status, refused.code, str(refused)) == (
        400, "insufficient_balance",
        "insufficient balance: the order needs 5000000 micro-dollars of subaccount 0's cash, which has 4990000 "
        "available",
    )  # fmt: skip


def funded(micro: int, *others: str) -> Ledger:
    """A ledger (tests/test_kalshi_orders_core.py's) with "a" holding exactly `micro` micro-dollars."""
    ledger = new_ledger(*others)
    ledger.open_account("a", balance=D(micro) / DOLLAR)
    return ledger


def test_a_taker_may_spend_its_cash_to_the_micro_dollar_on_fills_and_what_rests():
    cost = 200 * 4500 + 100 * 4500  # 2 taken from the house at 0.45, 1 to rest at 0.45
    fee = taker_fee(new_ledger(), 200, 4500)
    for spare in (0, -1):
        ledger = funded(cost + fee + spare)
        ledger.liquidity.set_levels(M, None, [(5500, 200)])
        if not spare:
            done = bid(ledger, "a", 45, 3)
            assert (done.filled, done.order.remaining, cash(ledger, "a")) == (200, 100, 0)
            continue
        refused = refusal(bid, ledger, "a", 45, 3)
        assert (refused.code, str(refused)) == ("insufficient_balance", (
            f"insufficient balance: the order needs {cost + fee} micro-dollars of subaccount 0's cash, which has "
            f"{cost + fee - 1} available"))  # fmt: skip


def test_a_taker_over_two_matches_needs_what_both_cost_where_it_pays_the_most():
    cost = 100 * 8000 + 100 * 8100  # YES bought at 0.80 and 0.81 (their makers pay 0.20 and 0.19)
    fee = taker_fee(new_ledger(), 100, 8000) + taker_fee(new_ledger(), 100, 8100)
    for spare in (0, -1):
        ledger = funded(cost + fee + spare, "b", "c")
        ask(ledger, "b", 80, 1)
        ask(ledger, "c", 81, 1)
        if not spare:
            assert bid(ledger, "a", 81, 2, time_in_force=IOC).filled == 200 and cash(ledger, "a") == 0
        else:
            assert refusal(bid, ledger, "a", 81, 2, time_in_force=IOC).code == "insufficient_balance"


def test_a_taker_closing_a_position_is_paid_for_it_before_what_it_opens_costs():
    # a holds 5 YES and sells 10: 5 to b at 0.40 close its YES (paying in), 5 to c at 0.39 open NO at 0.61.
    paid_in = 500 * 4000 - taker_fee(new_ledger(), 500, 4000)
    opened = 500 * 6100 + taker_fee(new_ledger(), 500, 3900)
    for spare in (0, -1):
        ledger = funded(500 * 5000 + taker_fee(new_ledger(), 500, 5000) + opened - paid_in + spare, "b", "c", "d")
        ask(ledger, "d", 50, 5)
        bid(ledger, "a", 50, 5, time_in_force=IOC)
        bid(ledger, "b", 40, 5)
        bid(ledger, "c", 39, 5)
        if not spare:
            assert ask(ledger, "a", 39, 10, time_in_force=IOC).filled == 1_000 and cash(ledger, "a") == 0
            assert position(ledger, "a") == -500
        else:
            refused = refusal(ask, ledger, "a", 39, 10, time_in_force=IOC)
            assert str(refused) == (f"insufficient balance: the order needs {opened - paid_in} micro-dollars of "
                                    f"subaccount 0's cash, which has {opened - paid_in - 1} available")  # fmt: skip


def test_an_order_on_an_exchange_index_without_the_users_cash_there_has_none_available():
    ledger = new_ledger("a")
    ledger.catalogue.list_market("KXORD-26NOV-X1", exchange_index=1)
    ledger.liquidity.set_levels("KXORD-26NOV-X1", None, [(5500, 100)])
    for options in ({}, {"time_in_force": IOC}):
        with pytest.raises(LedgerError) as refused:
            submit(ledger, "a", "KXORD-26NOV-X1", "yes", "buy", 100, 4500, **options)
        needs = 100 * 4500 + taker_fee(ledger, 100, 4500)  # (the house's ask at 0.45 taken)
        assert str(refused.value).endswith(f"needs {needs} micro-dollars of subaccount 0's cash, which has 0 available")


def test_a_cross_is_refused_with_the_words_of_the_bound_a_fill_would_pass():
    ledger = new_ledger()
    for user in ("a", "b"):
        ledger.open_account(user, balance=D(10**12))
    most = 10**9 * 100  # the most one order may be: 1,000,000,000 contracts
    for _ in range(2):
        ask(ledger, "b", 1, 10**9)
        assert bid(ledger, "a", 1, 10**9, time_in_force=IOC).filled == most
    ask(ledger, "b", 1, 10**9)
    refused = refusal(bid, ledger, "a", 1, 10**9, time_in_force=IOC)
    assert (refused.status, str(refused)) == (400, (
        "count 1000000000.00 would take this market position's volume to 3000000000.00 contracts; it may reach "
        "2000000000 (the legacy profile's int32 contract fields)"))  # fmt: skip


def test_an_amend_may_leave_a_negative_available_balance_as_it_was_but_not_take_it_lower():
    ledger = new_ledger("a", cents=200)
    rest = bid(ledger, "a", 40, 5)  # holds all $2
    ledger.transfer(SeedTransfer("withdrawal", "a", 100))  # available: -$1
    same_hold = amend(ledger, rest.order.order_id, "a", 0, M, "yes", "buy", 5000, 400)  # 4 at 0.50: $2 again
    assert same_hold.order.held == 2 * DOLLAR and cash(ledger, "a") == -DOLLAR
    refused = refusal(amend, ledger, rest.order.order_id, "a", 0, M, "yes", "buy", 5100, 400)
    assert str(refused) == (
        "insufficient balance: the order needs 2040000 micro-dollars of subaccount 0's cash, which has -1000000 "
        "available")  # fmt: skip


# -- where a cross runs long ----------------------------------------------------------------------------------------

PROBES = {
    **{user: Footprint.of((user,)) for user in "abcd"}, "house": Footprint.of((HOUSE,)),
    "market": Footprint.of((), (M,)), "elsewhere": Footprint.of(("z",), ("Z",)),
}  # fmt: skip


@pytest.fixture(name="shallow")
def shallow_book(monkeypatch: pytest.MonkeyPatch) -> Ledger:
    """A ledger of users a, b and c where a cross runs long past 2 resting orders (`DEEP` made 2 for the match), and
    b rests 1-contract YES asks at 0.50, 0.51 and 0.52."""
    monkeypatch.setattr(matching, "DEEP", 2)
    ledger = new_ledger("a", "b", "c")
    for cents in (50, 51, 52):
        ask(ledger, "b", cents, 1)
    return ledger


def long_over(ledger: Ledger) -> list[frozenset[str] | None]:
    """As each order changes from now on: None if no long command runs, else the probes its footprint meets."""
    seen: list[frozenset[str] | None] = []

    def probe(_change: object) -> None:
        lock = ledger.state.lock
        met = (name for name, footprint in PROBES.items() if not lock.when_clear(footprint, lambda: None))
        seen.append(frozenset(met) if lock.running_long else None)

    ledger.state.bus.subscribe(probe, [ORDER], wants=lambda: True)
    return seen


def test_a_cross_reaching_more_than_deep_resting_orders_runs_long_over_its_market_and_whom_trading_there_touches(
    shallow: Ledger,
):
    seen = long_over(shallow)
    bid(shallow, "c", 50, 3, time_in_force=IOC)  # reaches the one at its price: the others are past it
    assert seen and set(seen) == {None}
    ask(shallow, "b", 50, 1)
    seen.clear()
    bid(shallow, "a", 51, 2, time_in_force=IOC)  # reaches 2
    assert seen and set(seen) == {None}
    ask(shallow, "b", 53, 1)
    ask(shallow, "b", 54, 1)
    seen.clear()
    shallow.open_account("d", balance=D(100))
    bid(shallow, "d", 54, 3, time_in_force=IOC)  # reaches 3; d holds nothing there yet
    assert seen and set(seen) == {frozenset({"a", "b", "c", "d", "house", "market"})}  # (a and c hold positions)


def test_a_cross_counts_a_level_whole_when_self_trade_prevention_cancels_makers(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(matching, "DEEP", 2)
    ledger = new_ledger("a", "b")
    for _ in range(3):
        ask(ledger, "b", 50, 1)
    seen = long_over(ledger)
    submit(ledger, "a", M, "yes", "buy", 2, 5000, time_in_force=IOC)  # 2 hundredths: 2 orders of the 3
    assert seen and set(seen) == {None}
    seen.clear()
    submit(ledger, "a", M, "yes", "buy", 2, 5000, time_in_force=IOC, self_trade_prevention_type="maker")
    assert seen and None not in seen


def test_an_amend_that_crosses_deep_runs_long_at_its_new_price(shallow: Ledger):
    resting = bid(shallow, "a", 40, 3)
    seen = long_over(shallow)
    done = amend(shallow, resting.order.order_id, "a", 0, M, "yes", "buy", 5200, 300)
    assert done.filled == 300 and seen and None not in seen


@pytest.mark.parametrize(("grouped", "long"), [(2, False), (3, True)])
def test_a_cross_runs_long_if_the_group_of_its_order_or_of_a_maker_it_reaches_may_cancel_more_than_deep(
    shallow: Ledger, grouped: int, long: bool
):
    takers = shallow.groups.create_order_group(CreateOrderGroup("a", contracts_limit=1_000))
    for cents in range(20, 20 + grouped):
        bid(shallow, "a", cents, 1, order_group_id=takers.group_id)
    seen = long_over(shallow)
    bid(shallow, "a", 50, 1, time_in_force=IOC, order_group_id=takers.group_id)  # reaches b's one at 0.50
    assert seen and (None not in seen) is long
    bid(shallow, "c", 52, 2, time_in_force=IOC)
    makers = shallow.groups.create_order_group(CreateOrderGroup("b", contracts_limit=1_000))
    for cents in range(60, 60 + grouped):
        ask(shallow, "b", cents, 1, order_group_id=makers.group_id)
    seen.clear()
    bid(shallow, "c", 59, 5, time_in_force=IOC)  # reaches none: the group's rest past its price
    assert seen and set(seen) == {None}
    seen.clear()
    bid(shallow, "c", 60, 1, time_in_force=IOC)  # reaches one of the group's
    assert seen and (None not in seen) is long


@pytest.mark.parametrize(("resting", "long"), [(2, False), (3, True)])
def test_ending_a_book_of_more_than_deep_orders_runs_long(monkeypatch: pytest.MonkeyPatch, resting: int, long: bool):
    monkeypatch.setattr(matching, "DEEP", 2)
    monkeypatch.setattr(footprints, "DEEP", 2)  # (what ending many orders runs long past)
    ledger = new_ledger("a")
    for cents in range(40, 40 + resting):
        bid(ledger, "a", cents, 1)
    seen = long_over(ledger)
    ledger.lifecycle.pause_market(M)
    ledger.lifecycle.resume_market(M)  # resuming clears the book
    assert len(seen) == resting and set(seen) == ({frozenset({"a", "house", "market"})} if long else {None})


def test_a_deep_book_ended_in_a_command_an_event_loop_runs_inline_ends_as_the_command_runs(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setattr(matching, "DEEP", 2)
    monkeypatch.setattr(footprints, "DEEP", 2)  # (what ending many orders runs long past)
    ledger = new_ledger("a")
    for cents in (40, 41, 42):
        bid(ledger, "a", cents, 1)
    ledger.lifecycle.pause_market(M)
    token = ledger.state.lock.admit(lambda: Footprint.of(("a",), (M,)))  # as an event loop admits what it runs inline
    assert token is not None
    try:
        ledger.lifecycle.resume_market(
            M
        )  # changed things before the book ends: it may not be sent to run again elsewhere
    finally:
        ledger.state.lock.discharge(token)
    assert not ledger.state.orders and levels(ledger) == ([], [])


def test_trading_in_a_market_touches_its_users_the_house_and_whoever_rests_or_holds_a_position_there():
    ledger = new_ledger("a", "b", "c", "d")
    ledger.catalogue.list_market("KXORD-26NOV-B")
    ask(ledger, "a", 50, 2)
    bid(ledger, "b", 50, 1)  # b holds a position, a rests and holds one
    bid(ledger, "c", 30, 1)
    ask(ledger, "d", 70, 1)
    assert trading_footprint(ledger.state, [M], "x") == Footprint.of({"x", HOUSE, "a", "b", "c", "d"}, {M})
    assert trading_footprint(ledger.state, ["KXORD-26NOV-B", "UNLISTED"]) == Footprint.of(
        {HOUSE}, {"KXORD-26NOV-B", "UNLISTED"}
    )


def test_a_row_its_market_alone_holds_puts_its_owner_in_trading_there():
    ledger = new_ledger("a", "b")
    ledger.catalogue.list_market("KXORD-26NOV-B")
    ledger.filling.apply_fill("a", M, "yes", "buy", D(2), D("0.40"))  # a holds the market's one row, rests nothing
    ledger.filling.apply_fill("b", "KXORD-26NOV-B", "no", "buy", D(1), D("0.30"))
    assert trading_footprint(ledger.state, [M], "x") == Footprint.of({"x", HOUSE, "a"}, {M})
    both = trading_footprint(ledger.state, [M, "KXORD-26NOV-B", "UNLISTED"])
    assert both == Footprint.of({HOUSE, "a", "b"}, {M, "KXORD-26NOV-B", "UNLISTED"})
