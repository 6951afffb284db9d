"""The market data of Kalshi's historical API: GET /historical/markets, /historical/markets/{ticker}, its candlesticks,
and GET /historical/trades: what the historical cutoff (core/kalshi/archive.py) takes from the live market data reads.

A market is historical once it settled before the cutoff's `market_settled_ts` (`Archive.holds_market`). The list
pages those in ticker order as `GET /markets` pages the live ones (markets.py's `market_page`, the one renderer),
filtered by one of `tickers`, `event_ticker` and `series_ticker` (the spec's filters exclude each other: two are a 400
`excluded_with`); `mve_filter=exclude` leaves out the combo markets (core/kalshi/multivariate.py). A market read by
ticker that is not historical (listed or not) is a 404: the historical database does not hold it. Its candlesticks
are made as the live ones are (candlesticks.py's `market_candles`), in the historical shape (market_render.py). Trades
printed before `trades_created_ts` are the trades' historical half (market_data.py's `trades_page`). Public, as the
live market data reads are; a profile without the historical API answers 404, as its other historical reads do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.kalshi.markets import Market
from mockexchange.core.values import Choice
from mockexchange.venues.kalshi.candlesticks import END, MAX_CANDLES, PERIOD, START, market_candles
from mockexchange.venues.kalshi.context import KalshiContext
from mockexchange.venues.kalshi.errors import not_found, param_error
from mockexchange.venues.kalshi.historical import served
from mockexchange.venues.kalshi.market_data import trades_page
from mockexchange.venues.kalshi.market_render import candlestick_historical
from mockexchange.venues.kalshi.markets import MARKETS_LIMIT, SERIES_TICKER, TICKERS, market_page, rendered_all
from mockexchange.venues.kalshi.params import CURSOR, SINGLE_EVENT_TICKER, Param, parse_query

GET_HISTORICAL_MARKETS = "GetHistoricalMarkets"
GET_HISTORICAL_MARKET = "GetHistoricalMarket"
GET_MARKET_CANDLESTICKS_HISTORICAL = "GetMarketCandlesticksHistorical"
GET_TRADES_HISTORICAL = "GetTradesHistorical"
FILTERS = (TICKERS, SINGLE_EVENT_TICKER, SERIES_TICKER)  # one at a time
MARKETS_PARAMS = [MARKETS_LIMIT, CURSOR, *FILTERS, Param("mve_filter", "MveFilter", Choice(("exclude",)))]
CANDLE_PARAMS = [START, END, PERIOD]


def historical_market(ledger: Ledger, ticker: str) -> Market:
    """The historical market of a path's ticker, or Kalshi's 404."""
    market = ledger.state.markets.get(ticker)
    if market is None or not ledger.state.archive.holds_market(market):
        raise not_found(f"no historical market {ticker!r}: a market is historical once it settled before the "
                        "historical cutoff's market_settled_ts (POST /_admin/historical/cutoff)")  # fmt: skip
    return market


def get_historical_markets(ctx: KalshiContext, key: Any, query: Any) -> dict[str, Any] | orjson.Fragment:
    served(ctx)
    values = parse_query(GET_HISTORICAL_MARKETS, MARKETS_PARAMS, query)
    given = [param for param in FILTERS if values[param.name] is not None]
    if len(given) > 1:
        raise param_error(GET_HISTORICAL_MARKETS, given[1].field, "excluded_with",
                          f"{given[0].name} and {given[1].name} cannot be combined: one filter at a time")  # fmt: skip
    exclude = values["mve_filter"] == "exclude"

    def keep(ledger: Ledger) -> Callable[[Market], bool]:
        held, combos = ledger.state.archive.holds_market, ledger.state.multivariate.combos
        return lambda m: held(m) and not (exclude and m.ticker in combos)

    return market_page(ctx, GET_HISTORICAL_MARKETS, values, keep)


def get_historical_market(ctx: KalshiContext, key: Any, path: Any) -> dict[str, Any]:
    served(ctx)
    with ctx.ledger.reading() as ledger:
        return {"market": rendered_all(ctx, [historical_market(ledger, path["ticker"])])[0]}


def get_market_candlesticks_historical(ctx: KalshiContext, key: Any, values: Any) -> dict[str, Any]:
    served(ctx)
    query = parse_query(GET_MARKET_CANDLESTICKS_HISTORICAL, CANDLE_PARAMS, values)
    with ctx.ledger.reading() as ledger:
        market = historical_market(ledger, values["ticker"])
        found = market_candles(ledger, market, query, MAX_CANDLES)
        return {"ticker": market.ticker, "candlesticks": [candlestick_historical(c) for c in found]}


def get_trades_historical(ctx: KalshiContext, key: Any, query: Any) -> Any:
    served(ctx)
    return trades_page(ctx, GET_TRADES_HISTORICAL, query, historical=True)
