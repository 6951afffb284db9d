"""Query parameters: one declaration per parameter, parsed and checked the way Kalshi's Go server checks them.

Unknown parameters are ignored and a repeated parameter counts once (its first value), as Go's `url.Values.Get` does.
An empty string value counts as absent; an empty integer is a format error, as Go's `strconv.ParseInt("")` is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

from mockexchange.core.numbers import INT64_MAX, INT64_MIN, NotAnInteger, OutOfRange, parse_int
from mockexchange.schema.refinements import GO_SPACE
from mockexchange.venues.kalshi.errors import KalshiError, param_error, param_format_error

Kind = Literal["int", "str", "enum", "csv", "bool"]
# Go's strconv.ParseBool: what reads as true, and as false.
TRUE_WORDS = frozenset({"1", "t", "T", "TRUE", "true", "True"})
FALSE_WORDS = frozenset({"0", "f", "F", "FALSE", "false", "False"})


@dataclass(frozen=True, slots=True)
class Param:
    name: str  # as in the query string
    field: str  # as in the Go params struct, which names it in error messages
    kind: Kind = "str"
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] = ()
    default: Any = None
    required: bool = False
    single: bool = False  # a comma-separated list is refused
    max_items: int | None = None  # for csv
    range_tags: tuple[str, str] = ("gte", "lte")  # the validator tags of the bounds, as the spec declares them

    def parse(self, operation: str, raw: str | None) -> Any:
        if raw is None or (raw == "" and self.kind not in ("int", "bool")):
            if self.required:
                raise param_error(operation, self.field, "required", f"{self.name} is required")
            return self.default
        if self.kind == "int":
            return self._int(operation, raw)
        if self.kind == "bool":
            if raw in TRUE_WORDS or raw in FALSE_WORDS:
                return raw in TRUE_WORDS
            diagnosis = f"{self.name} must be true or false"
            raise param_format_error(operation, self.name, raw, diagnosis, parser="ParseBool")
        if self.kind == "enum":
            if raw not in self.choices:
                raise param_error(
                    operation, self.field, "oneof", f"{self.name} must be one of {', '.join(self.choices)}"
                )
            return raw
        if self.kind == "csv":
            return self._csv(operation, raw)
        if self.single and "," in raw:
            raise param_error(operation, self.field, "excludes", f"{self.name} takes a single value, not a list")
        return raw

    def _int(self, operation: str, raw: str) -> int:
        # Go's strconv.ParseInt(raw, 10, 64): a sign, ASCII digits, int64; its two errors are the binder's 400s.
        try:
            value = parse_int(raw, INT64_MIN, INT64_MAX, signs="+-")
        except NotAnInteger:
            raise param_format_error(operation, self.name, raw, f"{self.name} must be an integer") from None
        except OutOfRange:
            diagnosis = f"{self.name} is out of the int64 range"
            raise param_format_error(operation, self.name, raw, diagnosis, "value out of range") from None
        if self.minimum is not None and value < self.minimum:
            raise param_error(operation, self.field, self.range_tags[0], f"{self.name} must be >= {self.minimum}")
        if self.maximum is not None and value > self.maximum:
            raise param_error(operation, self.field, self.range_tags[1], f"{self.name} must be <= {self.maximum}")
        return value

    def _csv(self, operation: str, raw: str) -> tuple[str, ...]:
        items = tuple(item.strip(GO_SPACE) for item in raw.split(","))
        if self.max_items is not None and len(items) > self.max_items:
            raise param_error(operation, self.field, "max", f"{self.name} takes at most {self.max_items} values")
        for item in items:
            if not item or (self.choices and item not in self.choices):
                allowed = f"; allowed: {', '.join(self.choices)}" if self.choices else ""
                raise param_error(operation, self.field, "oneof", f"{self.name} has an invalid value {item!r}{allowed}")
        return items


def parse_query(operation: str, params: Sequence[Param], query: Mapping[str, str]) -> dict[str, Any]:
    """Every declared parameter, parsed; the first failure raises a `KalshiError` with Kalshi's 400 body."""
    first = _first_values(query)
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
        super().__init__(_first_values(query))
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


def _first_values(query: Mapping[str, str]) -> Mapping[str, str]:
    """Each parameter's first value, as Go's `url.Values.Get` reads it (Starlette's `.get` gives the last)."""
    multi = getattr(query, "multi_items", None)
    if multi is None:
        return query
    first: dict[str, str] = {}
    for name, value in multi():
        first.setdefault(name, value)
    return first


# Declarations shared by several operations. Bounds and tags follow the spec's schemas and `validate` tags.
CURSOR = Param("cursor", "Cursor")
LIMIT = Param("limit", "Limit", "int", minimum=1, maximum=1000, default=100, range_tags=("min", "max"))
TRANSFER_LIMIT = Param("limit", "Limit", "int", minimum=1, maximum=500, default=100, range_tags=("min", "max"))
TICKER = Param("ticker", "Ticker")
SINGLE_EVENT_TICKER = Param("event_ticker", "EventTicker", single=True)
SUBACCOUNT = Param("subaccount", "Subaccount", "int", minimum=0, maximum=63)
EXCHANGE_INDEX = Param("exchange_index", "ExchangeIndex", "int", minimum=0, maximum=2**31 - 1)
MIN_TS = Param("min_ts", "MinTs", "int")
MAX_TS = Param("max_ts", "MaxTs", "int")

__all__ = ["KalshiError", "Param", "parse_query"]
