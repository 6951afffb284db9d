"""Position arithmetic, by hand-worked examples and by properties over generated fill sequences."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockexchange.core.clock import ManualClock
from mockexchange.core.kalshi.checks import LedgerError
from mockexchange.core.kalshi.fees import QuadraticFee
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.kalshi.positions import settle, trade, yes_terms

# -- hand-worked examples ---------------------------------------------------------------------------------------


def test_buy_yes_opens_long_at_cost():
    r = trade(D(0), D(0), *yes_terms("yes", "buy", D(10), D("0.56")))
    assert (r.position, r.exposure, r.realized, r.cash) == (D(10), D("5.60"), D(0), D("-5.60"))


def test_buy_no_opens_short_at_no_price():
    r = trade(D(0), D(0), *yes_terms("no", "buy", D(10), D("0.30")))
    assert (r.position, r.exposure, r.cash) == (D(-10), D("3.00"), D("-3.00"))


def test_selling_part_of_a_long_realizes_against_average_cost():
    # 10 YES at 0.40 then 10 YES at 0.60: average 0.50. Sell 5 at 0.70: realized 5 x (0.70 - 0.50) = 1.00.
    r = trade(D(0), D(0), D(10), D("0.40"))
    r = trade(r.position, r.exposure, D(10), D("0.60"))
    r = trade(r.position, r.exposure, *yes_terms("yes", "sell", D(5), D("0.70")))
    assert (r.position, r.exposure, r.realized, r.cash) == (D(15), D("7.50"), D("1.00"), D("3.50"))


def test_buying_no_against_a_long_reduces_it():
    # Long 10 YES at 0.40; buy 4 NO at 0.25 == sell 4 YES at 0.75: realized 4 x (0.75 - 0.40) = 1.40.
    r = trade(D(10), D("4.00"), *yes_terms("no", "buy", D(4), D("0.25")))
    assert (r.position, r.exposure, r.realized, r.cash) == (D(6), D("2.40"), D("1.40"), D("3.00"))


def test_a_fill_larger_than_the_position_flips_it():
    # Long 3 YES at 0.50; sell 5 YES at 0.60: close 3 (+0.30 realized), open 2 NO at 0.40.
    r = trade(D(3), D("1.50"), *yes_terms("yes", "sell", D(5), D("0.60")))
    assert (r.position, r.exposure, r.realized) == (D(-2), D("0.80"), D("0.30"))
    assert r.cash == D("1.80") - D("0.80")


def test_average_cost_split_is_held_to_the_micro_dollar_and_closes_exactly():
    # 3 contracts for 1.00: one third of the basis is 0.333333..., held as 0.333333; closing the rest releases all.
    r = trade(D(3), D("1.00"), D(-1), D("0.50"))
    assert r.exposure == D("0.666667")
    r = trade(r.position, r.exposure, D(-2), D("0.50"))
    assert (r.position, r.exposure) == (D(0), D(0))


def test_settlement_pays_winners_one_dollar():
    assert settle(D(10), D("5.60"), "yes").realized == D("4.40")
    assert settle(D(10), D("5.60"), "no").realized == D("-5.60")
    assert settle(D(-4), D("1.20"), "no").cash == D(4)


def test_fee_schedule_rounds_up_to_the_centi_cent():
    # The captured wire fill: 1 contract at 0.52, taker, fee_cost "0.017500".
    assert QuadraticFee().fee(D(1), D("0.52"), is_taker=True) == D("0.0175")
    assert QuadraticFee().fee(D(1), D("0.52"), is_taker=False) == D(0)


# -- properties ---------------------------------------------------------------------------------------------------

fills = st.lists(
    st.tuples(
        st.sampled_from(["yes", "no"]),
        st.sampled_from(["buy", "sell"]),
        st.integers(min_value=1, max_value=50_000).map(lambda n: D(n) / 100),  # 0.01 .. 500.00 contracts
        st.integers(min_value=1, max_value=9999).map(lambda n: D(n) / 10_000),  # 0.0001 .. 0.9999
        st.booleans(),
    ),
    min_size=1,
    max_size=40,
)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(fills)
def test_position_is_the_signed_sum_and_cash_reconciles(sequence):
    ledger = Ledger(clock=ManualClock())
    ledger.open_account("u", balance=D(1000))
    signed_sum = D(0)
    trade_cash = D(0)
    fees = D(0)
    for side, action, count, price, taker in sequence:
        fill = ledger.apply_fill("u", "EV-M", side, action, count, price, is_taker=taker)
        delta, yes_price = yes_terms(side, action, count, price)
        signed_sum += delta
        fees += fill.fee
        assert fill.post_position == signed_sum
    row = ledger.positions.get("u", 0, "EV-M")
    assert row.position == signed_sum
    assert row.market_exposure >= 0
    assert row.fees_paid == fees
    # Cash moved by trading = realized P&L - exposure still held; the balance also pays the fees.
    trade_cash = ledger.accounts["u"].balance(0) - D(1000) + fees
    assert trade_cash == row.realized_pnl - row.market_exposure
    if row.position == 0:
        assert row.market_exposure == 0


@settings(max_examples=150, deadline=None)
@given(fills, st.sampled_from(["yes", "no"]))
def test_settlement_closes_exposure_and_cash_equals_realized(sequence, result):
    ledger = Ledger(clock=ManualClock())
    ledger.open_account("u")
    fees = D(0)
    for side, action, count, price, taker in sequence:
        fees += ledger.apply_fill("u", "EV-M", side, action, count, price, is_taker=taker).fee
    ledger.settle_market("EV-M", result)
    row = ledger.positions.get("u", 0, "EV-M")
    assert row.settled and row.market_exposure == 0
    assert ledger.accounts["u"].balance(0) == row.realized_pnl - fees


@settings(max_examples=100, deadline=None)
@given(fills)
def test_total_traded_is_what_was_paid_for_the_side_bought(sequence):
    ledger = Ledger(clock=ManualClock())
    ledger.open_account("u")
    expected = D(0)
    for side, action, count, price, taker in sequence:
        bought_yes = (side == "yes") == (action == "buy")
        paid = price if action == "buy" else 1 - price
        assert (side if action == "buy" else ("no" if side == "yes" else "yes")) == ("yes" if bought_yes else "no")
        expected += count * paid
        ledger.apply_fill("u", "EV-M", side, action, count, price, is_taker=taker)
    assert ledger.positions.get("u", 0, "EV-M").total_traded == expected


# -- refusals ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "side,action,count,price",
    [("maybe", "buy", D(1), D("0.5")), ("yes", "hold", D(1), D("0.5")), ("yes", "buy", D(0), D("0.5")),
     ("yes", "buy", D("0.001"), D("0.5")), ("yes", "buy", D(1), D(1)), ("yes", "buy", D(1), D(0))],
)  # fmt: skip
def test_ledger_refuses_impossible_fills(side, action, count, price):
    ledger = Ledger(clock=ManualClock())
    ledger.open_account("u")
    with pytest.raises(LedgerError):
        ledger.apply_fill("u", "EV-M", side, action, count, price)
    assert len(ledger.positions) == 0 and ledger.fills == []


def test_fills_on_a_settled_market_are_refused_without_changing_state():
    ledger = Ledger(clock=ManualClock())
    ledger.open_account("u")
    ledger.apply_fill("u", "EV-M", "yes", "buy", D(1), D("0.5"))
    ledger.settle_market("EV-M", "yes")
    balance = ledger.accounts["u"].balance(0)
    with pytest.raises(LedgerError):
        ledger.apply_fill("u", "EV-M", "yes", "buy", D(1), D("0.5"))
    assert ledger.accounts["u"].balance(0) == balance and len(ledger.fills) == 1
