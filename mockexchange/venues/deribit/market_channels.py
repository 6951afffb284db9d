"""Deribit's public market data channels on the websocket: `book.{instrument_name}.{interval}`,
`book.{instrument_name}.{group}.{depth}.{interval}` and `ticker.{instrument_name}.{interval}`, for listed instruments.

Routing (`venues/fanout.py`, a second fan-out of the venue's, keyed by instrument): a connection is added under an
instrument's key while one of its channels holds the instrument, and under its index's key (`("index", name)`) while a
ticker channel does. A resting order's change (`orders.CHANGE`) is keyed by its instrument and, in the publishing
thread, `derive`d into the move it made of the book (`PublicLevels.moved_by`, a `derivatives.book` change handed over
right behind it; none when no level moved); a trade, a mark or settlement price by their instrument, an index by its
key. On the loop each change becomes one item shared by that loop's connections, rendered once per shape.

What a channel sends: `book.*.{interval}` a `snapshot` first (every level, each `["new", price, amount]`, the book's
`change_id`), then each move as a `change` (`prev_change_id` the previous move's id; a move the snapshot holds already
is not sent: the connection is added under the instrument before the snapshot is read, on the loop, and the snapshot is
queued before any later move). A channel's first notification (`Initial`) is read from the exchange when the connection
sends it, not when it subscribes: a request naming many deep books holds one snapshot at a time, however slowly its
client reads. The grouped form sends the first `depth` levels, each `[price, amount]`, prices grouped
down (bids) or up (asks) to a multiple of `group` (`none`: as they rest), at once and after every move. `ticker.*` its
ticker at once and after every move of the book, trade, mark, settlement or index price of its instrument, valued when
the first connection sends it. Every interval sends every change (the mock does not batch `100ms` or `agg2`); a `raw`
channel needs an authorized connection (13778), as Deribit's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

import orjson

from mockexchange.core.clock import unix_ms
from mockexchange.core.deribit.bounds import ExchangeError
from mockexchange.core.deribit.exchange import DeribitExchange
from mockexchange.core.deribit.market_stats import ticker
from mockexchange.core.deribit.orders import CHANGE as ORDERS
from mockexchange.core.deribit.public_levels import LevelsMoved, LevelsView, PublicLevels
from mockexchange.core.events import Change
from mockexchange.venues.deribit.channels import PUBLIC
from mockexchange.venues.deribit.market_data import levels, ticker_row
from mockexchange.venues.deribit.notifications import CHANGE_BYTES
from mockexchange.venues.deribit.render import PRICE, number
from mockexchange.venues.fanout import Fanout
from mockexchange.venues.outbox import Shared
from mockexchange.web.answers import json_number

BOOK = "derivatives.book"  # the move an order change made (derived, never published on the bus)
TRADES = "derivatives.trade"
# payload (instrument name, price or a perpetual's funding rate)
PRICES = ("derivatives.mark_price", "derivatives.settlement_price", "derivatives.funding")
INDEX = "derivatives.index_price"  # payload (index name, price)
KINDS = (ORDERS, TRADES, INDEX, *PRICES)
INTERVALS = ("raw", "100ms", "agg2")
GROUPED_INTERVALS = ("100ms", "agg2")
GROUPS = ("none", "1", "2", "5", "10", "25", "100", "250")
GROUPED_DEPTHS = ("1", "10", "20")
SNAPSHOT_DEPTH = 10_000  # levels a side in a snapshot (Deribit's deepest book read)
_HEAD = b'{"jsonrpc":"2.0","method":"subscription","params":{"channel":'
ENTRY_BYTES = 256  # what one level a move changed holds (its action, price and amount), in bytes


_PREFIXES = tuple(family.rstrip("*") for family in PUBLIC)


def is_market(name: str) -> bool:
    return name.startswith(_PREFIXES)


@dataclass(frozen=True, slots=True)
class MarketChannel:
    name: str  # as subscribed
    family: str  # "book", "grouped", "ticker"
    instrument_name: str
    interval: str
    group: Decimal | None = None  # grouped: the price step (None: "none")
    depth: int = 0  # grouped: levels a side


def parse_market_channel(name: str, exchange: DeribitExchange) -> MarketChannel | str:
    """The channel, or why the mock does not serve it (the instrument must be listed)."""
    parts = name.split(".")
    family = parts[0]
    if family == "ticker" and len(parts) == 3 or family == "book" and len(parts) in (3, 5):
        instrument_name, interval = parts[1], parts[-1]
    else:
        return (
            f"{family}.* takes {'{instrument_name}.{interval}' if family == 'ticker' else 'an instrument and interval'}"
        )
    try:
        exchange.market.instrument(instrument_name)
    except ExchangeError:
        return f"no listed instrument {instrument_name[:100]!r}"
    if len(parts) == 5:
        group, depth = parts[2], parts[3]
        if group not in GROUPS or depth not in GROUPED_DEPTHS or interval not in GROUPED_INTERVALS:
            return (
                f"group one of {', '.join(GROUPS)}, depth one of {', '.join(GROUPED_DEPTHS)}, "
                f"interval one of {', '.join(GROUPED_INTERVALS)}"
            )
        step = None if group == "none" else Decimal(group)
        return MarketChannel(name, "grouped", instrument_name, interval, step, int(depth))
    if interval not in INTERVALS:
        return f"interval must be one of {', '.join(INTERVALS)}"
    return MarketChannel(name, family, instrument_name, interval)


# -- the fan-out's routing (the publishing thread, the exchange's lock held) -------------------------------------------


def change_bytes(change: Change) -> int:
    """What a change holds before it is rendered (a book's move: each level it changed), in bytes: its weight in the
    fan-outs' inboxes and the outboxes (venues/outbox.py)."""
    if change.kind != BOOK:
        return CHANGE_BYTES
    moved = change.payload
    return CHANGE_BYTES + ENTRY_BYTES * (len(moved.bids) + len(moved.asks))


def key_of(change: Change) -> Hashable:
    if change.kind in (ORDERS, TRADES):
        return change.payload.instrument_name
    if change.kind == INDEX:
        return ("index", change.payload[0])
    return change.payload[0]


def deriver(levels: PublicLevels) -> Callable[[Change], Change | None]:
    def derive(change: Change) -> Change | None:
        if change.kind != ORDERS:
            return None
        moved = levels.moved_by(change)
        return None if moved is None else Change(BOOK, None, moved)

    return derive


# -- what a loop hands its connections -------------------------------------------------------------------------------


class MarketItem(Shared):
    """One change of market data on its way to a loop's connections: each shape rendered once for all of them."""

    __slots__ = ("instrument_name", "index_name", "moved", "_data")

    def __init__(self, change: Change) -> None:
        self.moved: LevelsMoved | None = change.payload if change.kind == BOOK else None
        self.size, self._holders = change_bytes(change), None  # (Shared's, set here: one call less per change)
        self.index_name: str | None = change.payload[0] if change.kind == INDEX else None
        if change.kind in (BOOK, TRADES):
            self.instrument_name: str | None = change.payload.instrument_name
        else:
            self.instrument_name = None if change.kind == INDEX else change.payload[0]
        self._data: dict[Hashable, bytes] = {}

    def data(self, shape: Hashable, render: Callable[[], Any]) -> bytes:
        """The rest of the frame after the channel name, rendered on first use; b"" when `render` has nothing."""
        found = self._data.get(shape)
        if found is None:
            found = self._data[shape] = self.kept(_data(render()))
        return found


@dataclass(frozen=True, slots=True)
class Initial:
    """A channel's first notification, read when it is sent (`MarketSubscriptions.first`)."""

    channel: MarketChannel


def frame(channel: str, data: bytes) -> str:
    return (_HEAD + orjson.dumps(channel) + data).decode()


class MarketSubscriptions:
    """One connection's market channels, the fan-out keys it is added under, and the last book move each book channel
    sent. Runs on the connection's loop."""

    def __init__(self, exchange: DeribitExchange, levels: PublicLevels, fanout: Fanout[Any] | None, owner: Any) -> None:
        self.exchange = exchange
        self.levels = levels
        self.fanout = fanout
        self.owner = owner  # the connection the fan-out hands items to
        self.channels: dict[str, MarketChannel] = {}
        self._keys: dict[Hashable, Callable[[], None]] = {}
        self._sent: dict[str, int] = {}  # book channel -> the change id it holds

    def subscribe(self, channel: MarketChannel, loop: asyncio.AbstractEventLoop) -> Initial:
        """Hold the channel; its first notification (to queue before any later change reaches the connection)."""
        self.channels[channel.name] = channel
        self._route(loop)
        return Initial(channel)

    def first(self, initial: Initial) -> list[tuple[str, str]]:
        """(channel, frame text) of a channel's first notification, read now, if the channel is still held and has
        one (a ticker whose index has no price has none yet); a book channel holds the book's `change_id` from now
        on: a move the snapshot holds is not sent after it."""
        channel = initial.channel
        if self.channels.get(channel.name) is not channel:
            return []
        with self.exchange.reading():
            if channel.family == "ticker":
                data = _data(self._ticker(channel.instrument_name))
                return [(channel.name, frame(channel.name, data))] if data else []
            view = self.levels.view(channel.instrument_name, SNAPSHOT_DEPTH)
            grouped = channel.family == "grouped"
            row = grouped_row(view, channel, self.exchange) if grouped else snapshot_row(view, self.exchange)
            self._sent[channel.name] = view.change_id
            return [(channel.name, frame(channel.name, _data(row)))]

    def unsubscribe(self, name: str) -> None:
        if self.channels.pop(name, None) is not None:
            self._sent.pop(name, None)
            self._route(None)

    def clear(self) -> None:
        self.channels.clear()
        self._sent.clear()
        self._route(None)

    def _route(self, loop: asyncio.AbstractEventLoop | None) -> None:
        """Be added under exactly the keys the channels need: their instruments, and the tickers' indexes."""
        wanted: set[Hashable] = set()
        for channel in self.channels.values():
            wanted.add(channel.instrument_name)
            if channel.family == "ticker":
                index = self._index(channel.instrument_name)
                if index is not None:
                    wanted.add(("index", index))
        for key in [k for k in self._keys if k not in wanted]:
            self._keys.pop(key)()
        if self.fanout is not None and loop is not None:
            for key in wanted - set(self._keys):
                self._keys[key] = self.fanout.add(key, self.owner, loop)

    def frames(self, item: MarketItem) -> list[tuple[str, str]]:
        """(channel, frame text) of each channel the item is news to."""
        found = []
        with self.exchange.reading():
            for channel in list(self.channels.values()):
                data = self._data(channel, item)
                if data:
                    found.append((channel.name, frame(channel.name, data)))
        return found

    def _data(self, channel: MarketChannel, item: MarketItem) -> bytes | None:
        name = channel.instrument_name
        moved = item.moved
        if channel.family == "ticker":
            if item.instrument_name != name and not (
                item.index_name is not None and item.index_name == self._index(name)
            ):
                return None
            return item.data(("ticker", name), lambda: self._ticker(name))
        if moved is None or moved.instrument_name != name:
            return None
        held = self._sent.get(channel.name)
        if held is None or moved.change_id <= held:
            return None  # its snapshot holds the move (or is not sent yet: it will hold it)
        self._sent[channel.name] = moved.change_id
        if channel.family == "book":
            return item.data("change", lambda: change_row(moved))
        return item.data(
            ("grouped", channel.group, channel.depth),
            lambda: grouped_row(self.levels.view(name, SNAPSHOT_DEPTH), channel, self.exchange),
        )

    def _index(self, instrument_name: str) -> str | None:
        try:
            return self.exchange.market.instrument(instrument_name).price_index
        except ExchangeError:
            return None

    def _ticker(self, name: str) -> Any:
        """The ticker's row; None while it cannot be valued (its index has no price: after a reset)."""
        try:
            return ticker_row(ticker(self.exchange, self.levels, name))
        except ExchangeError:
            return None

    def close(self) -> None:
        for remove in self._keys.values():
            remove()
        self._keys.clear()


def _data(row: Any) -> bytes:
    """`,"data":{...}}}`: the frame after its channel name; b"" for no row."""
    return b"" if row is None else b',"data":' + orjson.dumps(row) + b"}}"


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
