"""Money at the edges (core/money.py), beside tests/test_money.py: the refusals a caller reads word for word (the
admin API and Kalshi's wire hand them back as error bodies), each grammar's options, how a refusal quotes what it was
given, amounts read straight to units, and the integer and text forms renderers write; and the Kalshi core's units
(core/kalshi/units.py) at theirs."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from mockexchange.core.kalshi.units import UnitError, count_units, dollar_units, price_units
from mockexchange.core.money import (
    FIXED_POINT,
    LENIENT,
    MAX_DECIMAL_CHARS,
    Grammar,
    MoneyError,
    fixed,
    from_cents,
    parse_count,
    parse_decimal,
    parse_fee,
    parse_price,
    parse_price_units,
    parse_scaled,
    plain,
    shown,
    to_centi_cents,
    to_cents,
    to_whole_contracts,
    truncate,
    written,
)

ANY_DIGITS = "finite plain digits 0-9 with at most one point"
WIRE_DIGITS = f'{ANY_DIGITS} between digits, no sign but "-", no blanks'
PRICE_RANGE = "(0.0001 to 0.9999 dollars, at most 4 places)"


def refusal(parse, *args, **options) -> str:
    with pytest.raises(MoneyError) as refused:
        parse(*args, **options)
    return str(refused.value)


def not_a_number(what: str, quoted: str, words: str, said: str = "") -> str:
    return (
        f"{what} is not a decimal number: {quoted}; write {words}, no exponent, at most 64 characters, "
        f'e.g. "0.56"{said}'
    )


# Each grammar is built in the test (not at import, nor as a parameter at collection), so the words and pattern it
# makes are this code's: the module's own LENIENT and FIXED_POINT are equal to the ones built here.
@pytest.mark.parametrize(
    "signs,blanks,bare_point,words,takes,refuses",
    [
        ("+-", True, True, ANY_DIGITS, ["+.5", "-5.", " 5 ", "5"], ["+-5", "."]),
        ("-", False, False, WIRE_DIGITS, ["-1.50", "10"], ["+5", " 5", ".5", "5."]),
        ("", False, False, f"{ANY_DIGITS} between digits, no sign, no blanks", ["5", "0.5"], ["-5", "+5", ".5", "[5"]),
        ("-+", True, True, f'{ANY_DIGITS}, no sign but "-" but "+"', ["-5", "+5"], ["5-"]),
        ("+", True, True, f'{ANY_DIGITS}, no sign but "+"', ["+.5", " 5."], ["-5"]),
        ("+", False, True, f'{ANY_DIGITS}, no sign but "+", no blanks', ["+5", ".5"], [" 5", "-5"]),
    ],
)
def test_a_grammar_takes_what_it_says_in_words(signs, blanks, bare_point, words, takes, refuses):
    grammar = Grammar(signs, blanks=blanks, bare_point=bare_point)
    assert grammar.words == words
    for text in takes:
        assert written(text, "amount", 2, grammar) == (text.strip() if blanks else text)
    for text in [*refuses, "1e3", "x"]:
        assert refusal(written, text, "amount", 2, grammar) == not_a_number("amount", repr(text), words)
    assert Grammar("+-", blanks=True, bare_point=True) == LENIENT and Grammar("-", False, False) == FIXED_POINT


@pytest.mark.parametrize("text", ["+5", " 5", "5 ", ".5", "5.", "\t-1.5"])
def test_kalshis_wire_takes_no_plus_no_blanks_and_no_bare_point(text):
    assert refusal(written, text, "price", 4, FIXED_POINT) == not_a_number("price", repr(text), WIRE_DIGITS)
    assert parse_decimal(text, "price", 4) == D(text.strip())  # the control plane takes each


def test_kalshis_wire_takes_a_minus_and_digits_each_side_of_the_point():
    assert written("-1.50", "count", 2, FIXED_POINT) == "-1.50"
    assert parse_price("0.5600", grammar=FIXED_POINT) == D("0.56")
    assert written(" +.5\r\n", "count", 2) == "+.5"  # the control plane's: blanks stripped, the text otherwise kept
    only_plus = Grammar("+", blanks=False, bare_point=False)
    assert written("+1", "count", 2, only_plus) == "+1"
    assert refusal(written, "-1", "count", 2, only_plus).startswith("count is not a decimal number: '-1'")


def test_a_refusal_of_a_string_quotes_it_and_ends_with_the_callers_range():
    said = " (price: the range)"
    assert refusal(parse_decimal, " \t", "price", 4, "the range") == f"price must be a decimal string, not ' \\t'{said}"
    assert refusal(parse_decimal, "", "price", 4) == "price must be a decimal string, not ''"
    assert refusal(parse_decimal, "abc", "price", 4, "the range") == not_a_number("price", "'abc'", ANY_DIGITS, said)
    long = "1" * (MAX_DECIMAL_CHARS + 1)
    assert refusal(parse_decimal, long, "price", 4).startswith(f"price is not a decimal number: {shown(long)};")
    assert parse_decimal("1" * MAX_DECIMAL_CHARS, "price", 0) == D("1" * MAX_DECIMAL_CHARS)
    assert refusal(parse_decimal, "0.12345", "price", 4, "the range") == (
        f"price has more than 4 decimal places: '0.12345'{said}"
    )
    assert parse_decimal("0.1234", "price", 4) == D("0.1234") and parse_decimal("7.", "price", 0) == 7
    assert refusal(parse_decimal, ".12345", "price", 4) == "price has more than 4 decimal places: '.12345'"
    assert refusal(parse_decimal, " X5 ", "price", 4).startswith("price is not a decimal number: ' X5 ';")
    for blank in ("\x0b", "\x0c", "\u00a0", "\u2028"):  # whitespace, but none of the blanks the grammar strips
        assert refusal(parse_decimal, f"{blank}5", "price", 4).startswith("price is not a decimal number:")


def test_each_parser_names_its_amount_unless_told():
    assert refusal(parse_decimal, "x", "amount", 6).startswith("amount is not a decimal number: 'x';")
    assert refusal(parse_decimal, "0.0000001", "amount", 6) == "amount has more than 6 decimal places: '0.0000001'"
    assert parse_decimal("0.000001", "amount", 6) == D("0.000001")
    assert refusal(parse_count, "0").startswith("count must be positive")
    assert refusal(parse_price, "1").startswith("price must be between 0 and 1")
    assert refusal(parse_price_units, "1").startswith("price must be between 0 and 1")


def test_a_refusal_of_a_number_names_its_kind_and_ends_with_the_callers_range():
    said = " (price: the range)"
    assert refusal(parse_decimal, True, "price", 4, "the range") == f"price must be a decimal string, not bool{said}"
    assert refusal(parse_decimal, 0.5, "price", 4) == "price must be a decimal string, not float"
    assert refusal(parse_decimal, [1], "price", 4) == "price must be a decimal string, not a list"
    assert refusal(parse_decimal, None, "price", 4) == "price must be a decimal string, not null"
    assert refusal(parse_decimal, D("NaN"), "price", 4, "the range") == f"price must be finite{said}"
    assert refusal(parse_decimal, D("-Infinity"), "price", 4) == "price must be finite"
    assert refusal(parse_decimal, D("0.12345"), "price", 4, "the range") == (
        f"price has more than 4 decimal places: 0.12345{said}"
    )
    assert parse_decimal(D("0.1234"), "price", 4) == D("0.1234") and parse_decimal(12, "price", 0) == 12


@pytest.mark.parametrize(
    "value,quoted",
    [
        ("0.5", "'0.5'"),
        ("x" * 100, "'" + "x" * 40 + "'... (100 characters)"),
        (True, "true"),
        (False, "false"),
        (None, "null"),
        (D("1.50"), "1.50"),
        (-12, "-12"),
        (10**39, "1" + "0" * 39),  # 40 digits: quoted whole
        (10**40, "1" + "0" * 39 + "... (41 characters)"),
        (10**50, "1" + "0" * 39 + "... (51 characters)"),
        (1.5, "1.5"),
        ([1], "a list"),
        ((1,), "a list"),
        ({"a": 1}, "an object"),
        ({1}, "a set"),
    ],
)
def test_a_refusal_quotes_a_value_by_its_json_type_and_never_all_of_a_long_one(value, quoted):
    assert shown(value) == quoted


@pytest.mark.parametrize(
    "text,places,units",
    [("0.45", 4, 4_500), ("-1.5", 2, -150), ("+.5", 2, 50), ("7.", 2, 700), (" 12 ", 0, 12), ("-0.01", 2, -1),
     ("3", 6, 3_000_000), (D("-2.5"), 2, -250), (7, 2, 700), (D("1E+2"), 0, 100)],
)  # fmt: skip
def test_a_scaled_amount_is_exact_in_units(text, places, units):
    assert parse_scaled(text, "amount", places) == units


def test_a_number_past_the_longest_decimal_string_is_read_as_the_largest_of_its_sign():
    longest = 10**MAX_DECIMAL_CHARS - 1  # 64 digits: read exactly
    assert parse_scaled(longest, "amount", 2) == longest * 100
    assert parse_scaled(D(f"{longest}E-2"), "amount", 2) == longest
    assert parse_scaled(10**MAX_DECIMAL_CHARS, "amount", 2) == 10 ** (MAX_DECIMAL_CHARS + 2)
    assert parse_scaled(-(10**80), "amount", 0) == -(10**MAX_DECIMAL_CHARS)
    assert refusal(parse_scaled, "1.234", "amount", 2, "the range") == (
        "amount has more than 2 decimal places: '1.234' (amount: the range)"
    )
    assert refusal(parse_scaled, D("1.234"), "amount", 2, "the range") == (
        "amount has more than 2 decimal places: 1.234 (amount: the range)"
    )
    assert refusal(parse_scaled, True, "amount", 2) == "amount must be a decimal string, not bool"


def test_a_count_is_from_a_hundredth_to_the_bound_and_its_refusal_says_so():
    assert parse_count("0.01") == D("0.01") and parse_count(1) == 1 and parse_count("1000000000") == 10**9
    said = " (size: 0.01 to 1000000000 contracts, at most 2 places)"
    assert refusal(parse_count, "0.001", "size") == f"size has more than 2 decimal places: '0.001'{said}"
    assert refusal(parse_count, "x", "size") == not_a_number("size", "'x'", ANY_DIGITS, said)
    for bad in ("0", "-1", "1000000000.01"):
        assert refusal(parse_count, bad, "size") == (
            f"size must be positive and at most 1000000000 (0.01 to 1000000000 contracts, at most 2 places), "
            f"not {D(bad)}"
        )


@pytest.mark.parametrize("parse", [parse_price, parse_price_units])
def test_a_price_is_between_0_and_1_dollars_exclusive_and_its_refusal_says_so(parse):
    for bad in ("0", "1", "-0.5", "1.0001"):
        assert refusal(parse, bad, "yes_price") == (
            f"yes_price must be between 0 and 1 dollars exclusive {PRICE_RANGE}, not {D(bad)}"
        )
    assert refusal(parse, "0.00001", "yes_price") == (
        f"yes_price has more than 4 decimal places: '0.00001' (yes_price: {PRICE_RANGE[1:-1]})"
    )
    assert parse_price_units("0.0001") == 1 and parse_price_units("0.9999") == 9_999
    assert refusal(parse_price, "+.5", grammar=Grammar("-", False, False)).startswith("price is not a decimal number")


def test_a_fees_refusal_names_the_most_for_the_fills_count():
    accepted = "0 to 1 dollar a contract: 0 to 2.50 for 2.50 contracts, at most 6 places"
    assert refusal(parse_fee, "-0.000001", D("2.50"), "fee_cost") == f"fee_cost must not be negative ({accepted})"
    assert refusal(parse_fee, "2.500001", D("2.50")) == f"fee must be at most 2.50 ({accepted}), not 2.500001"
    assert parse_fee("0", D("2.50")) == 0 and parse_fee("2.500000", D("2.50")) == D("2.5")
    assert refusal(parse_fee, "0.0000001", D("2.50"), "fee_cost") == (
        f"fee_cost has more than 6 decimal places: '0.0000001' (fee_cost: {accepted})"
    )


def test_integer_forms_truncate_toward_zero():
    assert to_centi_cents(D("-1.23456")) == -12_345 and to_centi_cents(D("0.00019")) == 1
    assert to_cents(D("0.019")) == 1
    assert to_whole_contracts(D("10.99")) == 10 and to_whole_contracts(D("-2.5")) == -2
    assert truncate(D("2.5"), 12) == D("2.500000000000")
    assert from_cents(-5) == D("-0.05")
    with pytest.raises(MoneyError, match="^cents must be an integer$"):
        from_cents(True)


def test_plain_writes_the_digits_without_trailing_zeros_or_an_exponent():
    assert plain(D("10.00")) == "10" and plain(D("1E+3")) == "1000" and plain(D("0.17250")) == "0.1725"
    assert plain(D("-0.000")) == "0" and plain(D("0E-6")) == "0"
    assert plain(D("-1.50")) == "-1.5"
    assert plain(D("1" * 50 + ".5")) == "1" * 50 + ".5"  # wider than the default context: never rounded
    assert fixed(D("1.5"), 12) == "1.500000000000" and fixed(D("2"), 0) == "2"


def test_the_kalshi_cores_units_take_whole_numbers_and_refuse_amounts_past_any_the_mock_holds():
    # a whole number of contracts, dollars of price, dollars: the unit's count of them
    assert (count_units(3), price_units(1), dollar_units(2)) == (300, 10_000, 2_000_000)
    assert (count_units(D("3")), price_units(D("0.4500")), dollar_units(D("-2.5"))) == (300, 4_500, -2_500_000)
    # refused before any arithmetic: 41 digits, or a power of ten past 40 (10**100000000 would take minutes)
    for huge in (D("1" * 41), D("1E+41"), D("1E+100000000")):
        with pytest.raises(UnitError, match="too many digits"):
            dollar_units(huge)
    assert dollar_units(D("1" * 40)) == int("1" * 40) * 10**6  # (40 digits, an exponent of 40: still read)
    assert dollar_units(D("1E+40")) == 10**46
    with pytest.raises(UnitError, match="more than 2 decimal places"):
        count_units(D("0.001"))
