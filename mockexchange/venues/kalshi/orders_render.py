"""Kalshi's `Order` on the wire (spec 3.34.0), for the orders the ledger keeps: the ended ones `GET /historical/orders`
serves (core/kalshi/archive.py) and the resting ones `GET /fcm/orders` serves. Prices have 4 places, costs and fees
6, counts 2, as the other 3.34 records do.

The mock's orders never match, so an order filled nothing: its fill counts, costs and fees are zero."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from mockexchange.core.kalshi.archive import EndedOrder
from mockexchange.core.kalshi.orders import RestingOrder
from mockexchange.venues.kalshi.render import Row, book_side, count_fp, dollars4, dollars6, outcome_side, rfc3339

_ZERO = Decimal(0)


def order(o: RestingOrder, status: str, remaining: Decimal, updated: datetime) -> Row:
    """An order the ledger keeps, `status` as it stands, `remaining` contracts still resting, last changed `updated`."""
    outcome = outcome_side(o)  # type: ignore[arg-type]  (a fill's side and action: an order has both)
    yes_price = o.price if o.side == "yes" else 1 - o.price
    return {
        "order_id": o.order_id,
        "user_id": o.user_id,
        "client_order_id": "",  # the control plane's orders take none
        "ticker": o.ticker,
        "side": o.side,
        "action": o.action,
        "outcome_side": outcome,
        "book_side": book_side(outcome),
        "type": "limit",
        "status": status,
        "yes_price_dollars": dollars4(yes_price),
        "no_price_dollars": dollars4(1 - yes_price),
        "fill_count_fp": count_fp(_ZERO),
        "remaining_count_fp": count_fp(remaining),
        "initial_count_fp": count_fp(o.count),
        "taker_fill_cost_dollars": dollars6(_ZERO),
        "maker_fill_cost_dollars": dollars6(_ZERO),
        "taker_fees_dollars": dollars6(_ZERO),
        "maker_fees_dollars": dollars6(_ZERO),
        "expiration_time": None,
        "created_time": rfc3339(o.created),
        "last_update_time": rfc3339(updated),
        "self_trade_prevention_type": None,
        "order_group_id": None,
        "cancel_order_on_pause": False,
        "subaccount_number": o.subaccount,
        "exchange_index": o.exchange_index,
    }


def resting_order(o: RestingOrder) -> Row:
    return order(o, "resting", o.count, o.created)


def ended_order(ended: EndedOrder) -> Row:
    """An ended order: a cancelled one has no contracts remaining (its initial count is what rested)."""
    return order(ended.order, ended.status, _ZERO, ended.ended)
