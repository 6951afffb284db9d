"""The one vocabulary for a field's value: what a command's field takes, read from the plain JSON-like value an edge
hands over (the admin API's body, a scenario step, a state file's command, a Python call, a venue's decoded request)
into the core's units, written back to that plain value, and described as JSON Schema (the admin API's document, the
contract kit's write rules).

Each kind reads a value or raises `Refused`, which names the field, says what it takes and shows what it got; each edge
words a refusal in its own shape (the admin API's 400, a scenario's line, Kalshi's exchange error with the refusal's
`code`, a JSON-RPC error). A kind also checks a value already in the core's units (`check`), so a command built in
Python holds no value an edge would have refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

from mockexchange.core.money import MoneyError, parse_decimal, plain, shown

T = TypeVar("T")

MAX_TEXT = 256  # characters of an id, a ticker, a name, a scope
# Exchange time stays from the Unix epoch (Kalshi's times are Unix seconds) to before 9999: every date the mock derives
# from it stays within Python's calendar, which ends with 9999.
EARLIEST_EXCHANGE_TIME = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_EXCHANGE_TIME = datetime(9999, 1, 1, tzinfo=UTC)
LATEST_SECONDS = int(LATEST_EXCHANGE_TIME.timestamp())


class Refused(ValueError):
    """A value a field does not take. `code`: the venue's word for it where it has one (Kalshi's `invalid_price`)."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


class Kind(Generic[T]):
    """What a field takes. `plain` is the plain value's Python type (for a signature), `read` makes the core's value of
    a plain one, `write` the plain one of the core's, `check` refuses a core value out of bounds."""

    plain: Any = object

    def read(self, value: Any, name: str) -> T:
        raise NotImplementedError

    def write(self, value: T) -> Any:
        return value

    def check(self, value: T, name: str) -> None:
        """(A value read is checked already; this is for one a caller made in the core's units.)"""

    def schema(self) -> dict[str, Any]:
        return {}


@dataclass(frozen=True, slots=True)
class Text(Kind[str]):
    most: int = MAX_TEXT
    plain = str

    def read(self, value: Any, name: str) -> str:
        if not isinstance(value, str) or not value.strip() or len(value) > self.most:
            raise Refused(f"{name} must be a non-empty string of at most {self.most} characters, not {shown(value)}")
        return value

    def check(self, value: str, name: str) -> None:
        self.read(value, name)

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "minLength": 1, "maxLength": self.most}


@dataclass(frozen=True, slots=True)
class Flag(Kind[bool]):
    plain = bool

    def read(self, value: Any, name: str) -> bool:
        # A number is never a flag: 1 and 0 are refused as "true" and "false" would be as numbers.
        if not isinstance(value, bool):
            raise Refused(f"{name} must be true or false, not {shown(value)}")
        return value

    def check(self, value: bool, name: str) -> None:
        self.read(value, name)

    def schema(self) -> dict[str, Any]:
        return {"type": "boolean"}


@dataclass(frozen=True, slots=True)
class Integer(Kind[int]):
    least: int
    most: int
    plain = int

    def read(self, value: Any, name: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not self.least <= value <= self.most:
            raise Refused(f"{name} must be an integer from {self.least} to {self.most}, not {shown(value)}")
        return value

    def check(self, value: int, name: str) -> None:
        self.read(value, name)

    def schema(self) -> dict[str, Any]:
        return {"type": "integer", "minimum": self.least, "maximum": self.most}


@dataclass(frozen=True, slots=True)
class Choice(Kind[str]):
    options: tuple[str, ...]
    plain = str

    def read(self, value: Any, name: str) -> str:
        if not isinstance(value, str) or value not in self.options:
            raise Refused(f"{name} must be one of {', '.join(map(repr, self.options))}, not {shown(value)}")
        return value

    def check(self, value: str, name: str) -> None:
        self.read(value, name)

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "enum": list(self.options)}


@dataclass(frozen=True, slots=True)
class Scaled(Kind[int]):
    """An amount written as a decimal string ("10", "0.56"), held as an integer of its unit (`places` finer than
    the whole: hundredths of a contract, ten-thousandths of a dollar), from `least` to `most` units. `parse` reads the
    text (core/money.py's, its `MoneyError` a refusal with `code`); `words` say the range."""

    parse: Callable[[Any, str], int]
    places: int
    least: int
    most: int
    words: str
    code: str | None = None
    plain = str

    def read(self, value: Any, name: str) -> int:
        try:
            units = self.parse(value, name)
        except MoneyError as exc:
            raise Refused(str(exc), self.code) from None
        if not self.least <= units <= self.most:
            raise Refused(f"{name} must be {self.words}, not {shown(value)}", self.code)
        return units

    def write(self, value: int) -> str:
        return plain(Decimal(value).scaleb(-self.places))

    def check(self, value: int, name: str) -> None:
        if type(value) is not int or not self.least <= value <= self.most:
            raise Refused(f"{name} must be {self.words} (in units of 1e-{self.places}), not {shown(value)}", self.code)

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "pattern": r"^\s*[+-]?[0-9]*\.?[0-9]*\s*$"}


@dataclass(frozen=True, slots=True)
class UnixTime(Kind[datetime]):
    """Unix seconds, held as the exchange's time."""

    plain = int

    def read(self, value: Any, name: str) -> datetime:
        when = datetime.fromtimestamp(Integer(0, LATEST_SECONDS).read(value, name), UTC)
        self.check(when, name)
        return when

    def write(self, value: datetime) -> int:
        return int(value.timestamp())

    def check(self, value: datetime, name: str) -> None:
        if not EARLIEST_EXCHANGE_TIME <= value < LATEST_EXCHANGE_TIME:
            raise Refused(
                f"{name} must be from {EARLIEST_EXCHANGE_TIME.isoformat()} to before "
                f"{LATEST_EXCHANGE_TIME.isoformat()}, not {value.isoformat()}"
            )

    def schema(self) -> dict[str, Any]:
        return {"type": "integer", "minimum": 0, "maximum": LATEST_SECONDS}


@dataclass(frozen=True, slots=True)
class Decimals(Kind[Decimal]):
    """An amount written as a decimal string ("1.5") or an integer, held as the exact `Decimal` it writes, from `least`
    to `most` with at most `places` places (Deribit's amounts and prices: the coin's satoshi, a price's tick)."""

    least: Decimal
    most: Decimal
    places: int
    plain = str | int

    def read(self, value: Any, name: str) -> Decimal:
        accepted = f"{self.least:f} to {self.most:f}, at most {self.places} places"
        try:
            parsed = parse_decimal(value, name, self.places, accepted)
        except MoneyError as exc:
            raise Refused(str(exc)) from None
        if not self.least <= parsed <= self.most:
            raise Refused(
                f"{name} must be from {self.least:f} to {self.most:f} with at most {self.places} decimal places, "
                f"not {shown(parsed)}"
            )
        return parsed

    def write(self, value: Decimal) -> str:
        return f"{value:f}"

    def check(self, value: Decimal, name: str) -> None:
        # As its plain value is read: a value made in Python is refused in the words its text would be.
        if not isinstance(value, Decimal) or not value.is_finite():
            raise Refused(f"{name} must be a finite Decimal, not {shown(value)}")
        self.read(self.write(value), name)

    def schema(self) -> dict[str, Any]:
        return {"type": ["string", "integer"]}
