"""Fixed-point amounts: dollars, contract counts, cents and centi-cents.

Every amount in the mock is a `Decimal`. This module owns parsing (what inputs are accepted) and the rounding rules
(how an amount is held and how it is cut to a unit). Renderers decide decimal places on the wire; they call `fixed`.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_HALF_EVEN, Decimal, InvalidOperation

ZERO = Decimal(0)
ONE = Decimal(1)

# Amounts are held to the micro-dollar: the finest unit Kalshi emits (`*_dollars` have 6 places).
DOLLAR_QUANTUM = Decimal("0.000001")
# Contracts come in hundredths (FixedPointCount: "the minimum granularity is 0.01 contracts").
COUNT_QUANTUM = Decimal("0.01")
CENT = Decimal("0.01")
CENTI_CENT = Decimal("0.0001")
_QUANTA = {places: Decimal(1).scaleb(-places) for places in range(13)}  # built once: renderers call fixed() per amount


class MoneyError(ValueError):
    """An amount that cannot be taken as given (wrong format, too many places, out of range)."""


def _parse(text: str | int | Decimal, what: str, max_places: int) -> Decimal:
    if isinstance(text, bool | float):
        # Floats lose cents; refuse them so no binary fraction ever enters the ledger.
        raise MoneyError(f"{what} must be a decimal string, not {type(text).__name__}")
    if isinstance(text, int):
        return Decimal(text)
    if isinstance(text, Decimal):
        value = text
    else:
        if not isinstance(text, str) or not text.strip():
            raise MoneyError(f"{what} must be a decimal string")
        try:
            value = Decimal(text.strip())
        except InvalidOperation:
            raise MoneyError(f"{what} is not a decimal number: {text!r}") from None
    if not value.is_finite():
        raise MoneyError(f"{what} must be finite")
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    if -exponent > max_places:
        raise MoneyError(f"{what} has more than {max_places} decimal places: {text!r}")
    return value


def parse_dollars(text: str | int | Decimal, what: str = "amount", max_places: int = 6) -> Decimal:
    """A dollars amount such as "0.56" or "12.340000"."""
    return _parse(text, what, max_places)


def parse_count(text: str | int | Decimal, what: str = "count") -> Decimal:
    """A contract count: "10", "10.5", "10.00" (at most 2 places)."""
    return _parse(text, what, 2)


def parse_price(text: str | int | Decimal, what: str = "price") -> Decimal:
    """A contract price in dollars, strictly between 0 and 1, at most 4 places (Kalshi takes 2-4)."""
    value = _parse(text, what, 4)
    if not ZERO < value < ONE:
        raise MoneyError(f"{what} must be between 0 and 1 dollars exclusive: {text!r}")
    return value


def quantize_dollars(value: Decimal) -> Decimal:
    """Hold an amount to the micro-dollar; half-even so repeated splits do not drift one way."""
    return value.quantize(DOLLAR_QUANTUM, rounding=ROUND_HALF_EVEN)


def ceil_to(value: Decimal, quantum: Decimal) -> Decimal:
    """Round up to a unit; Kalshi rounds fees up."""
    return value.quantize(quantum, rounding=ROUND_CEILING)


def fixed(value: Decimal, places: int) -> str:
    """A decimal string with exactly `places` places, as the venues print amounts ("2.500000", "3.00").
    A value that rounds to zero prints without a sign ("0.0000", never "-0.0000")."""
    rounded = value.quantize(_QUANTA[places], rounding=ROUND_HALF_EVEN)
    return f"{abs(rounded) if rounded.is_zero() else rounded:f}"


def truncate(value: Decimal, places: int) -> Decimal:
    """Cut toward zero to `places` places: how Kalshi derives coarser balance figures from finer ones
    (98.0186 dollars is 9801 cents), so every figure of one balance agrees."""
    return value.quantize(_QUANTA[places], rounding=ROUND_DOWN)


def to_cents(dollars: Decimal) -> int:
    """Integer cents, truncated toward zero (Kalshi's `balance`: 98.0186 dollars -> 9801)."""
    return int((dollars * 100).to_integral_value(rounding=ROUND_DOWN))


def to_centi_cents(dollars: Decimal) -> int:
    """Integer centi-cents ($1 = 10,000), truncated toward zero, as the older websocket payloads carry them."""
    return int((dollars * 10_000).to_integral_value(rounding=ROUND_DOWN))


def to_whole_contracts(count: Decimal) -> int:
    """Integer contracts for the older integer fields; fractional contracts truncate toward zero."""
    return int(count.to_integral_value(rounding=ROUND_DOWN))


def from_cents(cents: int) -> Decimal:
    if isinstance(cents, bool) or not isinstance(cents, int):
        raise MoneyError("cents must be an integer")
    return Decimal(cents) / 100
