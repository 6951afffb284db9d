"""Kalshi's `Order` on the wire (spec 3.34.0), one renderer for every read of an order: `GET /portfolio/orders`, one
order, `GET /historical/orders` (the ended ones the archive keeps, core/kalshi/archive.py), `GET /fcm/orders` and the
websocket's `user_order` message (with the `order_group_updates` message of a group).
Prices have 4 places, costs and fees 6, counts 2, as the other 3.34 records do; the legacy profile's (`order_legacy`)
has 4-place costs and fees, as its other records do, and the integer twins (cents, whole contracts) the legacy
`Order` of `kalshi_python_sync` 3.2.0 requires."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from mockexchange.core.clock import unix_ms
from mockexchange.core.kalshi.archive import EndedOrder
from mockexchange.core.kalshi.orders import Order, OrderOutcome
from mockexchange.core.kalshi.units import contracts, dollars, half_even, price
from mockexchange.core.money import to_cents, to_whole_contracts
from mockexchange.core.order_groups import GroupEvent
from mockexchange.venues.kalshi.errors import exchange_error
from mockexchange.venues.kalshi.render import Row, count_fp, count_texts, dollars4, dollars6, price_texts, rfc3339

_ONE = Decimal(1)


def order(o: Order, money: Callable[[Decimal], str] = dollars6) -> Row:
    """An order as it stands (`status` resting, canceled or executed); `money` writes its costs and fees."""
    yes = price(o.yes_price)
    return {
        "order_id": o.order_id,
        "user_id": o.user_id,
        "client_order_id": o.client_order_id,
        "ticker": o.ticker,
        "side": o.side,
        "action": o.action,
        "outcome_side": "yes" if o.buys_yes else "no",
        "book_side": o.book_side,
        "type": o.order_type,
        "status": o.status,
        "yes_price_dollars": dollars4(yes),
        "no_price_dollars": dollars4(_ONE - yes),
        "fill_count_fp": count_fp(contracts(o.filled)),
        "remaining_count_fp": count_fp(contracts(o.remaining)),
        "initial_count_fp": count_fp(contracts(o.initial)),
        "taker_fill_cost_dollars": money(dollars(o.taker_cost)),
        "maker_fill_cost_dollars": money(dollars(o.maker_cost)),
        "taker_fees_dollars": money(dollars(o.taker_fees)),
        "maker_fees_dollars": money(dollars(o.maker_fees)),
        "expiration_time": rfc3339(o.expiration_time) if o.expiration_time is not None else None,
        "created_time": rfc3339(o.created),
        "last_update_time": rfc3339(o.updated),
        "self_trade_prevention_type": o.self_trade_prevention_type,
        "order_group_id": o.order_group_id,
        "cancel_order_on_pause": o.cancel_order_on_pause,
        "subaccount_number": o.subaccount,
        "exchange_index": o.exchange_index,
    }


def order_legacy(o: Order) -> dict[str, Any]:
    """The late-2025 shape: integer twins (cents, whole contracts) beside the dollar strings (4 places)."""
    row = order(o, dollars4)
    yes = price(o.yes_price)
    twins = {"yes_price": to_cents(yes), "no_price": to_cents(_ONE - yes)}
    twins |= {name: to_whole_contracts(contracts(units)) for name, units in (
        ("fill_count", o.filled), ("remaining_count", o.remaining), ("initial_count", o.initial))}  # fmt: skip
    twins |= {"queue_position": 0}
    twins |= {name: to_cents(dollars(units)) for name, units in (
        ("taker_fees", o.taker_fees), ("maker_fees", o.maker_fees), ("taker_fill_cost", o.taker_cost),
        ("maker_fill_cost", o.maker_cost))}  # fmt: skip
    return row | twins


def queue_position(ahead: int) -> Row:
    """An order's place in its level's queue: the contracts ahead of it (units)."""
    return {"queue_position_fp": count_fp(contracts(ahead))}


def queue_position_legacy(ahead: int) -> Row:
    """The late-2025 shape: the whole contracts ahead beside them (SDK 3.2.0 requires `queue_position`)."""
    return queue_position(ahead) | {"queue_position": to_whole_contracts(contracts(ahead))}


def ended_order(ended: EndedOrder) -> Row:
    """An order the archive keeps, as it ended."""
    return order(ended.order)


# -- the answers of the v2 order writes (venues/kalshi/orders.py), from what the command did (the ledger's
# `OrderOutcome`) ----

_NO_FILL = {"average_fill_price": None, "average_fee_paid": None}
Item = OrderOutcome | dict[str, Any]  # an item of a batch command's answer: what it did, or {"error": its refusal}


def _answer(done: OrderOutcome, fields: Row) -> Row:
    """An answer: the order's id (and its client order id if it has one), `fields`, then when the command ran."""
    order = done.order
    row: Row = {"order_id": order.order_id}
    if order.client_order_id:
        row["client_order_id"] = order.client_order_id
    row.update(fields)
    row["ts_ms"] = unix_ms(done.when)
    return row


def _averages(done: OrderOutcome) -> Row:
    """The fills' average YES price and fee a contract (4 places, half even), when the command filled any:
    micro-dollars over hundredths of a contract are ten-thousandths of a dollar a contract."""
    if not done.filled:
        return {}
    return {
        "average_fill_price": price_texts[half_even(done.yes_value, done.filled)],
        "average_fee_paid": price_texts[half_even(done.fees, done.filled)],
    }


def placed(done: OrderOutcome) -> Row:
    """CreateOrderV2Response."""
    counts = {"fill_count": count_texts[done.filled], "remaining_count": count_texts[done.order.remaining]}
    return _answer(done, counts | _averages(done))


def placed_in_batch(item: Item, asked_client_order_id: str | None) -> Row:
    """An item of BatchCreateOrdersV2Response: the order placed, or the refusal of the order asked."""
    if not isinstance(item, OrderOutcome):
        return {"client_order_id": asked_client_order_id, "fill_count": None, "remaining_count": None, **_NO_FILL,
                "ts_ms": None, "error": item_error(item["error"])}  # fmt: skip
    row = {"order_id": item.order.order_id, "client_order_id": item.order.client_order_id or None}
    row |= {name: value for name, value in placed(item).items() if name not in ("order_id", "client_order_id")}
    return {**row, **{name: row.get(name) for name in _NO_FILL}, "ts_ms": unix_ms(item.when), "error": None}


def cancelled(done: OrderOutcome) -> Row:
    """CancelOrderV2Response."""
    return _answer(done, {"reduced_by": count_texts[done.reduced]})


def cancelled_in_batch(item: Item, order_id: str) -> Row:
    """An item of BatchCancelOrdersV2Response: the cancel made, or its refusal (nothing reduced)."""
    if not isinstance(item, OrderOutcome):
        return {"order_id": order_id, "client_order_id": None, "reduced_by": "0.00", "ts_ms": None,
                "error": item_error(item["error"])}  # fmt: skip
    return {**cancelled(item), "client_order_id": item.order.client_order_id or None, "error": None}


def amended(done: OrderOutcome) -> Row:
    """AmendOrderV2Response: what rests and what filled when the amend filled or changed what rests (else null)."""
    changed = done.filled or done.reduced
    counts = {
        "remaining_count": count_texts[done.order.remaining] if changed else None,
        "fill_count": count_texts[done.filled] if changed else None,
    }
    return _answer(done, counts | _NO_FILL | _averages(done))


def decreased(done: OrderOutcome) -> Row:
    """DecreaseOrderV2Response."""
    return _answer(done, {"remaining_count": count_texts[done.order.remaining]})


def item_error(error: dict[str, Any]) -> Row:
    """An item's refusal as Kalshi's ErrorResponse, the mock's diagnosis in `details`."""
    return {**exchange_error(error["status"], error["code"]), "details": error["message"]}


# -- the websocket's order channels (AsyncAPI 3.34.0): `user_orders` and `order_group_updates` ------------------------

# The REST order's fields a `user_order` message carries as they are (the websocket's own are added below).
_WS_ORDER_FIELDS = (
    "order_id", "user_id", "ticker", "exchange_index", "status", "side", "outcome_side", "book_side",
    "yes_price_dollars", "fill_count_fp", "remaining_count_fp", "initial_count_fp", "taker_fill_cost_dollars",
    "maker_fill_cost_dollars", "taker_fees_dollars", "maker_fees_dollars", "client_order_id", "order_group_id",
    "self_trade_prevention_type", "subaccount_number",
)  # fmt: skip


def ws_time(when: datetime) -> str:
    """RFC 3339 truncated to milliseconds, trailing zeros of the fraction dropped (as Go's RFC3339Nano prints it)."""
    shown = when.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="milliseconds").rstrip("0").rstrip(".")
    return shown + "Z"


def ws_user_order(o: Order) -> Row:
    """A `user_order` message's `msg`: the order as `GET /portfolio/orders/{order_id}` shows it (the one renderer,
    `order`), in the channel's fields, with why it last changed (core's `last_update_reason`, Kalshi's words); the
    optional ones it has no value for left out."""
    row = order(o)
    msg = {name: row[name] for name in _WS_ORDER_FIELDS if row[name] is not None}
    msg["is_yes"] = o.side == "yes"
    msg["created_time"], msg["created_ts_ms"] = ws_time(o.created), unix_ms(o.created)
    msg["last_update_time"], msg["last_updated_ts_ms"] = ws_time(o.updated), unix_ms(o.updated)
    if o.expiration_time is not None:
        msg["expiration_time"], msg["expiration_ts_ms"] = ws_time(o.expiration_time), unix_ms(o.expiration_time)
    if o.last_update_reason is not None:
        msg["last_update_reason"] = o.last_update_reason
    return msg


def ws_order_group(event: GroupEvent) -> Row:
    """An `order_group_updates` message's `msg` (the limit on `created` and `limit_updated` only)."""
    msg: Row = {"event_type": event.event_type, "order_group_id": event.group_id}
    if event.contracts_limit is not None:
        msg["contracts_limit_fp"] = count_fp(contracts(event.contracts_limit))
    msg["ts_ms"] = unix_ms(event.at)
    return msg
