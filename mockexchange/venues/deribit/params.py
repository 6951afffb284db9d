"""A method's named params, each read by its kind from the one vocabulary (core/values.py): Deribit's JSON-RPC decoding
makes the kind's plain value of what was sent (from a query string, text: an integer's digits, a boolean's word, an
amount's decimal text, a list's JSON or commas; from a JSON body, the JSON type: an amount's number read from the
shortest text that writes it, never used as a float), the kind checks it, and a refusal is -32602 with
`data: {reason, param}` as Deribit sends it, in words the kind's bounds fill in. Params a method does not know are
ignored, as Deribit does."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, TypeVar, overload

import orjson

from mockexchange.core.money import MoneyError, parse_decimal
from mockexchange.core.numbers import INT64_MAX, INT64_MIN, NotAnInteger, OutOfRange, bounded, excerpt, parse_int
from mockexchange.core.values import ITEM, LONG, Choice, Decimals, Flag, Integer, Kind, Listed, Refused, Text
from mockexchange.venues.deribit.errors import RpcError, invalid_param

T = TypeVar("T")
CURRENCIES = ("BTC", "ETH", "USDC", "USDT", "EURR")
STRING = Text(None, blank=True)  # a non-empty string (its decoding refuses an empty one)
INTEGER = Integer(INT64_MIN, INT64_MAX)
BOOLEAN = Flag()
_CURRENCY = Choice(CURRENCIES)
TIMESTAMP = Integer(0, 253402300799999)  # milliseconds since the epoch, up to the year 9999: what a datetime holds
MS = 1000  # milliseconds in a second: a timestamp to a datetime without a float


class Params:
    def __init__(self, values: Mapping[str, Any], *, from_query: bool = False) -> None:
        self.values = values
        self.from_query = from_query

    def __contains__(self, name: str) -> bool:
        return name in self.values

    def get(self, name: str) -> Any:
        return self.values.get(name)

    def structured(self, name: str, *, any_text: bool = False) -> Any:
        """A param that is a JSON array or object: what was sent, or from a query string (`any_text`: from a body too)
        its JSON text decoded (a text that is no JSON stays the text, which the caller refuses as it refuses any value
        of the wrong type)."""
        given = self.values.get(name)
        if isinstance(given, str) and (self.from_query or any_text):
            with contextlib.suppress(orjson.JSONDecodeError):
                return orjson.loads(given)
        return given

    @overload
    def read(
        self, name: str, kind: Kind[T], default: None = ..., *, required: Literal[True] | str,
        reason: str | None = ..., said: str | None = ...,
    ) -> T: ...  # fmt: skip

    @overload
    def read(
        self, name: str, kind: Kind[T], default: T, *, required: bool | str = ..., reason: str | None = ...,
        said: str | None = ...,
    ) -> T: ...  # fmt: skip

    @overload
    def read(
        self, name: str, kind: Kind[T], default: None = ..., *, required: bool | str = ...,
        reason: str | None = ..., said: str | None = ...,
    ) -> T | None: ...  # fmt: skip

    def read(
        self, name: str, kind: Kind[Any], default: Any = None, *, required: bool | str = False,
        reason: str | None = None, said: str | None = None,
    ) -> Any:  # fmt: skip
        """The param `name` read by `kind` (absent or null: `default`, or refused if `required`: True, or the words
        of its absence). A value the kind refuses is worded by its `why`; `reason` and `said` (a format string of
        `name`, `value`, `least`, `most`) put the method's own `data.reason` and diagnosis on it."""
        value = self.values.get(name)
        if value is None:
            if required:
                raise invalid_param(name, "must be present", f"{name} is required" if required is True else required)
            return default
        decoded = self._decoded(name, kind, value)
        try:
            return kind.read(decoded, name)
        except Refused as exc:
            raise _refused(name, kind, decoded, exc.why, reason, said) from None

    def _decoded(self, name: str, kind: Kind[Any], value: Any) -> Any:
        """The kind's plain value of what was sent, as Deribit decodes it; `RpcError` if it does not decode."""
        text = self.from_query and isinstance(value, str)
        if isinstance(kind, Text | Choice):
            if not isinstance(value, str) or not value:
                raise invalid_param(name, "must be a string", f"{name} must be a non-empty string, not {value!r}")
            return value
        if isinstance(kind, Integer):  # an int64: a JSON integer, or from a query string its text (a `-` at most)
            try:
                if text:
                    return parse_int(value, signs="-")
                if isinstance(value, bool) or not isinstance(value, int):
                    raise NotAnInteger(f"{excerpt(repr(value))} is not an integer")
                return bounded(value)
            except NotAnInteger as exc:
                raise invalid_param(name, "must be an integer", f"{name}: {exc}") from None
            except OutOfRange as exc:
                raise invalid_param(name, "out of range", f"{name}: {exc}") from None
        if isinstance(kind, Flag):  # ccxt sends expired=false in a query
            return value == "true" if isinstance(value, str) and value in ("true", "false") else value
        if isinstance(kind, Decimals):
            return _number(name, value, text, kind.places)
        if isinstance(kind, Listed) and text:  # a JSON array's text (`["a","b"]`), or the strings between commas
            try:
                return orjson.loads(value) if value.startswith("[") else value.split(",")
            except orjson.JSONDecodeError:
                raise invalid_param(name, "must be an array", f"{name} is not a JSON array") from None
        return value

    def time(self, name: str, default: datetime | None = None) -> datetime:
        """A time in milliseconds since the epoch, as the exchange's time; required unless it has a `default`."""
        required = False if default is not None else f"{name} (milliseconds since the epoch) is required"
        value = self.read(
            name, TIMESTAMP, required=required, said="{name} must be from {least} to {most} (ms), not {value}"
        )
        if value is None:
            assert default is not None
            return default
        seconds, ms = divmod(value, MS)
        return datetime.fromtimestamp(seconds, UTC).replace(microsecond=ms * MS)

    def named(self, name: str, table: Mapping[str, T], said: str) -> T:
        """The entry of `table` a required param names by its text or, a JSON integer, by its digits (Deribit's
        `resolution`: `"60"` or 60); refused `invalid {name}` otherwise, in the words of `said` (a format string of
        `value`, what was given as Python writes it, and `allowed`)."""
        value = self.values.get(name)
        if value is None:
            raise invalid_param(name, "must be present", f"{name} is required")
        text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
        if not isinstance(text, str) or text not in table:
            raise invalid_param(name, f"invalid {name}", said.format(value=repr(value), allowed=", ".join(table)))
        return table[text]

    @overload
    def currency(self, name: str = ..., *, allow_any: Literal[False], required: Literal[True]) -> str: ...

    @overload
    def currency(self, name: str = ..., *, allow_any: bool = ..., required: bool = ...) -> str | None: ...

    def currency(self, name: str = "currency", *, allow_any: bool = True, required: bool = False) -> str | None:
        """A currency code (`BTC`; upper case, any case accepted); `any` (None) when allowed."""
        value = self.read(name, STRING, required=required)
        if value is None or (allow_any and value.upper() == "ANY"):
            return None
        try:
            return _CURRENCY.read(value.upper(), name)
        except Refused:
            allowed = ", ".join(CURRENCIES + (("any",) if allow_any else ()))
            raise invalid_param(name, "invalid currency", f"currency {value!r} is not one of {allowed}") from None


def _number(name: str, value: Any, text: bool, places: int) -> Decimal:
    """An amount: a JSON number (an integer, or a fraction read from the shortest text that writes it, as the client
    wrote it), or from a query string its decimal text, of at most `places` places."""
    if isinstance(value, float):
        try:
            value = Decimal(orjson.dumps(value).decode())
        except (InvalidOperation, orjson.JSONEncodeError):
            value = None
    elif isinstance(value, str) and not text:
        value = None  # a JSON string is not a number
    try:
        if value is None:
            raise MoneyError(f"{name} must be a number")
        return parse_decimal(value, name, places)
    except MoneyError as exc:
        raise invalid_param(name, "must be a number", str(exc)) from None


def _refused(name: str, kind: Kind[Any], value: Any, why: str, reason: str | None, said: str | None) -> RpcError:
    """A value the kind refuses, in Deribit's words: an array's, an option's, a flag's, a text's length, a bound's
    (`reason` and `said`: the method's own, if it has them)."""
    least, most = getattr(kind, "least", None), getattr(kind, "most", None)
    if isinstance(kind, Listed):
        held = "hold non-empty strings only" if why == ITEM else f"be an array of 1 to {most} strings"
        default = "must be an array", f"{name} must {held}"
    elif isinstance(kind, Choice):
        default = f"invalid {name}", f"{name} {value!r} is not one of {', '.join(kind.options)}"
    elif isinstance(kind, Flag):
        default = "must be a boolean", f"{name} must be true or false, not {value!r}"
    elif why == LONG:
        default = "too long", f"{name} must be at most {most} characters"
    else:
        default = "out of range", f"{name} must be from {_shown(least)} to {_shown(most)}, not {_shown(value)}"
    if said is not None:
        said = said.format(name=name, value=_shown(value), least=_shown(least), most=_shown(most))
    return invalid_param(name, reason or default[0], said or default[1])


def _shown(value: Any) -> str:
    return f"{value:f}" if isinstance(value, Decimal) else str(value)
