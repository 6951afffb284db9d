"""Deribit's instruments on the exchange and their prices: listing one, the index prices, a mark or settlement price a
scenario pins, the implied volatility of options, and the mark each read values positions at (a future's follows its
index, an option's is Black-76 on the index, unless pinned)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from mockexchange.core.deribit import derivatives as d
from mockexchange.core.deribit.bounds import (
    MAX_NAME,
    MAX_PRICE,
    MAX_VOLATILITY,
    MIN_PRICE,
    SMALLEST,
    ExchangeError,
    _price,
    bounded,
)
from mockexchange.core.deribit.exchange_state import ExchangeState
from mockexchange.core.deribit.expiry import Expiry
from mockexchange.core.deribit.instruments import Instrument, InstrumentError, parse_instrument_name
from mockexchange.core.deribit.price_path import PricePath, put
from mockexchange.core.deribit.records import Price, _Listing


class DeribitMarket:
    """The instruments listed and their prices (a move of an index or a settlement price delivers what is due
    first, at the prices in force when it expired)."""

    def __init__(self, state: ExchangeState, expiry: Expiry) -> None:
        self.state = state
        self.expiry = expiry

    @property
    def rates(self) -> d.MarginRates:
        """The margin rates the marks are valued with (what an open order's margin reads, orders.py's `Marks`)."""
        return self.state.rates

    def list_instrument(self, instrument: Instrument | str) -> Instrument:
        """The instrument, listed now if it is new (a name is parsed with the default contract facts)."""
        if isinstance(instrument, str):
            if len(instrument) > MAX_NAME:
                raise ExchangeError(f"instrument_name must be at most {MAX_NAME} characters")
            try:
                instrument = parse_instrument_name(instrument)
            except InstrumentError as error:
                raise ExchangeError(str(error)) from None
        if instrument.strike is not None:
            bounded(instrument.strike, f"the strike of {instrument.instrument_name}", MIN_PRICE, MAX_PRICE)
        state = self.state
        with state.lock:
            listing = state.listings.get(instrument.instrument_name)
            if listing is not None:
                return listing.instrument
            state.listings[instrument.instrument_name] = _Listing(instrument, state.clock.now())
            expiration = None if instrument.is_perpetual else instrument.expiration
            if expiration is not None and (state.next_expiry is None or expiration < state.next_expiry):
                state.next_expiry = expiration
            state.publish("instrument", None, instrument)
            return instrument

    def instrument(self, name: str) -> Instrument:
        return self.listing(name).instrument

    def listed_at(self, name: str) -> datetime:
        """When the instrument was listed (Deribit's `creation_timestamp`)."""
        return self.listing(name).listed

    def instruments(self, currency: str | None = None, kind: str | None = None) -> list[Instrument]:
        """Listed instruments by name; `currency` filters on the settlement currency."""
        with self.state.lock:
            found = [listing.instrument for listing in self.state.listings.values()]
        return sorted(
            (i for i in found if currency in (None, i.settlement_currency) and kind in (None, i.kind)),
            key=lambda i: i.instrument_name,
        )

    def listing(self, name: str) -> _Listing:
        """The instrument's listing: its prices as the exchange keeps them."""
        listing = self.state.listings.get(name)
        if listing is None:
            raise ExchangeError(f"unknown instrument {name!r}", status=404)
        return listing

    def set_index_price(self, index_name: str, price: Decimal) -> Price:
        """Move an index (`btc_usd`, `eth_usdc`) now: every futures mark that follows it and every option moves too;
        a point its path held for later is gone (price_path.py)."""
        now = self.set_index_path(index_name, [Price(price, self.state.clock.now())])
        assert now is not None
        return now

    def set_index_path(self, index_name: str, points: list[Price]) -> Price | None:
        """Set an index's path (its points in time order): the price in force now is published (`None` if none yet:
        the path starts later); a later point is published as the clock reaches it (index_history.py)."""
        for point in points:
            _price(point.value, "index price")
        state = self.state
        name = index_name.lower()
        with state.lock:
            self.expiry.expire_due()  # delivered at the index in force when they expired
            path = put(state.indexes, name, points, state.clock.now())
            value = path.announced = path.current(state.clock)
            if value is not None:
                state.publish("index_price", None, (name, value))
            return value

    def index_price(self, index_name: str) -> Decimal:
        value = self.index_or_none(index_name)
        if value is None:
            raise ExchangeError(f"no index price for {index_name.lower()!r}: set one first", status=409)
        return value

    def index_or_none(self, index_name: str) -> Decimal | None:
        """The index's price now (None: none set by now)."""
        path = self.state.indexes.get(index_name.lower())
        found = None if path is None else path.current(self.state.clock)
        return None if found is None else found.value

    def index_path(self, index_name: str) -> PricePath | None:
        """The index's path: its price now and its history (None: never set)."""
        return self.state.indexes.get(index_name.lower())

    def index_prices(self) -> dict[str, Price]:
        """Each index's price now (an index whose path starts later has none yet)."""
        state = self.state
        with state.lock:
            now = state.clock.now()
            found = {name: path.at(now) for name, path in state.indexes.items()}
        return {name: price for name, price in found.items() if price is not None}

    def set_mark_price(self, instrument_name: str, price: Decimal | None) -> None:
        """Pin an instrument's mark (None unpins it: the mark follows the index, or Black-76, again)."""
        if price is not None:
            _price(price, "mark price")
        with self.state.lock:
            listing = self.listing(instrument_name)
            listing.mark = None if price is None else Price(price, self.state.clock.now())
            self.state.publish("mark_price", None, (instrument_name, listing.mark))

    def set_settlement_price(self, instrument_name: str, price: Decimal) -> None:
        _price(price, "settlement price")
        with self.state.lock:
            self.expiry.expire_due()  # a settlement price set after the expiry comes too late for that delivery
            listing = self.listing(instrument_name)
            listing.settlement_price = Price(price, self.state.clock.now())
            self.state.publish("settlement_price", None, (instrument_name, listing.settlement_price))

    def set_volatility(
        self, volatility: Decimal, *, currency: str | None = None, instrument_name: str | None = None
    ) -> None:
        """The scenario's implied volatility (0.5 = 50%) for a base currency's options, or for one option."""
        bounded(volatility, "volatility", SMALLEST, MAX_VOLATILITY)
        with self.state.lock:
            if instrument_name is not None:
                self.listing(instrument_name).volatility = volatility
            else:
                assert currency is not None
                self.state.currency_volatility[currency] = volatility
            self.state.publish("volatility", None, (currency or instrument_name, volatility))

    def volatility(self, instrument_name: str) -> Decimal:
        return self.volatility_of(self.listing(instrument_name))

    def volatility_of(self, listing: _Listing) -> Decimal:
        if listing.volatility is not None:
            return listing.volatility
        return self.state.currency_volatility.get(listing.instrument.base_currency, self.state.default_volatility)

    def last_price(self, instrument_name: str) -> Decimal | None:
        """The price of the instrument's latest trade (None before its first)."""
        return self.listing(instrument_name).last_price

    def mark_price(self, instrument_name: str) -> Decimal:
        """The pinned mark; else futures follow their index and options are priced by Black-76 on the index."""
        listing = self.listing(instrument_name)
        if listing.mark is not None:
            return listing.mark.value
        return self.mark_of(listing, self.index_price(listing.instrument.price_index))

    def mark_of(self, listing: _Listing, index: Decimal) -> Decimal:
        """A listing's mark when its index is `index` (`mark_price`'s rule, for a read that has the index at hand)."""
        if listing.mark is not None:
            return listing.mark.value
        if listing.instrument.kind == "future":
            return index
        return self.greeks(listing, index).mark_price

    def mark_or_none(self, name: str) -> Decimal | None:
        """The mark, None while it cannot be valued (no index price yet)."""
        try:
            return self.mark_price(name)
        except ExchangeError:
            return None

    def greeks(self, listing: _Listing, index: Decimal) -> d.OptionGreeks:
        """An option's model values when its index is `index`, now (remembered: derivatives.py's `option_greeks`)."""
        years = d.years_to_expiry(listing.instrument, self.state.clock.now())
        return d.option_greeks(listing.instrument, index, years, self.volatility_of(listing))
