"""Deribit orders placed, edited, cancelled and read on the Deribit exchange (core/deribit/order_entry.py): an order's
terms checked with the words and params the venue sends on, its id drawn or given, the order as it rests and the
change published; an edit in place or re-entered; cancelling one or many by filter, past `DEEP` as a long command;
the order history, an order's trades and the open orders read by filter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from deribit_orders import edit_order, submit_order

from mockexchange.core import stepping
from mockexchange.core.clock import ManualClock
from mockexchange.core.deribit import order_entry
from mockexchange.core.deribit.bounds import ExchangeError
from mockexchange.core.deribit.exchange import DeribitExchange
from mockexchange.core.deribit.order_commands import CancelDeribitOrders
from mockexchange.core.deribit.order_entry import (
    cancel_order,
    cancel_orders,
    find_order,
    open_orders,
    order_history,
    order_trades,
    reading_open,
)
from mockexchange.core.deribit.orders import DerivativeOrder
from mockexchange.core.events import Change

D = Decimal
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LATER = START + timedelta(minutes=1)
PERP, LINEAR, CALL = "BTC-PERPETUAL", "BTC_USDC-PERPETUAL", "BTC-27MAR26-60000-C"


class Venue:
    """A book with alice (2001, subaccount 2002) and bob (3001), and the order changes it publishes."""

    def __init__(self) -> None:
        self.clock = ManualClock(START)
        self.exchange = DeribitExchange(clock=self.clock)
        self.exchange.accounts.open_account("alice", account_id=2001, balances={"BTC": D(10), "USDC": D(100_000)})
        self.exchange.accounts.add_subaccount("alice", subaccount_id=2002)
        self.exchange.accounts.open_account("bob", account_id=3001, balances={"BTC": D(10), "USDC": D(100_000)})
        self.exchange.market.set_index_price("btc_usd", D(50_000))
        self.published: list[Change] = []
        self.exchange.state.bus.subscribe(self.published.append, ["derivatives.order"])

    def place(self, direction: str, amount: str, price: str | None, name: str = PERP, **terms: Any) -> DerivativeOrder:
        user = terms.pop("user", "alice")
        order, _ = submit_order(self.exchange, user, name, direction, D(amount), None if price is None else D(price),
                                **terms)  # fmt: skip
        return order

    def changes(self) -> list[tuple[str, str]]:
        return [(c.payload.order_id, c.payload.order_state) for c in self.published]

    def refused(self, command: Any, *args: Any, **kwargs: Any) -> ExchangeError:
        """The refusal of the command, which changes no order."""
        orders = None if self.exchange.state.orders is None else dict(self.exchange.state.orders.orders)
        published = len(self.published)
        with pytest.raises(ExchangeError) as refusal:
            command(self.exchange, *args, **kwargs)
        assert (None if self.exchange.state.orders is None else dict(self.exchange.state.orders.orders)) == orders
        assert len(self.published) == published
        return refusal.value


@pytest.fixture
def venue() -> Venue:
    return Venue()


def said(error: ExchangeError) -> tuple[str, int, str | None, str | None]:
    return str(error), error.status, error.reason, error.param


# -- placing -------------------------------------------------------------------------------------------------------


def test_a_limit_order_rests_with_its_terms(venue: Venue) -> None:
    order = venue.place("buy", "100", "40000", label="mine", max_show=D(50), api=False)
    assert order == DerivativeOrder(
        "1", "alice", 2001, PERP, "buy", D(100), D(40000), "limit", "open", "good_til_cancelled", "mine", False, False,
        False, D(50), None, None, START, START,
    )  # fmt: skip
    assert order_entry.find_order(venue.exchange, "1") == order and venue.changes() == [("1", "open")]
    assert venue.place("sell", "10", "60000", subaccount_id=2002).max_show == 10  # all of it shown


def test_a_stop_order_waits_untriggered(venue: Venue) -> None:
    order = venue.place("buy", "10", None, order_type="stop_market", trigger="mark_price", trigger_price=D(55000),
                        time_in_force="good_til_day", reduce_only=True)  # fmt: skip
    assert (order.order_state, order.trigger, order.trigger_price, order.price) == (
        "untriggered", "mark_price", D(55000), None
    )  # fmt: skip
    assert (order.time_in_force, order.reduce_only, order.created) == ("good_til_day", True, START)
    assert venue.changes() == [("1", "untriggered")] and venue.published[0].user_id == "alice"
    assert venue.exchange.state.orders is not None and venue.exchange.state.orders.books == {}  # off the book


def test_order_ids_are_drawn_past_the_ones_given(venue: Venue) -> None:
    assert venue.place("buy", "10", "40000", order_id="2").order_id == "2"
    assert [venue.place("buy", "10", "40000").order_id for _ in range(2)] == ["1", "3"]
    assert venue.place("buy", "10", "40000", order_id="x" * 64).order_id == "x" * 64
    for given, words, status in [
        ("3", "order id '3' is taken", 409),
        ("", "order_id must be a non-empty string of at most 64 characters, not ''", 400),
        ("x" * 65, f"order_id must be a non-empty string of at most 64 characters, not '{'x' * 40}'... (65 characters)",
         400),
    ]:  # fmt: skip
        error = venue.refused(submit_order, "alice", PERP, "buy", D(10), D(40000), order_id=given)
        assert said(error) == (words, status, None, None if status == 409 else "order_id")


def terms_refused(venue: Venue, *args: Any, **terms: Any) -> tuple[str, int, str | None, str | None]:
    return said(venue.refused(submit_order, "alice", *args, **terms))


@pytest.mark.parametrize(
    ("args", "terms", "words", "param"),
    [
        (("hold", D(10), D(1)), {}, "direction must be one of 'buy', 'sell', not 'hold'", "direction"),
        (
            ("buy", D(10), D(1)), {"order_type": "iceberg"},
            "order_type must be one of 'limit', 'stop_limit', 'take_limit', 'stop_market', 'take_market', "
            "'trailing_stop', 'market', 'market_limit', not 'iceberg'", "type",
        ),
        (
            ("buy", D(10), D(1)), {"time_in_force": "forever"},
            "time_in_force must be one of 'good_til_cancelled', 'good_til_day', 'fill_or_kill', 'immediate_or_cancel', "
            "not 'forever'", "time_in_force",
        ),
        (
            ("buy", D(10), D(1)), {"order_type": "stop_limit", "time_in_force": "fill_or_kill", "trigger":
                                   "index_price", "trigger_price": D(1)},
            "time_in_force must be one of good_til_cancelled, good_til_day for a stop_limit order", "time_in_force",
        ),
        (("buy", D(10), None), {"order_type": "limit"}, "a limit order needs a price", "price"),
        (("buy", D(10), D(1)), {"order_type": "market"}, "a market order has no price", "price"),
        (
            ("buy", D(10), D(1)), {"order_type": "stop_market", "trigger": "index_price", "trigger_price": D(1)},
            "a stop_market order has no price", "price",
        ),
        (("buy", D(10), D(1)), {"trigger": "index_price"}, "a limit order has no trigger or trigger_price", "trigger"),
        (("buy", D(10), D(1)), {"trigger_price": D(1)}, "a limit order has no trigger or trigger_price", "trigger"),
        (
            ("buy", D(10), None), {"order_type": "market", "trigger_price": D(1)},
            "a market order has no trigger or trigger_price", "trigger",
        ),
        (
            ("buy", D(10), D(1)), {"order_type": "take_limit", "trigger_price": D(1)},
            "a take_limit order needs a trigger: one of index_price, mark_price, last_price", "trigger",
        ),
        (
            ("buy", D(10), D(1)), {"order_type": "take_limit", "trigger": "last_price"},
            "a take_limit order needs a trigger_price", "trigger_price",
        ),
        (("buy", D(10), None), {"post_only": True, "order_type": "market"}, "post_only applies to orders with a "
                                                                             "price", None),
        (
            ("buy", D(10), None), {"post_only": True, "order_type": "take_market", "trigger": "index_price",
                                   "trigger_price": D(1)}, "post_only applies to orders with a price", None,
        ),
        (
            ("buy", D(10), D(1)), {"label": "x" * 65},
            f"label must be a non-empty string of at most 64 characters, not '{'x' * 40}'... (65 characters)", "label",
        ),
    ],
)  # fmt: skip
def test_an_orders_terms_are_checked(venue: Venue, args: tuple, terms: dict, words: str, param: str | None) -> None:
    assert terms_refused(venue, PERP, *args, **terms) == (words, 400, None, param)


def test_the_bounds_of_an_orders_numbers(venue: Venue) -> None:
    for args, terms, param in [
        ((D(0), D(1)), {}, "amount"),
        ((D(10**9 + 10), D(1)), {}, "amount"),
        ((D(10), D(0)), {}, "price"),
        ((D(10), D(10**7 + 1)), {}, "price"),
        ((D(10), D(1)), {"order_type": "stop_limit", "trigger": "index_price", "trigger_price": D(0)},
         "trigger_price"),
        ((D(10), D(1)), {"max_show": D(11)}, "max_show"),
        ((D(10), D(1)), {"max_show": D(-1)}, "max_show"),
    ]:  # fmt: skip
        words, status, _, named = terms_refused(venue, PERP, "buy", *args, **terms)
        assert (named, status) == (param, 400) and words.startswith(f"{param} must be from"), words
    assert venue.place("buy", "10", "0.5", max_show=D(0)).max_show == 0
    assert venue.place("sell", "1", "10000000", LINEAR, post_only=True).price == D(10_000_000)
    assert venue.place("buy", "1000000000", "0.5", trigger_price=None).amount == D(10**9)


def test_an_order_off_the_grid_or_past_its_expiry(venue: Venue) -> None:
    assert terms_refused(venue, PERP, "buy", D(15), D(50000)) == (
        "amount must be a multiple of 10 for BTC-PERPETUAL", 400, "invalid_amount", None
    )  # fmt: skip
    assert terms_refused(venue, PERP, "buy", D(10), D("50000.25")) == (
        "price 50000.25 is not a multiple of BTC-PERPETUAL's tick size 0.5", 400, "price_wrong_tick", None
    )  # fmt: skip
    stop_terms = {"order_type": "stop_limit", "trigger": "index_price", "trigger_price": D("50000.25")}
    assert terms_refused(venue, PERP, "buy", D(10), D(50000), **stop_terms) == (
        "trigger_price 50000.25 is not a multiple of BTC-PERPETUAL's tick size 0.5", 400, "price_wrong_tick", None
    )  # fmt: skip
    venue.clock.set(datetime(2026, 3, 27, 8, 0, tzinfo=UTC))
    assert terms_refused(venue, CALL, "buy", D(1), D("0.01")) == (f"{CALL} has expired", 409, None, None)
    venue.clock.set(datetime(2026, 3, 27, 7, 59, tzinfo=UTC))
    venue.exchange.market.list_instrument("BTC-27MAR26-70000-C")
    assert venue.place("buy", "1", "0.01", "BTC-27MAR26-70000-C").order_state == "open"


def test_a_wallet_rests_a_bounded_number_of_orders(venue: Venue, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(order_entry, "MAX_OPEN_PER_INSTRUMENT", 2)
    monkeypatch.setattr(order_entry, "MAX_OPEN_PER_ACCOUNT", 3)
    venue.place("buy", "10", "40000")
    venue.place("buy", "10", "40000")
    assert terms_refused(venue, PERP, "buy", D(10), D(40000)) == (
        "account 2001 has 2 open orders on BTC-PERPETUAL, the most one account may", 409,
        "max_open_orders_per_instrument", None,
    )  # fmt: skip
    # What does not rest is not counted against it.
    assert venue.place("buy", "10", "40000", time_in_force="immediate_or_cancel").order_state == "cancelled"
    venue.place("buy", "1", "40000", LINEAR, subaccount_id=2002)
    assert terms_refused(venue, CALL, "buy", D(1), D("0.01")) == (
        "'alice' has 3 open orders, its main account's and its subaccounts' together, the most the mock keeps for one "
        "account: cancel some first", 409, "pme_max_total_open_orders", None,
    )  # fmt: skip
    assert venue.place("buy", "10", "40000", user="bob").order_state == "open"


# -- editing -------------------------------------------------------------------------------------------------------


def test_an_order_made_smaller_at_its_price_keeps_its_place(venue: Venue) -> None:
    first = venue.place("buy", "100", "40000")
    venue.place("buy", "100", "40000", user="bob")
    venue.clock.set(LATER)
    edited, trades = edit_order(venue.exchange, first.order_id, D(50), D(40000))
    assert trades == [] and (edited.amount, edited.max_show, edited.replaced, edited.updated) == (
        D(50),
        50,
        True,
        LATER,
    )
    assert venue.exchange.state.orders is not None and venue.exchange.state.orders.books[PERP].levels("bid") == [
        (80000, 15)
    ]
    assert venue.changes()[-1] == (first.order_id, "open")
    _, trades = submit_order(venue.exchange, "alice", PERP, "sell", D(50), D(40000), subaccount_id=2002)
    assert [t.amount for t in trades] == [D(50)] and find_order(venue.exchange, first.order_id).order_state == "filled"


@pytest.mark.parametrize(
    ("amount", "terms"), [("150", {}), ("50", {"post_only": True})], ids=["larger", "now post-only"]
)
def test_any_other_edit_goes_behind_the_others(venue: Venue, amount: str, terms: dict) -> None:
    first = venue.place("buy", "100", "40000")
    second = venue.place("buy", "100", "40000", user="bob")
    edit_order(venue.exchange, first.order_id, D(amount), D(40000), **terms)
    _, trades = submit_order(venue.exchange, "alice", PERP, "sell", D(100), D(40000), subaccount_id=2002)
    assert [(t.amount, t.price) for t in trades] == [(D(100), D(40000))]
    assert find_order(venue.exchange, second.order_id).order_state == "filled"
    assert find_order(venue.exchange, first.order_id).order_state == "open"


def test_an_edit_that_crosses_trades(venue: Venue) -> None:
    venue.place("sell", "100", "41000", user="bob")
    bid = venue.place("buy", "100", "40000")
    edited, trades = edit_order(venue.exchange, bid.order_id, D(100), D(41000))
    assert [(t.amount, t.price) for t in trades] == [(D(100), D(41000))] and edited.order_state == "filled"


def test_a_hidden_order_stays_hidden_through_an_edit(venue: Venue) -> None:
    order = venue.place("buy", "100", "40000", max_show=D(30))
    assert edit_order(venue.exchange, order.order_id, D(50), D(40000))[0].max_show == D(30)
    assert edit_order(venue.exchange, order.order_id, D(20), D(40000))[0].max_show == D(20)


def test_an_untriggered_order_changes_its_terms_in_place(venue: Venue) -> None:
    order = venue.place("sell", "10", "45000", order_type="stop_limit", trigger="index_price", trigger_price=D(46000))
    edited, trades = edit_order(venue.exchange, order.order_id, D(20), D(44000), trigger_price=D(45000),
                                reduce_only=True, post_only=True, reject_post_only=True)  # fmt: skip
    assert trades == [] and edited.order_state == "untriggered"
    assert (edited.amount, edited.price, edited.trigger_price, edited.reduce_only) == (D(20), D(44000), 45000, True)
    assert (edited.post_only, edited.reject_post_only) == (True, True)
    assert venue.exchange.state.orders is not None and venue.exchange.state.orders.waiting == {
        (PERP, "index_price", False): [(D(-45000), START, order.order_id)]
    }  # fmt: skip
    error = venue.refused(edit_order, order.order_id, D(20), D(44000), trigger_price=D(10**7 + 1))
    assert said(error)[0].startswith("trigger_price must be from") and error.param == "trigger_price"
    limit = venue.place("buy", "10", "40000")
    assert edit_order(venue.exchange, limit.order_id, D(10), D(40000), trigger_price=D(1))[0].trigger_price is None


def test_an_edit_is_refused(venue: Venue) -> None:
    assert said(venue.refused(edit_order, "9", D(10), D(1))) == ("unknown order_id '9'", 404, "order_not_found", None)
    order = venue.place("buy", "100", "40000")
    submit_order(venue.exchange, "bob", PERP, "sell", D(30), D(40000))
    assert said(venue.refused(edit_order, "9", D(10), D(1)))[2] == "order_not_found"
    assert said(venue.refused(edit_order, order.order_id, D(30), D(40000))) == (
        "amount 30 is not more than the 30 filled already", 400, None, None
    )  # fmt: skip
    assert said(venue.refused(edit_order, order.order_id, D(40), None)) == (
        "a limit order needs a price", 400, None, "price"
    )  # fmt: skip
    assert said(venue.refused(edit_order, order.order_id, D(0), D(40000)))[3] == "amount"
    assert said(venue.refused(edit_order, order.order_id, D(45), D(40000)))[2] == "invalid_amount"
    assert said(venue.refused(edit_order, order.order_id, D(40), D("40000.1")))[2] == "price_wrong_tick"
    assert edit_order(venue.exchange, order.order_id, D(40), D(40000))[0].remaining == 10
    cancel_order(venue.exchange, order.order_id)
    assert said(venue.refused(edit_order, order.order_id, D(50), D(40000))) == (
        "order '1' is cancelled already", 409, "already_closed", None
    )  # fmt: skip


# -- cancelling ----------------------------------------------------------------------------------------------------


def test_cancelling_an_order(venue: Venue) -> None:
    assert said(venue.refused(cancel_order, "1")) == ("unknown order_id '1'", 404, "order_not_found", None)
    order = venue.place("buy", "100", "40000")
    venue.clock.set(LATER)
    cancelled = cancel_order(venue.exchange, order.order_id)
    assert (cancelled.order_state, cancelled.cancel_reason, cancelled.updated) == ("cancelled", "user_request", LATER)
    assert find_order(venue.exchange, order.order_id) == cancelled and venue.changes()[-1] == ("1", "cancelled")
    assert venue.published[-1].user_id == "alice"
    assert said(venue.refused(cancel_order, "1")) == ("order '1' is cancelled already", 409, "already_closed", None)


def placed_for_cancelling(venue: Venue) -> dict[str, str]:
    return {
        "perp": venue.place("buy", "10", "40000", label="a").order_id,
        "perp stop": venue.place(
            "buy", "10", "60000", order_type="stop_limit", trigger="index_price", trigger_price=D(60000), label="a"
        ).order_id,  # fmt: skip
        "linear": venue.place("buy", "1", "40000", LINEAR, label="b").order_id,
        "call": venue.place("buy", "1", "0.01", CALL, label="a").order_id,
        "sub": venue.place("buy", "10", "40000", subaccount_id=2002, label="a").order_id,
    }


@pytest.mark.parametrize(
    ("filters", "cancelled"),
    [
        ({}, ["perp", "perp stop", "linear", "call"]),
        ({"currency": "BTC"}, ["perp", "perp stop", "call"]),
        ({"kind": "option"}, ["call"]),
        ({"instrument_name": PERP}, ["perp", "perp stop"]),
        ({"label": "a"}, ["perp", "perp stop", "call"]),
        ({"order_types": ("stop_limit",)}, ["perp stop"]),
        ({"currency": "BTC", "kind": "future", "label": "a", "order_types": ("limit",)}, ["perp"]),
    ],
)
def test_cancelling_by_filter(venue: Venue, filters: dict, cancelled: list[str]) -> None:
    placed = placed_for_cancelling(venue)
    names = {order_id: name for name, order_id in placed.items()}
    done = cancel_orders(venue.exchange, CancelDeribitOrders("alice", **filters))
    assert [names[o.order_id] for o in done] == cancelled and all(o.order_state == "cancelled" for o in done)
    assert [names[i] for i, _ in venue.changes()[len(placed) :]] == cancelled
    left = [names[o.order_id] for o in open_orders(venue.exchange, 2001)]
    assert left == [name for name in placed if name not in cancelled and name != "sub"]


def test_cancelling_many_runs_long(venue: Venue, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past `DEEP` orders, cancelling them is a long command: reads of other users go in between."""
    monkeypatch.setattr(order_entry, "DEEP", 2)
    long_at: list[bool] = []
    venue.exchange.state.bus.subscribe(
        lambda _: long_at.append(venue.exchange.lock.running_long), ["derivatives.order"]
    )
    for _ in range(2):
        venue.place("buy", "10", "40000")
    cancel_orders(venue.exchange, CancelDeribitOrders("alice"))
    assert long_at == [False, False, False, False]
    for _ in range(3):
        venue.place("buy", "10", "40000")
    long_at.clear()
    assert len(cancel_orders(venue.exchange, CancelDeribitOrders("alice"))) == 3 and long_at == [True, True, True]
    assert not venue.exchange.lock.running_long


# -- reads ---------------------------------------------------------------------------------------------------------


def test_the_order_history_and_an_orders_trades(venue: Venue) -> None:
    assert order_history(venue.exchange, 2001) == [] and order_trades(venue.exchange, "1") == []
    placed = placed_for_cancelling(venue)
    submit_order(venue.exchange, "bob", PERP, "sell", D(20), D(40000))  # fills "perp" and "sub"
    venue.clock.set(LATER)
    submit_order(venue.exchange, "bob", LINEAR, "sell", D("0.5"), D(40000))  # half of "linear"
    cancel_orders(venue.exchange, CancelDeribitOrders("alice"))
    names = {order_id: name for name, order_id in placed.items()}
    history = order_history(venue.exchange, 2001)
    assert [names[o.order_id] for o in history] == ["linear", "perp"]  # newest first; unfilled left out
    every = order_history(venue.exchange, 2001, include_unfilled=True)
    assert [names[o.order_id] for o in every] == ["call", "linear", "perp stop", "perp"]
    assert [names[o.order_id] for o in order_history(venue.exchange, 2001, since=LATER)] == ["linear"]
    assert [names[o.order_id] for o in order_history(venue.exchange, 2001, currency="USDC")] == ["linear"]
    assert [names[o.order_id] for o in order_history(venue.exchange, 2001, kind="option", include_unfilled=True)] == [
        "call"
    ]  # fmt: skip
    assert [names[o.order_id] for o in order_history(venue.exchange, 2001, instrument_name=PERP)] == ["perp"]
    assert [names[o.order_id] for o in order_history(venue.exchange, 2002)] == ["sub"]
    (fill,) = order_trades(venue.exchange, placed["perp"])
    assert (fill.order_id, fill.amount, fill.liquidity, fill.user_id) == (placed["perp"], D(10), "M", "alice")
    assert order_trades(venue.exchange, placed["call"]) == [] and order_trades(venue.exchange, "nope") == []


def test_open_orders_by_filter_with_a_step_each(venue: Venue) -> None:
    assert open_orders(venue.exchange, 2001) == []
    placed = placed_for_cancelling(venue)
    names = {order_id: name for name, order_id in placed.items()}
    steps: list[int] = []
    found = open_orders(venue.exchange, 2001, currency="BTC", step=lambda: steps.append(1))
    assert [names[o.order_id] for o in found] == ["perp", "perp stop", "call"] and len(steps) == 4
    assert [names[o.order_id] for o in open_orders(venue.exchange, 2001, kind="future")] == [
        "perp",
        "perp stop",
        "linear",
    ]
    assert [names[o.order_id] for o in open_orders(venue.exchange, 2001, instrument_name=LINEAR)] == ["linear"]
    assert [names[o.order_id] for o in open_orders(venue.exchange, 2002)] == ["sub"]


def test_reading_many_open_orders_is_long(venue: Venue, monkeypatch: pytest.MonkeyPatch) -> None:
    with reading_open(venue.exchange, "alice", [2001]) as step:
        assert step is None  # no order yet
    monkeypatch.setattr(order_entry, "DEEP", 2)
    venue.place("buy", "10", "40000")
    venue.place("buy", "10", "40000", subaccount_id=2002)
    with reading_open(venue.exchange, "alice", [2001, 2002]) as step:
        assert step is None and not venue.exchange.lock.running_long
    venue.place("buy", "1", "40000", LINEAR)
    with reading_open(venue.exchange, "alice", [2001, 2002]) as step:
        assert step == venue.exchange.lock.step and venue.exchange.lock.running_long
    token = venue.exchange.lock.admit(lambda: stepping.Footprint.of())
    assert token is not None
    try:
        with pytest.raises(stepping.MustStep), reading_open(venue.exchange, "alice", [2001, 2002]):
            pass
    finally:
        venue.exchange.lock.discharge(token)


def test_reads_of_a_book_with_no_order_yet(venue: Venue) -> None:
    assert find_order(venue.exchange, "1") is None and open_orders(venue.exchange, 2001) == []


def test_the_history_since_a_time_holds_orders_closed_after_a_clock_set_back(venue: Venue) -> None:
    venue.clock.set(LATER)
    late = venue.place("buy", "10", "40000")
    cancel_order(venue.exchange, late.order_id)
    venue.clock.set(START)  # back: the next order closes earlier than the last
    early = venue.place("buy", "10", "40000")
    cancel_order(venue.exchange, early.order_id)
    found = order_history(venue.exchange, 2001, include_unfilled=True, since=LATER)
    assert [o.order_id for o in found] == [late.order_id]
    every = order_history(venue.exchange, 2001, include_unfilled=True)
    assert [o.order_id for o in every] == [late.order_id, early.order_id]  # by the time of their change


def test_a_command_that_must_start_again_waits_on_the_books_lock(venue: Venue, monkeypatch: pytest.MonkeyPatch) -> None:
    """A restarting command (core/stepping.py) is called on the book: on `Restart` it waits on the book's lock for the
    admitted operations, then runs again from the start, nothing changed by its first start."""
    crossed = order_entry.crossing
    starts: list[int] = []

    def restarted_once(*args: Any, **kwargs: Any) -> Any:
        starts.append(1)
        if len(starts) == 1:
            raise stepping.Restart()
        return crossed(*args, **kwargs)

    monkeypatch.setattr(order_entry, "crossing", restarted_once)
    order = venue.place("buy", "10", "40000")
    assert order.order_state == "open" and len(starts) == 2 and venue.changes() == [(order.order_id, "open")]
