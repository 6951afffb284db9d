"""Compact columns: exact `Decimal` codes in 64-bit cells, and arrays that pickle as plain bytes.

Large state (a million positions and their fills) is held column by column (`store.py`, `fill_log.py`): one machine
word per amount instead of a `Decimal` object each. Nothing is rounded on the way in or out:

- A `Decimal` is held as one integer `code` = coefficient * 64 + (exponent + 32): its value, its sign and its exponent
  (so "1.5" comes back as "1.5" and "10.00" as "10.00", never as a float), for exponents -32..31 and coefficients
  below 2**56 in magnitude. `encode` answers None for any other (a negative zero, 30 digits of a price given through
  the Python API, an exponent of 40): the column holds `ODD` there and its owner keeps that value whole beside it.
- `Column` is an `array.array` of machine integers that pickles as (typecode, bytes, byte order), so a snapshot of the
  state (mockexchange/state/snapshot.py) needs no pickle function, only this class, and reads back on either byte order.

`encode` and `decode` keep small caches (a portfolio's amounts repeat: counts, prices, fees), bounded in entries.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Context, Decimal

EXP_BIAS = 32
_EXP_MASK = 63
COEF_LIMIT = 1 << 56
ODD = -(1 << 63)  # a cell whose value no code holds: its owner keeps the value beside the column
CACHE_ENTRIES = 1 << 14
_EXACT = Context(prec=40)  # rescaling a coefficient of at most 17 digits never rounds, whatever the thread's context

_codes: dict[str, int] = {}  # str(value) -> code: the text names the value, sign and exponent exactly
_values: dict[int, Decimal] = {}  # code -> value


def encode(value: Decimal) -> int | None:
    """The code of `value` (a finite Decimal), or None if no code holds it exactly."""
    text = str(value)
    code = _codes.get(text)
    if code is not None:
        return code
    if not value.is_finite():
        return None
    mantissa, mark, exponent_text = text.partition("E")
    exponent = int(exponent_text) if mark else 0
    whole, point, fraction = mantissa.partition(".")
    coefficient = int(whole + fraction) if point else int(whole)
    exponent -= len(fraction)
    if (
        not -EXP_BIAS <= exponent <= _EXP_MASK - EXP_BIAS
        or not -COEF_LIMIT < coefficient < COEF_LIMIT
        or (coefficient == 0 and text[0] == "-")  # a negative zero
    ):
        return None
    code = coefficient * 64 + exponent + EXP_BIAS
    if len(_codes) >= CACHE_ENTRIES:
        _codes.clear()
    _codes[text] = code
    if type(value) is Decimal:  # what it decodes to: this very value (a new amount is usually read back soon)
        if len(_values) >= CACHE_ENTRIES:
            _values.clear()
        _values[code] = value
    return code


def encode_all(values: Sequence[Decimal]) -> list[int | None]:
    """`[encode(value) for value in values]`, in fewer steps when the codes are kept (the usual case)."""
    found = _codes.get
    codes = [found(str(value)) for value in values]
    if None in codes:
        codes = [encode(value) if code is None else code for value, code in zip(values, codes, strict=True)]
    return codes


def decoder() -> Callable[[int], Decimal | None]:
    """A look-up of the decoded values kept (None: not kept, call `decode`), for readers that decode per cell."""
    return _values.get


def decode(code: int) -> Decimal:
    """The value a code holds: the same digits, sign and exponent that were encoded."""
    value = _values.get(code)
    if value is None:
        coefficient, exponent = code >> 6, (code & _EXP_MASK) - EXP_BIAS
        value = Decimal(coefficient) if exponent == 0 else _EXACT.scaleb(Decimal(coefficient), exponent)
        if len(_values) >= CACHE_ENTRIES:
            _values.clear()
        _values[code] = value
    return value


_POWERS = [10**k for k in range(2 * EXP_BIAS + 16)]


def units(code: int, places: int) -> int | None:
    """The value of a code as a whole number of 10**-places (micro-dollars for 6), or None if it is finer."""
    coefficient, shift = code >> 6, (code & _EXP_MASK) - EXP_BIAS + places
    if shift >= 0:
        return coefficient * _POWERS[shift]
    whole, rest = divmod(coefficient, _POWERS[-shift])
    return None if rest else whole


def scaled(count: int, places: int) -> Decimal:
    """`count` units of 10**-places as a Decimal with that many places (`units`' inverse)."""
    return _EXACT.scaleb(Decimal(count), -places)


def nonzero(code: int) -> bool:
    """Whether a code's value is not zero (not for `ODD`: look at the value kept whole)."""
    return code >> 6 != 0


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_last_micros: tuple[datetime | None, int] = (None, 0)


def micros(when: datetime) -> int:
    """Microseconds since the epoch (`clock.unix_us`); the last one is remembered, for the few cells of one command
    that take the same time."""
    global _last_micros
    last, us = _last_micros
    if when is not last:
        us = (when - _EPOCH) // _MICROSECOND
        _last_micros = (when, us)
    return us


_shared: dict[str, Decimal] = {}


def shared(value: Decimal) -> Decimal:
    """One object for every Decimal of the same text (a market's last price): values that recur cost nothing."""
    text = str(value)
    found = _shared.get(text)
    if found is None:
        if len(_shared) >= CACHE_ENTRIES:
            _shared.clear()
        found = _shared[text] = value
    return found


class Column(array):
    """An array of machine integers (or bytes) that pickles as its bytes, and reads back on either byte order."""

    def __new__(cls, typecode: str = "q", data: bytes = b"", byteorder: str = sys.byteorder) -> Column:
        column = super().__new__(cls, typecode, data)
        if byteorder != sys.byteorder:
            column.byteswap()
        return column

    def __reduce_ex__(self, protocol: object) -> tuple[type[Column], tuple[str, bytes, str]]:
        return type(self), (self.typecode, self.tobytes(), sys.byteorder)

    def __reduce__(self) -> tuple[type[Column], tuple[str, bytes, str]]:
        return self.__reduce_ex__(None)

    def __copy__(self) -> Column:
        return type(self)(self.typecode, self.tobytes())

    def __deepcopy__(self, memo: object) -> Column:
        return self.__copy__()
