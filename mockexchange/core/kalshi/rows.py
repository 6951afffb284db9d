"""A market position row (`MarketPosition`) and an event's roll-up of its rows (`EventRollup`): what the venues render.
The store keeps rows column by column and hands out views that read as these (stored_rows.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from decimal import Decimal
from typing import Literal

from mockexchange.core.money import ZERO

SettlementState = Literal["unsettled", "settled", "archived"]  # archived: GET /historical/positions only
SettlementStatus = Literal["unsettled", "settled", "all", "archived"]
PositionKey = tuple[str, str]  # (event_ticker, ticker)


@dataclass(slots=True)
class MarketPosition:
    user_id: str
    subaccount: int
    ticker: str
    event_ticker: str
    exchange_index: int
    last_updated: datetime
    position: Decimal = ZERO
    market_exposure: Decimal = ZERO
    total_traded: Decimal = ZERO
    realized_pnl: Decimal = ZERO
    fees_paid: Decimal = ZERO
    volume: Decimal = ZERO  # contracts traded, both directions
    resting_orders_count: int = 0
    settled: bool = False
    # Stamped by the store (`PositionStore._stamp`) on `add`, at the end of every `changing` block and on
    # `mark_settled`: one store never stamps two states of a row alike, and a snapshot copies it. KEEP THIS: the
    # Kalshi venue's render cache (venues/kalshi/fragments.py) keys each row's rendered bytes on it, so a row whose
    # amounts change without a new stamp would be served stale.
    version: int = field(default=0, compare=False, repr=False)

    @property
    def key(self) -> PositionKey:
        return (self.event_ticker, self.ticker)

    def snapshot(self) -> MarketPosition:
        # The constructor, not dataclasses.replace: a page snapshots every row it serves (7x faster per row).
        return MarketPosition(
            self.user_id, self.subaccount, self.ticker, self.event_ticker, self.exchange_index, self.last_updated,
            self.position, self.market_exposure, self.total_traded, self.realized_pnl, self.fees_paid, self.volume,
            self.resting_orders_count, self.settled, self.version,
        )  # fmt: skip


@dataclass(slots=True)
class EventRollup:
    event_ticker: str
    total_cost: Decimal = ZERO
    total_cost_shares: Decimal = ZERO
    event_exposure: Decimal = ZERO
    realized_pnl: Decimal = ZERO
    fees_paid: Decimal = ZERO
    resting_orders_count: int = 0

    def add(self, row: MarketPosition, sign: int = 1) -> None:
        self.total_cost += sign * row.total_traded
        self.total_cost_shares += sign * row.volume
        self.event_exposure += sign * row.market_exposure
        self.realized_pnl += sign * row.realized_pnl
        self.fees_paid += sign * row.fees_paid
        self.resting_orders_count += sign * row.resting_orders_count

    def merged(self, other: EventRollup) -> EventRollup:
        sums = (getattr(self, f.name) + getattr(other, f.name) for f in fields(self)[1:])  # each field but the ticker
        return EventRollup(self.event_ticker, *sums)


# What `count_filter` can name: a row passes when any named count is non-zero.
COUNT_BITS = {"position": 1, "total_traded": 2, "resting_order_count": 4}
