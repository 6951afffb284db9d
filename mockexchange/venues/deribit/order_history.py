"""A Deribit wallet's closed orders and each order's trades: `private/get_order_history_by_currency`,
`private/get_order_history_by_instrument` (filled orders, and cancelled ones that filled something; every cancelled one
with `include_unfilled`), newest change first, `count` (default 20, at most 1000) from `offset`; and
`private/get_user_trades_by_order`. An order of another wallet is as unknown as one never placed (10004).

As Deribit keeps recent records apart from historical ones: without `historical`, the orders closed in the last 30
minutes of exchange time and the trades of the last 24 hours; with `historical: true`, every one the account keeps
(its newest closed orders and trades, up to the mock's `deribit_history_size`: core/deribit/wallet_history.py).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from mockexchange.core.deribit.order_entry import order_history, order_trades
from mockexchange.venues.deribit import history_render
from mockexchange.venues.deribit.history import (
    RECENT_TRADES,
    SORTING,
    count_param,
    history_wallet,
    offset_param,
)
from mockexchange.venues.deribit.methods import ORDER_KIND, UNLISTED_KINDS, Method, RpcCall, listed_instrument
from mockexchange.venues.deribit.orders import order_row, owned_order
from mockexchange.venues.deribit.params import BOOLEAN, STRING

RECENT_ORDERS = timedelta(minutes=30)  # Deribit's recent orders: what a read without `historical` serves


def _history(call: RpcCall, *, currency: str | None = None, kind: str | None = None, name: str | None = None) -> Any:
    count, offset = count_param(call, 20), offset_param(call)
    include_unfilled = call.params.read("include_unfilled", BOOLEAN, False)
    call.params.read("include_old", BOOLEAN)  # orders over two days old: past the 30 minutes recent ones are kept
    historical = call.params.read("historical", BOOLEAN, False)
    exchange = call.ctx.exchange
    with exchange.reading():
        _, wallet = history_wallet(call)
        if kind in UNLISTED_KINDS:
            return []  # the mock lists no spot or combo instruments
        since = None if historical else exchange.state.clock.now() - RECENT_ORDERS
        found = order_history(exchange, wallet.id, currency=currency, kind=kind, instrument_name=name,
                              include_unfilled=include_unfilled, since=since)  # fmt: skip
        return [
            order_row(order, exchange.market.instrument(order.instrument_name))
            for order in found[offset : offset + count]
        ]


def private_get_order_history_by_currency(call: RpcCall) -> Any:
    currency = call.params.currency(allow_any=False, required=True)
    kind = call.params.read("kind", ORDER_KIND)
    return _history(call, currency=currency, kind=None if kind == "any" else kind)


def private_get_order_history_by_instrument(call: RpcCall) -> Any:
    with call.ctx.exchange.reading():
        name = listed_instrument(call)
    return _history(call, name=name)


def private_get_user_trades_by_order(call: RpcCall) -> Any:
    order_id = call.params.read("order_id", STRING, required=True)
    sorting = call.params.read("sorting", SORTING, "default")
    historical = call.params.read("historical", BOOLEAN, False)
    exchange = call.ctx.exchange
    with exchange.reading():
        order = owned_order(call, order_id)
        instrument = exchange.market.instrument(order.instrument_name)
        since = exchange.state.clock.now() - RECENT_TRADES
        trades = [t for t in order_trades(exchange, order_id) if historical or t.timestamp >= since]
        if sorting == "desc":
            trades.reverse()
        return [history_render.user_trade(trade, instrument) for trade in trades]


METHODS: dict[str, Method] = {
    "private/get_order_history_by_currency": Method(private_get_order_history_by_currency, "trade:read"),
    "private/get_order_history_by_instrument": Method(private_get_order_history_by_instrument, "trade:read"),
    "private/get_user_trades_by_order": Method(private_get_user_trades_by_order, "trade:read"),
}
