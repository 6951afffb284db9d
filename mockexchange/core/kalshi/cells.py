"""A fill's new row cells worked out in integers on the codes of its count, price and fee, as the Decimal way would
leave them (a batch's fast path: `Ledger._apply_batch`), or None where the Decimal way must be taken.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from mockexchange.core.columns import COEF_LIMIT, encode_all
from mockexchange.core.kalshi.event_totals import _POWERS, _share


def opening_terms(amounts: Sequence[Decimal], exchange_index: int) -> tuple[list[int], tuple[int, ...]] | None:
    """A new row's amount cells and its share of its event's totals (see `_share`), for `open_filled`; None where the
    common case does not hold (an amount not a Decimal, none of the codes or finer than the totals' units)."""
    for amount in amounts:
        if type(amount) is not Decimal:
            return None
    codes = encode_all(amounts)
    if None in codes:
        return None
    share = _share(codes, 0, exchange_index)  # type: ignore[arg-type]
    return None if share is None else (codes, share)  # type: ignore[return-value]


def opening_cells(
    count_code: int, pay_code: int, fee_code: int, buys_yes: bool, exchange_index: int, digits: int
) -> tuple[list[int], tuple[int, ...]] | None:
    """`opening_terms` of a fill's new row, worked out in integers on the codes of its count, of the price it pays for
    the side it buys and of its fee: the codes of position (+-count), market_exposure (the cost held to the
    micro-dollar), total_traded (count times price paid), realized_pnl (0), fees_paid and volume, each as `ZERO +` it
    leaves it (no exponent above 0), and its share. None where an amount would be rescaled or rounded, or would reach
    `digits` (the context's precision) or the codes' limit: there the Decimal way (`opening_terms`) is taken."""
    count_exponent, pay_exponent, fee_exponent = (count_code & 63) - 32, (pay_code & 63) - 32, (fee_code & 63) - 32
    exponent = count_exponent + pay_exponent
    digits = min(digits, 40)
    if not (-2 <= count_exponent <= 0 and -digits < pay_exponent <= 0 and -6 <= fee_exponent <= 0 and exponent >= -6):
        return None
    count = count_code >> 6
    cost = count * (pay_code >> 6)
    cost_units = cost * _POWERS[exponent + 6]
    if cost_units >= COEF_LIMIT or cost_units >= _POWERS[digits] or count <= 0 or cost <= 0:
        return None
    position = count if buys_yes else -count
    codes = [
        position * 64 + count_exponent + 32,
        cost_units * 64 + 26,
        cost * 64 + exponent + 32,
        32,
        fee_code,
        count_code,
    ]
    fee_units = (fee_code >> 6) * _POWERS[fee_exponent + 6]
    return codes, (exchange_index, 3, cost_units, count * _POWERS[count_exponent + 2], cost_units, 0, fee_units, 0)


def trade_cells(
    codes: Sequence[int],
    count_code: int,
    yes_code: int,
    buys_yes: bool,
    fee_code: int,
    exchange_index: int,
    digits: int,
) -> tuple[list[int], tuple[int, ...], int] | None:
    """A fill's new amount cells for a row of these six codes, worked out in integers as `Ledger.apply_fill` works
    them out in Decimal (`positions.trade`, the exposure held to the micro-dollar, then the price paid times the count
    added to total_traded, and realized P&L, fee and count added), with each amount's exponent as Decimal leaves it:
    (the six new codes, the row's share of its event's totals as `_share` makes it, the code of the cash the trade
    moves, fees apart). For a fill that adds to the position (or opens it from zero) or closes it whole; None for any
    other (a part closed: its basis is divided; a side flipped) and wherever an amount would be rescaled or rounded,
    or reach `digits` (the context's precision, rounding half even) or the codes' limit: there the Decimal way is
    taken. `yes_code`: the fill's YES price's code."""
    limit = min(_POWERS[min(digits, 40)], COEF_LIMIT)
    position, exposure, traded, realized, fees, volume = [(code >> 6, (code & 63) - 32) for code in codes]
    count, yes = (count_code >> 6, (count_code & 63) - 32), (yes_code >> 6, (yes_code & 63) - 32)
    if count[0] <= 0 or yes[1] >= 0 or not 0 < yes[0] < _POWERS[-yes[1]]:
        return None
    no = (_POWERS[-yes[1]] - yes[0], yes[1])  # 1 - the YES price: the NO price, at the YES price's exponent
    pay = yes if buys_yes else no  # the price paid for the side bought
    bought = (count[0] * pay[0], count[1] + pay[1])
    held = position[0]
    if held == 0 or (held > 0) == buys_yes:  # adds to the side held (or opens it): pay for it
        cash = _sum((0, 0), (-bought[0], bought[1]))
        exposure_after = _sum(exposure, bought)
        position_after = _sum(position, count if buys_yes else (-count[0], count[1]))
        made = (0, 0)  # realized: nothing
    else:  # closes the side held whole: receive its price; the whole basis is released
        if _sum(count, (-abs(held), position[1]))[0]:  # (a part closed, or a side flipped: the Decimal way)
            return None
        received = yes if held > 0 else no  # the held side's price
        proceeds = (abs(held) * received[0], position[1] + received[1])
        made = _sum(proceeds, (-exposure[0], exposure[1]))
        cash = _sum((0, 0), proceeds)
        exposure_after = (0, exposure[1])
        position_after = (0, position[1])
    if exposure_after[0] and exposure_after[1] < -6:  # (held to the micro-dollar: it would be rounded)
        return None
    amounts = (
        position_after,
        (exposure_after[0] * _POWERS[exposure_after[1] + 6] if exposure_after[0] else 0, -6),
        _sum(traded, bought),
        _sum(realized, made),
        _sum(fees, (fee_code >> 6, (fee_code & 63) - 32)),
        _sum(volume, count),
    )
    for coefficient, exponent in (*amounts, cash, bought, exposure_after, made):
        if not -limit < coefficient < limit or not -32 <= exponent <= 31:
            return None
    after = [c * 64 + e + 32 for c, e in amounts]
    share = _share(after, 0, exchange_index)
    return None if share is None else (after, share, cash[0] * 64 + cash[1] + 32)


def _sum(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int]:
    """Decimal's exact sum of two (coefficient, exponent) pairs: at the smaller exponent (a zero sum is +0)."""
    if a[1] <= b[1]:
        return a[0] + b[0] * _POWERS[b[1] - a[1]], a[1]
    return a[0] * _POWERS[a[1] - b[1]] + b[0], b[1]
