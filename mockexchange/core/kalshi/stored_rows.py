"""Rows held column by column (a million positions: ~100 bytes each, not ~1 KB of objects): amounts as integers in
units.py's units (positions.Cells), times in microseconds, the owner, ticker and event as references (`StoredRows`,
the store's columns and each row's cells); and `StoredPosition`, a live view of one row that reads and writes it as a
`MarketPosition` (a `snapshot` is a plain, detached `MarketPosition`), used under the ledger's lock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from struct import Struct, error
from typing import Any, TypeVar

from mockexchange.core.clock import unix_us
from mockexchange.core.columns import ODD, Column, Read, ReadWrite
from mockexchange.core.kalshi.markets import Holders, Place
from mockexchange.core.kalshi.positions import Cells
from mockexchange.core.kalshi.rows import COUNT_BITS, MarketPosition, PositionKey, SettlementState
from mockexchange.core.kalshi.units import contracts, count_units, dollar_units, dollars


class _Place:
    """A place for a row `add`ed from a `MarketPosition`; one the store keeps for a ticker the catalogue does not list
    also holds that market's holders (`HeldMarket`)."""

    __slots__ = ("ticker", "event_ticker", "exchange_index", "holders")

    def __init__(self, ticker: str, event_ticker: str, exchange_index: int) -> None:
        self.ticker, self.event_ticker, self.exchange_index = ticker, event_ticker, exchange_index
        self.holders: Holders = None


# A row's amounts, in the order of its cells (`_AMOUNT_CELLS` cells per row); cell 6 names `last_updated` in `_odd`.
_POSITION, _EXPOSURE, _TRADED, _REALIZED, _FEES, _VOLUME = range(6)
_AMOUNT_CELLS = 6
# A row's six cells read and written at once (at byte `_ROW.size * handle` of `_amounts`), through struct's conversions
# of machine words: an array's own, item by item, took twice as long. A cell is 32 bits (21 million contracts, $2,147
# in micro-dollars: 24 bytes a row, not 48); a row one of whose amounts no cell holds is kept whole beside the column
# (`_wide`), its first cell `_WIDE`, as the fill log keeps an amount no cell holds.
_ROW = Struct(f"{_AMOUNT_CELLS}i")
_read_cells: Callable[[Column, int], Cells] = _ROW.unpack_from
_WIDE = -(1 << 31)
_WIDE_CELLS: Cells = (_WIDE, 0, 0, 0, 0, 0)
_WIDE_ROW = _ROW.pack(*_WIDE_CELLS)
_UPDATED = 6
_SETTLED = 1
_ARCHIVED = 2  # settled, and moved to the historical reads by the cutoff (core/kalshi/archive.py)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
# How each cell is read as a Decimal, and written from one: contracts in hundredths, the rest in micro-dollars.
_RENDER = (contracts, dollars, dollars, dollars, dollars, contracts)
_UNITS: tuple[Callable[[Decimal], int], ...] = (count_units,) + (dollar_units,) * 4 + (count_units,)
_COMPARED = tuple(f.name for f in fields(MarketPosition) if f.compare)


# The book a row is filed in, by its flags: unsettled, settled, or archived (settled and past the cutoff).
_STATE_OF: tuple[SettlementState, ...] = ("unsettled", "settled", "archived", "archived")


def settlement_state(flags: int) -> SettlementState:
    """The book a row of these flags is filed in (`_STATE_OF`)."""
    return _STATE_OF[flags]


_T = TypeVar("_T")


def _read(get: Callable[[StoredPosition], _T]) -> Read[_T]:
    """A view's attribute, read from its row by `get` (a `property`, typed as what `get` reads)."""
    return property(get)


def _amount_property(cell: int) -> ReadWrite[Decimal]:
    render = _RENDER[cell]

    def get(self: StoredPosition) -> Decimal:
        return render(self._store._cell(self._handle, cell))

    def put(self: StoredPosition, value: Decimal) -> None:
        self._store._set_amount(self._handle, cell, value)

    return property(get, put)


class StoredPosition(MarketPosition):
    """A row of the store, read and written in place: it reads as the `MarketPosition` it stands for (and equals it);
    `snapshot()` is that `MarketPosition`, detached. Amounts change only inside `PositionStore.changing` (or through
    `PositionStore.update`). A view is of the store as it is: read it under the ledger's lock, and not across a reset
    (`clear` drops every row); keep a snapshot instead."""

    __slots__ = ("_store", "_handle")
    _store: StoredRows
    _handle: int

    def __init__(self, store: StoredRows, handle: int) -> None:
        self._store = store
        self._handle = handle

    user_id = _read(lambda self: self._store._owner_keys[self._store._owner[self._handle]][0])
    subaccount = _read(lambda self: self._store._owner_keys[self._store._owner[self._handle]][1])
    ticker = _read(lambda self: self._store._places[self._handle].ticker)
    event_ticker = _read(lambda self: self._store._places[self._handle].event_ticker)
    exchange_index = _read(lambda self: self._store._places[self._handle].exchange_index)
    position = _amount_property(_POSITION)
    market_exposure = _amount_property(_EXPOSURE)
    total_traded = _amount_property(_TRADED)
    realized_pnl = _amount_property(_REALIZED)
    fees_paid = _amount_property(_FEES)
    volume = _amount_property(_VOLUME)
    settled = _read(lambda self: bool(self._store._flags[self._handle] & _SETTLED))
    version = _read(lambda self: self._store._versions[self._handle])

    @property
    def last_updated(self) -> datetime:
        return self._store._time(self._handle)

    @last_updated.setter
    def last_updated(self, when: datetime) -> None:
        self._store._set_time(self._handle, when)

    @property
    def resting_orders_count(self) -> int:
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

    # (defining `__eq__` leaves a view unhashable, as a `MarketPosition` is)

    def __reduce_ex__(self, protocol: Any) -> Any:
        return self.snapshot().__reduce_ex__(protocol)


class StoredRows:
    """The store's rows, column by column: a row's handle is its index in every column (`PositionStore` is one)."""

    def __init__(self) -> None:
        self._owner_ids: dict[tuple[str, int], int] = {}  # (user, subaccount) -> owner number
        self._owner_keys: list[tuple[str, int]] = []
        # The rows, column by column; a row's handle is its index. Rows are only ever dropped all at once (`clear`).
        self._owner: Column = Column("I")
        self._places: list[Place] = []  # the row's market: its ticker, event and exchange index
        self._flags: Column = Column("B")
        self._amounts: Column = Column("i")  # `_AMOUNT_CELLS` cells per row (positions.Cells)
        self._wide: dict[int, Cells] = {}  # handle -> a row's cells that 32 bits do not hold (`_WIDE` in the column)
        self._resting: Column = Column("q")
        self._updated: Column = Column("q")  # microseconds since the epoch
        self._versions: Column = Column("q")
        self._odd: dict[tuple[int, int], Any] = {}  # (handle, _UPDATED) -> a time not in UTC (ODD in the column)
        self._time_memo: tuple[int, datetime] = (0, _EPOCH)

    def __len__(self) -> int:
        return len(self._places)

    def _cells(self, handle: int) -> Cells:
        cells = _read_cells(self._amounts, _ROW.size * handle)
        return self._wide[handle] if cells[0] == _WIDE else cells

    def _cell(self, handle: int, cell: int) -> int:
        base, amounts = _AMOUNT_CELLS * handle, self._amounts
        return self._wide[handle][cell] if amounts[base] == _WIDE else amounts[base + cell]

    def _widened(self, handle: int, cells: Cells) -> bytes:
        """Keep a row's cells whole (one 32 bits do not hold, or the first is `_WIDE`): what its column holds then."""
        self._wide[handle] = cells
        return _WIDE_ROW

    def _put_cells(self, handle: int, cells: Cells) -> None:
        """A row's cells set at once."""
        wide = self._wide
        if cells[0] != _WIDE:
            try:
                _ROW.pack_into(self._amounts, _ROW.size * handle, *cells)
            except error:  # (an amount past 32 bits)
                pass
            else:
                if wide:
                    wide.pop(handle, None)
                return
        self._widened(handle, cells)
        _ROW.pack_into(self._amounts, _ROW.size * handle, *_WIDE_CELLS)

    def _amounts_of(self, handle: int) -> tuple[Decimal, Decimal, Decimal, Decimal, Decimal, Decimal]:
        position, exposure, traded, realized, fees, volume = self._cells(handle)
        return (
            contracts(position),
            dollars(exposure),
            dollars(traded),
            dollars(realized),
            dollars(fees),
            contracts(volume),
        )

    def _set_amount(self, handle: int, cell: int, value: Decimal) -> None:
        """A cell set from a Decimal (a view's attribute set): `ValueError` if it is finer than the cell's unit."""
        if not isinstance(value, Decimal):
            raise TypeError(f"an amount is a Decimal, not {type(value).__name__}")
        cells = list(self._cells(handle))
        cells[cell] = _UNITS[cell](value)
        position, exposure, traded, realized, fees, volume = cells
        self._put_cells(handle, (position, exposure, traded, realized, fees, volume))

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
        updated = self._updated
        if updated[handle] == ODD:
            del self._odd[(handle, _UPDATED)]
        if when.tzinfo is UTC:
            updated[handle] = unix_us(when)
        else:
            self._odd[(handle, _UPDATED)] = when
            updated[handle] = ODD

    def _mask(self, handle: int) -> int:
        base, amounts = _AMOUNT_CELLS * handle, self._amounts
        position, traded = amounts[base + _POSITION], amounts[base + _TRADED]
        if position == _WIDE:  # (the marker's cell: a row kept whole)
            position, traded = self._wide[handle][_POSITION], self._wide[handle][_TRADED]
        return (
            (position != 0) * COUNT_BITS["position"]
            | (traded != 0) * COUNT_BITS["total_traded"]
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
