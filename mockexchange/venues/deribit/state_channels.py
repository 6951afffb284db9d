"""Deribit's public channels of the exchange's own state: `instrument.state.{kind}.{currency}` (an instrument's
lifecycle as the exchange lists it and delivers it at expiry), `platform_state` (the platform locked or unlocked in a
price index, as `public/status` reports it) and `announcements` (each announcement as `public/get_announcements`
lists it, once its publication time is reached).

`instrument.state.*` sends nothing at once; an instrument listed is `created` then `started` (the mock lists an
instrument tradable at once), both at its listing time; one delivered at expiry (core/deribit/expiry.py, when the
exchange clock passes its expiration) is `settled`, `closed` then `terminated`, each at its expiration, as
`public/get_instruments` then lists it among the expired. `kind` and `currency` may be `any`; the currency is the one
the instrument settles in.

`platform_state` sends nothing at once; each lock set sends `{price_index, locked: true}` for each index it locks that
was not locked, then `{price_index, locked: false}` for each it no longer locks (the mock always allows unauthenticated
public requests, so it never sends `allow_unauthenticated_public_requests`). `announcements` sends nothing at once,
then each announcement with `action` `new` when its publication time is reached (at once when it is added with a time
the clock has reached; else at the first announcement added or clock move after it: core/deribit/platform.py).
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import datetime
from functools import partial

from mockexchange.core.clock import unix_ms
from mockexchange.core.deribit.bounds import ExchangeError
from mockexchange.core.deribit.exchange import DeribitExchange
from mockexchange.core.deribit.instruments import Instrument
from mockexchange.venues.deribit.platform_data import announcement_row
from mockexchange.venues.deribit.public_channels import (
    ANNOUNCEMENT,
    EXPIRED,
    LISTED,
    PLATFORM,
    ChannelContext,
    ChannelFamily,
    MarketChannel,
    MarketItem,
    kind_and_currency,
    one,
)
from mockexchange.venues.deribit.render import Row

LISTED_STATES = ("created", "started")
EXPIRED_STATES = ("settled", "closed", "terminated")


class InstrumentStateChannels(ChannelFamily):
    prefixes = ("instrument.state.",)

    def parse(self, name: str, parts: list[str], exchange: DeribitExchange) -> MarketChannel | str:
        if len(parts) != 4:
            return "instrument.state.* takes {kind}.{currency}"
        read = kind_and_currency(parts[2], parts[3])
        if isinstance(read, str):
            return read
        return MarketChannel(name, "instrument.state", kind=read[0], currency=read[1])

    def keys(self, channel: MarketChannel, exchange: DeribitExchange) -> tuple[Hashable, ...]:
        return tuple(("instruments", currency) for currency in channel.currencies)

    def news(self, channel: MarketChannel, item: MarketItem, held: ChannelContext) -> tuple[bytes, ...]:
        if item.kind not in (LISTED, EXPIRED) or not channel.carries(item.payload):
            return ()
        instrument: Instrument = item.payload
        states: tuple[str, ...]
        if item.kind == LISTED:
            states, at = LISTED_STATES, _listed_at(held, instrument)
        else:
            states, at = EXPIRED_STATES, instrument.expiration or held.exchange.state.clock.now()
        return tuple(item.data(("state", state), partial(state_row, instrument, state, at)) for state in states)


def state_row(instrument: Instrument, state: str, at: datetime) -> Row:
    return {"timestamp": unix_ms(at), "state": state, "instrument_name": instrument.instrument_name}


def _listed_at(held: ChannelContext, instrument: Instrument) -> datetime:
    try:
        return held.exchange.market.listed_at(instrument.instrument_name)
    except ExchangeError:  # (no longer listed: a reset since)
        return held.exchange.state.clock.now()


class _Named(ChannelFamily):
    """A channel named by one word, with no parameter: the changes of one kind (its fan-out key)."""

    kind = ""

    def parse(self, name: str, parts: list[str], exchange: DeribitExchange) -> MarketChannel | str:
        return MarketChannel(name, name)

    def keys(self, channel: MarketChannel, exchange: DeribitExchange) -> tuple[Hashable, ...]:
        return ((self.kind,),)


class PlatformStateChannels(_Named):
    names = ("platform_state",)
    kind = PLATFORM

    def news(self, channel: MarketChannel, item: MarketItem, held: ChannelContext) -> tuple[bytes, ...]:
        if item.kind != PLATFORM:
            return ()
        before, after = item.payload
        moved = [(index, True) for index in after if index not in before]
        moved += [(index, False) for index in before if index not in after]
        return tuple(item.data(("platform", index), partial(lock_row, index, locked)) for index, locked in moved)


def lock_row(index_name: str, locked: bool) -> Row:
    return {"price_index": index_name, "locked": locked}


class AnnouncementChannels(_Named):
    names = ("announcements",)
    kind = ANNOUNCEMENT

    def news(self, channel: MarketChannel, item: MarketItem, held: ChannelContext) -> tuple[bytes, ...]:
        if item.kind != ANNOUNCEMENT:
            return ()
        return one(item.data("announcement", lambda: {"action": "new", **announcement_row(item.payload)}))
