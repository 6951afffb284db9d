"""One owner's rows in key order: a book per settlement state, its events in order, each event's tickers in order
beside the event's running totals (event_totals.py).
"""

from __future__ import annotations

from sortedcontainers import SortedList

from mockexchange.core.columns import Column


class _EventRows:
    """One owner's rows of one event in one settlement state: their tickers in order, and their running totals."""

    __slots__ = ("tickers", "totals")

    def __init__(self) -> None:
        self.tickers: list[str] | SortedList = []  # a SortedList once it is long
        self.totals = Column("q")  # the parts of its running totals (event_totals.py)


class _OwnerRows:
    """One owner's rows in one settlement state: events in order, and each event's rows."""

    __slots__ = ("events", "rows")

    def __init__(self) -> None:
        self.events = SortedList()
        self.rows: dict[str, _EventRows] = {}


_LONG_EVENT = 512  # tickers past which an event's list becomes a SortedList (inserts stay O(log n))
