"""Kalshi's fee schedules (core/kalshi/fees.py): the fee a fill pays under each `fee_type` and multiplier, for a taker
and a maker, worked out exactly and rounded up to the centi-cent (a hundredth of a cent, 100 micro-dollars)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from mockexchange.core.kalshi import fees
from mockexchange.core.kalshi.fees import FlatFee, QuadraticFee, schedule_for

GENERAL = QuadraticFee()  # 7% for takers, nothing for makers


@pytest.fixture(autouse=True)
def worked_out_afresh(monkeypatch):
    """Each test works its schedules and rates out itself: none kept from an earlier test answers for it."""
    monkeypatch.setattr(fees, "_SCHEDULES", {})
    monkeypatch.setattr(fees, "_RATIOS", {})


@pytest.mark.parametrize(
    "count,price,fee",
    [
        (100, 5200, 17_500),  # Kalshi's captured fill: 0.07 x 0.52 x 0.48 = 0.017472, rounded up to 0.0175
        (100, 5000, 17_500),  # 0.07 x 0.5 x 0.5 = 0.0175 exactly: not rounded past it
        (300, 5200, 52_500),  # 3 contracts: 0.052416, up to 0.0525
        (1, 100, 100),  # a hundredth of a contract at a cent: 0.0000000693, up to one centi-cent
        (100, 9900, 700),  # 0.07 x 0.99 x 0.01 = 0.000693, up to 0.0007
    ],
)
def test_the_general_schedule_charges_a_taker_rate_times_count_times_p_times_1_minus_p_rounded_up(count, price, fee):
    assert GENERAL.fee_units(count, price, True) == fee
    assert GENERAL.fee_units(count, price, False) == 0  # makers pay nothing unless the maker rate is set


def test_a_maker_rate_charges_makers_on_the_same_formula():
    ledger_rates = QuadraticFee(taker_rate=D("0.07"), maker_rate=D("0.0175"))
    assert ledger_rates.fee_units(100, 5000, False) == 4_400  # 0.004375, up to 0.0044
    assert ledger_rates.fee_units(100, 5000, True) == 17_500


def test_a_fee_in_dollars_reads_the_count_and_price_as_decimals():
    assert GENERAL.fee(D("1"), D("0.52"), True) == D("0.017500")
    assert str(GENERAL.fee(D("3.00"), D("0.5200"), True)) == "0.052500"  # the wire's 6 places
    assert GENERAL.fee(D("1"), D("0.52"), False) == 0


def test_a_flat_fee_charges_takers_per_contract_whatever_the_price_and_makers_nothing():
    cent = FlatFee(D("0.01"))
    assert cent.fee_units(150, 5200, True) == cent.fee_units(150, 100, True) == 15_000  # 1.5 contracts: 1.5 cents
    assert cent.fee_units(150, 5200, False) == 0
    # 0.015 dollars a contract on a hundredth of a contract: 1.5 centi-cents, rounded up to 2
    assert FlatFee(D("0.015")).fee_units(1, 5000, True) == 200
    assert FlatFee(D("0.02")).fee_units(100, 5000, True) == 20_000  # exactly two cents: not rounded past


def test_the_general_schedule_unscaled_is_the_ledgers_own_rates():
    base = QuadraticFee(maker_rate=D("0.01"))
    assert schedule_for(base, "quadratic", D(1)) is base


@pytest.mark.parametrize(
    "fee_type,multiplier,taker,maker",
    [
        ("quadratic", D(2), D("0.14"), D("0.02")),  # the ledger's maker rate, scaled
        ("quadratic_with_maker_fees", D(1), D("0.07"), D("0.0175")),  # a quarter of the taker rate
        ("quadratic_with_maker_fees", D("0.5"), D("0.035"), D("0.00875")),
        ("quadratic_with_combo_maker_fees", D(1), D("0.07"), D("0.035")),  # half the taker rate
        ("quadratic_with_combo_maker_fees", D(2), D("0.14"), D("0.07")),
    ],
)
def test_each_quadratic_schedule_scales_the_ledgers_rates_by_the_multiplier(fee_type, multiplier, taker, maker):
    rule = schedule_for(QuadraticFee(maker_rate=D("0.01")), fee_type, multiplier)
    assert rule == QuadraticFee(taker, maker)
    assert schedule_for(QuadraticFee(maker_rate=D("0.01")), fee_type, multiplier) is rule  # worked out once


@pytest.mark.parametrize("multiplier,fee", [(D(1), 10_000), (D(3), 30_000), (D("0.5"), 5_000)])
def test_the_flat_schedule_charges_a_cent_a_contract_times_the_multiplier(multiplier, fee):
    rule = schedule_for(GENERAL, "flat", multiplier)
    assert rule.fee_units(100, 5200, True) == fee
    assert rule.fee_units(100, 5200, False) == 0


def test_the_schedules_and_rates_kept_are_bounded():
    for step in range(300):  # as many multipliers as a long run of series and events might name
        multiplier = D(step + 1) / 100
        rule = schedule_for(GENERAL, "quadratic_with_maker_fees", multiplier)
        # a maker's quarter of 7% x multiplier x 0.5 x 0.5 on a contract: 0.004375 x multiplier, up to the centi-cent
        assert rule.fee_units(100, 5000, False) == -(-4375 * (step + 1) // 10_000) * 100
        assert len(fees._SCHEDULES) <= 256 and len(fees._RATIOS) <= 64
