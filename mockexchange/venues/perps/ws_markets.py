"""One perps websocket connection's window on the perps markets (Kalshi's `MarketWatch`, its place in the fan-out
under each market it watches, with the perps exchange's reads: which markets exist, a book's snapshot at the book
clock, a ticker now), and the ticker channel's watch of what each market's ticker shows (`PerpTickerWatch`, the
fan-out's `derive`). Every read is under the exchange's lock; a market gone since a command named it (a reset) reads
as an empty book at clock 0."""

from __future__ import annotations

import asyncio
from typing import Any

from mockexchange.core.book import ASK, BID
from mockexchange.core.clock import unix_ms
from mockexchange.core.events import Change
from mockexchange.core.perps.book_changes import BOOK
from mockexchange.venues.fanout import Fanout
from mockexchange.venues.kalshi.market_frames import QuoteWatch
from mockexchange.venues.kalshi.market_watch import MarketWatch
from mockexchange.venues.perps import ws_render
from mockexchange.venues.perps.context import PerpsContext
from mockexchange.venues.perps.markets import _row as market_row
from mockexchange.venues.perps.ws_frames import MARKET, TICKER_MOVED, TRADE, PerpTickerMoved

Envelope = dict[str, Any]


def ticker_shown(ctx: PerpsContext, ticker: str) -> Envelope | None:
    """What the market's ticker shows now (no `ts_ms`); None if it is not listed. The lock held."""
    state = ctx.exchange.state
    market = state.markets.get(ticker)
    if market is None:
        return None
    trades = state.trades[ticker]
    shown = ws_render.ticker(market_row(ctx, market), trades[-1] if trades else None)
    shown["funding_rate"] = ws_render.funding(ctx.exchange.funding_estimate(market, made=False))
    return shown


class PerpTickerWatch(QuoteWatch):
    """A ticker message when a book change, a trade or a market's change (its marks) moved what its ticker shows."""

    kinds = (BOOK, TRADE, MARKET)

    def __init__(self, ctx: PerpsContext) -> None:
        super().__init__(lambda: ctx.exchange.lock)
        self._ctx = ctx

    def shown(self, ticker: str) -> tuple[Any, Any] | None:
        shown = ticker_shown(self._ctx, ticker)
        if shown is None:
            return None
        rate = shown["funding_rate"]  # (compared but its time: the estimate's moves, not the clock's)
        return shown | {"funding_rate": (rate["rate"], rate["next_funding_time_ms"])}, shown

    def moved(self, change: Change, carried: Any) -> Change:
        payload = change.payload
        at = payload.at if change.kind == BOOK else payload.created if change.kind == TRADE else None
        if at is None:
            at = self._ctx.exchange.state.clock.now()
        return Change(TICKER_MOVED, None, PerpTickerMoved(payload.ticker, carried | {"ts_ms": unix_ms(at)}))


class PerpsMarketWatch(MarketWatch):
    """The `Markets` of a perps connection's subscriptions, on its loop only."""

    def __init__(
        self, ctx: PerpsContext, fanout: Fanout[Any], tickers: PerpTickerWatch, connection: Any,
        loop: asyncio.AbstractEventLoop,
    ) -> None:  # fmt: skip
        super().__init__(ctx.kalshi, fanout, tickers, connection, loop)
        self._perps = ctx

    def unknown(self, tickers: list[str]) -> list[str]:
        state = self._perps.exchange.state
        with state.lock:
            return [t for t in tickers if t not in state.markets]

    def tickers_of(self, market_ids: list[str]) -> tuple[list[str], list[str]]:
        return [], list(market_ids)  # (the perps channels name their markets by ticker alone)

    def market_id(self, ticker: str) -> str | None:
        state = self._perps.exchange.state
        with state.lock:
            market = state.markets.get(ticker)
            return None if market is None else market.market_id

    def snapshot(self, ticker: str, yes_price: bool) -> tuple[Envelope, int]:
        exchange = self._perps.exchange
        with exchange.lock:
            book = exchange.state.books.get(ticker)
            if book is None:
                return ws_render.snapshot(ticker, [], []), 0
            return ws_render.snapshot(ticker, book.levels(BID), book.levels(ASK)), exchange.trading.book_clock.now

    def ticker_now(self, ticker: str) -> Envelope:
        exchange = self._perps.exchange
        with exchange.lock:
            shown = ticker_shown(self._perps, ticker) or {"market_ticker": ticker}
            return shown | {"ts_ms": unix_ms(exchange.state.clock.now())}
