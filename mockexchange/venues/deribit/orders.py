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

from mockexchange.core.clock import unix_ms
from mockexchange.core.deribit.exchange import DeribitExchange
from mockexchange.core.deribit.instruments import Instrument
from mockexchange.core.deribit.order_entry import find_order, open_orders, reading_open
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
from mockexchange.venues.deribit.notifications import UserNotifications
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
# Deribit's cancel_reason has no word for why an order's remainder ended unfilled (immediate_or_cancel, fill_or_kill,
# a market order with no more to take, self-trade prevention, a reduce-only order with nothing left to reduce): those
# show `user_request`, its default. An order cancelled by its instrument's expiry shows `settlement`. The exchange keeps
# its own word (docs/known-differences.md).
CANCEL_REASONS = {
    "session_end": "settlement",
    "user_request": "user_request",
    "cancel_on_disconnect": "cancel_on_disconnect",
    "mmp_trigger": "mmp_trigger",
    "edit_post_only_reject": "edit_post_only_reject",
    "oco_other_closed": "oco_other_closed",
    "oto_primary_closed": "oto_primary_closed",
}


# -- the order object -----------------------------------------------------------------------------------------------


def order_row(order: DerivativeOrder, instrument: Instrument) -> Row:
    """Deribit's order object: snake_case, exact numbers, times in ms; trigger fields only on trigger orders, the
    price "market_price" on a trigger market order, `cancel_reason` once cancelled."""
    row: Row = {
        "order_id": order.order_id,
        "order_state": order.order_state,
        "order_type": order.order_type,
        "time_in_force": order.time_in_force,
        "instrument_name": order.instrument_name,
        "direction": order.direction,
        "price": "market_price" if order.price is None else json_number(order.price),
        "amount": json_number(order.amount),
        "contracts": json_number(order.amount / instrument.contract_size),
        "filled_amount": json_number(order.filled_amount),
        "average_price": json_number(order.average_price),
        # What the order's fills realized and cost so far (0 before it trades), to the places its trades show.
        "profit_loss": render.number(order.profit_loss, render.SUMMARY),
        "commission": json_number(order.commission),
        "max_show": json_number(order.max_show),
        "label": order.label,
        "post_only": order.post_only,
        "reduce_only": order.reduce_only,
        "api": order.api,
        "web": not order.api,
        "mobile": False,
        "replaced": order.replaced,
        "is_liquidation": False,
        "is_rebalance": False,
        "risk_reducing": False,
        "mmp": order.mmp,
        "creation_timestamp": unix_ms(order.created),
        "last_update_timestamp": unix_ms(order.updated),
    }
    if order.post_only:
        row["reject_post_only"] = order.reject_post_only
    if order.trigger is not None:
        row["trigger"] = order.trigger
        row["trigger_price"] = json_number(order.trigger_price) if order.trigger_price is not None else None
        row["triggered"] = order.triggered
    if order.quote is not None:  # a mass quote's (core/deribit/quotes.py)
        row.update(quote=True, quote_id=order.quote.quote_id, quote_set_id=order.quote.quote_set_id,
                   mmp_group=order.quote.mmp_group)  # fmt: skip
    if order.order_state == "cancelled" and order.cancel_reason is not None:
        row["cancel_reason"] = CANCEL_REASONS.get(order.cancel_reason, "user_request")
        if order.cancel_reason == "mmp_trigger":
            row["mmp_cancelled"] = True
    if order.order_type == "market_limit":  # (a secondary waiting: it takes its price when placed)
        row["order_type"] = "limit"
    if order.original_order_type is not None or order.order_type == "market_limit":
        row["original_order_type"] = order.original_order_type or order.order_type
    if order.trigger_offset is not None:
        row["trigger_offset"] = json_number(order.trigger_offset)
        if order.trigger_reference_price is not None:
            row["trigger_reference_price"] = json_number(order.trigger_reference_price)
    if order.linked_order_type is not None:
        _linked(row, order)
    return row


def _linked(row: Row, order: DerivativeOrder) -> None:
    """A linked order's fields (each present only where it applies, as Deribit's order object has them)."""
    row["trigger_fill_condition"] = order.trigger_fill_condition
    if order.oco_ref is not None:
        row["oco_ref"] = order.oco_ref
    if order.oto_order_ids:
        row["oto_order_ids"] = list(order.oto_order_ids)
    if order.is_primary_otoco:
        row["is_primary_otoco"] = True
    if order.primary_order_id is not None:
        row["primary_order_id"] = order.primary_order_id
    if order.is_secondary_oto:
        row["is_secondary_oto"] = True


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
    the first connection sends it. Each data is rendered once for all connections."""

    __slots__ = ("order",)

    def __init__(self, order: DerivativeOrder) -> None:
        super().__init__()
        self.order = order

    def _instrument(self, exchange: DeribitExchange) -> Instrument:
        return exchange.market.instrument(self.order.instrument_name)

    def _ours(self, user_id: str, wallet_id: int) -> bool:
        return self.order.account_id == wallet_id

    def _key(self, channel: Channel, instrument: Instrument) -> str | None:
        """The data's shape: "changes", "raw" or "list"."""
        if channel.family not in ("orders", "changes") or not channel.carries(instrument):
            return None
        return "changes" if channel.family == "changes" else "raw" if channel.name.endswith(".raw") else "list"

    def _data_json(self, exchange: DeribitExchange, key: str, instrument: Instrument) -> bytes:
        order = self.order
        row = order_row(order, instrument)
        if key == "raw":
            return orjson.dumps(row)
        if key == "list":
            return orjson.dumps([row])
        position = exchange.valuation.position(order.user_id, order.instrument_name, order.account_id)
        return orjson.dumps(render.changes(order.instrument_name, position, [], [row]))
