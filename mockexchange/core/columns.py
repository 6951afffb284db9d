"""Compact columns: arrays of machine integers that pickle as plain bytes.

Large state (a million positions and their fills) is held column by column (core/kalshi's store and fill log): one
machine word per amount (an integer in fixed units, core/kalshi/units.py) instead of an object each. `Column` is an
`array.array` that pickles as (typecode, bytes, byte order), so a snapshot of the state (mockexchange/state/snapshot.py)
needs no pickle function, only this class, and reads back on either byte order. A cell whose value no machine word
holds (a time not in UTC) holds `ODD`, and its owner keeps the value whole beside the column.

The rows are handed out as views (core/kalshi's `StoredPosition`, `LoggedFill`) whose attributes are properties reading
the columns; `Read` and `ReadWrite` type such a property as the value it reads.
"""

from __future__ import annotations

import sys
from array import array
from copy import deepcopy
from typing import TYPE_CHECKING, Any, Protocol, Self, TypeVar, overload

ODD = -(1 << 63)  # a cell whose value no cell holds (a time not in UTC): its owner keeps the value beside the column


_T = TypeVar("_T")
_T_co = TypeVar("_T_co", covariant=True)


class Read(Protocol[_T_co]):
    """A view's attribute read from its columns (a `property`), typed as what it reads."""

    @overload
    def __get__(self, view: None, owner: Any, /) -> Self: ...
    @overload
    def __get__(self, view: object, owner: Any, /) -> _T_co: ...


class ReadWrite(Protocol[_T]):
    """A view's attribute read from and written to its columns (a `property` with a setter)."""

    @overload
    def __get__(self, view: None, owner: Any, /) -> Self: ...
    @overload
    def __get__(self, view: object, owner: Any, /) -> _T: ...
    def __set__(self, view: Any, value: _T, /) -> None: ...


if TYPE_CHECKING:
    _Integers = array[int]
else:
    _Integers = array  # (`array` takes no type argument at run time before Python 3.12)


class Column(_Integers):
    """An array of machine integers (or bytes) that pickles as its bytes, and reads back on either byte order."""

    __slots__ = ()  # (no attribute dictionary: 80 bytes a column, not 96, where there is one an event or a user)

    def __new__(cls, typecode: str = "q", data: bytes = b"", byteorder: str = sys.byteorder) -> Self:
        column = super().__new__(cls, typecode, data)
        if byteorder != sys.byteorder:
            column.byteswap()
        return column

    def __reduce_ex__(self, protocol: object) -> tuple[type[Column], tuple[Any, ...]]:
        return type(self), (self.typecode, self.tobytes(), sys.byteorder)

    def __reduce__(self) -> tuple[type[Column], tuple[Any, ...]]:
        return self.__reduce_ex__(None)

    def __copy__(self) -> Column:
        cls, args = self.__reduce_ex__(None)
        return cls(*args)

    def __deepcopy__(self, memo: dict[int, Any]) -> Column:
        cls, args = self.__reduce_ex__(None)
        return cls(*deepcopy(args, memo))
