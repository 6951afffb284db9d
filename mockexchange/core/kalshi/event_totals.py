"""An event's running totals (one owner's rows of one event in one settlement state): what each row adds to them, moved
as the row changes, and read back as an `EventRollup`.

The totals are held in parts, one per (exchange index, count mask) the event's rows have, so a filter on either
(`RowFilter`) sums only the parts it admits. A part is `_PART` integers in a Column: [exchange index, count mask, total
cost, contracts, exposure, realized P&L, fees, resting contracts], amounts in units.py's units. The ledger's bounds
(checks.py) keep every sum within 64 bits: an owner's contracts over all its rows stay under 10**12, so its dollars
under 10**18 micro-dollars.
"""

from __future__ import annotations

from array import array

from mockexchange.core.columns import Column
from mockexchange.core.kalshi.row_filter import RowFilter
from mockexchange.core.kalshi.rows import EventRollup
from mockexchange.core.kalshi.units import contracts, dollars

_PART = 8
Share = tuple[int, int, int, int, int, int, int, int]


def share(cells: tuple[int, ...] | array, resting: int, exchange_index: int) -> Share:
    """What a row of these six cells (positions.Cells) and resting contracts adds to its event's totals."""
    position, exposure, traded, realized, fees, volume = cells
    mask = (position != 0) | (traded != 0) << 1 | (resting != 0) << 2
    return (exchange_index, mask, traded, volume, exposure, realized, fees, resting)


def _holds_nothing(part: Share) -> bool:
    return not (part[2] or part[3] or part[4] or part[5] or part[6] or part[7])


def shift(totals: Column, before: Share | None, after: Share | None) -> None:
    """Move an event's running totals from holding `before` (a row's share, or None: nothing) to holding `after`. A
    share of zeros (a row just opened) holds nothing and takes no part."""
    if before is not None and _holds_nothing(before):
        before = None
    if after is not None and _holds_nothing(after):
        after = None
    if before is not None and after is not None and before[0] == after[0] and before[1] == after[1]:
        at = _part_at(totals, before[0], before[1])
        assert at is not None, "a row's share is in its event's totals"
        _, _, b2, b3, b4, b5, b6, b7 = before
        _, _, a2, a3, a4, a5, a6, a7 = after
        t2, t3, t4, t5, t6, t7 = totals[at + 2 : at + _PART]
        totals[at + 2 : at + _PART] = array(
            "q", (t2 + a2 - b2, t3 + a3 - b3, t4 + a4 - b4, t5 + a5 - b5, t6 + a6 - b6, t7 + a7 - b7)
        )
        return
    if before is not None:
        _add(totals, before, -1)
    if after is not None:
        _add(totals, after, 1)


def _add(totals: Column, part: Share, sign: int) -> None:
    exchange_index, mask, s2, s3, s4, s5, s6, s7 = part
    at = _part_at(totals, exchange_index, mask)
    if at is None:
        totals.extend(
            array("q", (exchange_index, mask, sign * s2, sign * s3, sign * s4, sign * s5, sign * s6, sign * s7))
        )
        return
    t2, t3, t4, t5, t6, t7 = totals[at + 2 : at + _PART]
    totals[at + 2 : at + _PART] = array(
        "q", (t2 + sign * s2, t3 + sign * s3, t4 + sign * s4, t5 + sign * s5, t6 + sign * s6, t7 + sign * s7)
    )


def _part_at(totals: Column, exchange_index: int, mask: int) -> int | None:
    for at in range(0, len(totals), _PART):
        if totals[at + 1] == mask and totals[at] == exchange_index:
            return at
    return None


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
