"""A Deribit order crossing its instrument's book, on the Deribit exchange itself (core/deribit/matching.py): the grid
and its refusals in the words the venue sends, the fee of each kind of fill and its rounding, what a taker order
ends as and why, the maker orders it fills, the post-only and reduce-only rules at their edges, the balance and funds
checks, and a crossing past `DEEP` resting orders run as a long command over who it touches."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from deribit_orders import edit_order, submit_order

from mockexchange.core.clock import ManualClock
from mockexchange.core.deribit import matching, triggers
from mockexchange.core.deribit.bounds import MAX_BALANCE, MAX_TRADED, ExchangeError
from mockexchange.core.deribit.exchange import DeribitExchange
from mockexchange.core.deribit.instruments import parse_instrument_name
from mockexchange.core.deribit.matching import amount_units, at_tick, fee, price_ticks
from mockexchange.core.deribit.order_entry import find_order
from mockexchange.core.deribit.orders import DerivativeOrder
from mockexchange.core.deribit.records import DeribitTrade
from mockexchange.core.events import Change
from mockexchange.core.stepping import Footprint, MustStep

D = Decimal
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LATER = START + timedelta(minutes=1)
PERP, LINEAR, CALL = "BTC-PERPETUAL", "BTC_USDC-PERPETUAL", "BTC-27MAR26-60000-C"
LINEAR_CALL = "BTC_USDC-27MAR26-60000-C"


class Venue:
    """A book with alice, bob and carol (10 BTC and 100000 USDC each; alice has subaccount 2002), the index at 50000,
    and the order changes it publishes."""

    def __init__(self) -> None:
        self.clock = ManualClock(START)
        self.exchange = DeribitExchange(clock=self.clock)
        for user, wallet in (("alice", 2001), ("bob", 3001), ("carol", 4001)):
            self.exchange.accounts.open_account(user, account_id=wallet, balances={"BTC": D(10), "USDC": D(100_000)})
        self.exchange.accounts.add_subaccount("alice", subaccount_id=2002)
        self.exchange.market.set_index_price("btc_usd", D(50_000))
        self.published: list[Change] = []
        self.exchange.state.bus.subscribe(self.published.append, ["derivatives.order"])

    def order(
        self, user: str, direction: str, amount: str, price: str | None, name: str = PERP, **terms: Any
    ) -> tuple[DerivativeOrder, list[DeribitTrade]]:
        if price is None:
            terms.setdefault("order_type", "market")
        return submit_order(
            self.exchange, user, name, direction, D(amount), None if price is None else D(price), **terms
        )

    def size(self, user: str, name: str = PERP, wallet: int | None = None) -> Decimal:
        return self.exchange.valuation.position(user, name, wallet).size

    def asks(self, name: str = PERP) -> list[tuple[int, int]]:
        assert self.exchange.state.orders is not None
        return self.exchange.state.orders.books[name].levels("ask")

    def bids(self, name: str = PERP) -> list[tuple[int, int]]:
        assert self.exchange.state.orders is not None
        return self.exchange.state.orders.books[name].levels("bid")


@pytest.fixture
def venue() -> Venue:
    return Venue()


def ended(order: DerivativeOrder) -> tuple[str, str | None, Decimal]:
    return order.order_state, order.cancel_reason, order.filled_amount


# -- the grid and the fees -----------------------------------------------------------------------------------------


def test_the_grid_in_the_venues_words() -> None:
    perp = parse_instrument_name(PERP)
    with pytest.raises(ExchangeError) as refused:
        price_ticks(perp, D("60000.25"))
    assert str(refused.value) == "price 60000.25 is not a multiple of BTC-PERPETUAL's tick size 0.5"
    with pytest.raises(ExchangeError) as refused:
        price_ticks(perp, D(0), "trigger_price")
    assert str(refused.value) == "trigger_price 0 is not a multiple of BTC-PERPETUAL's tick size 0.5"
    assert (price_ticks(perp, D("0.5")), amount_units(perp, D(10))) == (1, 1)
    for bad in (D(15), D(0), D(-10)):
        with pytest.raises(ExchangeError) as refused:
            amount_units(perp, bad)
        assert str(refused.value) == f"amount {bad:f} is not a multiple of BTC-PERPETUAL's minimum trade amount 10"
        assert refused.value.reason == "invalid_amount"


def test_a_price_on_the_grid_is_written_plainly() -> None:
    perp, call = parse_instrument_name(PERP), parse_instrument_name(CALL)
    assert str(at_tick(perp, 120_000)) == "60000" and str(at_tick(perp, 120_001)) == "60000.5"
    assert str(at_tick(call, 2)) == "0.001" and str(at_tick(call, 20)) == "0.01"


@pytest.mark.parametrize(
    ("name", "taker", "amount", "price", "index", "charged"),
    [
        (PERP, True, "100", "60000", None, "0.00000083"),  # 0.0005 * 100 / 60000 = 8.33e-7
        (PERP, False, "100", "60000", None, "0"),
        (LINEAR, True, "0.1", "60000", None, "3.00000000"),  # 0.0005 * 0.1 * 60000
        (CALL, False, "2", "0.05", None, "0.0006"),  # 0.0003 * 2 coins
        (CALL, True, "2", "0.001", None, "0.00025"),  # capped: 0.125 * 0.001 * 2
        (LINEAR_CALL, True, "0.1", "1000", "60000", "1.8"),  # 0.0003 * 0.1 * 60000 USDC
        (LINEAR_CALL, True, "0.1", "1000", None, "0.00003"),  # no index: the coin amount
        (LINEAR_CALL, True, "1", "10", "60000", "1.25"),  # capped: 0.125 * 10 * 1
        (PERP, True, "10", "80000", None, "0.00000006"),  # 6.25e-8: half to even
        (PERP, True, "30", "80000", None, "0.00000019"),  # 1.875e-7
    ],
)
def test_a_fills_fee(name: str, taker: bool, amount: str, price: str, index: str | None, charged: str) -> None:
    instrument = parse_instrument_name(name)
    paid = fee(instrument, taker, D(amount), D(price), None if index is None else D(index))
    assert paid == D(charged) and paid.as_tuple().exponent == -8


# -- what a taker ends as ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("terms", "state"),
    [
        ({}, ("open", None, D(100))),
        ({"time_in_force": "good_til_day"}, ("open", None, D(100))),
        ({"time_in_force": "immediate_or_cancel"}, ("cancelled", "immediate_or_cancel", D(100))),
        ({"order_type": "market", "price": None}, ("cancelled", "market_order_unfilled", D(100))),
    ],
)
def test_what_is_left_of_a_taker(venue: Venue, terms: dict, state: tuple) -> None:
    venue.order("bob", "sell", "100", "60000")
    terms = dict(terms)  # (the parameter's own dict is shared by every run of the case)
    price = terms.pop("price", "60000")
    order, trades = venue.order("alice", "buy", "300", price, **terms)
    assert ended(order) == state and [t.amount for t in trades] == [D(100)]
    assert venue.published[-1].payload == order and (order.updated, order.average_price) == (START, D(60000))


def test_fill_or_kill_takes_all_or_nothing(venue: Venue) -> None:
    venue.order("bob", "sell", "100", "60000")
    venue.order("carol", "sell", "100", "60010")
    order, trades = venue.order("alice", "buy", "210", "60010", time_in_force="fill_or_kill")
    assert ended(order) == ("cancelled", "fill_or_kill", D(0)) and trades == []
    assert venue.asks() == [(120000, 10), (120020, 10)] and find_order(venue.exchange, order.order_id) == order
    order, trades = venue.order("alice", "buy", "200", "60010", time_in_force="fill_or_kill")
    assert ended(order) == ("filled", None, D(200)) and order.average_price == D(60005)


def test_a_taker_stopped_by_its_own_order(venue: Venue) -> None:
    venue.order("bob", "sell", "100", "60000")
    venue.order("alice", "sell", "100", "60010")
    venue.order("carol", "sell", "100", "60020")
    order, trades = venue.order("alice", "buy", "300", "60020", subaccount_id=2002)  # another wallet: it trades
    assert ended(order) == ("filled", None, D(300))
    venue.order("bob", "sell", "100", "60000")
    venue.order("alice", "sell", "100", "60010")
    order, trades = venue.order("alice", "buy", "300", "60020")
    assert ended(order) == ("cancelled", "self_trade", D(100)) and venue.asks() == [(120020, 10)]


def test_the_taker_and_makers_fills(venue: Venue) -> None:
    first, _ = venue.order("bob", "sell", "100", "60000", label="b1")
    second, _ = venue.order("bob", "sell", "100", "60010")
    third, _ = venue.order("carol", "sell", "100", "60010")
    venue.clock.set(LATER)
    venue.published.clear()
    order, trades = venue.order("alice", "buy", "250", "60010", label="mine")
    assert [(t.price, t.amount, t.liquidity, t.label, t.order_id) for t in trades] == [
        (D(60000), D(100), "T", "mine", order.order_id), (D(60010), D(100), "T", "mine", order.order_id),
        (D(60010), D(50), "T", "mine", order.order_id),
    ]  # fmt: skip
    fees = sum((t.fee for t in trades), D(0))
    assert order.commission == fees > 0 and order.updated == LATER
    assert order.average_price == ((D(60000) * 100 + D(60010) * 150) / 250).quantize(D("1e-8"))
    makers = [t for t in venue.exchange.state.trades if t.liquidity == "M"]
    assert [(t.user_id, t.order_id, t.label, t.fee) for t in makers] == [
        ("bob", first.order_id, "b1", 0), ("bob", second.order_id, "", 0), ("carol", third.order_id, "", 0)
    ]  # fmt: skip
    assert [(t.trade_id, t.trade_seq) for t in makers] == [(t.trade_id, t.trade_seq) for t in trades]
    published = [(c.payload.order_id, c.payload.order_state, c.payload.filled_amount) for c in venue.published]
    assert published == [
        (first.order_id, "filled", 100), (second.order_id, "filled", 100), (third.order_id, "open", 50),
        (order.order_id, "filled", 250),
    ]  # fmt: skip
    assert venue.published[2].user_id == "carol" and find_order(venue.exchange, third.order_id).updated == LATER
    assert (venue.size("alice"), venue.size("bob"), venue.size("carol")) == (250, -200, -50)


def test_a_makers_fills_add_to_its_order(venue: Venue) -> None:
    maker, _ = venue.order("bob", "sell", "200", "60000")
    venue.order("alice", "buy", "100", "60000")
    after = find_order(venue.exchange, maker.order_id)
    assert (after.filled_amount, after.average_price, after.order_state) == (D(100), D(60000), "open")
    venue.order("carol", "buy", "100", "60000")
    after = find_order(venue.exchange, maker.order_id)
    assert (after.filled_amount, after.order_state, after.commission) == (D(200), "filled", 0)
    venue.order("carol", "sell", "200", "61000")
    closing, trades = venue.order("bob", "buy", "150", "61000")  # bob closes 150 of his short at a loss
    loss = D(-150) * (61000 - 60000) / (60000 * 61000)
    assert closing.profit_loss == trades[0].profit_loss and closing.profit_loss.quantize(D("1e-20")) == loss.quantize(
        D("1e-20")
    )


# -- post-only and reduce-only at their edges ----------------------------------------------------------------------


def test_a_post_only_order_is_moved_a_tick_off_the_other_side(venue: Venue) -> None:
    venue.order("bob", "sell", "100", "60000")
    venue.order("bob", "buy", "100", "59000")
    ask, _ = venue.order("alice", "sell", "100", "58000", post_only=True)
    bid, _ = venue.order("carol", "buy", "100", "60500", post_only=True)
    assert (ask.price, str(ask.price), bid.price) == (D("59000.5"), "59000.5", D(59000))
    assert venue.bids() == [(118000, 20)] and venue.asks() == [(118001, 10), (120000, 10)]
    resting, _ = venue.order("carol", "buy", "100", "58500", post_only=True)  # crosses nothing: stays where it is
    assert resting.price == D(58500)


def test_a_post_only_order_with_no_tick_left_is_refused(venue: Venue) -> None:
    venue.order("bob", "sell", "10", "0.5")
    with pytest.raises(ExchangeError) as refused:
        venue.order("alice", "buy", "10", "1", post_only=True)
    assert (str(refused.value), refused.value.status, refused.value.reason) == (
        "a post_only order would take liquidity", 409, "post_only_reject"
    )  # fmt: skip
    assert venue.bids() == [] and venue.asks() == [(1, 1)]


def test_a_reduce_only_order_with_nothing_to_reduce(venue: Venue) -> None:
    venue.order("bob", "sell", "100", "60000")
    order, trades = venue.order("alice", "buy", "100", "60000", reduce_only=True)
    assert trades == [] and ended(order) == ("cancelled", "user_request", D(0)) and venue.asks() == [(120000, 10)]


def test_a_reduce_only_order_needs_no_funds(venue: Venue) -> None:
    venue.exchange.accounts.open_account("poor", balances={"BTC": D("0.001")})
    venue.order("poor", "sell", "10", "60000", check_funds=False)
    venue.order("bob", "buy", "10", "60000")
    venue.order("bob", "sell", "100000", "60000")
    order, _ = venue.order("poor", "buy", "100000", "60000", reduce_only=True, check_funds=True)
    assert ended(order) == ("cancelled", "user_request", D(10))  # nothing of the rest reduces
    assert venue.size("poor") == 0


# -- the bounds a crossing keeps -----------------------------------------------------------------------------------


def test_fills_that_would_take_a_balance_past_its_bound_are_refused_whole(venue: Venue) -> None:
    venue.exchange.accounts.wallet("alice").balances["BTC"] = MAX_BALANCE - D("0.015")
    venue.order("bob", "buy", "1", "0.01", CALL)
    venue.order("carol", "buy", "1", "0.01", CALL)
    with pytest.raises(ExchangeError) as refused:
        venue.order("alice", "sell", "2", "0.01", CALL)  # each premium fits alone, not both
    alice = venue.exchange.accounts.wallet("alice").id
    assert (str(refused.value), refused.value.status) == (
        f"this would take the BTC balance of account {alice} to 1000000000000000.0044; a balance stays within "
        "-1000000000000000 to 1000000000000000", 409
    )  # fmt: skip
    assert venue.bids(CALL) == [(20, 20)] and venue.size("alice", CALL) == 0
    order, _ = venue.order("alice", "sell", "1", "0.01", CALL)
    assert order.order_state == "filled"
    venue.exchange.accounts.wallet("bob").balances["BTC"] = -MAX_BALANCE + D(
        "0.005"
    )  # the maker's side is checked as well
    venue.order("bob", "buy", "1", "0.01", CALL)
    with pytest.raises(ExchangeError):
        venue.order("alice", "sell", "2", "0.01", CALL)  # carol's bid, then bob's
    assert venue.bids(CALL) == [(20, 20)]


def funds_refusal(venue: Venue, *args: Any) -> tuple[str, str | None]:
    with pytest.raises(ExchangeError) as refused:
        venue.order("poor", *args, check_funds=True)
    return str(refused.value), refused.value.reason


def test_a_taker_needs_funds_for_its_margin_and_fees(venue: Venue) -> None:
    venue.exchange.accounts.open_account("poor", balances={"BTC": D("0.004")})
    venue.order("bob", "sell", "100", "50000")
    # 10000 USD at its limit 50000: 0.2 coin at 2.001% initial, and the fee of the 100 it takes (0.000001).
    assert funds_refusal(venue, "buy", "10000", "50000") == (
        "the order needs 0.004003 BTC of margin and fees; 0.004 is available",
        "not_enough_funds",
    )  # fmt: skip
    # A market order is valued at the worst price it takes: a buy at its highest, a sell at its lowest.
    venue.order("bob", "sell", "100", "50010")
    assert funds_refusal(venue, "buy", "100000", None)[0].startswith("the order needs 0.0401939216236736655868")
    venue.order("carol", "buy", "100", "49000")
    venue.order("carol", "buy", "100", "48000")
    assert funds_refusal(venue, "sell", "100000", None)[0].startswith("the order needs 0.0418857405555555555555")
    venue.exchange.cash.move_cash("poor", "BTC", D("0.000003"))  # now just enough
    order, _ = venue.order("poor", "buy", "10000", "50000", check_funds=True)
    assert ended(order) == ("open", None, D(100))


def test_a_market_order_that_takes_nothing_needs_nothing(venue: Venue) -> None:
    venue.exchange.accounts.open_account("poor", balances={})
    order, trades = venue.order("poor", "buy", "100", None, check_funds=True)
    assert trades == [] and ended(order) == ("cancelled", "market_order_unfilled", D(0))
    venue.order("bob", "sell", "100", "50000")
    assert funds_refusal(venue, "buy", "100", None)[1] == "not_enough_funds"


# -- long crossings ------------------------------------------------------------------------------------------------


def test_a_crossing_past_deep_resting_orders_runs_long_over_who_it_touches(
    venue: Venue, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(matching, "DEEP", 1)
    venue.exchange.accounts.open_account("dave", balances={"BTC": D(10)})
    venue.exchange.accounts.open_account("erin", balances={"BTC": D(10)})
    venue.order("dave", "sell", "100", "50000")
    venue.order("erin", "buy", "100", "50000")  # dave and erin hold positions, nothing rests
    seen: list[tuple[bool, ...]] = []

    def look(_: Change) -> None:
        lock = venue.exchange.lock
        clear = [lock.when_clear(Footprint.of((user,)), lambda: None) for user in ("alice", "bob", "dave", "zoe")]
        markets = [lock.when_clear(Footprint.of((), (name,)), lambda: None) for name in (PERP, LINEAR)]
        seen.append((lock.running_long, *clear, *markets))

    venue.exchange.state.bus.subscribe(look, ["derivatives.order"])
    venue.order("bob", "sell", "100", "60000")
    assert seen == [(False, True, True, True, True, True, True)]  # nothing to cross
    venue.order("carol", "sell", "100", "60010")
    seen.clear()
    order, trades = venue.order("alice", "buy", "100", "60010")  # reaches one resting order: not long
    assert len(trades) == 1 and not any(s[0] for s in seen)
    venue.order("bob", "sell", "100", "60000")
    seen.clear()
    order, trades = venue.order("alice", "buy", "300", "60010")  # reaches two
    assert [t.amount for t in trades] == [D(100), D(100)] and order.order_state == "open"
    assert seen == [(True, False, False, False, True, False, True)] * 3  # two makers and the taker
    assert not venue.exchange.lock.running_long


def test_an_edit_that_crosses_far_runs_long(venue: Venue, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(matching, "DEEP", 1)
    venue.order("bob", "sell", "100", "60000")
    venue.order("carol", "sell", "100", "60010")
    bid, _ = venue.order("alice", "buy", "300", "59000")
    long_at: list[bool] = []
    venue.exchange.state.bus.subscribe(
        lambda _: long_at.append(venue.exchange.lock.running_long), ["derivatives.order"]
    )
    edited, trades = edit_order(venue.exchange, bid.order_id, D(300), D(60010))
    assert len(trades) == 2 and long_at == [True, True, True] and edited.filled_amount == 200


def test_an_inverse_option_trades_only_once_its_index_is_known() -> None:
    exchange = DeribitExchange(clock=ManualClock(START))
    for user in ("alice", "bob"):
        exchange.accounts.open_account(user, balances={"BTC": D(10)})
    submit_order(exchange, "alice", CALL, "sell", D(1), D("0.01"))
    with pytest.raises(ExchangeError) as refused:
        submit_order(exchange, "bob", CALL, "buy", D(1), D("0.01"))
    assert (str(refused.value), refused.value.status) == ("an inverse option's USD price needs the index price", 400)
    exchange.market.set_index_price("btc_usd", D(50_000))
    order, trades = submit_order(exchange, "bob", CALL, "buy", D(1), D("0.01"))
    assert order.order_state == "filled" and trades[0].index_price == D(50_000)


def test_a_far_crossing_on_an_event_loop_goes_to_a_worker_first(venue: Venue, monkeypatch: pytest.MonkeyPatch) -> None:
    """Placed inline on an event loop, an order that would cross long is refused there before it changes anything
    (`MustStep`: the loop runs it again in a worker); a stop order fired inside a command already under way crosses
    as that command runs."""
    monkeypatch.setattr(matching, "DEEP", 1)
    venue.order("bob", "sell", "100", "60000")
    venue.order("carol", "sell", "100", "60010")
    venue.order("alice", "buy", "200", "60010", order_type="stop_limit", trigger="index_price",
                trigger_price=D(55_000))  # fmt: skip
    before = (venue.asks(), len(venue.published))
    token = venue.exchange.lock.admit(lambda: Footprint.of(("zoe",)))
    assert token is not None
    try:
        with pytest.raises(MustStep):
            venue.order("alice", "buy", "200", "60010", subaccount_id=2002)
        assert (venue.asks(), len(venue.published)) == before
        venue.exchange.market.set_index_price("btc_usd", D(56_000))
        ((fired, trades),) = triggers.fire(venue.exchange)
    finally:
        venue.exchange.lock.discharge(token)
    assert ended(fired) == ("filled", None, D(200)) and len(trades) == 2


def test_how_far_a_crossing_reaches_counts_its_side_and_limit(venue: Venue, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(matching, "DEEP", 1)
    long_at: list[bool] = []
    venue.order("bob", "buy", "100", "59000")
    venue.order("carol", "buy", "100", "58990")
    venue.order("bob", "sell", "100", "60000")
    venue.order("carol", "sell", "100", "60010")
    venue.exchange.state.bus.subscribe(
        lambda _: long_at.append(venue.exchange.lock.running_long), ["derivatives.order"]
    )
    venue.order("alice", "buy", "200", "60000", time_in_force="immediate_or_cancel")  # its limit reaches one ask
    assert long_at == [False, False]
    long_at.clear()
    venue.order("alice", "sell", "300", "58990")  # both bids: long
    assert long_at == [True, True, True]


def test_a_post_only_bid_may_move_to_the_first_tick(venue: Venue) -> None:
    venue.order("bob", "sell", "10", "1")
    order, _ = venue.order("alice", "buy", "10", "2", post_only=True)
    assert (order.price, venue.bids()) == (D("0.5"), [(1, 1)])


def test_a_subaccount_reduces_its_own_position(venue: Venue) -> None:
    venue.order("bob", "sell", "100", "60000")
    venue.order("alice", "buy", "100", "60000", subaccount_id=2002)
    venue.order("carol", "buy", "300", "59000")
    order, trades = venue.order("alice", "sell", "300", "59000", subaccount_id=2002, reduce_only=True)
    assert [t.amount for t in trades] == [D(100)] and venue.size("alice", wallet=2002) == 0
    assert venue.size("alice") == 0


def test_a_reduce_only_remainder_cut_to_what_reduces_shows_no_more(venue: Venue) -> None:
    venue.order("bob", "sell", "100", "60000")
    venue.order("alice", "buy", "100", "60000")
    order, trades = venue.order("alice", "sell", "300", "61000", reduce_only=True, max_show=D(200))
    assert trades == [] and (order.amount, order.max_show, order.order_state) == (D(100), D(100), "open")


def test_the_balance_bound_follows_each_fill_of_the_crossing(venue: Venue) -> None:
    """Each fill is checked on the position and balance the fills before it leave: a long closed by the first fill
    realizes its profit once."""
    venue.order("bob", "sell", "100", "50000")
    venue.order("alice", "buy", "100", "50000")  # alice long 100 at 50000
    venue.order("bob", "buy", "100", "60000")
    venue.order("carol", "buy", "100", "60000")
    # Closing at 60000 realizes 100 * (1/50000 - 1/60000) = 0.00033333 once; the second fill opens a short.
    venue.exchange.accounts.wallet("alice").balances["BTC"] = MAX_BALANCE - D("0.0005")
    order, _ = venue.order("alice", "sell", "200", "60000")
    assert order.order_state == "filled" and venue.size("alice") == -100


def test_a_subaccounts_fills_are_checked_on_its_own_position_and_balance(venue: Venue) -> None:
    venue.order("bob", "sell", "100", "50000")
    venue.order("alice", "buy", "100", "50000", subaccount_id=2002)
    venue.order("bob", "buy", "100", "60000")
    # less than the profit closing makes
    venue.exchange.accounts.wallet("alice", 2002).balances["BTC"] = MAX_BALANCE - D("0.0002")
    with pytest.raises(ExchangeError) as refused:
        venue.order("alice", "sell", "100", "60000", subaccount_id=2002)
    assert str(refused.value) == (
        "this would take the BTC balance of account 2002 to 1000000000000000.000132503333; a balance stays within "
        "-1000000000000000 to 1000000000000000"
    )


def test_a_fill_may_take_a_balance_to_its_bound_and_its_fee_counts(venue: Venue) -> None:
    venue.order("bob", "buy", "1", "0.01", CALL)
    # + 0.01 premium - 0.0003 fee: the bound
    venue.exchange.accounts.wallet("alice").balances["BTC"] = MAX_BALANCE - D("0.0097")
    order, _ = venue.order("alice", "sell", "1", "0.01", CALL)
    assert order.order_state == "filled" and venue.exchange.accounts.wallet("alice").balance("BTC") == MAX_BALANCE
    venue.order("bob", "sell", "100", "60000")
    # its taker fee, 0.00000083, comes off
    venue.exchange.accounts.wallet("carol").balances["BTC"] = MAX_BALANCE - D("0.0000005")
    order, _ = venue.order("carol", "buy", "100", "60000")
    assert order.order_state == "filled"


def test_a_limit_order_is_margined_at_its_limit_and_a_subaccount_on_its_own(venue: Venue) -> None:
    venue.exchange.accounts.open_account("poor", balances={"BTC": D("0.004")})
    venue.order("bob", "sell", "100", "40000")
    # 10000 USD at its limit 50000, though it takes at 40000: 0.2 coin at 2.001%, and a fee of 0.00000125.
    assert funds_refusal(venue, "buy", "10000", "50000") == (
        "the order needs 0.00400325 BTC of margin and fees; 0.004 is available",
        "not_enough_funds",
    )  # fmt: skip
    venue.exchange.accounts.add_subaccount("poor", subaccount_id=5002, balances={"BTC": D("0.0001")})
    venue.exchange.cash.move_cash("poor", "BTC", D(1))  # the main account is rich, the subaccount not
    with pytest.raises(ExchangeError) as refused:
        venue.order("poor", "buy", "10000", "50000", subaccount_id=5002, check_funds=True)
    assert str(refused.value).endswith("; 0.0001 is available")


def test_a_subaccounts_position_lowers_what_its_order_holds(venue: Venue) -> None:
    venue.exchange.accounts.add_subaccount("carol", subaccount_id=4002, balances={"BTC": D("0.0045")})
    venue.order("bob", "buy", "10000", "50000")
    venue.order("carol", "sell", "10000", "50000", subaccount_id=4002)  # short 10000, holding 0.00402 of margin
    # A buy of as much only reduces it: it holds no margin, its fee is all it needs.
    venue.order("bob", "sell", "100", "50000")
    order, _ = venue.order("carol", "buy", "10000", "50000", subaccount_id=4002, check_funds=True)
    assert order.filled_amount == 100


def test_a_market_sell_that_takes_nothing_needs_nothing(venue: Venue) -> None:
    venue.exchange.accounts.open_account("poor", balances={})
    order, trades = venue.order("poor", "sell", "100", None, check_funds=True)
    assert trades == [] and ended(order) == ("cancelled", "market_order_unfilled", D(0))
    assert venue.published[-1].user_id == "poor"


def test_a_fired_order_crossing_far_runs_long_over_who_it_touches(
    venue: Venue, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(matching, "DEEP", 1)
    venue.exchange.accounts.open_account("erin", balances={"BTC": D(10)})
    for user, price in (("bob", "60000"), ("carol", "60010"), ("bob", "60020")):
        venue.order(user, "sell", "100", price)
    venue.order("alice", "buy", "300", "60000", order_type="stop_limit", trigger="index_price", trigger_price=D(55_000))
    venue.order("erin", "buy", "200", "60020", order_type="stop_limit", trigger="index_price", trigger_price=D(56_000))
    seen: list[tuple[bool, bool, bool]] = []

    def look(change: Change) -> None:
        lock = venue.exchange.lock
        seen.append((lock.running_long, *(lock.when_clear(Footprint.of((u,)), lambda: None) for u in ("erin", "zoe"))))

    venue.exchange.state.bus.subscribe(look, ["derivatives.order"])
    venue.exchange.market.set_index_price("btc_usd", D(55_000))
    ((fired, trades),) = triggers.fire(venue.exchange)  # alice's: its limit reaches one ask, not long
    assert (fired.order_state, len(trades)) == ("open", 1) and not any(s[0] for s in seen)
    seen.clear()
    venue.exchange.market.set_index_price("btc_usd", D(56_000))
    ((fired, trades),) = triggers.fire(venue.exchange)  # erin's: two asks
    assert (fired.order_state, len(trades)) == ("filled", 2)
    assert seen == [(True, False, True)] * 3  # two makers and erin's order: erin's footprint, not zoe's


def test_resting_reduce_only_orders_follow_the_position_down(venue: Venue) -> None:
    """A subaccount long 100 rests a plain bid, then reduce-only asks of 30 and 70 (showing 60): as its own sells
    shrink the long, the oldest reduce-only ask is held whole and the newest cut, then both end cancelled."""
    sub = {"subaccount_id": 2002}
    venue.order("bob", "sell", "100", "60000")
    venue.order("alice", "buy", "100", "60000", **sub)
    venue.order("alice", "buy", "10", "55000", **sub)
    first, _ = venue.order("alice", "sell", "30", "61000", reduce_only=True, **sub)
    second, _ = venue.order("alice", "sell", "70", "62000", reduce_only=True, max_show=D(60), **sub)
    venue.order("carol", "buy", "200", "59000")
    venue.clock.set(LATER)
    venue.published.clear()
    venue.order("alice", "sell", "50", "59000", **sub)
    cut = find_order(venue.exchange, second.order_id)
    assert (cut.amount, cut.max_show, cut.updated, cut.order_state) == (D(20), D(20), LATER, "open")
    assert find_order(venue.exchange, first.order_id) == first and venue.asks() == [(122000, 3), (124000, 2)]
    assert [(c.user_id, c.payload.order_id) for c in venue.published][-2:] == [("alice", second.order_id),
                                                                             ("alice", "7")]  # fmt: skip
    venue.order("alice", "sell", "50", "59000", **sub)
    for order in (first, second):
        gone = find_order(venue.exchange, order.order_id)
        assert (gone.order_state, gone.cancel_reason, gone.updated) == ("cancelled", "reduce_only", LATER)
    assert venue.asks() == [] and [(c.user_id, c.payload.order_id) for c in venue.published[-3:-1]] == [
        ("alice", first.order_id), ("alice", second.order_id)
    ]  # fmt: skip


def test_a_linear_options_fills_pay_on_the_underlying_at_the_index(venue: Venue) -> None:
    venue.exchange.market.set_index_price("btc_usdc", D(50_000))
    venue.order("bob", "sell", "0.1", "1000", LINEAR_CALL)
    _, trades = venue.order("alice", "buy", "0.1", "1000", LINEAR_CALL)
    maker = next(t for t in venue.exchange.state.trades if t.liquidity == "M")
    assert trades[0].fee == maker.fee == D("1.5")  # 0.0003 * 0.1 * 50000 USDC, each side


def test_the_taker_fee_counts_against_a_negative_balance_bound(venue: Venue) -> None:
    venue.order("bob", "sell", "100", "60000")
    venue.exchange.accounts.wallet("carol").balances["BTC"] = -MAX_BALANCE + D(
        "0.0000005"
    )  # its fee, 0.00000083, is more
    with pytest.raises(ExchangeError) as refused:
        venue.order("carol", "buy", "100", "60000")
    carol = venue.exchange.accounts.wallet("carol").id
    assert str(refused.value) == (
        f"this would take the BTC balance of account {carol} to -1000000000000000.00000033; a balance stays within "
        "-1000000000000000 to 1000000000000000"
    )


def test_each_fill_carries_its_orders_type(venue: Venue) -> None:
    venue.order("bob", "sell", "100", "60000", order_type="stop_limit", trigger="index_price", trigger_price=D(55_000))
    triggers.fire(venue.exchange)  # a stop sell: the index, 50000, is at or below it; it rests as the stop_limit it is
    _, trades = venue.order("alice", "buy", "100", None)
    maker = next(t for t in venue.exchange.state.trades if t.liquidity == "M")
    assert (trades[0].order_type, maker.order_type) == ("market", "stop_limit")


def test_a_fill_was_counted_against_the_traded_bound_when_its_order_was_placed(venue: Venue) -> None:
    """What a wallet may still trade counts its open orders' remaining amounts when they are placed (or edited): their
    fills are not counted again."""
    venue.exchange.state.traded[3001] = MAX_TRADED - 150
    venue.order("bob", "sell", "100", "60000")  # MAX_TRADED - 50 with what it may trade
    order, _ = venue.order("alice", "buy", "100", "60000")
    assert order.order_state == "filled" and venue.exchange.state.traded[3001] == MAX_TRADED - 50
    venue.order("carol", "sell", "100", "61000")
    venue.exchange.state.traded[2001] = MAX_TRADED - 150
    bid, _ = venue.order("alice", "buy", "100", "59000")
    edited, trades = edit_order(venue.exchange, bid.order_id, D(100), D(61000))  # its own 100 freed, 100 asked again
    assert edited.order_state == "filled" and venue.exchange.state.traded[2001] == MAX_TRADED - 50


def test_a_makers_fill_lands_in_its_own_wallet(venue: Venue) -> None:
    venue.order("alice", "sell", "100", "60000", subaccount_id=2002)
    venue.order("bob", "buy", "100", "60000")
    assert (venue.size("alice", wallet=2002), venue.size("alice")) == (-100, 0)
