"""Kalshi's multivariate commands, declared once (core/commands.py): a collection set (or replaced) by the control
plane, a combo market made in a collection by a user, from the legs it selects, and one looked up (the legacy
profile's PUT .../lookup: the lookup history remembers it). The venue's routes, the admin API, the Python API, scenario
files and the state file build these; the ledger's `multivariate` part (multivariate.py) takes them.

A collection's times are on the exchange clock; not given, it opens when it is first set and closes ten years after it
opens. Its rules' defaults: unordered, several markets of one event allowed, either side of a market, 2 to 6 legs
(`DEFAULT_SIZE`), cents (`linear_cent`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from mockexchange.core.commands import Command, UserCommand, value
from mockexchange.core.kalshi.checks import MAX_EXCHANGE_INDEX
from mockexchange.core.kalshi.market_values import TITLE, WORDS
from mockexchange.core.kalshi.multivariate_records import AssociatedEvent, Leg
from mockexchange.core.kalshi.price_levels import STRUCTURES
from mockexchange.core.kalshi.rfq_batch_commands import Entries
from mockexchange.core.kalshi.rfq_commands import SIDE
from mockexchange.core.values import FLAG, TEXT, Choice, Integer, IsoTime, Refused

MAX_LEGS = 20  # the most legs a collection lets a combo hold (the mock's bound: Kalshi's combos reach 10 or so)
MAX_ASSOCIATED_EVENTS = 1_000  # events a collection names (the mock's bound)
DEFAULT_SIZE = (2, 6)  # a collection's size_min and size_max when not given (6: the RFQ batches' legs at most)
LEG_COUNT = Integer(1, MAX_LEGS)
EVENT_COUNT = Integer(0, MAX_LEGS)
TIME = IsoTime()
ASSOCIATED_EVENTS = Entries(
    AssociatedEvent,
    {"ticker": TEXT, "is_yes_only": FLAG, "size_min": EVENT_COUNT, "size_max": EVENT_COUNT, "active_quoters": WORDS},
    MAX_ASSOCIATED_EVENTS, "associated events",
)  # fmt: skip
LEGS = Entries(Leg, {"market_ticker": TEXT, "event_ticker": TEXT, "side": SIDE}, MAX_LEGS, "selected markets")


@dataclass(frozen=True, slots=True)
class SetMultivariateCollection(Command):
    """Set a multivariate event collection, or replace the one of that ticker (its combos stay as they were made; its
    series and exchange index cannot change once it has combos). Its combos' events belong to `series_ticker` (by
    default the collection ticker's first dash-separated part)."""

    name: ClassVar[str] = "set_multivariate_collection"
    collection_ticker: str = value(TEXT)
    associated_events: tuple[AssociatedEvent, ...] = value(ASSOCIATED_EVENTS)
    series_ticker: str | None = value(TEXT, None)
    title: str | None = value(TITLE, None)
    description: str = value(TITLE, "")
    functional_description: str = value(TITLE, "")
    open_date: datetime | None = value(TIME, None)
    close_date: datetime | None = value(TIME, None)
    is_ordered: bool = value(FLAG, False)
    is_single_market_per_event: bool = value(FLAG, False)
    is_all_yes: bool = value(FLAG, False)
    size_min: int = value(LEG_COUNT, DEFAULT_SIZE[0])
    size_max: int = value(LEG_COUNT, DEFAULT_SIZE[1])
    price_level_structure: str = value(Choice(tuple(STRUCTURES)), "linear_cent")
    exchange_index: int = value(Integer(0, MAX_EXCHANGE_INDEX), 0)

    def check(self) -> None:
        if self.size_min > self.size_max:
            raise Refused("size_min must not be above size_max")
        if self.open_date is not None and self.close_date is not None and self.close_date <= self.open_date:
            raise Refused("close_date must be after open_date")
        tickers = [event.ticker for event in self.associated_events]
        if len(set(tickers)) != len(tickers):
            raise Refused("associated_events must name each event once")
        for event in self.associated_events:
            if event.size_min is not None and event.size_max is not None and event.size_min > event.size_max:
                raise Refused(f"associated event {event.ticker!r}: size_min must not be above size_max")


@dataclass(frozen=True, slots=True)
class CreateMarketInCollection(UserCommand):
    """The user's combo market in the collection, of the legs selected (Kalshi's
    CreateMarketInMultivariateEventCollectionRequest): made if new, else the one those legs made before."""

    name: ClassVar[str] = "create_market_in_collection"
    collection_ticker: str = value(TEXT)
    selected_markets: tuple[Leg, ...] = value(LEGS)


@dataclass(frozen=True, slots=True)
class LookupMarketInCollection(UserCommand):
    """The combo market the user's legs name in the collection, made before (Kalshi's
    LookupTickersForMarketInMultivariateEventCollectionRequest, spec 3.2.0): a 404 if it never was."""

    name: ClassVar[str] = "lookup_market_in_collection"
    collection_ticker: str = value(TEXT)
    selected_markets: tuple[Leg, ...] = value(LEGS)
