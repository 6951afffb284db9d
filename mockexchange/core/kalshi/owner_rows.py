"""One owner's rows in key order: a book per settlement state, its events in order, each event's tickers in order
beside the event's running totals (event_totals.py).
"""

from __future__ import annotations

import sys
from typing import Any, Self

from sortedcontainers import SortedList

from mockexchange.core.columns import Column


class _EventRows(Column):
    """One owner's rows of one event in one settlement state: their running totals, which this Column holds (the
    parts event_totals.py keeps), and their tickers in order beside them (one object an event, not three)."""

    __slots__ = ("tickers",)
    tickers: list[str] | SortedList  # a SortedList once it is long

    def __new__(
        cls, typecode: str = "q", data: bytes = b"", byteorder: str = sys.byteorder, tickers: Any = None
    ) -> Self:
        event = super().__new__(cls, typecode, data, byteorder)
        event.tickers = [] if tickers is None else tickers
        return event

    @property
    def totals(self) -> Column:
        """The event's running totals (event_totals.py): the Column itself."""
        return self

    def __reduce_ex__(self, protocol: object) -> tuple[type[Column], tuple[Any, ...]]:
        return type(self), (self.typecode, self.tobytes(), sys.byteorder, self.tickers)


class _OwnerRows:
    """One owner's rows in one settlement state: events in order, and each event's rows."""

    __slots__ = ("events", "rows")

    def __init__(self) -> None:
        self.events = SortedList()
        self.rows: dict[str, _EventRows] = {}


_LONG_EVENT = 512  # tickers past which an event's list becomes a SortedList (inserts stay O(log n))
