"""The perps exchange's orders on the wire: POST /margin/orders (CreateMarginOrder), GET one and a page, DELETE one
and every one, decrease and amend. Each write's body is read as Kalshi's Go server reads it (Kalshi's bodies.py: the
spec's request struct, its `validate` tags, Kalshi's fixed-point texts) into the perps core's command
(core/perps/order_commands.py), run as the control plane runs it (a state file keeps it); a refusal is the exchange's
in Kalshi's shape, having changed nothing. The answers are rendered from what the command says it did."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from mockexchange.auth.kalshi.keys import ApiKey
from mockexchange.core.commands import kind_of
from mockexchange.core.numbers import INT32_MAX, INT32_MIN
from mockexchange.core.perps.errors import not_found
from mockexchange.core.perps.order_commands import (
    AmendPerpOrder,
    CancelPerpOrder,
    CancelPerpOrders,
    DecreasePerpOrder,
    PlacePerpOrder,
)
from mockexchange.core.perps.orders import STATUSES, PerpOrder
from mockexchange.core.perps.trading import PerpOutcome
from mockexchange.core.values import FLAG, Choice, Integer
from mockexchange.venues.kalshi import commands, wire_values
from mockexchange.venues.kalshi.bodies import GO_UUID, Body, BodyField, at_least
from mockexchange.venues.kalshi.context import subaccount_for
from mockexchange.venues.kalshi.errors import exchange_refusal
from mockexchange.venues.kalshi.params import CURSOR, MAX_TS, MIN_TS, SUBACCOUNT, TICKER, Param, Query, parse_query
from mockexchange.venues.perps import pages, render
from mockexchange.venues.perps.context import PerpsContext, execute, refused

_SIDE = BodyField("side", kind_of(PlacePerpOrder, "side"), required=True)
_EXPIRATION = BodyField("expiration_time", at_least(0), go="int64")
_MARKET_ID = BodyField("market_id", GO_UUID, form_tag="uuid")  # (the spec's `omitempty,uuid`)
ORDER = Body(
    "CreateMarginOrderRequest",
    (
        BodyField("ticker"),
        _MARKET_ID,
        BodyField("client_order_id", required=True),
        _SIDE,
        BodyField("count", required=True),
        BodyField("price", required=True),
        _EXPIRATION,
        BodyField("time_in_force", kind_of(PlacePerpOrder, "time_in_force"), required=True),
        BodyField("post_only", FLAG),
        BodyField("self_trade_prevention_type", kind_of(PlacePerpOrder, "self_trade_prevention_type"), required=True),
        BodyField("cancel_order_on_pause", FLAG),
        BodyField("reduce_only", FLAG),
        BodyField("subaccount", at_least(0)),
        BodyField("order_group_id"),
        BodyField("market_version", Integer(INT32_MIN, INT32_MAX), go="int32"),  # (no bound: 0 skips the check)
    ),
)
AMEND = Body(
    "AmendMarginOrderRequest",
    (
        BodyField("ticker"),
        _MARKET_ID,
        _SIDE,
        BodyField("price", required=True),
        BodyField("count", required=True),
        BodyField("client_order_id"),
        BodyField("updated_client_order_id"),
        _EXPIRATION,
    ),
)
DECREASE = Body("DecreaseMarginOrderRequest", (BodyField("reduce_by"), BodyField("reduce_to")))
ORDER_TEXT: dict[str, wire_values.Text] = {"price": "price", "count": "count", "client_order_id": "client_order_id"}
AMEND_TEXT: dict[str, wire_values.Text] = {**ORDER_TEXT, "updated_client_order_id": "client_order_id"}
DECREASE_TEXT: dict[str, wire_values.Text] = {"reduce_by": "count", "reduce_to": "count"}
STATUS = Param("status", "Status", Choice(STATUSES))
ORDERS_LIMIT = Param("limit", "Limit", Integer(1, 10_000), 10_000, range_tags=("min", "max"))


def _ticker(ctx: PerpsContext, values: dict[str, Any]) -> str:
    """The market a body names: its ticker, else its market_id (a ticker wins when both are given)."""
    if values.get("ticker"):
        return values["ticker"]
    market_id = values.get("market_id")
    if not market_id:
        raise exchange_refusal(400, None, "give ticker or market_id")
    ticker = ctx.exchange.state.by_market_id.get(market_id)
    if ticker is None:
        raise refused(not_found(f"margin market {market_id!r}"))
    return ticker


def _given(values: dict[str, Any], *names: str) -> dict[str, Any]:
    return {name: values[name] for name in names if values.get(name) is not None}


def create(ctx: PerpsContext, key: ApiKey, query: Query, values: dict[str, Any]) -> Any:
    values = wire_values.read(values, ORDER_TEXT)
    fields = _given(
        values, "client_order_id", "side", "count", "price", "expiration_time", "time_in_force",
        "self_trade_prevention_type", "post_only", "cancel_order_on_pause", "reduce_only", "order_group_id",
        "market_version",
    )  # fmt: skip
    fields |= {"user_id": key.user_id, "ticker": _ticker(ctx, values)}
    fields["subaccount"] = subaccount_for(key, values["subaccount"]) or 0
    outcome: PerpOutcome = execute(ctx, commands.read(PlacePerpOrder, fields))
    order = outcome.order
    answer = {
        "order_id": order.order_id, "client_order_id": order.client_order_id,
        "fill_count": render.count(outcome.filled), "remaining_count": render.count(order.remaining),
    }  # fmt: skip
    return answer | _averages(outcome)


def _averages(outcome: PerpOutcome) -> dict[str, Any]:
    """The average fill price and fee a contract of what this request filled (present when it filled)."""
    if not outcome.filled:
        return {}
    per = Fraction(100, outcome.filled * 1_000_000)
    return {
        "average_fill_price": render.average(outcome.value * per),
        "average_fee_paid": render.average(outcome.fees * per),
    }


def _subaccount(operation: str, key: ApiKey, query: Query) -> int:
    """The subaccount a write names in its query (SubaccountQueryDefaultPrimary: 0 unless given)."""
    return subaccount_for(key, parse_query(operation, (SUBACCOUNT,), query)["subaccount"]) or 0


def get(ctx: PerpsContext, key: ApiKey, query: Query) -> dict[str, Any]:
    order = ctx.exchange.state.orders.get(query["order_id"])
    locked = key.subaccount is not None and order is not None and order.subaccount != key.subaccount
    if order is None or order.user_id != key.user_id or locked:
        raise refused(not_found(f"order {query['order_id']!r}"))
    return {"order": render.order(order)}


def listed(ctx: PerpsContext, key: ApiKey, query: Query) -> dict[str, Any]:
    operation = "GetMarginOrders"
    asked = parse_query(operation, (TICKER, MIN_TS, MAX_TS, STATUS, ORDERS_LIMIT, CURSOR, SUBACCOUNT), query)
    subaccount = subaccount_for(key, asked["subaccount"])
    filters = {name: asked[name] for name in ("ticker", "min_ts", "max_ts", "status")} | {"subaccount": subaccount}
    before = pages.after(operation, asked["cursor"], filters)
    ticker, status = asked["ticker"], asked["status"]

    def keep(order: PerpOrder) -> bool:
        return (
            (ticker is None or order.ticker == ticker)
            and (status is None or order.status == status)
            and (subaccount is None or order.subaccount == subaccount)
        )

    found = pages.newest([ctx.exchange.state.user_orders.get(key.user_id, [])], before)
    rows, cursor = pages.page(found, asked["limit"], filters, keep, render.order, (asked["min_ts"], asked["max_ts"]))
    return {"orders": rows, "cursor": cursor}


def cancel(ctx: PerpsContext, key: ApiKey, query: Query) -> dict[str, Any]:
    subaccount = _subaccount("CancelMarginOrder", key, query)
    cancel = {"user_id": key.user_id, "order_id": query["order_id"], "subaccount": subaccount}
    outcome: PerpOutcome = execute(ctx, commands.read(CancelPerpOrder, cancel))
    order = outcome.order
    return {"order_id": order.order_id, "client_order_id": order.client_order_id,
            "reduced_by": render.count(outcome.reduced_by)}  # fmt: skip


def cancel_all(ctx: PerpsContext, key: ApiKey, query: Query) -> None:
    asked = parse_query("CancelAllMarginOrders", (SUBACCOUNT,), query)
    cancel = {"user_id": key.user_id, "subaccount": subaccount_for(key, asked["subaccount"])}
    execute(ctx, commands.read(CancelPerpOrders, cancel))


def decrease(ctx: PerpsContext, key: ApiKey, query: Query, values: dict[str, Any]) -> dict[str, Any]:
    values = wire_values.read(values, DECREASE_TEXT)
    fields = _given(values, "reduce_by", "reduce_to") | {"user_id": key.user_id, "order_id": query["order_id"]}
    fields["subaccount"] = _subaccount("DecreaseMarginOrder", key, query)
    outcome: PerpOutcome = execute(ctx, commands.read(DecreasePerpOrder, fields))
    order = outcome.order
    return {"order_id": order.order_id, "client_order_id": order.client_order_id,
            "remaining_count": render.count(order.remaining)}  # fmt: skip


def amend(ctx: PerpsContext, key: ApiKey, query: Query, values: dict[str, Any]) -> dict[str, Any]:
    values = wire_values.read(values, AMEND_TEXT)
    fields = _given(values, "side", "price", "count", "client_order_id", "updated_client_order_id", "expiration_time")
    fields |= {"user_id": key.user_id, "order_id": query["order_id"], "ticker": _ticker(ctx, values)}
    fields["subaccount"] = _subaccount("AmendMarginOrder", key, query)
    outcome: PerpOutcome = execute(ctx, commands.read(AmendPerpOrder, fields))
    order = outcome.order
    answer: dict[str, Any] = {"order_id": order.order_id, "client_order_id": order.client_order_id}
    # (each of the four always sent, null where it does not apply: the spec's `x-omitempty: false`, as Kalshi's amend)
    resized = outcome.resized
    answer |= {"remaining_count": render.count(order.remaining) if resized else None,
               "fill_count": render.count(outcome.filled) if resized else None}  # fmt: skip
    return answer | (_averages(outcome) or dict.fromkeys(("average_fill_price", "average_fee_paid")))
