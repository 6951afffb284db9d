"""One websocket connection's public channels: every family the mock serves (`FAMILIES`, each in its module), a
channel read from its name by its family, the fan-out keys the connection is added under while its channels need
them, each channel's first notification, and the frames a change makes of them. Runs on the connection's loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable
from typing import Any

from mockexchange.core.deribit.exchange import DeribitExchange
from mockexchange.core.deribit.public_levels import PublicLevels
from mockexchange.core.stepping import EVERYTHING, Footprint
from mockexchange.venues.deribit.index_channels import OptionMarksChannels, PerpetualChannels, PriceIndexChannels
from mockexchange.venues.deribit.market_channels import BookChannels, TickerChannels
from mockexchange.venues.deribit.public_channels import (
    ChannelContext,
    ChannelFamily,
    Initial,
    MarketChannel,
    MarketItem,
    frame,
)
from mockexchange.venues.deribit.state_channels import (
    AnnouncementChannels,
    InstrumentStateChannels,
    PlatformStateChannels,
)
from mockexchange.venues.deribit.ticker_channels import IncrementalTickerChannels, QuoteChannels
from mockexchange.venues.deribit.trade_channels import ChartChannels, TradesChannels
from mockexchange.venues.fanout import Fanout

_BOOK = BookChannels()
# Each family by the `family` its channels name.
FAMILIES: dict[str, ChannelFamily] = {
    "book": _BOOK, "grouped": _BOOK, "ticker": TickerChannels(), "quote": QuoteChannels(),
    "incremental_ticker": IncrementalTickerChannels(), "trades": TradesChannels(), "chart": ChartChannels(),
    "instrument.state": InstrumentStateChannels(), "deribit_price_index": PriceIndexChannels(),
    "markprice": OptionMarksChannels(), "perpetual": PerpetualChannels(), "platform_state": PlatformStateChannels(),
    "announcements": AnnouncementChannels(),
}  # fmt: skip
_PREFIXES = tuple((prefix, family) for family in dict.fromkeys(FAMILIES.values()) for prefix in family.prefixes)
_NAMES = {name: family for family in FAMILIES.values() for name in family.names}


def _family_of(name: str) -> ChannelFamily | None:
    found = _NAMES.get(name)
    if found is not None:
        return found
    return next((family for prefix, family in _PREFIXES if name.startswith(prefix)), None)


def is_market(name: str) -> bool:
    return _family_of(name) is not None


def parse_market_channel(name: str, exchange: DeribitExchange) -> MarketChannel | str:
    """The channel, or why the mock does not serve it (an instrument's must be listed)."""
    family = _family_of(name)
    if family is None:
        return "not a public channel"
    return family.parse(name, name.split("."), exchange)


class MarketSubscriptions:
    """One connection's public channels, the fan-out keys it is added under, and what each channel sent last."""

    def __init__(self, exchange: DeribitExchange, levels: PublicLevels, fanout: Fanout[Any] | None, owner: Any) -> None:
        self.exchange = exchange
        self.held = ChannelContext(exchange, levels)
        self.fanout = fanout
        self.owner = owner  # the connection the fan-out hands items to
        self.channels: dict[str, MarketChannel] = {}
        self._keys: dict[Hashable, Callable[[], None]] = {}
        self._reading_many = 0  # channels whose rendering reads more than a change's instrument

    def subscribe(self, channel: MarketChannel, loop: asyncio.AbstractEventLoop) -> Initial:
        """Hold the channel; its first notification (to queue before any later change reaches the connection)."""
        self.channels[channel.name] = channel
        self._reading_many += FAMILIES[channel.family].reads_many
        self._route(loop)
        return Initial(channel)

    def first(self, initial: Initial) -> list[tuple[str, str]]:
        """(channel, frame text) of a channel's first notification, read now, if the channel is still held and has
        one (a ticker whose index has no price has none yet)."""
        channel = initial.channel
        if self.channels.get(channel.name) is not channel:
            return []
        with self.exchange.reading():
            data = FAMILIES[channel.family].first(channel, self.held)
        return [(channel.name, frame(channel.name, data))] if data else []

    def unsubscribe(self, name: str) -> None:
        channel = self.channels.pop(name, None)
        if channel is not None:
            self._reading_many -= FAMILIES[channel.family].reads_many
            self.held.last.pop(name, None)
            self._route(None)

    def clear(self) -> None:
        self.channels.clear()
        self.held.last.clear()
        self._reading_many = 0
        self._route(None)

    def _route(self, loop: asyncio.AbstractEventLoop | None) -> None:
        """Be added under exactly the keys the channels need."""
        wanted: set[Hashable] = set()
        for channel in self.channels.values():
            wanted.update(FAMILIES[channel.family].keys(channel, self.exchange))
        for key in [k for k in self._keys if k not in wanted]:
            self._keys.pop(key)()
        if self.fanout is not None and loop is not None:
            for key in wanted - set(self._keys):
                self._keys[key] = self.fanout.add(key, self.owner, loop)

    def frames(self, item: MarketItem) -> list[tuple[str, str]]:
        """(channel, frame text) of each notification the item makes of the channels."""
        found = []
        held = self.held
        with self.exchange.reading():
            for channel in list(self.channels.values()):
                for data in FAMILIES[channel.family].news(channel, item, held):
                    found.append((channel.name, frame(channel.name, data)))
        return found

    def reads(self, item: MarketItem | Initial) -> Footprint:
        """What rendering an item reads, for a long command beside it: a change's instrument, or a channel's, unless a
        family reads more (an index's move: every ticker on it; the marks of an index's options)."""
        if isinstance(item, Initial):
            name = item.channel.instrument_name
            many = FAMILIES[item.channel.family].reads_many
        else:
            name, many = item.instrument_name, self._reading_many > 0
        return EVERYTHING if name is None or many else Footprint.of(markets=(name,))

    def close(self) -> None:
        for remove in self._keys.values():
            remove()
        self._keys.clear()
