"""Exchange-wide announcements (announcement_commands.py): the ledger's `announcements` part, which keeps them
(`LedgerState.announcements`, an `AnnouncementState`) by id and in delivery order, and lists those delivered by a
time, the latest delivered first, of two delivered at one time the one set last first (the order the legacy
profile's `GET /exchange/announcements` shows). One set again without a delivery time keeps the one it had."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sortedcontainers import SortedList

from mockexchange.core.clock import unix_us
from mockexchange.core.kalshi.announcement_commands import MAX_ANNOUNCEMENTS, SetAnnouncement
from mockexchange.core.kalshi.checks import LedgerError


@dataclass(frozen=True, slots=True)
class AnnouncementRecord:
    """An announcement as set: its id drawn in, its delivery time the exchange's time it was first set at if not given,
    and the number of its setting among all (the tiebreak of one delivery time)."""

    announcement: SetAnnouncement
    delivery_time: datetime
    number: int

    @property
    def announcement_id(self) -> str:
        found = self.announcement.announcement_id
        assert found is not None  # (kept with its id)
        return found

    @property
    def key(self) -> tuple[int, int]:
        """Its place among the others: by its delivery time (microseconds), then the order they were set in."""
        return unix_us(self.delivery_time), self.number


@dataclass(eq=False)
class AnnouncementState:
    records: dict[str, AnnouncementRecord] = field(default_factory=dict)  # by id
    order: SortedList = field(default_factory=SortedList)  # every record's `key`, its id beside it
    set_count: int = 0  # announcements set, new or again (the next record's `number`)

    def clear(self) -> None:
        self.records.clear()
        self.order.clear()
        self.set_count = 0

    def delivered(self, by: datetime) -> Iterator[AnnouncementRecord]:
        """The announcements delivered by `by` (their delivery time not after it), the latest first."""
        end = self.order.bisect_left((unix_us(by) + 1,))
        for *_, announcement_id in self.order.islice(0, end, reverse=True):
            yield self.records[announcement_id]


class Announcements:
    """Announcements set (`ledger.announcements`), under the ledger's lock."""

    def __init__(self, state: Any) -> None:
        self.state = state  # the ledger's (ledger_state.py's `LedgerState`, which holds this part's state)

    def set_announcement(self, command: SetAnnouncement) -> AnnouncementRecord:
        """Keep the announcement (replacing the one of its id); a new one must fit within `MAX_ANNOUNCEMENTS`."""
        state = self.state
        with state.lock:
            kept = state.announcements
            announcement_id = command.announcement_id
            before = kept.records.get(announcement_id) if announcement_id is not None else None
            if before is None and len(kept.records) >= MAX_ANNOUNCEMENTS:
                raise LedgerError(
                    f"the mock keeps at most {MAX_ANNOUNCEMENTS} announcements: set one again by its id to change it"
                )
            announcement = dataclasses.replace(command, announcement_id=announcement_id or state.new_id())
            delivery_time = command.delivery_time or (before.delivery_time if before else state.clock.now())
            kept.set_count += 1
            record = AnnouncementRecord(announcement, delivery_time, kept.set_count)
            if before is not None:
                kept.order.remove((*before.key, before.announcement_id))
            kept.order.add((*record.key, record.announcement_id))
            kept.records[record.announcement_id] = record
            return record
