"""Deribit's order book and ticker channels on the websocket: `book.{instrument_name}.{interval}`,
`book.{instrument_name}.{group}.{depth}.{interval}` and `ticker.{instrument_name}.{interval}`, for listed instruments
(what every public channel shares, and the routing: public_channels.py).

What a channel sends: `book.*.{interval}` a `snapshot` first (every level, each `["new", price, amount]`, the book's
`change_id`), then each move as a `change` (`prev_change_id` the previous move's id; a move the snapshot holds already
is not sent: the connection is added under the instrument before the snapshot is read, on the loop, and the snapshot is
queued before any later move). A channel's first notification is read from the exchange when the connection sends it,
not when it subscribes: a request naming many deep books holds one snapshot at a time, however slowly its client
reads. The grouped form sends the first `depth` levels, each `[price, amount]`, prices grouped down (bids) or up (asks)
to a multiple of `group` (`none`: as they rest), at once and after every move. `ticker.*` its ticker at once and after
every move of the book, trade, mark, settlement or index price of its instrument, a perpetual's funding rate, an
option's volatility and its expiry, valued when the first connection sends it. Every interval sends every change (the
mock does not batch `100ms` or `agg2`); a `raw` channel needs an authorized connection (13778), as Deribit's.
"""

from __future__ import annotations

from collections.abc import Hashable
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from mockexchange.core.clock import unix_ms
from mockexchange.core.deribit.bounds import ExchangeError
from mockexchange.core.deribit.exchange import DeribitExchange
from mockexchange.core.deribit.market_stats import ticker
from mockexchange.core.deribit.public_levels import LevelsMoved, LevelsView
from mockexchange.venues.deribit.market_data import levels, ticker_row
from mockexchange.venues.deribit.public_channels import (
    BOOK,
    EXPIRED,
    FUNDING,
    INDEX,
    MARK,
    SETTLEMENT,
    TRADES,
    VOLATILITY,
    ChannelContext,
    ChannelFamily,
    MarketChannel,
    MarketItem,
    data_bytes,
    instrument_channel,
    instrument_of,
    interval_refused,
    listed,
    one,
)
from mockexchange.venues.deribit.render import PRICE, number
from mockexchange.web.answers import json_number

GROUPED_INTERVALS = ("100ms", "agg2")
GROUPS = ("none", "1", "2", "5", "10", "25", "100", "250")
GROUPED_DEPTHS = ("1", "10", "20")
SNAPSHOT_DEPTH = 10_000  # levels a side in a snapshot (Deribit's deepest book read)
TICKER_KINDS = (BOOK, TRADES, MARK, SETTLEMENT, FUNDING, EXPIRED)  # what moves the ticker of the instrument they are of


class BookChannels(ChannelFamily):
    """`book.{instrument_name}.{interval}` and its grouped form (`grouped`)."""

    prefixes = ("book.",)

    def parse(self, name: str, parts: list[str], exchange: DeribitExchange) -> MarketChannel | str:
        if len(parts) not in (3, 5):
            return "book.* takes an instrument and interval"
        instrument_name, interval = parts[1], parts[-1]
        refused = listed(instrument_name, exchange)
        if refused is not None:
            return refused
        if len(parts) == 5:
            group, depth = parts[2], parts[3]
            if group not in GROUPS or depth not in GROUPED_DEPTHS or interval not in GROUPED_INTERVALS:
                return (
                    f"group one of {', '.join(GROUPS)}, depth one of {', '.join(GROUPED_DEPTHS)}, "
                    f"interval one of {', '.join(GROUPED_INTERVALS)}"
                )
            step = None if group == "none" else Decimal(group)
            return MarketChannel(name, "grouped", instrument_name, interval, step, int(depth))
        return interval_refused(interval) or MarketChannel(name, "book", instrument_name, interval)

    def first(self, channel: MarketChannel, held: ChannelContext) -> bytes | None:
        """The snapshot; the channel holds the book's `change_id` from now on: a move it holds is not sent after it."""
        assert channel.instrument_name is not None
        view = held.levels.view(channel.instrument_name, SNAPSHOT_DEPTH)
        grouped = channel.family == "grouped"
        row = grouped_row(view, channel, held.exchange) if grouped else snapshot_row(view, held.exchange)
        held.last[channel.name] = view.change_id
        return data_bytes(row)

    def news(self, channel: MarketChannel, item: MarketItem, held: ChannelContext) -> tuple[bytes, ...]:
        moved = item.moved
        name = channel.instrument_name
        if moved is None or moved.instrument_name != name:
            return ()
        kept = held.last.get(channel.name)
        if kept is None or moved.change_id <= kept:
            return ()  # its snapshot holds the move (or is not sent yet: it will hold it)
        held.last[channel.name] = moved.change_id
        if channel.family == "book":
            return one(item.data("change", lambda: change_row(moved)))
        return one(item.data(
            ("grouped", channel.group, channel.depth),
            lambda: grouped_row(held.levels.view(name, SNAPSHOT_DEPTH), channel, held.exchange),
        ))  # fmt: skip


class TickerChannels(ChannelFamily):
    """`ticker.{instrument_name}.{interval}`."""

    prefixes = ("ticker.",)

    def parse(self, name: str, parts: list[str], exchange: DeribitExchange) -> MarketChannel | str:
        return instrument_channel("ticker", name, parts, exchange)

    def keys(self, channel: MarketChannel, exchange: DeribitExchange) -> tuple[Hashable, ...]:
        return ticker_keys(channel, exchange)

    def first(self, channel: MarketChannel, held: ChannelContext) -> bytes | None:
        assert channel.instrument_name is not None
        return data_bytes(ticker_of(held, channel.instrument_name)) or None

    def news(self, channel: MarketChannel, item: MarketItem, held: ChannelContext) -> tuple[bytes, ...]:
        name = channel.instrument_name
        assert name is not None
        if not moves_ticker(item, name, held.exchange):
            return ()
        return one(ticker_data(item, name, held)[2])


def ticker_keys(channel: MarketChannel, exchange: DeribitExchange) -> tuple[Hashable, ...]:
    """A ticker's keys: its instrument's, its index's and, an option's, its base currency's volatility."""
    assert channel.instrument_name is not None
    instrument = instrument_of(exchange, channel.instrument_name)
    if instrument is None:
        return (channel.instrument_name,)
    keys: tuple[Hashable, ...] = (channel.instrument_name, ("index", instrument.price_index))
    return (*keys, ("vol", instrument.base_currency)) if instrument.kind == "option" else keys


def moves_ticker(item: MarketItem, instrument_name: str, exchange: DeribitExchange) -> bool:
    """The change moves what the instrument's ticker shows."""
    kind = item.kind
    if kind in TICKER_KINDS:
        return item.instrument_name == instrument_name
    instrument = instrument_of(exchange, instrument_name) if kind in (INDEX, VOLATILITY) else None
    if instrument is None:
        return False
    if kind == INDEX:
        return item.payload[0] == instrument.price_index
    return instrument.kind == "option" and item.payload[0] in (instrument_name, instrument.base_currency)


def ticker_of(held: ChannelContext, instrument_name: str) -> Any:
    """The ticker's row now; None while it cannot be valued (its index has no price: after a reset)."""
    try:
        return ticker_row(ticker(held.exchange, held.levels, instrument_name))
    except ExchangeError:
        return None


def ticker_data(item: MarketItem, instrument_name: str, held: ChannelContext) -> tuple[int, Any, bytes]:
    """The ticker a change leaves (`MarketItem.row_data`), valued once for every ticker channel of the instrument."""
    return item.row_data(("ticker", instrument_name), lambda: ticker_of(held, instrument_name))


# -- rows -------------------------------------------------------------------------------------------------------------


def _entries(entries: list[tuple[Decimal, Decimal]]) -> list[list[Any]]:
    return [["new", number(price, PRICE), json_number(amount)] for price, amount in entries]


def snapshot_row(view: LevelsView, exchange: DeribitExchange) -> dict[str, Any]:
    return {
        "type": "snapshot",
        "timestamp": unix_ms(view.timestamp or exchange.state.clock.now()),
        "instrument_name": view.instrument_name,
        "change_id": view.change_id,
        "bids": _entries(view.bids),
        "asks": _entries(view.asks),
    }


def change_row(moved: LevelsMoved) -> dict[str, Any]:
    def entries(side: tuple[tuple[str, Decimal, Decimal], ...]) -> list[list[Any]]:
        return [[action, number(price, PRICE), json_number(amount)] for action, price, amount in side]

    return {
        "type": "change",
        "timestamp": unix_ms(moved.timestamp),
        "prev_change_id": moved.prev_change_id,
        "instrument_name": moved.instrument_name,
        "change_id": moved.change_id,
        "bids": entries(moved.bids),
        "asks": entries(moved.asks),
    }


def grouped_row(view: LevelsView, channel: MarketChannel, exchange: DeribitExchange) -> dict[str, Any]:
    return {
        "timestamp": unix_ms(view.timestamp or exchange.state.clock.now()),
        "instrument_name": view.instrument_name,
        "change_id": view.change_id,
        "bids": levels(_grouped(view.bids, channel.group, ROUND_FLOOR)[: channel.depth]),
        "asks": levels(_grouped(view.asks, channel.group, ROUND_CEILING)[: channel.depth]),
    }


def _grouped(side: list[tuple[Decimal, Decimal]], step: Decimal | None, rounding: str) -> list[tuple[Decimal, Decimal]]:
    """The levels (best first) summed into price steps: bids rounded down, asks up, to a multiple of `step`."""
    if step is None:
        return side
    summed: dict[Decimal, Decimal] = {}
    for price, amount in side:
        bucket = (price / step).to_integral_value(rounding) * step
        summed[bucket] = summed.get(bucket, Decimal(0)) + amount
    return list(summed.items())  # the input is best first, and so are its buckets
