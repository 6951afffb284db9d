"""Placing a Kalshi order in the core (core/kalshi/trading.py's `submit_order`), past what
tests/test_kalshi_orders_core.py checks: every refusal of a value by its kind as the command is made (its code and
words), and of an order's terms and options by the ledger with its status, Kalshi's code and the words the venue sends
(a refused order changes nothing), the bounds of each (to the unit), how many orders an
account may rest, a market order's limit, and why an order that does not rest ended (the reason its last update
names): filled, cut by reduce-only, stopped by self-trade prevention, or left unfilled by its time in force."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D

import pytest
from kalshi_commands import amend, submit
from test_kalshi_orders_core import T0, M, ask, bid, cash, levels, new_ledger

from mockexchange.core.clock import ManualClock
from mockexchange.core.kalshi import trading
from mockexchange.core.kalshi.account_commands import SeedTransfer
from mockexchange.core.kalshi.checks import LedgerError
from mockexchange.core.kalshi.fcm_commands import (
    CreateFCMSubtrader,
    UpdateFCMEventContractDailyCap,
    UpdateFCMSubtraderBlockedCategories,
)
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.kalshi.market_commands import SetEvent, SetExchangeStatus, SetSeries
from mockexchange.core.kalshi.order_group_commands import CreateOrderGroup
from mockexchange.core.kalshi.orders import ORDER
from mockexchange.core.values import Refused

IOC, FOK = "immediate_or_cancel", "fill_or_kill"
MOST = 1_000_000_000 * 100  # hundredths: the most one order may be


@pytest.fixture(name="ledger")
def a_ledger() -> Ledger:
    """Users a and b with $1,000 each; the house rests YES bids at 0.40 x5 and asks at 0.60 x5."""
    made = new_ledger("a", "b")
    made.liquidity.set_levels(M, [(4000, 500)], [(4000, 500)])
    return made


def state(ledger: Ledger) -> tuple:
    """What a refused order must leave as it was."""
    state = ledger.state
    return (levels(ledger), cash(ledger, "a"), dict(state.orders), dict(state.all_orders), len(state.fills),
            ledger.feed.book_clock(M), dict(state.client_orders))  # fmt: skip


def refused(ledger: Ledger, **options) -> tuple:
    """The ledger's refusal of a's order (a bid of 1 contract at 0.50, but for `options`): (status, code, words); it
    changed nothing."""
    before = state(ledger)
    with pytest.raises(LedgerError) as caught:
        a_bid(ledger, **options)
    assert state(ledger) == before
    return caught.value.status, getattr(caught.value, "code", None), str(caught.value)


def unmade(ledger: Ledger, **options) -> tuple:
    """The refusal of making a's order command (as `refused`'s) for a value its kind does not take
    (core/kalshi/order_commands.py): (code, words); the ledger never saw it."""
    before = state(ledger)
    with pytest.raises(Refused) as caught:
        a_bid(ledger, **options)
    assert state(ledger) == before
    return caught.value.code, str(caught.value)


def a_bid(ledger: Ledger, **options):
    terms = {"ticker": M, "side": "yes", "action": "buy", "count": 100, "yes_price": 5000} | options
    return submit(
        ledger, "a", *(terms.pop(name) for name in ("ticker", "side", "action", "count", "yes_price")), **terms
    )


BAD_COUNT = "count must be from 0.01 to 1000000000 contracts (in units of 1e-2), not "
BAD_PRICE = "price must be from 0.0001 to 0.9999 dollars (in units of 1e-4), not "
BAD_CAP = "buy_max_cost must be from 0.01 to 1000000000000 dollars (in units of 1e-6), not "
LEAST_CAP = 10_000  # micro-dollars: a cent
CAP_RESTS = "buy_max_cost is for an order that does not rest (immediate_or_cancel or fill_or_kill)"
BAD_TIME = "time_in_force must be one of 'fill_or_kill', 'good_till_canceled', 'immediate_or_cancel', not 'day'"
NOT_IOC = "reduce_only orders must be immediate_or_cancel"
NOT_GTC = "only a good_till_canceled order takes an expiration_time"
TOO_MUCH = ("insufficient balance: the order needs 500000000000000 micro-dollars of subaccount 0's cash, which has "
            "1000000000 available")  # fmt: skip


@pytest.mark.parametrize(
    ("options", "answer"),
    [
        ({"side": "maybe"}, (None, "side must be one of 'bid', 'ask', 'yes', 'no', not 'maybe'")),
        ({"side": "bid"}, (None, "side must be one of 'yes', 'no', not 'bid'")),  # v2's side takes no action
        ({"action": "hold"}, (None, "action must be one of 'buy', 'sell', not 'hold'")),
        ({"order_type": "stop"}, (None, "order_type must be one of 'limit', 'market', not 'stop'")),
        ({"count": 0}, (None, BAD_COUNT + "0")),
        ({"count": MOST + 1}, (None, BAD_COUNT + str(MOST + 1))),
        ({"count": 100.0}, (None, BAD_COUNT + "100.0")),
        ({"count": True}, (None, BAD_COUNT + "true")),
        ({"yes_price": 0}, ("invalid_price", BAD_PRICE + "0")),
        ({"yes_price": 10_000}, ("invalid_price", BAD_PRICE + "10000")),
        ({"yes_price": 5000.0}, ("invalid_price", BAD_PRICE + "5000.0")),
        ({"subaccount": 64}, (None, "subaccount must be an integer from 0 to 63, not 64")),
        ({"subaccount": -1}, (None, "subaccount must be an integer from 0 to 63, not -1")),
        ({"buy_max_cost": -1, "time_in_force": IOC}, (None, BAD_CAP + "-1")),
        ({"buy_max_cost": LEAST_CAP - 1, "time_in_force": IOC}, (None, BAD_CAP + "9999")),
        ({"buy_max_cost": 1.0, "time_in_force": IOC}, (None, BAD_CAP + "1.0")),
        ({"time_in_force": "day"}, (None, BAD_TIME)),
        ({"self_trade_prevention_type": "none"},
         (None, "self_trade_prevention_type must be one of 'taker_at_cross', 'maker', not 'none'")),
        ({"ticker": 5}, (None, "ticker must be a non-empty string of at most 256 characters, not 5")),
    ],
)  # fmt: skip
def test_a_value_an_orders_kind_does_not_take_is_refused_as_the_command_is_made(ledger: Ledger, options, answer):
    assert unmade(ledger, **options) == answer


@pytest.mark.parametrize(
    ("options", "answer"),
    [
        ({"yes_price": None}, (400, "invalid_price", "a limit order needs a price")),
        ({"yes_price": 4550}, (400, "invalid_price", "price 0.4550 is not a level of 'KXORD-26NOV-A' (linear_cent)")),
        ({"yes_price": 1}, (400, "invalid_price", "price 0.0001 is not a level of 'KXORD-26NOV-A' (linear_cent)")),
        ({"subaccount": 1}, (400, "bad_request", "subaccount 1 is not a subaccount of 'a' (create it first)")),
        ({"buy_max_cost": LEAST_CAP, "time_in_force": IOC, "action": "sell"},
         (400, "invalid_order", "buy_max_cost caps what a buy spends: a sell takes none")),
        ({"buy_max_cost": LEAST_CAP}, (400, "invalid_order", CAP_RESTS)),
        ({"order_type": "market"},
         (400, "invalid_order", "a market order never rests: immediate_or_cancel or fill_or_kill")),
        ({"reduce_only": True}, (400, "invalid_order", NOT_IOC)),
        ({"reduce_only": True, "time_in_force": FOK}, (400, "invalid_order", NOT_IOC)),
        ({"post_only": True, "time_in_force": IOC},
         (400, "invalid_order", "post_only orders must be good_till_canceled")),
        ({"expiration_time": T0 + timedelta(days=1), "time_in_force": FOK},
         (400, "invalid_expiration_time", NOT_GTC)),
        ({"expiration_time": T0}, (400, "invalid_expiration_time", "expiration_time must be in the future")),
        ({"ticker": "NOPE"}, (404, "not_found", "no market 'NOPE'")),
        ({"exchange_index": 3}, (404, "not_found", "no market 'KXORD-26NOV-A' on exchange index 3")),
        ({"post_only": True, "yes_price": 6000},
         (400, "post_only_cross", "the post-only order would cross the book of 'KXORD-26NOV-A'")),
        ({"count": MOST}, (400, "insufficient_balance", TOO_MUCH)),
    ],
)  # fmt: skip
def test_an_order_is_refused_whole_with_kalshis_code_and_words(ledger: Ledger, options: dict, answer: tuple):
    assert refused(ledger, **options) == answer


def test_a_client_order_id_names_one_order_of_the_users_and_others_may_use_it(ledger: Ledger):
    bid(ledger, "a", 30, 1, client_order_id="mine")
    assert refused(ledger, client_order_id="mine") == (
        409, "order_already_exists", "client_order_id 'mine' names an order already")  # fmt: skip
    assert bid(ledger, "b", 30, 1, client_order_id="mine").order.client_order_id == "mine"


def test_an_order_is_refused_while_its_market_or_the_exchange_takes_no_trading(ledger: Ledger):
    ledger.lifecycle.set_exchange_status(SetExchangeStatus(trading_active=False))
    assert refused(ledger) == (409, "exchange_closed", "trading is paused on the exchange: it takes no orders")
    ledger.lifecycle.set_exchange_status(SetExchangeStatus(trading_active=True, exchange_active=False))
    assert refused(ledger)[1:] == ("exchange_closed", "the exchange is not active (maintenance): it takes no trading: "
                                 "it takes no orders")  # fmt: skip
    ledger.lifecycle.set_exchange_status(SetExchangeStatus(exchange_active=True))
    ledger.lifecycle.pause_market(M)
    assert refused(ledger) == (409, "market_closed", "market 'KXORD-26NOV-A' is paused: it takes no orders")


def test_the_bounds_of_an_order_take_their_last_unit(ledger: Ledger):
    assert submit(ledger, "a", M, "yes", "buy", 1, 100, time_in_force=IOC).order.initial == 1
    assert submit(ledger, "a", M, "yes", "sell", 100, 9900).order.yes_price == 9900
    assert submit(ledger, "a", M, "yes", "buy", 100, 5000, exchange_index=-1).order.exchange_index == 0
    later = bid(ledger, "a", 30, 1, expiration_time=T0 + timedelta(microseconds=1))
    assert later.order.expiration_time == T0 + timedelta(microseconds=1) and later.order.status == "resting"
    capped = submit(ledger, "a", M, "yes", "buy", 100, 6000, time_in_force=IOC, buy_max_cost=LEAST_CAP)
    assert (capped.filled, capped.order.status) == (1, "canceled")  # a hundredth at 0.60 and its fee: 0.0062


def test_an_account_rests_fewer_than_the_most_orders_its_ended_ones_aside(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(trading, "MAX_RESTING_ORDERS", 2)
    ledger = new_ledger("a")
    first = bid(ledger, "a", 30, 1)
    bid(ledger, "a", 31, 1)
    assert refused(ledger, yes_price=3200) == (
        400, "bad_request", "'a' rests 2 orders, the most one account may: cancel one first")  # fmt: skip
    assert bid(ledger, "a", 50, 1, time_in_force=IOC).order.status == "canceled"  # one that does not rest may come
    ledger.trading.cancel_order(first.order.order_id, "a", 0)
    assert bid(ledger, "a", 32, 1).order.status == "resting"


def test_a_market_order_takes_at_any_price_up_to_the_worst_level_and_never_rests(ledger: Ledger):
    bought = submit(ledger, "a", M, "yes", "buy", 700, None, order_type="market", time_in_force=IOC)
    assert (bought.filled, bought.order.yes_price, bought.order.status) == (500, 9900, "canceled")
    sold = submit(ledger, "b", M, "no", "buy", 200, None, order_type="market", time_in_force=FOK)
    assert (sold.filled, sold.order.yes_price, sold.order.order_type) == (200, 100, "market")


# -- why an order that does not rest ended -------------------------------------------------------------------------


def ended(ledger: Ledger, done) -> tuple:
    order = ledger.state.all_orders[done.order.order_id]
    return order.status, order.last_update_reason, order.remaining, order.held


def test_an_order_filled_whole_ends_executed_for_a_trade(ledger: Ledger):
    assert ended(ledger, bid(ledger, "a", 60, 5, time_in_force=IOC)) == ("executed", "Trade", 0, 0)
    assert ended(ledger, bid(ledger, "b", 60, 1, time_in_force=IOC)) == ("canceled", "ExpiryCancel", 0, 0)  # none left


def test_an_order_left_partly_unfilled_by_its_time_in_force_expires_at_once(ledger: Ledger):
    partly = bid(ledger, "a", 60, 7, time_in_force=IOC)
    assert (partly.filled, ended(ledger, partly)) == (500, ("canceled", "ExpiryCancel", 0, 0))
    killed = ask(ledger, "a", 40, 6, time_in_force=FOK)
    assert (killed.filled, ended(ledger, killed)) == (0, ("canceled", "ExpiryCancel", 0, 0))
    assert levels(ledger)[0] == [(4000, 500)]


def test_an_order_stopped_by_self_trade_prevention_ends_for_it_filled_or_not(ledger: Ledger):
    ask(ledger, "a", 55, 1)
    stopped = bid(ledger, "a", 60, 3)  # takes nothing: its own ask at 0.55 comes first
    assert (stopped.filled, ended(ledger, stopped)) == (0, ("canceled", "SelfTradeCancel", 0, 0))
    ask(ledger, "b", 50, 1)
    after_one = bid(ledger, "a", 60, 3)  # b's at 0.50, then its own
    assert (after_one.filled, ended(ledger, after_one)) == (100, ("canceled", "SelfTradeCancel", 0, 0))


def test_a_reduce_only_order_cut_to_the_position_held_ends_for_that(ledger: Ledger):
    bid(ledger, "a", 60, 2, time_in_force=IOC)  # a holds 2 YES
    ledger.liquidity.set_levels(M, [(4000, 1_000)], None)
    cut = ask(ledger, "a", 40, 5, time_in_force=IOC, reduce_only=True)
    # Filled whole once cut, it is executed; its reason stays the cut's.
    assert (cut.order.initial, cut.filled, ended(ledger, cut)) == (200, 200, ("executed", "ReduceOnlyCancel", 0, 0))
    whole = bid(ledger, "b", 60, 1, time_in_force=IOC)  # b holds 1 YES
    assert whole.filled == 100
    exact = ask(ledger, "b", 40, 1, time_in_force=IOC, reduce_only=True)  # not cut: it ends for its trade
    assert (exact.order.initial, ended(ledger, exact)) == (100, ("executed", "Trade", 0, 0))
    bid(ledger, "b", 60, 1, time_in_force=IOC)
    no_side = submit(ledger, "b", M, "no", "buy", 300, 4000, time_in_force=IOC, reduce_only=True)
    assert (no_side.order.initial, no_side.filled) == (100, 100)  # buying NO reduces b's YES too


def test_a_resting_order_publishes_its_place_and_a_partly_filled_one_its_trade(ledger: Ledger):
    seen: list = []
    ledger.state.bus.subscribe(seen.append, [ORDER], wants=lambda: True)
    ledger.state.clock.advance(seconds=1)
    placed = bid(ledger, "a", 30, 1)
    assert (placed.filled, placed.yes_value, placed.fees, placed.reduced, placed.when) == (
        0, 0, 0, 0, T0 + timedelta(seconds=1))  # fmt: skip
    assert ledger.state.accounts["a"].updated[0] == T0 + timedelta(seconds=1)  # its hold moved then
    crossed = bid(ledger, "a", 60, 7)  # 5 filled, 2 rest
    assert {c.kind for c in seen} == {ORDER}
    assert [(c.payload.order_id, c.payload.last_update_reason) for c in seen] == [
        (placed.order.order_id, None), (crossed.order.order_id, "Trade")]  # fmt: skip
    order = ledger.state.orders[crossed.order.order_id]
    assert (order.remaining, order.filled, order.held, order.maker_rule is not None) == (200, 500, 200 * 6000, True)
    assert ledger.state.positions.get("a", 0, M).resting_orders_count == 3


# -- a seeded order ------------------------------------------------------------------------------------------------


def test_a_seeded_order_rests_at_its_sides_price_lists_its_market_and_states_no_self_trade_rule(ledger: Ledger):
    ledger.state.clock.advance(seconds=1)
    seeded = ledger.trading.place_order("a", "KXNEW-26NOV-A", "no", "sell", D(3), D("0.3500"), event_ticker="KXOTHER")
    assert ledger.state.markets["KXNEW-26NOV-A"].event_ticker == "KXOTHER"
    assert (seeded.yes_price, seeded.initial, seeded.remaining, seeded.book_side, seeded.held, seeded.seeded) == (
        6500, 300, 300, "bid", 0, True)  # fmt: skip
    later = T0 + timedelta(seconds=1)
    assert (seeded.exchange_index, seeded.created, seeded.updated) == (0, later, later)
    another = ledger.trading.place_order("a", "KXNEW-26NOV-A", "no", "sell", D(1), D("0.3500"))
    assert seeded.order_id and another.order_id and seeded.order_id != another.order_id
    assert seeded.self_trade_prevention_type is None and seeded.status == "resting"
    assert ledger.feed.book_levels("KXNEW-26NOV-A") == ([(6500, 400)], [])
    named = ledger.trading.place_order("b", M, "yes", "buy", D("1.5"), D("0.3000"), order_id="seed-1", subaccount=0)
    assert (named.order_id, named.yes_price, named.remaining, "seed-1" in ledger.state.orders) == (
        "seed-1",
        3000,
        150,
        True,
    )


def test_a_seeded_order_is_refused_if_its_id_is_taken_or_it_would_take(ledger: Ledger):
    ledger.trading.place_order("a", M, "yes", "buy", D(1), D("0.3000"), order_id="seed-1")
    before = state(ledger)
    with pytest.raises(LedgerError) as taken:
        ledger.trading.place_order("b", M, "yes", "buy", D(1), D("0.3000"), order_id="seed-1")
    assert (taken.value.status, str(taken.value)) == (409, "order 'seed-1' already exists")
    with pytest.raises(LedgerError) as crossing:
        ledger.trading.place_order("b", M, "no", "buy", D(1), D("0.6000"))  # a YES ask at 0.40: the house's bid
    assert (crossing.value.status, str(crossing.value)) == (409, (
        "a seeded order rests and never takes: ask at 0.4000 would cross the book of 'KXORD-26NOV-A' (place it "
        "through the API to trade, or seed the trade as fills)"))  # fmt: skip
    assert state(ledger) == before
    assert ledger.trading.place_order("b", M, "no", "buy", D(1), D("0.5900")).yes_price == 4100  # just clear of the bid
    ledger.lifecycle.pause_market(M)
    with pytest.raises(LedgerError) as paused:
        ledger.trading.place_order("b", M, "yes", "buy", D(1), D("0.3000"))
    assert (paused.value.status, str(paused.value)) == (409, "market 'KXORD-26NOV-A' is paused")


# -- what rests, and what a cross sets off ---------------------------------------------------------------------------


def test_a_resting_order_pays_maker_fees_by_the_schedule_in_force_when_it_began_to_rest():
    ledger = new_ledger("a", "b")
    rest = bid(ledger, "a", 30, 2)
    ledger.catalogue.put_series(SetSeries("KXORD", fee_type="quadratic_with_maker_fees"))
    later = bid(ledger, "a", 31, 2)
    ask(ledger, "b", 30, 4, time_in_force=IOC)
    rule = ledger.catalogue.fee_rule_for(M, None)
    orders = ledger.state.all_orders
    assert (orders[rest.order.order_id].maker_fees, orders[later.order.order_id].maker_fees) == (
        0, rule.fee_units(200, 3100, False))  # fmt: skip


def test_the_resting_contracts_of_a_market_position_stay_within_their_bound_an_amend_too():
    ledger = new_ledger()
    ledger.open_account("a", balance=D(10**12))
    first = submit(ledger, "a", M, "yes", "buy", MOST - 100, 100)  # a contract short of the most one order may be
    submit(ledger, "a", M, "yes", "buy", MOST, 200)
    submit(ledger, "a", M, "yes", "buy", 100, 300)  # 2,000,000,000 contracts rest: the bound
    with pytest.raises(LedgerError) as refused:
        submit(ledger, "a", M, "yes", "buy", 100, 300)
    assert "would take this market position's resting contracts to 2000000001" in str(refused.value)
    moved = amend(ledger, first.order.order_id, "a", 0, M, "yes", "buy", 300, MOST - 100)  # its own count counted once
    assert moved.order.yes_price == 300
    with pytest.raises(LedgerError) as grown:
        amend(ledger, first.order.order_id, "a", 0, M, "yes", "buy", 300, MOST)  # a contract more
    assert "would take this market position's resting contracts to 2000000001" in str(grown.value)
    assert ledger.state.positions.get("a", 0, M).resting_orders_count == 2 * 10**9


def test_a_cross_that_takes_an_order_group_past_its_limit_triggers_it_once_the_command_is_done(ledger: Ledger):
    group = ledger.groups.create_order_group(CreateOrderGroup("a", contracts_limit=2))  # 2 contracts
    resting = bid(ledger, "a", 30, 1, order_group_id=group.group_id)
    taken = bid(ledger, "a", 60, 3, order_group_id=group.group_id, time_in_force=IOC)
    assert taken.filled == 300 and ledger.state.all_orders[resting.order.order_id].status == "canceled"
    assert ledger.groups.order_group(group.group_id, "a", 0).triggered
    amended_group = ledger.groups.create_order_group(CreateOrderGroup("b", contracts_limit=1))
    kept = bid(ledger, "b", 20, 1, order_group_id=amended_group.group_id)
    moving = bid(ledger, "b", 30, 3, order_group_id=amended_group.group_id)
    amend(ledger, moving.order.order_id, "b", 0, M, "yes", "buy", 6000, 300)  # takes the house's last 2 at 0.60
    assert ledger.state.all_orders[kept.order.order_id].status == "canceled"
    assert ledger.groups.order_group(amended_group.group_id, "b", 0).triggered


def test_orders_take_their_ids_as_the_ledger_draws_them_as_text_too():
    drawn = iter(range(1, 100))
    ledger = Ledger(clock=ManualClock(T0), ids=lambda: f"id-{next(drawn)}")
    for user in ("a", "b"):
        ledger.open_account(user, balance=D(100))
    ledger.catalogue.list_market(M)
    rest = ask(ledger, "a", 50, 1)
    taken = bid(ledger, "b", 50, 1)
    first = int(rest.order.order_id.removeprefix("id-"))
    assert taken.order.order_id == f"id-{first + 1}"
    assert sorted((f.user_id, f.order_id, f.fill_id) for f in ledger.state.fills) == [
        ("a", f"id-{first}", f"id-{first + 2}"), ("b", f"id-{first + 1}", f"id-{first + 2}")]  # fmt: skip


# -- an FCM subtrader's order ----------------------------------------------------------------------------------------


def test_an_fcm_subtraders_order_is_refused_in_a_blocked_category_and_past_its_daily_cap_through_a_bound_key():
    ledger = new_ledger()
    ledger.open_account("fcm", fcm_member=True)
    sub = ledger.fcm.create_subtrader(CreateFCMSubtrader("fcm", "s1")).user_id
    ledger.transfer(SeedTransfer("deposit", sub, 10_000))
    ledger.catalogue.put_event(SetEvent("KXORD-26NOV", category="Sports"))
    ledger.fcm.block_category(UpdateFCMSubtraderBlockedCategories("fcm", sub, "Sports", True))

    def order(cents: int, count: int, action: str = "buy", **options) -> object:
        return submit(ledger, sub, M, "yes", action, count, cents * 100, **options)

    with pytest.raises(LedgerError) as blocked:
        order(50, 100)
    assert (blocked.value.status, blocked.value.code, str(blocked.value)) == (
        403, "forbidden", "the event category 'Sports' is blocked for 'fcm_s1'")  # fmt: skip
    ledger.fcm.block_category(UpdateFCMSubtraderBlockedCategories("fcm", sub, "Sports", False))
    assert order(50, 100).order.status == "resting"  # no cap asked of a key not bound to it
    with pytest.raises(LedgerError) as uncapped:
        order(50, 100, fcm_bound=True)
    assert str(uncapped.value) == "'fcm_s1' has no event-contract daily cap"
    resting = 100 * 5000 + ledger.state.fee_schedule.fee_units(100, 5000, True)
    sell = 100 * 4000 + ledger.state.fee_schedule.fee_units(100, 6000, True)  # NO bought at 0.40
    ledger.fcm.set_cap(UpdateFCMEventContractDailyCap("fcm", sub, resting + sell - 1))
    with pytest.raises(LedgerError) as short:
        order(60, 100, "sell", fcm_bound=True)  # its value and its taker fee: a micro-dollar past the cap
    assert str(short.value) == "the order would pass the daily cap"
    ledger.fcm.set_cap(UpdateFCMEventContractDailyCap("fcm", sub, resting + sell))
    assert order(60, 100, "sell", fcm_bound=True).order.status == "resting"  # the cap to the micro-dollar
    with pytest.raises(LedgerError) as capped:
        order(60, 1, "sell", fcm_bound=True)
    assert (capped.value.code, str(capped.value)) == ("forbidden", "the order would pass the daily cap")
