"""The perps exchange's units: every amount is an integer (no float, no Decimal inside the core). A count is in
hundredths of a contract (FixedPointCount's 2 places), a price in ten-thousandths of a dollar (the 4 places a request
may give), money in micro-dollars (the margined instance's cash unit: a count times a price is exactly micro-dollars),
a rate (a fee, a margin rate, a multiplier, a threshold) in millionths. Amounts leave as `Decimal`s of the wire's
places (`contracts`, `price`, `dollars`, `rate`)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any

from mockexchange.core.money import MAX_COUNT, MoneyError, parse_scaled
from mockexchange.core.rounding import half_even
from mockexchange.core.values import Scaled

COUNT_PLACES, PRICE_PLACES, DOLLAR_PLACES, RATE_PLACES = 2, 4, 6, 6
CONTRACT = 100  # hundredths of a contract in a contract
PRICE = 10_000  # price units in a dollar
DOLLAR = 1_000_000  # micro-dollars in a dollar
MILLION = 1_000_000  # millionths of a rate in 1
MAX_COUNT_UNITS = int(MAX_COUNT) * CONTRACT
MAX_PRICE_UNITS = 10**7 * PRICE  # ten million dollars a contract
MAX_RATE_UNITS = 1_000 * MILLION  # a multiplier of 1,000


def _parser(places: int) -> Callable[[Any, str], int]:
    def parse(value: Any, name: str) -> int:
        if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
            raise MoneyError(f"{name} must be a decimal string, not a {type(value).__name__}")
        return parse_scaled(value, name, places)

    return parse


COUNT = Scaled(_parser(COUNT_PLACES), COUNT_PLACES, 1, MAX_COUNT_UNITS, "a count above 0 of at most 2 places")
REMAINING = Scaled(_parser(COUNT_PLACES), COUNT_PLACES, 0, MAX_COUNT_UNITS, "a count of 0 or more, at most 2 places")
PRICE_KIND = Scaled(
    _parser(PRICE_PLACES), PRICE_PLACES, 1, MAX_PRICE_UNITS, "a price above 0 of at most 4 places", "invalid_price"
)
LIMIT_DOLLARS = Scaled(
    lambda value, name: _parser(PRICE_PLACES)(value, name) * (DOLLAR // PRICE),
    DOLLAR_PLACES,
    0,
    MAX_PRICE_UNITS * MAX_COUNT_UNITS,
    "dollars from 0 with at most 4 places",
)  # (a risk limit or cap: written with a price's 4 places, held in micro-dollars)
RATE = Scaled(_parser(RATE_PLACES), RATE_PLACES, 0, MAX_RATE_UNITS, "a rate from 0 with at most 6 places")


def _decimal(units: int, places: int) -> Decimal:
    return Decimal(units).scaleb(-places)


def contracts(units: int) -> Decimal:
    """Hundredths of a contract as a Decimal of 2 places ("10.00")."""
    return _decimal(units, COUNT_PLACES)


def price(units: int) -> Decimal:
    """Ten-thousandths of a dollar as a Decimal of 4 places ("97000.5000")."""
    return _decimal(units, PRICE_PLACES)


def dollars(micro: int) -> Decimal:
    """Micro-dollars as a Decimal of 6 places ("2.500000")."""
    return _decimal(micro, DOLLAR_PLACES)


def rate(millionths: int) -> Decimal:
    """A rate in millionths as its Decimal, no trailing zeros ("0.0005")."""
    return _decimal(millionths, RATE_PLACES).normalize() if millionths else Decimal(0)


def exact_dollars(amount: Fraction) -> Decimal:
    """An exact amount of dollars (a quotient: an average price) to 6 places, a tie to the even one."""
    return dollars(half_even(amount.numerator * DOLLAR, amount.denominator))


def of_rate(micro: int, millionths: int) -> Fraction:
    """An amount of micro-dollars times a rate, exactly."""
    return Fraction(micro * millionths, MILLION)


def notional(count: int, price_units: int) -> int:
    """Hundredths of a contract at a price, in micro-dollars (exact)."""
    return count * price_units
