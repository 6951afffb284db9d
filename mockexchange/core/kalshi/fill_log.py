"""The fill log: every fill since the last reset, in the order made, held column by column.

A `Fill` object per fill (its two UUID strings, five Decimals, a datetime) took ~550 bytes; a row of the log takes ~75:
the fill and order ids as 128-bit integers, the amounts in units.py's units (count and post position in hundredths,
price in ten-thousandths, fee in micro-dollars) in 32-bit cells, the time in microseconds, the market and the user as
references to objects the ledger holds anyway, side, action, taker and subaccount as bits. A value no cell holds (an
order id the caller named "o-1", an amount past 32 bits, a time not in UTC) is kept whole beside the columns; an id
that is no UUID is kept once however many fills name it (the house's resting order at a level trades again and again).
A fill reads back with the wire's places: a count of "10" as 10.00.

`log[i]` is a `LoggedFill`: a view of row i that reads as the `Fill` it stands for (same attributes, equal to it), made
in a few hundred nanoseconds; its attributes are read from the columns when asked. Rows never change once made, and a
reset gives the log new columns (`clear`), so a view reads its fill from any thread, before or after a reset. (The
ledger answers and publishes each new fill as a plain `Fill` it already holds the values of: a caller reads all of it,
and reading a view costs a decode per amount.)
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from struct import Struct
from types import MemberDescriptorType
from typing import Any, TypeVar, overload

from mockexchange.core.clock import unix_us
from mockexchange.core.columns import Column, Read
from mockexchange.core.ids import uuid_int, uuid_text
from mockexchange.core.kalshi.markets import Place
from mockexchange.core.kalshi.units import PRICE, contracts, count_units, dollar_units, dollars, price, price_units

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_SIDE_YES, _BUY, _TAKER, _ZONED, _SUB_SHIFT = 1, 2, 4, 8, 4  # _ZONED: `created` kept whole (not in UTC)
_AMOUNTS = 4  # cells per fill: count, price, fee, post_position
_IDS = 4  # cells per fill: fill id (high, low 64 bits), order id (high, low)
# A row's id and amount cells written at once: an array's `extend` converts its items one by one, a Struct in one call
_ID_CELLS, _AMOUNT_CELLS = Struct(f"{_IDS}Q"), Struct(f"{_AMOUNTS}i")
_LOW = (1 << 64) - 1
_ODD32 = -(1 << 31)  # an amount cell whose units do not fit 32 bits: they are kept whole beside the columns
_TOP32 = 1 << 31  # (units from _ODD32 + 1 to _TOP32 - 1 fit a 32-bit cell)
_RENDER = (contracts, price, dollars, contracts)  # the amount cells as Decimals: count, price, fee, post position
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class Fill:
    fill_id: str  # also the trade id: Kalshi reports one fill per trade per side
    order_id: str
    user_id: str
    subaccount: int
    ticker: str
    event_ticker: str
    exchange_index: int
    side: str  # "yes" | "no": the side bought or sold
    action: str  # "buy" | "sell"
    count: Decimal
    price: Decimal  # price of `side`, dollars
    yes_price: Decimal
    is_taker: bool
    fee: Decimal
    created: datetime
    post_position: Decimal
    client_order_id: str | None = None

    @property
    def no_price(self) -> Decimal:
        return Decimal(1) - self.yes_price


class _Rows:
    """The columns of a fill log. A reset gives the log new ones, so a view made before it still reads its fill."""

    __slots__ = ("ids", "amounts", "created", "flags", "places", "users", "odd", "texts", "text_ids",
                 "client_order_ids", "length")  # fmt: skip

    def __init__(self) -> None:
        self.ids = Column("Q")  # `_IDS` cells per fill; (0, n): the id is text, `texts[n - 1]`
        self.amounts = Column("i")  # `_AMOUNTS` cells per fill, in units (32 bits: most counts and fees are short)
        self.created = Column("q")  # microseconds since the epoch (UTC)
        self.flags = Column("H")  # side, action, taker, zoned, subaccount
        self.places: list[Place] = []
        self.users: list[str] = []
        self.odd: dict[tuple[int, int], Any] = {}  # (fill, cell) -> the value no cell holds; cell 9: created
        self.texts: list[str] = []  # the ids that are no UUID (a UUID's high 64 bits are never all zero), once each
        self.text_ids: dict[str, int] = {}  # text -> its n in the id cells (0, n)
        self.client_order_ids: dict[int, str] = {}
        self.length = 0  # set last by `append`: a reader in another thread never sees half a row

    def id(self, i: int, cell: int) -> str:
        at = _IDS * i + 2 * cell
        high, low = self.ids[at], self.ids[at + 1]
        return uuid_text(high << 64 | low) if high else self.texts[low - 1]

    def units(self, i: int, cell: int) -> int:
        units = self.amounts[_AMOUNTS * i + cell - 2]
        return self.odd[(i, cell)] if units == _ODD32 else units

    def amount(self, i: int, cell: int) -> Decimal:
        return _RENDER[cell - 2](self.units(i, cell))

    def time(self, i: int) -> datetime:
        if self.flags[i] & _ZONED:
            return self.odd[(i, 9)]
        return _EPOCH + self.created[i] * _US


@functools.lru_cache(maxsize=1 << 10)  # (2 sides, 2 actions, taker or not, 64 subaccounts)
def fill_flags(side: str, action: str, is_taker: bool, subaccount: int) -> int:
    """A fill's flags cell: its side, action, taker and subaccount (the zoned bit apart)."""
    return (side == "yes") * _SIDE_YES | (action == "buy") * _BUY | bool(is_taker) * _TAKER | subaccount << _SUB_SHIFT


class FillLog:
    """The fills, oldest first: `append` a fill, read `log[i]` (negative indexes and slices too), `len`, iterate."""

    def __init__(self) -> None:
        self._rows = _Rows()
        # Each fill's time, in microseconds since the epoch (what a time index orders fills by): the rows' column as an
        # attribute, not a property, as a fill's road reads it four times.
        self.times: Column = self._rows.created

    def __len__(self) -> int:
        return self._rows.length

    def clear(self) -> None:
        self._rows = _Rows()
        self.times = self._rows.created

    def append(self, fill: Fill, place: Place, fill_uuid: int | None = None, order_uuid: int | None = None) -> int:
        """Keep `fill`, made in `place`; the UUID integers of its ids if the caller has them. Returns its index."""
        return self.add(
            fill.fill_id if fill_uuid is None else fill_uuid, fill.order_id if order_uuid is None else order_uuid,
            fill.user_id, fill.subaccount, place, fill.side, fill.action, count_units(fill.count),
            price_units(fill.price), fill.is_taker, dollar_units(fill.fee, "fee"), fill.created,
            count_units(fill.post_position), fill.client_order_id,
        )  # fmt: skip

    def add(
        self,
        fill_id: str | int,
        order_id: str | int,
        user_id: str,
        subaccount: int,
        place: Place,
        side: str,
        action: str,
        count: int,
        price: int,
        is_taker: bool,
        fee: int,
        created: datetime,
        post_position: int,
        client_order_id: str | None = None,
    ) -> int:
        """Keep a fill from its values (its ids as UUID integers, or as text; its amounts in units); returns its index.
        `log[index]` reads as the `Fill` of these values."""
        rows = self._rows
        i = rows.length
        fill_id = fill_id if isinstance(fill_id, int) else self._id_cells(fill_id)
        order_id = order_id if isinstance(order_id, int) else self._id_cells(order_id)
        rows.ids.frombytes(_ID_CELLS.pack(fill_id >> 64, fill_id & _LOW, order_id >> 64, order_id & _LOW))
        if _ODD32 < count < _TOP32 and _ODD32 < fee < _TOP32 and _ODD32 < post_position < _TOP32:
            rows.amounts.frombytes(_AMOUNT_CELLS.pack(count, price, fee, post_position))
        else:
            cells = [count, price, fee, post_position]
            for cell, units in enumerate(cells):
                if not _ODD32 < units < _TOP32:
                    rows.odd[(i, cell + 2)] = units
                    cells[cell] = _ODD32
            rows.amounts.frombytes(_AMOUNT_CELLS.pack(*cells))
        rows.created.append(unix_us(created))
        zoned = created.tzinfo is not UTC
        if zoned:
            rows.odd[(i, 9)] = created
        rows.flags.append(fill_flags(side, action, bool(is_taker), subaccount) | zoned * _ZONED)
        rows.places.append(place)
        rows.users.append(user_id)
        if client_order_id is not None:
            rows.client_order_ids[i] = client_order_id
        rows.length = i + 1
        return i

    def _id_cells(self, value: str) -> int:
        """An id given as text, as its UUID integer; for text that is no UUID as `uuid_text` writes it, n (its high 64
        bits zero, as no drawn UUID's are), its place among the texts the log keeps."""
        rows = self._rows
        found = rows.text_ids.get(value)
        if found is None:
            found = uuid_int(value)
            if found is None or not found >> 64:
                rows.texts.append(value)
                found = rows.text_ids[value] = len(rows.texts)
        return found

    def count_units(self, index: int) -> int:
        """Fill `index`'s count, in hundredths of a contract (what a market's trades sum)."""
        return self._rows.units(index, 2)

    def view(self, index: int) -> LoggedFill:
        """`log[index]` for an index that `add` returned."""
        return LoggedFill(self._rows, index)

    def span(self, start: int, stop: int) -> FillSpan:
        """Fills `start` to `stop` (not included) as a sequence of views, made as they are read."""
        return FillSpan(self._rows, start, stop)

    @overload
    def __getitem__(self, index: int) -> LoggedFill: ...
    @overload
    def __getitem__(self, index: slice) -> list[LoggedFill]: ...
    def __getitem__(self, index: int | slice) -> LoggedFill | list[LoggedFill]:
        return self._every()[index]

    def __iter__(self) -> Iterator[LoggedFill]:
        return iter(self._every())

    def _every(self) -> FillSpan:
        return FillSpan(self._rows, 0, self._rows.length)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FillLog | list | tuple):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    # (defining `__eq__` leaves a log unhashable, as a list is)

    def __repr__(self) -> str:
        return f"<FillLog of {len(self)} fills>"


class FillSpan(Sequence[Fill]):
    """A run of a fill log's fills (what a batch made), read as `LoggedFill` views; a reset leaves it be."""

    __slots__ = ("_rows", "_start", "_stop")

    def __init__(self, rows: _Rows, start: int, stop: int) -> None:
        self._rows, self._start, self._stop = rows, start, stop

    def __len__(self) -> int:
        return self._stop - self._start

    @overload
    def __getitem__(self, index: int) -> LoggedFill: ...
    @overload
    def __getitem__(self, index: slice) -> list[LoggedFill]: ...
    def __getitem__(self, index: int | slice) -> LoggedFill | list[LoggedFill]:
        if isinstance(index, slice):
            return [LoggedFill(self._rows, self._start + i) for i in range(*index.indices(len(self)))]
        i = index + len(self) if index < 0 else index
        if not 0 <= i < len(self):
            raise IndexError("fill index out of range")
        return LoggedFill(self._rows, self._start + i)

    def __iter__(self) -> Iterator[LoggedFill]:
        rows = self._rows
        return (LoggedFill(rows, i) for i in range(self._start, self._stop))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str | bytes):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    # (defining `__eq__` leaves a span unhashable, as a list is)

    def __repr__(self) -> str:
        return f"<FillSpan of {len(self)} fills>"


def _read(get: Callable[[LoggedFill], _T]) -> Read[_T]:
    """A view's attribute, read from its row by `get` (a `property`, typed as what `get` reads)."""
    return property(get)


def _flag(bit: int, true: _T, false: _T) -> Read[_T]:
    return _read(lambda self: true if self._rows.flags[self._i] & bit else false)


class LoggedFill(Fill):
    """Fill i of a fill log, read as the `Fill` it stands for (and equal to it); a reset of the log leaves it be."""

    __slots__ = ("_rows", "_i")
    _rows: _Rows
    _i: int

    def __init__(self, rows: _Rows, i: int) -> None:
        _set_rows(self, rows)  # the slots' own setters: `object.__setattr__` by name costs twice as much
        _set_i(self, i)

    fill_id = _read(lambda self: self._rows.id(self._i, 0))
    order_id = _read(lambda self: self._rows.id(self._i, 1))
    user_id = _read(lambda self: self._rows.users[self._i])
    subaccount = _read(lambda self: self._rows.flags[self._i] >> _SUB_SHIFT)
    ticker = _read(lambda self: self._rows.places[self._i].ticker)
    event_ticker = _read(lambda self: self._rows.places[self._i].event_ticker)
    exchange_index = _read(lambda self: self._rows.places[self._i].exchange_index)
    side = _flag(_SIDE_YES, "yes", "no")
    action = _flag(_BUY, "buy", "sell")
    is_taker = _flag(_TAKER, True, False)
    count = _read(lambda self: self._rows.amount(self._i, 2))
    price = _read(lambda self: self._rows.amount(self._i, 3))
    fee = _read(lambda self: self._rows.amount(self._i, 4))
    post_position = _read(lambda self: self._rows.amount(self._i, 5))
    created = _read(lambda self: self._rows.time(self._i))
    client_order_id = _read(lambda self: self._rows.client_order_ids.get(self._i))

    @property
    def yes_price(self) -> Decimal:
        """The price of YES, whichever side was traded (positions.yes_price)."""
        units = self._rows.units(self._i, 3)
        return price(units if self._rows.flags[self._i] & _SIDE_YES else PRICE - units)

    def detached(self) -> Fill:
        """A plain `Fill` with the same values, that no later reset of the log changes."""
        return Fill(*(getattr(self, name) for name in Fill.__match_args__))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Fill):
            names = Fill.__match_args__
            return all(getattr(self, name) == getattr(other, name) for name in names)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(getattr(self, name) for name in Fill.__match_args__))

    def __reduce__(self) -> Any:
        return self.detached().__reduce__()


# The slots' descriptors, as the class holds them (`LoggedFill._rows` types as what the slot holds).
_SLOTS: dict[str, MemberDescriptorType] = {name: vars(LoggedFill)[name] for name in LoggedFill.__slots__}
_set_rows, _set_i = _SLOTS["_rows"].__set__, _SLOTS["_i"].__set__
