"""Fixed-point parsing and rounding: the one place money rules live."""

from __future__ import annotations

from decimal import Context
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockexchange.core.money import (
    MAX_DECIMAL_CHARS,
    MoneyError,
    fixed,
    from_cents,
    parse_count,
    parse_decimal,
    parse_fee,
    parse_price,
    parse_price_units,
    parse_scaled,
    to_centi_cents,
    to_cents,
    truncate,
)


@pytest.mark.parametrize("text,value", [("0.56", D("0.56")), ("0.5600", D("0.56")), (" 1 ", D(1)), (3, D(3))])
def test_parse_decimal_reads_dollars(text, value):
    assert parse_decimal(text, "amount", 6) == value


@pytest.mark.parametrize("bad", [0.5, True, "", "abc", "1e400x", "Infinity", "NaN", "0.0000001", None, [1]])
def test_parse_decimal_refuses(bad):
    with pytest.raises(MoneyError):
        parse_decimal(bad, "amount", 6)


@pytest.mark.parametrize(
    "bad", ["1e3", "1E-2", "１２", "²", "٣", "1_000", "0x10", "Infinity", "-NaN", "1" * 65, "\u00a01", "1..2", "."]
)
def test_a_decimal_string_is_plain_ascii_digits(bad):
    with pytest.raises(MoneyError, match="not a decimal number"):
        parse_decimal(bad, "amount", 6)


@pytest.mark.parametrize("text,value", [("+5", D(5)), (".5", D("0.5")), ("5.", D(5)), ("-0", D(0)), ("007", D(7))])
def test_a_decimal_string_may_have_a_sign_and_a_bare_point(text, value):
    assert parse_decimal(text, "amount", 6) == value


def test_counts_and_fees_have_bounds_that_the_refusal_names():
    assert parse_count("1000000000") == D(10**9)
    for bad in ("1000000000.01", 2**63 - 1, "9223372036854775807", "1e30"):
        with pytest.raises(MoneyError, match="1000000000"):
            parse_count(bad)
    assert parse_fee("2.5", D("2.5")) == D("2.5")
    for bad in ("2.500001", "-0.01", 2**63 - 1, "1e30"):
        with pytest.raises(MoneyError, match="1 dollar a contract"):
            parse_fee(bad, D("2.5"))


def test_counts_take_two_places_and_prices_four():
    assert parse_count("2.5") == D("2.5")
    with pytest.raises(MoneyError):
        parse_count("2.555")
    assert parse_price("0.9999") == D("0.9999")
    for bad in ("0", "1", "1.5", "-0.5", "0.00001"):
        with pytest.raises(MoneyError):
            parse_price(bad)


def test_fixed_places_and_no_negative_zero():
    assert fixed(D("2.5"), 6) == "2.500000"
    assert fixed(D("-3"), 2) == "-3.00"
    assert fixed(D("-0.000"), 6) == "0.000000"
    assert fixed(D("0.0000005"), 6) == "0.000000"  # half-even
    assert fixed(D("0.0000015"), 6) == "0.000002"
    assert fixed(D("-0.000001"), 4) == "0.0000"  # rounds to zero: no sign
    assert fixed(D("-0.00006"), 4) == "-0.0001"


def test_cents_truncate_like_kalshis_balance():
    assert to_cents(D("98.0186")) == 9801
    assert to_cents(D("-1.019")) == -101
    assert to_centi_cents(D("50")) == 500_000
    assert from_cents(9801) == D("98.01")
    assert truncate(D("0.999950"), 4) == D("0.9999") and truncate(D("-1.23456"), 4) == D("-1.2345")
    with pytest.raises(MoneyError):
        from_cents(1.5)


def _outcome(parse, *args):
    try:
        return parse(*args), None
    except MoneyError as exc:
        return None, str(exc)


_EXACT = Context(prec=200)  # (the default context's 28 digits would round the expected value)
_DECIMAL_TEXT = st.text(alphabet="0123456789.+- \t١", max_size=9) | st.integers(-(10**30), 10**30).map(str)
_NUMBERS = st.integers(-(10**70), 10**70) | st.decimals(allow_nan=True, allow_infinity=True, places=None)


@given(st.one_of(_DECIMAL_TEXT, _NUMBERS, st.booleans(), st.none(), st.floats()), st.integers(0, 8))
def test_a_scaled_amount_is_the_decimal_parse_decimal_reads_in_units_refused_in_its_words(given_value, places):
    """parse_scaled takes and refuses what parse_decimal does, in the same words, and answers its value in units of
    `places` places exactly (past MAX_DECIMAL_CHARS digits, the largest such value of its sign)."""
    value, refusal = _outcome(parse_decimal, given_value, "amount", places, "the range")
    units, scaled_refusal = _outcome(parse_scaled, given_value, "amount", places, "the range")
    assert scaled_refusal == refusal
    if value is not None:
        if abs(value) < D(10) ** MAX_DECIMAL_CHARS:
            assert D(units) == value.scaleb(places, _EXACT)
        else:
            assert units == (-1 if value < 0 else 1) * 10 ** (MAX_DECIMAL_CHARS + places)


@pytest.mark.parametrize("text", ["0.45", "0.0001", "0.9999", ".5", " 0.1 ", "0", "1", "-0.5", "0.00001", "x", "", 0])
def test_a_price_in_units_is_parse_prices_price_refused_in_its_words(text):
    price, refusal = _outcome(parse_price, text)
    units, units_refusal = _outcome(parse_price_units, text)
    assert units_refusal == refusal
    assert price is None or D(units) == price.scaleb(4, _EXACT)
