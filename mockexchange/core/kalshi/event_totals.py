"""An event's running totals (one owner's rows of one event in one settlement state): what each row adds to them, moved
as the row changes, and read back as an `EventRollup`.

The totals are held in parts, one per (exchange index, count mask) the event's rows have, so a filter on either
(`RowFilter`) sums only the parts it admits. A part is `_PART` integers in a Column: its key (`_KEY` plus the exchange
index and count mask, `_key`), then total cost, contracts, exposure, realized P&L, fees and resting contracts, amounts
in units.py's units. The ledger's bounds (checks.py) keep every sum within 64 bits: an owner's contracts over all its
rows stay under 10**12, so its dollars under 10**18 micro-dollars, and no sum reaches a key (2**62 and up): a part is
found by its key with the Column's own search (`index`), and its six amounts read and written at once (struct).
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import sub
from struct import Struct

from mockexchange.core.columns import Column
from mockexchange.core.kalshi.row_filter import RowFilter
from mockexchange.core.kalshi.rows import EventRollup
from mockexchange.core.kalshi.units import contracts, dollars

_PART = 7
_KEY = 1 << 62  # a part's first cell: this, plus its exchange index (shifted past the count mask's 3 bits) and mask
_AMOUNTS = Struct("6q")  # a part's six amounts, after its key
_WORDS = Struct(f"{_PART}q")
# What a row adds to its event's totals: its part's key, then its six amounts in the part's order.
Share = tuple[int, int, int, int, int, int, int]
_NOTHING: Share = (0, 0, 0, 0, 0, 0, 0)  # (what a row that is not there adds)


def share(cells: Sequence[int], resting: int, exchange_index: int) -> Share:
    """What a row of these six cells (positions.Cells) and resting contracts adds to its event's totals."""
    position, exposure, traded, realized, fees, volume = cells
    key = _KEY + (exchange_index << 3 | (position != 0) | (traded != 0) << 1 | (resting != 0) << 2)
    return (key, traded, volume, exposure, realized, fees, resting)


def shift(totals: Column, before: Share | None, after: Share | None) -> None:
    """Move an event's running totals from holding `before` (a row's share, or None: nothing) to holding `after`. A
    share of zeros (a row just opened) holds nothing and takes no part."""
    if before is not None and after is not None and before[0] == after[0]:
        _add(totals, after, before)  # (the same part, as a fill that leaves the row's mask alone moves it: one pass)
        return
    if before is not None:
        _add(totals, _NOTHING, before)
    if after is not None:
        _add(totals, after, _NOTHING)


def _add(totals: Column, part: Share, less: Share) -> None:
    """Add `part` less `less` (two shares of one part, either may be `_NOTHING`) to their part of the totals; a part
    the totals lack is made only if the difference holds something."""
    key = less[0] if part is _NOTHING else part[0]
    try:
        at = totals.index(key)
    except ValueError:
        amounts = tuple(map(sub, part[1:], less[1:]))
        if any(amounts):
            totals.frombytes(_WORDS.pack(key, *amounts))
        return
    offset = (at + 1) * totals.itemsize
    cost, shares, exposure, realized, fees, resting = _AMOUNTS.unpack_from(totals, offset)
    _AMOUNTS.pack_into(
        totals, offset, cost + part[1] - less[1], shares + part[2] - less[2], exposure + part[3] - less[3],
        realized + part[4] - less[4], fees + part[5] - less[5], resting + part[6] - less[6],
    )  # fmt: skip


def rollup(event_ticker: str, totals: Column, keep: RowFilter | None) -> EventRollup:
    """The sum of an event's parts that `keep` admits (every part if None), as an `EventRollup`."""
    cost = shares = exposure = realized = fees = resting = 0
    parts = _WORDS.iter_unpack(totals)
    for key, part_cost, part_shares, part_exposure, part_realized, part_fees, part_resting in parts:
        part = key - _KEY
        if keep is None or keep.admits(part >> 3, part & 7):
            cost += part_cost
            shares += part_shares
            exposure += part_exposure
            realized += part_realized
            fees += part_fees
            resting += part_resting
    return EventRollup(
        event_ticker, dollars(cost), contracts(shares), dollars(exposure), dollars(realized), dollars(fees), resting
    )
