"""Versioned reads: the recent past of the state a lagged read sees, kept as undo records.

A lagged read answers "as of" a time T in the recent past (Kalshi's REST portfolio reads, `Ledger.as_of`). While a
window is set, every change to a versioned thing (a market position row, an account's cash, a market's last price)
first records the thing as it was: (time of the change, the state before it, or `ABSENT` if it did not exist yet).
The state of a thing as of T is then the state before its first change after T, or its current state if nothing
changed it after T. So a read costs the current read plus one look-up per thing changed after T, never a copy of the
whole state.

Bounded: every record made at time t drops the records of times <= t - window (in the order they were made), and so
does every lagged read at now - window; no read can need them (a read's T never falls behind now - window, and
exchange time does not run backwards). What is kept is the changes of the last window, whatever the size of the
state. With no window (`keep(None, ...)`, the default) nothing is recorded: each change pays one attribute test.

Where the history begins: changes made before the window was set (or before a reset) were never recorded, so a read
as of an earlier time shows them; that is the state when the history began. Once records were dropped, a read as of a
time before the last dropped record cannot undo it: `exact_from` is that record's time, and a reader asks as of that
time at the earliest (`Ledger.as_of`), which is exact (every change up to it applied, every later one undone).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable
from datetime import datetime, timedelta
from typing import Any


class ABSENT:
    """The "state before" of a thing that did not exist yet. The class itself is the marker, so a copy of the history
    (a pickled snapshot of the ledger) still holds the very same one."""


class History:
    """Undo records, per owner (an account's subaccount, "accounts", "prices") and name (a ticker, a user id)."""

    def __init__(self) -> None:
        self.window: timedelta | None = None  # None: nothing is kept
        self.keeping = False  # a window is set: what every change tests (an attribute, not a property: it is hot)
        self.exact_from: datetime | None = None  # the time of the last record dropped: read as of it at the earliest
        self._changes: dict[Hashable, dict[Hashable, deque[tuple[datetime, Any]]]] = {}
        self._order: deque[tuple[datetime, Hashable, Hashable]] = deque()  # every record, in the order made
        self._memo: tuple[Hashable, datetime, int, dict[Hashable, Any]] | None = None
        self._version = 0  # bumped by every record and drop: what `changed` memoizes against
        self._pruned_at: datetime | None = None

    def __len__(self) -> int:
        """Records held."""
        return len(self._order)

    def keep(self, window: timedelta | None, now: datetime) -> None:
        """Keep the changes of the last `window` from `now` on; None or zero: keep nothing (and drop what is kept)."""
        if window is None or window <= timedelta(0):
            self.window, self.keeping = None, False
            self.forget()
            return
        self.window, self.keeping = window, True
        self.prune(now)

    def forget(self) -> None:
        """Forget every record (the window was unset, or the state reset): the history begins again."""
        self.exact_from = None
        self._changes.clear()
        self._order.clear()
        self._memo = None
        self._version += 1

    def record(self, owner: Hashable, name: Hashable, before: Any, when: datetime) -> None:
        """`owner`'s `name` changes at `when`; `before` is its state until then (`ABSENT`: it did not exist).
        The caller hands over `before`: it must not change afterwards (a snapshot, a copy)."""
        if self.window is None:
            return
        named = self._changes.get(owner)
        if named is None:
            named = self._changes[owner] = {}
        records = named.get(name)
        if records is None:
            records = named[name] = deque()
        records.append((when, before))
        self._order.append((when, owner, name))
        self._version += 1
        if when != self._pruned_at:  # the changes of one command share their time: one prune for them all
            self.prune(when)

    def prune(self, now: datetime) -> None:
        """Drop the records no read can need any more: those of times <= now - window."""
        if self.window is None or not self._order:
            return
        self._pruned_at = now
        horizon = now - self.window
        order = self._order
        dropped = None
        while order and order[0][0] <= horizon:
            when, owner, name = order.popleft()
            named = self._changes[owner]
            records = named[name]
            records.popleft()  # a thing's records are made in the same order as `_order`'s
            if not records:
                del named[name]
                if not named:
                    del self._changes[owner]
            dropped = when
        if dropped is not None:
            self._version += 1
            # A read as of a time before a dropped record would miss its undo.
            if self.exact_from is None or dropped > self.exact_from:
                self.exact_from = dropped

    def then(self, owner: Hashable, name: Hashable, when: datetime) -> tuple[datetime, Any] | None:
        """(time of the first change after `when`, the state before it) of one thing; None: unchanged since."""
        records = self._changes.get(owner, {}).get(name)
        if records:
            for changed, before in records:
                if changed > when:
                    return changed, before
        return None

    def changed(self, owner: Hashable, when: datetime) -> dict[Any, Any]:
        """Every thing of `owner` changed after `when`, by its name, with its state as of `when` (`ABSENT`: it did not
        exist)."""
        memo = self._memo
        if memo is not None and memo[0] == owner and memo[1] == when and memo[2] == self._version:
            return memo[3]
        found: dict[Any, Any] = {}
        for name, records in self._changes.get(owner, {}).items():
            for changed, before in records:
                if changed > when:
                    found[name] = before
                    break
        self._memo = (owner, when, self._version, found)
        return found
