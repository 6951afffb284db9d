"""Kalshi's market commands, declared once (core/commands.py): a series set, an event set, a market listed and a
market changed, a fee change scheduled (the catalogue's); a market paused, resumed, closed, its close time moved, its
result determined (its lifecycle's); the house's levels in its book, and the exchange's status and schedule. The admin
API, the Python API, scenario files and the state file build these; the ledger takes them (market_handlers.py).

Every field but the record's ticker is optional: None is "not given" (a new record takes its default, a record
changed keeps it). Times are ISO 8601 with a timezone, held as UTC datetimes; a strike or a fee multiplier, a JSON
number on the wire, is a decimal string held as the exact `Decimal` given; lists are held as tuples.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

from mockexchange.core.commands import Command, declared, value
from mockexchange.core.kalshi.checks import MAX_EXCHANGE_INDEX
from mockexchange.core.kalshi.exchange_schedule import HOURS, WINDOWS, MaintenanceWindow, WeeklyHours
from mockexchange.core.kalshi.fees import FEE_TYPES
from mockexchange.core.kalshi.market_values import (
    DETAILS,
    RULES,
    SOURCES,
    TITLE,
    URL,
    WORDS,
    Exact,
    JsonObject,
    Levels,
)
from mockexchange.core.kalshi.markets import (
    COLLATERAL_RETURN_TYPES,
    RESULTS,
    SETTLEMENT_BOUNDS_TYPES,
    STRIKE_TYPES,
    MarketDetail,
    SettlementSource,
)
from mockexchange.core.kalshi.price_levels import STRUCTURES
from mockexchange.core.values import FLAG, TEXT, Choice, Integer, IsoTime, Refused

MAX_FEE_MULTIPLIER = Decimal(10)  # far above any of Kalshi's; keeps every fee within a dollar a contract
MAX_TIMER_SECONDS = 10**8  # a settlement timer: about three years
MAX_STRIKE = Decimal(10) ** 15  # a strike's magnitude (Kalshi's are prices, rates, counts: far below)
STRIKE_PLACES = 8

TIME = IsoTime()
OBJECT = JsonObject()
FEE_TYPE = Choice(FEE_TYPES)
MULTIPLIER = Exact(4, lambda found: 0 <= found <= MAX_FEE_MULTIPLIER,
                   f"a decimal string from 0 to {MAX_FEE_MULTIPLIER}, at most 4 places")  # fmt: skip
STRIKE = Exact(STRIKE_PLACES, lambda found: abs(found) < MAX_STRIKE,
               f"a decimal string of at most {STRIKE_PLACES} places, below {MAX_STRIKE:,} in magnitude")  # fmt: skip
TIMER = Integer(0, MAX_TIMER_SECONDS)
STRUCTURE = Choice(tuple(STRUCTURES))
BOUNDS_TYPE = Choice(SETTLEMENT_BOUNDS_TYPES)
STRIKE_TYPE = Choice(STRIKE_TYPES)
LEVELS = Levels()


@dataclass(frozen=True, slots=True)
class SetSeries(Command):
    """Create a series, or change the fields given of it. Its `fee_type` and `fee_multiplier` (a decimal string)
    pick the fee its markets' fills pay when they state none."""

    name: ClassVar[str] = "set_series"
    ticker: str = value(TEXT)
    title: str | None = value(TITLE, None)
    frequency: str | None = value(TITLE, None)
    category: str | None = value(TITLE, None)
    categories: tuple[str, ...] | None = value(WORDS, None)
    tags: tuple[str, ...] | None = value(WORDS, None)
    settlement_sources: tuple[SettlementSource, ...] | None = value(SOURCES, None)
    contract_url: str | None = value(URL, None)
    contract_terms_url: str | None = value(URL, None)
    fee_type: str | None = value(FEE_TYPE, None)
    fee_multiplier: Decimal | None = value(MULTIPLIER, None)
    additional_prohibitions: tuple[str, ...] | None = value(WORDS, None)
    product_metadata: dict[str, Any] | None = value(OBJECT, None)


@dataclass(frozen=True, slots=True)
class SetEvent(Command):
    """Create an event (in `series_ticker`, made if new; by default its ticker's first dash-separated part), or
    change the fields given of it."""

    name: ClassVar[str] = "set_event"
    event_ticker: str = value(TEXT)
    series_ticker: str | None = value(TEXT, None)
    title: str | None = value(TITLE, None)
    sub_title: str | None = value(TITLE, None)
    collateral_return_type: str | None = value(Choice(COLLATERAL_RETURN_TYPES), None)
    category: str | None = value(TITLE, None)
    settlement_sources: tuple[SettlementSource, ...] | None = value(SOURCES, None)
    strike_date: datetime | None = value(TIME, None)
    strike_period: str | None = value(TITLE, None)
    fee_type_override: str | None = value(FEE_TYPE, None)
    fee_multiplier_override: Decimal | None = value(MULTIPLIER, None)
    product_metadata: dict[str, Any] | None = value(OBJECT, None)
    # Its metadata (GET /events/{event_ticker}/metadata): images, its competition, its markets' images and colours
    image_url: str | None = value(URL, None)
    featured_image_url: str | None = value(URL, None)
    competition: str | None = value(TITLE, None)
    competition_scope: str | None = value(TITLE, None)
    market_details: tuple[MarketDetail, ...] | None = value(DETAILS, None)


@dataclass(frozen=True, slots=True)
class ScheduleFeeChange(Command):
    """A change of a series' fee (`series_ticker`: its new `fee_type`, and `fee_multiplier`, 1 if not given) or of an
    event's override of it (`event_ticker`: its new override; neither given clears it), in force from `scheduled_ts`
    on the exchange clock (at once if that is not after now). GET /series/fee_changes and /events/fee_changes list
    it."""

    name: ClassVar[str] = "schedule_fee_change"
    scheduled_ts: datetime = value(TIME)
    series_ticker: str | None = value(TEXT, None)
    event_ticker: str | None = value(TEXT, None)
    fee_type: str | None = value(FEE_TYPE, None)
    fee_multiplier: Decimal | None = value(MULTIPLIER, None)

    def check(self) -> None:
        if (self.series_ticker is None) == (self.event_ticker is None):
            raise Refused("give series_ticker (a series' fee) or event_ticker (an event's override), not both")
        if self.fee_type is None and (self.series_ticker is not None or self.fee_multiplier is not None):
            raise Refused("give fee_type: a series' fee change sets it, and an event's override without one is "
                          "cleared (give neither)")  # fmt: skip


@dataclass(frozen=True, slots=True)
class MarketCommand(Command):
    """A command on one market, whose first field names it."""

    ticker: str = value(TEXT)


@dataclass(frozen=True, slots=True)
class CreateMarket(MarketCommand):
    """List a market (fills list unknown markets on exchange index 0 by themselves, with defaults:
    docs/known-differences.md, "Markets and market data"), with any of its fields. A market listed already is
    answered as it is when no field is given."""

    name: ClassVar[str] = "create_market"
    event_ticker: str | None = value(TEXT, None)
    exchange_index: int = value(Integer(0, MAX_EXCHANGE_INDEX), 0)
    title: str | None = value(TITLE, None)
    subtitle: str | None = value(TITLE, None)
    yes_sub_title: str | None = value(TITLE, None)
    no_sub_title: str | None = value(TITLE, None)
    open_time: datetime | None = value(TIME, None)
    close_time: datetime | None = value(TIME, None)
    expected_expiration_time: datetime | None = value(TIME, None)
    latest_expiration_time: datetime | None = value(TIME, None)
    settlement_timer_seconds: int | None = value(TIMER, None)
    can_close_early: bool | None = value(FLAG, None)
    early_close_condition: str | None = value(TITLE, None)
    rules_primary: str | None = value(RULES, None)
    rules_secondary: str | None = value(RULES, None)
    price_level_structure: str | None = value(STRUCTURE, None)
    settlement_bounds_type: str | None = value(BOUNDS_TYPE, None)
    strike_type: str | None = value(STRIKE_TYPE, None)
    floor_strike: Decimal | None = value(STRIKE, None)
    cap_strike: Decimal | None = value(STRIKE, None)
    functional_strike: str | None = value(TITLE, None)
    custom_strike: dict[str, Any] | None = value(OBJECT, None)
    fee_waiver_expiration_time: datetime | None = value(TIME, None)
    occurrence_datetime: datetime | None = value(TIME, None)
    primary_participant_key: str | None = value(TITLE, None)
    is_provisional: bool | None = value(FLAG, None)


@dataclass(frozen=True, slots=True)
class UpdateMarket(MarketCommand):
    """Change the fields given of a market (its close time moves with `set_close_time`). A new
    `price_level_structure` publishes `price_level_structure_updated`."""

    name: ClassVar[str] = "update_market"
    title: str | None = value(TITLE, None)
    subtitle: str | None = value(TITLE, None)
    yes_sub_title: str | None = value(TITLE, None)
    no_sub_title: str | None = value(TITLE, None)
    expected_expiration_time: datetime | None = value(TIME, None)
    latest_expiration_time: datetime | None = value(TIME, None)
    settlement_timer_seconds: int | None = value(TIMER, None)
    can_close_early: bool | None = value(FLAG, None)
    early_close_condition: str | None = value(TITLE, None)
    rules_primary: str | None = value(RULES, None)
    rules_secondary: str | None = value(RULES, None)
    price_level_structure: str | None = value(STRUCTURE, None)
    settlement_bounds_type: str | None = value(BOUNDS_TYPE, None)
    strike_type: str | None = value(STRIKE_TYPE, None)
    floor_strike: Decimal | None = value(STRIKE, None)
    cap_strike: Decimal | None = value(STRIKE, None)
    functional_strike: str | None = value(TITLE, None)
    custom_strike: dict[str, Any] | None = value(OBJECT, None)
    fee_waiver_expiration_time: datetime | None = value(TIME, None)
    occurrence_datetime: datetime | None = value(TIME, None)
    primary_participant_key: str | None = value(TITLE, None)
    is_provisional: bool | None = value(FLAG, None)


@dataclass(frozen=True, slots=True)
class PauseMarket(MarketCommand):
    """Pause an active market's trading (status `inactive`, `deactivated`)."""

    name: ClassVar[str] = "pause_market"


@dataclass(frozen=True, slots=True)
class ResumeMarket(MarketCommand):
    """Resume a paused market (`activated`); its book is cleared, as Kalshi cancels resting orders then."""

    name: ClassVar[str] = "resume_market"


@dataclass(frozen=True, slots=True)
class CloseMarket(MarketCommand):
    """Close a market now (`close_date_updated`; `can_close_early` must allow it); its book is cleared."""

    name: ClassVar[str] = "close_market"


@dataclass(frozen=True, slots=True)
class SetCloseTime(MarketCommand):
    """Move a market's close time: at or before now it closes now; later, a closed market opens again."""

    name: ClassVar[str] = "set_close_time"
    close_time: datetime = value(TIME)


@dataclass(frozen=True, slots=True)
class DetermineMarket(MarketCommand):
    """The market's result: it closes (if open) and is determined; its positions are paid when its
    `settlement_timer_seconds` end on the exchange clock (`settle` pays at once)."""

    name: ClassVar[str] = "determine_market"
    result: str = value(Choice(RESULTS))


@dataclass(frozen=True, slots=True)
class SettleMarket(MarketCommand):
    """Determine a market yes or no and pay it at once: winners are paid 1 dollar a contract and its positions become
    settled."""

    name: ClassVar[str] = "settle"
    result: str = value(Choice(RESULTS))


@dataclass(frozen=True, slots=True)
class SetBook(MarketCommand):
    """The house's levels in a market's book: `yes` its YES bids, `no` its NO bids, each a list of [price, count]
    as the wire writes them ([["0.4200", "100.00"]]); a side not given keeps its levels, an empty list takes them
    away. One exchange action (one `BookMoved`, the book's clock + 1); levels that would cross are refused."""

    name: ClassVar[str] = "set_book"
    yes: tuple[tuple[int, int], ...] | None = value(LEVELS, None)
    no: tuple[tuple[int, int], ...] | None = value(LEVELS, None)

    def check(self) -> None:
        if self.yes is None and self.no is None:
            raise Refused("give yes, no or both")


@dataclass(frozen=True, slots=True)
class SetExchangeStatus(Command):
    """Switch the exchange or its trading off and on (what is not given stays; the resume time is set as given).
    While either is off, trading is refused."""

    name: ClassVar[str] = "set_exchange_status"
    exchange_active: bool | None = value(FLAG, None)
    trading_active: bool | None = value(FLAG, None)
    exchange_estimated_resume_time: datetime | None = value(TIME, None)


@dataclass(frozen=True, slots=True)
class SetExchangeSchedule(Command):
    """The exchange's schedule (core/kalshi/exchange_schedule.py): its weekly hours (`standard_hours`, each week's
    sessions in ET) and its maintenance windows; what is not given stays. The exchange's status follows it on the
    exchange clock: outside its hours it does not trade, in a window it is not active."""

    name: ClassVar[str] = "set_exchange_schedule"
    standard_hours: tuple[WeeklyHours, ...] | None = value(HOURS, None)
    maintenance_windows: tuple[MaintenanceWindow, ...] | None = value(WINDOWS, None)


# The fields of the record a command sets, beside those that name it
NAMING = {SetSeries: ("ticker",), SetEvent: ("event_ticker", "series_ticker"),
          CreateMarket: ("ticker", "event_ticker", "exchange_index"), UpdateMarket: ("ticker",)}  # fmt: skip


def given(command: Command) -> dict[str, Any]:
    """The record's fields the command gives (not None), as the record holds them (a list where it holds a tuple)."""
    naming = NAMING[type(command)]
    found = {}
    for field in declared(type(command)):
        held = getattr(command, field.name)
        if held is not None and field.name not in naming:
            found[field.name] = list(held) if type(held) is tuple else held
    return found
