"""Kalshi's order reads (3.34.0): GET /portfolio/orders (filters, pages), one order, and where resting orders stand in
their queue.

The orders are the ledger's (core/kalshi/trading.py): every order a user placed or had seeded, newest first by the time
it was placed, keyset-paged over the ledger's order index (`ledger.state.order_index`). An order that ended (cancelled
or executed) before the historical cutoff's `orders_updated_ts` is `GET /historical/orders`' only; a resting order is
always here. Orders change as they fill, so each is rendered on every read (orders_render.py), under the ledger's lock;
they are not lagged (`--rest-lag-ms` lags positions, balance and fills). A key locked to a subaccount reads its own
subaccount's orders.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from mockexchange.auth.kalshi.keys import ApiKey
from mockexchange.core.kalshi.archive import ORDERS
from mockexchange.core.kalshi.orders import RESTING, STATUSES, Order
from mockexchange.core.values import Choice
from mockexchange.venues.kalshi import history, params
from mockexchange.venues.kalshi.context import KalshiContext, subaccount_for
from mockexchange.venues.kalshi.errors import not_found
from mockexchange.venues.kalshi.params import Param, listed, parse_query

GET_ORDERS = "GetOrders"
GET_QUEUE_POSITIONS = "GetOrderQueuePositions"
STATUS = Param("status", "Status", Choice(STATUSES))
EVENT_TICKERS = Param("event_ticker", "EventTicker", listed(100))
ORDERS_PARAMS = [params.TICKER, EVENT_TICKERS, params.MIN_TS, params.MAX_TS, STATUS, params.LIMIT, params.CURSOR,
                 params.SUBACCOUNT, params.EXCHANGE_INDEX]  # fmt: skip
QUEUE_PARAMS = [Param("market_tickers", "MarketTickers", listed()), Param("event_ticker", "EventTicker"),
                params.SUBACCOUNT]  # fmt: skip


def owner(key: ApiKey) -> str:
    """Whose orders a key reads: its user's, or the subtrader's an FCM member's key is bound to."""
    return key.subtrader_id or key.user_id


def live(cutoff: datetime) -> Callable[[Order], bool]:
    """Whether an order is the live reads': resting, or ended at the historical cutoff or after it."""
    return lambda order: order.status == RESTING or order.updated >= cutoff


def order_filter(ledger: Any, values: dict[str, Any]) -> Callable[[Order], bool]:
    """What GET /portfolio/orders' (and GET /fcm/orders') filters keep: status, ticker, events, subaccount, index."""
    events = frozenset(values["event_ticker"] or ())
    markets, cutoffs = ledger.state.markets, ledger.state.archive.cutoffs
    return history._all(
        lambda order: live(cutoffs[ORDERS])(order),  # (the cutoff as the page reads it, under the ledger's lock)
        history._equals("status", values.get("status")),
        history._equals("ticker", values.get("ticker")),
        (lambda o: markets[o.ticker].event_ticker in events) if events else None,
        history._equals("subaccount", values.get("subaccount")),
        history._equals("exchange_index", values.get("exchange_index")),
    )


def get_orders(ctx: KalshiContext, key: ApiKey, query: Any) -> Any:
    values = parse_query(GET_ORDERS, ORDERS_PARAMS, query)
    values["subaccount"] = subaccount_for(key, values["subaccount"])  # omitted: every subaccount
    ledger = ctx.ledger
    keep = order_filter(ledger, values)
    listing = history.Listing(
        GET_ORDERS, ledger.state.order_index, owner(key), values, keep, ctx.profile.live_order, "orders"
    )
    return history.page(ctx, listing)


def _key_order(ctx: KalshiContext, key: ApiKey, order_id: str) -> Order:
    """The key's order of that id (a key locked to a subaccount: of its subaccount), still a live read's; 404 else."""
    order = ctx.ledger.state.all_orders.get(order_id)
    if (
        order is None
        or order.user_id != owner(key)
        or (key.subaccount is not None and order.subaccount != key.subaccount)
        or not live(ctx.ledger.state.archive.cutoffs[ORDERS])(order)
    ):
        raise not_found(f"no order {order_id!r} of this key's")
    return order


def get_order(ctx: KalshiContext, key: ApiKey, values: Any) -> dict[str, Any]:
    with ctx.ledger.reading():
        return {"order": ctx.profile.live_order(_key_order(ctx, key, values["order_id"]))}


def get_order_queue_position(ctx: KalshiContext, key: ApiKey, values: Any) -> dict[str, Any]:
    ledger = ctx.ledger
    with ledger.reading():
        order = _key_order(ctx, key, values["order_id"])
        if order.status != RESTING:
            raise not_found(f"order {order.order_id!r} is {order.status}: it has no place in a queue")
        ahead = ledger.trading.queue_position(order.order_id, order.user_id, order.subaccount)
    return ctx.profile.queue_position(ahead)


def get_order_queue_positions(ctx: KalshiContext, key: ApiKey, query: Any) -> dict[str, Any]:
    values = parse_query(GET_QUEUE_POSITIONS, QUEUE_PARAMS, query)
    subaccount = subaccount_for(key, values["subaccount"]) or 0
    tickers = frozenset(values["market_tickers"] or ())
    event = values["event_ticker"]
    ledger = ctx.ledger
    markets = ledger.state.markets

    def keep(order: Order) -> bool:
        return (
            order.subaccount == subaccount
            and (not tickers or order.ticker in tickers)
            and (event is None or markets[order.ticker].event_ticker == event)
        )

    def row(order: Order, ahead: int) -> dict[str, Any]:
        return {"order_id": order.order_id, "market_ticker": order.ticker, **ctx.profile.queue_position(ahead)}

    ledger.lifecycle.run_due()
    return {
        "queue_positions": ledger.trading.queue_positions(owner(key), keep, row)
    }  # (many: read long, in a worker thread)
