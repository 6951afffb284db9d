"""Kalshi's RFQs and quotes in the core (core/kalshi/communications.py, rfq_execution.py, rfq_sizing.py): an RFQ's
whole life from its quotes to the two orders its accepted quote executes as (fills, positions, cash and fees of both
sides), every refusal with its code (a refused command changes nothing), the confirmation window voiding a quote, a
market's close closing its RFQs, the sizing of an RFQ by a target cost, and invariants under a seeded random walk."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal as D

import pytest
from test_kalshi_orders_core import M, ask, cash, new_ledger, position

from mockexchange.core.kalshi.checks import LedgerError
from mockexchange.core.kalshi.fees import QuadraticFee
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.kalshi.rfq_commands import (
    AcceptQuote,
    ConfirmQuote,
    CreateQuote,
    CreateRfq,
    DeleteQuote,
    DeleteRfq,
)
from mockexchange.core.kalshi.rfq_records import OBSCURED_ID, QUOTE_CHANGE, RFQ_CHANGE
from mockexchange.core.kalshi.rfq_sizing import count_within
from mockexchange.core.kalshi.units import CONTRACT, DOLLAR, dollar_units

USERS = ("req", "mk1", "mk2")
N = "KXORD-26NOV-B"  # another market


def rfq(ledger: Ledger, user: str = "req", **options) -> str:
    options.setdefault("contracts", 1000)
    return ledger.communications.create_rfq(CreateRfq(user, M, options.pop("rest", False), **options)).rfq_id


def quote(ledger: Ledger, user: str, rfq_id: str, yes_bid: int, no_bid: int, **options) -> str:
    made = CreateQuote(user, rfq_id, yes_bid, no_bid, options.pop("rest", False), **options)
    return ledger.communications.create_quote(made).quote_id


def accept(ledger: Ledger, quote_id: str, side: str = "yes", user: str = "req"):
    return ledger.communications.accept_quote(AcceptQuote(user, quote_id, side))


def confirm(ledger: Ledger, quote_id: str, user: str):
    return ledger.communications.confirm_quote(ConfirmQuote(user, quote_id))


def advance(ledger: Ledger, seconds: float) -> None:
    ledger.state.clock.advance(seconds)
    with ledger.reading():  # (what falls due is made by the next read)
        pass


def status(ledger: Ledger, quote_id: str, caller: str) -> str:
    return ledger.communications.quote(quote_id, caller).status


def kept(ledger: Ledger) -> tuple:
    """What a refused command must leave as it was."""
    state, held = ledger.state, ledger.state.communications
    return (
        repr(list(held.rfqs.values())), repr(list(held.quotes.values())), repr(held.open_rfqs), dict(held.ids),
        list(state.due_times), {user: dict(account.cash) for user, account in state.accounts.items()},
        len(state.fills), len(state.all_orders),
    )  # fmt: skip


def refused(ledger: Ledger, do) -> tuple[int, str]:
    before = kept(ledger)
    with pytest.raises(LedgerError) as caught:
        do()
    assert kept(ledger) == before
    return caught.value.status, caught.value.code


@pytest.fixture(name="ledger")
def a_ledger() -> Ledger:
    return new_ledger(*USERS)


def test_an_rfq_lives_from_its_quotes_to_the_two_orders_its_confirmed_quote_executes_as(ledger: Ledger):
    seen: list[tuple[str, str, str]] = []
    ledger.state.bus.subscribe(
        lambda change: seen.append((change.kind, change.user_id, change.payload.status)),
        kinds=(RFQ_CHANGE, QUOTE_CHANGE),
    )
    rfq_id = rfq(ledger)  # 10 contracts
    first = quote(ledger, "mk1", rfq_id, 4000, 5000)
    other = quote(ledger, "mk2", rfq_id, 4500, 5000)
    better = quote(ledger, "mk1", rfq_id, 4600, 5000)  # replaces mk1's first
    assert status(ledger, first, "mk1") == "cancelled"
    assert ledger.communications.quote(first, "req").cancellation_reason == "replaced"
    assert accept(ledger, better).status == "accepted"
    assert confirm(ledger, better, "mk1").status == "confirmed"
    advance(ledger, 14.9)
    assert status(ledger, better, "req") == "confirmed" and cash(ledger, "req") == 1_000 * 10**6  # not yet
    advance(ledger, 0.1)
    done = ledger.communications.quote(better, "req")
    assert done.status == "executed" and done.executed_ts == done.confirmed_ts + timedelta(seconds=15)
    assert ledger.communications.rfq(rfq_id).status == "closed"
    assert status(ledger, other, "mk2") == "cancelled"
    # the maker bought 10 YES at 0.46 (no maker fee); the creator sold them: it paid 10 x 0.54 and its taker fee
    fee = QuadraticFee().fee_units(1000, 5400, True)
    assert fee == 173_900  # 0.07 x 10 x 0.46 x 0.54 = 0.17388, up to the centi-cent
    assert cash(ledger, "mk1") == 1_000 * 10**6 - 1000 * 4600
    assert cash(ledger, "req") == 1_000 * 10**6 - 1000 * 5400 - fee
    assert (position(ledger, "mk1"), position(ledger, "req")) == (1000, -1000)
    orders = ledger.state.all_orders
    maker, taker = orders[done.creator_order_id], orders[done.rfq_creator_order_id]
    assert (maker.user_id, maker.client_order_id, maker.status) == ("mk1", done.creator_client_order_id, "executed")
    assert (taker.user_id, taker.client_order_id) == ("req", done.rfq_creator_client_order_id)
    fills = [ledger.state.fills[i] for i in range(len(ledger.state.fills))]
    assert {(fill.user_id, fill.order_id) for fill in fills} == {("mk1", maker.order_id), ("req", taker.order_id)}
    assert all(fill.created == done.executed_ts for fill in fills)
    # every change published, the quote executed after the fills' orders and before the RFQ closed
    assert seen[-3:] == [("quote", "mk1", "executed"), ("quote", "mk2", "cancelled"), ("rfq", "req", "closed")]
    assert seen[0] == ("rfq", "req", "open")


def test_accepting_no_makes_the_maker_buy_no_and_the_creator_buy_yes(ledger: Ledger):
    rfq_id = rfq(ledger, contracts=500)
    made = quote(ledger, "mk1", rfq_id, 0, 3000, rest=True)  # only NO quoted
    accept(ledger, made, "no")
    confirm(ledger, made, "mk1")
    advance(ledger, 15)
    assert (position(ledger, "mk1"), position(ledger, "req")) == (-500, 500)
    assert cash(ledger, "mk1") == 1_000 * 10**6 - 500 * 3000
    assert cash(ledger, "req") == 1_000 * 10**6 - 500 * 7000 - QuadraticFee().fee_units(500, 7000, True)


def test_every_refusal_has_its_code_and_changes_nothing(ledger: Ledger):
    comms = ledger.communications
    rfq_id = rfq(ledger)
    assert refused(ledger, lambda: rfq(ledger)) == (409, "conflict")  # one open RFQ a market
    assert refused(ledger, lambda: rfq(ledger, subaccount=3)) == (400, "invalid_parameters")
    assert refused(ledger, lambda: comms.create_rfq(CreateRfq("req", "NOPE", False, contracts=100))) == (
        404, "not_found")  # fmt: skip
    assert refused(ledger, lambda: quote(ledger, "req", rfq_id, 4000, 5000)) == (400, "self_trade")
    assert refused(ledger, lambda: quote(ledger, "mk1", rfq_id, 4050, 5000)) == (400, "invalid_parameters")  # grid
    assert refused(ledger, lambda: quote(ledger, "mk1", "nope", 4000, 5000)) == (404, "not_found")
    made = quote(ledger, "mk1", rfq_id, 4000, 5000)
    assert refused(ledger, lambda: comms.quote(made, "mk2")) == (404, "not_found")  # private to the two sides
    assert refused(ledger, lambda: accept(ledger, made, user="mk1")) == (403, "forbidden")
    assert refused(ledger, lambda: accept(ledger, made, user="mk2")) == (404, "not_found")
    assert refused(ledger, lambda: confirm(ledger, made, "mk1")) == (409, "conflict")  # not accepted
    assert refused(ledger, lambda: comms.delete_rfq(DeleteRfq("mk1", rfq_id))) == (404, "not_found")
    poor = new_ledger("req", "mk1", cents=100)  # $1: 10 contracts at 0.60 cost more
    poor_rfq = rfq(poor)
    poor_quote = quote(poor, "mk1", poor_rfq, 4000, 5000)
    assert refused(poor, lambda: accept(poor, poor_quote)) == (400, "insufficient_balance")
    only_no = quote(ledger, "mk2", rfq_id, 0, 5000)
    assert refused(ledger, lambda: accept(ledger, only_no, "yes")) == (400, "invalid_parameters")
    accept(ledger, made)
    assert refused(ledger, lambda: accept(ledger, only_no, "no")) == (409, "conflict")  # one at a time
    assert refused(ledger, lambda: quote(ledger, "mk1", rfq_id, 4100, 5000)) == (409, "conflict")  # accepted
    confirm(ledger, made, "mk1")
    assert refused(ledger, lambda: comms.delete_quote(DeleteQuote("mk1", made))) == (409, "conflict")
    assert refused(ledger, lambda: comms.delete_rfq(DeleteRfq("req", rfq_id))) == (409, "conflict")
    advance(ledger, 15)
    assert refused(ledger, lambda: quote(ledger, "mk2", rfq_id, 4000, 5000)) == (409, "rfq_closed")
    assert refused(ledger, lambda: comms.delete_rfq(DeleteRfq("req", rfq_id))) == (409, "rfq_closed")
    ledger.lifecycle.pause_market(M)
    assert refused(ledger, lambda: rfq(ledger)) == (409, "market_closed")


def test_at_most_100_open_rfqs_a_user(ledger: Ledger):
    for n in range(100):
        ledger.catalogue.list_market(f"{M}{n}")
        ledger.communications.create_rfq(CreateRfq("req", f"{M}{n}", False, contracts=100))
    ledger.catalogue.list_market(f"{M}X")
    one_more = CreateRfq("req", f"{M}X", False, contracts=100)
    assert refused(ledger, lambda: ledger.communications.create_rfq(one_more)) == (409, "too_many_rfqs")


def test_replace_existing_closes_the_open_rfq_and_its_quotes(ledger: Ledger):
    old = rfq(ledger)
    made = quote(ledger, "mk1", old, 4000, 5000)
    new = rfq(ledger, replace_existing=True)
    assert ledger.communications.rfq(old).status == "closed" and status(ledger, made, "mk1") == "cancelled"
    assert ledger.state.communications.open_rfqs == {"req": {M: new}}


def test_an_accepted_quote_not_confirmed_in_the_window_is_voided_and_the_rfq_stays_open(ledger: Ledger):
    rfq_id = rfq(ledger)
    made = quote(ledger, "mk1", rfq_id, 4000, 5000)
    accept(ledger, made)
    advance(ledger, 29)
    assert status(ledger, made, "req") == "accepted"
    advance(ledger, 1)
    voided = ledger.communications.quote(made, "req")
    assert (voided.status, voided.cancellation_reason) == ("cancelled", "confirmation window expired")
    assert ledger.communications.rfq(rfq_id).status == "open"
    assert refused(ledger, lambda: confirm(ledger, made, "mk1")) == (409, "conflict")
    accept(ledger, quote(ledger, "mk2", rfq_id, 4000, 5000))  # another may be accepted now


def test_a_market_that_closes_closes_its_open_rfqs_and_cancels_their_quotes(ledger: Ledger):
    rfq_id = rfq(ledger)
    made = quote(ledger, "mk1", rfq_id, 4000, 5000)
    accept(ledger, made)
    confirm(ledger, made, "mk1")
    ledger.lifecycle.set_close_time(M, None)  # closes now, before the execution timer
    closed = ledger.communications.rfq(rfq_id)
    assert (closed.status, closed.cancellation_reason) == ("closed", "market closed")
    assert ledger.communications.quote(made, "mk1").cancellation_reason == "market closed"
    advance(ledger, 20)
    assert status(ledger, made, "mk1") == "cancelled" and cash(ledger, "req") == 1_000 * 10**6


def test_a_target_cost_sizes_each_side_within_it_with_the_creators_taker_fee():
    rule = QuadraticFee()
    target = 10 * 10**6  # $10
    # YES bid 0.40: the creator pays 0.60 a contract; with fees the count is the most within $10
    count = count_within(target, 4000, rule, fees=True)
    assert count * 6000 + rule.fee_units(count, 6000, True) <= target
    assert (count + 1) * 6000 + rule.fee_units(count + 1, 6000, True) > target
    assert count_within(target, 4000, rule, fees=False) == 1666  # 16.66 contracts at 0.60
    assert count_within(target, 0, rule, fees=True) == 0
    ledger = new_ledger(*USERS)
    rfq_id = rfq(ledger, contracts=None, target_cost=target)
    made = ledger.communications.quote(quote(ledger, "mk1", rfq_id, 4000, 0), "req")
    assert (made.yes_contracts, made.no_contracts) == (count, 0)


def test_the_creators_id_is_obscured_to_others_until_its_quote_executes(ledger: Ledger):
    comms = ledger.communications
    rfq_id = rfq(ledger, obscure_creator_id=True)
    shown = comms.rfq(rfq_id)
    own = comms.communications_id_of("req")
    assert len(own) == 32 and int(own, 16) >= 0
    assert comms.rfq_creator_id(shown, "mk1") == OBSCURED_ID and comms.rfq_creator_id(shown, "req") == own
    made = quote(ledger, "mk1", rfq_id, 4000, 5000)
    assert comms.quote_rfq_creator_id(comms.quote(made, "mk1"), "mk1") == OBSCURED_ID
    accept(ledger, made)
    confirm(ledger, made, "mk1")
    advance(ledger, 15)
    assert comms.quote_rfq_creator_id(comms.quote(made, "mk1"), "mk1") == own


def test_reads_filter_and_answer_newest_first(ledger: Ledger):
    ledger.catalogue.list_market(M + "B")
    first = rfq(ledger)
    second = ledger.communications.create_rfq(CreateRfq("mk1", M + "B", False, contracts=100)).rfq_id
    comms = ledger.communications
    assert [found.rfq_id for found in comms.rfqs()] == [second, first]
    assert [found.rfq_id for found in comms.rfqs(user_id="req")] == [first]
    assert [found.rfq_id for found in comms.rfqs(market_ticker=M + "B", status="open")] == [second]
    made = quote(ledger, "mk1", first, 4000, 5000)
    theirs = quote(ledger, "mk2", first, 4000, 5000)
    assert [found.quote_id for found in comms.quotes("req")] == [theirs, made]
    assert [found.quote_id for found in comms.quotes("mk1")] == [made]
    assert comms.quotes("mk1", status="accepted") == []


@pytest.mark.slow  # (about 2 s of CPU: outside the fast subset)
def test_a_random_walk_conserves_money_but_fees_and_executes_no_quote_twice():
    rng = random.Random(54)
    users = ("u0", "u1", "u2", "u3")
    ledger = new_ledger(*users, cents=2_000)
    tickers = [M] + [f"{M}{n}" for n in range(2)]
    for ticker in tickers[1:]:
        ledger.catalogue.list_market(ticker)
    total = sum(sum(account.cash.values()) for account in ledger.state.accounts.values())
    executed: set[str] = set()
    for _ in range(1000):
        before = kept(ledger)
        try:
            _step(ledger, rng, rng.choice(users), tickers)
        except LedgerError:
            assert kept(ledger) == before  # a refusal changes nothing
        executed.update(q.quote_id for q in ledger.state.communications.quotes.values() if q.status == "executed")
    advance(ledger, 60)
    state = ledger.state
    assert executed, "the walk executes some quotes"
    placed: set[str] = set()
    for quote_id in executed:  # executed once: two orders of its own, each its party's
        done = state.communications.quotes[quote_id]
        assert state.all_orders[done.creator_order_id].user_id == done.user_id
        assert state.all_orders[done.rfq_creator_order_id].user_id == done.rfq_user_id
        placed |= {done.creator_order_id, done.rfq_creator_order_id}
    assert len(placed) == 2 * len(executed) and len(executed) >= 5
    assert money(ledger, tickers) == total


def money(ledger: Ledger, tickers: list[str]) -> int:
    """The cash of every account, what resting orders hold, the fees paid and a dollar a pair of a YES and a NO
    contract outstanding (paid between its two sides): what the accounts began with, whatever trades."""
    state = ledger.state
    fees = sum(dollar_units(state.fills[i].fee) for i in range(len(state.fills)))
    cash_now = sum(sum(account.cash.values()) for account in state.accounts.values())
    held = sum(order.held for order in state.orders.values())
    pairs = sum(
        max(state.positions.cells(row)[0], 0) for ticker in tickers for row in state.positions.of_market(ticker)
    )
    return cash_now + held + fees + pairs * (DOLLAR // CONTRACT)


def _step(ledger: Ledger, rng: random.Random, user: str, tickers: list[str]) -> None:
    """One random command of `user`'s (or a move of the clock)."""
    comms = ledger.communications
    rfqs = [rfq.rfq_id for rfq in comms.rfqs(status="open")]
    mine = comms.quotes(user)
    kind = rng.randrange(7)
    if kind == 0:
        count = rng.randint(1, 30) * 100
        comms.create_rfq(CreateRfq(user, rng.choice(tickers), rng.random() < 0.5, contracts=count,
                                   replace_existing=rng.random() < 0.2))  # fmt: skip
    elif kind == 1 and rfqs:
        comms.delete_rfq(DeleteRfq(user, rng.choice(rfqs)))
    elif kind == 2 and rfqs:
        bids = (rng.randint(0, 60) * 100, rng.randint(0, 40) * 100)
        comms.create_quote(CreateQuote(user, rng.choice(rfqs), *bids, rng.random() < 0.5, rng.random() < 0.2))
    elif kind == 3 and mine:  # mostly a quote offered to the user, open; now and then any it sees
        offered = [q for q in mine if q.rfq_user_id == user and q.status == "open"]
        chosen = rng.choice(offered if offered and rng.random() < 0.8 else mine)
        comms.accept_quote(AcceptQuote(user, chosen.quote_id, rng.choice(("yes", "no"))))
    elif kind == 4 and mine:  # mostly one of the user's own accepted quotes
        accepted = [q for q in mine if q.user_id == user and q.status == "accepted"]
        comms.confirm_quote(
            ConfirmQuote(user, rng.choice(accepted if accepted and rng.random() < 0.8 else mine).quote_id)
        )
    elif kind == 5 and mine:
        comms.delete_quote(DeleteQuote(user, rng.choice(mine).quote_id))
    elif kind == 6:
        advance(ledger, rng.choice((1, 5, 16, 31)))


def test_accepting_a_side_costs_that_sides_price_and_an_ended_quote_takes_no_accept(ledger: Ledger):
    """$5.50: accepting YES of a 0.40 / 0.50 quote on 10 contracts costs 10 x 0.60 and its fee (refused); NO costs
    10 x 0.50 and its fee, $5.175 (accepted). A quote replaced is no longer open: 409."""
    funded = new_ledger("req", "mk1", cents=550)
    made = quote(funded, "mk1", rfq(funded), 4000, 5000)
    assert refused(funded, lambda: accept(funded, made, "yes")) == (400, "insufficient_balance")
    assert accept(funded, made, "no").status == "accepted"
    rfq_id = rfq(ledger)
    first = quote(ledger, "mk1", rfq_id, 4000, 5000)
    quote(ledger, "mk1", rfq_id, 4100, 5000)  # replaces the first
    assert refused(ledger, lambda: accept(ledger, first)) == (409, "conflict")


def test_an_execution_the_creators_cash_no_longer_covers_cancels_the_quote_and_leaves_the_rfq_open(ledger: Ledger):
    rfq_id = rfq(ledger)
    made = quote(ledger, "mk1", rfq_id, 4000, 5000)
    accept(ledger, made)
    confirm(ledger, made, "mk1")
    # $994 of the creator's $1,000 spent: $6 covers accepting NO ($5.175), not the YES accepted ($6.168)
    ledger.filling.apply_fill("req", N, "yes", "buy", D(1988), D("0.50"), fee=D(0))
    orders = len(ledger.state.all_orders)
    advance(ledger, 15)
    ended = ledger.communications.quote(made, "req")
    assert (ended.status, ended.cancellation_reason) == ("cancelled", "insufficient balance")
    assert len(ledger.state.all_orders) == orders  # refused before either order is placed
    assert ledger.communications.rfq(rfq_id).status == "open"
    assert position(ledger, "mk1") == 0 and cash(ledger, "mk1") == 1_000 * 10**6


@pytest.mark.parametrize("post_only", [True, False])
def test_the_makers_order_is_post_only_as_its_quote_says(ledger: Ledger, post_only: bool):
    """mk2 rests an ask of 10 at 0.35: the maker's bid at 0.40 would take it. Post-only, the execution fails and
    nothing trades; else the maker's order takes mk2's ask (Kalshi's quote `post_only`: whether the quote creator's
    order may take liquidity), and the creator's order finds nothing of the maker's left to take."""
    ask(ledger, "mk2", 35, 10)
    rfq_id = rfq(ledger)
    made = quote(ledger, "mk1", rfq_id, 4000, 5000, post_only=post_only)
    accept(ledger, made)
    confirm(ledger, made, "mk1")
    advance(ledger, 15)
    ended = ledger.communications.quote(made, "req")
    if post_only:
        assert ended.status == "cancelled" and "post-only" in ended.cancellation_reason
        assert (position(ledger, "mk1"), position(ledger, "mk2")) == (0, 0)
    else:
        assert ended.status == "executed"
        assert (position(ledger, "mk1"), position(ledger, "mk2"), position(ledger, "req")) == (1000, -1000, 0)
