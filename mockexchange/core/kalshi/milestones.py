"""The milestones and their live data (milestone_commands.py): the ledger's `milestones` part, which keeps them
(`LedgerState.milestones`, a `MilestoneState`) in the order the reads list them (by start, then id), each event's
milestones, and each milestone's live data. A milestone's `last_updated` is the exchange time it was last set; its
live data changes it not (the milestone's own record did not change)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sortedcontainers import SortedList

from mockexchange.core.clock import unix_us
from mockexchange.core.kalshi.checks import LedgerError
from mockexchange.core.kalshi.milestone_commands import MAX_MILESTONES, SetLiveData, SetMilestone

Key = tuple[int, str]  # (start in microseconds, id): the lists' order


@dataclass(frozen=True, slots=True)
class MilestoneRecord:
    """A milestone as set (its id drawn in, if it was not given), and when."""

    milestone: SetMilestone
    last_updated: datetime

    @property
    def milestone_id(self) -> str:
        found = self.milestone.milestone_id
        assert found is not None  # (kept with its id)
        return found

    @property
    def key(self) -> Key:
        return unix_us(self.milestone.start_date), self.milestone_id


@dataclass(eq=False)
class MilestoneState:
    records: dict[str, MilestoneRecord] = field(default_factory=dict)  # by id
    order: SortedList = field(default_factory=SortedList)  # every milestone's key, in order
    by_event: dict[str, dict[str, None]] = field(default_factory=dict)  # an event's milestones' ids
    live: dict[str, SetLiveData] = field(default_factory=dict)  # a milestone's live data, by its id

    def clear(self) -> None:
        for held in (self.records, self.order, self.by_event, self.live):
            held.clear()

    def listed(self, after: Key | None = None) -> Iterator[MilestoneRecord]:
        """Every milestone in order, from the one after `after` (None: the first)."""
        start = 0 if after is None else self.order.bisect_right(after)
        records = self.records
        for key in self.order.islice(start):
            yield records[key[1]]

    def of_event(self, event_ticker: str, after: Key | None = None) -> list[MilestoneRecord]:
        """The milestones naming the event (related or primary), in order, from the one after `after`."""
        found = sorted((self.records[i] for i in self.by_event.get(event_ticker, ())), key=lambda record: record.key)
        return found if after is None else [record for record in found if record.key > after]


class Milestones:
    """Milestones set and their live data (`ledger.milestones`), under the ledger's lock."""

    def __init__(self, state: Any) -> None:
        self.state = state  # the ledger's (ledger_state.py's `LedgerState`, which holds this part's state)

    def set_milestone(self, command: SetMilestone) -> MilestoneRecord:
        """Keep the milestone (replacing the one of its id): each event it names must be listed, and a new one must
        fit within `MAX_MILESTONES`."""
        state = self.state
        with state.lock:
            unknown = [t for t in command.event_tickers if t not in state.events]
            if unknown:
                raise LedgerError(f"unknown event {unknown[0]!r}: a milestone names events the mock lists", status=404)
            kept = state.milestones
            old = kept.records.get(command.milestone_id) if command.milestone_id is not None else None
            if old is None and len(kept.records) >= MAX_MILESTONES:
                raise LedgerError(f"the mock keeps at most {MAX_MILESTONES} milestones")
            milestone = dataclasses.replace(command, milestone_id=command.milestone_id or state.new_id())
            record = MilestoneRecord(milestone, state.clock.now())
            if old is not None:
                self._forget(old)
            kept.records[record.milestone_id] = record
            kept.order.add(record.key)
            for ticker in milestone.event_tickers:
                kept.by_event.setdefault(ticker, {})[record.milestone_id] = None
            return record

    def _forget(self, record: MilestoneRecord) -> None:
        kept = self.state.milestones
        kept.order.remove(record.key)
        for ticker in record.milestone.event_tickers:
            ids = kept.by_event[ticker]
            del ids[record.milestone_id]
            if not ids:
                del kept.by_event[ticker]

    def set_live_data(self, command: SetLiveData) -> SetLiveData:
        """Keep the milestone's live data, replacing what it had (a 404 refusal for an unknown milestone)."""
        state = self.state
        with state.lock:
            if command.milestone_id not in state.milestones.records:
                raise LedgerError(f"unknown milestone {command.milestone_id!r}", status=404)
            state.milestones.live[command.milestone_id] = command
            return command
