"""A Deribit wallet's orders and the book it trades on, as the inspector shows them: a part of
`GET /_admin/accounts/{user_id}`'s `deribit`.

Each order is the Deribit venue's own rendering (`venues/deribit/orders.py`'s `order_row`: what
`private/get_open_orders` lists and `private/get_order_state` answers for it, byte for byte). `open`: the wallet's open
orders (resting, and stop or take orders waiting for their trigger), the newest placed first; `history`: its closed
ones (filled, cancelled, rejected), newest change first, as `private/get_order_history_by_currency` with
`include_unfilled` and `historical` lists them, every currency together. Each list is at most `HISTORY_ROWS`; `more`
says whether more follow.

The book is the venue's answer to `public/get_order_book` for one instrument (the one asked for, or the first the wallet
trades on: an open order's, a position's, a recent trade's), beside the wallet's own part of each level: what its open
orders show there (`max_show` of what remains, as the book counts them, core/deribit/public_levels.py) and their ids.
Beside it, the instrument's newest public trades as `public/get_last_trades_by_instrument` answers them and its last
hour's one-minute candles as `public/get_tradingview_chart_data` answers them.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from itertools import islice
from typing import Any

from mockexchange.admin.queries import HISTORY_ROWS
from mockexchange.control import ControlError
from mockexchange.core.clock import unix_ms
from mockexchange.core.deribit.bounds import ExchangeError
from mockexchange.core.deribit.exchange import DeribitExchange
from mockexchange.core.deribit.order_entry import order_history
from mockexchange.core.deribit.orders import DerivativeOrder
from mockexchange.core.deribit.public_levels import shown
from mockexchange.core.numbers import excerpt
from mockexchange.venues.deribit import market_data, trade_history
from mockexchange.venues.deribit.context import DeribitContext
from mockexchange.venues.deribit.methods import RpcCall
from mockexchange.venues.deribit.orders import order_row
from mockexchange.venues.deribit.params import Params
from mockexchange.venues.deribit.render import PRICE, number
from mockexchange.web.answers import json_number

BOOK_DEPTH = market_data.DEFAULT_DEPTH  # levels a side: what a client gets without `depth`
MAX_INSTRUMENTS = 50  # instruments offered to pick a book from
OWN_ORDERS = 20  # order ids named at one own level (the oldest placed); `orders` counts them all
RECENT_TRADES = 20  # the instrument's newest public trades shown beside its book
CHART_MINUTES = 60  # its one-minute candles shown: the last hour's
LAST_TRADES = "public/get_last_trades_by_instrument"
DERIBIT_QUERIES = {
    "open_orders": "private/get_open_orders (each open order as it lists it; the newest placed first)",
    "order_history": "private/get_order_history_by_currency?include_unfilled=true&historical=true (every currency "
    "together, newest change first)",
    "order_book": "public/get_order_book?instrument_name=INSTRUMENT",
    "last_trades": f"{LAST_TRADES}?instrument_name=INSTRUMENT&count={RECENT_TRADES}",
    "chart": "public/get_tradingview_chart_data?instrument_name=INSTRUMENT&resolution=1 (the last hour)",
}


def orders(exchange: DeribitExchange, wallet_id: int) -> dict[str, Any]:
    """The wallet's newest open orders and its most recent closed ones; under the book's lock (the caller holds it)."""
    kept = exchange.state.orders
    open_ids = kept.open.get(wallet_id, {}) if kept is not None else {}
    newest = [kept.orders[order_id] for order_id in islice(reversed(open_ids), HISTORY_ROWS)] if kept else []
    closed = order_history(exchange, wallet_id, include_unfilled=True)
    return {
        "open": {"orders": _rows(exchange, newest), "more": len(open_ids) > HISTORY_ROWS},
        "history": {"orders": _rows(exchange, closed[:HISTORY_ROWS]), "more": len(closed) > HISTORY_ROWS},
    }


def _rows(exchange: DeribitExchange, found: list[DerivativeOrder]) -> list[Any]:
    return [order_row(order, exchange.market.instrument(order.instrument_name)) for order in found]


def instruments(exchange: DeribitExchange, wallet_id: int, positions: list[str], trades: list[str]) -> list[str]:
    """The instruments the wallet trades on, at most `MAX_INSTRUMENTS`: its open orders' (newest placed first), then
    its positions', then its recent trades' (newest first)."""
    kept = exchange.state.orders
    open_ids = kept.open.get(wallet_id, {}) if kept is not None else {}
    placed = (kept.orders[order_id].instrument_name for order_id in reversed(open_ids)) if kept else iter(())
    found: dict[str, None] = {}
    for name in (*islice(placed, MAX_INSTRUMENTS), *positions, *trades):
        found[name] = None
        if len(found) == MAX_INSTRUMENTS:
            break
    return list(found)


def order_book(ctx: DeribitContext, wallet_id: int, name: str) -> dict[str, Any]:
    """The instrument's book as `public/get_order_book` answers it, and the wallet's own part of each level; its newest
    trades and its last hour's candles, as the venue's methods answer them; under the book's lock (the caller holds
    it)."""
    exchange = ctx.exchange
    try:
        exchange.market.instrument(name)
    except ExchangeError:
        raise ControlError(f"unknown instrument {excerpt(name)}: no instrument listed has it", 404) from None

    def call(**params: Any) -> RpcCall:
        return RpcCall(ctx, Params({"instrument_name": name, **params}))

    now_ms = unix_ms(exchange.state.clock.now())
    return {
        "instrument_name": name,
        "order_book": market_data.public_get_order_book(call(depth=BOOK_DEPTH)),
        "own": _wallet_levels(exchange, wallet_id, name),
        "trades": trade_history.METHODS[LAST_TRADES].handler(call(count=RECENT_TRADES))["trades"],
        "chart": trade_history.public_get_tradingview_chart_data(
            call(resolution="1", start_timestamp=now_ms - CHART_MINUTES * 60_000, end_timestamp=now_ms)
        ),
    }


def _wallet_levels(exchange: DeribitExchange, wallet_id: int, name: str) -> dict[str, list[dict[str, Any]]]:
    """What the wallet's open orders show at each level of the instrument, best first (bids from the highest price)."""
    kept = exchange.state.orders
    held = kept.held.get(wallet_id, {}).get(name) if kept is not None else None
    levels: dict[str, dict[Decimal, list[Any]]] = {"buy": defaultdict(list), "sell": defaultdict(list)}
    if kept is not None and held is not None:
        for order_id in held.ids:
            part = shown(kept.orders[order_id])
            if part is not None:
                _, direction, price, amount = part
                levels[direction][price].append((order_id, amount))
    return {"bids": _levels(levels["buy"], True), "asks": _levels(levels["sell"], False)}


def _levels(at: dict[Decimal, list[Any]], bids: bool) -> list[dict[str, Any]]:
    return [
        {
            "price": number(price, PRICE),
            "amount": json_number(sum((amount for _, amount in placed), Decimal(0))),
            "orders": len(placed),
            "order_ids": [order_id for order_id, _ in placed[:OWN_ORDERS]],
        }
        for price, placed in sorted(at.items(), reverse=bids)
    ]
