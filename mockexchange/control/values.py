"""The checks of the plain JSON-like values every operation takes: strings, booleans, integers, choices and amounts,
in the words of the one vocabulary of values (core/values.py), which the typed commands declare their fields with.

An operation's arguments come from a JSON body, a scenario file or a Python call, so any of them may be of any JSON
type (a list as a user id, a number as a ticker, a string as a flag). Each check answers the value in its Python type
or refuses it with a `ControlError` (the admin API's 400) that names the field, what it accepts and what it got: never a
`TypeError` deep in `core`, never a value `core` would store but a venue could not render.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar

from mockexchange.control.errors import ControlError
from mockexchange.core.money import MoneyError, shown
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


def amount(parse: Callable[..., T], value: Any, *args: Any) -> T:
    """`parse(value, *args)` from `core.money`, its refusal a `ControlError`."""
    try:
        return parse(value, *args)
    except MoneyError as exc:
        raise ControlError(str(exc)) from None
