"""Deribit's order object, once: the fields of an order as the venue renders it (`private/get_order_state`,
`private/buy`'s answer, the open-order and history reads, `user.orders.*`; venues/deribit/orders.py's `order_row`)
and as the admin API and the Python API show it beside the control plane's own fields (control/deribit/orders.py).
Each spells its numbers its own way (`spell`: a JSON number on the wire, the digits in the admin API), from this one
list of fields.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any

from mockexchange.core.clock import unix_ms
from mockexchange.core.deribit.orders import DerivativeOrder

Row = dict[str, Any]
Spell = Callable[[Decimal], Any]
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
_SUMMARY = Decimal("1e-8")  # what an order's fills realized, to the places its trades show (an account summary's)
_WIDE = Context(prec=90)


def order_object(order: DerivativeOrder, contract_size: Decimal, spell: Spell) -> Row:
    """Deribit's order object: snake_case, exact numbers (`spell`), times in ms; trigger fields only on trigger
    orders, the price "market_price" on a trigger market order, `cancel_reason` once cancelled."""
    row: Row = {
        "order_id": order.order_id,
        "order_state": order.order_state,
        "order_type": order.order_type,
        "time_in_force": order.time_in_force,
        "instrument_name": order.instrument_name,
        "direction": order.direction,
        "price": "market_price" if order.price is None else spell(order.price),
        "amount": spell(order.amount),
        "contracts": spell(order.amount / contract_size),
        "filled_amount": spell(order.filled_amount),
        "average_price": spell(order.average_price),
        # What the order's fills realized and cost so far (0 before it trades), to the places its trades show.
        "profit_loss": spell(order.profit_loss.quantize(_SUMMARY, ROUND_HALF_UP, _WIDE)),
        "commission": spell(order.commission),
        "max_show": spell(order.max_show),
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
        row["trigger_price"] = spell(order.trigger_price) if order.trigger_price is not None else None
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
        row["trigger_offset"] = spell(order.trigger_offset)
        if order.trigger_reference_price is not None:
            row["trigger_reference_price"] = spell(order.trigger_reference_price)
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
