"""Deribit's open orders as the mock serves them: `private/get_open_orders_by_currency`,
`private/get_open_orders_by_instrument`, `private/get_open_orders`, `private/get_order_state`, the order object's wire
rendering, and the `user.orders.*` (and `user.changes.*`) notifications of an order's change.

The orders are placed by clients (order_writes.py) or seeded by the control plane (`deribit_order`), kept in
`core/deribit/orders.py` and matched by `core/deribit/matching.py`. An order of another wallet is as unknown as one
never placed.
"""

from __future__ import annotations

from typing import Any

import orjson

from mockexchange.core.deribit.exchange import DeribitExchange
from mockexchange.core.deribit.instruments import Instrument
from mockexchange.core.deribit.order_entry import find_order, open_orders, reading_open
from mockexchange.core.deribit.order_object import order_object
from mockexchange.core.deribit.orders import DerivativeOrder
from mockexchange.core.stepping import restarting, stepping
from mockexchange.core.values import Choice
from mockexchange.venues.deribit import render
from mockexchange.venues.deribit.channels import Channel
from mockexchange.venues.deribit.errors import ORDER_NOT_FOUND, RpcError
from mockexchange.venues.deribit.methods import (
    ORDER_KIND,
    UNLISTED_KINDS,
    Method,
    RpcCall,
    listed_instrument,
    reading_wallet,
    subaccount_of,
    wallet_of,
    wallet_user,
)
from mockexchange.venues.deribit.notifications import UserNotifications, portfolio_json
from mockexchange.venues.deribit.params import STRING
from mockexchange.web.answers import json_number

# `type` of the open-order reads -> the order types it selects (a market or market_limit order is open only as a
# linked order's secondary waiting for its primary).
ORDER_FILTERS: dict[str, tuple[str, ...]] = {
    "all": ("limit", "stop_limit", "take_limit", "stop_market", "take_market", "trailing_stop", "market",
            "market_limit"),
    "limit": ("limit", "market_limit"),
    "trigger_all": ("stop_limit", "take_limit", "stop_market", "take_market", "trailing_stop"),
    "stop_all": ("stop_limit", "stop_market"),
    "stop_limit": ("stop_limit",),
    "stop_market": ("stop_market",),
    "take_all": ("take_limit", "take_market"),
    "take_limit": ("take_limit",),
    "take_market": ("take_market",),
    "trailing_all": ("trailing_stop",),
    "trailing_stop": ("trailing_stop",),
}  # fmt: skip
ORDER_FILTER = Choice(tuple(ORDER_FILTERS))

Row = dict[str, Any]


def order_row(order: DerivativeOrder, instrument: Instrument) -> Row:
    """Deribit's order object (core/deribit/order_object.py), its numbers exact JSON numbers."""
    return order_object(order, instrument.contract_size, json_number)


# -- methods --------------------------------------------------------------------------------------------------------


def _order_types(call: RpcCall) -> tuple[str, ...]:
    return ORDER_FILTERS[call.params.read("type", ORDER_FILTER, "all", reason="invalid order type")]


def _kind(call: RpcCall) -> str | None:
    kind = call.params.read("kind", ORDER_KIND)
    return None if kind == "any" else kind


def _rows(call: RpcCall, *, currency: str | None = None, kind: str | None = None, name: str | None = None) -> list[Row]:
    types = _order_types(call)
    with reading_wallet(call) as wallet:
        if name is not None:
            listed_instrument(call, name)
    if kind in UNLISTED_KINDS:
        return []  # the mock lists no spot or combo instruments
    return _open_rows(call.ctx.exchange, wallet_user(call), wallet.id, types, currency, kind, name)


@restarting
def _open_rows(
    exchange: DeribitExchange, user_id: str, wallet_id: int, types: tuple[str, ...], currency: str | None,
    kind: str | None, name: str | None,
) -> list[Row]:  # fmt: skip
    """The wallet's open orders of `types`, as the wire shows them (a long read past many: `reading_open`)."""
    with reading_open(exchange, user_id, [wallet_id]) as step:
        found = open_orders(exchange, wallet_id, currency=currency, kind=kind, instrument_name=name, step=step)
        return [order_row(o, exchange.market.instrument(o.instrument_name)) for o in stepping(found, step)
                if o.order_type in types]  # fmt: skip


def private_get_open_orders_by_currency(call: RpcCall) -> Any:
    currency = call.params.currency(required=True)
    return _rows(call, currency=currency, kind=_kind(call))


def private_get_open_orders_by_instrument(call: RpcCall) -> Any:
    name = call.params.read("instrument_name", STRING, required=True)
    return _rows(call, name=name)


def private_get_open_orders(call: RpcCall) -> Any:
    return _rows(call, kind=_kind(call))


def owned_order(call: RpcCall, order_id: str) -> DerivativeOrder:
    """The order `order_id` of the wallet the call acts for, under the exchange's read lock; another wallet's is as
    unknown as one never placed (10004)."""
    wallet = wallet_of(call, subaccount_of(call))
    order = find_order(call.ctx.exchange, order_id)
    if order is None or order.account_id != wallet.id or order.user_id != wallet_user(call):
        raise RpcError(ORDER_NOT_FOUND, f"no order {order_id[:64]!r} for account {wallet.id}")
    return order


def private_get_order_state(call: RpcCall) -> Any:
    order_id = call.params.read("order_id", STRING, required=True)
    exchange = call.ctx.exchange
    with exchange.reading():
        order = owned_order(call, order_id)
        return order_row(order, exchange.market.instrument(order.instrument_name))


METHODS: dict[str, Method] = {
    "private/get_open_orders_by_currency": Method(private_get_open_orders_by_currency, "trade:read"),
    "private/get_open_orders_by_instrument": Method(private_get_open_orders_by_instrument, "trade:read"),
    "private/get_open_orders": Method(private_get_open_orders, "trade:read"),
    "private/get_order_state": Method(private_get_order_state, "trade:read"),
}


# -- notifications --------------------------------------------------------------------------------------------------


class OrderNotifications(UserNotifications[Instrument]):
    """One order change on its way to the connections of its user (the websocket's `TradeNotifications` for an
    order): `user.orders.*` gets the order (an object on `.raw`, an array of one on `.100ms` and `.agg2`),
    `user.changes.*` `{instrument_name, trades: [], positions: [position], orders: [order]}`, the position valued when
    the first connection sends it, and `user.portfolio.*` of its settlement currency the wallet's figures (the margin
    its open orders hold moved). Each data is rendered once for all connections."""

    __slots__ = ("order",)

    def __init__(self, order: DerivativeOrder) -> None:
        super().__init__()
        self.order = order

    def _instrument(self, exchange: DeribitExchange) -> Instrument:
        return exchange.market.instrument(self.order.instrument_name)

    def _ours(self, user_id: str, wallet_id: int) -> bool:
        return self.order.account_id == wallet_id

    def _key(self, channel: Channel, instrument: Instrument) -> str | None:
        """The data's shape: "changes", "raw", "list" or "portfolio"."""
        if channel.family == "portfolio":
            return channel.family if channel.tells_of(instrument.settlement_currency) else None
        if channel.family not in ("orders", "changes") or not channel.carries(instrument):
            return None
        return "changes" if channel.family == "changes" else "raw" if channel.name.endswith(".raw") else "list"

    def _data_json(self, exchange: DeribitExchange, key: str, instrument: Instrument) -> bytes:
        order = self.order
        if key == "portfolio":
            return portfolio_json(exchange, order.user_id, instrument.settlement_currency, order.account_id)
        row = order_row(order, instrument)
        if key == "raw":
            return orjson.dumps(row)
        if key == "list":
            return orjson.dumps([row])
        position = exchange.valuation.position(order.user_id, order.instrument_name, order.account_id)
        return orjson.dumps(render.changes(order.instrument_name, position, [], [row]))
