"""Scheduled fee changes (`GET /series/fee_changes`, `/events/fee_changes`): a series' new fee type and multiplier, or
an event's new override of its series' (both None: the override cleared), each in force from its `scheduled_ts` on
the exchange clock. The catalogue schedules and applies them (catalogue.py: at its time, the fee its markets' fills
pay changes); this module keeps them, the series' and the events' apart, each in time order (a page of them is a
keyset page over that order), up to a bound.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sortedcontainers import SortedList

from mockexchange.core.clock import unix_us

MAX_FEE_CHANGES = 10_000  # kept by one mock (each the control plane's: far more than a run schedules)


@dataclass(frozen=True, slots=True)
class FeeChange:
    id: str
    series_ticker: str
    event_ticker: str | None  # None: the series' own fee
    fee_type: str | None  # an event's override cleared: None, as its multiplier
    fee_multiplier: Decimal | None
    scheduled_ts: datetime

    @property
    def key(self) -> tuple[int, str]:
        """Its place among the others: by its time (microseconds), then its id."""
        return unix_us(self.scheduled_ts), self.id


@dataclass(slots=True)
class FeeChanges:
    """The fee changes scheduled, by id; the series' in time order (`key`), and the events' in time order, every
    event's under "" and each event's under its ticker."""

    by_id: dict[str, FeeChange] = field(default_factory=dict)
    series: SortedList = field(default_factory=SortedList)  # the series' changes' keys
    events: dict[str, SortedList] = field(default_factory=dict)  # "" or an event's ticker -> its changes' keys

    def add(self, change: FeeChange) -> None:
        self.by_id[change.id] = change
        if change.event_ticker is None:
            self.series.add(change.key)
            return
        for held in ("", change.event_ticker):
            self.events.setdefault(held, SortedList()).add(change.key)

    def clear(self) -> None:
        self.by_id.clear()
        self.series.clear()
        self.events.clear()

    def of_series(self) -> Iterator[FeeChange]:
        """The series' changes, in time order."""
        return (self.by_id[i] for _, i in self.series)

    def of_events(self, event_ticker: str | None, after: tuple[int, str] | None = None) -> Iterator[FeeChange]:
        """The changes of the event (None: of every event) in time order, from the first after the key `after` (None:
        from the first)."""
        keys = self.events.get(event_ticker or "")
        if keys is None:
            return iter(())
        found = keys.irange(after, inclusive=(False, True)) if after is not None else iter(keys)
        return (self.by_id[i] for _, i in found)
