"""The bounds `core` keeps on what values add up to, in-process: a command that would pass one is refused whole (the
state, the totals and the cash unchanged), and Black-76 far out of the money writes short numbers."""

from __future__ import annotations

from decimal import Decimal as D

import orjson
import pytest
from hostile_probe import START
from kalshi_commands import submit

from mockexchange.core.clock import ManualClock
from mockexchange.core.deribit import derivatives as d
from mockexchange.core.deribit import trading as trading_module
from mockexchange.core.deribit import wallets as wallets_module
from mockexchange.core.deribit.bounds import ExchangeError
from mockexchange.core.deribit.exchange import DeribitExchange
from mockexchange.core.deribit.instruments import parse_instrument_name
from mockexchange.core.deribit.records import DeribitFill
from mockexchange.core.kalshi import checks as checks_module
from mockexchange.core.kalshi.account_commands import SeedTransfer
from mockexchange.core.kalshi.checks import LedgerError
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.web.answers import json_number


@pytest.fixture
def ledger() -> Ledger:
    ledger = Ledger(clock=ManualClock(START))
    ledger.open_account("u", balance=D(1000))
    return ledger


def test_contracts_an_account_filled_are_bounded_per_account_and_reset_starts_again(ledger, monkeypatch):
    monkeypatch.setattr(checks_module, "MAX_ACCOUNT_CONTRACTS", D(25))
    ledger.open_account("v")
    ledger.filling.apply_fill("u", "EV-A", "yes", "buy", D(10), D("0.5"))
    ledger.filling.apply_fill("v", "EV-B", "yes", "buy", D(15), D("0.5"))
    ledger.filling.apply_fill("u", "EV-A", "yes", "buy", D(15), D("0.5"))  # each account counts its own
    with pytest.raises(LedgerError, match="this account's contracts filled"):
        ledger.filling.apply_fill("u", "EV-C", "yes", "buy", D("0.01"), D("0.5"))
    assert (
        "EV-C" not in ledger.state.markets and ledger.state.positions.get("u", 0, "EV-C") is None
    )  # nothing listed, no row
    assert ledger.contracts_filled == 40 and len(ledger.state.fills) == 3
    ledger.filling.apply_fill("v", "EV-C", "yes", "buy", D(10), D("0.5"))  # another account still fills
    ledger.reset()
    ledger.open_account("u")
    ledger.filling.apply_fill("u", "EV-A", "yes", "buy", D(25), D("0.5"))


def test_a_positions_volume_and_resting_contracts_are_bounded(ledger, monkeypatch):
    monkeypatch.setattr(checks_module, "MAX_POSITION_CONTRACTS", D(20))
    ledger.filling.apply_fill("u", "EV-A", "yes", "buy", D(10), D("0.5"))
    ledger.filling.apply_fill("u", "EV-A", "yes", "sell", D(10), D("0.5"))
    balance = ledger.state.accounts["u"].balance()
    with pytest.raises(LedgerError, match="volume"):
        ledger.filling.apply_fill("u", "EV-A", "yes", "buy", D("0.01"), D("0.5"))
    assert ledger.state.accounts["u"].balance() == balance and ledger.state.positions.get("u", 0, "EV-A").volume == 20
    ledger.trading.place_order("u", "EV-B", "yes", "buy", D("19.5"), D("0.5"), order_id="o1")  # 20 whole contracts
    with pytest.raises(LedgerError, match="resting contracts"):
        ledger.trading.place_order("u", "EV-B", "yes", "buy", D("0.01"), D("0.5"), order_id="o2")
    assert "o2" not in ledger.state.orders and ledger.contracts_resting == 20
    ledger.trading.cancel_order("o1")
    assert ledger.contracts_resting == 0
    ledger.trading.place_order("u", "EV-B", "yes", "buy", D(20), D("0.5"), order_id="o3")


@pytest.mark.parametrize(
    ("bound", "value", "words"),
    [("MAX_POSITION_CONTRACTS", D(20), "volume"), ("MAX_ACCOUNT_CONTRACTS", D(20), "account's contracts filled")],
)
def test_a_crossing_order_meets_the_bounds_as_they_stand_when_it_is_checked(ledger, monkeypatch, bound, value, words):
    """A cross far within the bounds is checked at once, a cross near them fill by fill: either way against the
    bounds the ledger checks now (a bound set lower here refuses it), and a refused cross changes nothing."""
    ledger.open_account("v", balance=D(1000))
    ledger.trading.place_order("v", "EV-A", "yes", "sell", D(50), D("0.5"), order_id="ask")
    submit(ledger, "u", "EV-A", "yes", "buy", 500, 5_000, time_in_force="immediate_or_cancel")  # 5 at 0.50
    monkeypatch.setattr(checks_module, bound, value)
    balance, filled = ledger.state.accounts["u"].balance(), ledger.contracts_filled
    with pytest.raises(LedgerError, match=words):
        submit(ledger, "u", "EV-A", "yes", "buy", 2_100, 5_000, time_in_force="immediate_or_cancel")  # 21
    assert ledger.state.accounts["u"].balance() == balance and ledger.contracts_filled == filled == 10
    assert ledger.state.orders["ask"].remaining == 4_500 and ledger.state.positions.get("u", 0, "EV-A").position == 5
    submit(ledger, "u", "EV-A", "yes", "buy", 500, 5_000, time_in_force="immediate_or_cancel")  # within: fills
    assert ledger.state.positions.get("u", 0, "EV-A").position == 10


def test_a_subaccounts_cash_is_bounded_on_every_movement_but_settlement(ledger, monkeypatch):
    monkeypatch.setattr(checks_module, "MAX_BALANCE", D(1100))
    ledger.filling.apply_fill("u", "EV-A", "yes", "buy", D(100), D("0.01"), fee=D(0))  # 1 dollar out: 999
    ledger.transfer(SeedTransfer("deposit", "u", 10_100, id="t1"))  # 1100
    with pytest.raises(LedgerError, match="cash"):
        ledger.transfer(SeedTransfer("deposit", "u", 1, id="t2"))
    assert "t2" not in ledger.state.transfers and ledger.state.accounts["u"].balance() == 1100
    ledger.transfer(SeedTransfer("deposit", "u", 1, status="pending", id="t3"))  # a pending deposit moves no cash...
    with pytest.raises(LedgerError, match="cash"):
        ledger.transfer(SeedTransfer("deposit", "u", 1, status="applied", id="t3"))  # ...applying it would
    assert ledger.state.transfers["t3"].status == "pending"
    with pytest.raises(LedgerError, match="cash"):  # selling the position at 0.99 would pay 99 in
        ledger.filling.apply_fill("u", "EV-A", "yes", "sell", D(100), D("0.99"), fee=D(0))
    assert ledger.state.positions.get("u", 0, "EV-A").position == 100 and len(ledger.state.fills) == 1
    ledger.lifecycle.settle_market("EV-A", "yes")  # pays 100 in: a settlement is never refused
    assert ledger.state.accounts["u"].balance() == 1200


def test_a_fills_own_fee_is_bounded_by_its_contracts(ledger):
    with pytest.raises(LedgerError, match="per contract"):
        ledger.filling.apply_fill("u", "EV-A", "yes", "buy", D(2), D("0.5"), fee=D("2.000001"))
    ledger.filling.apply_fill("u", "EV-A", "yes", "buy", D(2), D("0.5"), fee=D(2))


@pytest.fixture
def exchange() -> DeribitExchange:
    exchange = DeribitExchange(clock=ManualClock(START))
    exchange.market.set_index_price("btc_usd", D(60_000))
    exchange.market.set_index_price("btc_usdc", D(60_000))
    exchange.accounts.open_account("a", balances={"BTC": D(10), "USDC": D(1000)})
    return exchange


def test_amounts_traded_by_one_account_are_bounded(exchange, monkeypatch):
    monkeypatch.setattr(trading_module, "MAX_TRADED", D(100))  # where apply_trade reads it
    exchange.accounts.open_account("b", balances={"BTC": D(10)})
    exchange.trading.apply_trade(DeribitFill("a", "BTC-PERPETUAL", "buy", D(100), D(60_000)))
    with pytest.raises(ExchangeError, match="amounts traded"):
        exchange.trading.apply_trade(DeribitFill("a", "BTC-PERPETUAL", "sell", D(10), D(60_000)))
    exchange.trading.apply_trade(
        DeribitFill("b", "BTC-PERPETUAL", "sell", D(100), D(60_000))
    )  # another account's bound is its own
    assert exchange.valuation.position("a", "BTC-PERPETUAL").size == 100 and exchange.state.traded == {
        1001: 100,
        1002: 100,
    }


def test_a_wallets_balance_is_bounded_on_deposits_and_trades(exchange, monkeypatch):
    monkeypatch.setattr(wallets_module, "MAX_BALANCE", D(2000))  # where a balance after a move is checked
    with pytest.raises(ExchangeError, match="balance"):
        exchange.cash.move_cash("a", "USDC", D(1001))
    with pytest.raises(ExchangeError, match="balance"):  # a premium of 2000 USDC in
        exchange.trading.apply_trade(DeribitFill("a", "BTC_USDC-26JUN26-60000-C", "sell", D(1), D(2000)))
    assert (
        exchange.accounts.account("a").main.balances == {"BTC": 10, "USDC": 1000}
        and exchange.valuation.positions("a") == []
    )


@pytest.mark.parametrize("value,what", [(D("1e-9"), "8 decimal places"), (D(10**7) + 1, "10000000"), (D(0), "0.0")])
def test_prices_have_bounds_and_places(exchange, value, what):
    with pytest.raises(ExchangeError, match=what):
        exchange.market.set_index_price("btc_usd", value)


def test_black76_far_out_of_the_money_writes_short_numbers():
    # Struck 10% above the index at 0.01% volatility: d1 is about -1,000 deviations, where exp(-d1^2/2) is a valid
    # Decimal with 217,000 zeros after the point, and gamma, vega and theta would print as many digits.
    option = parse_instrument_name("BTC-26JUN26-1100-C")
    greeks = d.option_greeks(option, D(1000), D("0.9"), D("0.0001"))
    for value in (greeks.mark_price, greeks.delta, greeks.gamma, greeks.vega, greeks.theta):
        assert len(orjson.dumps(json_number(value))) < 40
    assert d.normal_pdf(D(13)) == 0 and d.normal_pdf(D(12)) > 0
