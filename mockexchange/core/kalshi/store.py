"""The ledger's market position rows (`PositionStore`): the index behind every list of positions a venue pages.

Market positions are kept per (user, subaccount, settlement state) in key order, (event_ticker, ticker): the owner's
events in a sorted list, each event's tickers in a sorted list beside its running totals (owner_rows.py,
event_totals.py). A page is a seek to the key after the cursor plus a walk of at most `limit` matching rows
(position_reads.py), so its cost does not grow with the size of the portfolio (only with how many rows a filter skips).
The key of a row never changes, so a walk that resumes after a key neither repeats nor skips a row that existed for the
whole walk, however many fills land between pages.

Rows are held column by column (stored_rows.py), their amounts as six integers (positions.Cells): the ledger reads a
row's `cells` and writes new ones with `update`; the store hands out `StoredPosition`s, live views of one row that
read and write it as a `MarketPosition`; a view is used under the ledger's lock, as the rows always were.

Versioned reads (`core/versions.py`): while the ledger keeps a history, `add`, `changing` and `mark_settled` record each
row as it was before, and `walk`, `page` and `event_rollup` take `as_of`: the rows and roll-ups as they were then (a
row created since is absent, one settled since is still unsettled), from the current index plus the few rows changed
since.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from struct import error
from typing import Literal, overload

from sortedcontainers import SortedList

from mockexchange.core.clock import unix_us
from mockexchange.core.columns import ODD
from mockexchange.core.kalshi.event_totals import Share, share, shift
from mockexchange.core.kalshi.markets import HeldMarket, Place
from mockexchange.core.kalshi.owner_rows import _LONG_EVENT, _EventRows, _OwnerRows
from mockexchange.core.kalshi.position_reads import PositionReads
from mockexchange.core.kalshi.positions import ZERO_CELLS, Cells
from mockexchange.core.kalshi.rows import MarketPosition, SettlementState
from mockexchange.core.kalshi.stored_rows import (
    _ARCHIVED,
    _ROW,
    _SETTLED,
    _STATE_OF,
    _UPDATED,
    _WIDE,
    _WIDE_ROW,
    StoredPosition,
    StoredRows,
    _Place,
    settlement_state,
)
from mockexchange.core.kalshi.units import count_units, dollar_units
from mockexchange.core.versions import ABSENT, History


class PositionStore(PositionReads, StoredRows):
    def __init__(self, history: History | None = None, listed: Mapping[str, HeldMarket] | None = None) -> None:
        # The ledger's history (shared with its accounts' and markets'); a store of its own keeps nothing.
        self.history = history if history is not None else History()
        self._by_event_memo = None
        # The last row version stamped; never goes back (not even on `clear`). The render cache depends on it, as on
        # `MarketPosition.version`: while it is unchanged, no row and no event total of this store has changed.
        self.version = 0
        super().__init__()  # the rows' columns (StoredRows)
        # Every account's row in a market (for settlement) is kept on the market: the catalogue's (`listed`, the
        # ledger's markets by ticker), or a place of the store's own for a ticker it does not list.
        self._listed = listed if listed is not None else {}
        self._unlisted = {}
        self._owner_rows = {}

    def clear(self) -> None:
        self._owner_ids.clear()
        self._owner_keys.clear()
        for column in (self._owner, self._flags, self._amounts, self._resting, self._updated):
            del column[:]
        del self._versions[:]
        self._places.clear()
        self._odd.clear()
        self._wide.clear()
        for market in (*self._listed.values(), *self._unlisted.values()):
            market.holders = None
        self._unlisted.clear()
        self._owner_rows.clear()
        self.version += 1  # every row gone: what was rendered from them is not the state any more

    def held(self, user_id: str, subaccount: int, ticker: str) -> tuple[int | None, Cells]:
        """The owner's row in the market as a fill reads it: its handle (None: it has none) and its six amounts
        (positions.Cells; zeros if none), with no view of it made."""
        market = self._held_in(ticker)
        handle = None if market is None else self._handle_in(user_id, subaccount, market)
        if handle is None:
            return None, ZERO_CELLS
        return handle, self._cells(handle)

    def held_in(self, user_id: str, subaccount: int, market: HeldMarket) -> tuple[int | None, Cells]:
        """`held`, in the ledger's market itself (no look-up by ticker)."""
        handle = self._handle_in(user_id, subaccount, market)
        if handle is None:
            return None, ZERO_CELLS
        return handle, self._cells(handle)

    def add(self, row: MarketPosition, when: datetime | None = None) -> StoredPosition:
        """A new row (no row of its owner in its market yet); `when` (the time of the change, default the row's
        `last_updated`) dates it in the history. Returns the row as stored: change it through that. Its amounts are
        Decimals within their units (`UnitError` if one is finer)."""
        amounts = (row.position, row.market_exposure, row.total_traded, row.realized_pnl, row.fees_paid, row.volume)
        for amount in amounts:
            if not isinstance(amount, Decimal):
                raise TypeError(f"an amount is a Decimal, not {type(amount).__name__}")
        position, exposure, traded, realized, fees, volume = amounts
        cells = (
            count_units(position), dollar_units(exposure), dollar_units(traded), dollar_units(realized),
            dollar_units(fees), count_units(volume),
        )  # fmt: skip
        handle = self._append(
            row.user_id, row.subaccount, _Place(row.ticker, row.event_ticker, row.exchange_index), row.last_updated,
            cells, row.resting_orders_count, row.settled, when,
        )  # fmt: skip
        return StoredPosition(self, handle)

    def open(
        self, user_id: str, subaccount: int, place: Place, when: datetime, cells: Cells = ZERO_CELLS
    ) -> StoredPosition:
        """A new row in `place` (the ledger's market: its ticker, event and exchange index never change) holding
        `cells` (positions.Cells; zeros by default), last updated `when`: what `add` makes of
        `MarketPosition(user_id, subaccount, ticker, ..., when)` with those amounts."""
        return StoredPosition(self, self.open_handle(user_id, subaccount, place, when, cells))

    def open_handle(self, user_id: str, subaccount: int, place: Place, when: datetime, cells: Cells) -> int:
        """`open`, answering the new row's handle (for `snapshot_of`), not a view of it."""
        return self._append(user_id, subaccount, place, when, cells, 0, False)

    def snapshot_of(self, handle: int) -> MarketPosition:
        """The row of this handle, as a detached `MarketPosition`."""
        return self._snapshot(handle)

    def _append(
        self,
        user_id: str,
        subaccount: int,
        place: Place,
        last_updated: datetime,
        cells: Cells,
        resting: int,
        settled: bool,
        when: datetime | None = None,
    ) -> int:
        """A new row: its cells, its place among its market's holders and in its owner's book, and its share of its
        event's totals; stamped. Returns its handle."""
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
        flags = _SETTLED if settled else 0
        self._flags.append(flags)
        self._resting.append(resting)
        self.version += 1  # (the new row's stamp, as `_stamp` gives one)
        self._versions.append(self.version)
        try:  # (a row's cells: 32 bits each, or kept whole beside the column: stored_rows.py)
            packed = _ROW.pack(*cells)
        except error:
            packed = _WIDE_ROW
        self._amounts.frombytes(self._widened(handle, cells) if packed is _WIDE_ROW or cells[0] == _WIDE else packed)
        if last_updated.tzinfo is UTC:
            self._updated.append(unix_us(last_updated))
        else:
            self._updated.append(ODD)
            self._odd[(handle, _UPDATED)] = last_updated
        self._places.append(place)  # last: the row's handle is taken
        market = self._listed.get(ticker) or self._unlisted.get(ticker)
        if market is None:
            market = self._unlisted[ticker] = _Place(ticker, place.event_ticker, place.exchange_index)
        held = market.holders
        if held is None:
            market.holders = handle
        elif isinstance(held, int):
            market.holders = {self._owner[held]: held, owner: handle}
        else:
            held[owner] = handle
        event = self._file(owner, _STATE_OF[flags], place)
        shift(event, None, share(cells, resting, place.exchange_index))
        return handle

    def changing(self, row: StoredPosition, when: datetime | None = None) -> _Changing:
        """Every change to a stored row's amounts happens inside this (`with store.changing(row):`), so the event
        totals (and the history, dated `when`, default the row's `last_updated`) follow it."""
        return _Changing(self, row, when)

    def cells(self, row: StoredPosition) -> Cells:
        """A stored row's six amounts at once, in units (positions.Cells)."""
        return self._cells(row._handle)

    @overload
    def update(
        self, row: StoredPosition, when: datetime, cells: Cells, snapshot: Literal[True] = True
    ) -> MarketPosition: ...
    @overload
    def update(self, row: StoredPosition, when: datetime, cells: Cells, snapshot: bool) -> MarketPosition | None: ...
    def update(self, row: StoredPosition, when: datetime, cells: Cells, snapshot: bool = True) -> MarketPosition | None:
        """Set a stored row's six amounts (positions.Cells), and its `last_updated` to `when`, at once: what a
        `changing(row, when)` block that sets them does, in one step (a fill's). Returns the row's snapshot (None if not
        `snapshot`)."""
        return self.update_held(row._handle, when, cells, snapshot)

    @overload
    def update_held(self, handle: int, when: datetime, cells: Cells, snapshot: Literal[True]) -> MarketPosition: ...
    @overload
    def update_held(self, handle: int, when: datetime, cells: Cells, snapshot: bool) -> MarketPosition | None: ...
    def update_held(self, handle: int, when: datetime, cells: Cells, snapshot: bool) -> MarketPosition | None:
        """`update` of the row of a handle `held` answered."""
        if self.history.keeping:
            self._remember(StoredPosition(self, handle), when)
        resting, exchange_index = self._resting[handle], self._places[handle].exchange_index
        before = share(self._cells(handle), resting, exchange_index)
        shift(self._event_of(handle), before, share(cells, resting, exchange_index))
        self._put_cells(handle, cells)
        self._set_time(handle, when)
        self._stamp(handle)
        return self._snapshot(handle) if snapshot else None

    def mark_settled(self, row: StoredPosition, when: datetime | None = None) -> None:
        handle = row._handle
        if self._flags[handle] & _SETTLED:
            return
        if self.history.keeping:
            self._remember(row, when)
        held = self._share(handle)
        shift(self._event_of(handle), held, None)
        self._unfile(handle)
        self._flags[handle] = flags = self._flags[handle] | _SETTLED
        shift(self._file(self._owner[handle], _STATE_OF[flags], self._places[handle]), None, held)
        self._stamp(handle)

    def set_archived(self, row: StoredPosition, archived: bool) -> None:
        """Move a settled row to the archived book (GET /historical/positions) or back to the settled one; its amounts
        and history do not change, its version does (the pages that showed it are not the state any more)."""
        handle = row._handle
        flags = self._flags[handle]
        if not flags & _SETTLED or bool(flags & _ARCHIVED) == archived:
            return
        held = self._share(handle)
        shift(self._event_of(handle), held, None)
        self._unfile(handle)
        self._flags[handle] = flags = flags | _ARCHIVED if archived else flags & ~_ARCHIVED
        shift(self._file(self._owner[handle], _STATE_OF[flags], self._places[handle]), None, held)
        self._stamp(handle)

    def _stamp(self, handle: int) -> None:
        """A new version for a row that was added or changed (the venues' render cache keys on it)."""
        self.version += 1
        self._versions[handle] = self.version

    def _remember(self, row: MarketPosition, when: datetime | None) -> None:
        self.history.record((row.user_id, row.subaccount), row.ticker, row.snapshot(), when or row.last_updated)

    def of_market(self, ticker: str) -> list[StoredPosition]:
        """Every account's row in one market, without walking the whole store."""
        market = self._held_in(ticker)
        held = None if market is None else market.holders
        if held is None:
            return []
        handles = [held] if isinstance(held, int) else list(held.values())
        return [StoredPosition(self, handle) for handle in handles]

    def holders(self, *tickers: str) -> set[str]:
        """The users holding a row in any of these markets (a long command's footprint), without a view of any."""
        users: set[str] = set()
        keys, owners, listed, unlisted = self._owner_keys, self._owner, self._listed, self._unlisted
        for ticker in tickers:
            market = listed.get(ticker) or unlisted.get(ticker)
            held = None if market is None else market.holders
            if held is None:
                continue
            if isinstance(held, int):
                users.add(keys[owners[held]][0])
            else:
                users.update([keys[owner][0] for owner in held])
        return users

    def count(self, user_id: str, subaccount: int, state: SettlementState) -> tuple[int, int]:
        """How many events and rows the owner holds in one settlement state (the archived book, say): a sum over its
        events, never a walk of its rows. Current rows (not as of a lagged time)."""
        owner = self._owner_ids.get((user_id, subaccount))
        owned = None if owner is None else self._owner_rows.get((owner, state))
        if not owned:
            return 0, 0
        return len(owned.events), sum(len(event.tickers) for event in owned.rows.values())

    def all_rows(self) -> Iterator[StoredPosition]:
        return (StoredPosition(self, handle) for handle in range(len(self._places)))

    # -- the books: rows in key order, and each event's running totals ---------------------------------------------

    def _event_of(self, handle: int) -> _EventRows:
        return self._owner_rows[(self._owner[handle], _STATE_OF[self._flags[handle]])].rows[
            self._places[handle].event_ticker
        ]

    def _file(self, owner: int, state: SettlementState, place: Place) -> _EventRows:
        """Put a row (of `owner`, in `place`) into its owner's book of its settlement state; returns its event there."""
        key = (owner, state)
        owned = self._owner_rows.get(key)
        if owned is None:
            owned = self._owner_rows[key] = _OwnerRows()
        event_ticker = place.event_ticker
        event = owned.rows.get(event_ticker)
        if event is None:
            event = owned.rows[event_ticker] = _EventRows()
            owned.events.add(event_ticker)
        tickers = event.tickers
        if isinstance(tickers, list):
            insort(tickers, place.ticker)
            if len(tickers) > _LONG_EVENT:
                event.tickers = SortedList(tickers)
        else:
            tickers.add(place.ticker)
        return event

    def _unfile(self, handle: int) -> None:
        """Take a row out of its book (its totals already taken out: `_count(handle, -1)`)."""
        state: SettlementState = settlement_state(self._flags[handle])
        owned = self._owner_rows[(self._owner[handle], state)]
        event_ticker, ticker = self._places[handle].event_ticker, self._places[handle].ticker
        event = owned.rows[event_ticker]
        if isinstance(event.tickers, list):
            del event.tickers[bisect_left(event.tickers, ticker)]
        else:
            event.tickers.remove(ticker)
        if not event.tickers:
            del owned.rows[event_ticker]
            owned.events.remove(event_ticker)

    def _share(self, handle: int) -> Share:
        """What a row adds to its event's running totals (event_totals.share)."""
        return share(self._cells(handle), self._resting[handle], self._places[handle].exchange_index)


class _Changing:
    """`PositionStore.changing`: the row's share of its event's totals as it was before the block, moved to what it
    is after it (a new version too)."""

    __slots__ = ("store", "row", "when", "before")

    def __init__(self, store: PositionStore, row: StoredPosition, when: datetime | None) -> None:
        self.store, self.row, self.when = store, row, when

    def __enter__(self) -> StoredPosition:
        store, row = self.store, self.row
        if store.history.keeping:
            store._remember(row, self.when)
        self.before = store._share(row._handle)
        return row

    def __exit__(self, *exc: object) -> None:
        store = self.store
        handle = self.row._handle
        shift(store._event_of(handle), self.before, store._share(handle))
        store._stamp(handle)
