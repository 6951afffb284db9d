"""Position arithmetic, by hand-worked examples and by properties over generated fill sequences."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockexchange.core.clock import ManualClock
from mockexchange.core.kalshi import positions
from mockexchange.core.kalshi.checks import LedgerError
from mockexchange.core.kalshi.fees import QuadraticFee
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.kalshi.units import contracts, count_units, dollar_units, dollars, price_units

# -- hand-worked examples ---------------------------------------------------------------------------------------


def trade(position: D, exposure: D, side: str, action: str, count: D, price: D) -> tuple[D, D, D, D]:
    """`positions.fill` (no fee) on a row holding `position` contracts at a basis of `exposure` dollars: the position,
    exposure and realized P&L after it, and the cash it moved, in contracts and dollars."""
    row = (count_units(position), dollar_units(exposure), 0, 0, 0, 0)
    paid = positions.price_paid(action, price_units(price))
    after, cash = positions.fill(row, positions.buys_yes(side, action), count_units(count), paid, 0)
    return contracts(after[0]), dollars(after[1]), dollars(after[3]), dollars(cash)


def test_buy_yes_opens_long_at_cost():
    assert trade(D(0), D(0), "yes", "buy", D(10), D("0.56")) == (D(10), D("5.60"), D(0), D("-5.60"))


def test_buy_no_opens_short_at_no_price():
    assert trade(D(0), D(0), "no", "buy", D(10), D("0.30"))[:2] == (D(-10), D("3.00"))


def test_selling_part_of_a_long_realizes_against_average_cost():
    # 10 YES at 0.40 then 10 YES at 0.60: average 0.50. Sell 5 at 0.70: realized 5 x (0.70 - 0.50) = 1.00.
    position, exposure, _, _ = trade(D(0), D(0), "yes", "buy", D(10), D("0.40"))
    position, exposure, _, _ = trade(position, exposure, "yes", "buy", D(10), D("0.60"))
    assert trade(position, exposure, "yes", "sell", D(5), D("0.70")) == (D(15), D("7.50"), D("1.00"), D("3.50"))


def test_buying_no_against_a_long_reduces_it():
    # Long 10 YES at 0.40; buy 4 NO at 0.25 == sell 4 YES at 0.75: realized 4 x (0.75 - 0.40) = 1.40.
    assert trade(D(10), D("4.00"), "no", "buy", D(4), D("0.25")) == (D(6), D("2.40"), D("1.40"), D("3.00"))


def test_a_fill_larger_than_the_position_flips_it():
    # Long 3 YES at 0.50; sell 5 YES at 0.60: close 3 (+0.30 realized), open 2 NO at 0.40.
    assert trade(D(3), D("1.50"), "yes", "sell", D(5), D("0.60")) == (
        D(-2),
        D("0.80"),
        D("0.30"),
        D("1.80") - D("0.80"),
    )


def test_average_cost_split_is_held_to_the_micro_dollar_and_closes_exactly():
    # 3 contracts for 1.00: one third of the basis is 0.333333..., held as 0.333333; closing the rest releases all.
    position, exposure, _, _ = trade(D(3), D("1.00"), "yes", "sell", D(1), D("0.50"))
    assert exposure == D("0.666667")
    assert trade(position, exposure, "yes", "sell", D(2), D("0.50"))[:2] == (D(0), D(0))


def test_a_tie_releases_the_even_micro_dollar():
    # 2 contracts at a basis of 0.000003: half is 0.0000015, a tie: half even releases 0.000002.
    assert trade(D(2), D("0.000003"), "yes", "sell", D(1), D("0.50"))[1] == D("0.000001")
    assert trade(D(2), D("0.000005"), "yes", "sell", D(1), D("0.50"))[1] == D("0.000003")


def test_settlement_pays_winners_one_dollar():
    def settled(position: D, exposure: D, result: str) -> tuple[D, D]:
        after, payout = positions.settle((count_units(position), dollar_units(exposure), 0, 0, 0, 0), result)
        return dollars(after[3]), dollars(payout)

    assert settled(D(10), D("5.60"), "yes") == (D("4.40"), D(10))
    assert settled(D(10), D("5.60"), "no") == (D("-5.60"), D(0))
    assert settled(D(-4), D("1.20"), "no")[1] == D(4)


def test_the_smallest_position_is_a_side_held():
    # a hundredth of a contract, Kalshi's smallest count: held, reduced, closed and paid as any position
    assert trade(D(0), D(0), "yes", "buy", D("0.01"), D("0.40")) == (D("0.01"), D("0.004"), D(0), D("-0.004"))
    assert trade(D("0.01"), D("0.004"), "yes", "sell", D("0.01"), D("0.50")) == (D(0), D(0), D("0.001"), D("0.005"))
    assert trade(D("-0.01"), D("0.006"), "no", "sell", D("0.01"), D("0.50")) == (D(0), D(0), D("-0.001"), D("0.005"))
    # a fill twice the smallest position closes it and opens the other side
    assert trade(D("0.01"), D("0.004"), "no", "buy", D("0.02"), D("0.30"))[:2] == (D("-0.01"), D("0.003"))
    assert trade(D("-0.01"), D("0.003"), "yes", "buy", D("0.02"), D("0.60"))[:2] == (D("0.01"), D("0.006"))
    for position, result, paid in ((D("0.01"), "yes", D("0.01")), (D("-0.01"), "no", D("0.01")),
                                   (D("0.01"), "no", D(0)), (D("-0.01"), "yes", D(0))):  # fmt: skip
        assert positions.settle((count_units(position), 0, 0, 0, 0, 0), result)[1] == dollar_units(paid)


def test_volume_counts_every_contract_filled_and_fees_add_up():
    row, _ = positions.fill(positions.ZERO_CELLS, True, count_units(D(5)), price_units(D("0.40")), 700)
    row, cash = positions.fill(row, False, count_units(D(3)), price_units(D("0.55")), 300)  # (reduces the long)
    assert contracts(row[5]) == D(8) and row[4] == 1000
    assert dollars(row[2]) == D("2.00") + D("1.65")  # each fill's count at the price of the side it bought
    assert cash == dollar_units(D(3) * (1 - D("0.55"))) - 300


def test_a_fills_yes_price_is_the_yes_sides():
    assert positions.yes_price("yes", price_units(D("0.37"))) == price_units(D("0.37"))
    assert positions.yes_price("no", price_units(D("0.37"))) == price_units(D("0.63"))


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
        fill = ledger.filling.apply_fill("u", "EV-M", side, action, count, price, is_taker=taker)
        signed_sum += count if positions.buys_yes(side, action) else -count
        fees += fill.fee
        assert fill.post_position == signed_sum
    row = ledger.state.positions.get("u", 0, "EV-M")
    assert row.position == signed_sum
    assert row.market_exposure >= 0
    assert row.fees_paid == fees
    # Cash moved by trading = realized P&L - exposure still held; the balance also pays the fees.
    trade_cash = ledger.state.accounts["u"].balance(0) - D(1000) + fees
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
        fees += ledger.filling.apply_fill("u", "EV-M", side, action, count, price, is_taker=taker).fee
    ledger.lifecycle.settle_market("EV-M", result)
    row = ledger.state.positions.get("u", 0, "EV-M")
    assert row.settled and row.market_exposure == 0
    assert ledger.state.accounts["u"].balance(0) == row.realized_pnl - fees


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
        ledger.filling.apply_fill("u", "EV-M", side, action, count, price, is_taker=taker)
    assert ledger.state.positions.get("u", 0, "EV-M").total_traded == expected


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
        ledger.filling.apply_fill("u", "EV-M", side, action, count, price)
    assert len(ledger.state.positions) == 0 and ledger.state.fills == []


def test_fills_on_a_settled_market_are_refused_without_changing_state():
    ledger = Ledger(clock=ManualClock())
    ledger.open_account("u")
    ledger.filling.apply_fill("u", "EV-M", "yes", "buy", D(1), D("0.5"))
    ledger.lifecycle.settle_market("EV-M", "yes")
    balance = ledger.state.accounts["u"].balance(0)
    with pytest.raises(LedgerError):
        ledger.filling.apply_fill("u", "EV-M", "yes", "buy", D(1), D("0.5"))
    assert ledger.state.accounts["u"].balance(0) == balance and len(ledger.state.fills) == 1
