"""The checks of the plain JSON-like values every operation takes: strings, booleans, integers, choices and amounts,
in the words of the one vocabulary of values (core/values.py), which the typed commands declare their fields with.

An operation's arguments come from a JSON body, a scenario file or a Python call, so any of them may be of any JSON
type (a list as a user id, a number as a currency, a string as a flag). Each check answers the value in its Python type
or refuses it with a `ControlError` (the admin API's 400) that names the field, what it accepts and what it got: never a
`TypeError` deep in `core`, never a value `core` would store but a venue could not render.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from mockexchange.control.errors import ControlError
from mockexchange.core.money import MoneyError, parse_decimal, shown
from mockexchange.core.values import LATEST_EXCHANGE_TIME as LATEST_EXCHANGE_TIME  # (its callers' import)
from mockexchange.core.values import (
    MAX_TEXT,
    Choice,
    Flag,
    Integer,
    Kind,
    Refused,
    Text,
    UnixTime,
)

MAX_PEM = 16_384  # characters of a PEM public key (an RSA-16384 one is about 3,000)
_CODE = Text(16, pattern=re.compile(r"[A-Za-z0-9]+"))  # a currency code: BTC, USDC
_INDEX_NAME = Text(64, pattern=re.compile(r"[A-Za-z0-9_]+"))  # a price index: btc_usd, eth_usdc
_FLAG = Flag()

T = TypeVar("T")


def _checked(kind: Kind[T], value: Any, name: str, words: str = "") -> T:
    """The value read by its kind (core/values.py: the one vocabulary), its refusal a `ControlError` (in `words`, of
    `name` and `value`, if given)."""
    try:
        return kind.read(value, name)
    except Refused as exc:
        raise ControlError(words.format(name=name, value=shown(value)) if words else str(exc)) from None


def check_exchange_time(when: datetime, name: str = "to") -> datetime:
    try:
        UnixTime().check(when, name)
    except Refused as exc:
        raise ControlError(str(exc)) from None
    return when


def text(value: Any, name: str, *, most: int = MAX_TEXT) -> str:
    return _checked(Text(most), value, name)


def optional_text(value: Any, name: str, *, most: int = MAX_TEXT) -> str | None:
    return None if value is None else text(value, name, most=most)


def boolean(value: Any, name: str) -> bool:
    return _checked(_FLAG, value, name)


def integer(value: Any, name: str, least: int, most: int) -> int:
    return _checked(Integer(least, most), value, name)


def optional_integer(value: Any, name: str, least: int, most: int) -> int | None:
    return None if value is None else integer(value, name, least, most)


def iso_time(value: Any, name: str) -> datetime:
    """An ISO 8601 time with a timezone (at most 64 characters)."""
    try:
        when = datetime.fromisoformat(value) if isinstance(value, str) and len(value) <= 64 else None
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        example = "2026-12-09T19:00:00Z"
        raise ControlError(f"{name} must be an ISO 8601 time with a timezone, e.g. {example}: {shown(value)}")
    return when


def choice(value: Any, name: str, choices: Iterable[str]) -> str:
    return _checked(Choice(tuple(choices)), value, name)


def currency(value: Any, name: str = "currency") -> str:
    """A currency code (`BTC`, `usdc`), upper-cased."""
    return _checked(
        _CODE, value, name, "{name} must be a currency code of 1 to 16 letters or digits (BTC), not {value}"
    ).upper()


def index_name(value: Any, name: str = "index_name") -> str:
    """A price index's name (`btc_usd`), lower-cased as Deribit writes it."""
    return _checked(
        _INDEX_NAME, value, name, "{name} must be 1 to 64 letters, digits or '_' such as 'btc_usd', not {value}"
    ).lower()


def amount(parse: Callable[..., T], value: Any, *args: Any) -> T:
    """`parse(value, *args)` from `core.money`, its refusal a `ControlError`."""
    try:
        return parse(value, *args)
    except MoneyError as exc:
        raise ControlError(str(exc)) from None


def decimal(value: Any, name: str, places: int, accepted: str = "") -> Decimal:
    """A decimal string (or an integer) of at most `places` places; its range (`accepted`, in words, for the message)
    is the caller's to check."""
    return amount(parse_decimal, value, name, places, accepted)
