"""The indexes behind every list the venues page through.

Market positions are kept per (user, subaccount, settlement state) in a sorted map keyed by (event_ticker, ticker).
A page is a seek to the key after the cursor plus a walk of at most `limit` matching rows, so its cost does not grow
with the size of the portfolio (only with how many rows a filter skips). The key of a row never changes, so a walk
that resumes after a key neither repeats nor skips a row that existed for the whole walk, however many fills land
between pages.

Versioned reads (`core/versions.py`): while the ledger keeps a history, `add`, `changing` and `mark_settled` record each
row as it was before, and `walk`, `page` and `event_rollup` take `as_of`: the rows and roll-ups as they were then (a
row created since is absent, one settled since is still unsettled), from the current index plus the few rows changed
since.
"""

from __future__ import annotations

import heapq
import itertools
import operator
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from sortedcontainers import SortedDict, SortedKeyList

from mockexchange.core.clock import unix_us
from mockexchange.core.money import ZERO
from mockexchange.core.versions import ABSENT, History

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
    def __init__(self, history: History | None = None) -> None:
        # The ledger's history (shared with its accounts' and markets'); a store of its own keeps nothing.
        self.history = history if history is not None else History()
        self._by_event_memo: tuple[dict[Any, Any], dict[str, list[tuple[MarketPosition | None, Any]]]] | None = None
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

    def add(self, row: MarketPosition, when: datetime | None = None) -> None:
        """A new row; `when` (the time of the change, default the row's `last_updated`) dates it in the history."""
        if self.history.keeping:
            self.history.record((row.user_id, row.subaccount), row.ticker, ABSENT, when or row.last_updated)
        self._by_market[(row.user_id, row.subaccount, row.ticker)] = row
        self._by_ticker.setdefault(row.ticker, []).append(row)
        self._book(row.user_id, row.subaccount, _state(row))[row.key] = row
        self._total(row).add(row)

    @contextmanager
    def changing(self, row: MarketPosition, when: datetime | None = None) -> Iterator[MarketPosition]:
        """Every change to a stored row's amounts happens inside this, so the event totals (and the history, dated
        `when`, default the row's `last_updated`) follow it."""
        if self.history.keeping:
            self._remember(row, when)
        self._total(row).add(row, -1)
        try:
            yield row
        finally:
            self._total(row).add(row)

    def mark_settled(self, row: MarketPosition, when: datetime | None = None) -> None:
        if row.settled:
            return
        if self.history.keeping:
            self._remember(row, when)
        self._book(row.user_id, row.subaccount, "unsettled").pop(row.key, None)
        self._total(row).add(row, -1)
        row.settled = True
        self._book(row.user_id, row.subaccount, "settled")[row.key] = row
        self._total(row).add(row)

    def _remember(self, row: MarketPosition, when: datetime | None) -> None:
        self.history.record((row.user_id, row.subaccount), row.ticker, row.snapshot(), when or row.last_updated)

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
        as_of: datetime | None = None,
        ordered: bool = True,
    ) -> Iterator[MarketPosition]:
        """Rows in key order, strictly after `after`, narrowed by event(s) and ticker through the index itself;
        `as_of`: the rows as they were at that time (the history's), else as they are; not `ordered`: the rows
        changed since `as_of` come last (for a sum, which needs no order).

        Several event tickers are walked one after another, in key order.
        """
        rows = self._walk(user_id, subaccount, status, after, event_ticker, ticker)
        if as_of is None:
            return rows
        changed = self.history.changed((user_id, subaccount), as_of)
        if not changed:
            return rows
        # The rows changed since `as_of` are left out of the current walk and merged back as they were then.
        states = _states(status)
        events = (
            None if event_ticker is None else {event_ticker} if isinstance(event_ticker, str) else set(event_ticker)
        )
        then = [
            row
            for row in changed.values()
            if row is not ABSENT
            and _state(row) in states
            and (events is None or row.event_ticker in events)
            and (ticker is None or row.ticker == ticker)
            and (after is None or row.key > after)
        ]
        unchanged = (row for row in rows if row.ticker not in changed)
        if not then:
            return unchanged
        if not ordered:
            return itertools.chain(unchanged, then)
        return heapq.merge(unchanged, sorted(then, key=_key), key=_key)

    def _walk(
        self,
        user_id: str,
        subaccount: int,
        status: SettlementStatus,
        after: PositionKey | None,
        event_ticker: str | Sequence[str] | None,
        ticker: str | None,
    ) -> Iterator[MarketPosition]:
        if event_ticker is not None and not isinstance(event_ticker, str):
            events = sorted(e for e in set(event_ticker) if after is None or e >= after[0])
            return itertools.chain.from_iterable(
                self._walk(user_id, subaccount, status, after, e, ticker) for e in events
            )
        states = _states(status)
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
        return heapq.merge(*streams, key=_key)

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
        as_of: datetime | None = None,
    ) -> tuple[list[MarketPosition], bool]:
        """Up to `limit` matching rows after `after`, and whether more follow (as of `as_of`, see `walk`). Rows are
        snapshots."""
        rows: list[MarketPosition] = []
        walked = self.walk(
            user_id, subaccount, status, after=after, event_ticker=event_ticker, ticker=ticker, as_of=as_of
        )
        for row in walked:
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
        as_of: datetime | None = None,
    ) -> EventRollup:
        """Totals over the event's rows that pass the same filters as the market rows (as of `as_of`, see `walk`)."""
        rollup = EventRollup(event_ticker)
        if ticker is not None:  # one row at most
            walked = self.walk(user_id, subaccount, status, event_ticker=event_ticker, ticker=ticker, as_of=as_of)
            for row in walked:
                if keep is None or keep(row):
                    rollup.add(row)
            return rollup
        states = _states(status)
        for state in states:
            for (exchange_index, mask), part in self._totals.get(
                (user_id, subaccount, state, event_ticker), {}
            ).items():
                if keep is None or keep.admits(exchange_index, mask):
                    rollup = rollup.merged(part)
        if as_of is not None:
            # The running totals are today's: take out the rows changed since `as_of`, put them back as they were.
            for now, then in self._changed_in_event(user_id, subaccount, as_of).get(event_ticker, ()):
                for row, sign in ((now, -1), (then, 1)):
                    if row is not None and row is not ABSENT and _state(row) in states and (keep is None or keep(row)):
                        rollup.add(row, sign)
        return rollup

    def _changed_in_event(
        self, user_id: str, subaccount: int, as_of: datetime
    ) -> dict[str, list[tuple[MarketPosition | None, Any]]]:
        """The rows of the owner changed since `as_of`, (now, then) by event; built once per set of changes, so a
        page's roll-ups each look only at their own event's."""
        changed = self.history.changed((user_id, subaccount), as_of)
        memo = self._by_event_memo
        if memo is not None and memo[0] is changed:
            return memo[1]
        by_event: dict[str, list[tuple[MarketPosition | None, Any]]] = {}
        for ticker, then in changed.items():
            now = self._by_market.get((user_id, subaccount, ticker))
            if now is None and then is ABSENT:
                continue  # neither then nor now (rows are only ever dropped by a reset, which drops the history)
            event = now.event_ticker if now is not None else then.event_ticker
            by_event.setdefault(event, []).append((now, then))
        self._by_event_memo = (changed, by_event)
        return by_event


def _state(row: MarketPosition) -> SettlementState:
    return "settled" if row.settled else "unsettled"


def _states(status: SettlementStatus) -> tuple[SettlementState, ...]:
    return ("unsettled", "settled") if status == "all" else (status,)


def _key(row: MarketPosition) -> PositionKey:
    return (row.event_ticker, row.ticker)


_TIME_KEY = operator.itemgetter(0)  # an entry's (time, sequence); not a lambda, so a snapshot can hold the index


class TimeIndex:
    """Records of one kind (fills, settlements, transfers) per user, ordered by (time, sequence), served newest first.

    A page seeks below the cursor's (time, sequence) and walks down; the sequence breaks ties between records of the
    same instant, so keys are unique and never change.
    """

    def __init__(self) -> None:
        self._by_user: dict[str, SortedKeyList] = {}
        self._seq = 0
        self._sealed = 0  # records up to this sequence show in every lagged read (made before the history began)

    def clear(self) -> None:
        self._by_user.clear()

    def seal(self) -> None:
        """The records made so far show in every read as of any time: they were made before the ledger's history
        began, so the state a lagged read shows already holds what they made."""
        self._sealed = self._seq

    def add(self, user_id: str, when: datetime, record: object) -> tuple[int, int]:
        self._seq += 1
        key = (unix_us(when), self._seq)
        rows = self._by_user.get(user_id)
        if rows is None:
            rows = self._by_user[user_id] = SortedKeyList(key=_TIME_KEY)
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
        as_of: datetime | None = None,
    ) -> tuple[list[tuple[tuple[int, int], object]], bool]:
        """Up to `limit` (key, record) pairs, newest first, strictly older than `before`, with times (Unix seconds)
        from `min_ts` to `max_ts` inclusive, and none after `as_of` (records are never changed: a lagged read is a
        cut in time); and whether more follow."""
        rows = self._by_user.get(user_id)
        if not rows:
            return [], False
        low = (min_ts * 1_000_000, 0) if min_ts is not None else None
        high = ((max_ts + 1) * 1_000_000, 0) if max_ts is not None else None
        if before is not None and (high is None or before < high):
            high = before
        cut = unix_us(as_of) if as_of is not None else None
        found: list[tuple[tuple[int, int], object]] = []
        for key, record in rows.irange_key(min_key=low, max_key=high, inclusive=(True, False), reverse=True):
            if cut is not None and key[0] > cut and key[1] > self._sealed:
                continue  # made after `as_of` (a lagged read skips at most the records of its lag)
            if keep is not None and not keep(record):
                continue
            if len(found) == limit:
                return found, True
            found.append((key, record))
        return found, False
