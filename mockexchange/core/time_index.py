"""The time index: records of one kind per user (the ledger's fills, settlements, deposits and withdrawals), ordered by
time and sequence, paged newest first.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any

from mockexchange.core.clock import unix_us
from mockexchange.core.columns import Column

Bounds = tuple[int | None, int | None, int | None, int | None]  # a page's min_ts, max_ts (seconds), from_us, until_us


def seek(
    keys: Sequence[int],
    time_of: Callable[[int], int] | None,
    low: int,
    high: int,
    bounds: Bounds,
    before: tuple[int, int] | None,
    ties: Sequence[int],
    tie: int,
) -> tuple[int, int]:
    """The slots [low, high) of `keys` a page walks: `keys` in (time, sequence) order within [low, high), their times
    `time_of(key)` (None: the keys are the times); bounded by `bounds` (times from `min_ts` to `max_ts` seconds
    inclusive, from `from_us` and before `until_us` microseconds) and strictly before the cursor `before` (time,
    sequence): among the records of its instant, which are in sequence order, before `tie` in `ties` (what names the
    cursor's record there). Each bound is a seek, never a walk."""
    min_ts, max_ts, from_us, until_us = bounds
    if min_ts is not None:
        low = max(low, bisect_left(keys, min_ts * 1_000_000, low, high, key=time_of))
    if max_ts is not None:
        high = min(high, bisect_left(keys, (max_ts + 1) * 1_000_000, low, high, key=time_of))
    if from_us is not None:
        low = max(low, bisect_left(keys, from_us, low, high, key=time_of))
    if until_us is not None:
        high = min(high, bisect_left(keys, until_us, low, high, key=time_of))
    if before is not None:
        start = bisect_left(keys, before[0], low, high, key=time_of)
        end = bisect_right(keys, before[0], start, high, key=time_of)
        high = min(high, bisect_left(ties, tie, start, end))
    return low, high


Numbers = Column | int  # a key's record numbers: a column, or the number alone for a key of one record


def with_number(refs: Numbers | None, number: int, times: Column) -> Numbers | None:
    """A key's record numbers `refs` (None: none yet) with `number` added in (time, sequence) order, its time in
    `times`: what to keep in their place, or None (added to their column in place)."""
    if refs is None:
        return number
    if isinstance(refs, int):
        code = "I" if refs <= 0xFFFFFFFF else "q"  # 32 bits; 64 past four billion records
        refs = grown = Column(code, array(code, (refs,)).tobytes())
    else:
        grown = None
    if number > 0xFFFFFFFF and refs.typecode == "I":
        refs = grown = Column("q", array("q", refs).tobytes())
    at = times[number]
    if not refs or times[refs[-1]] <= at:
        refs.append(number)
    else:  # the clock was set back: after the records of the same instant, which are older
        refs.insert(bisect_right(refs, at, key=times.__getitem__), number)
    return grown


def numbers_of(refs: Numbers | None) -> Sequence[int] | None:
    """A key's record numbers as a sequence (None: it has none)."""
    return (refs,) if isinstance(refs, int) else refs


class TimeIndex:
    """Records of one kind (fills, settlements, transfers) per user, ordered by (time, sequence), served newest first.

    A page seeks below the cursor's (time, sequence) and walks down; the sequence breaks ties between records of the
    same instant, so keys are unique and never change. The records are the index's own list, or a log kept beside it
    (the ledger's fill log, whose `times` column it reads: `add_position` indexes the fills the log takes, in order; it
    may leave some out, as the tape leaves out the maker's fill of a match). A user's index is one column of record
    numbers: the record at position n since the last `clear` has sequence `first + n + 1`, and its time is in the times
    column.
    """

    def __init__(self, log: Any = None) -> None:
        self._records: Any = log if log is not None else []
        self._times: Column | None = Column("q") if log is None else None  # the own records' times (microseconds)
        # user -> record numbers, in (time, sequence) order; a user of one record holds its number alone (a column is
        # about 100 bytes, a tuple of one 48, and most of a market index's keys are markets traded once)
        self._by_user: dict[str, Numbers] = {}
        # Never reused within one index, not even after `clear`: the Kalshi venue's render cache (fragments.py) keys
        # each fill's and settlement's rendered bytes on it.
        self._seq = 0
        self._first = 0  # the last sequence before the first record since the last `clear`
        self._sealed = 0  # records up to this sequence show in every lagged read (made before the history began)
        # Bumped by every `add`, `clear` and `seal`: while it is unchanged, every page of this index reads the same
        # (the Kalshi venue keeps whole pages of fills and settlements against it, fragments.py).
        self.version = 0

    def _times_column(self) -> Column:
        return self._times if self._times is not None else self._records.times

    def clear(self) -> None:
        self._by_user.clear()
        self._first = self._seq
        self.version += 1
        if self._times is not None:
            self._records.clear()
            del self._times[:]

    def seal(self) -> None:
        """The records made so far show in every read as of any time: they were made before the ledger's history
        began, so the state a lagged read shows already holds what they made."""
        self._sealed = self._seq
        self.version += 1

    def add(self, user_id: str, when: datetime, record: object) -> tuple[int, int]:
        """Keep and index `record`, made at `when`; answers its key (time in microseconds, sequence)."""
        if self._times is None:
            raise TypeError("an index over a log indexes the log's records: add_position")
        self._records.append(record)
        times = self._times
        times.append(unix_us(when))
        self._index(user_id, len(self._records) - 1, times)
        return (times[-1], self._seq)

    def add_position(self, user_id: str, when: datetime, position: int) -> None:
        """Index the record the log took at `position`, one after the last this index took (`when` is its time)."""
        self._take(position)
        by_user = self._by_user
        grown = with_number(by_user.get(user_id), position, self._records.times)
        if grown is not None:
            by_user[user_id] = grown

    def _take(self, position: int) -> None:
        """Count the log's record at `position` as this index's next (its sequence is first + position + 1)."""
        if self._times is not None or position < self._seq - self._first:
            raise ValueError(f"record {position} is not after the last record this index took of its log")
        self._seq = self._first + position + 1
        self.version += 1

    def _index(self, user_id: str, number: int, times: Column) -> None:
        """Index record `number` of the index's own, whose time is in `times`."""
        self._seq += 1
        self.version += 1
        by_user = self._by_user
        grown = with_number(by_user.get(user_id), number, times)
        if grown is not None:
            by_user[user_id] = grown

    def numbers(self, user_id: str) -> Sequence[int] | None:
        """The user's record numbers (positions in the log), in (time, sequence) order; None: it has none. Do not
        change them."""
        return numbers_of(self._by_user.get(user_id))

    def records(self, user_id: str) -> Iterator[object]:
        refs = self.numbers(user_id)
        records = self._records
        return (records[ref] for ref in refs) if refs is not None else iter(())

    def count(self, user_id: str, *, until_us: int | None = None) -> int:
        """How many of the user's records there are (made before `until_us`, Unix microseconds, if given): a seek, never
        a walk."""
        refs = self.numbers(user_id)
        if not refs:
            return 0
        return len(refs) if until_us is None else bisect_left(refs, until_us, key=self._times_column().__getitem__)

    def page(
        self,
        user_id: str,
        limit: int,
        *,
        before: tuple[int, int] | None = None,
        min_ts: int | None = None,
        max_ts: int | None = None,
        keep: Callable[[object], bool] | None = None,
        as_of: datetime | None = None,
        from_us: int | None = None,
        until_us: int | None = None,
    ) -> tuple[list[tuple[tuple[int, int], object]], bool]:
        """Up to `limit` (key, record) pairs, newest first, strictly older than `before`, with times (Unix seconds)
        from `min_ts` to `max_ts` inclusive, and none after `as_of` (records are never changed: a lagged read is a
        cut in time); and whether more follow. `from_us` and `until_us` (Unix microseconds) bound the times too, at
        and before: a cutoff that splits the records in two (a bound costs a seek, not a walk)."""
        refs = self.numbers(user_id)
        if not refs:
            return [], False
        times, records, first = self._times_column(), self._records, self._first
        tie = before[1] - first - 1 if before is not None else 0  # (a record's number is its sequence less first + 1)
        low, high = seek(refs, times.__getitem__, 0, len(refs), (min_ts, max_ts, from_us, until_us), before, refs, tie)
        cut = unix_us(as_of) if as_of is not None else None
        sealed = self._sealed
        found: list[tuple[tuple[int, int], object]] = []
        for k in range(high - 1, low - 1, -1):
            ref = refs[k]
            at, seq = times[ref], first + ref + 1
            if cut is not None and at > cut and seq > sealed:
                continue  # made after `as_of` (a lagged read skips at most the records of its lag)
            record = records[ref]
            if keep is not None and not keep(record):
                continue
            if len(found) == limit:
                return found, True
            found.append(((at, seq), record))
        return found, False
