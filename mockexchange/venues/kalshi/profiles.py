"""API profiles: which generation of Kalshi's wire format the mock speaks. A profile is a table, not a branch.

- `3.34` (default): spec 3.34.0.
- `legacy`: the shapes of November 2025 that older clients (official SDK 3.2.0) still parse: integer twins beside the
  dollar strings, `event_ticker` as a comma list of at most 10 on /portfolio/positions, no `settlement_status` there
  (unsettled positions only), and `count_filter` also taking `resting_order_count`; no historical API (/historical/*
  answers 404, and the historical cutoff moves nothing out of its live reads); an RFQ and a quote with their integer
  twins (whole `contracts`, bids in cents, target costs in centi-cents); an incentive program with its whole
  `target_size`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mockexchange.core.kalshi.fill_log import Fill
from mockexchange.core.kalshi.market_changes import MarketStats
from mockexchange.core.kalshi.markets import Event, Market, Series, Settlement
from mockexchange.core.kalshi.rows import EventRollup, MarketPosition
from mockexchange.venues.kalshi import (
    live_data_render,
    market_messages,
    market_render,
    orders_render,
    render,
    rfq_render,
)
from mockexchange.venues.kalshi.params import SINGLE_EVENT_TICKER, Param, listed

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    market_position: Callable[[MarketPosition], Row]
    event_position: Callable[[EventRollup], Row]
    fill: Callable[[Fill], Row]
    settlement: Callable[[Settlement], Row]
    # websocket `msg` of `market_position` and `fill`
    ws_market_position: Callable[[MarketPosition], Row]
    ws_fill: Callable[[Fill], Row]
    # websocket `msg` of the market data messages (market_messages.py)
    ws_orderbook_snapshot: Callable[..., Row]
    ws_orderbook_delta: Callable[..., Row]
    ws_ticker: Callable[..., Row]
    ws_trade: Callable[..., Row]
    ws_lifecycle: Callable[..., Row]
    # /portfolio/positions request side
    positions_event_ticker: Param
    positions_settlement_status: bool
    count_filter_values: tuple[str, ...]
    # market data (market_render.py): a market (with its stats and the ledger, under its lock), an event, a series
    # (its volume, whether its product metadata shows), a market's order book answer (GET /markets/{ticker}/orderbook),
    # a trade, a candlestick, the exchange's status; whether GET /markets/orderbooks is served
    market: Callable[[Market, MarketStats, Any], Row]
    event: Callable[[Event], Row]
    series: Callable[[Series, int | None, bool], Row]
    orderbook: Callable[[market_render.Levels], Row]
    trade: Callable[[Any], Row]
    candlestick: Callable[[Any], Row]
    exchange_status: Callable[[Any, Any], Row]
    market_orderbooks: bool
    # the historical API (/historical/*, venues/kalshi/historical.py) and its cutoff; without it, 404 and no cutoff
    historical: bool = False
    order: Callable[[Any], Row] | None = None  # an order (GET /historical/orders)
    live_order: Callable[[Any], Row] = orders_render.order  # an order (GET /portfolio/orders, /fcm/orders)
    queue_position: Callable[[int], Row] = orders_render.queue_position  # an order's place (of the contracts ahead)
    # websocket `msg` of `user_order` and `order_group_updates` (the 3.34 shapes in every profile)
    ws_user_order: Callable[[Any], Row] = orders_render.ws_user_order
    ws_order_group: Callable[[Any], Row] = orders_render.ws_order_group
    # the communications API's RFQ and quote (rfq_render.py; the channel's messages are 3.34's in every profile)
    rfq: Callable[..., Row] = rfq_render.rfq_row
    quote: Callable[..., Row] = rfq_render.quote_row
    # websocket `msg` of an event listed (`event_lifecycle`) and of its fee override changed (`event_fee_update`):
    # 3.34's in every profile
    ws_event_lifecycle: Callable[..., Row] = market_messages.event_lifecycle
    ws_event_fee: Callable[..., Row] = market_messages.event_fee_update
    # an incentive program (GET /incentive_programs: the program and its market's id)
    incentive_program: Callable[..., Row] = live_data_render.incentive_program


PROFILES: dict[str, Profile] = {
    "3.34": Profile(
        name="3.34",
        market_position=render.market_position,
        event_position=render.event_position,
        fill=render.fill,
        settlement=render.settlement,
        ws_market_position=render.ws_market_position,
        ws_fill=render.ws_fill,
        ws_orderbook_snapshot=market_messages.orderbook_snapshot,
        ws_orderbook_delta=market_messages.orderbook_delta,
        ws_ticker=market_messages.ticker,
        ws_trade=market_messages.trade,
        ws_lifecycle=market_messages.lifecycle,
        positions_event_ticker=SINGLE_EVENT_TICKER,
        positions_settlement_status=True,
        count_filter_values=("position", "total_traded"),
        market=market_render.market_of,
        event=market_render.event,
        series=market_render.series,
        orderbook=market_render.book_answer,
        trade=market_render.trade,
        candlestick=market_render.candlestick,
        exchange_status=market_render.exchange_status,
        market_orderbooks=True,
        historical=True,
        order=orders_render.ended_order,
    ),
    "legacy": Profile(
        name="legacy",
        market_position=render.market_position_legacy,
        event_position=render.event_position_legacy,
        fill=render.fill_legacy,
        settlement=render.settlement_legacy,
        ws_market_position=render.ws_market_position_legacy,
        ws_fill=render.ws_fill_legacy,
        ws_orderbook_snapshot=market_messages.orderbook_snapshot_legacy,
        ws_orderbook_delta=market_messages.orderbook_delta_legacy,
        ws_ticker=market_messages.ticker_legacy,
        ws_trade=market_messages.trade_legacy,
        ws_lifecycle=market_messages.lifecycle,
        positions_event_ticker=Param("event_ticker", "EventTicker", listed(10)),
        positions_settlement_status=False,
        count_filter_values=("position", "total_traded", "resting_order_count"),
        market=market_render.market_legacy_of,
        event=market_render.event_legacy,
        series=market_render.series_legacy,
        orderbook=market_render.book_answer_legacy,
        trade=market_render.trade_legacy,
        candlestick=market_render.candlestick_legacy,
        exchange_status=market_render.exchange_status_legacy,
        market_orderbooks=False,
        live_order=orders_render.order_legacy,
        queue_position=orders_render.queue_position_legacy,
        rfq=rfq_render.rfq_row_legacy,
        quote=rfq_render.quote_row_legacy,
        incentive_program=live_data_render.incentive_program_legacy,
    ),
}


def profile(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown profile {name!r}; known: {', '.join(PROFILES)}") from None
