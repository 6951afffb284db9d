"""Deribit's public channels of the exchange's own state: `instrument.state.{kind}.{currency}` (an instrument's
lifecycle as the exchange lists it and delivers it at expiry).

`instrument.state.*` sends nothing at once; an instrument listed is `created` then `started` (the mock lists an
instrument tradable at once), both at its listing time; one delivered at expiry (core/deribit/expiry.py, when the
exchange clock passes its expiration) is `settled`, `closed` then `terminated`, each at its expiration, as
`public/get_instruments` then lists it among the expired. `kind` and `currency` may be `any`; the currency is the one
the instrument settles in.
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import datetime
from functools import partial

from mockexchange.core.clock import unix_ms
from mockexchange.core.deribit.bounds import ExchangeError
from mockexchange.core.deribit.exchange import DeribitExchange
from mockexchange.core.deribit.instruments import Instrument
from mockexchange.venues.deribit.public_channels import (
    EXPIRED,
    LISTED,
    ChannelContext,
    ChannelFamily,
    MarketChannel,
    MarketItem,
    kind_and_currency,
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
