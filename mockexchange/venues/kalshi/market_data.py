"""Kalshi's public reads of the books, the trades and the exchange: GET /markets/{ticker}/orderbook,
/markets/orderbooks, /markets/trades and /exchange/status.

A book is read as it is at the read, at the book's clock the websocket's deltas count (REST and the `orderbook_delta`
channel agree). Trades are the ledger's (core/kalshi/market_feed.py): newest first, keyset-paged over its time index,
each rendered once per profile (records never change); in a profile with the historical API those printed before the
cutoff's `trades_created_ts` are `GET /historical/trades`' (`trades_page`, which both read through). None of them
lags (docs/known-differences.md).
"""

from __future__ import annotations

from collections.abc import Set
from typing import Any

from mockexchange.core.kalshi.archive import TRADES
from mockexchange.core.kalshi.fill_log import Fill
from mockexchange.core.kalshi.market_changes import Trade
from mockexchange.core.kalshi.positions import buys_yes
from mockexchange.core.kalshi.units import count_units, price_units
from mockexchange.core.stepping import EVERYTHING, Footprint
from mockexchange.core.values import FLAG, Integer
from mockexchange.venues.kalshi import history, market_render
from mockexchange.venues.kalshi.context import KalshiContext
from mockexchange.venues.kalshi.errors import not_found, param_error
from mockexchange.venues.kalshi.markets import market_named
from mockexchange.venues.kalshi.params import CURSOR, MAX_TS, MIN_TS, TICKER, Param, parse_query

GET_MARKET_ORDERBOOK = "GetMarketOrderbook"
GET_MARKET_ORDERBOOKS = "GetMarketOrderbooks"
GET_TRADES = "GetTrades"
DEPTH = Param("depth", "Depth", Integer(0, 100), default=0, range_tags=("min", "max"))
TRADES_LIMIT = Param("limit", "Limit", Integer(0, 1000), default=100)
TRADES_PARAMS = [TRADES_LIMIT, CURSOR, TICKER, MIN_TS, MAX_TS, Param("is_block_trade", "IsBlockTrade", FLAG)]
MAX_BOOKS = 100  # tickers of one GET /markets/orderbooks
MAX_TICKER = 200  # characters of each


def get_market_orderbook(ctx: KalshiContext, key: Any, values: Any) -> dict[str, Any]:
    depth = parse_query(GET_MARKET_ORDERBOOK, [DEPTH], values)["depth"] or None  # 0: every level
    with ctx.ledger.reading() as ledger:
        market_named(ledger, values["ticker"])
        return ctx.profile.orderbook(ctx.ledger.feed.book_levels(values["ticker"], depth))


def get_market_orderbooks(ctx: KalshiContext, key: Any, values: Any) -> dict[str, Any]:
    if not ctx.profile.market_orderbooks:
        raise not_found(f"the {ctx.profile.name} profile has no GET /markets/orderbooks (Kalshi added it later)")
    tickers = values.every("tickers")
    if not tickers:
        raise param_error(GET_MARKET_ORDERBOOKS, "Tickers", "required", "tickers is required (tickers=A&tickers=B)")
    if len(tickers) > MAX_BOOKS:
        raise param_error(GET_MARKET_ORDERBOOKS, "Tickers", "max", f"tickers takes at most {MAX_BOOKS} markets")
    for ticker in tickers:
        if len(ticker) > MAX_TICKER:
            raise param_error(GET_MARKET_ORDERBOOKS, "Tickers[0]", "max", f"a ticker has at most {MAX_TICKER} "
                              "characters")  # fmt: skip
    with ctx.ledger.reading() as ledger:
        for ticker in tickers:
            market_named(ledger, ticker)
        books = [(t, ctx.ledger.feed.book_levels(t, None)) for t in tickers]
        return {"orderbooks": [{"ticker": t, "orderbook_fp": market_render.orderbook(levels)} for t, levels in books]}


def trade_of(fill: Fill, blocks: Set[str]) -> Trade:
    """The trade a fill printed: its taker took the fill's side if the fill took, else the other; a block trade's if
    its id is among `blocks` (the ledger's `block_trade_ids`)."""
    buys = buys_yes(fill.side, fill.action)
    return Trade(
        fill.fill_id, fill.ticker, count_units(fill.count), price_units(fill.yes_price),
        "yes" if buys == fill.is_taker else "no", fill.created, bool(blocks) and fill.fill_id in blocks,
    )  # fmt: skip


def trades_page(ctx: KalshiContext, operation: str, query: Any, historical: bool) -> Any:
    """A page of trades, newest first: those printed from the historical cutoff's `trades_created_ts` on (the live
    read), or before it (`historical`); every one in a profile without the historical API."""
    values = parse_query(operation, TRADES_PARAMS, query)
    values["limit"] = values["limit"] or TRADES_LIMIT.default
    ticker = values.pop("ticker")
    state = ctx.ledger.state
    index, owner = (state.market_trades, ticker) if ticker is not None else (state.trades, "")
    blocks, block = state.block_trade_ids, values["is_block_trade"]
    keep = None if block is None else (lambda fill: (fill.fill_id in blocks) == block)
    archive, render = state.archive, ctx.profile.trade

    def bounds() -> tuple[int | None, int | None]:  # (read with the page, under the ledger's lock)
        if not ctx.profile.historical:
            return None, None
        cutoff = archive.cutoff_us(TRADES)
        return (None, cutoff) if historical else (cutoff, None)

    return history.page(ctx, history.Listing(
        operation, index, owner, values, keep, lambda fill: render(trade_of(fill, blocks)), "trades",
        cached="trades", bounds=bounds, lenient=True,
        footprint=lambda: Footprint.of(markets=(ticker,)) if ticker is not None else EVERYTHING,
    ))  # fmt: skip


def get_trades(ctx: KalshiContext, key: Any, query: Any) -> Any:
    return trades_page(ctx, GET_TRADES, query, historical=False)


def get_exchange_status(ctx: KalshiContext, key: Any, values: Any) -> dict[str, Any]:
    with ctx.ledger.reading() as ledger:
        status = ledger.state.exchange.at(ledger.state.clock.now())
        return ctx.profile.exchange_status(status, sorted(ledger.state.exchange_indexes))
