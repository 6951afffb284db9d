"""Series, events and markets (every field of Kalshi 3.34.0's `Series`, `EventData` and `Market` the mock can know),
and the record of what a market's settlement paid one position.

A market's lifecycle (its status and the times that move it) is lifecycle.py's; its book and stats are kept on it
(book.py's `Book`, market_feed.py); what the wire shows of each is the venue's. Amounts are in the core's units
(units.py): prices in ten-thousandths of a dollar, counts in hundredths; a strike or a fee multiplier, JSON numbers on
the wire, is a `Decimal` kept exactly as given.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Generic, NamedTuple, Protocol, TypeVar, overload

from mockexchange.core.book import Book
from mockexchange.core.columns import Column
from mockexchange.core.ids import TickerIds, uuid_text

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


def short_title(ticker: str) -> str:
    """A market's YES and NO short titles when nobody says: its ticker's last dash-separated part (T4.00 for
    KXFED-26DEC-T4.00)."""
    return ticker.rsplit("-", 1)[-1]


def series_of(event_ticker: str) -> str:
    """The series an event belongs to when nobody says: the event ticker's first dash-separated part (KXFED-26DEC
    belongs to KXFED)."""
    return event_ticker.split("-", 1)[0]


class SettlementSource(NamedTuple):
    name: str
    url: str


class MarketDetail(NamedTuple):
    """What an event's metadata shows of one of its markets."""

    market_ticker: str
    image_url: str
    color_code: str


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
    # (Its sources and its markets' details are given whole, never added to: none is one empty tuple, shared, where
    # an empty list an event cost 112 bytes, 11 a market of a ten-market event.)
    settlement_sources: Sequence[SettlementSource] = ()
    strike_date: datetime | None = None
    strike_period: str | None = None
    fee_type_override: str | None = None
    fee_multiplier_override: Decimal | None = None
    product_metadata: dict[str, Any] | None = None
    # Its metadata (GET /events/{event_ticker}/metadata; None: not set, left out)
    image_url: str = ""
    featured_image_url: str | None = None
    # (a sports event's competition, Kalshi's "Pro Football", and its scope in it, "Game": also what
    # GET /search/filters_by_sport lists under its series' sports)
    competition: str | None = None
    competition_scope: str | None = None
    market_details: Sequence[MarketDetail] = ()
    exchange_index: int = 0
    last_updated: datetime = EPOCH
    # (the ledger's base schedule, the rule its markets' fills pay), worked out once (catalogue.py's `fee_rule_for`)
    fee_rule: tuple[Any, Any] | None = field(default=None, compare=False, repr=False)

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


# Every account's row in a market (the position store's, for settlement and a fill's look-up): its handle, or
# {owner: handle} once two accounts hold one; None: no row.
Holders = int | dict[int, int] | None


class HeldMarket(Protocol):
    """What the position store files a market's rows on (the ledger's `Market`, or a place of the store's own for a
    ticker the catalogue does not list): its holders."""

    holders: Holders


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Contract:
    """What a market's contract says that most markets leave as Kalshi's defaults: one shared instance (`TERMS`) until a
    market sets one of these, and then one of its own. Its title and its sides' short titles are None until given: the
    market's ticker (the title) and its last part (`short_title`) say them."""

    title: str | None = None
    yes_sub_title: str | None = None
    no_sub_title: str | None = None
    market_type: str = "binary"
    subtitle: str = ""
    expected_expiration_time: datetime | None = None
    settlement_timer_seconds: int = 300
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


@dataclass(frozen=True, slots=True)
class Outcome:
    """How a market ended: nothing (`UNDETERMINED`, shared) until it is determined."""

    result: str | None = None  # "yes" or "no" once determined
    settled_time: datetime | None = None  # when its positions were paid (status finalized)
    determined_time: datetime | None = None
    settles_at: datetime | None = None  # when a determined market's positions are paid (its settlement timer)
    settlement_value: int | None = None  # the YES side's value once determined, price units


@dataclass(frozen=True, slots=True)
class PreviousDay:
    """The previous UTC day's last quotes and price (market_feed.py rolls them), and the end of the UTC day of the last
    change they saw: none (`NO_DAY`, shared) at first, or the day's end of the markets listed at one instant (one for
    them all: catalogue.py)."""

    previous_yes_bid: int | None = None
    previous_yes_ask: int | None = None
    previous_price: int | None = None
    day_ends: datetime = EPOCH


@dataclass(slots=True)
class BookKeeping:
    """What a market keeps of its book beside its levels, one part made with the book's first change, not four slots
    on every market (most never have a book): its clock (Kalshi's `clock`: the exchange actions that changed it), the
    house's orders in it ((side, price) -> order id) and how many the house made there (their ids), and the top of the
    book each time it moved: (microseconds, best bid, best ask; -1 for an empty side), a row of three cells each
    (candles.py reads them)."""

    clock: int = 0
    house: dict[tuple[str, int], str] | None = None
    house_orders: int = 0
    quotes: Column | None = field(default=None, compare=False, repr=False)


class MarketBook(Book):
    """A market's book (scripted liquidity and resting orders on the YES side) and what is kept of it beside its
    levels (`kept`), made with it: one slot on every market, where most never have a book."""

    def __init__(self) -> None:
        super().__init__()
        self.kept = BookKeeping()


@dataclass(frozen=True, slots=True)
class Times:
    """When a market was listed, last changed other than by trading (Kalshi's `updated_time`), opens, closes and
    expires at the latest: one instance for the markets listed at one instant (catalogue.py), until one of them
    changes one of these; `NOT_LISTED` (shared) for a market made directly, not listed by the ledger."""

    created_time: datetime = EPOCH
    updated_time: datetime = EPOCH
    open_time: datetime = EPOCH
    close_time: datetime = EPOCH
    latest_expiration_time: datetime = EPOCH


class Window(NamedTuple):
    """A market's 24-hour window: what of its volume traded before it (its 24-hour volume is the rest) and the first of
    its trades inside it (its position in `market_trades`). One part, not two slots on every market: most markets'
    trades never age out of it and share `NO_WINDOW`."""

    aged: int = 0
    start: int = 0


TERMS, UNDETERMINED, NO_DAY, NOT_LISTED, NO_WINDOW = Contract(), Outcome(), PreviousDay(), Times(), Window()


@dataclass(frozen=True, slots=True)
class MarketListing:
    """What a market was listed with, which most markets share: the key its id is derived under (ids.TickerIds; or
    the id, where the ledger's generator draws text), its times, its contract's terms and its outcome. One instance
    for the markets listed at one instant (catalogue.py) until one of them changes a part, and then one of its own:
    one slot a market where four were (bench/README.md, "Fills at scale"). `UNLISTED` (shared) for a market made
    directly, not listed by the ledger."""

    kept_id: TickerIds | str = ""
    times: Times = NOT_LISTED
    terms: Contract = TERMS
    outcome: Outcome = UNDETERMINED


UNLISTED = MarketListing()


class _Kept(Generic[T]):
    """A market's field kept in one of its parts (`part`, a frozen dataclass most markets share): read through the
    part, written as a new part. Markets are many and most never set these, so a market holds one reference for each
    part, not a slot for each field (bench/README.md, "Fills at scale")."""

    __slots__ = ("part", "name")

    def __init__(self, part: str) -> None:
        self.part = part
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, market: None, owner: type) -> _Kept[T]: ...
    @overload
    def __get__(self, market: object, owner: type | None = None) -> T: ...
    def __get__(self, market: object, owner: type | None = None) -> T | _Kept[T]:
        if market is None:
            return self
        return getattr(getattr(market, self.part), self.name)

    def __set__(self, market: object, value: T) -> None:
        setattr(market, self.part, replace(getattr(market, self.part), **{self.name: value}))


class _Titled(_Kept[str]):
    """A market's title kept in its `terms`; one not given is the one its ticker makes (`made`): no market holds a
    string of its own for what its ticker says already."""

    __slots__ = ("made",)

    def __init__(self, made: Callable[[str], str]) -> None:
        super().__init__("terms")
        self.made = made

    @overload
    def __get__(self, market: None, owner: type) -> _Titled: ...
    @overload
    def __get__(self, market: object, owner: type | None = None) -> str: ...
    def __get__(self, market: Any, owner: type | None = None) -> str | _Titled:
        if market is None:
            return self
        given: str | None = getattr(market.terms, self.name)
        return self.made(market.ticker) if given is None else given


@dataclass(slots=True)
class Market:
    ticker: str
    event_ticker: str
    exchange_index: int = 0
    last_yes_price: Decimal | None = None  # the last fill's YES price: what positions are marked at
    listing: MarketListing = UNLISTED  # its id's key, times, terms and outcome: read and written through their parts
    status: str = "active"
    # The book and what is kept of it beside its levels (`keeping`), made on first use.
    book: MarketBook | None = field(default=None, compare=False, repr=False)
    # The stats trades and book changes keep (market_feed.py): counts in hundredths, prices in price units.
    volume: int = 0
    window: Window = NO_WINDOW  # of its volume, what traded before the last 24 hours, and where they start
    yes_held: int = 0  # YES contracts held over all accounts
    no_held: int = 0  # NO contracts held over all accounts
    previous_day: PreviousDay = NO_DAY  # (and the end of the day of its last change: `previous_day.day_ends`)
    version: int = 0  # bumped on every change to what a read of the market shows (the venues' render cache)
    # Its trades' positions in the fill log, in time order (market_trades.py): a column, or the number alone while it
    # has one; None: none.
    trades: Column | int | None = field(default=None, compare=False, repr=False)
    # Its holders' rows (the position store's: store.py), kept here rather than in a map by ticker beside the catalogue.
    holders: Holders = field(default=None, compare=False, repr=False)

    # Its id (Kalshi's `market_id`, a UUID) as kept: the key it is derived from its ticker under, shared by the
    # markets listed since the last reset, where the ids come from an `IdFactory` (the text, 36 characters, is written
    # where it is read: `market_id`), else the text the ledger's generator made.
    kept_id = _Kept[TickerIds | str]("listing")
    times = _Kept[Times]("listing")
    terms = _Kept[Contract]("listing")
    outcome = _Kept[Outcome]("listing")
    title = _Titled(lambda ticker: ticker)
    yes_sub_title = _Titled(short_title)
    no_sub_title = _Titled(short_title)
    created_time = _Kept[datetime]("times")
    updated_time = _Kept[datetime]("times")  # the last change of what is not trading (Kalshi's `updated_time`)
    open_time = _Kept[datetime]("times")
    close_time = _Kept[datetime]("times")
    latest_expiration_time = _Kept[datetime]("times")
    market_type = _Kept[str]("terms")
    subtitle = _Kept[str]("terms")
    expected_expiration_time = _Kept[datetime | None]("terms")
    settlement_timer_seconds = _Kept[int]("terms")
    can_close_early = _Kept[bool]("terms")
    early_close_condition = _Kept[str | None]("terms")
    expiration_value = _Kept[str]("terms")
    rules_primary = _Kept[str]("terms")
    rules_secondary = _Kept[str]("terms")
    price_level_structure = _Kept[str]("terms")
    settlement_bounds_type = _Kept[str]("terms")
    strike_type = _Kept[str | None]("terms")
    floor_strike = _Kept[Decimal | None]("terms")
    cap_strike = _Kept[Decimal | None]("terms")
    functional_strike = _Kept[str | None]("terms")
    custom_strike = _Kept[dict[str, Any] | None]("terms")
    fee_waiver_expiration_time = _Kept[datetime | None]("terms")
    occurrence_datetime = _Kept[datetime | None]("terms")
    primary_participant_key = _Kept[str | None]("terms")
    is_provisional = _Kept[bool | None]("terms")
    result = _Kept[str | None]("outcome")
    settled_time = _Kept[datetime | None]("outcome")
    determined_time = _Kept[datetime | None]("outcome")
    settles_at = _Kept[datetime | None]("outcome")
    settlement_value = _Kept[int | None]("outcome")
    previous_yes_bid = _Kept[int | None]("previous_day")
    previous_yes_ask = _Kept[int | None]("previous_day")
    previous_price = _Kept[int | None]("previous_day")

    def keeping(self) -> BookKeeping:
        """What is kept of its book beside its levels (with its book, made on first use: most markets never have
        one)."""
        book = self.book
        if book is None:
            book = self.book = MarketBook()
        return book.kept

    @property
    def book_clock(self) -> int:
        """Kalshi's `clock` of its book: the exchange actions that changed it."""
        book = self.book
        return 0 if book is None else book.kept.clock

    @property
    def house(self) -> dict[tuple[str, int], str] | None:
        book = self.book
        return None if book is None else book.kept.house

    @property
    def quotes(self) -> Column | None:
        book = self.book
        return None if book is None else book.kept.quotes

    @property
    def market_id(self) -> str:
        """Kalshi's `market_id`: the UUID as text."""
        kept = self.kept_id
        return kept if isinstance(kept, str) else uuid_text(kept(self.ticker))

    @property
    def finalized(self) -> bool:
        return self.outcome.settled_time is not None


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
