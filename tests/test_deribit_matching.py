"""Deribit orders matching on the venue-neutral book (core/deribit/matching.py): fills at the resting prices level by
level, both sides down apply_trade, maker and taker fees with the options cap, post-only, fill-or-kill,
immediate-or-cancel, self-trade prevention, reduce-only, the funds check; one `derivatives.order` change per order
change."""

from __future__ import annotations

from decimal import Decimal

import pytest
from deribit_orders import submit_order

from mockexchange.core.clock import ManualClock
from mockexchange.core.deribit.bounds import ExchangeError
from mockexchange.core.deribit.instruments import parse_instrument_name
from mockexchange.core.deribit.matching import amount_units, fee, price_ticks
from mockexchange.core.deribit.order_entry import cancel_order
from mockexchange.server import MockServer

PERP = "BTC-PERPETUAL"
D = Decimal


@pytest.fixture
def mock():
    with MockServer(clock=ManualClock()) as server:
        for user in ("alice", "bob", "carol"):
            server.create_deribit_account(user, balances={"BTC": "10", "USDC": "100000"})
        yield server


def changes(mock, kind="derivatives.order"):
    seen = []
    mock.exchange.state.bus.subscribe(lambda change: seen.append(change) if change.kind == kind else None)
    return seen


def test_a_crossing_order_fills_at_the_resting_prices_level_by_level(mock):
    first = mock.deribit_order("alice", PERP, "sell", "100", "60000")
    mock.deribit_order("bob", PERP, "sell", "100", "60010")
    mock.deribit_order("alice", PERP, "sell", "100", "60020")
    seen = changes(mock)
    order, trades = submit_order(mock.exchange, "carol", PERP, "buy", D(150), D(60015), check_funds=True)
    assert [(t.price, t.amount, t.liquidity) for t in trades] == [(D(60000), D(100), "T"), (D(60010), D(50), "T")]
    assert order.order_state == "filled" and order.filled_amount == 150
    assert order.average_price == D("60003.33333333")
    # Each trade is one id and sequence for both sides.
    makers = [t for t in mock.exchange.state.trades if t.liquidity == "M"]
    assert [(t.trade_id, t.trade_seq, t.user_id) for t in makers] == [
        (t.trade_id, t.trade_seq, u) for t, u in zip(trades, ("alice", "bob"), strict=True)
    ]
    # Futures: the taker pays 0.05% of the coin notional, the maker nothing.
    assert trades[0].fee == (D("0.0005") * 100 / 60000).quantize(D("1e-8")) and all(t.fee == 0 for t in makers)
    # One change per order: the two makers (one filled, one partly) and the taker.
    assert [(c.payload.order_id, c.payload.order_state) for c in seen] == [
        (first["order_id"], "filled"), ("2", "open"), (order.order_id, "filled")
    ]  # fmt: skip
    assert mock.exchange.state.orders.books[PERP].levels("ask") == [(120020, 5), (120040, 10)]
    sizes = [mock.exchange.valuation.position(u, PERP).size for u in ("alice", "bob", "carol")]
    assert sizes == [-100, -50, 150] and sum(sizes) == 0


def test_what_is_left_rests_and_a_seeded_order_that_crosses_trades(mock):
    mock.deribit_order("alice", PERP, "sell", "100", "60000")
    crossing = mock.deribit_order("bob", PERP, "buy", "300", "60000")  # seeded, and still it takes
    assert crossing["order_state"] == "open"
    assert mock.exchange.valuation.position("bob", PERP).size == 100
    assert mock.exchange.state.orders.books[PERP].levels("bid") == [(120000, 20)]
    assert mock.exchange.state.orders.books[PERP].levels("ask") == []


def test_immediate_or_cancel_fill_or_kill_and_market_orders_never_rest(mock):
    mock.deribit_order("alice", PERP, "sell", "100", "60000")
    ioc, _ = submit_order(mock.exchange, "bob", PERP, "buy", D(200), D(60000), time_in_force="immediate_or_cancel")
    assert (ioc.order_state, ioc.filled_amount, ioc.cancel_reason) == ("cancelled", 100, "immediate_or_cancel")
    mock.deribit_order("alice", PERP, "sell", "100", "60000")
    fok, trades = submit_order(mock.exchange, "bob", PERP, "buy", D(200), D(60000), time_in_force="fill_or_kill")
    assert (fok.order_state, fok.filled_amount, trades) == ("cancelled", 0, [])
    market, trades = submit_order(mock.exchange, "bob", PERP, "buy", D(200), None, order_type="market")
    assert (market.order_state, market.filled_amount, len(trades)) == ("cancelled", 100, 1)
    assert len(mock.exchange.state.orders.books[PERP]) == 0


def test_post_only_is_moved_a_tick_off_or_refused(mock):
    mock.deribit_order("alice", PERP, "sell", "100", "60000")
    moved, trades = submit_order(mock.exchange, "bob", PERP, "buy", D(100), D(60100), post_only=True)
    assert (moved.price, moved.order_state, trades) == (D("59999.5"), "open", [])
    with pytest.raises(ExchangeError) as refused:
        submit_order(mock.exchange, "bob", PERP, "buy", D(100), D(60100), post_only=True, reject_post_only=True)
    assert refused.value.reason == "post_only_reject"


def test_an_order_never_trades_with_its_own_wallet(mock):
    mock.deribit_order("alice", PERP, "sell", "100", "60000")
    mine, trades = submit_order(mock.exchange, "alice", PERP, "buy", D(100), D(60000))
    assert (mine.order_state, mine.cancel_reason, trades) == ("cancelled", "self_trade", [])
    assert mock.exchange.state.orders.books[PERP].levels("ask") == [(120000, 10)]


def test_reduce_only_takes_no_more_than_the_position(mock):
    mock.deribit_order("alice", PERP, "sell", "300", "60000")
    submit_order(mock.exchange, "bob", PERP, "buy", D(100), D(60000))
    closing, trades = submit_order(mock.exchange, "bob", PERP, "sell", D(300), D(59000), reduce_only=True)
    assert trades == [] and closing.order_state == "open"  # nothing to take on the bid side: it rests
    cancel_order(mock.exchange, closing.order_id)
    mock.deribit_order("carol", PERP, "buy", "500", "59000")
    closing, trades = submit_order(
        mock.exchange, "bob", PERP, "sell", D(300), None, order_type="market", reduce_only=True
    )
    assert [t.amount for t in trades] == [D(100)] and closing.order_state == "cancelled"
    assert mock.exchange.valuation.position("bob", PERP).size == 0


def test_the_taker_needs_the_funds(mock):
    mock.create_deribit_account("poor", balances={"BTC": "0.0001"})
    mock.deribit_order("alice", PERP, "sell", "100000", "60000")
    with pytest.raises(ExchangeError) as refused:
        submit_order(mock.exchange, "poor", PERP, "buy", D(100000), D(60000), check_funds=True)
    assert refused.value.reason == "not_enough_funds"
    assert mock.exchange.state.orders.books[PERP].levels("ask") == [(120000, 10000)]  # nothing happened
    submit_order(mock.exchange, "poor", PERP, "buy", D(100000), D(60000))  # the control plane's seeding is not checked


def test_ticks_units_and_fees():
    perp, option = parse_instrument_name(PERP), parse_instrument_name("BTC-25DEC26-60000-C")
    assert price_ticks(perp, D("60000.5")) == 120001 and amount_units(perp, D(150)) == 15
    for bad in (D("60000.25"), D("-1")):
        with pytest.raises(ExchangeError) as refused:
            price_ticks(perp, bad)
        assert refused.value.reason == "price_wrong_tick"
    with pytest.raises(ExchangeError) as refused:
        amount_units(perp, D(15))
    assert refused.value.reason == "invalid_amount"
    # Options: 0.03% of the underlying, at most 12.5% of the premium.
    assert fee(option, True, D(1), D("0.05"), None) == D("0.0003")
    assert fee(option, True, D(1), D("0.001"), None) == D("0.000125")
    linear = parse_instrument_name("BTC_USDC-25DEC26-60000-C")
    assert fee(linear, False, D("0.1"), D(1000), D(60000)) == D("1.8")


def test_cancelling_takes_the_order_out_of_the_book(mock):
    resting = mock.deribit_order("alice", PERP, "sell", "100", "60000")
    mock.deribit_cancel_order(resting["order_id"])
    assert len(mock.exchange.state.orders.books[PERP]) == 0
    _, trades = submit_order(mock.exchange, "bob", PERP, "buy", D(100), D(60000))
    assert trades == []
