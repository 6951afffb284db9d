"""Deribit's resting orders as the Deribit exchange keeps them (core/deribit/orders.py): each wallet's open orders and
the sums kept beside them as orders open, change and close; the stop and take orders waiting on their trigger and
which of them a price reaches; the orders an expiry cancels; and the initial margin open orders hold, side by side,
per instrument and per currency, worked out by hand from the module's rule."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from deribit_orders import edit_order, submit_order

from mockexchange.core.clock import ManualClock
from mockexchange.core.deribit import derivatives as d
from mockexchange.core.deribit import triggers
from mockexchange.core.deribit.exchange import DeribitExchange
from mockexchange.core.deribit.order_entry import cancel_order
from mockexchange.core.deribit.orders import (
    COIN_PLACE,
    DerivativeOrder,
    DerivativeOrders,
    Lots,
    instrument_margin,
    lots_margin,
    rises,
    side_margin,
)

D = Decimal
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PERP, LINEAR, FUTURE = "BTC-PERPETUAL", "BTC_USDC-PERPETUAL", "BTC-6MAR26"
CALL = "BTC-27MAR26-60000-C"
EXPIRY = datetime(2026, 3, 6, 8, 0, tzinfo=UTC)  # BTC-6MAR26's


@pytest.fixture
def exchange() -> DeribitExchange:
    made = DeribitExchange(clock=ManualClock(START))
    made.accounts.open_account("alice", account_id=2001, balances={"BTC": D(10), "USDC": D(100_000)})
    made.accounts.add_subaccount("alice", subaccount_id=2002)
    made.accounts.open_account("bob", account_id=3001, balances={"BTC": D(10), "USDC": D(100_000)})
    made.market.set_index_price("btc_usd", D(50_000))
    return made


def kept(exchange: DeribitExchange) -> DerivativeOrders:
    assert exchange.state.orders is not None
    return exchange.state.orders


def place(exchange: DeribitExchange, direction: str, amount: str, price: str | None, name: str = PERP, **terms) -> str:
    order, _ = submit_order(exchange, terms.pop("user", "alice"), name, direction, D(amount),
                            None if price is None else D(price), **terms)  # fmt: skip
    return order.order_id


def stop(exchange: DeribitExchange, kind: str, direction: str, trigger_price: str, trigger: str = "index_price") -> str:
    return place(exchange, direction, "10", "50000", order_type=f"{kind}_limit", trigger=trigger,
                 trigger_price=D(trigger_price))  # fmt: skip


# -- open orders and their sums ------------------------------------------------------------------------------------


def test_a_wallets_open_orders_and_what_they_reserve(exchange: DeribitExchange) -> None:
    first = place(exchange, "buy", "100", "40000")
    second = place(exchange, "sell", "0.5", "60000", LINEAR)
    third = place(exchange, "buy", "30", "41000")
    other = place(exchange, "buy", "20", "40000", subaccount_id=2002)
    orders = kept(exchange)
    assert [o.order_id for o in orders.of_wallet(2001)] == [first, second, third]
    assert [o.order_id for o in orders.of_wallet(2001, PERP)] == [first, third]
    assert orders.of_wallet(2001, FUTURE) == [] and orders.of_wallet(4242) == []
    assert (orders.open_on(2001, PERP), orders.open_on(2001, LINEAR), orders.open_on(2001, FUTURE)) == (2, 1, 0)
    assert (orders.open_on(2002, PERP), orders.open_on(4242, PERP)) == (1, 0)
    assert (orders.open_in([2001]), orders.open_in([2001, 2002]), orders.open_in([4242])) == (3, 4, 0)
    assert orders.reserved == {2001: D("130.5"), 2002: D(20)}
    # An edit keeps its place and its sums follow it; a close takes them out.
    edit_order(exchange, first, D(60), D(40000))
    assert [o.order_id for o in orders.of_wallet(2001)] == [first, second, third]
    assert orders.reserved[2001] == D("90.5")
    assert orders.held[2001][PERP].buys == Lots.of([(D(60), D(40000)), (D(30), D(41000))])
    cancel_order(exchange, first)
    assert [o.order_id for o in orders.of_wallet(2001, PERP)] == [third] and orders.reserved[2001] == D("30.5")
    cancel_order(exchange, third)
    assert PERP not in orders.held[2001] and orders.open_on(2001, PERP) == 0
    cancel_order(exchange, second)
    assert 2001 not in orders.open and 2001 not in orders.held and 2001 not in orders.reserved
    assert [o.order_id for o in orders.closed_of(2001)] == [first, third, second]
    assert orders.closed_of(2002) == [] and orders.open_in([2002]) == 1
    assert other in orders.orders


def test_the_book_of_an_instrument_is_made_once(exchange: DeribitExchange) -> None:
    orders = DerivativeOrders()
    made = orders.book_of(PERP)
    assert orders.book_of(PERP) is made and orders.books == {PERP: made}


def test_lots_sum_exactly_in_and_out() -> None:
    lots = Lots()
    lots.add(D(10), D(3))
    lots.add(D(20), D(7))
    # Each lot's coins to COIN_PLACE, 1e-50: 10/3 + 20/7.
    assert (lots.amount, lots.value) == (D(30), D(170)) and lots.coins.as_tuple().exponent == COIN_PLACE.adjusted()
    assert lots.coins == D("6.19047619047619047619047619047619047619047619047619")
    lots.add(D(10), D(3), -1)
    assert lots == Lots.of([(D(20), D(7))]) and lots.coins == D("2.85714285714285714285714285714285714285714285714286")
    lots.add(D(20), D(7), -1)
    assert (lots.amount, lots.value, lots.coins) == (0, 0, 0)


def test_a_filled_order_is_closed_once(exchange: DeribitExchange) -> None:
    resting = place(exchange, "sell", "100", "50000")
    place(exchange, "buy", "100", "50000", user="bob")
    orders = kept(exchange)
    assert orders.orders[resting].order_state == "filled" and orders.open_in([2001]) == 0
    assert [o.order_id for o in orders.closed_of(2001)] == [resting]
    orders.close(orders.orders[resting], exchange.state.history_size)  # written again: not closed a second time
    assert [o.order_id for o in orders.closed_of(2001)] == [resting]


def test_an_account_keeps_its_newest_closed_orders() -> None:
    small = DeribitExchange(clock=ManualClock(START), history_size=2)
    small.accounts.open_account("alice", balances={"BTC": D(10)})
    placed = [place(small, "buy", "10", str(40000 + i)) for i in range(3)]
    for order_id in placed:
        cancel_order(small, order_id)
    orders = kept(small)
    assert [o.order_id for o in orders.closed_of(1001)] == placed[1:] and placed[0] not in orders.orders


# -- stop and take orders waiting ----------------------------------------------------------------------------------


def test_which_way_a_trigger_faces(exchange: DeribitExchange) -> None:
    up = [stop(exchange, "stop", "buy", "55000"), stop(exchange, "take", "sell", "56000")]
    down = [stop(exchange, "stop", "sell", "45000"), stop(exchange, "take", "buy", "44000")]
    orders = kept(exchange)
    assert [rises(orders.orders[i]) for i in up + down] == [True, True, False, False]
    assert orders.waiting == {
        (PERP, "index_price", True): [(D(55000), START, up[0]), (D(56000), START, up[1])],
        (PERP, "index_price", False): [(D(-45000), START, down[0]), (D(-44000), START, down[1])],
    }
    assert orders.reserved[2001] == D(40)
    assert orders.held[2001][PERP].buys == Lots() and orders.held[2001][PERP].sells == Lots()  # they hold no margin


@pytest.mark.parametrize(
    ("price", "due"),
    [("49999.5", []), ("55000", ["stop buy"]), ("56000", ["stop buy", "take sell"]), ("45000", ["stop sell"]),
     ("44000", ["stop sell", "take buy"]), ("45000.5", []), (None, [])],
)  # fmt: skip
def test_a_trigger_is_due_at_its_price_and_beyond(exchange: DeribitExchange, price: str | None, due: list[str]) -> None:
    made = {
        f"{k} {w}": stop(exchange, k, w, p)
        for k, w, p in [
            ("stop", "buy", "55000"),
            ("take", "sell", "56000"),
            ("stop", "sell", "45000"),
            ("take", "buy", "44000"),
        ]
    }
    stop(exchange, "stop", "buy", "1", trigger="mark_price")  # watched: nothing yet
    names = {order_id: name for name, order_id in made.items()}
    watched = {"index_price": None if price is None else D(price)}
    found = kept(exchange).due(lambda name, trigger: watched.get(trigger))
    assert [names[o.order_id] for o in found] == due


def test_cancelling_a_waiting_order_stops_its_watch(exchange: DeribitExchange) -> None:
    first, second = stop(exchange, "stop", "buy", "55000"), stop(exchange, "stop", "buy", "55000")
    orders = kept(exchange)
    cancel_order(exchange, first)
    assert orders.waiting == {(PERP, "index_price", True): [(D(55000), START, second)]}
    cancel_order(exchange, second)
    assert orders.waiting == {}


# -- expiry --------------------------------------------------------------------------------------------------------


def test_an_expiry_cancels_the_instruments_open_orders(exchange: DeribitExchange) -> None:
    ending = [place(exchange, "buy", "10", "40000", FUTURE), place(exchange, "sell", "20", "60000", FUTURE, user="bob")]
    staying = place(exchange, "buy", "10", "40000")
    steps = []
    orders = kept(exchange)
    ended = orders.expire(FUTURE, EXPIRY, exchange.state.history_size, lambda: steps.append(1))
    assert [(o.order_id, o.order_state, o.cancel_reason, o.updated) for o in ended] == [
        (ending[0], "cancelled", "session_end", EXPIRY), (ending[1], "cancelled", "session_end", EXPIRY)
    ]  # fmt: skip
    assert steps == [1, 1] and FUTURE not in orders.books and PERP in orders.books
    assert [o.order_id for o in orders.of_wallet(2001)] == [staying]
    assert [o.order_id for o in orders.closed_of(3001)] == [ending[1]]
    assert orders.expire(PERP, EXPIRY, exchange.state.history_size)[0].order_id == staying  # no step: a short command


# -- margin --------------------------------------------------------------------------------------------------------


def future_rate(coins: Decimal) -> Decimal:
    return D("0.02") + coins * D("0.00005")


def test_inverse_future_orders_hold_margin_on_the_larger_side(exchange: DeribitExchange) -> None:
    place(exchange, "buy", "10000", "50000")
    place(exchange, "buy", "10000", "40000")
    place(exchange, "sell", "10000", "60000")
    place(exchange, "sell", "10000", "62500", reduce_only=True)  # holds none
    coins = D(10_000) / 50_000 + D(10_000) / 40_000  # 0.45
    expected = coins * future_rate(coins)
    orders = kept(exchange)
    assert orders.margin(exchange.market, exchange.valuation, "alice", 2001) == expected
    assert orders.margin(exchange.market, exchange.valuation, "alice", 2001, PERP) == expected
    assert orders.margin(exchange.market, exchange.valuation, "alice", 2001, currency="BTC") == expected
    assert orders.margin(exchange.market, exchange.valuation, "alice", 2001, currency="USDC") == 0
    assert (
        orders.margin(exchange.market, exchange.valuation, "alice", 2001, LINEAR) == 0
        and orders.margin(exchange.market, exchange.valuation, "alice", 2002) == 0
    )
    assert exchange.valuation.position("alice", PERP).open_orders_margin == expected


def test_a_position_takes_off_what_reduces_it(exchange: DeribitExchange) -> None:
    place(exchange, "sell", "6000", "50000", user="bob")
    place(exchange, "buy", "6000", "50000")  # alice long 6000
    place(exchange, "sell", "10000", "50000")  # 6000 of it closes the long: 4000 adds, 40% of its coins
    coins = D("0.4") * D(10_000) / 50_000
    assert kept(exchange).margin(exchange.market, exchange.valuation, "alice", 2001) == coins * future_rate(coins)
    place(exchange, "buy", "20000", "40000")  # nothing to reduce on this side: all of it adds
    coins = D(20_000) / 40_000
    assert kept(exchange).margin(exchange.market, exchange.valuation, "alice", 2001) == coins * future_rate(coins)


def test_linear_future_orders_hold_usdc(exchange: DeribitExchange) -> None:
    place(exchange, "buy", "0.5", "50000", LINEAR)
    place(exchange, "buy", "0.3", "40000", LINEAR)
    expected = D(37_000) * future_rate(D("0.8"))  # 0.5 * 50000 + 0.3 * 40000 USDC, 0.8 coin
    orders = kept(exchange)
    assert orders.margin(exchange.market, exchange.valuation, "alice", 2001, currency="USDC") == expected
    assert orders.margin(exchange.market, exchange.valuation, "alice", 2001, currency="BTC") == 0
    place(exchange, "sell", "0.4", "50000", LINEAR, user="bob")  # takes 0.4 of alice's bid: she is long 0.4
    assert kept(exchange).margin(exchange.market, exchange.valuation, "bob", 3001) == 0
    expected = (D("0.1") * 50_000 + D("0.3") * 40_000) * future_rate(D("0.4"))
    assert orders.margin(exchange.market, exchange.valuation, "alice", 2001, LINEAR) == expected


def test_option_buys_hold_their_premium_and_sells_a_short_options_margin(exchange: DeribitExchange) -> None:
    place(exchange, "buy", "2", "0.01", CALL)
    place(exchange, "buy", "1", "0.02", CALL)
    orders = kept(exchange)
    assert orders.margin(exchange.market, exchange.valuation, "alice", 2001) == D("0.04")
    place(exchange, "sell", "3", "0.5", CALL, user="bob")
    short = d.margins(
        exchange.market.instrument(CALL), D(-3), exchange.market.mark_price(CALL), D(50_000), exchange.state.rates
    )
    assert orders.margin(exchange.market, exchange.valuation, "bob", 3001) == short.initial_margin > 0
    assert side_margin(
        exchange.market, exchange.market.instrument(CALL), D(1), Lots.of([(D(3), D("0.5"))]), "sell"
    ) == (
        d.margins(
            exchange.market.instrument(CALL), D(-2), exchange.market.mark_price(CALL), D(50_000), exchange.state.rates
        ).initial_margin
    )  # a long of 1 takes 1 off what the sells add


def make(order_id: str, direction: str, amount: str, price: str | None, **terms) -> DerivativeOrder:
    fields = {"order_state": "open", "reduce_only": False, "trigger": None, "trigger_price": None, **terms}
    return DerivativeOrder(order_id, "alice", 2001, PERP, direction, D(amount), None if price is None else D(price),
                           "limit", time_in_force="good_til_cancelled", label="", post_only=False, api=True,
                           max_show=D(amount), created=START, updated=START, **fields)  # fmt: skip


def test_the_margin_of_a_list_of_orders_counts_only_what_holds(exchange: DeribitExchange) -> None:
    instrument = exchange.market.list_instrument(PERP)
    orders = [
        make("1", "buy", "10000", "50000"),
        make("2", "buy", "10000", "40000", filled_amount=D(5000)),  # its remaining 5000
        make("3", "sell", "90000", "50000", reduce_only=True),
        make("4", "sell", "90000", "50000", order_state="untriggered"),
        make("5", "sell", "90000", None),
        make("6", "sell", "5000", "50000"),
    ]
    coins = D("0.2") + D("0.125")
    assert instrument_margin(exchange.market, instrument, D(0), orders) == coins * future_rate(coins)
    sells = Lots.of([(D(5000), D(50_000))])
    assert lots_margin(exchange.market, instrument, D(0), Lots(), sells) == D("0.1") * future_rate(D("0.1"))
    # A short of 20000 is reduced by the buys: nothing left to add, and the sells' side is the larger.
    assert instrument_margin(exchange.market, instrument, D(-20_000), orders) == D("0.1") * future_rate(D("0.1"))


def test_a_side_that_only_reduces_holds_nothing(exchange: DeribitExchange) -> None:
    instrument = exchange.market.list_instrument(PERP)
    lots = Lots.of([(D(10_000), D(50_000))])
    assert side_margin(exchange.market, instrument, D(-10_000), lots, "buy") == 0
    assert side_margin(exchange.market, instrument, D(10_000), lots, "sell") == 0
    assert side_margin(exchange.market, instrument, D(10_000), lots, "buy") == D("0.2") * future_rate(D("0.2"))
    assert side_margin(exchange.market, instrument, D(-9_000), lots, "buy") == D("0.02") * future_rate(D("0.02"))


def test_each_account_keeps_its_own_closed_orders() -> None:
    small = DeribitExchange(clock=ManualClock(START), history_size=2)
    for user in ("alice", "bob"):
        small.accounts.open_account(user, balances={"BTC": D(10)})
    for user in ("bob", "bob", "alice", "alice"):
        cancel_order(small, place(small, "buy", "10", "40000", user=user))
    assert [o.order_id for o in kept(small).closed_of(1002)] == ["1", "2"]  # bob's, whatever alice closes


def test_a_look_for_due_orders_passes_over_a_price_not_known_yet(exchange: DeribitExchange) -> None:
    stop(exchange, "stop", "buy", "1", trigger="last_price")  # no trade yet: nothing to watch
    waiting = stop(exchange, "stop", "buy", "55000")
    watched = {"index_price": D(60_000), "last_price": None}
    assert [o.order_id for o in kept(exchange).due(lambda name, trigger: watched[trigger])] == [waiting]


def test_an_expiry_with_no_order_on_the_instrument(exchange: DeribitExchange) -> None:
    place(exchange, "buy", "10", "40000")
    stop(exchange, "stop", "buy", "55000")
    assert kept(exchange).expire(FUTURE, EXPIRY, exchange.state.history_size) == []
    assert kept(exchange).open_in([2001]) == 2


def test_a_subaccounts_orders_are_margined_against_its_own_position(exchange: DeribitExchange) -> None:
    place(exchange, "sell", "6000", "50000", user="bob")
    place(exchange, "buy", "6000", "50000", subaccount_id=2002)  # the subaccount is long 6000, the main account flat
    place(exchange, "sell", "10000", "50000", subaccount_id=2002)
    coins = D("0.4") * D(10_000) / 50_000
    assert kept(exchange).margin(exchange.market, exchange.valuation, "alice", 2002) == coins * future_rate(coins)


def test_the_books_own_margin_rates_are_used() -> None:
    rates = d.MarginRates(future_initial=D("0.1"), future_step_per_coin=D(0), option_initial=D("0.3"),
                          option_initial_floor=D("0.2"))  # fmt: skip
    exchange = DeribitExchange(clock=ManualClock(START), rates=rates)
    exchange.accounts.open_account("alice", balances={"BTC": D(10)})
    exchange.market.set_index_price("btc_usd", D(50_000))
    place(exchange, "buy", "10000", "50000")
    assert kept(exchange).margin(exchange.market, exchange.valuation, "alice", 1001) == D("0.02")  # 0.2 coin at 10%
    place(exchange, "sell", "1", "0.5", CALL)
    short = d.margins(exchange.market.instrument(CALL), D(-1), exchange.market.mark_price(CALL), D(50_000), rates)
    assert kept(exchange).margin(exchange.market, exchange.valuation, "alice", 1001, CALL) == short.initial_margin
    assert short != d.margins(exchange.market.instrument(CALL), D(-1), exchange.market.mark_price(CALL), D(50_000))


def test_a_fired_reduce_only_stop_rests_and_waits_no_more(exchange: DeribitExchange) -> None:
    place(exchange, "sell", "100", "50000", user="bob")
    place(exchange, "buy", "100", "50000")  # alice long 100
    order_id = place(exchange, "sell", "100", "61000", order_type="stop_limit", trigger="index_price",
                     trigger_price=D(55_000), reduce_only=True)  # fmt: skip
    ((fired, _),) = triggers.fire(exchange)  # a stop sell: the index, 50000, is at or below it
    assert (fired.order_id, fired.order_state, fired.triggered) == (order_id, "open", True)
    assert kept(exchange).waiting == {} and kept(exchange).due(lambda name, trigger: D(50_000)) == []
