"""Kalshi's amounts as integers in fixed units: the one representation of the Kalshi core.

Every amount the core holds or works out is a Python `int` in the unit of the finest place Kalshi's wire shows:

- contracts in hundredths (`*_fp` counts have 2 places; the minimum granularity is 0.01 contracts);
- prices in ten-thousandths of a dollar (`*_price_dollars` have 4 places; Kalshi takes prices of 2 to 4);
- every other amount in micro-dollars (`*_dollars` of positions, fees and settlements have 6 places).

So a count times a price is exactly micro-dollars (hundredths x ten-thousandths), and a fill's arithmetic never
rounds except where Kalshi rounds (positions.py, fees.py). Decimals come in at the edges (`apply_fill`'s arguments,
the control plane's parsed strings) through `count_units`, `price_units` and `dollar_units`, which refuse an amount
finer than its unit; they go out through `contracts`, `price` and `dollars`, `Decimal`s with the wire's places
("10.00", "0.5200", "2.500000"), one object per value kept (a portfolio's amounts repeat). A string the control plane
is given may skip the `Decimal` on its way in, read straight to units in these places (`COUNT_PLACES`,
`PRICE_PLACES`, `DOLLAR_PLACES`): core/money.py's `parse_scaled`.
"""

from __future__ import annotations

from decimal import Context, Decimal

from mockexchange.core.rounding import ceiling, half_even  # noqa: F401  (the ledger rounds with these)

CONTRACT = 100  # hundredths of a contract in a contract
PRICE = 10_000  # a price's units in a dollar: one contract's payout at settlement, in price units
DOLLAR = 1_000_000  # micro-dollars in a dollar
PAYOUT = DOLLAR // CONTRACT  # micro-dollars one hundredth of a contract pays when it wins (a dollar a contract)
CENT = DOLLAR // 100  # micro-dollars in a cent
CENTI_CENT = DOLLAR // 10_000  # micro-dollars in a centi-cent: fees round up to it
COUNT_PLACES, PRICE_PLACES, DOLLAR_PLACES = 2, 4, 6  # the places of each unit (CONTRACT, PRICE, DOLLAR)

_EXACT = Context(prec=60)  # an amount within the bounds never reaches 60 digits: scaling never rounds
_KEPT = 1 << 14  # values kept per unit, at most (then forgotten and made again)
_MOST_DIGITS = 40  # far past any amount within the ledger's bounds, far short of what int() refuses


class UnitError(ValueError):
    """An amount finer than its unit (a price of 5 places, a count of 3), or not a finite `Decimal` or `int`."""


def _to_units(value: Decimal | int, places: int, what: str) -> int:
    if type(value) is int:
        return value * 10**places
    if not isinstance(value, Decimal) or not value.is_finite():
        raise UnitError(f"{what} must be a finite Decimal, not {type(value).__name__}")
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    if len(digits) > _MOST_DIGITS or exponent > _MOST_DIGITS:
        raise UnitError(f"{what} has too many digits for any amount of the mock")
    shift = exponent + places
    coefficient = int("".join(map(str, digits))) if digits else 0
    if shift >= 0:
        units = coefficient * 10**shift
    else:
        units, rest = divmod(coefficient, 10**-shift)
        if rest:
            raise UnitError(f"{what} has more than {places} decimal places: {value}")
    return -units if sign else units


# The units of each count and price worked out lately, by value (the fill road reads them first: checks.py)
KEPT_COUNTS: dict[Decimal | int, int] = {}
KEPT_PRICES: dict[Decimal | int, int] = {}


def _kept(value: Decimal | int, places: int, what: str, kept: dict[Decimal | int, int]) -> int:
    """`_to_units`, kept by value (10 and 10.00 are equal, hash alike and hold the same units)."""
    found = kept.get(value)
    if found is None:
        found = _to_units(value, places, what)
        if len(kept) >= _KEPT:
            kept.clear()
        kept[value] = found
    return found


def count_units(count: Decimal | int) -> int:
    """A count of contracts in hundredths (`UnitError` if finer)."""
    return _kept(count, COUNT_PLACES, "count", KEPT_COUNTS)


def price_units(price: Decimal | int) -> int:
    """A price in ten-thousandths of a dollar (`UnitError` if finer)."""
    return _kept(price, PRICE_PLACES, "price", KEPT_PRICES)


def dollar_units(amount: Decimal | int, what: str = "amount") -> int:
    """An amount of dollars in micro-dollars (`UnitError` if finer)."""
    return _to_units(amount, DOLLAR_PLACES, what)


_contracts: dict[int, Decimal] = {}
_prices: dict[int, Decimal] = {}
_dollars: dict[int, Decimal] = {}


def _made(units: int, places: int, kept: dict[int, Decimal]) -> Decimal:
    value = _EXACT.scaleb(Decimal(units), -places)
    if len(kept) >= _KEPT:
        kept.clear()
    kept[units] = value
    return value


def contracts(units: int) -> Decimal:
    """Hundredths of a contract as a Decimal of 2 places ("10.00")."""
    value = _contracts.get(units)
    return value if value is not None else _made(units, COUNT_PLACES, _contracts)


def price(units: int) -> Decimal:
    """Ten-thousandths of a dollar as a Decimal of 4 places ("0.5200")."""
    value = _prices.get(units)
    return value if value is not None else _made(units, PRICE_PLACES, _prices)


def dollars(units: int) -> Decimal:
    """Micro-dollars as a Decimal of 6 places ("2.500000")."""
    value = _dollars.get(units)
    return value if value is not None else _made(units, DOLLAR_PLACES, _dollars)
