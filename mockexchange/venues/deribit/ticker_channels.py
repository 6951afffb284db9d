"""Deribit's channels that tell a ticker's changes only: `quote.{instrument_name}` (the best bid and ask and their
amounts, `public/ticker`'s `best_*` fields) and `incremental_ticker.{instrument_name}` (the ticker whole first, then
the fields each change moved), for listed instruments.

`quote.*` sends the top at once and then each time a move of the book changes it (a move below the top is no news).
`incremental_ticker.*` sends `public/ticker`'s row with `type` `snapshot` at once, then, after whatever moves the
`ticker.*` channel (market_channels.py), a `change` of the fields whose values moved (`type`, `timestamp` and
`instrument_name` always; `stats` and `greeks` whole when any of theirs moved; a field the ticker no longer has, as
`settlement_price` at expiry, null). Both compare with what the channel sent last, valued at the moment each change
is rendered for every connection of its loop; a row valued before the channel's own first notification was read says
nothing new to it and is left out. Neither takes an interval: they need no authorized connection.
"""

from __future__ import annotations

from collections.abc import Hashable

import orjson

from mockexchange.core.clock import unix_ms
from mockexchange.core.deribit.exchange import DeribitExchange
from mockexchange.core.deribit.public_levels import LevelsView
from mockexchange.venues.deribit.market_channels import moves_ticker, ticker_data, ticker_keys, ticker_of
from mockexchange.venues.deribit.market_data import best_row
from mockexchange.venues.deribit.public_channels import (
    ChannelContext,
    ChannelFamily,
    MarketChannel,
    MarketItem,
    data_bytes,
    listed,
    valuation,
)
from mockexchange.venues.deribit.render import Row

_SAME_EVERY_TIME = ("timestamp", "instrument_name")  # in every change, moved or not


class _OneInstrumentChannels(ChannelFamily):
    """A family of `{family}.{instrument_name}` channels."""

    family = ""

    def parse(self, name: str, parts: list[str], exchange: DeribitExchange) -> MarketChannel | str:
        if len(parts) != 2:
            return f"{self.family}.* takes {{instrument_name}}"
        return listed(parts[1], exchange) or MarketChannel(name, self.family, parts[1])


class QuoteChannels(_OneInstrumentChannels):
    prefixes = ("quote.",)
    family = "quote"

    def first(self, channel: MarketChannel, held: ChannelContext) -> bytes | None:
        assert channel.instrument_name is not None
        row = quote_row(held.levels.view(channel.instrument_name, 0), held.exchange)
        held.last[channel.name] = (valuation(), _top(row))
        return data_bytes(row)

    def news(self, channel: MarketChannel, item: MarketItem, held: ChannelContext) -> tuple[bytes, ...]:
        name = channel.instrument_name
        moved = item.moved
        if moved is None or moved.instrument_name != name:
            return ()
        valued, row, data = item.row_data(("quote", name), lambda: quote_row(held.levels.view(name, 0), held.exchange))
        sent = held.last.get(channel.name)
        top = _top(row)
        if sent is None or valued < sent[0] or top == sent[1]:
            return ()
        held.last[channel.name] = (valued, top)
        return (data,)


def quote_row(view: LevelsView, exchange: DeribitExchange) -> Row:
    """`quote.*`'s data: the book's best bid and ask as the ticker shows them, at its last move."""
    return {
        "timestamp": unix_ms(view.timestamp or exchange.state.clock.now()),
        "instrument_name": view.instrument_name,
        **best_row("bid", view),
        **best_row("ask", view),
    }


def _top(row: Row) -> bytes:
    """The best bid and ask as JSON (a row's numbers are JSON fragments, which compare by identity)."""
    return orjson.dumps([row["best_bid_price"], row["best_bid_amount"], row["best_ask_price"], row["best_ask_amount"]])


class IncrementalTickerChannels(_OneInstrumentChannels):
    prefixes = ("incremental_ticker.",)
    family = "incremental_ticker"

    def keys(self, channel: MarketChannel, exchange: DeribitExchange) -> tuple[Hashable, ...]:
        return ticker_keys(channel, exchange)

    def first(self, channel: MarketChannel, held: ChannelContext) -> bytes | None:
        assert channel.instrument_name is not None
        row = ticker_of(held, channel.instrument_name)
        if row is None:
            return None
        held.last[channel.name] = (valuation(), fields(row))
        return data_bytes({"type": "snapshot", **row})

    def news(self, channel: MarketChannel, item: MarketItem, held: ChannelContext) -> tuple[bytes, ...]:
        name = channel.instrument_name
        assert name is not None
        sent = held.last.get(channel.name)
        if sent is None or not moves_ticker(item, name, held.exchange):
            return ()  # (nothing sent yet: its snapshot, read later, will hold the change)
        valued, row, _ = ticker_data(item, name, held)
        if row is None or valued < sent[0]:
            return ()
        now = fields(row)
        moved = changed(sent[1], now, row)
        if not moved:
            return ()
        held.last[channel.name] = (valued, now)
        return (data_bytes({"type": "change", "timestamp": row["timestamp"], "instrument_name": name, **moved}),)


def fields(row: Row) -> dict[str, bytes]:
    """Each field of a row as JSON (its numbers are JSON fragments, which compare by identity)."""
    return {key: orjson.dumps(value) for key, value in row.items()}


def changed(before: dict[str, bytes], after: dict[str, bytes], row: Row) -> Row:
    """The fields of `row` (written `after`) whose values are not `before`'s (one it lacks: null), but those every
    change carries."""
    moved = {key: row[key] for key, text in after.items() if key not in _SAME_EVERY_TIME and before.get(key) != text}
    for key in before:
        if key not in after:
            moved[key] = None
    return moved
