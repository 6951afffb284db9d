"""What a scenario file says of Kalshi's markets: its `series:` set-up, the fields its `events:` and `markets:` entries
take beside their tickers, and the timeline's steps that move markets (their lifecycle, the house's book, the
exchange's status).

Each field is read as plain YAML (strings, integers, booleans, lists, mappings; a number with a fraction is refused
unquoted, as money is: `floor_strike: "4.25"`) and the whole entry is checked, when the file is read, by the control
plane's own checks (control/kalshi_markets.py), so a wrong value is named with its line before anything runs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from mockexchange.control import ControlError
from mockexchange.control.kalshi_markets import (
    EVENT_CHECKS,
    MARKET_CHECKS,
    SERIES_CHECKS,
    event_fields,
    exchange_time,
    levels,
    market_fields,
    series_fields,
)
from mockexchange.control.values import integer as integer_value
from mockexchange.core.kalshi.checks import MAX_EXCHANGE_INDEX
from mockexchange.scenario.scalars import Invalid, boolean, integer, one_of, tag_of, text

Check = Callable[[Node], Any]


def plain(node: Node) -> Any:
    """A node as the plain value the control plane takes: its text for a string (and for a time YAML would read as
    a timestamp), integers and booleans as such, lists and mappings of plain values; never a float."""
    if isinstance(node, SequenceNode):
        return [plain(item) for item in node.value]
    if isinstance(node, MappingNode):
        return {key.value if isinstance(key, ScalarNode) else str(key): plain(value) for key, value in node.value}
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


SERIES_NAMES = tuple(SERIES_CHECKS)
EVENT_NAMES = ("series_ticker", *EVENT_CHECKS)
MARKET_NAMES = tuple(MARKET_CHECKS)
UPDATABLE = tuple(name for name in MARKET_NAMES if name not in ("open_time", "close_time"))


# Each step's (and set-up entry's) fields: name -> (check, required). schema.py makes them its `Field`s.
Specs = dict[str, tuple[Check, bool]]
_TICKER: Specs = {"ticker": (text, True)}


def _plain(names: tuple[str, ...]) -> Specs:
    return {name: (plain, False) for name in names}


SPECS: dict[str, Specs] = {
    "series": {**_TICKER, **_plain(SERIES_NAMES)},
    "event": {"event_ticker": (text, True), **_plain(EVENT_NAMES)},
    "market": {**_TICKER, "event_ticker": (text, False), "exchange_index": (plain, False), **_plain(MARKET_NAMES)},
    "update_market": {**_TICKER, **_plain(UPDATABLE)},
    "pause_market": _TICKER,
    "resume_market": _TICKER,
    "close_market": _TICKER,
    "close_time": {**_TICKER, "close_time": (plain, True)},
    "determine": {**_TICKER, "result": (one_of("yes", "no"), True)},
    "book": {**_TICKER, "yes": (plain, False), "no": (plain, False)},
    "exchange_status": {
        "exchange_active": (boolean, False),
        "trading_active": (boolean, False),
        "exchange_estimated_resume_time": (plain, False),
    },  # fmt: skip
}


def _book(yes: Any = None, no: Any = None, **_: Any) -> None:
    levels(yes, "yes")
    levels(no, "no")
    if yes is None and no is None:
        raise ControlError("give yes, no or both")


def _time(close_time: Any = None, **_: Any) -> None:
    exchange_time(close_time, "close_time")


def _resume(exchange_estimated_resume_time: Any = None, **_: Any) -> None:
    if exchange_estimated_resume_time is not None:
        exchange_time(exchange_estimated_resume_time, "exchange_estimated_resume_time")


def _market(exchange_index: Any = 0, **args: Any) -> None:
    integer_value(exchange_index, "exchange_index", 0, MAX_EXCHANGE_INDEX)
    market_fields(args)


# The control plane's checks of a whole entry, run when the file is read (a ControlError names the field).
WHOLE_CHECKS: Mapping[str, Callable[..., Any]] = {
    "series": lambda **args: series_fields(args),
    "event": lambda **args: event_fields(args),
    "market": _market,
    "update_market": lambda **args: market_fields(args),
    "close_time": _time,
    "book": _book,
    "exchange_status": _resume,
}
