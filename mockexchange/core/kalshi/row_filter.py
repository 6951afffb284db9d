"""The row filters the store's sorted index cannot seek by: `count_filter` (which counts are non-zero) and the exchange
index.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mockexchange.core.kalshi.rows import COUNT_BITS, MarketPosition
from mockexchange.core.kalshi.stored_rows import StoredPosition


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
