"""What the multivariate part keeps (multivariate.py): Kalshi's multivariate event collections, as the control plane
sets them, and the combo markets made in them, each with its legs; the ledger's `multivariate`, which a snapshot holds.

A combo market is a market of the catalogue's like any other (it trades on its book, is listed and settles through the
lifecycle); what makes it a combo is its record here: its collection and its legs, each a market of the mock's and the
side it must resolve to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from sortedcontainers import SortedList

UNOPENED, OPEN, CLOSED = "unopened", "open", "closed"  # a collection's status (Kalshi's words)
COLLECTION_STATUSES = (UNOPENED, OPEN, CLOSED)


class AssociatedEvent(NamedTuple):
    """An event whose markets may be legs of the collection's combos, and its own rules (Kalshi's `AssociatedEvent`):
    only its YES side may be selected (`is_yes_only`); a combo holds `size_min` to `size_max` of its markets (None:
    no bound)."""

    ticker: str
    is_yes_only: bool = False
    size_min: int | None = None
    size_max: int | None = None
    active_quoters: tuple[str, ...] = ()


class Leg(NamedTuple):
    """One leg of a combo: a market, its event, and the side it must resolve to for the combo to resolve yes."""

    market_ticker: str
    event_ticker: str
    side: str


@dataclass(slots=True)
class Collection:
    """A multivariate event collection: its series (the combos' events belong to it), words, open and close dates on
    the exchange clock, the events whose markets may be legs, and the rules a combo's legs keep."""

    collection_ticker: str
    series_ticker: str
    title: str
    description: str
    functional_description: str
    open_date: datetime
    close_date: datetime
    associated_events: tuple[AssociatedEvent, ...]
    is_ordered: bool
    is_single_market_per_event: bool
    is_all_yes: bool
    size_min: int
    size_max: int
    price_level_structure: str
    exchange_index: int = 0
    season: int = 0  # the year its combos' event tickers name: its first open date's (so a combo's stay as they are)
    combos: int = 0  # the combo markets made in it

    def status(self, now: datetime) -> str:
        """Its status at `now`: unopened before its open date, closed from its close date, open between."""
        if now < self.open_date:
            return UNOPENED
        return OPEN if now < self.close_date else CLOSED

    def associated(self, event_ticker: str) -> AssociatedEvent | None:
        return next((event for event in self.associated_events if event.ticker == event_ticker), None)


@dataclass(frozen=True, slots=True)
class Combo:
    """A combo market: its ticker, its event's, its collection's, and its legs (in the order that names it)."""

    ticker: str
    event_ticker: str
    collection_ticker: str
    legs: tuple[Leg, ...]


@dataclass(slots=True)
class MultivariateState:
    """The collections and the combo markets made in them (the ledger's `multivariate`)."""

    collections: dict[str, Collection] = field(default_factory=dict)
    combos: dict[str, Combo] = field(default_factory=dict)  # combo market ticker -> its record
    of_leg: dict[str, list[str]] = field(default_factory=dict)  # a leg's market ticker -> its combos' tickers
    events: dict[str, str] = field(default_factory=dict)  # a combo event's ticker -> its collection's
    listed_events: SortedList = field(default_factory=SortedList)  # the combo events' tickers, in order (their pages)
    created: dict[str, list[datetime]] = field(default_factory=dict)  # user -> when it made combos, in the last week
    queried: dict[str, datetime] = field(default_factory=dict)  # combo market ticker -> when it was last asked for

    def clear(self) -> None:
        for held in (self.collections, self.combos, self.of_leg, self.events, self.listed_events, self.created,
                     self.queried):  # fmt: skip
            held.clear()
