"""Resting orders: they never match, but count in the resting totals and a position's `resting_orders_count`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_CEILING, Decimal

from mockexchange.core.kalshi import positions
from mockexchange.core.kalshi.units import count_units, dollars, price_units


@dataclass(slots=True)
class RestingOrder:
    order_id: str
    user_id: str
    subaccount: int
    ticker: str
    exchange_index: int
    side: str
    action: str
    count: Decimal  # contracts still resting
    price: Decimal  # price of `side`, dollars
    created: datetime

    @property
    def value(self) -> Decimal:
        """What the order would pay if it filled: the price of the side it buys, times the count."""
        return dollars(count_units(self.count) * positions.price_paid(self.action, price_units(self.price)))


def _whole(count: Decimal) -> int:
    """Resting sizes are reported in whole contracts (`resting_orders_count` is an integer)."""
    return int(count.to_integral_value(rounding=ROUND_CEILING))
