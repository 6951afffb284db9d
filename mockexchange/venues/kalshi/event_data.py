"""Kalshi's reads of one event's data: GET /events/{event_ticker}/metadata (public), /series/{series_ticker}/events/
{ticker}/candlesticks (public) and /series/{series_ticker}/events/{ticker}/forecast_percentile_history (signed), and
their renderers.

The metadata is what the event's set-up gave (`set_event`: its images, competition, its markets' details, beside its
settlement sources). The candlesticks are each of the event's markets' (in ticker order), made as a market's are
(candlesticks.py's `market_candles`), at most `MAX_CANDLES` over them: a window that would hold more ends earlier,
and `adjusted_end_ts` says where (the end asked, when it holds them all). The forecast is read off the event's strike
markets' prices (core/kalshi/forecasts.py). An unknown event, or one of another series, is a 404.
"""

from __future__ import annotations

from typing import Any

from mockexchange.core.kalshi import forecasts
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.kalshi.markets import Event
from mockexchange.core.values import Integer, OneOf
from mockexchange.venues.kalshi.candlesticks import END, MAX_CANDLES, PERIOD, START, market_candles
from mockexchange.venues.kalshi.context import KalshiContext
from mockexchange.venues.kalshi.errors import not_found, param_error
from mockexchange.venues.kalshi.market_render import sources
from mockexchange.venues.kalshi.params import Param, Parts, parse_query
from mockexchange.venues.kalshi.render import omitempty
from mockexchange.web.answers import json_number

Row = dict[str, Any]
GET_MARKET_CANDLESTICKS_BY_EVENT = "GetMarketCandlesticksByEvent"
GET_EVENT_FORECAST = "GetEventForecastPercentilesHistory"
CANDLE_PARAMS = [START, END, PERIOD]
FORECAST_PERIOD = Param("period_interval", "PeriodInterval", OneOf((0, 1, 60, 1440)), required=True)
FORECAST_PARAMS = [START, END, FORECAST_PERIOD]
PERCENTILE = Param("percentiles", "Percentiles", Integer(0, 9999))  # each of them
MAX_PERCENTILES = 10
FIVE_SECONDS = 5  # the forecast's period of interval 0, in seconds


def metadata(e: Event) -> Row:
    """Kalshi's `GetEventMetadataResponse`: its markets' details for those of its markets they name, in the order
    set."""
    details = [
        {"market_ticker": d.market_ticker, "image_url": d.image_url, "color_code": d.color_code}
        for d in e.market_details if d.market_ticker in e.markets
    ]  # fmt: skip
    row: Row = {
        "image_url": e.image_url, "market_details": details, "settlement_sources": sources(e.settlement_sources),
    }  # fmt: skip
    omitempty(row, "featured_image_url", e.featured_image_url)
    omitempty(row, "competition", e.competition)
    omitempty(row, "competition_scope", e.competition_scope)
    return row


def forecast_point(event_ticker: str, interval: int, f: forecasts.Forecast) -> Row:
    """Kalshi's `ForecastPercentilesPoint`."""
    return {
        "event_ticker": event_ticker, "end_period_ts": f.end_period_ts, "period_interval": interval,
        "percentile_points": [
            {"percentile": p, "raw_numerical_forecast": json_number(raw), "numerical_forecast": json_number(value),
             "formatted_forecast": f"{value:f}"}
            for p, raw, value in f.points
        ],
    }  # fmt: skip


def _event(ledger: Ledger, ticker: str, series_ticker: str | None = None) -> Event:
    """The event of a path's ticker (of `series_ticker`, if given), or Kalshi's 404."""
    event = ledger.state.events.get(ticker)
    if event is None:
        raise not_found(f"no event {ticker!r}")
    if series_ticker is not None and event.series_ticker != series_ticker:
        raise not_found(f"event {ticker!r} is not in series {series_ticker!r}")
    return event


def get_event_metadata(ctx: KalshiContext, key: Any, values: Any) -> Row:
    with ctx.ledger.reading() as ledger:
        return metadata(_event(ledger, values["event_ticker"]))


def get_market_candlesticks_by_event(ctx: KalshiContext, key: Any, values: Any) -> Row:
    query = parse_query(GET_MARKET_CANDLESTICKS_BY_EVENT, CANDLE_PARAMS, values)
    query["include_latest_before_start"] = False
    period = query["period_interval"] * 60
    with ctx.ledger.reading() as ledger:
        tickers = sorted(_event(ledger, values["ticker"], values["series_ticker"]).markets)
        first_end = -(-query["start_ts"] // period) * period  # the first period ending in the window
        periods = (query["end_ts"] - first_end) // period + 1
        if tickers and periods * len(tickers) > MAX_CANDLES:  # (the window ends where its candles fit)
            query["end_ts"] = first_end + (MAX_CANDLES // len(tickers) - 1) * period
        candles = [market_candles(ledger, ledger.state.markets[t], query, MAX_CANDLES) for t in tickers]
        return {
            "market_tickers": tickers,
            "market_candlesticks": [[ctx.profile.candlestick(c) for c in found] for found in candles],
            "adjusted_end_ts": query["end_ts"],
        }


def _percentiles(operation: str, given: list[str]) -> list[int]:
    if not given:
        raise param_error(operation, "Percentiles", "required", "percentiles is required (percentiles=5000&...)")
    if len(given) > MAX_PERCENTILES:
        raise param_error(operation, "Percentiles", "max", f"percentiles takes at most {MAX_PERCENTILES} values")
    return [PERCENTILE.parse(operation, raw) for raw in given]


def get_event_forecast_percentiles_history(ctx: KalshiContext, key: Any, parts: Parts) -> Row:
    values = parts.query
    query = parse_query(GET_EVENT_FORECAST, FORECAST_PARAMS, values)
    percentiles = _percentiles(GET_EVENT_FORECAST, values.every("percentiles"))
    interval = query["period_interval"]
    with ctx.ledger.reading() as ledger:
        event = _event(ledger, values["ticker"], values["series_ticker"])
        markets = [ledger.state.markets[ticker] for ticker in sorted(event.markets)]
        step = (interval * 60 or FIVE_SECONDS) * 1_000_000
        found = forecasts.history(
            markets, ledger.state.market_trades, ledger.state.fills, step, query["start_ts"], query["end_ts"],
            percentiles,
        )  # fmt: skip
    return {"forecast_history": [forecast_point(event.event_ticker, interval, f) for f in found]}
