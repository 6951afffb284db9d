"""Kalshi's legacy order writes, as `kalshi_python_sync` 3.2.0 (the legacy profile's client) calls them: POST
/portfolio/orders (CreateOrder), POST and DELETE /portfolio/orders/batched (BatchCreateOrders, BatchCancelOrders),
DELETE /portfolio/orders/{order_id} (CancelOrder), POST .../amend (AmendOrder) and .../decrease (DecreaseOrder).
Spec 3.34.0 no longer routes them (its v1 request schemas stand unreferenced), so the table serves them under the
legacy profile only.

A legacy order names its `side` (yes or no) and `action` (buy or sell), its `count` in whole contracts and the price
of its side in cents (`yes_price`, `no_price`) or dollars (`yes_price_dollars`, `no_price_dollars`): one of them. It
is placed on the YES book as a v2 order is (buy no at p rests as a YES ask at 1 - p), by the commands the v2 routes run
(core/kalshi/order_commands.py: `PlaceOrder`, `PlaceOrders`, `CancelOrder`, `CancelOrders`, `AmendOrder`,
`DecreaseOrder`, given the legacy side and action), so matching, holds, refusals in Kalshi's shape and the state file
are theirs. A `market` order never rests (immediate-or-cancel unless it says fill-or-kill) and takes at any price, or
up to the one it names; `buy_max_cost` (cents) caps what a buy spends on contracts and fees and makes the order
fill-or-kill, as the client's model says of it. What the client's model and Kalshi leave unsaid is chosen in
docs/known-differences.md.

Each answer carries the legacy `Order` (orders_render.order_legacy: cents and whole contracts beside the dollar
strings) as the command left it (the ledger's `OrderOutcome`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from mockexchange.auth.kalshi.keys import ApiKey
from mockexchange.core.commands import kind_of
from mockexchange.core.kalshi.order_commands import AmendOrder, CancelOrders, DecreaseOrder, PlaceOrder
from mockexchange.core.kalshi.orders import (
    FOK,
    GTC,
    IOC,
    LIMIT,
    MARKET,
    MAX_BATCH,
    OrderOutcome,
)
from mockexchange.core.kalshi.positions import SIDES
from mockexchange.core.kalshi.units import contracts
from mockexchange.core.money import FIXED_POINT, ONE, MoneyError, parse_price, plain, to_whole_contracts
from mockexchange.core.values import FLAG, Choice, Integer, Listed
from mockexchange.venues.kalshi import commands, orders_render, wire_values
from mockexchange.venues.kalshi.bodies import MAX_BATCH_BODY, STRING, Body, BodyField, at_least
from mockexchange.venues.kalshi.context import KalshiContext, subaccount_for
from mockexchange.venues.kalshi.errors import KalshiError, exchange_refusal
from mockexchange.venues.kalshi.order_reads import owner
from mockexchange.venues.kalshi.orders import BATCH, cancel_of, place_each, placed_by, run_each
from mockexchange.venues.kalshi.params import INT64, Parts

Row = dict[str, Any]
CENTS = (("yes_price", "yes"), ("no_price", "no"))  # a price in cents, of a side
DOLLARS = (("yes_price_dollars", "yes"), ("no_price_dollars", "no"))
PRICE_CENTS = Integer(1, 99)
_PRICES = (BodyField("yes_price", PRICE_CENTS), BodyField("no_price", PRICE_CENTS), BodyField("yes_price_dollars"),
           BodyField("no_price_dollars"))  # fmt: skip
_SIDE, _ACTION = (
    BodyField("side", Choice(SIDES), required=True),
    BodyField("action", kind_of(PlaceOrder, "action"), True),
)
ORDER = Body(
    "CreateOrderRequest",
    (
        BodyField("ticker", required=True),
        BodyField("client_order_id"),
        _SIDE,
        _ACTION,
        BodyField("count", at_least(1), required=True),
        BodyField("type", kind_of(PlaceOrder, "order_type")),
        *_PRICES,
        BodyField("expiration_ts", INT64, go="int64"),
        BodyField("time_in_force", kind_of(PlaceOrder, "time_in_force")),
        BodyField("buy_max_cost", INT64, go="int64"),
        BodyField("post_only", FLAG),
        BodyField("reduce_only", FLAG),
        BodyField("sell_position_floor", INT64, go="int64"),
        BodyField("self_trade_prevention_type", kind_of(PlaceOrder, "self_trade_prevention_type")),
        BodyField("order_group_id"),
        BodyField("cancel_order_on_pause", FLAG),
    ),
)
BATCH_CREATE = Body(
    "BatchCreateOrdersRequest", (BodyField("orders", BATCH, True, items=ORDER),), max_bytes=MAX_BATCH_BODY
)
BATCH_CANCEL = Body(
    "BatchCancelOrdersRequest", (BodyField("ids", Listed(STRING, MAX_BATCH), True),), max_bytes=MAX_BATCH_BODY
)
AMEND = Body(
    "AmendOrderRequest",
    (
        BodyField("ticker", required=True),
        _SIDE,
        _ACTION,
        BodyField("client_order_id"),
        BodyField("updated_client_order_id"),
        *_PRICES,
        BodyField("count", at_least(1)),
    ),
)
DECREASE = Body("DecreaseOrderRequest", (BodyField("reduce_by", at_least(1)), BodyField("reduce_to", at_least(0))))
# The client order ids a body names (wire_values.py; its dollar prices are read as FIXED_POINT below)
ORDER_TEXT: dict[str, wire_values.Text] = {"client_order_id": "client_order_id"}
AMEND_TEXT: dict[str, wire_values.Text] = {**ORDER_TEXT, "updated_client_order_id": "client_order_id"}


def _refused(message: str, code: str, status: int = 400) -> KalshiError:
    """A refusal of the mock's reading of a legacy body, in Kalshi's exchange shape (as the commands' refusals are)."""
    return exchange_refusal(status, code, message)


def _yes_price(values: dict[str, Any], required: bool) -> str | None:
    """The YES price (dollars, a plain decimal string) of the one price given (None: none, if not `required`)."""
    given = [(name, side) for name, side in (*CENTS, *DOLLARS) if values.get(name) is not None]
    if len(given) > 1 or (required and not given):
        names = ", ".join(name for name, _ in (*CENTS, *DOLLARS))
        raise _refused(f"give exactly one of {names} (given: {', '.join(n for n, _ in given) or 'none'})",
                       "invalid_order")  # fmt: skip
    if not given:
        return None
    name, side = given[0]
    value = values[name]
    try:
        price = Decimal(value) / 100 if name.endswith("_price") else parse_price(value, name, FIXED_POINT)
    except MoneyError as exc:
        raise _refused(str(exc), "invalid_price") from None
    return plain(price if side == "yes" else ONE - price)


def _order_fields(key: ApiKey, values: dict[str, Any]) -> dict[str, Any]:
    """A CreateOrderRequest as `place_order`'s fields."""
    values = wire_values.read(values, ORDER_TEXT)
    order_type = values["type"] or LIMIT
    time_in_force = values["time_in_force"] or (IOC if order_type == MARKET else GTC)
    cap = values["buy_max_cost"]
    floor = values["sell_position_floor"]
    if floor not in (None, 0):
        raise _refused(f"sell_position_floor takes only 0 (a reduce-only order), not {floor}", "invalid_order")
    return {
        "ticker": values["ticker"],
        "side": values["side"],
        "action": values["action"],
        "count": str(values["count"]),
        "price": _yes_price(values, required=order_type == LIMIT),
        "time_in_force": FOK if cap is not None else time_in_force,  # "automatically ... Fill-or-Kill"
        "self_trade_prevention_type": values["self_trade_prevention_type"] or "taker_at_cross",
        "client_order_id": values["client_order_id"],
        "expiration_time": values["expiration_ts"],
        "post_only": bool(values["post_only"]),
        "reduce_only": bool(values["reduce_only"]) or floor == 0,
        "cancel_order_on_pause": bool(values["cancel_order_on_pause"]),
        "order_group_id": values["order_group_id"],
        "subaccount": subaccount_for(key, None) or 0,
        "order_type": order_type,
        "buy_max_cost": None if cap is None else plain(Decimal(cap) / 100),
    }


def _order(ctx: KalshiContext, done: OrderOutcome) -> Row:
    """The order as the command left it, in the profile's shape."""
    return ctx.profile.live_order(done.order)


def _whole(count: int) -> int:
    return to_whole_contracts(contracts(count))


def _placed(key: ApiKey, values: dict[str, Any]) -> PlaceOrder:
    """A CreateOrderRequest as the key's `PlaceOrder`."""
    return placed_by(key, _order_fields(key, values))


def create_order(ctx: KalshiContext, key: ApiKey, values: dict[str, Any]) -> Row:
    return {"order": _order(ctx, commands.execute(ctx, _placed(key, values)))}


def batch_create_orders(ctx: KalshiContext, key: ApiKey, values: dict[str, Any]) -> Row:
    """Each order placed in turn, or its refusal in its place (one the mock refuses to read, too)."""
    asked = values["orders"]
    placed = place_each(ctx, key, asked, lambda item: _placed(key, item))
    return {"orders": [_item(ctx, done, client_order_id=item["client_order_id"])
                       for item, done in zip(asked, placed, strict=True)]}  # fmt: skip


def cancel_order(ctx: KalshiContext, key: ApiKey, values: dict[str, Any]) -> Row:
    done = commands.execute(ctx, cancel_of(key, values["order_id"], None, None, None))
    return {"order": _order(ctx, done), "reduced_by": _whole(done.reduced)}


def batch_cancel_orders(ctx: KalshiContext, key: ApiKey, values: dict[str, Any]) -> Row:
    ids = values["ids"]
    done_each = run_each(
        ctx, ids, lambda order_id: cancel_of(key, order_id, None, None, None),
        lambda cancels: CancelOrders(owner(key), cancels),
    )  # fmt: skip
    return {"orders": [_item(ctx, done, order_id=order_id, reduced=True)
                       for order_id, done in zip(ids, done_each, strict=True)]}  # fmt: skip


def _item(ctx: KalshiContext, done: OrderOutcome | dict[str, Any], reduced: bool = False, **named: Any) -> Row:
    """A batch's item in its place: what names it, then the order (and, for a cancel, what it `reduced`) or the
    refusal."""
    if isinstance(done, OrderOutcome):
        answer: Row = {"order": _order(ctx, done), "reduced_by": _whole(done.reduced), "error": None}
    else:
        answer = {"order": None, "reduced_by": 0, "error": orders_render.item_error(done["error"])}
    if not reduced:
        del answer["reduced_by"]
    return {**named, **answer}


def amend_order(ctx: KalshiContext, key: ApiKey, parts: Parts) -> Row:
    """AmendOrder: the order before and after. The price is the one given; the count (what it filled and what is to
    rest) is the order's own if none is given."""
    body, order_id = wire_values.read(parts.body or {}, AMEND_TEXT), parts.query["order_id"]
    subaccount = subaccount_for(key, None) or 0
    price = _yes_price(body, required=True)
    with ctx.ledger.reading():
        before = ctx.ledger.state.orders.get(order_id)
        if before is None or (before.user_id, before.subaccount) != (owner(key), subaccount):
            raise _refused(f"no resting order {order_id!r} of this key's", "not_found", 404)
        old = ctx.profile.live_order(before)
        count = str(body["count"]) if body["count"] is not None else plain(contracts(before.initial))
    done = commands.execute(ctx, commands.read(AmendOrder, {
        "user_id": owner(key), "order_id": order_id, "ticker": body["ticker"], "side": body["side"],
        "action": body["action"], "price": price, "count": count, "subaccount": subaccount,
        "client_order_id": body["client_order_id"], "updated_client_order_id": body["updated_client_order_id"],
    }))  # fmt: skip
    return {"old_order": old, "order": _order(ctx, done)}


def decrease_order(ctx: KalshiContext, key: ApiKey, parts: Parts) -> Row:
    body = parts.body or {}
    done = commands.execute(ctx, commands.read(DecreaseOrder, {
        "user_id": owner(key), "order_id": parts.query["order_id"], "subaccount": subaccount_for(key, None) or 0,
        "reduce_by": None if body["reduce_by"] is None else str(body["reduce_by"]),
        "reduce_to": None if body["reduce_to"] is None else str(body["reduce_to"]),
    }))  # fmt: skip
    return {"order": _order(ctx, done)}
