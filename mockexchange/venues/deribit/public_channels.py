"""What Deribit's public channels share on the websocket: a channel read from its name (`MarketChannel`), a family of
them (`ChannelFamily`: how its names read, the fan-out keys a channel needs, its first notification, what a change
tells it), the change on its way to a loop's connections (`MarketItem`, each shape rendered once for all of them), and
the routing of the exchange's changes through the venue's market fan-out (`Routing`).

Routing (`venues/fanout.py`, a fan-out keyed by what a change is of): a change is keyed by its instrument (an order's, a
trade's, a mark or settlement price's, a funding rate's, a listing's, an expiry's), an index's by `("index", name)`, a
volatility's by `("vol", base currency)`, the platform's locks and announcements by their kind; a trade is also handed
to the connections under `("trades", settlement currency)` (a `trades.{kind}.{currency}` channel), a listing or an
expiry to those under `("instruments", settlement currency)`, an option's mark to those under its index's key
(`markprice.options`). In the publishing thread an order's change is `derive`d into the move it made of the book
(`PublicLevels.moved_by`) and a trade into the public trade when it is the one its instrument keeps (the taker's side,
or a seeded fill: each trade id once, as the last trades list it).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from itertools import count
from typing import Any

import orjson

from mockexchange.core.deribit.bounds import ExchangeError
from mockexchange.core.deribit.exchange import DeribitExchange
from mockexchange.core.deribit.instruments import INVERSE_BASES, LINEAR_QUOTE, Instrument
from mockexchange.core.deribit.orders import CHANGE as ORDERS
from mockexchange.core.deribit.public_levels import LevelsMoved, PublicLevels
from mockexchange.core.events import Change
from mockexchange.venues.deribit.channels import currency_of, is_currency
from mockexchange.venues.deribit.methods import ORDER_KIND
from mockexchange.venues.deribit.notifications import CHANGE_BYTES
from mockexchange.venues.outbox import Shared

BOOK = "derivatives.book"  # the move an order change made (derived, never published on the bus)
PUBLIC_TRADE = "derivatives.public_trade"  # a trade as its instrument keeps it (derived, never published)
TRADES = "derivatives.trade"  # either side of a trade: payload its `DeribitTrade`
MARK = "derivatives.mark_price"  # payload (instrument name, price or None)
SETTLEMENT = "derivatives.settlement_price"  # payload (instrument name, price)
FUNDING = "derivatives.funding"  # payload (a perpetual's name, its funding rate now)
INDEX = "derivatives.index_price"  # payload (index name, price)
VOLATILITY = "derivatives.volatility"  # payload (a base currency or an option's name, volatility)
LISTED = "derivatives.instrument"  # payload the instrument listed
EXPIRED = "derivatives.expired"  # payload the instrument expired and delivered
PLATFORM = "derivatives.platform_state"  # payload (the indices locked before, and after)
ANNOUNCEMENT = "derivatives.announcement"  # payload the announcement, once its publication time is reached
KINDS = (ORDERS, TRADES, INDEX, MARK, SETTLEMENT, FUNDING, VOLATILITY, LISTED, EXPIRED, PLATFORM, ANNOUNCEMENT)
_MOVES = (INDEX, MARK, VOLATILITY)  # what values a wallet's positions (a `user.portfolio` channel's news)
INTERVALS = ("raw", "100ms", "agg2")
SETTLEMENT_CURRENCIES = (*INVERSE_BASES, LINEAR_QUOTE)  # every currency an instrument the mock lists settles in
ENTRY_BYTES = 256  # what one level a move changed holds (its action, price and amount), in bytes
_HEAD = b'{"jsonrpc":"2.0","method":"subscription","params":{"channel":'
_INDEX_NAME = re.compile(r"[a-z][a-z0-9]{0,15}_[a-z][a-z0-9]{0,15}", re.ASCII)  # btc_usd, eth_usdc, btcdvol_usdc


@dataclass(frozen=True, slots=True)
class MarketChannel:
    name: str  # as subscribed
    family: str  # its family's name ("book", "grouped", "ticker", "trades", ...)
    instrument_name: str | None = None  # one instrument's channel
    interval: str | None = None
    group: Decimal | None = None  # grouped book: the price step (None: "none")
    depth: int = 0  # grouped book: levels a side
    resolution: int = 0  # chart.trades: minutes
    kind: str | None = None  # a channel by kind and currency (None: any)
    currency: str | None = None  # (None: any)
    index_name: str | None = None  # an index's channel

    def carries(self, instrument: Instrument) -> bool:
        """A channel by kind and currency takes this instrument's changes."""
        return self.kind in (None, instrument.kind) and self.currency in (None, instrument.settlement_currency)

    @property
    def currencies(self) -> tuple[str, ...]:
        return SETTLEMENT_CURRENCIES if self.currency is None else (self.currency,)


@dataclass(frozen=True, slots=True)
class Initial:
    """A channel's first notification, read when it is sent (`MarketSubscriptions.first`)."""

    channel: MarketChannel


_VALUATIONS = count()  # (next() is atomic: each row a family compares is numbered as it is valued, under the lock)


def valuation() -> int:
    """The number of a row valued now: a row valued later has a higher one, whichever loop valued it."""
    return next(_VALUATIONS)


class ChannelContext:
    """What one connection's channels read and keep between notifications: the exchange, the public books, and each
    channel's last word (`last`, by channel name: the book change id a book channel holds, the quote or ticker a
    quote or incremental ticker channel sent last, with its `valuation`)."""

    __slots__ = ("exchange", "levels", "last")

    def __init__(self, exchange: DeribitExchange, levels: PublicLevels) -> None:
        self.exchange = exchange
        self.levels = levels
        self.last: dict[str, Any] = {}


class ChannelFamily:
    """One family of public channels. Its names start with one of `prefixes` (or are one of `names`); `parse` reads a
    name split at its dots into the channel, or says why the mock does not serve it; `keys` are the fan-out keys the
    channel needs (an instrument's channel, by default: its instrument); `first` is the data of its first
    notification, read when it is sent (None: it has none); `news` the data of each notification a change makes of it
    (none: the change is no news to it). `reads_many`: rendering a change reads more than the change's instrument (a
    long command beside it must have ended)."""

    prefixes: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    reads_many = False

    def parse(self, name: str, parts: list[str], exchange: DeribitExchange) -> MarketChannel | str:
        raise NotImplementedError

    def keys(self, channel: MarketChannel, exchange: DeribitExchange) -> tuple[Hashable, ...]:
        return (channel.instrument_name,)

    def first(self, channel: MarketChannel, held: ChannelContext) -> bytes | None:
        return None

    def news(self, channel: MarketChannel, item: MarketItem, held: ChannelContext) -> tuple[bytes, ...]:
        raise NotImplementedError


# -- reading names ----------------------------------------------------------------------------------------------------


def instrument_of(exchange: DeribitExchange, instrument_name: str) -> Instrument | None:
    """The instrument, if it is listed (a channel's may be gone since it was read: a reset)."""
    try:
        return exchange.market.instrument(instrument_name)
    except ExchangeError:
        return None


def listed(instrument_name: str, exchange: DeribitExchange) -> str | None:
    """Why a channel of this instrument is refused (None: it is listed)."""
    if instrument_of(exchange, instrument_name) is None:
        return f"no listed instrument {instrument_name[:100]!r}"
    return None


def interval_refused(interval: str) -> str | None:
    return None if interval in INTERVALS else f"interval must be one of {', '.join(INTERVALS)}"


def instrument_channel(family: str, name: str, parts: list[str], exchange: DeribitExchange) -> MarketChannel | str:
    """`{family}.{instrument_name}.{interval}` of a listed instrument, or why it is refused."""
    if len(parts) != 3:
        return f"{family}.* takes {{instrument_name}}.{{interval}}"
    refused = listed(parts[1], exchange) or interval_refused(parts[2])
    return refused or MarketChannel(name, family, parts[1], parts[2])


def kind_and_currency(kind: str, currency: str) -> tuple[str | None, str | None] | str:
    """A channel's `{kind}.{currency}` (each None for `any`), or why not: a kind Deribit names, a coin code."""
    if kind not in ORDER_KIND.options:
        return f"kind {kind[:40]!r} is not one of {', '.join(ORDER_KIND.options)}"
    if not is_currency(currency):
        return f"currency {currency[:40]!r} is not a currency code or any"
    return (None if kind == "any" else kind), currency_of(currency)


def index_refused(index_name: str) -> str | None:
    if _INDEX_NAME.fullmatch(index_name):
        return None
    return f"{index_name[:40]!r} is not an index name (a coin and a currency: btc_usd, eth_usdc)"


def index_base(index_name: str) -> str:
    """The base currency of an index (`btc` of `btc_usd`), as instruments name it."""
    return index_name.partition("_")[0].upper()


# -- the fan-out's routing (the publishing thread, the exchange's lock held) -------------------------------------------


def change_bytes(change: Change) -> int:
    """What a change holds before it is rendered (a book's move: each level it changed), in bytes: its weight in the
    fan-outs' inboxes and the outboxes (venues/outbox.py)."""
    if change.kind != BOOK:
        return CHANGE_BYTES
    moved = change.payload
    return CHANGE_BYTES + ENTRY_BYTES * (len(moved.bids) + len(moved.asks))


class Routing:
    """How the market fan-out keys the exchange's changes (`key`, `wide`) and what it derives from them (`derive`)."""

    def __init__(self, exchange: DeribitExchange, levels: PublicLevels) -> None:
        self.state = exchange.state
        self.levels = levels

    def key(self, change: Change) -> Hashable:
        kind, payload = change.kind, change.payload
        if kind in (ORDERS, TRADES, LISTED, EXPIRED):
            return payload.instrument_name
        if kind == INDEX:
            return ("index", payload[0])
        if kind in (PLATFORM, ANNOUNCEMENT):
            return (kind,)
        if kind == VOLATILITY:
            listing = self.state.listings.get(payload[0])
            return ("vol", listing.instrument.base_currency if listing is not None else payload[0].upper())
        return payload[0]  # a mark or settlement price, a funding rate: its instrument

    def wide(self, change: Change) -> tuple[Hashable, ...]:
        kind = change.kind
        if kind == TRADES:
            return (("trades", change.payload.fee_currency),)  # (a trade's fee is in its settlement currency)
        if kind in (LISTED, EXPIRED):
            return (("instruments", change.payload.settlement_currency),)
        if kind not in _MOVES:
            return ()  # (an order's change, the most frequent: no more work)
        portfolios = tuple(("portfolio", currency) for currency in moved_currencies(change, self.state.listings))
        if kind == MARK:
            listing = self.state.listings.get(change.payload[0])
            if listing is not None and listing.instrument.kind == "option":
                return (("index", listing.instrument.price_index), *portfolios)
        return portfolios

    def derive(self, change: Change) -> Change | None:
        if change.kind == ORDERS:
            moved = self.levels.moved_by(change)
            return None if moved is None else Change(BOOK, None, moved)
        if change.kind == TRADES:
            trade = change.payload
            kept = self.state.instrument_trades.get(trade.instrument_name)
            if kept and kept[-1] is trade:  # (the maker's side of a match shares the id: not kept, not public)
                return Change(PUBLIC_TRADE, None, trade)
        return None


def moved_currencies(change: Change | MarketItem, listings: Mapping[str, Any]) -> tuple[str, ...]:
    """The currencies whose wallets' figures a move of an index, a mark or a volatility may change (those of the
    instruments it values); () for any other change."""
    kind, payload = change.kind, change.payload
    if kind == INDEX:
        base, _, quote = payload[0].partition("_")
        return (base.upper() if quote == "usd" else quote.upper(),)  # (inverse instruments settle in their base)
    if kind not in _MOVES:
        return ()
    listing = listings.get(payload[0])
    if listing is not None:
        return (listing.instrument.settlement_currency,)
    if kind == MARK:
        return ()  # (an instrument no longer listed)
    base = payload[0].upper()  # a base currency's volatility: its options, coin-settled and linear
    return (base, LINEAR_QUOTE) if base in INVERSE_BASES else (LINEAR_QUOTE,)


# -- what a loop hands its connections -------------------------------------------------------------------------------


class MarketItem(Shared):
    """One change of market data on its way to a loop's connections: each shape rendered once for all of them (its
    row kept too where a family compares rows: `row_data`)."""

    __slots__ = ("kind", "payload", "instrument_name", "_data", "_rows")

    def __init__(self, change: Change) -> None:
        self.size, self._holders = change_bytes(change), None  # (Shared's, set here: one call less per change)
        self.kind, self.payload = change.kind, change.payload
        # the one instrument rendering it reads (None: an index or a currency's volatility, read by many)
        self.instrument_name: str | None = _instrument_of(change)
        self._data: dict[Hashable, bytes] = {}
        self._rows: dict[Hashable, Any] | None = None

    @property
    def moved(self) -> LevelsMoved | None:
        return self.payload if self.kind == BOOK else None

    @property
    def index_name(self) -> str | None:
        return self.payload[0] if self.kind == INDEX else None

    def data(self, shape: Hashable, render: Callable[[], Any]) -> bytes:
        """The rest of the frame after the channel name, rendered on first use; b"" when `render` has nothing."""
        found = self._data.get(shape)
        if found is None:
            found = self._data[shape] = self.kept(data_bytes(render()))
        return found

    def row_data(self, shape: Hashable, render: Callable[[], Any]) -> tuple[int, Any, bytes]:
        """The row, its `valuation` and its data (`data`), from one rendering: a connection that sent a row valued
        later (its first notification, read after another connection rendered this change) leaves this one out."""
        rows = self._rows
        if rows is None:
            rows = self._rows = {}
        found = rows.get(shape)
        if found is None:
            row = render()
            found = rows[shape] = (valuation(), row)
            self._data[shape] = self.kept(data_bytes(row))
        return found[0], found[1], self._data[shape]


def _instrument_of(change: Change) -> str | None:
    kind, payload = change.kind, change.payload
    if kind in (BOOK, TRADES, PUBLIC_TRADE, LISTED, EXPIRED):
        return payload.instrument_name
    if kind in (MARK, SETTLEMENT, FUNDING):
        return payload[0]
    return None


def data_bytes(row: Any) -> bytes:
    """`,"data":{...}}}`: the frame after its channel name; b"" for no row."""
    return b"" if row is None else b',"data":' + orjson.dumps(row) + b"}}"


def one(data: bytes | None) -> tuple[bytes, ...]:
    return (data,) if data else ()


def frame(channel: str, data: bytes) -> str:
    return (_HEAD + orjson.dumps(channel) + data).decode()
