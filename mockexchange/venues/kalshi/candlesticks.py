"""GET /series/{series_ticker}/markets/{ticker}/candlesticks and GET /markets/candlesticks: a market's candles from
its trades and its book's moves (core/kalshi/candles.py), public, in each profile's shape (market_render.py). The
candles of a market settled before the historical cutoff are GET /historical/markets/{ticker}/candlesticks'
(historical_markets.py, through `market_candles` too): these answer it as a market they do not know (404)."""

from __future__ import annotations

from typing import Any

from mockexchange.core.candles import Candle
from mockexchange.core.kalshi.candles import candles, latest_before
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.kalshi.markets import Market
from mockexchange.core.numbers import INT32_MAX
from mockexchange.core.values import FLAG, Integer, OneOf
from mockexchange.venues.kalshi.context import KalshiContext
from mockexchange.venues.kalshi.errors import not_found
from mockexchange.venues.kalshi.markets import archived, market_named
from mockexchange.venues.kalshi.params import INT64, Param, listed, parse_query

GET_MARKET_CANDLESTICKS = "GetMarketCandlesticks"
BATCH_GET_MARKET_CANDLESTICKS = "BatchGetMarketCandlesticks"
START, END = Param("start_ts", "StartTs", INT64, required=True), Param("end_ts", "EndTs", INT64, required=True)
LATEST = Param("include_latest_before_start", "IncludeLatestBeforeStart", FLAG, default=False)
PERIOD = Param("period_interval", "PeriodInterval", OneOf((1, 60, 1440)), required=True)  # minutes
MARKET_PARAMS = [START, END, PERIOD, LATEST]
BATCH_PARAMS = [
    Param("market_tickers", "MarketTickers", listed(100), required=True), START, END,
    Param("period_interval", "PeriodInterval", Integer(1, INT32_MAX), required=True), LATEST,
]  # fmt: skip
MAX_CANDLES = 10_000  # of one answer, over its markets (Kalshi's bound on the batch)


def market_candles(ledger: Ledger, market: Market, values: dict[str, Any], most: int) -> list[Candle]:
    """The market's first `most` candles the query's `start_ts`, `end_ts`, `period_interval` and
    `include_latest_before_start` (if given) ask for."""
    period = values["period_interval"] * 60
    found = candles(
        market, ledger.state.market_trades, ledger.state.fills, period, values["start_ts"], values["end_ts"]
    )
    if values.get("include_latest_before_start"):
        synthetic = latest_before(market, ledger.state.market_trades, ledger.state.fills, period, values["start_ts"])
        found = ([synthetic] if synthetic is not None else []) + found
    return found[:most]


def _live_market(ctx: KalshiContext, ledger: Ledger, ticker: str) -> Market:
    """The market of the ticker, or Kalshi's 404 for one it does not list or whose candles are historical."""
    market = market_named(ledger, ticker)
    if archived(ctx, ledger)(market):
        raise not_found(f"market {ticker!r} settled before the historical cutoff: its candlesticks are "
                        "GET /historical/markets/{ticker}/candlesticks'")  # fmt: skip
    return market


def get_market_candlesticks(ctx: KalshiContext, key: Any, values: Any) -> dict[str, Any]:
    query = parse_query(GET_MARKET_CANDLESTICKS, MARKET_PARAMS, values)
    with ctx.ledger.reading() as ledger:
        # (the market's, whatever series the path names: Kalshi answered pmxt's reads naming its event there)
        market = _live_market(ctx, ledger, values["ticker"])
        found = market_candles(ledger, market, query, MAX_CANDLES)
        return {"ticker": market.ticker, "candlesticks": [ctx.profile.candlestick(c) for c in found]}


def batch_get_market_candlesticks(ctx: KalshiContext, key: Any, values: Any) -> dict[str, Any]:
    query = parse_query(BATCH_GET_MARKET_CANDLESTICKS, BATCH_PARAMS, values)
    answer, left = [], MAX_CANDLES
    with ctx.ledger.reading() as ledger:
        for ticker in dict.fromkeys(query["market_tickers"]):
            found = market_candles(ledger, _live_market(ctx, ledger, ticker), query, left)
            left -= len(found)
            answer.append({"market_ticker": ticker, "candlesticks": [ctx.profile.candlestick(c) for c in found]})
    return {"markets": answer}
