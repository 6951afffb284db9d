"""One websocket connection's window on the markets: what its subscriptions ask of the market feed (which markets
exist, a book's snapshot, a ticker now) and its place in the venue's fan-out under each market it watches.

The feed is the context's `markets` (a `MarketFeed`, core/kalshi/market_changes.py), read under the ledger's lock;
without one, no market exists. A connection is added to the fan-out under a market's key while at least one of its
subscriptions holds that market (under `EVERY_MARKET` while one takes every market), before any snapshot of it is
read: a change published after the read reaches the connection, one published before it is in the snapshot, and
one in between is both (its book clock tells the subscription to leave it out, market_frames.py). A `communications`
subscription is added under the channel's own key (communications_frames.py), whatever market; a price channel's
under its index's (price_frames.py), and its list read from the ledger's price feeds. A snapshot is read
when it is sent, so its market may have gone since the command named it (a reset): it is then empty, at clock 0, under
the nil id, as a change rendered after its market has gone shows (market_frames.py); a ticker shows no stats.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable
from typing import Any

from mockexchange.core.kalshi.market_changes import MarketStats
from mockexchange.venues.fanout import Fanout
from mockexchange.venues.kalshi.communications_frames import COMMUNICATIONS_KEY
from mockexchange.venues.kalshi.context import KalshiContext
from mockexchange.venues.kalshi.market_frames import NIL_UUID, QuoteWatch, market_key
from mockexchange.venues.kalshi.price_frames import price_key
from mockexchange.venues.kalshi.subscriptions import COMMUNICATIONS, PRICE_CHANNELS, TICKER

Envelope = dict[str, Any]
_NO_STATS = MarketStats(None, 0, None, 0, None, None, 0, 0, 0, None, None, None)  # a market that has gone


def _key(ticker: str | None, channel: str) -> Hashable:
    """The fan-out key a subscription of `channel` holding the market is added under: the market's, but for the
    `communications` channel, whose subscriptions take every user's RFQs under a key of its own, and the price
    channels, whose subscriptions hold indexes (`ticker`: an index; None: every one)."""
    if channel in PRICE_CHANNELS:
        return price_key(channel, ticker)
    return COMMUNICATIONS_KEY if channel == COMMUNICATIONS else market_key(ticker)


class MarketWatch:
    """The `Markets` of one connection's subscriptions (subscriptions.py). On the connection's loop only."""

    def __init__(
        self,
        ctx: KalshiContext,
        fanout: Fanout[Any],
        tickers: QuoteWatch,
        connection: Any,
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        self._ctx = ctx
        self._fanout = fanout
        self._tickers = tickers
        self._connection = connection
        self._loop = loop
        self._held: dict[Hashable, tuple[int, Callable[[], None]]] = {}  # key -> (subscriptions holding it, leave)
        self._ticker_watches: list[str | None] = []  # a market for each ticker subscription holding it

    # -- the fan-out --------------------------------------------------------------------------------------------------

    def watch(self, ticker: str | None, channel: str) -> None:
        key = _key(ticker, channel)
        held = self._held.get(key)
        if held is None:
            self._held[key] = (1, self._fanout.add(key, self._connection, self._loop))
        else:
            self._held[key] = (held[0] + 1, held[1])
        if channel == TICKER:
            self._tickers.watch(ticker)
            self._ticker_watches.append(ticker)

    def unwatch(self, ticker: str | None, channel: str) -> None:
        key = _key(ticker, channel)
        count, leave = self._held[key]
        if count > 1:
            self._held[key] = (count - 1, leave)
        else:
            del self._held[key]
            leave()
        if channel == TICKER:
            self._tickers.unwatch(ticker)
            self._ticker_watches.remove(ticker)

    def close(self) -> None:
        """The connection ended: out of the fan-out under every key, and the ticker watch."""
        for _, leave in self._held.values():
            leave()
        self._held.clear()
        for ticker in self._ticker_watches:
            self._tickers.unwatch(ticker)
        self._ticker_watches.clear()

    def watched(self) -> int:
        """Keys the connection is added under (for tests and the inspector)."""
        return len(self._held)

    # -- the feed -----------------------------------------------------------------------------------------------------

    def unknown(self, tickers: list[str]) -> list[str]:
        feed = self._ctx.markets
        if feed is None:
            return list(tickers)
        with self._ctx.ledger.reading():
            return [t for t in tickers if feed.market_id(t) is None]

    def tickers_of(self, market_ids: list[str]) -> tuple[list[str], list[str]]:
        feed = self._ctx.markets
        if feed is None:
            return [], list(market_ids)
        found, unknown = [], []
        with self._ctx.ledger.reading():
            for market_id in market_ids:
                ticker = feed.market_ticker(market_id)
                if ticker is None:
                    unknown.append(market_id)
                else:
                    found.append(ticker)
        return found, unknown

    def market_id(self, ticker: str) -> str | None:
        feed = self._ctx.markets
        if feed is None:
            return None
        with self._ctx.ledger.reading():
            return feed.market_id(ticker)

    def snapshot(self, ticker: str, yes_price: bool) -> tuple[Envelope, int]:
        feed = self._ctx.markets
        assert feed is not None  # a subscription holds only markets the feed knows
        with self._ctx.ledger.reading():
            market_id = feed.market_id(ticker)
            bids, asks = feed.book_levels(ticker)
            clock = feed.book_clock(ticker)
        msg = self._ctx.profile.ws_orderbook_snapshot(ticker, market_id or NIL_UUID, clock, bids, asks, yes_price)
        return msg, clock

    def index_ids(self, channel: str) -> list[str]:
        with self._ctx.ledger.reading() as ledger:
            return ledger.prices.index_ids(channel)

    def ticker_now(self, ticker: str) -> Envelope:
        feed = self._ctx.markets
        assert feed is not None
        with self._ctx.ledger.reading():
            market_id = feed.market_id(ticker)
            stats = feed.stats(ticker) if market_id is not None else _NO_STATS
            now = self._ctx.ledger.state.clock.now()
        return self._ctx.profile.ws_ticker(ticker, market_id or NIL_UUID, stats, now)
