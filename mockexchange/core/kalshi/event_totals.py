"""An event's running totals in integers (its parts, see `_PART`): what each row adds to them, moved as the row changes,
and read back as `EventRollup`s.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence

from mockexchange.core.columns import ODD, Column, scaled, units
from mockexchange.core.kalshi.row_filter import RowFilter
from mockexchange.core.kalshi.rows import EventRollup

# A part of an event's running totals, in micro-dollars (amounts), hundredths (contracts) and whole resting contracts:
# [exchange index, count mask, total cost, contracts, exposure, realized P&L, fees, resting]; an event that holds
# more parts than this, or an amount finer than these units, keeps `EventRollup`s instead.
_PART = 8
_MAX_PARTS = 32
_POWERS = [10**k for k in range(64)]
_NOTHING = (0,) * (_PART - 2)


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
