"""The one vocabulary for a field's value: what a command's field takes, read from the plain JSON-like value an edge
hands over (the admin API's body, a scenario step, a state file's command, a Python call, a venue's decoded request)
into the core's units, written back to that plain value, and described as JSON Schema (the admin API's document, the
contract kit's write rules).

Each kind reads a value or raises `Refused`, which names the field, says what it takes and shows what it got, and
says why in one word (`why`); each edge words a refusal in its own shape (the admin API's 400, a scenario's line,
Kalshi's exchange error with the refusal's `code`, a JSON-RPC error) or its own words (a venue's reader: Kalshi's Go
validator tags, Deribit's `data.reason`), reading the kind's bounds for them. A venue's reader first decodes what its
wire sends (a query's text, JSON-RPC's numbers) into the kind's plain value, its format errors in its own words. A kind
also checks a value already in the core's units (`check`), so a command built in Python holds no value an edge would
have refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import GenericAlias
from typing import Any, Generic, TypeVar

from mockexchange.core.money import MAX_DECIMAL_CHARS, MoneyError, parse_decimal, plain, shown

T = TypeVar("T")

MAX_TEXT = 256  # characters of an id, a ticker, a name, a scope
# Exchange time stays from the Unix epoch (Kalshi's times are Unix seconds) to before 9999: every date the mock derives
# from it stays within Python's calendar, which ends with 9999.
EARLIEST_EXCHANGE_TIME = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_EXCHANGE_TIME = datetime(9999, 1, 1, tzinfo=UTC)
LATEST_SECONDS = int(LATEST_EXCHANGE_TIME.timestamp())


# Why a value is refused (`Refused.why`): not of the kind's form (another type, a text its pattern refuses); below its
# `least`, above its `most`; longer than its `most` (characters of a text, items of a list); none of its options; an
# item of a list refused (`Refused.given`: the item).
FORM, BELOW, ABOVE, LONG, UNLISTED, ITEM = "form", "below", "above", "long", "unlisted", "item"
_KEPT_TEXTS = 1 << 12  # texts an amount's kind keeps as read, at most (then forgotten and read again)


class Refused(ValueError):
    """A value a field does not take. `code`: the venue's word for it where it has one (Kalshi's `invalid_price`);
    `why`: which rule refused it (FORM, BELOW, ...); `given`: the item refused, for `ITEM`."""

    def __init__(self, message: str, code: str | None = None, why: str = FORM, given: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.why = why
        self.given = given


def _side(below: bool) -> str:
    return BELOW if below else ABOVE


class Kind(Generic[T]):
    """What a field takes. `plain` is the plain value's Python type (for a signature), `read` makes the core's value of
    a plain one, `write` the plain one of the core's, `check` refuses a core value out of bounds."""

    plain: Any = object

    def read(self, value: Any, name: str) -> T:
        raise NotImplementedError

    def write(self, value: T) -> Any:
        return value

    def check(self, value: T, name: str) -> None:
        """(A value read is checked already; this is for one a caller made in the core's units.) By default, as its
        plain value would be read: a kind whose core value cannot be written as it is checks it first."""
        self.read(self.write(value), name)

    def schema(self) -> dict[str, Any]:
        return {}


@dataclass(frozen=True, slots=True)
class Text(Kind[str]):
    """A string of `least` to `most` characters (None: any number); `blank`: one of blanks only is taken too;
    `pattern`: what the whole of it must match."""

    most: int | None = MAX_TEXT
    least: int = 1
    blank: bool = False
    pattern: re.Pattern[str] | None = None
    plain = str

    def read(self, value: Any, name: str) -> str:
        if (
            not isinstance(value, str)
            or len(value) < self.least
            or not (self.blank or (value and not value.isspace()))  # (blanks only: no stripped copy made)
            or (self.pattern is not None and not self.pattern.fullmatch(value))
        ):
            raise Refused(self._words(name, value))
        if self.most is not None and len(value) > self.most:
            raise Refused(self._words(name, value), why=LONG)
        return value

    def _words(self, name: str, value: Any) -> str:
        most = "" if self.most is None else f" of at most {self.most} characters"
        pattern = "" if self.pattern is None else f" matching {self.pattern.pattern}"
        empty = "" if self.blank and not self.least else "non-empty "  # (blanks alone taken or not: both refuse "")
        return f"{name} must be a {empty}string{most}{pattern}, not {shown(value)}"

    def schema(self) -> dict[str, Any]:
        pattern = None if self.pattern is None else f"^(?:{self.pattern.pattern})$"
        return _stated(type="string", minLength=self.least or None, maxLength=self.most, pattern=pattern)


TEXT = Text()  # an id, a ticker, a name: the text most fields take


@dataclass(frozen=True, slots=True)
class Flag(Kind[bool]):
    plain = bool

    def read(self, value: Any, name: str) -> bool:
        # A number is never a flag: 1 and 0 are refused as "true" and "false" would be as numbers.
        if not isinstance(value, bool):
            raise Refused(f"{name} must be true or false, not {shown(value)}")
        return value

    def schema(self) -> dict[str, Any]:
        return {"type": "boolean"}


FLAG = Flag()


@dataclass(frozen=True, slots=True)
class Integer(Kind[int]):
    least: int
    most: int
    plain = int

    def read(self, value: Any, name: str) -> int:
        if value.__class__ is int and self.least <= value <= self.most:  # (the common case first)
            return value
        if isinstance(value, bool) or not isinstance(value, int) or not self.least <= value <= self.most:
            why = FORM if isinstance(value, bool) or not isinstance(value, int) else _side(value < self.least)
            raise Refused(f"{name} must be an integer from {self.least} to {self.most}, not {shown(value)}", why=why)
        return value

    def schema(self) -> dict[str, Any]:
        return {"type": "integer", "minimum": self.least, "maximum": self.most}


@dataclass(frozen=True, slots=True)
class Choice(Kind[str]):
    options: tuple[str, ...]
    plain = str

    def read(self, value: Any, name: str) -> str:
        if not isinstance(value, str) or value not in self.options:
            why = UNLISTED if isinstance(value, str) else FORM
            raise Refused(f"{name} must be one of {', '.join(map(repr, self.options))}, not {shown(value)}", why=why)
        return value

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "enum": list(self.options)}


@dataclass(frozen=True, slots=True)
class OneOf(Kind[int]):
    """An integer among `options` (Go's `oneof` on an integer field: its text is parsed first, so "060" is 60)."""

    options: tuple[int, ...]
    plain = int

    def read(self, value: Any, name: str) -> int:
        if value.__class__ is not int or value not in self.options:
            why = UNLISTED if value.__class__ is int else FORM
            raise Refused(f"{name} must be one of {', '.join(map(str, self.options))}, not {shown(value)}", why=why,
                          given=value)  # fmt: skip
        return value

    def schema(self) -> dict[str, Any]:
        return {"type": "integer", "enum": list(self.options)}


@dataclass(frozen=True, slots=True)
class Scaled(Kind[int]):
    """An amount written as a decimal string ("10", "0.56"), held as an integer of its unit (`places` finer than
    the whole: hundredths of a contract, ten-thousandths of a dollar), from `least` to `most` units. `parse` reads the
    text (core/money.py's, its `MoneyError` a refusal with `code`); `words` say the range. A text it took is kept
    with its units (a few thousand, each at most `MAX_DECIMAL_CHARS` characters): the amounts clients send repeat."""

    parse: Callable[[Any, str], int]
    places: int
    least: int
    most: int
    words: str
    code: str | None = None
    kept: dict[str, int] = field(default_factory=dict, init=False, repr=False, compare=False)
    plain = str

    def read(self, value: Any, name: str) -> int:
        text = value.__class__ is str
        if text:
            found = self.kept.get(value)
            if found is not None:
                return found
        try:
            units = self.parse(value, name)
        except MoneyError as exc:
            raise Refused(str(exc), self.code) from None
        if not self.least <= units <= self.most:
            raise Refused(f"{name} must be {self.words}, not {shown(value)}", self.code, _side(units < self.least))
        if text and len(value) <= MAX_DECIMAL_CHARS:
            kept = self.kept
            if len(kept) >= _KEPT_TEXTS:
                kept.clear()
            kept[value] = units
        return units

    def write(self, value: int) -> str:
        return plain(Decimal(value).scaleb(-self.places))

    def check(self, value: int, name: str) -> None:
        if type(value) is not int or not self.least <= value <= self.most:
            raise Refused(f"{name} must be {self.words} (in units of 1e-{self.places}), not {shown(value)}", self.code)

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "pattern": r"^\s*[+-]?[0-9]*\.?[0-9]*\s*$"}


_UNIX_SECONDS = Integer(0, LATEST_SECONDS)


def _exchange_time(value: datetime, name: str) -> None:
    """A time made in Python (a datetime with a timezone) within the exchange's times."""
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise Refused(f"{name} must be a time with a timezone, not {shown(value)}")
    if not EARLIEST_EXCHANGE_TIME <= value < LATEST_EXCHANGE_TIME:
        raise Refused(
            f"{name} must be from {EARLIEST_EXCHANGE_TIME.isoformat()} to before "
            f"{LATEST_EXCHANGE_TIME.isoformat()}, not {value.isoformat()}"
        )


@dataclass(frozen=True, slots=True)
class UnixTime(Kind[datetime]):
    """Unix seconds, held as the exchange's time."""

    plain = int

    def read(self, value: Any, name: str) -> datetime:
        when = datetime.fromtimestamp(_UNIX_SECONDS.read(value, name), UTC)
        self.check(when, name)
        return when

    def write(self, value: datetime) -> int:
        return int(value.timestamp())

    def check(self, value: datetime, name: str) -> None:
        _exchange_time(value, name)

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
                f"not {shown(parsed)}",
                why=_side(parsed < self.least),
            )
        return parsed

    def write(self, value: Decimal) -> str:
        return f"{value:f}"

    def check(self, value: Decimal, name: str) -> None:
        # As its plain value is read: a value made in Python is refused in the words its text would be.
        if not isinstance(value, Decimal) or not value.is_finite():
            raise Refused(f"{name} must be a finite Decimal, not {shown(value)}")
        # (one longer than any text the edges take is read as it is: written out, it would take its whole length)
        self.read(self.write(value) if abs(value.adjusted()) <= MAX_DECIMAL_CHARS else value, name)

    def schema(self) -> dict[str, Any]:
        return {"type": ["string", "integer"]}


@dataclass(frozen=True, slots=True)
class Listed(Kind[tuple[Any, ...]]):
    """A list of `least` to `most` values (None: any number), each of `item`'s kind, held as a tuple (None: the
    items are its caller's to read, as a list of objects' fields are); `noun` says what an item is."""

    item: Kind[Any] | None
    most: int | None = None
    least: int = 0
    noun: str = "values"
    plain: Any = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "plain", list if self.item is None else GenericAlias(list, (self.item.plain,)))

    def read(self, value: Any, name: str) -> tuple[Any, ...]:
        if not isinstance(value, list) or (self.most is not None and len(value) > self.most) or len(value) < self.least:
            why = FORM if not isinstance(value, list) else BELOW if len(value) < self.least else LONG
            raise Refused(self._words(name, "list", value), why=why)
        if self.item is None:
            return tuple(value)
        items = []
        for i, item in enumerate(value):
            try:
                items.append(self.item.read(item, f"{name}[{i}]"))
            except Refused as exc:
                raise Refused(str(exc), exc.code, ITEM, item) from None
        return tuple(items)

    def _words(self, name: str, what: str, value: Any) -> str:
        count = f"{self.least} to {self.most}" if self.least else f"at most {self.most}"
        count = f"at least {self.least}" if self.most is None else count
        return f"{name} must be a {what} of {count} {self.noun}, not {shown(value)}"

    def write(self, value: tuple[Any, ...]) -> list[Any]:
        return list(value) if self.item is None else [self.item.write(item) for item in value]

    def check(self, value: tuple[Any, ...], name: str) -> None:
        if not isinstance(value, tuple):
            raise Refused(self._words(name, "tuple", value))
        self.read(self.write(value), name)

    def schema(self) -> dict[str, Any]:
        items = None if self.item is None else self.item.schema()
        return _stated(type="array", minItems=self.least or None, maxItems=self.most, items=items)


def _stated(**schema: Any) -> dict[str, Any]:
    """A JSON Schema of the keywords stated (not None)."""
    return {keyword: value for keyword, value in schema.items() if value is not None}


@dataclass(frozen=True, slots=True)
class IsoTime(Kind[datetime]):
    """An ISO 8601 time with a timezone, held as the exchange's time (UTC)."""

    plain = str

    def read(self, value: Any, name: str) -> datetime:
        try:
            when = datetime.fromisoformat(value) if isinstance(value, str) and len(value) <= 64 else None
        except ValueError:
            when = None
        if when is None or when.tzinfo is None:
            raise Refused(f"{name} must be an ISO 8601 time with a timezone, e.g. 2026-12-09T19:00:00Z: {shown(value)}")
        self.check(when, name)
        return when.astimezone(UTC)

    def write(self, value: datetime) -> str:
        return value.isoformat()

    def check(self, value: datetime, name: str) -> None:
        _exchange_time(value, name)

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "format": "date-time"}


@dataclass(frozen=True, slots=True)
class Seconds(Kind[timedelta]):
    """A number of seconds (a whole or a fractional one) from 0 to below `most`, held as a `timedelta`."""

    most: int
    plain = float  # (an int is a float here, as JSON Schema's "number" takes one)

    def read(self, value: Any, name: str) -> timedelta:
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if not number or not 0 <= value < self.most:  # NaN and infinity fail the range too
            raise Refused(f"{name} must be a number from 0 to below {self.most}, not {shown(value)}")
        return timedelta(seconds=value)

    def write(self, value: timedelta) -> int | float:
        seconds = value.total_seconds()
        return int(seconds) if seconds.is_integer() else seconds

    def check(self, value: timedelta, name: str) -> None:
        if not isinstance(value, timedelta) or not timedelta(0) <= value < timedelta(seconds=self.most):
            raise Refused(f"{name} must be a duration from 0 to below {self.most} seconds, not {shown(value)}")

    def schema(self) -> dict[str, Any]:
        return {"type": "number", "minimum": 0, "exclusiveMaximum": self.most}


@dataclass(frozen=True, slots=True)
class Entries(Kind[tuple[Any, ...]]):
    """A list of `least` to `most` objects, each read into an `entry` (a NamedTuple) by its fields' kinds (`kinds`: a
    field's plain name -> its kind; one whose entry default is None is optional)."""

    entry: Any  # the NamedTuple's class
    kinds: Mapping[str, Kind[Any]]
    most: int
    noun: str
    least: int = 1
    plain = list[dict[str, Any]]

    def read(self, value: Any, name: str) -> tuple[Any, ...]:
        if not isinstance(value, list | tuple) or not self.least <= len(value) <= self.most:
            raise Refused(f"{name} must be a list of {self.least} to {self.most} {self.noun}, not {shown(value)}")
        return tuple(self._entry(item, f"{name}[{i}]") for i, item in enumerate(value))

    def _entry(self, item: Any, where: str) -> Any:
        if not isinstance(item, dict) or not item.keys() <= self.kinds.keys():
            raise Refused(f"{where} must be an object of {', '.join(self.kinds)}, not {shown(item)}")
        optional = self.entry._field_defaults
        values = {}
        for field_name, kind in self.kinds.items():
            given = item.get(field_name)
            if given is None and field_name not in optional:
                raise Refused(f"{where}.{field_name} is required")
            values[field_name] = None if given is None else kind.read(given, f"{where}.{field_name}")
        return self.entry(**values)

    def write(self, value: tuple[Any, ...]) -> list[dict[str, Any]]:
        return [{name: self.kinds[name].write(held) for name, held in entry._asdict().items() if held is not None}
                for entry in value]  # fmt: skip

    def check(self, value: tuple[Any, ...], name: str) -> None:
        if not isinstance(value, tuple) or not all(isinstance(entry, self.entry) for entry in value):
            raise Refused(f"{name} must be a tuple of {self.entry.__name__}s")
        self.read(self.write(value), name)

    def schema(self) -> dict[str, Any]:
        return {"type": "array", "minItems": self.least, "maxItems": self.most, "items": {"type": "object"}}
