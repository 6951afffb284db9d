"""What every fill and order is checked against before anything moves (core/kalshi/checks.py): its side, action, count
and price (`check_trade`), its own fee (`check_fee`) and a ticker to list (`check_ticker`); each bad value refused
with the words that say what is wrong with it, whatever its type (never a crash), and good ones answered in units
whether or not their units were worked out before."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from mockexchange.core.kalshi import units
from mockexchange.core.kalshi.checks import LedgerError, check_fee, check_ticker, check_trade

HALF = Decimal("0.5")
COUNT_RANGE = "count must be positive and at most 1000000000 contracts"
HUNDREDTHS = "count must be positive, in hundredths of a contract"
PRICE_RANGE = "price must be between 0 and 1 dollars exclusive"
FEE_RANGE = "fee must be from 0 to 1 dollar per contract of the fill"


def test_good_terms_are_answered_in_units_when_none_were_kept_before() -> None:
    """The units kept by value are an aid, never the answer: with none kept (a fresh process's start), the count and
    price are worked out."""
    units.KEPT_COUNTS.clear()
    units.KEPT_PRICES.clear()
    assert check_trade("yes", "buy", Decimal("987654.32"), Decimal("0.1234"), 63) == (98_765_432, 1_234)
    assert check_trade("no", "sell", Decimal("1E+9"), Decimal("0.9999"), 0) == (100_000_000_000, 9_999)


@pytest.mark.parametrize(
    ("side", "action", "count", "price", "says"),
    [
        ("maybe", "buy", Decimal(1), HALF, "side must be 'yes' or 'no'"),
        ("yes", "hold", Decimal(1), HALF, "action must be 'buy' or 'sell'"),
        ("yes", "buy", Decimal(0), HALF, COUNT_RANGE),
        ("yes", "buy", Decimal(-1), HALF, COUNT_RANGE),
        ("yes", "buy", Decimal("1000000000.01"), HALF, COUNT_RANGE),
        ("yes", "buy", Decimal("0.001"), HALF, HUNDREDTHS),
        ("yes", "buy", Decimal("-0.001"), HALF, COUNT_RANGE),
        ("yes", "buy", Decimal("NaN"), HALF, COUNT_RANGE),
        ("yes", "buy", 5, HALF, COUNT_RANGE),
        ("yes", "buy", "1", HALF, COUNT_RANGE),
        ("yes", "buy", [1], HALF, COUNT_RANGE),
        ("yes", "buy", Decimal(1), Decimal(0), PRICE_RANGE),
        ("yes", "buy", Decimal(1), Decimal(1), PRICE_RANGE),
        ("yes", "buy", Decimal(1), Decimal("1.00001"), PRICE_RANGE),
        ("yes", "buy", Decimal(1), Decimal("0.00001"), "price has more than 4 decimal places"),
        ("yes", "buy", Decimal(1), Decimal("NaN"), PRICE_RANGE),
        ("yes", "buy", Decimal(1), 5, PRICE_RANGE),
        ("yes", "buy", Decimal(1), "0.5", PRICE_RANGE),
        ("yes", "buy", Decimal(1), [1], PRICE_RANGE),
    ],
)
def test_bad_terms_are_refused_with_what_is_wrong(side: str, action: str, count: Any, price: Any, says: str) -> None:
    with pytest.raises(LedgerError) as refused:
        check_trade(side, action, count, price, 0)
    assert (str(refused.value), refused.value.status) == (says, 400)


@pytest.mark.parametrize(
    ("fee", "says"),
    [
        (Decimal("-0.01"), FEE_RANGE),
        (Decimal("2.000001"), FEE_RANGE),  # two contracts: two dollars at most
        (Decimal("NaN"), FEE_RANGE),
        (1, FEE_RANGE),
        (Decimal("0.0000001"), "fee has more than 6 decimal places"),
    ],
)
def test_a_bad_fee_is_refused_with_what_is_wrong(fee: Any, says: str) -> None:
    with pytest.raises(LedgerError, match=f"^{says}$"):
        check_fee(fee, Decimal(2))


def test_a_fee_is_answered_in_micro_dollars_up_to_a_dollar_a_contract() -> None:
    assert (check_fee(Decimal(2), Decimal(2)), check_fee(Decimal(0), Decimal(2))) == (2_000_000, 0)


@pytest.mark.parametrize("ticker", ["", "  ", 5, None])
def test_a_ticker_to_list_is_a_non_empty_string(ticker: Any) -> None:
    with pytest.raises(LedgerError, match="^ticker must be a non-empty string$"):
        check_ticker(ticker)


@pytest.mark.parametrize("subaccount", [-1, 64, True, "1", 1.0])
def test_a_subaccount_is_a_whole_number_from_0_to_63(subaccount: Any) -> None:
    with pytest.raises(LedgerError, match="^subaccount must be an integer from 0 to 63$"):
        check_trade("yes", "buy", Decimal(1), HALF, subaccount)
