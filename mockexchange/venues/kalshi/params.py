"""Query parameters: one declaration per parameter, its value's kind from the one vocabulary (core/values.py), read
the way Kalshi's Go server reads it: the generated binder makes the kind's plain value of the text (strconv for an
integer or a boolean, a comma-separated list split on its commas), its failure a format error; the kind checks it, as
the validator's tags do, and its refusal is worded as the tag that failed.

Unknown parameters are ignored and a repeated parameter counts once (its first value), as Go's `url.Values.Get` does.
An empty string value counts as absent; an empty integer is a format error, as Go's `strconv.ParseInt("")` is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from mockexchange.core.kalshi import subaccount_commands
from mockexchange.core.numbers import INT64_MAX, INT64_MIN, NotAnInteger, OutOfRange, parse_int
from mockexchange.core.values import BELOW, LONG, Choice, Integer, Kind, Listed, OneOf, Refused, Text
from mockexchange.schema.refinements import GO_SPACE
from mockexchange.venues.kalshi.errors import KalshiError, param_error, param_format_error, param_time_error

# Go's strconv.ParseBool: what reads as true, and as false.
GO_BOOLS = dict.fromkeys(("1", "t", "T", "TRUE", "true", "True"), True) | dict.fromkeys(
    ("0", "f", "F", "FALSE", "false", "False"), False
)
TEXT = Text(None, blank=True)  # any text: a ticker, an id, a cursor (what it names is the operation's to find)
SINGLE = Text(None, blank=True, pattern=re.compile("[^,]*"))  # Go's `excludes=,`: one value, not a list
INT64 = Integer(INT64_MIN, INT64_MAX)


# Go's time.Parse of RFC3339Nano (a fraction of any digits, `Z` or an offset), else of a date alone
_RFC3339 = re.compile(r"(\d{4})-(\d\d)-(\d\d)(?:T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?(?:(Z)|([+-])(\d\d):(\d\d)))?")


@dataclass(frozen=True, slots=True)
class GoTime(Kind[datetime]):
    """A time as the generated Go binder reads one (RFC 3339, else a date alone, at midnight UTC); its failure a
    format error."""

    plain = str

    def read(self, value: Any, name: str) -> datetime:
        found = _RFC3339.fullmatch(value) if isinstance(value, str) else None
        try:
            if found is None:
                raise ValueError(value)
            year, month, day, hour, minute, second, fraction, zulu, sign, off_h, off_m = found.groups()
            if hour is not None and zulu is None and (int(off_h) > 23 or int(off_m) > 59):
                raise ValueError(value)
            offset = timedelta(hours=int(off_h or 0), minutes=int(off_m or 0)) * (-1 if sign == "-" else 1)
            when = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
                            int((fraction or "0")[:6].ljust(6, "0")), UTC) - offset  # fmt: skip
        except (ValueError, OverflowError):
            said = f"{name} must be an RFC 3339 time (2026-01-02T15:04:05Z) or a date (2026-01-02)"
            raise Refused(said, given=value) from None
        return when


def listed(most: int | None = None, options: tuple[str, ...] = ()) -> Listed:
    """A comma-separated list of at most `most` values (each one of `options`, if given): tickers, statuses."""
    return Listed(Choice(options) if options else TEXT, most)


@dataclass(frozen=True, slots=True)
class Param:
    name: str  # as in the query string
    field: str  # as in the Go params struct, which names it in error messages
    kind: Kind[Any] = TEXT
    default: Any = None
    required: bool = False
    range_tags: tuple[str, str] = ("gte", "lte")  # the validator tags of an integer's bounds, as the spec declares them

    def parse(self, operation: str, raw: str | None) -> Any:
        kind, name = self.kind, self.name
        plain = kind.plain
        if raw is None or (raw == "" and plain is not int and plain is not bool):  # ("": ParseInt's error)
            if self.required:
                raise param_error(operation, self.field, "required", f"{name} is required")
            return self.default
        if kind is TEXT:  # (any text: nothing to check)
            return raw
        # Go's binder makes the kind's plain value of the text (strconv.ParseInt(raw, 10, 64): a sign, ASCII digits,
        # int64; ParseBool; a list's items between its commas), its failure a format error; then the kind checks it.
        try:
            if plain is int:
                return kind.read(parse_int(raw, signs="+-"), name)
            if plain is bool:
                return kind.read(GO_BOOLS[raw], name)
            if isinstance(kind, Listed):
                return kind.read([item.strip(GO_SPACE) for item in raw.split(",")], name)
            return kind.read(raw, name)
        except NotAnInteger:
            raise param_format_error(operation, name, raw, f"{name} must be an integer") from None
        except OutOfRange:
            raise param_format_error(
                operation, name, raw, f"{name} is out of the int64 range", "value out of range"
            ) from None
        except KeyError:
            raise param_format_error(
                operation, name, raw, f"{name} must be true or false", parser="ParseBool"
            ) from None
        except Refused as exc:
            raise self._failed(operation, exc) from None

    def _failed(self, operation: str, refused: Refused) -> KalshiError:
        """The kind's refusal as the validator tag that failed, in Kalshi's words."""
        kind, name, why = self.kind, self.name, refused.why
        if isinstance(kind, GoTime):
            return param_time_error(operation, name, refused.given, str(refused))
        if isinstance(kind, Integer):  # (BELOW or ABOVE: the binder made an integer)
            low = why == BELOW
            said = f"{name} must be {'>=' if low else '<='} {kind.least if low else kind.most}"
            return param_error(operation, self.field, self.range_tags[not low], said)
        if isinstance(kind, Listed):
            if why == LONG:
                return param_error(operation, self.field, "max", f"{name} takes at most {kind.most} values")
            if isinstance(kind.item, Text) and kind.item.most is not None and len(str(refused.given)) > kind.item.most:
                return param_error(operation, self.field, "max", f"each of {name} is at most {kind.item.most} long")
            options = kind.item.options if isinstance(kind.item, Choice) else ()  # (ITEM)
            allowed = f"; allowed: {', '.join(options)}" if options else ""
            said = f"{name} has an invalid value {refused.given!r}{allowed}"
            return param_error(operation, self.field, "oneof", said)
        if isinstance(kind, Choice):
            return param_error(operation, self.field, "oneof", f"{name} must be one of {', '.join(kind.options)}")
        if isinstance(kind, OneOf):  # (Go's `required` on an integer refuses its zero first)
            tag = "required" if self.required and refused.given == 0 else "oneof"
            return param_error(operation, self.field, tag, str(refused))
        return param_error(operation, self.field, "excludes", f"{name} takes a single value, not a list")  # (a pattern)


def parse_query(operation: str, params: Sequence[Param], query: Mapping[str, str]) -> dict[str, Any]:
    """Every declared parameter, parsed; the first failure raises a `KalshiError` with Kalshi's 400 body."""
    first = first_of(query)
    values: dict[str, Any] = {}
    for param in params:
        raw = first.get(param.name)
        # Absent and optional: its default, as `parse` would give (the common case, without the call).
        values[param.name] = param.default if raw is None and not param.required else param.parse(operation, raw)
    return values


def first_values(query_string: bytes) -> dict[str, str] | None:
    """Each parameter's first value, read from the raw query string as Starlette's `QueryParams` reads it (the
    latin-1 text split on `&`, then on the first `=`; an empty pair skipped, a name alone has the value ""); None for
    a string that needs decoding (`%` escapes, `+` for space), which the caller leaves to Starlette's parser."""
    text = query_string.decode("latin-1")
    if "%" in text or "+" in text:
        return None
    first: dict[str, str] = {}
    for pair in text.split("&"):
        if pair:
            name, _, value = pair.partition("=")
            first.setdefault(name, value)
    return first


class Query(dict):
    """A request's parameters by name, each its first value (the path's names over the query's), with every value of
    a repeated one kept (`every`: an array parameter of `explode` form, `tickers=A&tickers=B`)."""

    def __init__(self, query: Mapping[str, str], path: Mapping[str, str]) -> None:
        super().__init__(first_of(query))
        self.update(path)
        multi = getattr(query, "multi_items", None)
        self._items: list[tuple[str, str]] = list(multi()) if multi is not None else list(query.items())

    def every(self, name: str) -> list[str]:
        return [value for key, value in self._items if key == name]


class Parts(NamedTuple):
    """What a write that names a record is given (an operation of the table's `parts`): its body decoded (None: it
    takes none), and its path's names with its query (`Query`)."""

    body: dict[str, Any] | None
    query: Query


def first_of(query: Mapping[str, str]) -> Mapping[str, str]:
    """Each parameter's first value, as Go's `url.Values.Get` reads it (Starlette's `.get` gives the last)."""
    multi = getattr(query, "multi_items", None)
    if multi is None:
        return query
    first: dict[str, str] = {}
    for name, value in multi():
        first.setdefault(name, value)
    return first


# Declarations shared by several operations. Bounds and tags follow the spec's schemas and `validate` tags; a bound a
# command declares is the command's kind.
CURSOR = Param("cursor", "Cursor")
LIMIT = Param("limit", "Limit", Integer(1, 1000), 100, range_tags=("min", "max"))
TRANSFER_LIMIT = Param("limit", "Limit", Integer(1, 500), 100, range_tags=("min", "max"))
TICKER = Param("ticker", "Ticker")
SINGLE_EVENT_TICKER = Param("event_ticker", "EventTicker", SINGLE)
SUBACCOUNT = Param("subaccount", "Subaccount", subaccount_commands.SUBACCOUNT)
EXCHANGE_INDEX = Param("exchange_index", "ExchangeIndex", subaccount_commands.INDEX)
MIN_TS = Param("min_ts", "MinTs", INT64)
MAX_TS = Param("max_ts", "MaxTs", INT64)

__all__ = ["KalshiError", "Param", "parse_query"]
