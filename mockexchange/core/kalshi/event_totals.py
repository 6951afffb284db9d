"""An event's running totals (one owner's rows of one event in one settlement state): what each row adds to them, moved
as the row changes, and read back as an `EventRollup`.

The totals are held in parts, one per (exchange index, count mask) the event's rows have, so a filter on either
(`RowFilter`) sums only the parts it admits. A part is `_PART` integers in a Column: [exchange index, count mask, total
cost, contracts, exposure, realized P&L, fees, resting contracts], amounts in units.py's units. The ledger's bounds
(checks.py) keep every sum within 64 bits: an owner's contracts over all its rows stay under 10**12, so its dollars
under 10**18 micro-dollars.
"""

from __future__ import annotations

from collections.abc import Sequence

from mockexchange.core.columns import Column
from mockexchange.core.kalshi.row_filter import RowFilter
from mockexchange.core.kalshi.rows import EventRollup
from mockexchange.core.kalshi.units import contracts, dollars

_PART = 8
Share = tuple[int, int, int, int, int, int, int, int]


def share(cells: Sequence[int], resting: int, exchange_index: int) -> Share:
    """What a row of these six cells (positions.Cells) and resting contracts adds to its event's totals."""
    position, exposure, traded, realized, fees, volume = cells
    mask = (position != 0) | (traded != 0) << 1 | (resting != 0) << 2
    return (exchange_index, mask, traded, volume, exposure, realized, fees, resting)


def shift(totals: Column, before: Share | None, after: Share | None) -> None:
    """Move an event's running totals from holding `before` (a row's share, or None: nothing) to holding `after`. A
    share of zeros (a row just opened) holds nothing and takes no part."""
    if before is not None and not (before[2] or before[3] or before[4] or before[5] or before[6] or before[7]):
        before = None
    if after is not None and not (after[2] or after[3] or after[4] or after[5] or after[6] or after[7]):
        after = None
    if before is not None and after is not None and before[0] == after[0] and before[1] == after[1]:
        # (the same part, as a fill that leaves the row's mask alone moves it: one pass, by the difference)
        _add(totals, (after[0], after[1], after[2] - before[2], after[3] - before[3], after[4] - before[4],
                      after[5] - before[5], after[6] - before[6], after[7] - before[7]), 1)  # fmt: skip
        return
    if before is not None:
        _add(totals, before, -1)
    if after is not None:
        _add(totals, after, 1)


def _add(totals: Column, part: Share, sign: int) -> None:
    exchange_index, mask = part[0], part[1]
    for at in range(0, len(totals), _PART):
        if totals[at + 1] == mask and totals[at] == exchange_index:
            for i in range(2, _PART):
                if part[i]:
                    totals[at + i] += sign * part[i]
            return
    totals.extend((exchange_index, mask, *(sign * amount for amount in part[2:])))


def rollup(event_ticker: str, totals: Column, keep: RowFilter | None) -> EventRollup:
    """The sum of an event's parts that `keep` admits (every part if None), as an `EventRollup`."""
    sums = [0] * (_PART - 2)
    for at in range(0, len(totals), _PART):
        if keep is None or keep.admits(totals[at], totals[at + 1]):
            for i in range(_PART - 2):
                sums[i] += totals[at + 2 + i]
    cost, shares, exposure, realized, fees, resting = sums
    return EventRollup(
        event_ticker, dollars(cost), contracts(shares), dollars(exposure), dollars(realized), dollars(fees), resting
    )
