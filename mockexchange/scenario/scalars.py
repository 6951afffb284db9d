"""The scalar checks of a scenario document: each takes a YAML node (composed, so it still holds its line and its
text) and answers a plain value, or raises `Invalid` saying why. Money is never a float: an unquoted decimal is
refused with the quoted spelling to use. A mapping's `Field`s say which of its fields takes which check (a command's:
`command_specs`); schema.py's `Reader` reads a mapping by them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, get_args, get_origin

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from mockexchange.core.commands import Command, Declared, declared
from mockexchange.core.deribit.instruments import InstrumentError, parse_instrument_name
from mockexchange.core.money import MoneyError, parse_price
from mockexchange.core.numbers import excerpt
from mockexchange.core.values import Kind, Refused, Text, UnixTime

_TAG = "tag:yaml.org,2002:"
Check = Callable[[Node], Any]


@dataclass(frozen=True, slots=True)
class Field:
    """A field of a scenario's mapping: its check, whether the mapping must give it, and what it is if it does not."""

    check: Check
    required: bool = False
    default: Any = None


Specs = dict[str, Field]  # a mapping's fields, by name (schema.py's `Reader.fields` reads a mapping by them)


class Invalid(Exception):
    """A value the schema refuses: the message says why."""


# -- each takes a node and answers a plain value or raises Invalid ---------------------------------


def tag_of(node: Node) -> str:
    """The YAML tag a node resolved to, short: "str", "int", "float", "bool", "null"."""
    return node.tag.removeprefix(_TAG)


def _scalar(node: Node, what: str) -> ScalarNode:
    if not isinstance(node, ScalarNode):
        raise Invalid(f"must be {what}, not a {'list' if isinstance(node, SequenceNode) else 'mapping'}")
    return node


def text(node: Node) -> str:
    # Any scalar's original text: tickers, user ids and enum words are strings whatever YAML 1.1 would resolve.
    value = _scalar(node, "a string").value
    if not value.strip():
        raise Invalid("must be a non-empty string")
    return value


def one_of(*choices: str) -> Callable[[Node], str]:
    def check(node: Node) -> str:
        value = _scalar(node, f"one of {', '.join(choices)}").value
        if value not in choices:
            raise Invalid(f"must be one of {', '.join(choices)}, not {value!r}")
        return value

    return check


def integer(low: int | None = None, high: int | None = None) -> Callable[[Node], int]:
    span = f" from {low} to {high}" if high is not None else f" >= {low}" if low is not None else ""

    def check(node: Node) -> int:
        if tag_of(_scalar(node, "an integer")) != "int":
            raise Invalid(f"must be an integer{span}, not {node.value!r}")
        value = _number(node)
        if (low is not None and value < low) or (high is not None and value > high):
            raise Invalid(f"must be an integer{span}, not {value}")
        return value

    return check


def _number(node: Node) -> Any:
    """The int or float a scalar spells; one too long for Python's int() (4,300 digits) is refused."""
    try:
        return _CONSTRUCT.construct_object(node)
    except ValueError:
        raise Invalid(f"is not a number this mock reads: {excerpt(node.value)}") from None


def _seconds(node: Node, positive: bool) -> float:
    """A number of seconds (time is not money: integers or decimals) below 10**9: more than 0 if `positive`, else at
    least 0."""
    if tag_of(_scalar(node, "a number of seconds")) not in ("int", "float"):
        raise Invalid(f"must be a number of seconds{' > 0' if positive else ''}, not {node.value!r}")
    try:
        value = float(_number(node))
    except OverflowError:  # an integer past a float's range
        value = float("inf")
    if value < 0 or (positive and value == 0) or not value < 10**9:
        raise Invalid(f"must be a number of seconds {'> 0' if positive else '>= 0'}, not {node.value}")
    return value


def boolean(node: Node) -> bool:
    if tag_of(_scalar(node, "true or false")) != "bool":
        raise Invalid(f"must be true or false, not {node.value!r}")
    return bool(_CONSTRUCT.construct_object(node))


def seconds(node: Node) -> float:
    return _seconds(node, positive=False)


def positive_seconds(node: Node) -> float:
    return _seconds(node, positive=True)


def _quoted(node: Node, what: str) -> ScalarNode:
    """A scalar that is no float: money is never one, so an unquoted decimal is refused with its quoted spelling."""
    node = _scalar(node, what)
    if tag_of(node) == "float":
        raise Invalid(
            f'must be a quoted decimal string: write "{node.value}" (money is never a float; unquoted, YAML reads '
            f"{node.value} as a binary float)"
        )
    return node


def price(node: Node) -> str:
    node = _quoted(node, 'a decimal string like "0.56"')
    words = 'a decimal string between 0 and 1 (exclusive), at most 4 places, e.g. "0.56"'
    if tag_of(node) not in ("str", "int"):
        raise Invalid(f"must be {words}, not {node.value!r}")
    try:
        parse_price(node.value)
    except MoneyError:
        raise Invalid(f"must be {words}, not {node.value!r}") from None
    return node.value


def timestamp(node: Node) -> datetime:
    value = _scalar(node, "an ISO 8601 time").value
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise Invalid(f'must be an ISO 8601 time with a timezone, e.g. "2026-12-09T19:00:00Z": {value!r}') from None
    if when.tzinfo is None:
        raise Invalid(f'must carry a timezone, e.g. "2026-12-09T19:00:00Z", not {value!r}')
    try:
        UnixTime().check(when, "exchange time")
    except Refused as exc:
        raise Invalid(str(exc)) from None
    return when


def instrument(node: Node) -> str:
    value = text(node)
    try:
        parse_instrument_name(value)
    except InstrumentError as exc:
        raise Invalid(f"unknown instrument: {exc}") from None
    return value


_CONSTRUCT = yaml.constructor.SafeConstructor()


def plain_of(node: Node, plain: Any) -> Any:
    """The plain value a YAML scalar spells for a command's field whose plain value is `plain` (core/values.py):
    a string's is its original text (an unquoted decimal refused, as money is never a float), an integer's an int
    tag's (any other tag's text, which the kind refuses), a flag's a bool tag's, a list of strings' its items'
    texts; a list's, a mapping's, and a field's that takes no string `plain_value`'s."""
    if plain is bool:
        return boolean(node)
    if get_origin(plain) is list and get_args(plain) == (str,):  # (a list of strings: each item's text)
        if isinstance(node, SequenceNode):
            return [plain_of(item, str) for item in node.value]
        if isinstance(node, MappingNode):
            raise Invalid("must be a list, not a mapping")
        return node.value  # (a scalar's text, which the kind refuses)
    if plain is int:  # (another tag's text is refused by the kind, in its words)
        return _number(node) if tag_of(_scalar(node, "an integer")) == "int" else node.value
    if isinstance(node, SequenceNode | MappingNode) or str not in getattr(plain, "__args__", (plain,)):
        return plain_value(node)
    return _quoted(node, "a string").value


def plain_value(node: Node) -> Any:
    """A node as the plain value the control plane takes: its text for a string (and for a time YAML would read as
    a timestamp), integers and booleans as such, lists and mappings of plain values; never a float."""
    if isinstance(node, SequenceNode):
        return [plain_value(item) for item in node.value]
    if isinstance(node, MappingNode):
        return {key.value if isinstance(key, ScalarNode) else str(key): plain_value(value) for key, value in node.value}
    tag = tag_of(node)
    if tag == "float":
        raise Invalid(f'must be quoted: write "{node.value}" (unquoted, YAML reads {node.value} as a binary float)')
    if tag == "int":
        return integer()(node)
    if tag == "bool":
        return boolean(node)
    if tag == "null":
        return None
    return node.value


def of_kind(kind: Kind[Any], name: str) -> Callable[[Node], Any]:
    """The check of a value of `kind` (core/values.py) in a scenario: its YAML's plain value read by the kind."""

    def check(node: Node) -> Any:
        try:
            return kind.read(plain_of(node, kind.plain), name)
        except Refused as exc:  # (the path names the field: the words say the rest)
            raise Invalid(str(exc).removeprefix(f"{name} ").removeprefix(f"{name}: ")) from None

    return check


def _given(field: Declared) -> Check:
    """A field checked by its kind, answered as written (a ticker's text; a set-up's plain value, which the control
    plane reads when it runs)."""

    def check(node: Node) -> Any:
        given = plain_of(node, str) if isinstance(field.kind, Text) else plain_value(node)
        try:
            field.read(given)
        except Refused as exc:  # (the path names the field: the words say the rest)
            raise Invalid(str(exc).removeprefix(f"{field.name} ")) from None
        return given

    return check


def command_specs(cls: type[Command], *leave: str, required: tuple[str, ...] = (), held: bool = True) -> Specs:
    """A command's fields as a scenario takes them, each read by its kind when the file is read: answered as read
    (`held`: the command is made of them) or as written (`_given`); a Deribit instrument's name is read as one (an
    unknown kind of name refused when the file is read). `leave`: fields the step has not (its own words for them, or
    the runner's); `required`: optional fields a file must give."""
    return {
        field.name: Field(_OWN_CHECKS.get(field.name) or (of_kind(field.kind, field.name) if held else _given(field)),
                          field.required or field.name in required)
        for field in declared(cls)
        if field.name not in leave
    }  # fmt: skip


_OWN_CHECKS: dict[str, Check] = {"instrument_name": instrument}
