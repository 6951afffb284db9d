"""Compact columns: arrays of machine integers that pickle as plain bytes.

Large state (a million positions and their fills) is held column by column (core/kalshi's store and fill log): one
machine word per amount (an integer in fixed units, core/kalshi/units.py) instead of an object each. `Column` is an
`array.array` that pickles as (typecode, bytes, byte order), so a snapshot of the state (mockexchange/state/snapshot.py)
needs no pickle function, only this class, and reads back on either byte order. A cell whose value no machine word
holds (a time not in UTC) holds `ODD`, and its owner keeps the value whole beside the column.
"""

from __future__ import annotations

import sys
from array import array

ODD = -(1 << 63)  # a cell whose value no cell holds (a time not in UTC): its owner keeps the value beside the column


class Column(array):
    """An array of machine integers (or bytes) that pickles as its bytes, and reads back on either byte order."""

    def __new__(cls, typecode: str = "q", data: bytes = b"", byteorder: str = sys.byteorder) -> Column:
        column = super().__new__(cls, typecode, data)
        if byteorder != sys.byteorder:
            column.byteswap()
        return column

    def __reduce_ex__(self, protocol: object) -> tuple[type[Column], tuple[str, bytes, str]]:
        return type(self), (self.typecode, self.tobytes(), sys.byteorder)

    def __reduce__(self) -> tuple[type[Column], tuple[str, bytes, str]]:
        return self.__reduce_ex__(None)

    def __copy__(self) -> Column:
        return type(self)(self.typecode, self.tobytes())

    def __deepcopy__(self, memo: object) -> Column:
        return self.__copy__()
