"""One Kalshi order (core/kalshi/orders.py): which side of the YES book its legacy side and action put it on, the price
it pays and shows, what its resting count is worth and holds of its owner's cash (its value and the maker fees still to
pay, each maker fill the rise of the rounded fee of its run), the terms of a fill of it, and the copies answers hand
out."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime
from decimal import Decimal as D

import pytest

from mockexchange.core.book import ASK, BID
from mockexchange.core.kalshi.checks import Terms
from mockexchange.core.kalshi.fees import QuadraticFee
from mockexchange.core.kalshi.orders import CANCELED, EXECUTED, Order, book_side, whole

T0 = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
MAKER_FEES = QuadraticFee(maker_rate=D("0.0175"))


def order(side: str = "yes", action: str = "buy", yes_price: int = 4_000, remaining: int = 500, **fields) -> Order:
    return Order("o-1", "u", 0, "KXORD-A", 0, side, action, yes_price, remaining, remaining, T0, T0, **fields)


@pytest.mark.parametrize(
    "side,action,buys_yes,on",
    [("yes", "buy", True, BID), ("no", "sell", True, BID), ("yes", "sell", False, ASK), ("no", "buy", False, ASK)],
)
def test_a_legacy_side_and_action_rest_on_one_side_of_the_yes_book(side, action, buys_yes, on):
    placed = order(side, action)
    assert placed.buys_yes is buys_yes
    assert placed.book_side == book_side(side, action) == on


@pytest.mark.parametrize(
    "side,action,paid,shown",
    [("yes", "buy", 4_000, "0.4000"), ("no", "sell", 4_000, "0.6000"), ("yes", "sell", 6_000, "0.4000"),
     ("no", "buy", 6_000, "0.6000")],
)  # fmt: skip
def test_an_order_pays_the_price_of_the_side_it_buys_and_shows_the_price_of_its_legacy_side(side, action, paid, shown):
    placed = order(side, action, yes_price=4_000, remaining=250)
    assert placed.paid == paid
    assert str(placed.price) == shown
    assert placed.value_units == 250 * paid  # 2.5 contracts at the price it pays, micro-dollars
    assert placed.value == D(250 * paid) / 10**6
    assert str(placed.count) == "2.50"


@pytest.mark.parametrize("hundredths,contracts", [(0, 0), (1, 1), (99, 1), (100, 1), (101, 2), (250, 3)])
def test_what_rests_counts_in_whole_contracts_rounded_up(hundredths, contracts):
    assert whole(hundredths) == contracts
    assert order(remaining=hundredths).resting_whole == contracts


def test_a_fill_of_an_order_states_its_own_price_and_the_price_it_pays():
    no_seller = order("no", "sell")  # buys YES
    assert no_seller.terms(300, 4_500, 1_200) == Terms("no", "sell", True, 300, 5_500, 4_500, 4_500, 1_200)
    yes_seller = order("yes", "sell")  # buys NO
    assert yes_seller.terms(100, 4_500, 0) == Terms("yes", "sell", False, 100, 4_500, 5_500, 4_500, 0)


def test_a_maker_fill_pays_the_rise_of_the_rounded_fee_of_its_run():
    resting = order(yes_price=5_000, remaining=300, maker_rule=MAKER_FEES)
    # 0.0175 x 0.5 x 0.5 = 0.004375 a contract: 0.0044 for the first, 0.00875 -> 0.0088 for two, 0.013125 -> 0.0132
    assert resting.maker_fee(100) == 4_400
    resting.maker_run = 100
    assert resting.maker_fee(100) == 8_800 - 4_400
    resting.maker_run = 200
    assert resting.maker_fee(100) == 13_200 - 8_800
    assert order(maker_rule=None).maker_fee(100) == 0  # no maker schedule: a maker pays nothing


def test_a_resting_order_holds_its_value_and_the_maker_fees_of_what_rests():
    resting = order(yes_price=5_000, remaining=300, maker_rule=MAKER_FEES)
    assert resting.holds() == 300 * 5_000 + 13_200
    resting.maker_run = 100  # a contract already filled as maker: the rest's fees are the rise from there
    resting.remaining = 200
    assert resting.holds() == 200 * 5_000 + 13_200 - 4_400
    assert order(remaining=300, seeded=True, maker_rule=MAKER_FEES).holds() == 0  # paid when it fills
    assert order(remaining=0, maker_rule=MAKER_FEES).holds() == 0


def test_an_answer_hands_out_a_copy_of_a_resting_order_and_an_ended_order_itself():
    resting = order(maker_rule=MAKER_FEES, client_order_id="mine", maker_run=100, seq=3)
    answered = resting.answered()
    assert answered is not resting
    assert [getattr(answered, f.name) for f in fields(Order)] == [getattr(resting, f.name) for f in fields(Order)]
    resting.remaining = 100
    assert answered.remaining == 500  # the copy keeps what it was
    for status in (CANCELED, EXECUTED):
        ended = order(status=status)
        assert ended.answered() is ended
