"""Typed reading of a method's named params. Values from a query string arrive as strings, so integers and booleans
are read from their text there; from a JSON body they must have the JSON type. A refusal is -32602 with
`data: {reason, param}` as Deribit sends it. Params a method does not know are ignored, as Deribit does."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, overload

import orjson

from mockexchange.core.money import MoneyError, parse_decimal
from mockexchange.core.numbers import NotAnInteger, OutOfRange, bounded, excerpt, parse_int
from mockexchange.venues.deribit.errors import invalid_param

CURRENCIES = ("BTC", "ETH", "USDC", "USDT", "EURR")


class Params:
    def __init__(self, values: Mapping[str, Any], *, from_query: bool = False) -> None:
        self.values = values
        self.from_query = from_query

    def __contains__(self, name: str) -> bool:
        return name in self.values

    def get(self, name: str) -> Any:
        return self.values.get(name)

    def string(self, name: str, *, required: bool = False) -> str | None:
        value = self.values.get(name)
        if value is None:
            if required:
                raise invalid_param(name, "must be present", f"{name} is required")
            return None
        if not isinstance(value, str) or not value:
            raise invalid_param(name, "must be a string", f"{name} must be a non-empty string, not {value!r}")
        return value

    def choice(
        self, name: str, allowed: Iterable[str], *, required: bool = False, what: str | None = None
    ) -> str | None:
        value = self.string(name, required=required)
        allowed = tuple(allowed)
        if value is not None and value not in allowed:
            raise invalid_param(name, f"invalid {what or name}", f"{name} {value!r} is not one of {', '.join(allowed)}")
        return value

    @overload
    def currency(self, name: str = ..., *, allow_any: Literal[False], required: Literal[True]) -> str: ...

    @overload
    def currency(self, name: str = ..., *, allow_any: bool = ..., required: bool = ...) -> str | None: ...

    def currency(self, name: str = "currency", *, allow_any: bool = True, required: bool = False) -> str | None:
        """A currency code (`BTC`; upper case, any case accepted); `any` (None) when allowed."""
        value = self.string(name, required=required)
        if value is None:
            return None
        upper = value.upper()
        if allow_any and upper == "ANY":
            return None
        if upper not in CURRENCIES:
            allowed = ", ".join(CURRENCIES + (("any",) if allow_any else ()))
            raise invalid_param(name, "invalid currency", f"currency {value!r} is not one of {allowed}")
        return upper

    def integer(self, name: str) -> int | None:
        """An int64: a JSON integer, or from a query string its text (ASCII digits, an optional `-`)."""
        value = self.values.get(name)
        if value is None:
            return None
        try:
            if self.from_query and isinstance(value, str):
                return parse_int(value, signs="-")
            if isinstance(value, bool) or not isinstance(value, int):
                raise NotAnInteger(f"{excerpt(repr(value))} is not an integer")
            return bounded(value)
        except NotAnInteger as exc:
            raise invalid_param(name, "must be an integer", f"{name}: {exc}") from None
        except OutOfRange as exc:
            raise invalid_param(name, "out of range", f"{name}: {exc}") from None

    def strings(self, name: str, most: int) -> list[str]:
        """A required list of 1 to `most` non-empty strings: a JSON array, or from a query string a JSON array's text
        (`["a","b"]`) or the strings between commas."""
        value = self.values.get(name)
        if value is None:
            raise invalid_param(name, "must be present", f"{name} is required")
        if self.from_query and isinstance(value, str):
            try:
                value = orjson.loads(value) if value.startswith("[") else value.split(",")
            except orjson.JSONDecodeError:
                raise invalid_param(name, "must be an array", f"{name} is not a JSON array") from None
        if not isinstance(value, list) or not 0 < len(value) <= most:
            raise invalid_param(name, "must be an array", f"{name} must be an array of 1 to {most} strings")
        if not all(isinstance(item, str) and item for item in value):
            raise invalid_param(name, "must be an array", f"{name} must hold non-empty strings only")
        return value

    def boolean(self, name: str, default: bool) -> bool:
        value = self.values.get(name)
        if value is None:
            return default
        if isinstance(value, str) and value in ("true", "false"):  # ccxt sends expired=false in a query
            return value == "true"
        if not isinstance(value, bool):
            raise invalid_param(name, "must be a boolean", f"{name} must be true or false, not {value!r}")
        return value

    def amount(self, name: str, least: Decimal, most: Decimal, places: int) -> Decimal:
        """A required amount of money: a JSON number (an integer, or a fraction read from the shortest text that
        writes it, as the client wrote it: never used as a float), or from a query string its decimal text; from
        `least` to `most` with at most `places` places."""
        value = self.values.get(name)
        if value is None:
            raise invalid_param(name, "must be present", f"{name} is required")
        if isinstance(value, float):
            try:
                value = Decimal(orjson.dumps(value).decode())
            except (InvalidOperation, orjson.JSONEncodeError):
                value = None
        elif isinstance(value, str) and not self.from_query:
            value = None  # a JSON string is not a number
        try:
            if value is None:
                raise MoneyError(f"{name} must be a number")
            parsed = parse_decimal(value, name, places)
        except MoneyError as exc:
            raise invalid_param(name, "must be a number", str(exc)) from None
        if not least <= parsed <= most:
            raise invalid_param(name, "out of range", f"{name} must be from {least:f} to {most:f}, not {parsed:f}")
        return parsed
