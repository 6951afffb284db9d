"""The indexes behind every list the venues page through.

Market positions are kept per (user, subaccount, settlement state) in a sorted map keyed by (event_ticker, ticker).
A page is a seek to the key after the cursor plus a walk of at most `limit` matching rows, so its cost does not grow
with the size of the portfolio (only with how many rows a filter skips). The key of a row never changes, so a walk
that resumes after a key neither repeats nor skips a row that existed for the whole walk, however many fills land
between pages.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal

from sortedcontainers import SortedDict, SortedKeyList

from mockexchange.core.clock import unix_us
from mockexchange.core.money import ZERO

SettlementState = Literal["unsettled", "settled"]
SettlementStatus = Literal["unsettled", "settled", "all"]
PositionKey = tuple[str, str]  # (event_ticker, ticker)
_KEY_MAX = "\U0010ffff"


@dataclass(slots=True)
class MarketPosition:
    user_id: str
    subaccount: int
    ticker: str
    event_ticker: str
    exchange_index: int
    last_updated: datetime
    position: Decimal = ZERO
    market_exposure: Decimal = ZERO
    total_traded: Decimal = ZERO
    realized_pnl: Decimal = ZERO
    fees_paid: Decimal = ZERO
    volume: Decimal = ZERO  # contracts traded, both directions
    resting_orders_count: int = 0
    settled: bool = False

    @property
    def key(self) -> PositionKey:
        return (self.event_ticker, self.ticker)

    def snapshot(self) -> MarketPosition:
        # The constructor, not dataclasses.replace: a page snapshots every row it serves (7x faster per row).
        return MarketPosition(
            self.user_id, self.subaccount, self.ticker, self.event_ticker, self.exchange_index, self.last_updated,
            self.position, self.market_exposure, self.total_traded, self.realized_pnl, self.fees_paid, self.volume,
            self.resting_orders_count, self.settled,
        )  # fmt: skip


@dataclass(slots=True)
class EventRollup:
    event_ticker: str
    total_cost: Decimal = ZERO
    total_cost_shares: Decimal = ZERO
    event_exposure: Decimal = ZERO
    realized_pnl: Decimal = ZERO
    fees_paid: Decimal = ZERO
    resting_orders_count: int = 0

    def add(self, row: MarketPosition, sign: int = 1) -> None:
        self.total_cost += sign * row.total_traded
        self.total_cost_shares += sign * row.volume
        self.event_exposure += sign * row.market_exposure
        self.realized_pnl += sign * row.realized_pnl
        self.fees_paid += sign * row.fees_paid
        self.resting_orders_count += sign * row.resting_orders_count

    def merged(self, other: EventRollup) -> EventRollup:
        total = EventRollup(self.event_ticker)
        for part in (self, other):
            total.total_cost += part.total_cost
            total.total_cost_shares += part.total_cost_shares
            total.event_exposure += part.event_exposure
            total.realized_pnl += part.realized_pnl
            total.fees_paid += part.fees_paid
            total.resting_orders_count += part.resting_orders_count
        return total


# What `count_filter` can name: a row passes when any named count is non-zero.
COUNT_BITS = {"position": 1, "total_traded": 2, "resting_order_count": 4}


def count_mask(row: MarketPosition) -> int:
    return (
        (row.position != 0) * COUNT_BITS["position"]
        | (row.total_traded != 0) * COUNT_BITS["total_traded"]
        | (row.resting_orders_count != 0) * COUNT_BITS["resting_order_count"]
    )


@dataclass(frozen=True, slots=True)
class RowFilter:
    """The row filters the sorted index cannot seek by: `count_filter` and `exchange_index`."""

    counts: int = 0  # COUNT_BITS of the named counts; 0 keeps every row
    exchange_index: int | None = None

    @classmethod
    def of(cls, count_filter: Sequence[str] | None, exchange_index: int | None) -> RowFilter | None:
        counts = 0
        for name in count_filter or ():
            counts |= COUNT_BITS[name]
        return cls(counts, exchange_index) if counts or exchange_index is not None else None

    def admits(self, exchange_index: int, mask: int) -> bool:
        return (not self.counts or bool(mask & self.counts)) and self.exchange_index in (None, exchange_index)

    def __call__(self, row: MarketPosition) -> bool:
        return self.admits(row.exchange_index, count_mask(row))


class PositionStore:
    def __init__(self) -> None:
        self._by_market: dict[tuple[str, int, str], MarketPosition] = {}
        self._by_ticker: dict[str, list[MarketPosition]] = {}  # every account's row in a market: for settlement
        self._books: dict[tuple[str, int, SettlementState], SortedDict] = {}
        # Running event totals per (user, subaccount, state, event), split by the row's (exchange index, count mask):
        # a roll-up under any count_filter / exchange_index is a few lookups, never a walk of the event.
        self._totals: dict[tuple[str, int, SettlementState, str], dict[tuple[int, int], EventRollup]] = {}

    def __len__(self) -> int:
        return len(self._by_market)

    def clear(self) -> None:
        self._by_market.clear()
        self._by_ticker.clear()
        self._books.clear()
        self._totals.clear()

    def get(self, user_id: str, subaccount: int, ticker: str) -> MarketPosition | None:
        return self._by_market.get((user_id, subaccount, ticker))

    def add(self, row: MarketPosition) -> None:
        self._by_market[(row.user_id, row.subaccount, row.ticker)] = row
        self._by_ticker.setdefault(row.ticker, []).append(row)
        self._book(row.user_id, row.subaccount, _state(row))[row.key] = row
        self._total(row).add(row)

    @contextmanager
    def changing(self, row: MarketPosition) -> Iterator[MarketPosition]:
        """Every change to a stored row's amounts happens inside this, so the event totals follow it."""
        self._total(row).add(row, -1)
        try:
            yield row
        finally:
            self._total(row).add(row)

    def mark_settled(self, row: MarketPosition) -> None:
        if row.settled:
            return
        self._book(row.user_id, row.subaccount, "unsettled").pop(row.key, None)
        self._total(row).add(row, -1)
        row.settled = True
        self._book(row.user_id, row.subaccount, "settled")[row.key] = row
        self._total(row).add(row)

    def _total(self, row: MarketPosition) -> EventRollup:
        parts = self._totals.setdefault((row.user_id, row.subaccount, _state(row), row.event_ticker), {})
        part_key = (row.exchange_index, count_mask(row))
        total = parts.get(part_key)
        if total is None:
            total = parts[part_key] = EventRollup(row.event_ticker)
        return total

    def of_market(self, ticker: str) -> list[MarketPosition]:
        """Every account's row in one market, without walking the whole store."""
        return list(self._by_ticker.get(ticker, ()))

    def all_rows(self) -> Iterator[MarketPosition]:
        return iter(self._by_market.values())

    def _book(self, user_id: str, subaccount: int, state: SettlementState) -> SortedDict:
        book = self._books.get((user_id, subaccount, state))
        if book is None:
            book = self._books[(user_id, subaccount, state)] = SortedDict()
        return book

    def walk(
        self,
        user_id: str,
        subaccount: int,
        status: SettlementStatus,
        *,
        after: PositionKey | None = None,
        event_ticker: str | Sequence[str] | None = None,
        ticker: str | None = None,
    ) -> Iterator[MarketPosition]:
        """Rows in key order, strictly after `after`, narrowed by event(s) and ticker through the index itself.

        Several event tickers are walked one after another, in key order.
        """
        if event_ticker is not None and not isinstance(event_ticker, str):
            events = sorted(e for e in set(event_ticker) if after is None or e >= after[0])
            return itertools.chain.from_iterable(
                self.walk(user_id, subaccount, status, after=after, event_ticker=e, ticker=ticker) for e in events
            )
        states: tuple[SettlementState, ...] = ("unsettled", "settled") if status == "all" else (status,)
        lo: PositionKey = (event_ticker, "") if event_ticker else ("", "")
        hi: PositionKey | None = (event_ticker, _KEY_MAX) if event_ticker else None
        if after is not None and after >= lo:
            lo, inclusive = after, False
        else:
            inclusive = True
        streams = []
        for state in states:
            book = self._books.get((user_id, subaccount, state))
            if not book:
                continue
            if ticker is not None:
                # A ticker names at most one row; no range to walk.
                row = self._by_market.get((user_id, subaccount, ticker))
                if (
                    row is not None
                    and _state(row) == state
                    and (event_ticker is None or row.event_ticker == event_ticker)
                    and (after is None or row.key > after)
                ):
                    streams.append(iter([row]))
                continue
            streams.append(map(book.__getitem__, book.irange(minimum=lo, maximum=hi, inclusive=(inclusive, True))))
        if len(streams) == 1:
            return streams[0]
        return heapq.merge(*streams, key=lambda r: r.key)

    def page(
        self,
        user_id: str,
        subaccount: int,
        status: SettlementStatus,
        limit: int,
        *,
        after: PositionKey | None = None,
        event_ticker: str | Sequence[str] | None = None,
        ticker: str | None = None,
        keep: RowFilter | None = None,
    ) -> tuple[list[MarketPosition], bool]:
        """Up to `limit` matching rows after `after`, and whether more follow. Rows are snapshots."""
        rows: list[MarketPosition] = []
        for row in self.walk(user_id, subaccount, status, after=after, event_ticker=event_ticker, ticker=ticker):
            if keep is not None and not keep(row):
                continue
            if len(rows) == limit:
                return rows, True
            rows.append(row.snapshot())
        return rows, False

    def event_rollup(
        self,
        user_id: str,
        subaccount: int,
        status: SettlementStatus,
        event_ticker: str,
        *,
        ticker: str | None = None,
        keep: RowFilter | None = None,
    ) -> EventRollup:
        """Totals over the event's rows that pass the same filters as the market rows."""
        rollup = EventRollup(event_ticker)
        if ticker is not None:  # one row at most
            for row in self.walk(user_id, subaccount, status, event_ticker=event_ticker, ticker=ticker):
                if keep is None or keep(row):
                    rollup.add(row)
            return rollup
        states: tuple[SettlementState, ...] = ("unsettled", "settled") if status == "all" else (status,)
        for state in states:
            for (exchange_index, mask), part in self._totals.get(
                (user_id, subaccount, state, event_ticker), {}
            ).items():
                if keep is None or keep.admits(exchange_index, mask):
                    rollup = rollup.merged(part)
        return rollup


def _state(row: MarketPosition) -> SettlementState:
    return "settled" if row.settled else "unsettled"


class TimeIndex:
    """Records of one kind (fills, settlements, transfers) per user, ordered by (time, sequence), served newest first.

    A page seeks below the cursor's (time, sequence) and walks down; the sequence breaks ties between records of the
    same instant, so keys are unique and never change.
    """

    def __init__(self) -> None:
        self._by_user: dict[str, SortedKeyList] = {}
        self._seq = 0

    def clear(self) -> None:
        self._by_user.clear()

    def add(self, user_id: str, when: datetime, record: object) -> tuple[int, int]:
        self._seq += 1
        key = (unix_us(when), self._seq)
        rows = self._by_user.get(user_id)
        if rows is None:
            rows = self._by_user[user_id] = SortedKeyList(key=lambda entry: entry[0])
        rows.add((key, record))
        return key

    def records(self, user_id: str) -> Iterator[object]:
        return (record for _, record in self._by_user.get(user_id, ()))

    def page(
        self,
        user_id: str,
        limit: int,
        *,
        before: tuple[int, int] | None = None,
        min_ts: int | None = None,
        max_ts: int | None = None,
        keep: Callable[[object], bool] | None = None,
    ) -> tuple[list[tuple[tuple[int, int], object]], bool]:
        """Up to `limit` (key, record) pairs, newest first, strictly older than `before`, with times (Unix seconds)
        from `min_ts` to `max_ts` inclusive; and whether more follow."""
        rows = self._by_user.get(user_id)
        if not rows:
            return [], False
        low = (min_ts * 1_000_000, 0) if min_ts is not None else None
        high = ((max_ts + 1) * 1_000_000, 0) if max_ts is not None else None
        if before is not None and (high is None or before < high):
            high = before
        found: list[tuple[tuple[int, int], object]] = []
        for key, record in rows.irange_key(min_key=low, max_key=high, inclusive=(True, False), reverse=True):
            if keep is not None and not keep(record):
                continue
            if len(found) == limit:
                return found, True
            found.append((key, record))
        return found, False


