"""The kept index: records per user by (time, sequence), paged newest first as the time index pages them
(time_index.py), any of which may be dropped: what a bound on what one user keeps needs (the Kalshi ledger's orders,
each account's kept up to a bound, core/kalshi/trading.py).

A user's records sit in three aligned columns in (time, sequence) order: their times (Unix microseconds), their
sequences (unique in the index and never reused, not even after `clear`: a cursor names a record by both) and the
records. A dropped record leaves a hole the reads step over; once a user's holes outnumber its records (and a few
dozen), its columns are made again without them, so what a user holds is at most about twice what it keeps and a drop
costs O(1), amortized. The oldest record is found at once (`trim`): the holes before it are passed as they are made.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from mockexchange.core.clock import unix_us
from mockexchange.core.columns import Column
from mockexchange.core.time_index import seek

R = TypeVar("R")  # what an index keeps
_SLACK = 32  # holes a user may hold beyond as many as its records before its columns are made again


@dataclass(slots=True, eq=False)
class _Shelf:
    """One user's records: `times`, `seqs` and `records` aligned, in (time, sequence) order from `head` on (the slots
    before it are holes); `holes` counts those from `head` on (a hole's record is None)."""

    times: Column = field(default_factory=Column)
    seqs: Column = field(default_factory=Column)
    records: list[Any] = field(default_factory=list)  # (None: a hole)
    head: int = 0
    holes: int = 0

    def find(self, at: int, seq: int) -> int:
        """The slot of the record (at, seq); -1 if it has none."""
        low = bisect_left(self.times, at, self.head)
        high = bisect_right(self.times, at, low)
        slot = bisect_left(self.seqs, seq, low, high)
        return slot if slot < high and self.seqs[slot] == seq and self.records[slot] is not None else -1

    def live(self) -> int:
        return len(self.records) - self.head - self.holes

    def compact(self) -> None:
        """The columns again, without their holes."""
        times, seqs, records = self.times, self.seqs, self.records
        kept = [slot for slot in range(self.head, len(records)) if records[slot] is not None]
        self.times, self.seqs = Column(), Column()
        self.times.extend(times[slot] for slot in kept)
        self.seqs.extend(seqs[slot] for slot in kept)
        self.records = [records[slot] for slot in kept]
        self.head = self.holes = 0


class KeptIndex(Generic[R]):
    """Records of one kind per user, ordered by (time, sequence), served newest first; any record may be dropped.
    Used under its owner's lock."""

    def __init__(self) -> None:
        self._by_user: dict[str, _Shelf] = {}
        self._seq = 0  # the last sequence given
        self.version = 0  # bumped by every change: while it stands, every page reads the same

    def clear(self) -> None:
        self._by_user.clear()
        self.version += 1

    def add(self, user_id: str, when: datetime, record: R) -> tuple[int, int]:
        """Keep `record` for the user at `when`; answers its key, (time in microseconds, sequence)."""
        self._seq += 1
        self.version += 1
        at, seq = unix_us(when), self._seq
        shelf = self._by_user.get(user_id)
        if shelf is None:
            shelf = self._by_user[user_id] = _Shelf()
        times = shelf.times
        if not times or times[-1] <= at:
            times.append(at)
            shelf.seqs.append(seq)
            shelf.records.append(record)
        else:  # the clock was set back: after the records of the same instant, which are older
            slot = bisect_right(times, at, shelf.head)
            times.insert(slot, at)
            shelf.seqs.insert(slot, seq)
            shelf.records.insert(slot, record)
        return (at, seq)

    def drop(self, user_id: str, key: tuple[int, int]) -> R | None:
        """Forget the user's record of that key; answers it (None: the user keeps none of that key)."""
        shelf = self._by_user.get(user_id)
        slot = shelf.find(*key) if shelf is not None else -1
        if shelf is None or slot < 0:
            return None
        self.version += 1
        records = shelf.records
        record: R = records[slot]
        records[slot] = None
        shelf.holes += 1
        while shelf.head < len(records) and records[shelf.head] is None:
            shelf.head += 1
            shelf.holes -= 1
        live = shelf.live()
        if not live:
            del self._by_user[user_id]
        elif shelf.head + shelf.holes > live + _SLACK:
            shelf.compact()
        return record

    def trim(self, user_id: str, most: int, droppable: Callable[[R], bool] | None = None) -> list[R]:
        """Drop the user's oldest records (of those `droppable` takes; None: any) until it keeps at most `most`;
        answers them, oldest first. The records before the first droppable one are stepped over each time: keep them
        few."""
        dropped: list[R] = []
        shelf = self._by_user.get(user_id)
        while shelf is not None and shelf.live() > most:
            slot, records = shelf.head, shelf.records
            if droppable is not None:
                while slot < len(records) and (records[slot] is None or not droppable(records[slot])):
                    slot += 1
                if slot == len(records):
                    break
            gone = self.drop(user_id, (shelf.times[slot], shelf.seqs[slot]))
            assert gone is not None  # (a live slot)
            dropped.append(gone)
            shelf = self._by_user.get(user_id)
        return dropped

    def count(self, user_id: str, *, until_us: int | None = None) -> int:
        """How many records the user keeps (made before `until_us`, Unix microseconds, if given)."""
        shelf = self._by_user.get(user_id)
        if shelf is None:
            return 0
        if until_us is None:
            return shelf.live()
        high = bisect_left(shelf.times, until_us, shelf.head)
        if not shelf.holes:
            return high - shelf.head
        return sum(1 for slot in range(shelf.head, high) if shelf.records[slot] is not None)

    def records(self, user_id: str) -> Iterator[R]:
        """The user's records, oldest first."""
        shelf = self._by_user.get(user_id)
        if shelf is None:
            return iter(())
        return (record for record in shelf.records[shelf.head :] if record is not None)

    def page(self, user_id: str, limit: int, **query: Any) -> tuple[list[tuple[tuple[int, int], R]], bool]:
        """Up to `limit` (key, record) pairs, newest first, for the query `TimeIndex.page` takes (`before`, `min_ts`,
        `max_ts`, `keep`, `as_of`, `from_us`, `until_us`, each None unless given) and as it answers it; and whether
        more follow."""
        shelf = self._by_user.get(user_id)
        if shelf is None:
            return [], False
        times, seqs, records = shelf.times, shelf.seqs, shelf.records
        before, keep, as_of = query.get("before"), query.get("keep"), query.get("as_of")
        bounds = (query.get("min_ts"), query.get("max_ts"), query.get("from_us"), query.get("until_us"))
        low, high = seek(times, None, shelf.head, len(records), bounds, before, seqs, before[1] if before else 0)
        cut = unix_us(as_of) if as_of is not None else None
        found: list[tuple[tuple[int, int], R]] = []
        for slot in range(high - 1, low - 1, -1):
            record = records[slot]
            if record is None or (cut is not None and times[slot] > cut):
                continue
            if keep is not None and not keep(record):
                continue
            if len(found) == limit:
                return found, True
            found.append(((times[slot], seqs[slot]), record))
        return found, False
