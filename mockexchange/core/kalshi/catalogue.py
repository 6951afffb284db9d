"""What the exchange lists: series, their events and the events' markets, created and changed by the control plane,
or listed by a fill that names a market nobody listed (with the defaults below); and the fee schedule each market's
fills pay when they state no fee (its event's override, else its series'), and its changes scheduled on the exchange
clock (fee_changes.py), each applied at its time (a timer in the lifecycle's schedule).

Defaults of what a fill lists by itself: the event is the ticker without its last dash-separated part
(`markets.event_of`), the series the event's first part (`markets.series_of`); titles are derived from the tickers; the
market opens when it is listed and closes ten years later (`DEFAULT_LIFETIME`); it trades on cents (`linear_cent`) under
the general fee schedule. Each new market draws its id (a UUID, Kalshi's `market_id`) from a generator of its own
(`IdFactory.derived`), so the fill and order ids a seeded mock hands out are what they were before markets had ids.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta, tzinfo
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from mockexchange.core.events import Change
from mockexchange.core.kalshi.checks import LedgerError, check_ticker
from mockexchange.core.kalshi.due import Timer
from mockexchange.core.kalshi.fee_changes import MAX_FEE_CHANGES, FeeChange
from mockexchange.core.kalshi.fees import FeeRule, schedule_for
from mockexchange.core.kalshi.lifecycle import schedule
from mockexchange.core.kalshi.liquidity import check_book_fits
from mockexchange.core.kalshi.market_changes import (
    EVENT,
    EVENT_FEE,
    LIFECYCLE,
    METADATA,
    EventCreated,
    EventFee,
    Lifecycle,
    MarketTerms,
)
from mockexchange.core.kalshi.market_commands import (
    CreateMarket,
    ScheduleFeeChange,
    SetEvent,
    SetSeries,
    UpdateMarket,
    given,
)
from mockexchange.core.kalshi.market_feed import day_end
from mockexchange.core.kalshi.markets import (
    UNLISTED,
    Event,
    Market,
    MarketListing,
    PreviousDay,
    Series,
    Times,
    event_of,
    series_of,
)
from mockexchange.core.kalshi.price_levels import price_ranges

if TYPE_CHECKING:
    from mockexchange.core.kalshi.ledger_state import LedgerState

FEE_DUE = "fee_change"  # a fee change's timer: its id
DEFAULT_LIFETIME = timedelta(days=3650)  # a market a fill lists closes ten years after it was listed
_GENERAL = ("quadratic", Decimal(1))  # the fee schedule of a market in no series: the general one
_UNLISTED_KEPT = 4096  # the schedules of events not listed yet kept at most (a batch of 40,000 fills lists 4,000)


def default_close(listed: datetime) -> datetime:
    """When a market listed at `listed` closes unless told: one object for the markets listed at one instant (in its
    time zone: equal instants in two zones are two keys, as a datetime's equality would make them one)."""
    return _close_after(listed, listed.tzinfo)


@lru_cache(maxsize=4)
def _close_after(listed: datetime, zone: tzinfo | None) -> datetime:
    return listed + DEFAULT_LIFETIME


def listing_times(listed: datetime) -> tuple[Times, PreviousDay]:
    """The times of a market listed at `listed` that states none (it opens then and closes at `default_close`), and
    its previous day (none, its day ending at `day_end`): one of each for the markets listed at one instant (in its
    time zone)."""
    return _listed_at(listed, listed.tzinfo)


@lru_cache(maxsize=4)
def _listed_at(listed: datetime, zone: tzinfo | None) -> tuple[Times, PreviousDay]:
    closes = default_close(listed)
    return Times(listed, listed, listed, closes, closes), PreviousDay(day_ends=day_end(listed))


class Catalogue:
    """Series, events and markets, and the fee schedule each market's fills pay (`ledger.catalogue`), under the
    ledger's lock. It takes the ledger's state and what it calls of the lifecycle: `run_due` (lifecycle.py's
    `run_due_now`) and `schedule_listing` (a new market's status and transitions)."""

    def __init__(
        self,
        state: LedgerState,
        run_due: Callable[[], None],
        schedule_listing: Callable[[Market, datetime], None],
    ) -> None:
        self.state = state
        self.run_due = run_due
        self.schedule_listing = schedule_listing
        # The schedule of each event not listed yet that a fill asked for, as (its series' ticker, that series or
        # None, the ledger's base schedule, the schedule): a batch checks its fills before it lists their events,
        # and an event's markets ask for it each. Good while the series and the base are the same objects; forgotten
        # when any series' or event's fees change (`_forget_fees`), and when it holds `_UNLISTED_KEPT`.
        self._unlisted: dict[str, tuple[str, Series | None, FeeRule, FeeRule]] = {}
        self._fee_changes = 0  # (bumped as fees change: a schedule worked out across a change is not kept)
        self._listing = UNLISTED  # the listing the markets listed last share (`_listing_of`)

    # -- fees ------------------------------------------------------------------------------------------------------

    def fee_rule_for(self, ticker: str, event_ticker: str | None) -> FeeRule:
        """The schedule a fill in `ticker` pays when it states no fee (the market need not be listed yet: then that of
        the event it would be listed in), kept on the event: its markets pay one schedule."""
        state = self.state
        base = state.fee_schedule
        if type(ticker) is not str:
            return base  # (the fill is refused for its ticker)
        market = state.markets.get(ticker)
        if market is not None:
            event_ticker = market.event_ticker
        elif type(event_ticker) is not str or not event_ticker:
            event_ticker = event_of(ticker)
        event = state.events.get(event_ticker)
        if event is None:
            kept = self._unlisted.get(event_ticker)
            if kept is not None and kept[2] is base and state.series.get(kept[0]) is kept[1]:
                return kept[3]
            return self._unlisted_fee(event_ticker, base)
        cached = event.fee_rule
        if cached is None or cached[0] is not base:
            cached = event.fee_rule = (base, self._event_fee(event_ticker, event))
        return cached[1]

    def _unlisted_fee(self, event_ticker: str, base: FeeRule) -> FeeRule:
        """The schedule of the event `event_ticker`, not listed yet, kept for the next fill that asks."""
        unlisted = self._unlisted
        if len(unlisted) >= _UNLISTED_KEPT:
            unlisted.clear()
        changes, series_ticker = self._fee_changes, series_of(event_ticker)
        series = self.state.series.get(series_ticker)
        rule = self._event_fee(event_ticker, None)
        if changes == self._fee_changes:  # (a fill alone asks before it takes the lock)
            unlisted[event_ticker] = (series_ticker, series, base, rule)
        return rule

    def _event_fee(self, event_ticker: str, event: Event | None) -> FeeRule:
        """The schedule of the event `event_ticker` (`event`; None: not listed yet, in the series it would be)."""
        state = self.state
        series = state.series.get(event.series_ticker if event is not None else series_of(event_ticker))
        fee_type, multiplier = _GENERAL if series is None else (series.fee_type, series.fee_multiplier)
        if event is not None and event.fee_type_override is not None:
            fee_type = event.fee_type_override
            if event.fee_multiplier_override is not None:
                multiplier = event.fee_multiplier_override
        return schedule_for(state.fee_schedule, fee_type, multiplier)

    def _forget_fees(self, event_tickers: Sequence[str]) -> None:
        """The markets of these events pay another schedule from now on (and those of any event not listed yet)."""
        state = self.state
        self._fee_changes += 1
        self._unlisted.clear()
        for event_ticker in event_tickers:
            event = state.events.get(event_ticker)
            if event is not None:
                event.fee_rule = None

    def schedule_fee_change(self, command: ScheduleFeeChange) -> FeeChange:
        """A series' or an event's fee change (fee_changes.py), kept and applied at its time (now, if that is past)."""
        state = self.state
        with state.lock:
            self.run_due()
            if command.event_ticker is not None:
                event = state.events.get(command.event_ticker)
                if event is None:
                    raise LedgerError(f"unknown event {command.event_ticker!r}", status=404)
                series_ticker = event.series_ticker
            else:
                series_ticker = command.series_ticker or ""
                if series_ticker not in state.series:
                    raise LedgerError(f"unknown series {series_ticker!r}", status=404)
            changes = state.fee_changes
            if len(changes.by_id) >= MAX_FEE_CHANGES:
                raise LedgerError(f"the mock keeps at most {MAX_FEE_CHANGES} fee changes", status=409)
            multiplier = command.fee_multiplier
            if multiplier is None and command.event_ticker is None:
                multiplier = Decimal(1)
            change = FeeChange(
                state.new_id(), series_ticker, command.event_ticker, command.fee_type, multiplier, command.scheduled_ts
            )
            changes.add(change)
            now = state.clock.now()
            if change.scheduled_ts <= now:
                self._apply_fee_change(change, now)
            else:
                schedule(state, change.scheduled_ts, Timer(FEE_DUE, change.id))
            return change

    def fee_change_due(self, key: str, when: datetime) -> None:
        """A fee change's timer: it is in force from now."""
        change = self.state.fee_changes.by_id.get(key)
        if change is not None:
            self._apply_fee_change(change, when)

    def _apply_fee_change(self, change: FeeChange, when: datetime) -> None:
        state = self.state
        if change.event_ticker is None:
            series = state.series[change.series_ticker]
            series.fee_type = change.fee_type or series.fee_type
            series.fee_multiplier = change.fee_multiplier if change.fee_multiplier is not None else Decimal(1)
            series.last_updated = when
            events = series.events
        else:
            event = state.events[change.event_ticker]
            event.fee_type_override, event.fee_multiplier_override = change.fee_type, change.fee_multiplier
            events = [change.event_ticker]
            self._announce_fee(event, when)
        self._forget_fees(events)
        self._touch_events(events, when)

    # -- series and events -----------------------------------------------------------------------------------------

    def put_series(self, command: SetSeries) -> Series:
        """Create the series, or change the fields given of it."""
        fields = given(command)
        state = self.state
        with state.lock:
            now = state.clock.now()
            series = state.series.get(command.ticker)
            if series is None:
                series = state.series[command.ticker] = Series(command.ticker, title=command.ticker)
            for name, value in fields.items():
                setattr(series, name, value)
            series.last_updated = now
            if "fee_type" in fields or "fee_multiplier" in fields:
                self._forget_fees(series.events)
            self._touch_events(series.events, now)
            return series

    def put_event(self, command: SetEvent, announce: bool = True) -> Event:
        """Create the event (in `series_ticker`, made if new; by default the event ticker's first part), or change
        the fields given of it (its series never changes). A new event is announced (`event_lifecycle`) unless not
        `announce` (a combo's: the multivariate part announces it), a change of its fee override too."""
        event_ticker, series_ticker, fields = command.event_ticker, command.series_ticker, given(command)
        state = self.state
        with state.lock:
            now = state.clock.now()
            event = made = state.events.get(event_ticker)
            if event is None:
                event = self._new_event(event_ticker, series_ticker, 0, now)
            elif series_ticker is not None and series_ticker != event.series_ticker:
                raise LedgerError(f"event {event_ticker!r} belongs to series {event.series_ticker!r}", status=409)
            for name, value in fields.items():
                setattr(event, name, value)
            if made is None and announce:
                self._announce(event, now)
            if "fee_type_override" in fields or "fee_multiplier_override" in fields:
                self._forget_fees([event_ticker])
                if announce:
                    self._announce_fee(event, now)
            self._touch_events([event_ticker], now)
            return event

    def _announce(self, event: Event, now: datetime) -> None:
        """The event's listing, to those who take it (`EVENT`: market_lifecycle_v2's `event_lifecycle`)."""
        bus = self.state.bus
        if bus.takers(EVENT):
            made = EventCreated(event.event_ticker, event.series_ticker, event.title, event.sub_title,
                                event.collateral_return_type, event.exchange_index, now, event.strike_date,
                                event.strike_period)  # fmt: skip
            bus.publish(Change(EVENT, None, made))

    def _announce_fee(self, event: Event, now: datetime) -> None:
        """The event's fee override as it is now (set, or cleared: None), to those who take it (`EVENT_FEE`)."""
        bus = self.state.bus
        if bus.takers(EVENT_FEE):
            fee = EventFee(event.event_ticker, event.fee_type_override, event.fee_multiplier_override, now)
            bus.publish(Change(EVENT_FEE, None, fee))

    def _touch_events(self, event_tickers: Sequence[str], now: datetime) -> None:
        state = self.state
        for event_ticker in event_tickers:
            event = state.events.get(event_ticker)
            if event is not None:
                event.last_updated = now
                for ticker in event.markets:
                    state.market_changed(state.markets[ticker])

    def _new_event(self, event_ticker: str, series_ticker: str | None, exchange_index: int, now: datetime) -> Event:
        state = self.state
        series_ticker = series_ticker or series_of(event_ticker)
        series = state.series.get(series_ticker)
        if series is None:
            series = state.series[series_ticker] = Series(series_ticker, title=series_ticker, last_updated=now)
        event = Event(
            event_ticker, series_ticker=series.ticker, title=event_ticker, exchange_index=exchange_index,
            last_updated=now,
        )  # fmt: skip
        state.events[event_ticker] = event
        series.events.append(event_ticker)
        return event

    # -- markets ---------------------------------------------------------------------------------------------------

    def list_market(
        self,
        ticker: str,
        event_ticker: str | None = None,
        exchange_index: int = 0,
        fields: dict[str, Any] | None = None,
    ) -> Market:
        """The market `ticker`, listed now if it is new (with `fields` over the defaults). Without an event, the event
        is the ticker minus its last dash-separated part, as in Kalshi's naming (KXFED-26DEC-T4.00 belongs to
        KXFED-26DEC). A market listed already is answered as it is (when no field is given)."""
        check_ticker(ticker)
        state = self.state
        with state.lock:
            self.run_due()
            if fields:
                check_market_fields(fields, now=state.clock.now())
            market = state.markets.get(ticker)
            if market is not None:
                if event_ticker is not None and event_ticker != market.event_ticker:
                    raise LedgerError(f"market {ticker!r} belongs to event {market.event_ticker!r}", status=409)
                if fields:
                    raise LedgerError(f"market {ticker!r} is listed already: change it with update_market", status=409)
                return market
            return self.list_checked(ticker, event_ticker, state.bus.takers("market"), exchange_index, fields)

    def _listing_of(self, times: Times) -> MarketListing:
        """A new market's listing at these times: the one the markets listed last share, if it is of these times and
        the ids' key now (a generator drawing text ids gives each market its own id, so a listing of its own)."""
        state = self.state
        key = state.market_id_key
        if key is None:
            return MarketListing(state.market_ids(), times)
        last = self._listing
        if last.times is not times or last.kept_id is not key:
            last = self._listing = MarketListing(key, times)
        return last

    def list_checked(
        self,
        ticker: str,
        event_ticker: str | None,
        to_market: Sequence[Callable[[Change], None]],
        exchange_index: int = 0,
        fields: Mapping[str, Any] | None = None,
        now: datetime | None = None,
    ) -> Market:
        """A new market whose ticker, event and exchange index were checked (`list_market`'s, and a batch's), with
        `fields` (checked by `check_market_fields`) over the defaults; its change goes to `to_market` (the takers of
        market changes), if any, and its `created` lifecycle change to those who take them."""
        state = self.state
        now = now if now is not None else state.clock.now()
        events = state.events
        event_ticker = event_ticker or event_of(ticker)
        event = events.get(event_ticker)
        if event is None:
            event = self._new_event(event_ticker, None, exchange_index, now)
            self._announce(event, now)
        times, first_day = listing_times(now)
        listing = self._listing_of(times)
        market = Market(ticker, event.event_ticker, exchange_index, listing=listing, previous_day=first_day)
        if fields:
            for name, value in fields.items():
                setattr(market, name, value)
            if "latest_expiration_time" not in fields and "close_time" in fields:
                market.latest_expiration_time = market.close_time
        state.markets[ticker] = market
        state.listed.add(ticker)
        state.market_changed(market)
        state.exchange_indexes.add(exchange_index)
        event.markets.append(ticker)
        self.schedule_listing(market, now)
        if to_market:
            change = Change("market", None, market)
            for take in to_market:
                take(change)
        bus, kind = state.bus, state.lifecycle_kind(ticker)
        if bus.takers(kind):
            bus.publish(Change(kind, None, created(market, now)))
        return market

    def create_market(self, command: CreateMarket) -> Market:
        """List the market with the fields given (`list_market`); one listed already is answered as it is when none is
        given."""
        fields = given(command)
        return self.list_market(command.ticker, command.event_ticker, command.exchange_index, fields or None)

    def update_market(self, command: UpdateMarket) -> Market:
        """Change the fields given of a listed market (not its open and close times: the lifecycle's operations move
        those). A new price level structure publishes `price_level_structure_updated`; the book must hold no level
        off it."""
        ticker, fields = command.ticker, given(command)
        if not fields:
            raise LedgerError("give at least one field to change")
        state = self.state
        with state.lock:
            self.run_due()
            market = state.market(ticker)
            check_market_fields(fields, market)
            structure = fields.get("price_level_structure")
            if structure is not None and structure != market.price_level_structure:
                check_book_fits(market, structure)
            now = state.clock.now()
            for name, value in fields.items():
                setattr(market, name, value)
            market.updated_time = now
            state.market_changed(market)
            bus = state.bus
            # (a combo market's channel tells no price level structure or metadata change: it has no such event type)
            if state.lifecycle_kind(ticker) != LIFECYCLE or not bus.takers(LIFECYCLE):
                return market
            if structure is not None:
                moved = Lifecycle(
                    ticker,
                    "price_level_structure_updated",
                    now,
                    price_level_structure=structure,
                    price_ranges=price_ranges(structure),
                )
                bus.publish(Change(LIFECYCLE, None, moved))
            updated = tuple(name for name in METADATA if name in fields)
            if updated:
                told = Lifecycle(ticker, "metadata_updated", now, terms=terms_of(market), updated=updated)
                bus.publish(Change(LIFECYCLE, None, told))
            return market


def check_market_fields(fields: Mapping[str, Any], market: Market | None = None, now: datetime | None = None) -> None:
    """The market's times agree with each other (and with `market`, changing it; a new one opens at `now` unless
    told); each field's value its command's kind checked."""
    opens = fields.get("open_time", market.open_time if market is not None else now)
    closes = fields.get("close_time", market.close_time if market is not None else None)
    if opens is not None and closes is not None and closes <= opens:
        raise LedgerError("close_time must be after open_time")
    latest = fields.get("latest_expiration_time")
    if latest is not None and closes is not None and latest < closes:
        raise LedgerError("latest_expiration_time must not be before close_time")


def created(market: Market, now: datetime) -> Lifecycle:
    """The `created` lifecycle change of a market: what Kalshi's carries."""
    return Lifecycle(
        market.ticker, "created", now, open_time=market.open_time, close_time=market.close_time,
        price_level_structure=market.price_level_structure,
        price_ranges=price_ranges(market.price_level_structure), terms=terms_of(market),
    )  # fmt: skip


def terms_of(market: Market) -> MarketTerms:
    """What a market's lifecycle changes tell of its terms, as they are now."""
    return MarketTerms(
        event_ticker=market.event_ticker, name=market.title, title=market.title,
        yes_sub_title=market.yes_sub_title, no_sub_title=market.no_sub_title, rules_primary=market.rules_primary,
        rules_secondary=market.rules_secondary, can_close_early=market.can_close_early,
        expected_expiration=market.expected_expiration_time or market.latest_expiration_time,
        exchange_index=market.exchange_index, strike_type=market.strike_type, floor_strike=market.floor_strike,
        cap_strike=market.cap_strike, custom_strike=market.custom_strike,
    )  # fmt: skip
