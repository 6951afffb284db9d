"""Deribit's valuation in-process (core/deribit/valuation.py), in exact Decimals: an account summary's option figures
are the sums of its options' own (two options of one index, beside a perpetual); a pinned option mark is the one
valued; a dated future carries no perpetual's funding fields; a subaccount's liquidation estimate reads its own
balance and every other position of its wallet, whatever the order they were opened in; a simulation that does not
add leaves out the positions it does not name."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D

import pytest

from mockexchange.core.clock import ManualClock
from mockexchange.core.deribit import derivatives as d
from mockexchange.core.deribit.exchange import DeribitExchange
from mockexchange.core.deribit.records import DeribitFill
from mockexchange.core.deribit.valuation import Simulated
from mockexchange.core.events import EventBus

START = datetime(2024, 12, 26, 8, tzinfo=UTC)  # one day before BTC-27DEC24 expires
PERP, FUTURE = "BTC-PERPETUAL", "BTC-27DEC24"
CALL, PUT = "BTC-27DEC24-60000-C", "BTC-27DEC24-45000-P"


@pytest.fixture
def exchange() -> DeribitExchange:
    made = DeribitExchange(clock=ManualClock(START), bus=EventBus())
    made.accounts.open_account("alice", account_id=7, balances={"BTC": D(10), "ETH": D(10)})
    made.market.set_index_price("btc_usd", D(50_000))
    made.market.set_index_price("eth_usd", D(3_000))
    made.market.set_volatility(D("0.6"), currency="BTC")
    return made


def _fill(exchange: DeribitExchange, name: str, side: str, amount: str, price: str, **more: object) -> None:
    exchange.trading.apply_trade(DeribitFill("alice", name, side, D(amount), D(price), **more))


def test_a_summarys_option_figures_are_the_sums_of_its_options(exchange: DeribitExchange) -> None:
    _fill(exchange, PERP, "buy", "10000", "50000")
    _fill(exchange, CALL, "buy", "3", "0.01")
    _fill(exchange, PUT, "sell", "2", "0.02")
    views = {v.instrument_name: v for v in exchange.valuation.positions("alice")}
    options = [views[CALL], views[PUT]]
    summary = exchange.valuation.account_summary("alice", "BTC")
    values = [v.size * v.mark_price for v in options]
    assert summary.options_value == sum(values) != values[0]
    assert summary.options_pl == sum(v.total_profit_loss for v in options)
    sums = {greek: sum(getattr(v, greek) for v in options) for greek in ("delta", "gamma", "vega", "theta")}
    assert (summary.options_delta, summary.options_gamma, summary.options_vega, summary.options_theta) == (
        sums["delta"], sums["gamma"], sums["vega"], sums["theta"]
    )  # fmt: skip
    assert all(getattr(options[1], greek) for greek in sums)  # (the second option moves each sum)
    assert (summary.options_gamma_map, summary.options_vega_map, summary.options_theta_map) == (
        {"btc_usd": sums["gamma"]}, {"btc_usd": sums["vega"]}, {"btc_usd": sums["theta"]}
    )  # fmt: skip
    assert summary.delta_total_map == {"btc_usd": sums["delta"] + views[PERP].delta}


def test_a_pinned_option_mark_is_the_one_valued(exchange: DeribitExchange) -> None:
    _fill(exchange, CALL, "buy", "3", "0.01")
    modelled = exchange.valuation.position("alice", CALL).mark_price
    exchange.market.set_mark_price(CALL, D("0.05"))
    pinned = exchange.valuation.position("alice", CALL)
    assert pinned.mark_price == D("0.05") != modelled
    assert exchange.valuation.account_summary("alice", "BTC").options_value == 3 * D("0.05")


def test_a_dated_future_has_no_funding_fields(exchange: DeribitExchange) -> None:
    _fill(exchange, FUTURE, "buy", "1000", "50000")
    _fill(exchange, PERP, "buy", "1000", "50000")
    dated, perpetual = exchange.valuation.position("alice", FUTURE), exchange.valuation.position("alice", PERP)
    assert (dated.realized_funding, dated.interest_value) == (None, None)
    assert (perpetual.realized_funding, perpetual.interest_value) == (D(0), D(0))


def test_a_liquidation_estimate_reads_its_own_wallet_whatever_the_order_of_its_positions(
    exchange: DeribitExchange,
) -> None:
    """A subaccount (2 BTC, 10 ETH) opens an ETH perpetual, then a BTC future it closes, then a short call, then the
    BTC perpetual whose estimate is read: the estimate counts the call's maintenance margin, past the other currency's
    position and the closed one, and the subaccount's own balance, not the main account's 10 BTC."""
    sub = exchange.accounts.add_subaccount("alice", balances={"BTC": D(2), "ETH": D(10)})
    _fill(exchange, "ETH-PERPETUAL", "buy", "100", "3000", subaccount_id=sub.id)
    _fill(exchange, FUTURE, "buy", "1000", "50000", subaccount_id=sub.id)
    _fill(exchange, FUTURE, "sell", "1000", "50000", subaccount_id=sub.id)
    _fill(exchange, CALL, "sell", "5", "0.05", subaccount_id=sub.id)
    exchange.market.set_mark_price(CALL, D("0.05"))  # (pinned: the estimate values it there, not by the model)
    _fill(exchange, PERP, "buy", "100000", "50000", subaccount_id=sub.id)
    perp = exchange.valuation.position("alice", PERP, subaccount_id=sub.id)
    call = exchange.valuation.position("alice", CALL, subaccount_id=sub.id)
    summary = exchange.valuation.account_summary("alice", "BTC", subaccount_id=sub.id)
    equity = summary.balance + perp.floating_profit_loss + call.size * call.mark_price
    maintenance = perp.maintenance_margin + call.maintenance_margin
    assert call.maintenance_margin and summary.balance < 3
    expected = d.estimated_liquidation_price(
        exchange.market.instrument(PERP), perp.size, perp.mark_price, equity, maintenance, exchange.state.rates
    )
    assert perp.estimated_liquidation_price == expected


def test_a_simulation_that_does_not_add_leaves_out_what_it_does_not_name(exchange: DeribitExchange) -> None:
    _fill(exchange, PERP, "buy", "10000", "50000")
    _fill(exchange, FUTURE, "buy", "20000", "50000")
    alone = exchange.valuation.account_summary("alice", "BTC", simulated=Simulated(((PERP, D(10000)),), add=False))
    held = {v.instrument_name: v for v in exchange.valuation.positions("alice")}
    assert alone.initial_margin == held[PERP].initial_margin
    assert alone.delta_total == held[PERP].delta
