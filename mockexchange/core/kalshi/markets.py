"""Events and markets, and the record of what a market's settlement paid one position."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal


def event_of(ticker: str) -> str:
    """The event a market belongs to when nobody says: its ticker without the last dash-separated part, as in Kalshi's
    naming (KXFED-26DEC-T4.00 belongs to KXFED-26DEC); a ticker without a dash is its own event."""
    return ticker.rsplit("-", 1)[0] if "-" in ticker else ticker


@dataclass(slots=True)
class Event:
    event_ticker: str
    markets: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Market:
    ticker: str
    event_ticker: str
    exchange_index: int = 0
    result: str | None = None
    settled_time: datetime | None = None
    last_yes_price: Decimal | None = None  # the last fill's YES price: what positions are marked at


@dataclass(frozen=True, slots=True)
class Settlement:
    user_id: str
    subaccount: int
    ticker: str
    event_ticker: str
    exchange_index: int
    market_result: str
    yes_count: Decimal
    yes_total_cost: Decimal
    no_count: Decimal
    no_total_cost: Decimal
    revenue: Decimal  # dollars paid out
    fee_cost: Decimal  # fees paid on the market
    settled_time: datetime
