"""Kalshi's v2 order writes (3.34.0): POST /portfolio/events/orders (CreateOrderV2), its batch, DELETE one order,
a batch, every order, amend and decrease.

Each body is read as Kalshi's Go server reads it (bodies.py: the request structs' fields, `validate` tags and the
fields the spec requires); then the control plane's command of the same meaning runs (commands.py: `place_order`,
`place_orders`, `cancel_user_order`, `cancel_user_orders`, `cancel_all_orders`, `amend_order`, `decrease_order`), so
a state file keeps every order a client placed and a refusal is the ledger's in Kalshi's shape (`insufficient_balance`,
`invalid_price`, `market_closed`, `post_only_cross`, `order_already_exists`, `not_found`, ...), having changed nothing.
The answers are rendered from what the command says it did (orders_render.py).

Whose orders: the key's user's (an FCM member's key bound to a subtrader places the subtrader's: its daily cap
applies); the subaccount is the body's or the query's, the key's own for a key locked to one (another is 403).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from mockexchange.auth.kalshi.keys import ApiKey
from mockexchange.core.kalshi.orders import MAX_BATCH, Done
from mockexchange.venues.kalshi import commands, orders_render, wire_values
from mockexchange.venues.kalshi.bodies import MAX_BATCH_BODY, Body, Field
from mockexchange.venues.kalshi.context import KalshiContext, subaccount_for
from mockexchange.venues.kalshi.errors import KalshiError
from mockexchange.venues.kalshi.params import Param, Parts, parse_query

AUTO_INDEX = -1  # Kalshi's ExchangeIndex -1: route by the market's ticker
_INDEX = Field("exchange_index", "int", minimum=AUTO_INDEX, maximum=2**31 - 1)

ORDER = Body(
    "CreateOrderV2Request",
    (
        Field("ticker", required=True),
        Field("client_order_id"),
        Field("side", required=True, choices=("bid", "ask")),
        Field("count", required=True),
        Field("price", required=True),
        Field("expiration_time", "int64", minimum=0),
        Field("time_in_force", required=True, choices=("fill_or_kill", "good_till_canceled", "immediate_or_cancel")),
        Field("post_only", "bool"),
        Field("self_trade_prevention_type", required=True, choices=("taker_at_cross", "maker")),
        Field("cancel_order_on_pause", "bool"),
        Field("reduce_only", "bool"),
        Field("subaccount", "int", minimum=0),
        Field("order_group_id"),
        _INDEX,
    ),
)
BATCH_CREATE = Body(
    "BatchCreateOrdersV2Request",
    (Field("orders", "objects", True, items=ORDER, most=MAX_BATCH),),
    max_bytes=MAX_BATCH_BODY,
)
CANCEL = Body(
    "BatchCancelOrdersV2RequestOrder",
    (Field("order_id", required=True), Field("subaccount", "int", minimum=0), _INDEX, Field("market_ticker")),
)
BATCH_CANCEL = Body(
    "BatchCancelOrdersV2Request",
    (Field("orders", "objects", True, items=CANCEL, most=MAX_BATCH),),
    max_bytes=MAX_BATCH_BODY,
)
AMEND = Body(
    "AmendOrderV2Request",
    (
        Field("ticker", required=True),
        Field("side", required=True, choices=("bid", "ask")),
        Field("price", required=True),
        Field("count", required=True),
        Field("client_order_id"),
        Field("updated_client_order_id"),
        Field("expiration_time", "int64", minimum=0),
        _INDEX,
    ),
)
DECREASE = Body("DecreaseOrderV2Request", (Field("reduce_by"), Field("reduce_to"), _INDEX, Field("market_ticker")))
# The text of each body's fixed-point strings and client order ids (wire_values.py)
ORDER_TEXT: dict[str, wire_values.Text] = {"price": "price", "count": "count", "client_order_id": "client_order_id"}
AMEND_TEXT: dict[str, wire_values.Text] = {**ORDER_TEXT, "updated_client_order_id": "client_order_id"}
DECREASE_TEXT: dict[str, wire_values.Text] = {"reduce_by": "count", "reduce_to": "count"}

CANCEL_ORDER_V2 = "CancelOrderV2"
CANCEL_ALL_ORDERS = "CancelAllOrders"
SUBACCOUNT = Param("subaccount", "Subaccount", "int", minimum=0, maximum=63)
ROUTE = [SUBACCOUNT, Param("exchange_index", "ExchangeIndex", "int", minimum=AUTO_INDEX, maximum=2**31 - 1),
         Param("market_ticker", "MarketTicker")]  # fmt: skip


def _owner(key: ApiKey) -> str:
    """Whose orders a key places: its user's, or the subtrader's an FCM member's key is bound to."""
    return key.subtrader_id or key.user_id


def _order_fields(key: ApiKey, values: dict[str, Any]) -> dict[str, Any]:
    """A CreateOrderV2Request as `place_order`'s fields (what is absent left to its defaults)."""
    values = wire_values.read(values, ORDER_TEXT)
    fields = {name: value for name, value in values.items() if value is not None}
    fields["subaccount"] = subaccount_for(key, values["subaccount"]) or 0
    return fields


def create_order(ctx: KalshiContext, key: ApiKey, values: dict[str, Any]) -> dict[str, Any]:
    answer = commands.run(
        ctx, "place_order", user_id=_owner(key), fcm_bound=key.subtrader_id is not None, **_order_fields(key, values)
    )
    return orders_render.placed(answer)


def batch_create_orders(ctx: KalshiContext, key: ApiKey, values: dict[str, Any]) -> dict[str, Any]:
    asked = values["orders"]
    placed = place_each(ctx, key, asked, lambda item: _order_fields(key, item))
    return {
        "orders": [
            orders_render.placed_in_batch(item, ask.get("client_order_id"))
            for item, ask in zip(placed, asked, strict=True)
        ]
    }


def place_each(
    ctx: KalshiContext, key: ApiKey, asked: list[dict[str, Any]], read: Callable[[dict[str, Any]], dict[str, Any]]
) -> list[Done | dict[str, Any]]:
    """The orders of a batch, each read by `read` into `place_order`'s fields first: the ones read placed by one
    `place_orders` command, in order; one `read` refuses (Kalshi's exchange error) answers its refusal in its place,
    as the command answers an order it refuses."""
    fields: list[dict[str, Any]] = []
    unread: dict[int, dict[str, Any]] = {}
    for i, item in enumerate(asked):
        try:
            fields.append(read(item))
        except KalshiError as exc:
            unread[i] = {"error": {"status": exc.status, "code": exc.body["error"]["code"], "message": str(exc)}}
    if not fields:
        return list(unread.values())
    placed = iter(
        commands.run(ctx, "place_orders", user_id=_owner(key), orders=fields, fcm_bound=key.subtrader_id is not None)[
            "orders"
        ]
    )
    return [unread[i] if i in unread else next(placed) for i in range(len(asked))]


def cancel_order(ctx: KalshiContext, key: ApiKey, parts: Parts) -> dict[str, Any]:
    values = parse_query(CANCEL_ORDER_V2, ROUTE, parts.query)
    answer = commands.run(
        ctx, "cancel_user_order", user_id=_owner(key), order_id=parts.query["order_id"],
        subaccount=subaccount_for(key, values["subaccount"]) or 0, exchange_index=values["exchange_index"],
        market_ticker=values["market_ticker"],
    )  # fmt: skip
    return orders_render.cancelled(answer)


def batch_cancel_orders(ctx: KalshiContext, key: ApiKey, values: dict[str, Any]) -> dict[str, Any]:
    asked = values["orders"]
    items = [
        {
            "order_id": item["order_id"],
            "subaccount": subaccount_for(key, item["subaccount"]) or 0,
            "exchange_index": item["exchange_index"],
            "market_ticker": item["market_ticker"],
        }
        for item in asked
    ]
    answer = commands.run(ctx, "cancel_user_orders", user_id=_owner(key), orders=items)
    return {
        "orders": [
            orders_render.cancelled_in_batch(item, ask["order_id"])
            for item, ask in zip(answer["orders"], asked, strict=True)
        ]
    }


def cancel_all_orders(ctx: KalshiContext, key: ApiKey, query: Any) -> None:
    values = parse_query(CANCEL_ALL_ORDERS, [SUBACCOUNT], query)
    commands.run(ctx, "cancel_all_orders", user_id=_owner(key), subaccount=subaccount_for(key, values["subaccount"]))


def amend_order(ctx: KalshiContext, key: ApiKey, parts: Parts) -> dict[str, Any]:
    return orders_render.amended(_change(ctx, key, parts, "AmendOrderV2", "amend_order", AMEND_TEXT))


def decrease_order(ctx: KalshiContext, key: ApiKey, parts: Parts) -> dict[str, Any]:
    return orders_render.decreased(_change(ctx, key, parts, "DecreaseOrderV2", "decrease_order", DECREASE_TEXT))


def _change(
    ctx: KalshiContext, key: ApiKey, parts: Parts, operation: str, command: str, texts: Mapping[str, wire_values.Text]
) -> dict[str, Any]:
    """A change of one resting order (the path's `order_id`, the query's `subaccount`) by the body's fields given."""
    values = parse_query(operation, [SUBACCOUNT], parts.query)
    body = wire_values.read(parts.body or {}, texts)
    fields = {name: value for name, value in body.items() if value is not None}
    return commands.run(
        ctx, command, user_id=_owner(key), order_id=parts.query["order_id"],
        subaccount=subaccount_for(key, values["subaccount"]) or 0, **fields,
    )  # fmt: skip
