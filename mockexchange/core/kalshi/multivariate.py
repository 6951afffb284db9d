"""Multivariate event collections and their combo markets (the ledger's `multivariate` part).

A collection is set by the control plane (`SetMultivariateCollection`); a user makes a combo market in it
(`CreateMarketInCollection`) from legs, each a market of one of the collection's associated events and a side. The
legs must keep the collection's rules: open now (between its open and close dates, on the exchange clock), `size_min`
to `size_max` legs, each market listed, open and of the event it names, at most once; the YES side only where the
collection (`is_all_yes`) or the leg's event (`is_yes_only`) says so; one market per event where
`is_single_market_per_event` says so; each event's own `size_min` and `size_max`. A rule broken is refused (400
`invalid_parameters`) and changes nothing; an unknown collection is a 404.

The same legs name the same combo, so it is made once: its tickers are worked out from the legs, as Kalshi's read
(`KXMVENFLSINGLEGAME-S2025B3F84FCFC70-DB6D0E930C8`): its event is the series, `-S`, the collection's first year and 11
hex digits of a digest of the collection and the legs' events, the market that event, `-` and 11 hex digits of a digest
of the collection and the legs (in the order given if the collection is ordered, else sorted). A combo asked for again
is answered as it is; the legacy profile's lookup (`LookupMarketInCollection`) answers one made before (a 404
otherwise), and each combo remembers when it was last asked for, made or looked up (`lookup_history`). Its event is a
catalogue event of the collection's series (titled as the collection), made with the first combo of those events; its
market is the catalogue's, listed now, titled by its legs (`yes A,no B`, each leg's side and YES short title), its
custom strike naming them as Kalshi's does, its close the earliest of its legs' closes, its latest expiration the latest
of theirs, a settlement timer of 0, the collection's price levels. It trades on its book as any market (the one order
road), and its lifecycle's changes go on the multivariate channel (ledger_state.py's `lifecycle_kind`), its event's
creation too (`MVE_EVENT`).

It settles from its legs (the lifecycle's `on_outcome`): once every leg's market is settled (finalized), it is
determined yes if every leg resolved to its side, else no, and paid at once, through the lifecycle's one road
(`settle_at`). A leg that closes closes its open combos with it (`on_close`). A combo the control plane determined or
settled itself keeps that result. A leg determined shows its settlement value in the combo's legs, so the combo's
reads move with it.

Bounds (the mock's, docs/known-differences.md): `MAX_COLLECTIONS` collections, `MAX_COMBOS_PER_COLLECTION` combos in a
collection and `MAX_COMBOS` in all (409 `too_many_combos` beyond); a user makes at most `WEEKLY_CREATIONS` combos in
any 7 days of the exchange clock (Kalshi's stated limit; 429 beyond). A combo asked for again is not a creation.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from mockexchange.core.events import Change
from mockexchange.core.kalshi.catalogue import DEFAULT_LIFETIME
from mockexchange.core.kalshi.checks import LedgerError, Refusal
from mockexchange.core.kalshi.lifecycle import OPEN_STATUSES
from mockexchange.core.kalshi.market_changes import MVE_EVENT, EventCreated
from mockexchange.core.kalshi.market_commands import SetEvent
from mockexchange.core.kalshi.markets import Market, series_of
from mockexchange.core.kalshi.multivariate_commands import (
    CreateMarketInCollection,
    LookupMarketInCollection,
    SetMultivariateCollection,
)
from mockexchange.core.kalshi.multivariate_records import OPEN, AssociatedEvent, Collection, Combo, Leg

if TYPE_CHECKING:
    from mockexchange.core.kalshi.catalogue import Catalogue
    from mockexchange.core.kalshi.ledger_state import LedgerState
    from mockexchange.core.kalshi.lifecycle import MarketLifecycle

MAX_COLLECTIONS = 1_000
MAX_COMBOS_PER_COLLECTION = 10_000
MAX_COMBOS = 100_000
WEEKLY_CREATIONS = 5_000  # "Users are limited to 5000 creations per week" (3.34.0)
WEEK = timedelta(days=7)
_DIGITS = 11  # hex digits of each digest in a combo's tickers


class ComboMade(NamedTuple):
    """A combo market asked for: the market, its record, and whether it was made now (False: made before)."""

    market: Market
    combo: Combo
    created: bool


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:_DIGITS].upper()


def combo_tickers(collection: Collection, legs: tuple[Leg, ...]) -> tuple[str, str]:
    """The event and market tickers of the combo of these legs (in the order that names it) in the collection."""
    events = [leg.event_ticker for leg in legs]
    events = list(dict.fromkeys(events)) if collection.is_ordered else sorted(set(events))
    name = collection.collection_ticker
    event = f"{collection.series_ticker}-S{collection.season}{_digest(name, *events)}"
    return event, f"{event}-{_digest(name, *(f'{leg.market_ticker}:{leg.side}' for leg in legs))}"


def _invalid(why: str) -> Refusal:
    return Refusal(why, 400, "invalid_parameters")


class Multivariate:
    """Collections and combo markets (module docstring), under the ledger's lock. It takes the ledger's state and what
    it calls of the other parts: the lifecycle's transitions due (`run_due`), the catalogue (a combo's event and
    market listed) and the lifecycle (a combo closed and settled)."""

    def __init__(
        self, state: LedgerState, run_due: Callable[[], None], catalogue: Catalogue, lifecycle: MarketLifecycle
    ) -> None:
        self.state = state
        self.run_due = run_due
        self.catalogue = catalogue
        self.lifecycle = lifecycle

    # -- collections -------------------------------------------------------------------------------------------------

    def set_collection(self, command: SetMultivariateCollection) -> Collection:
        """Set the collection, or replace the one of that ticker (module docstring): not given, its open date is the
        one it had (else now) and its close date the one it had (else ten years after it opens)."""
        state = self.state
        held_all = state.multivariate.collections
        ticker = command.collection_ticker
        with state.lock:
            self.run_due()
            held = held_all.get(ticker)
            series = command.series_ticker or series_of(ticker)
            if held is None and len(held_all) >= MAX_COLLECTIONS:
                raise Refusal(f"the mock keeps at most {MAX_COLLECTIONS} collections", 409, "too_many_collections")
            if held is not None and held.combos and (series, command.exchange_index) != (
                held.series_ticker, held.exchange_index):  # fmt: skip
                raise LedgerError(f"collection {ticker!r} has combo markets: its series and exchange index stay",
                                  status=409)  # fmt: skip
            opens = command.open_date or (held.open_date if held is not None else state.clock.now())
            closes = command.close_date or (held.close_date if held is not None else opens + DEFAULT_LIFETIME)
            if closes <= opens:
                raise LedgerError("close_date must be after open_date")
            collection = Collection(
                ticker, series, command.title if command.title is not None else ticker, command.description,
                command.functional_description, opens, closes,
                tuple(_associated(event) for event in command.associated_events), command.is_ordered,
                command.is_single_market_per_event, command.is_all_yes, command.size_min, command.size_max,
                command.price_level_structure, command.exchange_index,
                season=held.season if held is not None else opens.year, combos=held.combos if held is not None else 0,
            )  # fmt: skip
            held_all[ticker] = collection
            return collection

    def collection(self, ticker: str) -> Collection:
        found = self.state.multivariate.collections.get(ticker)
        if found is None:
            raise Refusal(f"no multivariate event collection {ticker!r}", 404, "not_found")
        return found

    def collections(self) -> list[Collection]:
        """Every collection, in ticker order."""
        held = self.state.multivariate.collections
        return [held[ticker] for ticker in sorted(held)]

    # -- combo markets -----------------------------------------------------------------------------------------------

    def create_market(self, command: CreateMarketInCollection) -> ComboMade:
        """The combo of the legs selected in the collection: made now if new (module docstring), else as it is."""
        state = self.state
        with state.lock:
            collection, ticker, event_ticker, legs = self._named(command)
            now = state.clock.now()
            held = state.multivariate.combos.get(ticker)
            if held is not None:
                return self._asked(held, now)
            if collection.status(now) != OPEN:
                raise _invalid(f"collection {collection.collection_ticker!r} is {collection.status(now)}")
            markets = self._check_legs(collection, legs)
            self._check_bounds(collection, command.user_id, now)
            if event_ticker in state.events and event_ticker not in state.multivariate.events:
                raise LedgerError(f"event {event_ticker!r} is listed already, not as a combo event", status=409)
            combo = Combo(ticker, event_ticker, collection.collection_ticker, legs)
            market = self._list(collection, combo, markets, command.user_id, now)
            state.multivariate.queried[ticker] = now
            return ComboMade(market, combo, True)

    def lookup_market(self, command: LookupMarketInCollection) -> ComboMade:
        """The combo the legs name in the collection, made before (a 404 if it never was); asked for now."""
        state = self.state
        with state.lock:
            _, ticker, _, _ = self._named(command)
            held = state.multivariate.combos.get(ticker)
            if held is None:
                raise Refusal(f"no combo market of these legs in {command.collection_ticker!r}: create it first", 404,
                              "not_found")  # fmt: skip
            return self._asked(held, state.clock.now())

    def lookup_history(self, collection_ticker: str, lookback: timedelta) -> list[tuple[Combo, datetime]]:
        """The collection's combos asked for (made or looked up) within `lookback` of now, the latest first."""
        state = self.state
        self.collection(collection_ticker)
        held, since = state.multivariate, state.clock.now() - lookback
        found = [(held.combos[ticker], when) for ticker, when in held.queried.items()
                 if when > since and held.combos[ticker].collection_ticker == collection_ticker]  # fmt: skip
        return sorted(found, key=lambda pair: pair[1], reverse=True)

    def _named(self, command: CreateMarketInCollection | LookupMarketInCollection) -> tuple[Collection, str, str, Any]:
        """The collection a command names (a 404 if none), its legs' combo's market and event tickers, and its legs in
        the order that names it."""
        self.run_due()
        collection = self.collection(command.collection_ticker)
        self.state.account(command.user_id)
        legs = command.selected_markets
        if not collection.is_ordered:
            legs = tuple(sorted(legs, key=lambda leg: (leg.market_ticker, leg.side)))
        event_ticker, ticker = combo_tickers(collection, legs)
        return collection, ticker, event_ticker, legs

    def _asked(self, combo: Combo, now: datetime) -> ComboMade:
        """A combo made before, asked for again at `now` (its lookup history remembers when)."""
        self.state.multivariate.queried[combo.ticker] = now
        return ComboMade(self.state.markets[combo.ticker], combo, False)

    def _check_legs(self, collection: Collection, legs: tuple[Leg, ...]) -> list[Market]:
        """The legs' markets, each leg checked against the collection's rules."""
        if not collection.size_min <= len(legs) <= collection.size_max:
            raise _invalid(f"a combo of collection {collection.collection_ticker!r} takes {collection.size_min} to "
                           f"{collection.size_max} selected markets, not {len(legs)}")  # fmt: skip
        state = self.state
        markets: list[Market] = []
        per_event: dict[str, int] = {}
        for leg in legs:
            event = collection.associated(leg.event_ticker)
            if event is None:
                raise _invalid(f"event {leg.event_ticker!r} is not associated with the collection")
            market = state.markets.get(leg.market_ticker)
            if market is None or market.event_ticker != leg.event_ticker:
                raise _invalid(f"event {leg.event_ticker!r} lists no market {leg.market_ticker!r}")
            if market.status not in OPEN_STATUSES:
                raise _invalid(f"market {leg.market_ticker!r} is {market.status}: a leg must be open")
            if leg.side != "yes" and (collection.is_all_yes or event.is_yes_only):
                raise _invalid(f"only the yes side of {leg.market_ticker!r} may be selected")
            if any(held is market for held in markets):
                raise _invalid(f"market {leg.market_ticker!r} is selected twice")
            markets.append(market)
            per_event[leg.event_ticker] = per_event.get(leg.event_ticker, 0) + 1
        if collection.is_single_market_per_event and len(per_event) < len(legs):
            raise _invalid("the collection takes one market per event")
        for event in collection.associated_events:
            count = per_event.get(event.ticker, 0)
            if (event.size_min is not None and count < event.size_min) or (
                event.size_max is not None and count > event.size_max):  # fmt: skip
                raise _invalid(f"a combo holds {event.size_min or 0} to {event.size_max or len(legs)} markets of event "
                               f"{event.ticker!r}, not {count}")  # fmt: skip
        return markets

    def _check_bounds(self, collection: Collection, user_id: str, now: datetime) -> None:
        held = self.state.multivariate
        if collection.combos >= MAX_COMBOS_PER_COLLECTION or len(held.combos) >= MAX_COMBOS:
            raise Refusal(f"the mock keeps at most {MAX_COMBOS_PER_COLLECTION} combo markets in a collection and "
                          f"{MAX_COMBOS} in all", 409, "too_many_combos")  # fmt: skip
        made = held.created.get(user_id)
        if made:
            made[:] = [when for when in made if when > now - WEEK]
            if len(made) >= WEEKLY_CREATIONS:
                raise Refusal(f"a user makes at most {WEEKLY_CREATIONS} combo markets a week", 429,
                              "too_many_requests")  # fmt: skip

    def _list(self, collection: Collection, combo: Combo, markets: list[Market], user_id: str, now: datetime) -> Market:
        """The combo's event (if new) and market listed, the combo kept first, so its lifecycle changes go on the
        multivariate channel from its `created`."""
        state = self.state
        held = state.multivariate
        held.combos[combo.ticker] = combo
        if combo.event_ticker not in held.events:
            held.events[combo.event_ticker] = collection.collection_ticker
            held.listed_events.add(combo.event_ticker)
        for leg in combo.legs:
            held.of_leg.setdefault(leg.market_ticker, []).append(combo.ticker)
        held.created.setdefault(user_id, []).append(now)
        collection.combos += 1
        if combo.event_ticker not in state.events:
            made_event = SetEvent(event_ticker=combo.event_ticker, series_ticker=collection.series_ticker,
                                  title=collection.title)  # fmt: skip
            event = self.catalogue.put_event(made_event, announce=False)  # (announced below, on its channel)
            event.exchange_index = collection.exchange_index
            if state.bus.takers(MVE_EVENT):
                made = EventCreated(event.event_ticker, event.series_ticker, event.title, event.sub_title,
                                    event.collateral_return_type, event.exchange_index, now)  # fmt: skip
                state.bus.publish(Change(MVE_EVENT, None, made))
        return self.catalogue.list_market(combo.ticker, combo.event_ticker, collection.exchange_index,
                                          _terms(collection, combo, markets))  # fmt: skip

    # -- what its legs do to a combo ---------------------------------------------------------------------------------

    def leg_closed(self, market: Market, when: datetime) -> None:
        """A leg closed (the lifecycle's `on_close`): its open combos close with it."""
        for combo in self._combos_of(market.ticker):
            if combo.status in OPEN_STATUSES:
                self.lifecycle.close_at(combo, when)

    def leg_moved(self, market: Market, when: datetime) -> None:
        """A leg was determined or settled (the lifecycle's `on_outcome`): its combos show it; once every leg of one is
        settled, the combo settles from their results."""
        state = self.state
        for combo_market in self._combos_of(market.ticker):
            state.market_changed(combo_market)
            if not market.finalized or combo_market.finalized:
                continue
            legs = state.multivariate.combos[combo_market.ticker].legs
            results = [(state.markets[leg.market_ticker], leg.side) for leg in legs]
            if all(leg.finalized for leg, _ in results):
                won = all(leg.result == side for leg, side in results)
                self.lifecycle.settle_at(combo_market, "yes" if won else "no", when)

    def _combos_of(self, ticker: str) -> Iterable[Market]:
        markets = self.state.markets
        return [markets[combo] for combo in self.state.multivariate.of_leg.get(ticker, ())]


def _associated(event: AssociatedEvent) -> AssociatedEvent:
    """An associated event as a collection keeps it (its optional fields not given read as their defaults)."""
    return AssociatedEvent(event.ticker, bool(event.is_yes_only), event.size_min, event.size_max,
                           tuple(event.active_quoters or ()))  # fmt: skip


def _terms(collection: Collection, combo: Combo, markets: list[Market]) -> dict[str, Any]:
    """A combo market's fields: titled by its legs, its strike naming them, closing with the first to close."""
    names = ",".join(f"{leg.side} {market.yes_sub_title}" for leg, market in zip(combo.legs, markets, strict=True))
    expected = [m.expected_expiration_time for m in markets if m.expected_expiration_time is not None]
    terms: dict[str, Any] = {
        "title": names, "yes_sub_title": names, "no_sub_title": names,
        "close_time": min(m.close_time for m in markets),
        "latest_expiration_time": max(m.latest_expiration_time for m in markets),
        "settlement_timer_seconds": 0, "price_level_structure": collection.price_level_structure,
        "rules_primary": collection.functional_description, "strike_type": "custom",
        "custom_strike": {
            "Associated Events": ",".join(leg.event_ticker for leg in combo.legs),
            "Associated Markets": ",".join(leg.market_ticker for leg in combo.legs),
            "Associated Market Sides": ",".join(leg.side for leg in combo.legs),
        },
    }  # fmt: skip
    if expected:
        terms["expected_expiration_time"] = max(expected)
    return terms
