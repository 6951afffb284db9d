"""Series, events and markets (every field of Kalshi 3.34.0's `Series`, `EventData` and `Market` the mock can know),
and the record of what a market's settlement paid one position.

A market's lifecycle (its status and the times that move it) is lifecycle.py's; its book and stats are kept on it
(book.py's `Book`, market_feed.py); what the wire shows of each is the venue's. Amounts are in the core's units
(units.py): prices in ten-thousandths of a dollar, counts in hundredths; a strike or a fee multiplier, JSON numbers on
the wire, is a `Decimal` kept exactly as given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, NamedTuple, Protocol

from mockexchange.core.book import Book
from mockexchange.core.columns import Column

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # a time not set yet (a market made directly, not listed by the ledger)

# Kalshi's words (3.34.0's enums).
STATUSES = ("initialized", "inactive", "active", "closed", "determined", "disputed", "amended", "finalized")
MARKET_TYPES = ("binary",)  # `scalar` markets are not modelled (docs/known-differences.md)
STRIKE_TYPES = ("greater", "greater_or_equal", "less", "less_or_equal", "between", "functional", "custom", "structured")
SETTLEMENT_BOUNDS_TYPES = ("default", "floor")
COLLATERAL_RETURN_TYPES = ("", "MECNET", "DIRECNET")
RESULTS = ("yes", "no")


def event_of(ticker: str) -> str:
    """The event a market belongs to when nobody says: its ticker without the last dash-separated part, as in Kalshi's
    naming (KXFED-26DEC-T4.00 belongs to KXFED-26DEC); a ticker without a dash is its own event."""
    return ticker.rsplit("-", 1)[0] if "-" in ticker else ticker


def series_of(event_ticker: str) -> str:
    """The series an event belongs to when nobody says: the event ticker's first dash-separated part (KXFED-26DEC
    belongs to KXFED)."""
    return event_ticker.split("-", 1)[0]


class SettlementSource(NamedTuple):
    name: str
    url: str


@dataclass(slots=True)
class Series:
    ticker: str
    title: str = ""
    frequency: str = "custom"
    category: str = ""
    categories: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    settlement_sources: list[SettlementSource] = field(default_factory=list)
    contract_url: str = ""
    contract_terms_url: str = ""
    fee_type: str = "quadratic"
    fee_multiplier: Decimal = Decimal(1)
    additional_prohibitions: list[str] = field(default_factory=list)
    product_metadata: dict[str, Any] | None = None
    last_updated: datetime = EPOCH
    events: list[str] = field(default_factory=list)  # its events' tickers, in the order they were listed


@dataclass(slots=True)
class Event:
    event_ticker: str
    markets: list[str] = field(default_factory=list)
    series_ticker: str = ""
    title: str = ""
    sub_title: str = ""
    collateral_return_type: str = ""
    category: str = ""
    settlement_sources: list[SettlementSource] = field(default_factory=list)
    strike_date: datetime | None = None
    strike_period: str | None = None
    fee_type_override: str | None = None
    fee_multiplier_override: Decimal | None = None
    product_metadata: dict[str, Any] | None = None
    exchange_index: int = 0
    last_updated: datetime = EPOCH

    @property
    def mutually_exclusive(self) -> bool:
        """Kalshi's: true exactly when the collateral return type is MECNET."""
        return self.collateral_return_type == "MECNET"


class Place(Protocol):
    """The market a fill was made in or a position row is in: the ledger's `Market`, or what names it as one does (its
    ticker, event and exchange index never change)."""

    ticker: str
    event_ticker: str
    exchange_index: int


@dataclass(slots=True)
class Market:
    ticker: str
    event_ticker: str
    exchange_index: int = 0
    result: str | None = None  # "yes" or "no" once determined
    settled_time: datetime | None = None  # when its positions were paid (status finalized)
    last_yes_price: Decimal | None = None  # the last fill's YES price: what positions are marked at
    market_id: str = ""
    market_type: str = "binary"
    title: str = ""
    subtitle: str = ""
    yes_sub_title: str = ""
    no_sub_title: str = ""
    created_time: datetime = EPOCH
    updated_time: datetime = EPOCH  # the last change of what is not trading (Kalshi's `updated_time`)
    open_time: datetime = EPOCH
    close_time: datetime = EPOCH
    expected_expiration_time: datetime | None = None
    latest_expiration_time: datetime = EPOCH
    settlement_timer_seconds: int = 300
    status: str = "active"
    can_close_early: bool = True
    early_close_condition: str | None = None
    expiration_value: str = ""
    rules_primary: str = ""
    rules_secondary: str = ""
    price_level_structure: str = "linear_cent"
    settlement_bounds_type: str = "default"
    strike_type: str | None = None
    floor_strike: Decimal | None = None
    cap_strike: Decimal | None = None
    functional_strike: str | None = None
    custom_strike: dict[str, Any] | None = None
    fee_waiver_expiration_time: datetime | None = None
    occurrence_datetime: datetime | None = None
    primary_participant_key: str | None = None
    is_provisional: bool | None = None
    determined_time: datetime | None = None
    settles_at: datetime | None = None  # when a determined market's positions are paid (its settlement timer)
    settlement_value: int | None = None  # the YES side's value once determined, price units
    # The book (scripted liquidity and, later, resting orders) on the YES side, made on first use; its clock counts
    # the exchange actions that changed it (Kalshi's `clock`); `house` maps (side, price) to the house's order there.
    book: Book | None = field(default=None, compare=False, repr=False)
    book_clock: int = 0
    house: dict[tuple[str, int], str] | None = None
    house_orders: int = 0  # the house's orders made in this book so far (their ids)
    # The top of its book each time it changed: (microseconds, best bid, best ask; -1 for an empty side), a row of
    # three cells each (candles.py reads them)
    quotes: Column | None = field(default=None, compare=False, repr=False)
    # The stats trades and book changes keep (market_feed.py): counts in hundredths, prices in price units.
    volume: int = 0
    volume_24h: int = 0
    window_from: int = 0  # the first of its trades (its position in `market_trades`) inside the last 24 hours
    last_trade_size: int | None = None
    yes_held: int = 0  # YES contracts held over all accounts
    no_held: int = 0  # NO contracts held over all accounts
    day_ends: datetime = EPOCH  # the end of the UTC day of the last change the previous day's stats saw
    previous_yes_bid: int | None = None
    previous_yes_ask: int | None = None
    previous_price: int | None = None
    version: int = 0  # bumped on every change to what a read of the market shows (the venues' render cache)
    fee_rule: tuple[Any, Any] | None = field(
        default=None, compare=False, repr=False
    )  # (the ledger's base schedule, the rule its fills pay), worked out once

    @property
    def finalized(self) -> bool:
        return self.settled_time is not None


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
