"""A perps position and what a fill does to it: the one rule of entry price and realized P&L.

A position is its signed size (hundredths of a contract: long above 0) and its entry cost, the micro-dollars its
open contracts cost (its entry price is cost / size, an exact average); a fill that adds to it adds its own cost; one
that reduces it releases the closed part's share of the cost (cost x closed / size, to the micro-dollar, a tie to the
even one; a whole close releases it all) and realizes (exit value - released cost) for a long, the reverse for a
short; one that crosses zero closes the position, then opens the rest at its price. Cash moves by the realized P&L
(and the fee, beside): nothing is paid to open. So a fill moves a buyer's (cash - signed cost) by -value and a
seller's by +value: money is conserved apart from fees.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import NamedTuple

from mockexchange.core.perps.units import CONTRACT, DOLLAR, notional
from mockexchange.core.rounding import half_even


@dataclass(slots=True)
class PerpPosition:
    size: int = 0  # hundredths of a contract, signed: long above 0
    entry_cost: int = 0  # micro-dollars the open contracts cost (never negative)
    fees: int = 0  # micro-dollars paid while it is open (0 again once it closes)
    realized: int = 0  # micro-dollars realized over its life
    funding: int = 0  # micro-dollars of funding over its life, as its cash moved: received above 0, paid below

    def entry_price(self) -> Fraction | None:
        """Dollars a contract the open contracts cost, exactly; None when flat."""
        return entry_price(self.entry_cost, self.size)

    def unrealized(self, mark: int) -> int:
        """Micro-dollars the open contracts gain at `mark` (price units)."""
        value = notional(abs(self.size), mark)
        return value - self.entry_cost if self.size > 0 else self.entry_cost - value


class FillEffect(NamedTuple):
    realized: int  # micro-dollars
    entry_cost: int  # the entry price its P&L is reckoned from (cost over size, as kept)
    entry_size: int


def entry_price(cost: int, size: int) -> Fraction | None:
    return Fraction(cost * CONTRACT, abs(size) * DOLLAR) if size else None


def fill(position: PerpPosition, buys: bool, count: int, price: int) -> FillEffect:
    """Apply a fill of `count` at `price` (bought if `buys`) to `position`; answer the P&L it realized and the entry
    price it was reckoned from (the position's before, where it reduces it; after, where it only adds)."""
    signed = count if buys else -count
    size = position.size
    if size == 0 or (size > 0) == buys:  # opens or adds
        position.size += signed
        position.entry_cost += notional(count, price)
        return FillEffect(0, position.entry_cost, position.size)
    held = abs(size)
    closed = min(count, held)
    released = position.entry_cost if closed == held else half_even(position.entry_cost * closed, held)
    value = notional(closed, price)
    realized = value - released if size > 0 else released - value
    effect = FillEffect(realized, position.entry_cost, size)
    position.entry_cost -= released
    position.size += signed
    position.realized += realized
    if closed < count:  # crossed zero: the rest opens at the fill's price
        position.entry_cost = notional(count - closed, price)
    return effect
