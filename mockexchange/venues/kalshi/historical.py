"""The account reads of Kalshi's historical API: GET /historical/cutoff, /historical/positions, /historical/fills and
/historical/orders: what the historical cutoff (core/kalshi/archive.py) moved out of the live reads.

Their pages, cursors and filters are the live reads' (positions.py, history.py): positions by (event, ticker) with
their event roll-ups, fills and orders newest first; archived records never change, so positions and fills come from
the render cache. They answer the current state: the archive is not lagged (`Settings.rest_lag_ms` lags the live
reads only). A profile without the historical API (the legacy one: Kalshi had none in November 2025) answers 404.
"""

from __future__ import annotations

from typing import Any

from mockexchange.auth.kalshi.keys import ApiKey
from mockexchange.core.kalshi.archive import ORDERS, TRADES
from mockexchange.venues.kalshi import history, positions
from mockexchange.venues.kalshi.context import KalshiContext, subaccount_for
from mockexchange.venues.kalshi.errors import not_found
from mockexchange.venues.kalshi.params import (
    CURSOR,
    LIMIT,
    MAX_TS,
    MIN_TS,
    SINGLE_EVENT_TICKER,
    SUBACCOUNT,
    TICKER,
    parse_query,
)
from mockexchange.venues.kalshi.render import rfc3339

GET_HISTORICAL_POSITIONS = "GetHistoricalPositions"
GET_FILLS_HISTORICAL = "GetFillsHistorical"
GET_HISTORICAL_ORDERS = "GetHistoricalOrders"

POSITIONS_PARAMS = [TICKER, SINGLE_EVENT_TICKER, SUBACCOUNT, LIMIT, CURSOR]
RECORDS_PARAMS = [TICKER, MIN_TS, MAX_TS, LIMIT, CURSOR, SUBACCOUNT]


def served(ctx: KalshiContext) -> None:
    if not ctx.profile.historical:
        raise not_found(f"the {ctx.profile.name} profile has no historical API (Kalshi added it in 2026)")


def get_historical_cutoff(ctx: KalshiContext, key: ApiKey, query: Any) -> dict[str, Any]:
    served(ctx)
    with ctx.ledger.reading():
        return {name: rfc3339(when) for name, when in ctx.ledger.state.archive.cutoffs.items()}


def get_historical_positions(ctx: KalshiContext, key: ApiKey, query: Any) -> Any:
    served(ctx)
    values = parse_query(GET_HISTORICAL_POSITIONS, POSITIONS_PARAMS, query)
    values |= {"settlement_status": "archived", "count_filter": None}  # the archived book, every row of it
    owner = (key.user_id, subaccount_for(key, values["subaccount"]) or 0)
    return positions._page(ctx, GET_HISTORICAL_POSITIONS, owner, values, lagged=False)


def _records(ctx: KalshiContext, key: ApiKey, query: Any, operation: str) -> tuple[dict[str, Any], Any]:
    """The parameters of historical fills and orders, and what keeps a record: its ticker and subaccount."""
    values = parse_query(operation, RECORDS_PARAMS, query)
    values["subaccount"] = subaccount_for(key, values["subaccount"])  # omitted: every subaccount
    keep = history._all(
        history._equals("ticker", values["ticker"]), history._equals("subaccount", values["subaccount"])
    )
    return values, keep


def get_fills_historical(ctx: KalshiContext, key: ApiKey, query: Any) -> Any:
    served(ctx)
    values, keep = _records(ctx, key, query, GET_FILLS_HISTORICAL)
    archive = ctx.ledger.state.archive
    return history.page(ctx, history.Listing(
        GET_FILLS_HISTORICAL, ctx.ledger.state.fill_index, key.user_id, values, keep, ctx.profile.fill, "fills",
        cached="fills", bounds=lambda: (None, archive.cutoff_us(TRADES)),
    ))  # fmt: skip  # (the cutoff read with the page)


def get_historical_orders(ctx: KalshiContext, key: ApiKey, query: Any) -> Any:
    served(ctx)
    values, keep = _records(ctx, key, query, GET_HISTORICAL_ORDERS)
    archive, render_order = ctx.ledger.state.archive, ctx.profile.order
    assert render_order is not None  # (a profile with the historical API renders its orders)
    return history.page(ctx, history.Listing(
        GET_HISTORICAL_ORDERS, archive.ended_orders, key.user_id, values, keep, render_order, "orders",
        bounds=lambda: (None, archive.cutoff_us(ORDERS)),
    ))  # fmt: skip  # (the cutoff read with the page)
