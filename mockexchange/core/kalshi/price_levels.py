"""Kalshi's price level structures: which prices are levels of a market's book, as `price_ranges` lists them.

From Kalshi's fixed-point migration guide: `linear_cent` has a level every cent from $0 to $1; `deci_cent` one every
tenth of a cent; `tapered_deci_cent` tenths of a cent below $0.10 and above $0.90, cents between. A level is a price
strictly between 0 and 1 on the step of the range that holds it. Prices are in ten-thousandths of a dollar (units.py).
"""

from __future__ import annotations

from typing import NamedTuple

from mockexchange.core.kalshi.units import PRICE


class PriceRange(NamedTuple):
    start: int
    end: int
    step: int


STRUCTURES: dict[str, tuple[PriceRange, ...]] = {
    "linear_cent": (PriceRange(0, PRICE, 100),),
    "deci_cent": (PriceRange(0, PRICE, 10),),
    "tapered_deci_cent": (PriceRange(0, 1_000, 10), PriceRange(1_000, 9_000, 100), PriceRange(9_000, PRICE, 10)),
}


def _levels(ranges: tuple[PriceRange, ...]) -> frozenset[int]:
    """The prices strictly between 0 and PRICE that a range of the structure steps on."""
    return frozenset(p for r in ranges for p in range(r.start, r.end + 1, r.step) if 0 < p < PRICE)


# Each structure's levels, worked out once: every order placed asks whether its price is one.
_LEVELS = {name: _levels(ranges) for name, ranges in STRUCTURES.items()}


def is_level(structure: str, price: int) -> bool:
    """Whether `price` (price units) is a level of the structure's book."""
    return price in _LEVELS[structure]


def level_at_or_below(structure: str, price: int) -> int:
    """The highest level of the structure's book at or below `price` (0: none is)."""
    found = 0
    for start, end, step in STRUCTURES[structure]:
        if price > start:
            at = start + (min(price, end, PRICE - 1) - start) // step * step
            if at > found:
                found = at
    return found


def price_ranges(structure: str) -> tuple[PriceRange, ...]:
    return STRUCTURES[structure]


def worst_level(structure: str, buying_yes: bool) -> int:
    """The level farthest through the book for an order that takes at any price (a market order): the highest for a
    bid, the lowest for an ask."""
    ranges = STRUCTURES[structure]
    return ranges[-1].end - ranges[-1].step if buying_yes else ranges[0].start + ranges[0].step
