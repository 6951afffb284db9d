"""The perps exchange's public reads: its status and risk parameters, its markets (a list, one), their order books
(one, several) and their trades. Each from the exchange's state, under its lock."""

from __future__ import annotations

from typing import Any

from mockexchange.core.book import ASK, BID, Side
from mockexchange.core.perps.errors import not_found
from mockexchange.core.perps.markets import STATUSES, PerpMarket
from mockexchange.core.perps.units import PRICE_KIND
from mockexchange.core.rounding import ceiling
from mockexchange.core.values import Choice, Integer, Listed, Refused, Text
from mockexchange.venues.kalshi.errors import param_error
from mockexchange.venues.kalshi.params import CURSOR, INT64, LIMIT, MAX_TS, MIN_TS, TICKER, Param, parse_query
from mockexchange.venues.perps import pages, render
from mockexchange.venues.perps.context import PerpsContext, refused

STATUS = Param("status", "Status", Choice(STATUSES))
DEPTH = Param("depth", "Depth", Integer(0, INT64.most), 0)
AGGREGATION = Param("aggregation_tick_size", "AggregationTickSize")
# The spec's `required,min=1,max=100,dive,max=200`: an item of any text to 200 characters (an unknown one is a 404)
TICKERS = Param("tickers", "Tickers", Listed(Text(200, 0, blank=True), 100, 1), required=True)


def exchange_status(ctx: PerpsContext, key: Any, query: Any) -> dict[str, Any]:
    state = ctx.exchange.state
    return {"exchange_active": state.exchange_active, "trading_active": state.trading_active}


def risk_parameters(ctx: PerpsContext, key: Any, query: Any) -> dict[str, Any]:
    state = ctx.exchange.state
    return {
        "liquidation_margin_ratio_threshold": render.rate(state.liquidation_threshold),
        "queue_entry_margin_ratio_threshold": render.rate(state.queue_threshold),
        "initial_margin_multiplier": {t: render.rate(m.initial_multiplier) for t, m in sorted(state.markets.items())},
    }


def market_named(ctx: PerpsContext, ticker: str) -> PerpMarket:
    market = ctx.exchange.state.markets.get(ticker)
    if market is None:
        raise refused(not_found(f"margin market {ticker!r}"))
    return market


def _row(ctx: PerpsContext, market: PerpMarket) -> dict[str, Any]:
    book = ctx.exchange.state.books[market.ticker]
    return render.market(market, (book.best(BID), book.best(ASK)), ctx.exchange.volume_24h(market))


def markets(ctx: PerpsContext, key: Any, query: Any) -> dict[str, Any]:
    status = parse_query("GetMarginMarkets", (STATUS,), query)["status"]
    listed = sorted(ctx.exchange.state.markets.values(), key=lambda market: market.ticker)
    return {"markets": [_row(ctx, m) for m in listed if status is None or m.status == status]}


def market(ctx: PerpsContext, key: Any, query: Any) -> dict[str, Any]:
    return {"market": _row(ctx, market_named(ctx, query["ticker"]))}


def _levels(ctx: PerpsContext, ticker: str, depth: int, bucket: int | None) -> dict[str, Any]:
    """A MarginOrderbookCount: each side's levels best first (`depth` of them; 0: all), merged into buckets of
    `bucket` price units if given (a bid down to its bucket's floor, an ask up to its ceiling)."""
    book = ctx.exchange.state.books[ticker]
    sides: dict[str, list[list[str]]] = {}
    for side, name in ((BID, "bids"), (ASK, "asks")):
        merged: dict[int, int] = {}
        for price, size in book.levels(side):
            at = price if bucket is None else _bucket(side, price, bucket)
            merged[at] = merged.get(at, 0) + size
        levels = list(merged.items())[: depth or None]
        sides[name] = [[render.price(price), render.count(size)] for price, size in levels]
    return sides


def _bucket(side: Side, price: int, bucket: int) -> int:
    return price // bucket * bucket if side == BID else ceiling(price, bucket) * bucket


def orderbook(ctx: PerpsContext, key: Any, query: Any) -> dict[str, Any]:
    operation = "GetMarginMarketOrderbook"
    asked = parse_query(operation, (DEPTH, AGGREGATION), query)
    market = market_named(ctx, query["ticker"])
    return {"orderbook": _levels(ctx, market.ticker, asked["depth"], _aggregation(operation, asked))}


def _aggregation(operation: str, asked: dict[str, Any]) -> int | None:
    text = asked["aggregation_tick_size"]
    if text is None:
        return None
    try:
        return PRICE_KIND.read(text, "aggregation_tick_size")
    except Refused as exc:
        raise param_error(operation, "AggregationTickSize", "gt", str(exc)) from None


def orderbooks(ctx: PerpsContext, key: Any, query: Any) -> dict[str, Any]:
    tickers = parse_query("GetMarginMarketOrderbooks", (TICKERS,), query)["tickers"]
    found = [market_named(ctx, ticker).ticker for ticker in tickers]
    return {"orderbooks": [{"ticker": ticker, "orderbook": _levels(ctx, ticker, 0, None)} for ticker in found]}


def trades(ctx: PerpsContext, key: Any, query: Any) -> dict[str, Any]:
    operation = "GetMarginTrades"
    asked = parse_query(operation, (TICKER, LIMIT, CURSOR, MIN_TS, MAX_TS), query)
    ticker = asked["ticker"]
    state = ctx.exchange.state
    if ticker is not None and ticker not in state.markets:
        return {"trades": [], "cursor": ""}
    filters = {"ticker": ticker, "min_ts": asked["min_ts"], "max_ts": asked["max_ts"]}
    before = pages.after(operation, asked["cursor"], filters)
    lists = [state.trades[ticker]] if ticker is not None else list(state.trades.values())
    rows, cursor = pages.page(
        pages.newest(lists, before), asked["limit"], filters, lambda _: True, render.trade,
        (asked["min_ts"], asked["max_ts"]),
    )  # fmt: skip
    return {"trades": rows, "cursor": cursor}
