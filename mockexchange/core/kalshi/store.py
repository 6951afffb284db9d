"""The indexes behind every list the venues page through.

Market positions are kept per (user, subaccount, settlement state) in key order, (event_ticker, ticker): the owner's
events in a sorted list, each event's tickers in a sorted list beside its running totals. A page is a seek to the key
after the cursor plus a walk of at most `limit` matching rows, so its cost does not grow with the size of the
portfolio (only with how many rows a filter skips). The key of a row never changes, so a walk that resumes after a key
neither repeats nor skips a row that existed for the whole walk, however many fills land between pages.

Rows are held column by column (a million positions: ~100 bytes each, not ~1 KB of objects): amounts as exact codes
(core/columns.py), times in microseconds, the owner, ticker and event as references. The store hands out
`StoredPosition`s, live views of one row that read and write it as a `MarketPosition` (a `snapshot` is a plain,
detached `MarketPosition`); a view is used under the ledger's lock, as the rows always were.

Versioned reads (`core/versions.py`): while the ledger keeps a history, `add`, `changing` and `mark_settled` record each
row as it was before, and `walk`, `page` and `event_rollup` take `as_of`: the rows and roll-ups as they were then (a
row created since is absent, one settled since is still unsettled), from the current index plus the few rows changed
since.
"""

from __future__ import annotations

import heapq
import itertools
from array import array
from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterator, MutableSequence, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal, Protocol

from sortedcontainers import SortedList

from mockexchange.core.columns import (
    COEF_LIMIT,
    ODD,
    Column,
    decode,
    decoder,
    encode,
    encode_all,
    micros,
    nonzero,
    scaled,
    units,
)
from mockexchange.core.money import ZERO
from mockexchange.core.versions import ABSENT, History

SettlementState = Literal["unsettled", "settled"]
SettlementStatus = Literal["unsettled", "settled", "all"]
PositionKey = tuple[str, str]  # (event_ticker, ticker)


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
    # Stamped by the store (`PositionStore._stamp`) on `add`, at the end of every `changing` block and on
    # `mark_settled`: one store never stamps two states of a row alike, and a snapshot copies it. KEEP THIS: the
    # Kalshi venue's render cache (venues/kalshi/fragments.py) keys each row's rendered bytes on it, so a row whose
    # amounts change without a new stamp would be served stale.
    version: int = field(default=0, compare=False, repr=False)

    @property
    def key(self) -> PositionKey:
        return (self.event_ticker, self.ticker)

    def snapshot(self) -> MarketPosition:
        # The constructor, not dataclasses.replace: a page snapshots every row it serves (7x faster per row).
        return MarketPosition(
            self.user_id, self.subaccount, self.ticker, self.event_ticker, self.exchange_index, self.last_updated,
            self.position, self.market_exposure, self.total_traded, self.realized_pnl, self.fees_paid, self.volume,
            self.resting_orders_count, self.settled, self.version,
        )  # fmt: skip


_COMPARED = tuple(f.name for f in fields(MarketPosition) if f.compare)


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
    if type(row) is StoredPosition:
        return row._store._mask(row._handle)
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


# -- rows as the store holds them -------------------------------------------------------------------------------------


class Place(Protocol):
    """The market a row is in: the ledger's `Market` (its ticker, event and exchange index never change)."""

    ticker: str
    event_ticker: str
    exchange_index: int


class _Place:
    """A place for a row `add`ed from a `MarketPosition`."""

    __slots__ = ("ticker", "event_ticker", "exchange_index")

    def __init__(self, ticker: str, event_ticker: str, exchange_index: int) -> None:
        self.ticker, self.event_ticker, self.exchange_index = ticker, event_ticker, exchange_index


# A row's amounts, in the order of its cells (`_AMOUNT_CELLS` cells per row); cell 6 names `last_updated` in `_odd`.
_POSITION, _EXPOSURE, _TRADED, _REALIZED, _FEES, _VOLUME = range(6)
_AMOUNT_CELLS = 6
_UPDATED = 6
_SETTLED = 1
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
# A part of an event's running totals, in micro-dollars (amounts), hundredths (contracts) and whole resting contracts:
# [exchange index, count mask, total cost, contracts, exposure, realized P&L, fees, resting]; an event that holds
# more parts than this, or an amount finer than these units, keeps `EventRollup`s instead.
_PART = 8
_MAX_PARTS = 32
_POWERS = [10**k for k in range(64)]
_NOTHING = (0,) * (_PART - 2)
_kept = decoder()
_ZERO_CODES = (encode(ZERO),) * _AMOUNT_CELLS


def _amount_property(cell: int) -> property:
    def get(self: StoredPosition) -> Decimal:
        store, handle = self._store, self._handle
        code = store._amounts[_AMOUNT_CELLS * handle + cell]
        if code == ODD:
            return store._odd[(handle, cell)]
        value = _kept(code)  # `decode`, its cache read in place: rows are read a field at a time
        return value if value is not None else decode(code)

    def put(self: StoredPosition, value: Decimal) -> None:
        self._store._set_amount(self._handle, cell, value)

    return property(get, put)


class StoredPosition(MarketPosition):
    """A row of the store, read and written in place: it reads as the `MarketPosition` it stands for (and equals it);
    `snapshot()` is that `MarketPosition`, detached. Amounts change only inside `PositionStore.changing` (or through
    `PositionStore.update`). A view is of the store as it is: read it under the ledger's lock, and not across a reset
    (`clear` drops every row); keep a snapshot instead."""

    __slots__ = ("_store", "_handle")

    def __init__(self, store: PositionStore, handle: int) -> None:
        self._store = store
        self._handle = handle

    user_id = property(lambda self: self._store._owner_keys[self._store._owner[self._handle]][0])  # type: ignore
    subaccount = property(lambda self: self._store._owner_keys[self._store._owner[self._handle]][1])  # type: ignore
    ticker = property(lambda self: self._store._places[self._handle].ticker)  # type: ignore[assignment]
    event_ticker = property(lambda self: self._store._places[self._handle].event_ticker)  # type: ignore[assignment]
    exchange_index = property(lambda self: self._store._places[self._handle].exchange_index)  # type: ignore[assignment]
    position = _amount_property(_POSITION)
    market_exposure = _amount_property(_EXPOSURE)
    total_traded = _amount_property(_TRADED)
    realized_pnl = _amount_property(_REALIZED)
    fees_paid = _amount_property(_FEES)
    volume = _amount_property(_VOLUME)
    settled = property(lambda self: bool(self._store._flags[self._handle] & _SETTLED))  # type: ignore[assignment]
    version = property(lambda self: self._store._versions[self._handle])  # type: ignore[assignment]

    @property  # type: ignore[misc]
    def last_updated(self) -> datetime:  # type: ignore[override]
        return self._store._time(self._handle)

    @last_updated.setter
    def last_updated(self, when: datetime) -> None:
        self._store._set_time(self._handle, when)

    @property  # type: ignore[misc]
    def resting_orders_count(self) -> int:  # type: ignore[override]
        return self._store._resting[self._handle]

    @resting_orders_count.setter
    def resting_orders_count(self, count: int) -> None:
        self._store._resting[self._handle] = count

    @property
    def key(self) -> PositionKey:
        return (self._store._places[self._handle].event_ticker, self._store._places[self._handle].ticker)

    def snapshot(self) -> MarketPosition:
        return self._store._snapshot(self._handle)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, MarketPosition):
            return all(getattr(self, name) == getattr(other, name) for name in _COMPARED)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __reduce_ex__(self, protocol: Any) -> Any:
        return self.snapshot().__reduce_ex__(protocol)


class _Event:
    """One owner's rows of one event in one settlement state: their tickers in order, and their running totals."""

    __slots__ = ("tickers", "totals")

    def __init__(self) -> None:
        self.tickers: MutableSequence[str] = []  # a list; a SortedList once it is long
        # The parts (see `_PART`) in one Column; or, for an event that outgrew it, EventRollups by (index, mask).
        self.totals: Column | dict[tuple[int, int], EventRollup] = Column("q")


class _Book:
    """One owner's rows in one settlement state: events in order, and each event's rows."""

    __slots__ = ("events", "rows")

    def __init__(self) -> None:
        self.events = SortedList()
        self.rows: dict[str, _Event] = {}


_LONG_EVENT = 512  # tickers past which an event's list becomes a SortedList (inserts stay O(log n))


class PositionStore:
    def __init__(self, history: History | None = None) -> None:
        # The ledger's history (shared with its accounts' and markets'); a store of its own keeps nothing.
        self.history = history if history is not None else History()
        self._by_event_memo: tuple[dict[Any, Any], dict[str, list[tuple[MarketPosition | None, Any]]]] | None = None
        # The last row version stamped; never goes back (not even on `clear`). The render cache depends on it, as on
        # `MarketPosition.version`: while it is unchanged, no row and no event total of this store has changed.
        self.version = 0
        self._owner_ids: dict[tuple[str, int], int] = {}  # (user, subaccount) -> owner number
        self._owner_keys: list[tuple[str, int]] = []
        # The rows, column by column; a row's handle is its index. Rows are only ever dropped all at once (`clear`).
        self._owner = Column("I")
        self._places: list[Place] = []  # the row's market: its ticker, event and exchange index
        self._flags = Column("B")
        self._amounts = Column("q")  # `_AMOUNT_CELLS` codes per row
        self._resting = Column("q")
        self._updated = Column("q")  # microseconds since the epoch
        self._versions = Column("q")
        self._odd: dict[tuple[int, int], Any] = {}  # (handle, cell) -> a value no cell holds (ODD in the column)
        # Every account's row in a market (for settlement): its handle, or {owner: handle} once two accounts hold it.
        self._holders: dict[str, int | dict[int, int]] = {}
        self._books: dict[tuple[int, SettlementState], _Book] = {}
        self._time_memo: tuple[int, datetime] = (0, _EPOCH)

    def __len__(self) -> int:
        return len(self._places)

    def clear(self) -> None:
        self._owner_ids.clear()
        self._owner_keys.clear()
        for column in (self._owner, self._flags, self._amounts, self._resting, self._updated):
            del column[:]
        del self._versions[:]
        self._places.clear()
        self._odd.clear()
        self._holders.clear()
        self._books.clear()
        self.version += 1  # every row gone: what was rendered from them is not the state any more

    def get(self, user_id: str, subaccount: int, ticker: str) -> MarketPosition | None:
        handle = self._handle(user_id, subaccount, ticker)
        return None if handle is None else StoredPosition(self, handle)

    def _handle(self, user_id: str, subaccount: int, ticker: str) -> int | None:
        owner = self._owner_ids.get((user_id, subaccount))
        held = self._holders.get(ticker)
        if owner is None or held is None:
            return None
        if type(held) is int:
            return held if self._owner[held] == owner else None
        return held.get(owner)  # type: ignore[union-attr]

    def add(self, row: MarketPosition, when: datetime | None = None) -> MarketPosition:
        """A new row (no row of its owner in its market yet); `when` (the time of the change, default the row's
        `last_updated`) dates it in the history. Returns the row as stored: change it through that."""
        amounts = (row.position, row.market_exposure, row.total_traded, row.realized_pnl, row.fees_paid, row.volume)
        for amount in amounts:
            if not isinstance(amount, Decimal):
                raise TypeError(f"an amount is a Decimal, not {type(amount).__name__}")
        codes = [encode(amount) for amount in amounts]
        handle = self._append(
            row.user_id, row.subaccount, _Place(row.ticker, row.event_ticker, row.exchange_index), row.last_updated,
            [ODD if code is None else code for code in codes], row.resting_orders_count, row.settled, when,
        )  # fmt: skip
        for cell, code in enumerate(codes):
            if code is None:
                self._odd[(handle, cell)] = amounts[cell]
        self._count_in(self._file(handle), handle)
        self._stamp(handle)
        return StoredPosition(self, handle)

    def open(self, user_id: str, subaccount: int, place: Place, when: datetime) -> MarketPosition:
        """A new row of zeros in `place` (the ledger's market: its ticker, event and exchange index never change),
        last updated `when`: what `add` makes of `MarketPosition(user_id, subaccount, ticker, ..., when)`."""
        handle = self._append(user_id, subaccount, place, when, _ZERO_CODES, 0, False)
        self._file(handle)  # a row of zeros adds nothing to its event's totals
        self._stamp(handle)
        return StoredPosition(self, handle)

    def open_filled(
        self,
        user_id: str,
        subaccount: int,
        place: Place,
        when: datetime,
        *amounts: Decimal,
        terms: tuple[list[int], tuple[int, ...]] | None = None,
        snapshot: bool = True,
    ) -> MarketPosition | None:
        """A new row given its six amounts at once (position, market_exposure, total_traded, realized_pnl, fees_paid,
        volume; a batch's first fill in a market): what `open` then `update` do, to the same cells, totals and
        versions, in one step. Returns the row's snapshot (None if not `snapshot`). `terms`: `opening_terms` of these
        amounts and the place's exchange index, if the caller has them (then the amounts may be left out: they are
        the codes' values)."""
        if terms is None:
            terms = opening_terms(amounts, place.exchange_index)
        if self.history.keeping or when.tzinfo is not UTC or terms is None:
            amounts = amounts or tuple(decode(code) for code in terms[0])  # type: ignore[index]
            return self.update(self.open(user_id, subaccount, place, when), when, *amounts)
        codes, after = terms
        # `_append`, `_file` and `_add_share(_share(...))`, written out for the common case.
        owner_key = (user_id, subaccount)
        owner = self._owner_ids.get(owner_key)
        if owner is None:
            owner = self._owner_ids[owner_key] = len(self._owner_keys)
            self._owner_keys.append(owner_key)
        ticker, event_ticker = place.ticker, place.event_ticker
        handle = len(self._places)
        self._owner.append(owner)
        self._flags.append(0)
        self._resting.append(0)
        self._versions.append(0)
        self._amounts.extend(codes)  # type: ignore[arg-type]
        self._updated.append(micros(when))
        self._places.append(place)
        held = self._holders.get(ticker)
        if held is None:
            self._holders[ticker] = handle
        elif type(held) is int:
            self._holders[ticker] = {self._owner[held]: held, owner: handle}
        else:
            held[owner] = handle  # type: ignore[index]
        book = self._books.get((owner, "unsettled"))
        if book is None:
            book = self._books[(owner, "unsettled")] = _Book()
        event = book.rows.get(event_ticker)
        if event is None:
            event = book.rows[event_ticker] = _Event()
            book.events.add(event_ticker)
        tickers = event.tickers
        if type(tickers) is list:
            if not tickers or tickers[-1] < ticker:
                tickers.append(ticker)
            else:
                insort(tickers, ticker)
            if len(tickers) > _LONG_EVENT:
                event.tickers = SortedList(tickers)
        else:
            tickers.add(ticker)  # type: ignore[attr-defined]
        totals = event.totals
        if type(totals) is not Column or not _add_share(totals, after):  # type: ignore[arg-type]
            # Totals the row's share does not fit in units: as `open` left it (zeros), then `update`'s own way.
            base = _AMOUNT_CELLS * handle
            self._amounts[base : base + _AMOUNT_CELLS] = array("q", _ZERO_CODES)
            self._stamp(handle)
            amounts = amounts or tuple(decode(code) for code in codes)  # type: ignore[arg-type]
            return self.update(StoredPosition(self, handle), when, *amounts)
        self.version = version = self.version + 2  # `open` stamps the row, then `update` does
        self._versions[handle] = version
        if not snapshot:
            return None
        return MarketPosition(
            user_id, subaccount, ticker, event_ticker, place.exchange_index, when,
            *(amounts or tuple(decode(code) for code in codes)), 0, False, version,  # type: ignore[arg-type]
        )  # fmt: skip

    def open_rows(
        self,
        user_id: str,
        subaccount: int,
        when: datetime,
        places: Sequence[Place],
        codes: Sequence[int],
        shares: Sequence[tuple[int, ...]],
        stamps: Sequence[int] | None = None,
        stamped: int = 0,
    ) -> bool:
        """New rows of one owner, each as `open_filled(user_id, subaccount, place, when, terms=(its six codes, its
        share))` would open it, one after the other, in no place the owner holds a row in: at once (a batch's rows
        in the markets it lists). False, and nothing changed, where that is not the common case (a history kept, a
        time not in UTC, an event whose totals would not hold the rows' shares in units): open them one by one.
        `stamps`: each row's version less the store's before (default: 2, 4, 6..., as `open_filled` one after the
        other makes them), and `stamped` the store's version moved in all (a batch's rows changed again while they
        waited were stamped again: `restamp`)."""
        n = len(places)
        if not n:
            return True
        if self.history.keeping or when.tzinfo is not UTC or len(codes) != n * _AMOUNT_CELLS or len(shares) != n:
            return False
        owner_key = (user_id, subaccount)
        owner = self._owner_ids.get(owner_key)
        book = self._books.get((owner, "unsettled")) if owner is not None else None
        # Each event's totals as they will be, worked out first (all or nothing); the rows of each event, in order.
        taken: dict[str, dict[tuple[int, int], list[tuple[int, ...]]]] = {}  # event -> its parts' shares
        rows_of: dict[str, list[str]] = {}
        for place, share in zip(places, shares, strict=True):
            event_ticker = place.event_ticker
            tickers = rows_of.get(event_ticker)
            if tickers is None:
                tickers = rows_of[event_ticker] = []
                taken[event_ticker] = {}
            tickers.append(place.ticker)
            if share[2] or share[3] or share[4] or share[5] or share[6] or share[7]:  # (zeros take no part)
                part = taken[event_ticker].get((share[0], share[1]))
                if part is None:
                    taken[event_ticker][(share[0], share[1])] = [share]
                else:
                    part.append(share)
        updates: list[tuple[str, array[int]]] = []
        for event_ticker, parts in taken.items():
            event = book.rows.get(event_ticker) if book is not None else None
            if event is not None and type(event.totals) is not Column:
                return False
            after = array("q", event.totals if event is not None else ())  # type: ignore[arg-type]
            for (exchange_index, mask), part_shares in parts.items():
                sums = [sum(cell) for cell in itertools.islice(zip(*part_shares, strict=True), 2, None)]
                at = _part_at(after, exchange_index, mask)
                try:
                    if at is None:
                        if len(after) >= _PART * _MAX_PARTS:
                            return False
                        after.extend(array("q", (exchange_index, mask, *sums)))
                    else:
                        held = after[at + 2 : at + _PART]
                        after[at + 2 : at + _PART] = array("q", (a + b for a, b in zip(held, sums, strict=True)))
                except OverflowError:
                    return False
            updates.append((event_ticker, after))
        # Written: the owner, the rows' cells, their places among their markets' holders, the books and the totals.
        if owner is None:
            owner = self._owner_ids[owner_key] = len(self._owner_keys)
            self._owner_keys.append(owner_key)
        if book is None:
            book = self._books[(owner, "unsettled")] = _Book()
        first = len(self._places)
        self._owner.extend(array("I", (owner,)) * n)
        self._flags.extend(bytes(n))
        self._resting.extend(array("q", (0,)) * n)
        self._amounts.extend(array("q", codes))  # (an array from a list converts faster than extend does)
        self._updated.extend(array("q", (micros(when),)) * n)
        version = self.version
        if stamps is None:
            self._versions.extend(range(version + 2, version + 2 * n + 1, 2))  # `open` stamps a row, then `update`
            self.version = version + 2 * n
        else:
            self._versions.extend(array("q", [version + stamp for stamp in stamps]))
            self.version = version + stamped
        holders = self._holders
        for handle, place in enumerate(places, first):
            ticker = place.ticker
            held = holders.get(ticker)
            if held is None:
                holders[ticker] = handle
            elif type(held) is int:
                holders[ticker] = {self._owner[held]: held, owner: handle}
            else:
                held[owner] = handle  # type: ignore[index]
        self._places += places
        for event_ticker, after in updates:
            event = book.rows.get(event_ticker)
            if event is None:
                event = book.rows[event_ticker] = _Event()
                book.events.add(event_ticker)
            tickers = event.tickers
            added = rows_of[event_ticker]
            if type(tickers) is list:
                if not tickers or tickers[-1] < added[0]:
                    tickers += added
                    if added != sorted(added):  # (the batch's tickers are distinct: in order or not)
                        tickers.sort()
                else:
                    for ticker in added:
                        insort(tickers, ticker)
                if len(tickers) > _LONG_EVENT:
                    event.tickers = SortedList(tickers)
            else:
                tickers.update(added)  # type: ignore[attr-defined]
            event.totals[:] = after  # type: ignore[index]
        return True

    def restamp(self, first: int, before: int, stamps: Sequence[int], stamped: int) -> None:
        """The versions of the rows from handle `first` on (opened one after the other from store version `before`)
        and of the store, as `open_rows(..., stamps, stamped)` would have made them."""
        for k, stamp in enumerate(stamps):
            self._versions[first + k] = before + stamp
        self.version = before + stamped

    def _append(
        self,
        user_id: str,
        subaccount: int,
        place: Place,
        last_updated: datetime,
        codes: Sequence[int],
        resting: int,
        settled: bool,
        when: datetime | None = None,
    ) -> int:
        """The cells of a new row, and its place among its market's holders; returns its handle."""
        owner_key = (user_id, subaccount)
        ticker = place.ticker
        if self.history.keeping:
            self.history.record(owner_key, ticker, ABSENT, when or last_updated)
        owner = self._owner_ids.get(owner_key)
        if owner is None:
            owner = self._owner_ids[owner_key] = len(self._owner_keys)
            self._owner_keys.append(owner_key)
        handle = len(self._places)
        self._owner.append(owner)
        self._flags.append(_SETTLED if settled else 0)
        self._resting.append(resting)
        self._versions.append(0)
        self._amounts.extend(codes)
        if last_updated.tzinfo is UTC:
            self._updated.append(micros(last_updated))
        else:
            self._updated.append(ODD)
            self._odd[(handle, _UPDATED)] = last_updated
        self._places.append(place)  # last: the row's handle is taken
        held = self._holders.get(ticker)
        if held is None:
            self._holders[ticker] = handle
        elif type(held) is int:
            self._holders[ticker] = {self._owner[held]: held, owner: handle}
        else:
            held[owner] = handle  # type: ignore[index]
        return handle

    def changing(self, row: MarketPosition, when: datetime | None = None) -> _Changing:
        """Every change to a stored row's amounts happens inside this (`with store.changing(row):`), so the event
        totals (and the history, dated `when`, default the row's `last_updated`) follow it."""
        return _Changing(self, row, when)

    def amounts(self, row: MarketPosition) -> tuple[Decimal, Decimal, Decimal, Decimal, Decimal, Decimal]:
        """A stored row's six amounts at once: position, market_exposure, total_traded, realized_pnl, fees_paid,
        volume."""
        return self._amounts_of(row._handle)  # type: ignore[attr-defined]

    def _amounts_of(self, handle: int) -> tuple[Decimal, Decimal, Decimal, Decimal, Decimal, Decimal]:
        base = _AMOUNT_CELLS * handle
        codes = self._amounts[base : base + _AMOUNT_CELLS]
        if ODD in codes:
            return tuple(self._amount(handle, cell) for cell in range(_AMOUNT_CELLS))  # type: ignore[return-value]
        position, exposure, traded, realized, fees, volume = codes
        return decode(position), decode(exposure), decode(traded), decode(realized), decode(fees), decode(volume)

    def update(
        self,
        row: MarketPosition,
        when: datetime,
        position: Decimal,
        market_exposure: Decimal,
        total_traded: Decimal,
        realized_pnl: Decimal,
        fees_paid: Decimal,
        volume: Decimal,
        snapshot: bool = True,
    ) -> MarketPosition | None:
        """Set a stored row's six amounts, and its `last_updated` to `when`, at once: what a `changing(row, when)`
        block that sets them does, in one step (a fill's). Returns the row's snapshot (made from these values; None
        if not `snapshot`)."""
        handle = row._handle  # type: ignore[attr-defined]
        amounts = (position, market_exposure, total_traded, realized_pnl, fees_paid, volume)
        event = self._event_of(handle)
        totals = event.totals
        if not self.history.keeping and type(totals) is Column and when.tzinfo is UTC:
            base = _AMOUNT_CELLS * handle
            codes = encode_all(amounts) if all(type(amount) is Decimal for amount in amounts) else [None]
            if None not in codes:
                resting, exchange_index = self._resting[handle], self._places[handle].exchange_index
                before = _share(self._amounts[base : base + _AMOUNT_CELLS], resting, exchange_index)
                after = _share(codes, resting, exchange_index)  # type: ignore[arg-type]
                if before is not None and after is not None and _shift(totals, before, after):  # type: ignore[arg-type]
                    self._amounts[base : base + _AMOUNT_CELLS] = array("q", codes)  # type: ignore[arg-type]
                    if self._updated[handle] == ODD:
                        del self._odd[(handle, _UPDATED)]
                    self._updated[handle] = micros(when)
                    self._stamp(handle)
                    if not snapshot:
                        return None
                    user_id, subaccount = self._owner_keys[self._owner[handle]]
                    place = self._places[handle]
                    return MarketPosition(
                        user_id, subaccount, place.ticker, place.event_ticker, place.exchange_index, when, *amounts,
                        resting, bool(self._flags[handle] & _SETTLED), self._versions[handle],
                    )  # fmt: skip
        with self.changing(row, when):
            for cell, amount in enumerate(amounts):
                self._set_amount(handle, cell, amount)
            self._set_time(handle, when)
        return self._snapshot(handle)

    def mark_settled(self, row: MarketPosition, when: datetime | None = None) -> None:
        handle = row._handle  # type: ignore[attr-defined]
        if self._flags[handle] & _SETTLED:
            return
        if self.history.keeping:
            self._remember(row, when)
        self._count_out(self._event_of(handle), handle)
        self._unfile(handle)
        self._flags[handle] |= _SETTLED
        self._count_in(self._file(handle), handle)
        self._stamp(handle)

    def _stamp(self, handle: int) -> None:
        """A new version for a row that was added or changed (the venues' render cache keys on it)."""
        self.version += 1
        self._versions[handle] = self.version

    def _remember(self, row: MarketPosition, when: datetime | None) -> None:
        self.history.record((row.user_id, row.subaccount), row.ticker, row.snapshot(), when or row.last_updated)

    def of_market(self, ticker: str) -> list[MarketPosition]:
        """Every account's row in one market, without walking the whole store."""
        held = self._holders.get(ticker)
        if held is None:
            return []
        handles = [held] if type(held) is int else list(held.values())  # type: ignore[union-attr]
        return [StoredPosition(self, handle) for handle in handles]

    def all_rows(self) -> Iterator[MarketPosition]:
        return (StoredPosition(self, handle) for handle in range(len(self._places)))

    # -- one row's cells ----------------------------------------------------------------------------------------------

    def _amount(self, handle: int, cell: int) -> Decimal:
        code = self._amounts[_AMOUNT_CELLS * handle + cell]
        return self._odd[(handle, cell)] if code == ODD else decode(code)

    def _set_amount(self, handle: int, cell: int, value: Decimal) -> None:
        if type(value) is not Decimal and not isinstance(value, Decimal):
            raise TypeError(f"an amount is a Decimal, not {type(value).__name__}")
        at = _AMOUNT_CELLS * handle + cell
        code = encode(value)
        if code is None:
            self._odd[(handle, cell)] = value
            code = ODD
        elif self._amounts[at] == ODD:
            del self._odd[(handle, cell)]
        self._amounts[at] = code

    def _time(self, handle: int) -> datetime:
        us = self._updated[handle]
        memo = self._time_memo
        if memo[0] == us:
            return memo[1]
        if us == ODD:
            return self._odd[(handle, _UPDATED)]
        when = _EPOCH + us * _US
        self._time_memo = (us, when)
        return when

    def _set_time(self, handle: int, when: datetime) -> None:
        if self._updated[handle] == ODD:
            del self._odd[(handle, _UPDATED)]
        if when.tzinfo is UTC:
            self._updated[handle] = (when - _EPOCH) // _US
        else:
            self._odd[(handle, _UPDATED)] = when
            self._updated[handle] = ODD

    def _nonzero(self, handle: int, cell: int) -> bool:
        code = self._amounts[_AMOUNT_CELLS * handle + cell]
        return nonzero(code) if code != ODD else self._odd[(handle, cell)] != 0

    def _mask(self, handle: int) -> int:
        return (
            self._nonzero(handle, _POSITION) * COUNT_BITS["position"]
            | self._nonzero(handle, _TRADED) * COUNT_BITS["total_traded"]
            | (self._resting[handle] != 0) * COUNT_BITS["resting_order_count"]
        )

    def _snapshot(self, handle: int) -> MarketPosition:
        user_id, subaccount = self._owner_keys[self._owner[handle]]
        place = self._places[handle]
        return MarketPosition(
            user_id, subaccount, place.ticker, place.event_ticker, place.exchange_index, self._time(handle),
            *self._amounts_of(handle), self._resting[handle], bool(self._flags[handle] & _SETTLED),
            self._versions[handle],
        )  # fmt: skip

    # -- the books: rows in key order, and each event's running totals ---------------------------------------------

    def _event_of(self, handle: int) -> _Event:
        state: SettlementState = "settled" if self._flags[handle] & _SETTLED else "unsettled"
        return self._books[(self._owner[handle], state)].rows[self._places[handle].event_ticker]

    def _file(self, handle: int) -> _Event:
        """Put a row into its owner's book of its settlement state; returns its event there."""
        state: SettlementState = "settled" if self._flags[handle] & _SETTLED else "unsettled"
        key = (self._owner[handle], state)
        book = self._books.get(key)
        if book is None:
            book = self._books[key] = _Book()
        event_ticker = self._places[handle].event_ticker
        event = book.rows.get(event_ticker)
        if event is None:
            event = book.rows[event_ticker] = _Event()
            book.events.add(event_ticker)
        tickers = event.tickers
        if isinstance(tickers, list):
            insort(tickers, self._places[handle].ticker)
            if len(tickers) > _LONG_EVENT:
                event.tickers = SortedList(tickers)
        else:
            tickers.add(self._places[handle].ticker)  # type: ignore[attr-defined]
        return event

    def _unfile(self, handle: int) -> None:
        """Take a row out of its book (its totals already taken out: `_count(handle, -1)`)."""
        state: SettlementState = "settled" if self._flags[handle] & _SETTLED else "unsettled"
        book = self._books[(self._owner[handle], state)]
        event_ticker, ticker = self._places[handle].event_ticker, self._places[handle].ticker
        event = book.rows[event_ticker]
        if isinstance(event.tickers, list):
            del event.tickers[bisect_left(event.tickers, ticker)]
        else:
            event.tickers.remove(ticker)
        if not event.tickers:
            del book.rows[event_ticker]
            book.events.remove(event_ticker)

    def _share(self, handle: int) -> tuple[int, ...] | None:
        """What a row adds to its event's running totals (see `_share`)."""
        base = _AMOUNT_CELLS * handle
        codes = self._amounts[base : base + _AMOUNT_CELLS]
        return _share(codes, self._resting[handle], self._places[handle].exchange_index)

    def _count_in(self, event: _Event, handle: int) -> None:
        """Add a row to its event's running totals."""
        totals = event.totals
        if type(totals) is Column:
            share = self._share(handle)
            if share is not None and _shift(totals, None, share):
                return
            totals = event.totals = _rollups(self._places[handle].event_ticker, totals)
        self._count_exact(totals, handle, 1)  # type: ignore[arg-type]

    def _count_out(self, event: _Event, handle: int) -> None:
        """Take a row out of its event's running totals (the row as it was added, or last changed)."""
        totals = event.totals
        if type(totals) is Column:
            share = self._share(handle)  # not None: an event held in units holds only rows in units
            if share is not None and _shift(totals, share, None):
                return
            totals = event.totals = _rollups(self._places[handle].event_ticker, totals)
        self._count_exact(totals, handle, -1)  # type: ignore[arg-type]

    def _count_exact(self, parts: dict[tuple[int, int], EventRollup], handle: int, sign: int) -> None:
        part_key = (self._places[handle].exchange_index, self._mask(handle))
        total = parts.get(part_key)
        if total is None:
            total = parts[part_key] = EventRollup(self._places[handle].event_ticker)
        total.add(StoredPosition(self, handle), sign)

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
        owner = self._owner_ids.get((user_id, subaccount))
        if owner is None:
            return iter(())
        streams = []
        for state in _states(status):
            book = self._books.get((owner, state))
            if not book:
                continue
            if ticker is not None:
                # A ticker names at most one row; no range to walk.
                handle = self._handle(user_id, subaccount, ticker)
                if (
                    handle is not None
                    and _state_of(self._flags[handle]) == state
                    and (event_ticker is None or self._places[handle].event_ticker == event_ticker)
                    and (after is None or (self._places[handle].event_ticker, ticker) > after)
                ):
                    streams.append(iter([StoredPosition(self, handle)]))
                continue
            streams.append(self._rows_of(owner, book, after, event_ticker))
        if not streams:
            return iter(())
        if len(streams) == 1:
            return streams[0]
        return heapq.merge(*streams, key=_key)

    def _rows_of(
        self, owner: int, book: _Book, after: PositionKey | None, event_ticker: str | None
    ) -> Iterator[MarketPosition]:
        """The book's rows strictly after `after` (of one event if `event_ticker`), in key order."""
        if event_ticker is not None:
            if after is not None and after[0] > event_ticker:
                return
            events: Iterator[str] = iter((event_ticker,) if event_ticker in book.rows else ())
        elif after is None:
            events = iter(book.events)
        else:
            events = book.events.irange(minimum=after[0])
        holders = self._holders
        for event in events:
            tickers = book.rows[event].tickers
            if after is not None and event == after[0]:
                if isinstance(tickers, list):
                    walked: Iterator[str] = itertools.islice(tickers, bisect_right(tickers, after[1]), None)
                else:
                    walked = tickers.islice(tickers.bisect_right(after[1]))  # type: ignore[attr-defined]
            else:
                walked = iter(tickers)
            for ticker in walked:
                held = holders[ticker]
                yield StoredPosition(self, held if type(held) is int else held[owner])  # type: ignore[index]

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
        owner = self._owner_ids.get((user_id, subaccount))
        for state in states:
            book = self._books.get((owner, state)) if owner is not None else None
            event = book.rows.get(event_ticker) if book is not None else None
            if event is None:
                continue
            totals = event.totals
            if type(totals) is Column:
                rollup = rollup.merged(_part_rollup(event_ticker, totals, keep))
            else:
                for (exchange_index, mask), part in totals.items():  # type: ignore[union-attr]
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
            now = self.get(user_id, subaccount, ticker)
            if now is None and then is ABSENT:
                continue  # neither then nor now (rows are only ever dropped by a reset, which drops the history)
            event = now.event_ticker if now is not None else then.event_ticker
            by_event.setdefault(event, []).append((now, then))
        self._by_event_memo = (changed, by_event)
        return by_event


class _Changing:
    """`PositionStore.changing`: the row's share of its event's totals as it was before the block, moved to what it
    is after it (a new version too)."""

    __slots__ = ("store", "row", "when", "event", "before")

    def __init__(self, store: PositionStore, row: MarketPosition, when: datetime | None) -> None:
        self.store, self.row, self.when = store, row, when

    def __enter__(self) -> MarketPosition:
        store, row = self.store, self.row
        if store.history.keeping:
            store._remember(row, self.when)
        handle = row._handle  # type: ignore[attr-defined]
        event = self.event = store._event_of(handle)
        self.before = store._share(handle) if type(event.totals) is Column else None
        if self.before is None:  # (an event held in units holds only rows in units: its rows' shares are not None)
            if type(event.totals) is Column:
                event.totals = _rollups(store._places[handle].event_ticker, event.totals)
            store._count_exact(event.totals, handle, -1)  # type: ignore[arg-type]
        return row

    def __exit__(self, *exc: object) -> None:
        store, event = self.store, self.event
        handle = self.row._handle  # type: ignore[attr-defined]
        before = self.before
        if before is not None:
            after = store._share(handle)
            if after is not None and _shift(event.totals, before, after):  # type: ignore[arg-type]
                store._stamp(handle)
                return
            # The new amounts are finer than the units (or the sums outgrew them): the event keeps EventRollups.
            parts = event.totals = _rollups(store._places[handle].event_ticker, event.totals)  # type: ignore[arg-type]
            _take(parts, store._places[handle].event_ticker, before, -1)
        store._count_exact(event.totals, handle, 1)  # type: ignore[arg-type]
        store._stamp(handle)


def opening_terms(amounts: Sequence[Decimal], exchange_index: int) -> tuple[list[int], tuple[int, ...]] | None:
    """A new row's amount cells and its share of its event's totals (see `_share`), for `open_filled`; None where the
    common case does not hold (an amount not a Decimal, none of the codes or finer than the totals' units)."""
    for amount in amounts:
        if type(amount) is not Decimal:
            return None
    codes = encode_all(amounts)
    if None in codes:
        return None
    share = _share(codes, 0, exchange_index)  # type: ignore[arg-type]
    return None if share is None else (codes, share)  # type: ignore[return-value]


def opening_cells(
    count_code: int, pay_code: int, fee_code: int, buys_yes: bool, exchange_index: int, digits: int
) -> tuple[list[int], tuple[int, ...]] | None:
    """`opening_terms` of a fill's new row, worked out in integers on the codes of its count, of the price it pays for
    the side it buys and of its fee: the codes of position (+-count), market_exposure (the cost held to the
    micro-dollar), total_traded (count times price paid), realized_pnl (0), fees_paid and volume, each as `ZERO +` it
    leaves it (no exponent above 0), and its share. None where an amount would be rescaled or rounded, or would reach
    `digits` (the context's precision) or the codes' limit: there the Decimal way (`opening_terms`) is taken."""
    count_exponent, pay_exponent, fee_exponent = (count_code & 63) - 32, (pay_code & 63) - 32, (fee_code & 63) - 32
    exponent = count_exponent + pay_exponent
    digits = min(digits, 40)
    if not (-2 <= count_exponent <= 0 and -digits < pay_exponent <= 0 and -6 <= fee_exponent <= 0 and exponent >= -6):
        return None
    count = count_code >> 6
    cost = count * (pay_code >> 6)
    cost_units = cost * _POWERS[exponent + 6]
    if cost_units >= COEF_LIMIT or cost_units >= _POWERS[digits] or count <= 0 or cost <= 0:
        return None
    position = count if buys_yes else -count
    codes = [
        position * 64 + count_exponent + 32,
        cost_units * 64 + 26,
        cost * 64 + exponent + 32,
        32,
        fee_code,
        count_code,
    ]
    fee_units = (fee_code >> 6) * _POWERS[fee_exponent + 6]
    return codes, (exchange_index, 3, cost_units, count * _POWERS[count_exponent + 2], cost_units, 0, fee_units, 0)


def trade_cells(
    codes: Sequence[int],
    count_code: int,
    yes_code: int,
    buys_yes: bool,
    fee_code: int,
    exchange_index: int,
    digits: int,
) -> tuple[list[int], tuple[int, ...], int] | None:
    """A fill's new amount cells for a row of these six codes, worked out in integers as `Ledger.apply_fill` works
    them out in Decimal (`positions.trade`, the exposure held to the micro-dollar, then the price paid times the count
    added to total_traded, and realized P&L, fee and count added), with each amount's exponent as Decimal leaves it:
    (the six new codes, the row's share of its event's totals as `_share` makes it, the code of the cash the trade
    moves, fees apart). For a fill that adds to the position (or opens it from zero) or closes it whole; None for any
    other (a part closed: its basis is divided; a side flipped) and wherever an amount would be rescaled or rounded,
    or reach `digits` (the context's precision, rounding half even) or the codes' limit: there the Decimal way is
    taken. `yes_code`: the fill's YES price's code."""
    limit = min(_POWERS[min(digits, 40)], COEF_LIMIT)
    position, exposure, traded, realized, fees, volume = [(code >> 6, (code & 63) - 32) for code in codes]
    count, yes = (count_code >> 6, (count_code & 63) - 32), (yes_code >> 6, (yes_code & 63) - 32)
    if count[0] <= 0 or yes[1] >= 0 or not 0 < yes[0] < _POWERS[-yes[1]]:
        return None
    no = (_POWERS[-yes[1]] - yes[0], yes[1])  # 1 - the YES price: the NO price, at the YES price's exponent
    pay = yes if buys_yes else no  # the price paid for the side bought
    bought = (count[0] * pay[0], count[1] + pay[1])
    held = position[0]
    if held == 0 or (held > 0) == buys_yes:  # adds to the side held (or opens it): pay for it
        cash = _sum((0, 0), (-bought[0], bought[1]))
        exposure_after = _sum(exposure, bought)
        position_after = _sum(position, count if buys_yes else (-count[0], count[1]))
        made = (0, 0)  # realized: nothing
    else:  # closes the side held whole: receive its price; the whole basis is released
        if _sum(count, (-abs(held), position[1]))[0]:  # (a part closed, or a side flipped: the Decimal way)
            return None
        received = yes if held > 0 else no  # the held side's price
        proceeds = (abs(held) * received[0], position[1] + received[1])
        made = _sum(proceeds, (-exposure[0], exposure[1]))
        cash = _sum((0, 0), proceeds)
        exposure_after = (0, exposure[1])
        position_after = (0, position[1])
    if exposure_after[0] and exposure_after[1] < -6:  # (held to the micro-dollar: it would be rounded)
        return None
    amounts = (
        position_after,
        (exposure_after[0] * _POWERS[exposure_after[1] + 6] if exposure_after[0] else 0, -6),
        _sum(traded, bought),
        _sum(realized, made),
        _sum(fees, (fee_code >> 6, (fee_code & 63) - 32)),
        _sum(volume, count),
    )
    for coefficient, exponent in (*amounts, cash, bought, exposure_after, made):
        if not -limit < coefficient < limit or not -32 <= exponent <= 31:
            return None
    after = [c * 64 + e + 32 for c, e in amounts]
    share = _share(after, 0, exchange_index)
    return None if share is None else (after, share, cash[0] * 64 + cash[1] + 32)


def _sum(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int]:
    """Decimal's exact sum of two (coefficient, exponent) pairs: at the smaller exponent (a zero sum is +0)."""
    if a[1] <= b[1]:
        return a[0] + b[0] * _POWERS[b[1] - a[1]], a[1]
    return a[0] * _POWERS[a[1] - b[1]] + b[0], b[1]


def _share(codes: Sequence[int], resting: int, exchange_index: int) -> tuple[int, ...] | None:
    """What a row of these amount codes adds to its event's running totals, as a part of them (see `_PART`); None if
    an amount is finer than the totals' units (or kept whole beside its column)."""
    position, exposure, traded, realized, fees, volume = codes
    if ODD in codes:
        return None
    powers = _POWERS
    # units(code, places), written out: a code is coefficient * 64 + exponent + 32 (core/columns.py)
    shift = (traded & 63) - 26
    cost = (traded >> 6) * powers[shift] if shift >= 0 else units(traded, 6)
    shift = (volume & 63) - 30
    contracts = (volume >> 6) * powers[shift] if shift >= 0 else units(volume, 2)
    shift = (exposure & 63) - 26
    exposure_units = (exposure >> 6) * powers[shift] if shift >= 0 else units(exposure, 6)
    shift = (realized & 63) - 26
    realized_units = (realized >> 6) * powers[shift] if shift >= 0 else units(realized, 6)
    shift = (fees & 63) - 26
    fee_units = (fees >> 6) * powers[shift] if shift >= 0 else units(fees, 6)
    if cost is None or contracts is None or exposure_units is None or realized_units is None or fee_units is None:
        return None
    mask = (position >> 6 != 0) | (traded >> 6 != 0) << 1 | (resting != 0) << 2
    return (exchange_index, mask, cost, contracts, exposure_units, realized_units, fee_units, resting)


def _part_at(totals: array, exchange_index: int, mask: int) -> int | None:
    for at in range(0, len(totals), _PART):
        if totals[at + 1] == mask and totals[at] == exchange_index:
            return at
    return None


def _shift(totals: Column, before: tuple[int, ...] | None, after: tuple[int, ...] | None) -> bool:
    """Move an event's running totals from holding `before` (a row's share, or None) to holding `after`; all or
    nothing: False (and the totals untouched) if they cannot hold the sums in their units or parts. A share of zeros
    (a row just opened) holds nothing and takes no part."""
    if before is not None and before[2:] == _NOTHING:
        before = None
    if after is not None and after[2:] == _NOTHING:
        after = None
    if before is not None and after is not None and before[0] == after[0] and before[1] == after[1]:
        at = _part_at(totals, before[0], before[1])
        if at is None:
            return False
        _, _, b2, b3, b4, b5, b6, b7 = before
        _, _, a2, a3, a4, a5, a6, a7 = after
        t2, t3, t4, t5, t6, t7 = totals[at + 2 : at + _PART]
        try:
            moved = array("q", (t2 + a2 - b2, t3 + a3 - b3, t4 + a4 - b4, t5 + a5 - b5, t6 + a6 - b6, t7 + a7 - b7))
        except OverflowError:
            return False
        totals[at + 2 : at + _PART] = moved
        return True
    if before is None and after is None:
        return True
    writes = []  # (where, share, new sums): worked out first, written only if all fit
    parts = len(totals) // _PART
    for share, sign in ((before, -1), (after, 1)):
        if share is None:
            continue
        at = _part_at(totals, share[0], share[1])
        if at is None:
            parts += 1
            if parts > _MAX_PARTS:
                return False
        t2, t3, t4, t5, t6, t7 = _NOTHING if at is None else totals[at + 2 : at + _PART]
        _, _, s2, s3, s4, s5, s6, s7 = share
        try:
            sums = array(
                "q", (t2 + sign * s2, t3 + sign * s3, t4 + sign * s4, t5 + sign * s5, t6 + sign * s6, t7 + sign * s7)
            )
        except OverflowError:
            return False
        writes.append((at, share, sums))
    for at, share, sums in writes:
        if at is None:
            totals.extend((share[0], share[1]))
            totals.extend(sums)
        else:
            totals[at + 2 : at + _PART] = sums
    return True


def _add_share(totals: Column, share: tuple[int, ...]) -> bool:
    """`_shift(totals, None, share)`, for a row that held nothing before."""
    exchange_index, mask, s2, s3, s4, s5, s6, s7 = share
    if not (s2 or s3 or s4 or s5 or s6 or s7):
        return True
    for at in range(0, len(totals), _PART):
        if totals[at + 1] == mask and totals[at] == exchange_index:
            t2, t3, t4, t5, t6, t7 = totals[at + 2 : at + _PART]
            try:
                totals[at + 2 : at + _PART] = array("q", (t2 + s2, t3 + s3, t4 + s4, t5 + s5, t6 + s6, t7 + s7))
            except OverflowError:
                return False
            return True
    if len(totals) >= _PART * _MAX_PARTS:
        return False
    try:
        part = array("q", share)
    except OverflowError:
        return False
    totals.extend(part)
    return True


def _take(parts: dict[tuple[int, int], EventRollup], event_ticker: str, share: tuple[int, ...], sign: int) -> None:
    """Add (sign 1) or take out (-1) a share, in units, to an event's EventRollups."""
    total = parts.get((share[0], share[1]))
    if total is None:
        total = parts[(share[0], share[1])] = EventRollup(event_ticker)
    total.total_cost += sign * scaled(share[2], 6)
    total.total_cost_shares += sign * scaled(share[3], 2)
    total.event_exposure += sign * scaled(share[4], 6)
    total.realized_pnl += sign * scaled(share[5], 6)
    total.fees_paid += sign * scaled(share[6], 6)
    total.resting_orders_count += sign * share[7]


def _rollups(event_ticker: str, totals: Column) -> dict[tuple[int, int], EventRollup]:
    """An event's parts as EventRollups, for an event whose sums the Column cannot hold."""
    parts = {}
    for at in range(0, len(totals), _PART):
        parts[(totals[at], totals[at + 1])] = _rollup_of(event_ticker, totals, at)
    return parts


def _rollup_of(event_ticker: str, totals: Column, at: int) -> EventRollup:
    return EventRollup(
        event_ticker, scaled(totals[at + 2], 6), scaled(totals[at + 3], 2), scaled(totals[at + 4], 6),
        scaled(totals[at + 5], 6), scaled(totals[at + 6], 6), totals[at + 7],
    )  # fmt: skip


def _part_rollup(event_ticker: str, totals: Column, keep: RowFilter | None) -> EventRollup:
    """The sum of an event's parts that `keep` admits."""
    sums = [0] * (_PART - 2)
    found = False
    for at in range(0, len(totals), _PART):
        if keep is None or keep.admits(totals[at], totals[at + 1]):
            found = True
            for i in range(_PART - 2):
                sums[i] += totals[at + 2 + i]
    if not found:
        return EventRollup(event_ticker)
    cost, shares, exposure, realized, fees, resting = sums
    return EventRollup(
        event_ticker, scaled(cost, 6), scaled(shares, 2), scaled(exposure, 6), scaled(realized, 6), scaled(fees, 6),
        resting,
    )  # fmt: skip


def _state(row: MarketPosition) -> SettlementState:
    return "settled" if row.settled else "unsettled"


def _state_of(flags: int) -> SettlementState:
    return "settled" if flags & _SETTLED else "unsettled"


def _states(status: SettlementStatus) -> tuple[SettlementState, ...]:
    return ("unsettled", "settled") if status == "all" else (status,)


def _key(row: MarketPosition) -> PositionKey:
    return row.key
