"""The control plane's answers in plain values, each declared by the fields it shows: a record's fields by name, written
as the admin API and the Python API write them (a time in ISO 8601, a Decimal as its digits, never a float; None as
null), so an answer is a list of names rather than a function copying them one by one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from mockexchange.core.commands import Command, declared

Spell = Callable[[Decimal], str]


def digits(value: Decimal) -> str:
    """A Decimal's digits as it holds them ("0.50" stays "0.50"), never with an exponent."""
    return f"{value:f}"


def fields(record: Any, names: str, /, *, spell: Spell = digits, **given: Any) -> dict[str, Any]:
    """The record's fields `names` (space-separated, in the answer's order) in plain values. A value `given` stands for
    the field of its name (one the record holds under another name, or a figure made of it), in its place, or after
    the named ones; `spell` writes a Decimal."""
    shown = {name: given[name] if name in given else getattr(record, name) for name in names.split()} | given
    return {name: _plain(value, spell) for name, value in shown.items()}


def answer(names: str) -> Callable[[Any], dict[str, Any]]:
    """The answer of a record that is its fields `names`, as `fields` writes them."""
    return lambda record: fields(record, names)


def _plain(value: Any, spell: Spell) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return spell(value) if isinstance(value, Decimal) else value


def every_field(command: Command) -> dict[str, Any]:
    """A command's plain values, every field (a default too; null: not given), as its kinds write them: the answer
    of a record kept as the command that set it."""
    return {field.name: field.write(getattr(command, field.attribute)) for field in declared(type(command))}
