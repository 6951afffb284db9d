"""A Deribit wallet's orders read by label and its trigger orders' log: `private/get_open_orders_by_label`,
`private/get_order_state_by_label` and `private/get_trigger_order_history`.

Each reads the orders the exchange keeps (core/deribit/order_entry.py: the open ones, and the closed ones its account
keeps) and renders them as the other order reads do (orders.py's `order_row`). A label not given names the orders with
none. The recent orders of `get_order_state_by_label` are the open ones and those closed in the last 30 minutes of
exchange time, as the order history's without `historical` (order_history.py). The mock keeps no log of a trigger
order's events: `get_trigger_order_history` answers one entry per trigger order the wallet keeps (open or closed), in
its state now, newest change first, `count` a page (20 by default, at most 1000) and `continuation` the last entry's
`<timestamp>.<order_id>` while more follow (absent on the last page).
"""

from __future__ import annotations

from typing import Any

from mockexchange.core.clock import unix_ms
from mockexchange.core.deribit.order_entry import open_orders, order_history
from mockexchange.core.deribit.orders import DerivativeOrder
from mockexchange.core.values import Text
from mockexchange.venues.deribit.errors import invalid_param
from mockexchange.venues.deribit.history import count_param
from mockexchange.venues.deribit.methods import Method, RpcCall, listed_instrument, reading_wallet
from mockexchange.venues.deribit.order_history import RECENT_ORDERS
from mockexchange.venues.deribit.orders import order_row
from mockexchange.venues.deribit.params import STRING
from mockexchange.web.answers import json_number

LABEL = Text(64, blank=True)  # Deribit's label: at most 64 characters
# A trigger order's state as its log entry names it (Deribit's example: `new`); what fired, then as any order.
TRIGGER_STATES = {"untriggered": "new", "open": "triggered", "filled": "triggered"}


def _label(call: RpcCall) -> str:
    return "" if call.params.get("label") in (None, "") else call.params.read("label", LABEL, required=True)


def _orders(call: RpcCall, currency: str, *, closed: bool = True, recent: bool = True) -> list[DerivativeOrder]:
    """The wallet's open orders in `currency`, in the order placed; then, if `closed`, the closed ones it keeps (those
    of the last 30 minutes if `recent`) and all newest change first. Under the exchange's read lock."""
    exchange = call.ctx.exchange
    with reading_wallet(call) as wallet:
        found = open_orders(exchange, wallet.id, currency=currency)
        if not closed:
            return found
        since = exchange.state.clock.now() - RECENT_ORDERS if recent else None
        found += order_history(exchange, wallet.id, currency=currency, include_unfilled=True, since=since)
    return sorted(found, key=lambda order: (order.updated, len(order.order_id), order.order_id), reverse=True)


def _rows(call: RpcCall, orders: list[DerivativeOrder]) -> list[dict[str, Any]]:
    market = call.ctx.exchange.market
    return [order_row(order, market.instrument(order.instrument_name)) for order in orders]


def private_get_open_orders_by_label(call: RpcCall) -> Any:
    currency = call.params.currency(allow_any=False, required=True)
    label = _label(call)
    with call.ctx.exchange.reading():
        return _rows(call, [o for o in _orders(call, currency, closed=False) if o.label == label])


def private_get_order_state_by_label(call: RpcCall) -> Any:
    currency = call.params.currency(allow_any=False, required=True)
    label = _label(call)
    with call.ctx.exchange.reading():
        return _rows(call, [o for o in _orders(call, currency) if o.label == label])


def _entry(order: DerivativeOrder) -> dict[str, Any]:
    """A trigger order's log entry, in its state now (`price` its trigger price for a market one)."""
    assert order.trigger is not None and order.trigger_price is not None
    price = order.price if order.price is not None else order.trigger_price
    return {
        "timestamp": unix_ms(order.updated),
        "trigger": order.trigger,
        "trigger_price": json_number(order.trigger_price),
        "trigger_offset": json_number(order.trigger_offset) if order.trigger_offset is not None else 0,
        "trigger_order_id": order.order_id,
        "order_id": order.order_id,
        "order_state": TRIGGER_STATES.get(order.order_state, order.order_state),
        "instrument_name": order.instrument_name,
        "request": "trigger:order",
        "direction": order.direction,
        "price": json_number(price),
        "amount": json_number(order.amount),
        "last_update_timestamp": unix_ms(order.updated),
        "reduce_only": order.reduce_only,
        "post_only": order.post_only,
        "order_type": "market" if order.price is None else "limit",
        "label": order.label,
        "source": "api" if order.api else "web",
    }


def private_get_trigger_order_history(call: RpcCall) -> Any:
    currency = call.params.currency(allow_any=False, required=True)
    name = call.params.read("instrument_name", STRING)
    count = count_param(call, 20)
    after = call.params.read("continuation", STRING)
    with call.ctx.exchange.reading():
        if name is not None:
            name = listed_instrument(call, name)
        entries = [
            _entry(order)
            for order in _orders(call, currency, recent=False)
            if order.trigger is not None and name in (None, order.instrument_name)
        ]
    if after is not None:
        keys = [f"{entry['timestamp']}.{entry['order_id']}" for entry in entries]
        if after not in keys:
            raise invalid_param("continuation", "invalid continuation", f"no trigger order entry {after[:64]!r}")
        entries = entries[keys.index(after) + 1 :]
    page: dict[str, Any] = {"entries": entries[:count]}
    if len(entries) > count:
        last = entries[count - 1]
        page["continuation"] = f"{last['timestamp']}.{last['order_id']}"
    return page


METHODS: dict[str, Method] = {
    "private/get_open_orders_by_label": Method(private_get_open_orders_by_label, "trade:read"),
    "private/get_order_state_by_label": Method(private_get_order_state_by_label, "trade:read"),
    "private/get_trigger_order_history": Method(private_get_trigger_order_history, "trade:read"),
}
