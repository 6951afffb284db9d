"""GET /margin/markets/{ticker}/candlesticks (public): a perps market's candles from its trades and its book's moves
(core/perps/candles.py), with the query Kalshi's candlesticks take (venues/kalshi/candlesticks.py: `start_ts`,
`end_ts`, `period_interval` of 1, 60 or 1440 minutes, `include_latest_before_start`). A candle's notional volume is
its trades' value; its open interest's notional is priced at its close (else the last price before it)."""

from __future__ import annotations

from typing import Any

from mockexchange.core.candles import Candle, Range
from mockexchange.core.perps import candles
from mockexchange.core.perps.units import notional
from mockexchange.venues.kalshi.candlesticks import MARKET_PARAMS
from mockexchange.venues.kalshi.params import Query, parse_query
from mockexchange.venues.kalshi.render import Row
from mockexchange.venues.perps import render
from mockexchange.venues.perps.context import PerpsContext
from mockexchange.venues.perps.markets import market_named


def candlesticks(ctx: PerpsContext, key: Any, query: Query) -> dict[str, Any]:
    asked = parse_query("GetMarginMarketCandlesticks", MARKET_PARAMS, query)
    market = market_named(ctx, query["ticker"])
    state, period, start = ctx.exchange.state, asked["period_interval"] * 60, asked["start_ts"]
    found = candles.candles(state, market.ticker, period, start, asked["end_ts"])
    if asked["include_latest_before_start"]:
        moved = candles.latest_before(state, market.ticker, period, start)
        found = ([moved] if moved is not None else []) + found
    return {"ticker": market.ticker, "candlesticks": [_candle(candle) for candle in found]}


def _range(r: Range) -> Row:
    return {"open": render.price(r.open), "low": render.price(r.low), "high": render.price(r.high),
            "close": render.price(r.close)}  # fmt: skip


def _or_none(units: int | None) -> str | None:
    return None if units is None else render.price(units)


def _candle(c: Candle) -> Row:
    """A MarginMarketCandlestick."""
    traded = c.price
    prices = {name: _or_none(getattr(traded, name) if traded else None) for name in ("open", "low", "high", "close")}
    marked = traded.close if traded is not None else c.previous
    return {
        "end_period_ts": c.end_period_ts, "bid": _range(c.bid), "ask": _range(c.ask),
        "price": prices | {"mean": _or_none(c.mean), "previous": _or_none(c.previous)},
        "volume": render.count(c.volume), "volume_notional_value_dollars": render.money(c.value),
        "open_interest": render.count(c.open_interest),
        "open_interest_notional_value_dollars": render.money(notional(c.open_interest, marked or 0)),
    }  # fmt: skip
