"""The kinds of value a series', an event's and a market's fields take (core/values.py's vocabulary, for what only
the catalogue's records hold): a text that may be empty (a `Text` of the vocabulary's), a list of words, a list of
records (settlement sources, an event's markets' details), a free-form JSON object, an exact decimal (a strike, a fee
multiplier) and the house's levels of a side of a book.
Their refusals keep the words the control plane has always answered with.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from mockexchange.core.kalshi.markets import MarketDetail, SettlementSource
from mockexchange.core.kalshi.units import contracts, count_units, price, price_units
from mockexchange.core.money import MoneyError, parse_count, parse_decimal, parse_price, shown
from mockexchange.core.values import Kind, Listed, Refused, Text

MAX_TITLE = 1024  # characters of a title or a short text
MAX_RULES = 16_384  # characters of a market's rules
MAX_URL = 2048
MAX_WORDS = 64  # entries of a list of words (tags, categories, prohibitions) or of settlement sources
MAX_OBJECT_NODES = 256  # values of a free-form object (product metadata, a custom strike), nested ones included
MAX_OBJECT_DEPTH = 4


# A title, a market's rules, a URL: a string of at most so many characters, empty allowed
TITLE, RULES, URL = (Text(most, 0, blank=True) for most in (MAX_TITLE, MAX_RULES, MAX_URL))


WORDS = Listed(Text(), MAX_WORDS, noun="strings")  # tags, categories, prohibitions


@dataclass(frozen=True, slots=True)
class Records(Kind[tuple[Any, ...]]):
    """A list of at most `MAX_WORDS` objects of exactly the fields of `record` (a NamedTuple), each read by its kind
    in `kinds`, held as a tuple of records: settlement sources ({"name", "url"}), an event's markets' details."""

    record: Any  # the NamedTuple made of each object
    kinds: tuple[Kind[Any], ...]  # each field's, in the record's order
    noun: str  # what a record is, in a refusal
    plain = list[dict[str, str]]

    def read(self, value: Any, name: str) -> tuple[Any, ...]:
        names = self.record._fields
        if not isinstance(value, list) or len(value) > MAX_WORDS:
            raise Refused(f"{name} must be a list of at most {MAX_WORDS} {{{', '.join(names)}}} objects, not "
                          f"{shown(value)}")  # fmt: skip
        found = []
        for i, item in enumerate(value):
            if not isinstance(item, dict) or set(item) != set(names):
                exactly = f"{', '.join(names[:-1])} and {names[-1]}"
                raise Refused(f"{name}[{i}] must be an object of exactly {exactly}, not {shown(item)}")
            fields = zip(names, self.kinds, strict=True)
            found.append(self.record(*(kind.read(item[n], f"{name}[{i}].{n}") for n, kind in fields)))
        return tuple(found)

    def write(self, value: tuple[Any, ...]) -> list[dict[str, str]]:
        return [record._asdict() for record in value]

    def check(self, value: tuple[Any, ...], name: str) -> None:
        if not isinstance(value, tuple) or not all(isinstance(record, self.record) for record in value):
            raise Refused(f"{name} must be a tuple of at most {MAX_WORDS} {self.noun}, not {shown(value)}")
        self.read(self.write(value), name)

    def schema(self) -> dict[str, Any]:
        return {"type": "array", "maxItems": MAX_WORDS, "items": {"type": "object"}}


SOURCES = Records(SettlementSource, (TITLE, URL), "settlement sources")  # {"name", "url"}
# An event's markets' details (GET /events/{event_ticker}/metadata): {"market_ticker", "image_url", "color_code"}
DETAILS = Records(MarketDetail, (Text(), URL, TITLE), "market details")


@dataclass(frozen=True, slots=True)
class JsonObject(Kind[dict[str, Any]]):
    """A free-form JSON object (strings, integers, booleans, null, lists, objects; numbers with a fraction as strings,
    never floats), of at most `nodes` values nested at most `depth` levels."""

    nodes: int = MAX_OBJECT_NODES
    depth: int = MAX_OBJECT_DEPTH
    plain = dict[str, Any]

    def read(self, value: Any, name: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise Refused(f"{name} must be a JSON object, not {shown(value)}")
        walked: dict[str, Any] = _Walk(name, self.nodes, self.depth).walk(value, 1, name)
        return walked

    def schema(self) -> dict[str, Any]:
        return {"type": "object"}


class _Walk:
    """One object's values walked, counted and copied."""

    def __init__(self, name: str, nodes: int, depth: int) -> None:
        self.name = name
        self.nodes = nodes
        self.depth = depth
        self.seen = 0

    def walk(self, item: Any, depth: int, where: str) -> Any:
        self.seen += 1
        if self.seen > self.nodes or depth > self.depth:
            raise Refused(f"{self.name} holds more than {self.nodes} values or {self.depth} levels")
        if isinstance(item, dict):
            if not all(isinstance(key, str) and len(key) <= MAX_TITLE for key in item):
                raise Refused(f"{where}'s keys must be strings")
            return {key: self.walk(inner, depth + 1, f"{where}.{key}") for key, inner in item.items()}
        if isinstance(item, list):
            return [self.walk(inner, depth + 1, f"{where}[{i}]") for i, inner in enumerate(item)]
        if isinstance(item, str) and len(item) <= MAX_RULES:
            return item
        if item is None or isinstance(item, bool) or (isinstance(item, int) and abs(item) < 2**63):
            return item
        raise Refused(f"{where} must be a string, an integer, true/false, null, a list or an object (write a "
                      f'number with a fraction as a string, "4.25"), not {shown(item)}')  # fmt: skip


@dataclass(frozen=True, slots=True)
class Exact(Kind[Decimal]):
    """A decimal string (or an integer) of at most `places` places, held exactly as given; `within` says whether a
    value is in range, `accepted` says the range in words."""

    places: int
    within: Callable[[Decimal], bool]
    accepted: str
    plain = str

    def read(self, value: Any, name: str) -> Decimal:
        try:
            found = parse_decimal(value, name, self.places, self.accepted)
        except MoneyError as exc:
            raise Refused(str(exc)) from None
        if not self.within(found):
            raise Refused(f"{name} must be {self.accepted}, not {shown(value)}")
        return found

    def write(self, value: Decimal) -> str:
        return f"{value:f}"

    def check(self, value: Decimal, name: str) -> None:
        if not isinstance(value, Decimal):
            raise Refused(f"{name} must be {self.accepted}, not {shown(value)}")
        self.read(value, name)

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "pattern": r"^\s*[+-]?[0-9]*\.?[0-9]*\s*$"}


@dataclass(frozen=True, slots=True)
class Levels(Kind[tuple[tuple[int, int], ...]]):
    """A side's levels as the wire writes them: a list of [price, count] pairs (["0.4200", "100.00"]), held as
    (price units, hundredths of a contract)."""

    most: int = 1000
    plain = list[Any]

    def read(self, value: Any, name: str) -> tuple[tuple[int, int], ...]:
        if not isinstance(value, list) or len(value) > self.most:
            raise Refused(f"{name} must be a list of at most {self.most} [price, count] pairs, not {shown(value)}")
        found = []
        for i, pair in enumerate(value):
            if not isinstance(pair, list | tuple) or len(pair) != 2:
                raise Refused(f'{name}[{i}] must be a [price, count] pair such as ["0.4200", "100.00"]')
            try:
                found.append((price_units(parse_price(pair[0], f"{name}[{i}] price")),
                              count_units(parse_count(pair[1], f"{name}[{i}] count"))))  # fmt: skip
            except MoneyError as exc:
                raise Refused(str(exc)) from None
        return tuple(found)

    def write(self, value: tuple[tuple[int, int], ...]) -> list[list[str]]:
        return [[f"{price(units):f}", f"{contracts(size):f}"] for units, size in value]

    def check(self, value: tuple[tuple[int, int], ...], name: str) -> None:
        if not isinstance(value, tuple) or not all(
            isinstance(pair, tuple) and len(pair) == 2 and all(type(unit) is int for unit in pair) for pair in value
        ):
            raise Refused(f"{name} must be a tuple of (price units, hundredths) pairs, not {shown(value)}")
        self.read(self.write(value), name)

    def schema(self) -> dict[str, Any]:
        return {"type": "array", "maxItems": self.most, "items": {"type": "array", "minItems": 2, "maxItems": 2}}
