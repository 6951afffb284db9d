"""Decimal amounts at the edges: dollars, contract counts, cents and centi-cents, for both venues.

Every amount a caller gives or a renderer writes is a `Decimal` (the Kalshi core holds its own as integers in fixed
units, core/kalshi/units.py; Deribit's book holds Decimals). This module owns parsing (what inputs are accepted, and
the bounds of one Kalshi amount) and how an amount is cut to the places a venue writes: renderers call `fixed`,
`truncate` and the integer conversions; the control plane writes amounts with `plain`.

A decimal string is plain ASCII: an optional sign, digits 0-9 and at most one point ("0.56", "-1.5", "10"); no
exponent ("1e3"), no other digits ("１２", "²"), no underscores, at most 64 characters. So no input can hold a number
whose digits would fill a response ("1e999999") or that `Decimal` reads differently from a venue. That grammar has
options (`Grammar`): the control plane's (`LENIENT`) takes blanks around the digits, a "+" and a bare point (" +.5");
Kalshi's wire (`FIXED_POINT`) takes none of them ("0.50", "-1.5", "10").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Context, Decimal

from mockexchange.core.numbers import excerpt

ZERO = Decimal(0)
ONE = Decimal(1)

_PLAIN = Context(prec=60)  # wider than any amount: normalizing never rounds
_QUANTA = {places: Decimal(1).scaleb(-places) for places in range(13)}  # built once: renderers call fixed() per amount

# The bounds of one Kalshi amount (docs/admin-api.md, "Bounds"). The ledger bounds what amounts add up to.
MAX_COUNT = Decimal(1_000_000_000)  # contracts in one fill or order: far above any real order, within int32
MAX_FEE_PER_CONTRACT = ONE  # a fill's own fee: Kalshi's schedule never charges more than 2 cents a contract
MAX_CENTS = 10**14  # one balance, deposit, withdrawal or transfer fee: $1 trillion, cents well within int64
MAX_DECIMAL_CHARS = 64  # longer than any amount within the bounds, leading zeros included
_KEPT_TEXTS = 1 << 12  # texts a grammar keeps as read, at most (then forgotten and read again)


@dataclass(frozen=True, slots=True)
class Grammar:
    """What a caller's decimal strings may hold beside digits and one point: the signs, blanks around them (space,
    tab, CR, LF, stripped), a point with no digit on one side of it (".5", "5.")."""

    signs: str
    blanks: bool
    bare_point: bool
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)
    words: str = field(init=False, repr=False, compare=False)  # what to write, as a refusal says it
    # The texts read in it, each as written (`written`), by (text, places): the amounts clients send repeat
    kept: dict[tuple[str, int], str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        sign = f"[{re.escape(self.signs)}]?" if self.signs else ""
        number = r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)" if self.bare_point else r"[0-9]+(?:\.[0-9]+)?"
        words = "finite plain digits 0-9 with at most one point" + ("" if self.bare_point else " between digits")
        others = "".join(f' but "{sign}"' for sign in self.signs)
        words += "" if self.signs == "+-" else f", no sign{others}"
        words += "" if self.blanks else ", no blanks"
        object.__setattr__(self, "pattern", re.compile(sign + number))
        object.__setattr__(self, "words", words)
        object.__setattr__(self, "kept", {})


LENIENT = Grammar("+-", blanks=True, bare_point=True)  # the control plane's: the admin API, scenarios, Python calls
# Kalshi's fixed-point strings (FixedPointDollars, FixedPointCount) as its docs write them ("0.5600", "10", "-1.50")
FIXED_POINT = Grammar("-", blanks=False, bare_point=False)


class MoneyError(ValueError):
    """An amount that cannot be taken as given (wrong format, too many places, out of range)."""


_CONTAINERS: dict[type, str] = {list: "a list", tuple: "a list", dict: "an object"}


def shown(value: object) -> str:
    """A value as a refusal quotes it: never all of a long one (nor `str()` of a huge int, which Python refuses);
    other values by their JSON type."""
    if isinstance(value, str):
        return excerpt(value)
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    if isinstance(value, Decimal | int):
        digits = str(Decimal(value))
        return digits if len(digits) <= 40 else f"{digits[:40]}... ({len(digits)} characters)"
    if isinstance(value, float):
        return repr(value)
    return _CONTAINERS.get(type(value), f"a {type(value).__name__}")


def parse_decimal(
    text: str | int | Decimal, what: str, max_places: int, accepted: str = "", grammar: Grammar = LENIENT
) -> Decimal:
    """A decimal string (in `grammar`), an integer or a finite `Decimal`, with at most `max_places` places. Never a
    float or a bool: floats lose cents, so no binary fraction ever enters the state. `accepted` (the caller's range,
    in words) ends every refusal, so a message says what would have been taken."""
    if isinstance(text, str):  # the common case first
        return Decimal(written(text, what, max_places, grammar, accepted))  # (the grammar admits only finite values)
    return _given(text, what, max_places, accepted)


def parse_scaled(text: str | int | Decimal, what: str, places: int, accepted: str = "") -> int:
    """What `parse_decimal` takes, and refuses in its words, as an integer of `places` places ("0.45", 4 places:
    4500): exact, and a string never becomes a `Decimal` on the way. A value of more than `MAX_DECIMAL_CHARS` digits
    before the point, which only a number given as a number can be, is answered as the largest such value of its
    sign: past every bound a caller checks."""
    if isinstance(text, str):
        # Its digits with the places filled in, as one integer (its sign, if any, leads: "-.5" is "-5000" at 4)
        whole, _, part = written(text, what, places, LENIENT, accepted).partition(".")
        return int(whole + part.ljust(places, "0"))
    sign, digits, exponent = _given(text, what, places, accepted).as_tuple()
    assert isinstance(exponent, int)  # (and exponent + places >= 0: the places are checked)
    if len(digits) + exponent > MAX_DECIMAL_CHARS:
        units = 10 ** (MAX_DECIMAL_CHARS + places)
    else:
        units = int("".join(map(str, digits))) * 10 ** (exponent + places)
    return -units if sign else units


def written(text: str, what: str, max_places: int, grammar: Grammar = LENIENT, accepted: str = "") -> str:
    """A decimal string as written in `grammar`, at most `max_places` places (blanks gone if it takes them), refused
    in `parse_decimal`'s words (`accepted`, the caller's range, ending them): for a caller that checks text it hands
    on, not its value; the words of a refusal are built only if it is refused. A text read once is kept (a few
    thousand, at most `MAX_DECIMAL_CHARS` characters each): read again, it is looked up."""
    kept = grammar.kept
    found = kept.get((text, max_places))
    if found is not None:
        return found
    bare = text.strip(" \t\r\n") if grammar.blanks else text
    if not bare or len(bare) > MAX_DECIMAL_CHARS or not grammar.pattern.fullmatch(bare):
        if not text.strip():
            raise MoneyError(f"{what} must be a decimal string, not {shown(text)}{_said(what, accepted)}")
        raise MoneyError(
            f"{what} is not a decimal number: {shown(text)}; write {grammar.words}, no exponent, at most "
            f'{MAX_DECIMAL_CHARS} characters, e.g. "0.56"{_said(what, accepted)}'
        )
    point = bare.find(".")  # (by the grammar, the digits after the point are the places: no as_tuple)
    if point >= 0 and len(bare) - point - 1 > max_places:
        raise _too_fine(text, what, max_places, accepted)
    if len(text) <= MAX_DECIMAL_CHARS:  # (blanks around a text may make it long: only a short one is kept)
        if len(kept) >= _KEPT_TEXTS:
            kept.clear()
        kept[(text, max_places)] = bare
    return bare


def _given(value: object, what: str, max_places: int, accepted: str) -> Decimal:
    """An amount given as a number, not a string: an int, or a finite `Decimal` of at most `max_places` places."""
    if isinstance(value, bool | float) or not isinstance(value, int | Decimal):
        kind = type(value).__name__ if isinstance(value, bool | float) else shown(value)
        raise MoneyError(f"{what} must be a decimal string, not {kind}{_said(what, accepted)}")
    if isinstance(value, int):
        return Decimal(value)
    if not value.is_finite():
        raise MoneyError(f"{what} must be finite{_said(what, accepted)}")
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    if -exponent > max_places:
        raise _too_fine(value, what, max_places, accepted)
    return value


def _too_fine(text: str | Decimal, what: str, max_places: int, accepted: str) -> MoneyError:
    return MoneyError(f"{what} has more than {max_places} decimal places: {shown(text)}{_said(what, accepted)}")


def _said(what: str, accepted: str) -> str:
    return f" ({what}: {accepted})" if accepted else ""


def parse_count(text: str | int | Decimal, what: str = "count") -> Decimal:
    """A contract count: "10", "10.5", "10.00" (at most 2 places), from 0.01 to `MAX_COUNT`."""
    accepted = f"0.01 to {MAX_COUNT} contracts, at most 2 places"
    value = parse_decimal(text, what, 2, accepted)
    if not ZERO < value <= MAX_COUNT:
        raise MoneyError(f"{what} must be positive and at most {MAX_COUNT} ({accepted}), not {shown(value)}")
    return value


_PRICE_WORDS = "0.0001 to 0.9999 dollars, at most 4 places"


def parse_price(text: str | int | Decimal, what: str = "price", grammar: Grammar = LENIENT) -> Decimal:
    """A contract price in dollars, strictly between 0 and 1, at most 4 places (Kalshi takes 2-4)."""
    value = parse_decimal(text, what, 4, _PRICE_WORDS, grammar)
    if not ZERO < value < ONE:
        raise _off_price(value, what)
    return value


def parse_price_units(text: str | int | Decimal, what: str = "price") -> int:
    """`parse_price`'s price in ten-thousandths of a dollar ("0.45": 4500), refused in its words."""
    units = parse_scaled(text, what, 4, _PRICE_WORDS)
    if not 0 < units < 10_000:
        raise _off_price(parse_decimal(text, what, 4, _PRICE_WORDS), what)
    return units


def _off_price(value: Decimal, what: str) -> MoneyError:
    return MoneyError(f"{what} must be between 0 and 1 dollars exclusive ({_PRICE_WORDS}), not {shown(value)}")


def parse_fee(text: str | int | Decimal, count: Decimal, what: str = "fee") -> Decimal:
    """A fill's own fee in dollars (at most 6 places): from 0 to `MAX_FEE_PER_CONTRACT` per contract of the fill, so
    fees never outgrow the contracts traded."""
    most = count * MAX_FEE_PER_CONTRACT
    accepted = f"0 to {MAX_FEE_PER_CONTRACT} dollar a contract: 0 to {most:f} for {count:f} contracts, at most 6 places"
    value = parse_decimal(text, what, 6, accepted)
    if value < ZERO:
        raise MoneyError(f"{what} must not be negative ({accepted})")
    if value > most:
        raise MoneyError(f"{what} must be at most {most:f} ({accepted}), not {shown(value)}")
    return value


def fixed(value: Decimal, places: int) -> str:
    """A decimal string with exactly `places` places, as the venues print amounts ("2.500000", "3.00").
    A value that rounds to zero prints without a sign ("0.0000", never "-0.0000")."""
    rounded = value.quantize(_QUANTA[places], ROUND_HALF_EVEN)  # (the rounding by position: by name, 40% dearer)
    return f"{abs(rounded) if rounded.is_zero() else rounded:f}"


def plain(value: Decimal) -> str:
    """A decimal string without trailing zeros or an exponent ("10", "0.1725", "0"), as the control plane writes
    amounts it was given: the digits of the value, whatever places it is held to."""
    if value.is_zero():
        return "0"
    return f"{value.normalize(_PLAIN):f}"


def truncate(value: Decimal, places: int) -> Decimal:
    """Cut toward zero to `places` places: how Kalshi derives coarser balance figures from finer ones
    (98.0186 dollars is 9801 cents), so every figure of one balance agrees."""
    return value.quantize(_QUANTA[places], ROUND_DOWN)


def to_cents(dollars: Decimal) -> int:
    """Integer cents, truncated toward zero (Kalshi's `balance`: 98.0186 dollars -> 9801)."""
    return int((dollars * 100).to_integral_value(ROUND_DOWN))


def to_centi_cents(dollars: Decimal) -> int:
    """Integer centi-cents ($1 = 10,000), truncated toward zero, as the older websocket payloads carry them."""
    return int((dollars * 10_000).to_integral_value(ROUND_DOWN))


def to_whole_contracts(count: Decimal) -> int:
    """Integer contracts for the older integer fields; fractional contracts truncate toward zero."""
    return int(count.to_integral_value(ROUND_DOWN))


def from_cents(cents: int) -> Decimal:
    if isinstance(cents, bool) or not isinstance(cents, int):
        raise MoneyError("cents must be an integer")
    return Decimal(cents) / 100
