"""What a Kalshi market's public changes publish on the bus: its book's levels moved, a trade printed, its lifecycle
moved (a combo market's under a kind of its own, and its event's listing), the clock moved its status; and what those
who render them read of a market (`MarketFeed`, `MarketStats`). The market data channels (orderbook_delta, ticker,
trade, market_lifecycle_v2, multivariate_market_lifecycle), the inspector and the REST caches read these; nothing here
knows how they are rendered.

Each is published with `user_id` None (a market's changes are everyone's), under the ledger's lock, in the order they
happened. Amounts are in the core's units (units.py): prices in ten-thousandths of a dollar on the YES book, counts in
hundredths of a contract.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple, Protocol

from mockexchange.core.book import LevelChange
from mockexchange.core.kalshi.price_levels import PriceRange

BOOK = "market_book"  # BookMoved
TRADE = "market_trade"  # Trade
LIFECYCLE = "market_lifecycle"  # Lifecycle
STATUS = "market_status"  # StatusMoved
MVE_LIFECYCLE = "multivariate_lifecycle"  # Lifecycle of a combo market (multivariate.py)
MVE_EVENT = "multivariate_event"  # EventCreated: a combo event listed
EVENT = "market_event"  # EventCreated: an event listed (not a combo's: MVE_EVENT)
EVENT_FEE = "event_fee"  # EventFee: an event's fee override set or cleared
# A market's terms a `metadata_updated` lifecycle change tells (those the update changed: `Lifecycle.updated`)
METADATA = ("strike_type", "floor_strike", "cap_strike", "custom_strike", "yes_sub_title")


class Cause(NamedTuple):
    """Whose order moved the book (Kalshi shows it only to that user: `client_order_id`, `subaccount`). (A tuple:
    every order command makes one.)"""

    user_id: str
    subaccount: int
    client_order_id: str | None


@dataclass(frozen=True, slots=True)
class BookMoved:
    """One exchange action's changes to one market's book, in the order they happened. `clock` is the market's book
    clock after it: it counts the actions that changed the book, so a snapshot names the newest it includes and a
    delta the one that made it (Kalshi's `clock`)."""

    ticker: str
    clock: int
    levels: tuple[LevelChange, ...]  # on the YES book: bids, and asks (a NO bid at 1 - price)
    at: datetime
    cause: Cause | None = None  # None: scripted liquidity (the house), a settlement, a reset


@dataclass(frozen=True, slots=True)
class Trade:
    """One trade printed on a market (`GET /markets/trades`, the `trade` channel)."""

    trade_id: str
    ticker: str
    count: int  # hundredths of a contract
    yes_price: int  # ten-thousandths of a dollar
    taker_outcome_side: str  # "yes" (buy YES, sell NO) or "no" (buy NO, sell YES)
    created: datetime
    is_block_trade: bool = False

    @property
    def taker_book_side(self) -> str:
        """The same bit in the book's words: a YES taker bids, a NO taker asks."""
        return "bid" if self.taker_outcome_side == "yes" else "ask"


@dataclass(frozen=True, slots=True)
class MarketTerms:
    """What a market's `created` lifecycle event tells of it (Kalshi's `additional_metadata` and `exchange_index`)."""

    event_ticker: str
    name: str
    title: str
    yes_sub_title: str
    no_sub_title: str
    rules_primary: str
    rules_secondary: str
    can_close_early: bool
    expected_expiration: datetime
    exchange_index: int = 0
    strike_type: str | None = None
    floor_strike: Decimal | None = None
    cap_strike: Decimal | None = None
    custom_strike: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Lifecycle:
    """A market's lifecycle moved (Kalshi's `market_lifecycle_v2` event types: created, activated, deactivated,
    close_date_updated, determined, settled, price_level_structure_updated, metadata_updated). The optional fields are
    what the event tells beside its type, as of the moment it happened (None: the event does not tell it): `created`
    its times, terms and price levels; `close_date_updated` the new close time; `determined` the result and the
    settlement value; `price_level_structure_updated` the structure and its ranges; `metadata_updated` the terms it
    changed (`updated`, their values in `terms`). `at` is when it happened (a `determined`
    event's determination time, a `settled` event's settlement time)."""

    ticker: str
    event_type: str
    at: datetime
    open_time: datetime | None = None
    close_time: datetime | None = None
    result: str | None = None  # "yes", "no", "scalar", ...
    settlement_value: int | None = None  # what a YES contract pays, in ten-thousandths of a dollar
    price_level_structure: str | None = None  # linear_cent, deci_cent, tapered_deci_cent, ...
    price_ranges: tuple[PriceRange, ...] | None = None
    terms: MarketTerms | None = None
    updated: tuple[str, ...] = ()  # `metadata_updated`: the terms (of METADATA) the update changed, `terms` now


@dataclass(frozen=True, slots=True)
class EventCreated:
    """An event was listed (Kalshi's `event_lifecycle`: a combo event's on the multivariate channel, any other's on
    market_lifecycle_v2): what it tells of the event. `ticker` is the event's (what a market change is routed by)."""

    ticker: str
    series_ticker: str
    title: str
    sub_title: str
    collateral_return_type: str
    exchange_index: int
    at: datetime
    strike_date: datetime | None = None
    strike_period: str | None = None


@dataclass(frozen=True, slots=True)
class EventFee:
    """An event's fee override was set or cleared (Kalshi's `event_fee_update`): the override now (None: cleared)."""

    ticker: str  # the event's
    fee_type: str | None
    fee_multiplier: Decimal | None
    at: datetime


@dataclass(frozen=True, slots=True)
class StatusMoved:
    """The exchange clock moved a market's status where Kalshi publishes no lifecycle event: it opened at its
    `open_time` (`active`), or closed at its `close_time` (`closed`). For those who show a market's status (the
    inspector); no channel sends it."""

    ticker: str
    status: str
    at: datetime


@dataclass(frozen=True, slots=True)
class MarketStats:
    """What a market read and the `ticker` channel show of a market at one moment, in the core's units (None: there
    is none: an empty side of the book, no trade yet). The `previous_*` are as of the end of the previous day."""

    yes_bid: int | None
    yes_bid_size: int
    yes_ask: int | None
    yes_ask_size: int
    last_price: int | None
    last_trade_size: int | None
    volume: int
    volume_24h: int
    open_interest: int
    previous_yes_bid: int | None
    previous_yes_ask: int | None
    previous_price: int | None


class MarketFeed(Protocol):
    """What the market data channels and reads ask of the Kalshi core about one market, under the ledger's lock."""

    def market_id(self, ticker: str) -> str | None:
        """The market's id (a UUID, Kalshi's `market_id`); None: no such market."""
        ...

    def market_ticker(self, market_id: str) -> str | None:
        """The ticker of the market with this id; None: no such market (the ticker channel subscribes by id)."""
        ...

    def book_levels(self, ticker: str, depth: int | None = None) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        """The market's YES book: its bids and its asks as (price, size), best first, `depth` of each at most."""
        ...

    def book_clock(self, ticker: str) -> int:
        """The market's book clock: the `clock` of its newest `BookMoved` (0: its book never moved)."""
        ...

    def stats(self, ticker: str) -> MarketStats: ...
