"""Kalshi's v2 order writes (3.34.0): POST /portfolio/events/orders (CreateOrderV2), its batch, DELETE one order,
a batch, every order, amend and decrease.

Each body is read as Kalshi's Go server reads it (bodies.py: the request structs' fields, `validate` tags and the
fields the spec requires) into the ledger's command of the same meaning (core/kalshi/order_commands.py: `PlaceOrder`,
`PlaceOrders`, `CancelOrder`, `CancelOrders`, `CancelAllOrders`, `AmendOrder`, `DecreaseOrder`), which runs as the
control plane runs it (commands.py's `execute`), so a state file keeps every order a client placed and a refusal is
the ledger's in Kalshi's shape (`insufficient_balance`, `invalid_price`, `market_closed`, `post_only_cross`,
`order_already_exists`, `not_found`, ...), having changed nothing.
The answers are rendered from what the command says it did (orders_render.py).

Whose orders: the key's user's (an FCM member's key bound to a subtrader places the subtrader's: its daily cap
applies); the subaccount is the body's or the query's, the key's own for a key locked to one (another is 403).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from mockexchange.auth.kalshi.keys import ApiKey
from mockexchange.core.commands import Command, ItemRefused, kind_of
from mockexchange.core.kalshi.order_commands import (
    BOOK_SIDES,
    EXCHANGE_INDEX,
    AmendOrder,
    CancelAllOrders,
    CancelOrder,
    CancelOrders,
    DecreaseOrder,
    PlaceOrder,
    PlaceOrders,
)
from mockexchange.core.kalshi.orders import MAX_BATCH, OrderOutcome
from mockexchange.core.values import FLAG, Choice, Listed
from mockexchange.venues.kalshi import commands, orders_render, wire_values
from mockexchange.venues.kalshi.bodies import MAX_BATCH_BODY, Body, BodyField, at_least
from mockexchange.venues.kalshi.context import KalshiContext, subaccount_for
from mockexchange.venues.kalshi.errors import KalshiError
from mockexchange.venues.kalshi.order_reads import owner
from mockexchange.venues.kalshi.params import SUBACCOUNT, Param, Parts, parse_query

C = TypeVar("C", bound=Command)
_INDEX = BodyField("exchange_index", EXCHANGE_INDEX)  # -1: route by the market's ticker
_SUBACCOUNT, _EXPIRATION = BodyField("subaccount", at_least(0)), BodyField("expiration_time", at_least(0), go="int64")
BOOK_SIDE = BodyField("side", Choice(tuple(BOOK_SIDES)), required=True)
BATCH = Listed(None, MAX_BATCH)  # (the batch commands' bound)

ORDER = Body(
    "CreateOrderV2Request",
    (
        BodyField("ticker", required=True),
        BodyField("client_order_id"),
        BOOK_SIDE,
        BodyField("count", required=True),
        BodyField("price", required=True),
        _EXPIRATION,
        BodyField("time_in_force", kind_of(PlaceOrder, "time_in_force"), required=True),
        BodyField("post_only", FLAG),
        BodyField("self_trade_prevention_type", kind_of(PlaceOrder, "self_trade_prevention_type"), required=True),
        BodyField("cancel_order_on_pause", FLAG),
        BodyField("reduce_only", FLAG),
        _SUBACCOUNT,
        BodyField("order_group_id"),
        _INDEX,
    ),
)
BATCH_CREATE = Body(
    "BatchCreateOrdersV2Request", (BodyField("orders", BATCH, True, items=ORDER),), max_bytes=MAX_BATCH_BODY
)
CANCEL = Body(
    "BatchCancelOrdersV2RequestOrder",
    (BodyField("order_id", required=True), _SUBACCOUNT, _INDEX, BodyField("market_ticker")),
)
BATCH_CANCEL = Body(
    "BatchCancelOrdersV2Request", (BodyField("orders", BATCH, True, items=CANCEL),), max_bytes=MAX_BATCH_BODY
)
AMEND = Body(
    "AmendOrderV2Request",
    (
        BodyField("ticker", required=True),
        BOOK_SIDE,
        BodyField("price", required=True),
        BodyField("count", required=True),
        BodyField("client_order_id"),
        BodyField("updated_client_order_id"),
        _EXPIRATION,
        _INDEX,
    ),
)
DECREASE = Body(
    "DecreaseOrderV2Request", (BodyField("reduce_by"), BodyField("reduce_to"), _INDEX, BodyField("market_ticker"))
)
# The text of each body's fixed-point strings and client order ids (wire_values.py)
ORDER_TEXT: dict[str, wire_values.Text] = {"price": "price", "count": "count", "client_order_id": "client_order_id"}
AMEND_TEXT: dict[str, wire_values.Text] = {**ORDER_TEXT, "updated_client_order_id": "client_order_id"}
DECREASE_TEXT: dict[str, wire_values.Text] = {"reduce_by": "count", "reduce_to": "count"}

CANCEL_ORDER_V2 = "CancelOrderV2"
CANCEL_ALL_ORDERS = "CancelAllOrders"
ROUTE = [SUBACCOUNT, Param("exchange_index", "ExchangeIndex", EXCHANGE_INDEX),
         Param("market_ticker", "MarketTicker")]  # fmt: skip


def _order(key: ApiKey, values: dict[str, Any]) -> PlaceOrder:
    """A CreateOrderV2Request as the key's `PlaceOrder` (what is absent left to its defaults)."""
    values = wire_values.read(values, ORDER_TEXT)
    fields = {name: value for name, value in values.items() if value is not None}
    subaccount = subaccount_for(key, values["subaccount"])
    if subaccount:  # (else the command's own default, the primary)
        fields["subaccount"] = subaccount
    return placed_by(key, fields)


def placed_by(key: ApiKey, fields: dict[str, Any]) -> PlaceOrder:
    """The key's `PlaceOrder` of an order's fields (a dict of the caller's own, which takes the user): its user's, or
    the subtrader's an FCM member's key is bound to (`fcm_bound`; else the command's default, False)."""
    fields["user_id"] = owner(key)
    if key.subtrader_id is not None:
        fields["fcm_bound"] = True
    return commands.read(PlaceOrder, fields)


def create_order(ctx: KalshiContext, key: ApiKey, values: dict[str, Any]) -> dict[str, Any]:
    return orders_render.placed(commands.execute(ctx, _order(key, values)))


def batch_create_orders(ctx: KalshiContext, key: ApiKey, values: dict[str, Any]) -> dict[str, Any]:
    asked = values["orders"]
    placed = place_each(ctx, key, asked, lambda item: _order(key, item))
    return {
        "orders": [
            orders_render.placed_in_batch(item, ask.get("client_order_id"))
            for item, ask in zip(placed, asked, strict=True)
        ]
    }


def place_each(
    ctx: KalshiContext, key: ApiKey, asked: list[dict[str, Any]], read: Callable[[dict[str, Any]], PlaceOrder]
) -> list[OrderOutcome | dict[str, Any]]:
    """The orders of a batch, each read by `read` first, placed by one `PlaceOrders` command (`run_each`)."""
    return run_each(ctx, asked, read, lambda orders: PlaceOrders(owner(key), orders, key.subtrader_id is not None))


def run_each(
    ctx: KalshiContext, asked: list[dict[str, Any]], read: Callable[[dict[str, Any]], C],
    batch: Callable[[tuple[C, ...]], Command],
) -> list[OrderOutcome | dict[str, Any]]:  # fmt: skip
    """A batch's items, each read by `read` first: the ones read run by one command (`batch` of them), in order; one
    `read` refuses (Kalshi's exchange error) answers its refusal in its place, as the command answers an item it
    refuses."""
    items: list[C] = []
    unread: dict[int, dict[str, Any]] = {}
    for i, item in enumerate(asked):
        try:
            items.append(read(item))
        except KalshiError as exc:
            unread[i] = {"error": {"status": exc.status, "code": exc.body["error"]["code"], "message": str(exc)}}
    if not items:
        return list(unread.values())
    done = iter(commands.execute(ctx, batch(tuple(items))))
    return [unread[i] if i in unread else _item(next(done)) for i in range(len(asked))]


def _item(done: OrderOutcome | ItemRefused) -> OrderOutcome | dict[str, Any]:
    return done.json() if isinstance(done, ItemRefused) else done


def cancel_of(key: ApiKey, order_id: Any, subaccount: int | None, index: int | None, ticker: str | None) -> CancelOrder:
    return commands.read(CancelOrder, {
        "user_id": owner(key), "order_id": order_id, "subaccount": subaccount_for(key, subaccount) or 0,
        "exchange_index": index, "market_ticker": ticker,
    })  # fmt: skip


def cancel_order(ctx: KalshiContext, key: ApiKey, parts: Parts) -> dict[str, Any]:
    values = parse_query(CANCEL_ORDER_V2, ROUTE, parts.query)
    cancel = cancel_of(key, parts.query["order_id"], values["subaccount"], values["exchange_index"],
                     values["market_ticker"])  # fmt: skip
    return orders_render.cancelled(commands.execute(ctx, cancel))


def batch_cancel_orders(ctx: KalshiContext, key: ApiKey, values: dict[str, Any]) -> dict[str, Any]:
    asked = values["orders"]
    done = run_each(
        ctx, asked, lambda item: cancel_of(key, item["order_id"], item["subaccount"], item["exchange_index"],
                                         item["market_ticker"]),
        lambda cancels: CancelOrders(owner(key), cancels),
    )  # fmt: skip
    return {
        "orders": [
            orders_render.cancelled_in_batch(item, ask["order_id"]) for item, ask in zip(done, asked, strict=True)
        ]
    }


def cancel_all_orders(ctx: KalshiContext, key: ApiKey, query: Any) -> None:
    values = parse_query(CANCEL_ALL_ORDERS, [SUBACCOUNT], query)
    commands.execute(ctx, CancelAllOrders(owner(key), subaccount_for(key, values["subaccount"])))


def amend_order(ctx: KalshiContext, key: ApiKey, parts: Parts) -> dict[str, Any]:
    return orders_render.amended(_change(ctx, key, parts, "AmendOrderV2", AmendOrder, AMEND_TEXT))


def decrease_order(ctx: KalshiContext, key: ApiKey, parts: Parts) -> dict[str, Any]:
    return orders_render.decreased(_change(ctx, key, parts, "DecreaseOrderV2", DecreaseOrder, DECREASE_TEXT))


def _change(
    ctx: KalshiContext, key: ApiKey, parts: Parts, operation: str, command: type[AmendOrder] | type[DecreaseOrder],
    texts: Mapping[str, wire_values.Text],
) -> OrderOutcome:  # fmt: skip
    """A change of one resting order (the path's `order_id`, the query's `subaccount`) by the body's fields given."""
    values = parse_query(operation, [SUBACCOUNT], parts.query)
    body = wire_values.read(parts.body or {}, texts)
    fields = {name: value for name, value in body.items() if value is not None}
    return commands.execute(ctx, commands.read(command, {
        **fields, "user_id": owner(key), "order_id": parts.query["order_id"],
        "subaccount": subaccount_for(key, values["subaccount"]) or 0,
    }))  # fmt: skip
