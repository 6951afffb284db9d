"""Kalshi's `Order` on the wire (spec 3.34.0), for the orders the ledger keeps: the ended ones `GET /historical/orders`
serves (core/kalshi/archive.py). Prices have 4 places, costs and fees 6, counts 2, as the other 3.34 records do.

The mock's orders never match, so an ended order filled nothing: its fill counts, costs and fees are zero, and a
cancelled order has no contracts remaining (its initial count is what rested).
"""

from __future__ import annotations

from decimal import Decimal

from mockexchange.core.kalshi.archive import EndedOrder
from mockexchange.venues.kalshi.render import Row, book_side, count_fp, dollars4, dollars6, outcome_side, rfc3339

_ZERO = Decimal(0)


def order(ended: EndedOrder) -> Row:
    o = ended.order
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
        "status": ended.status,
        "yes_price_dollars": dollars4(yes_price),
        "no_price_dollars": dollars4(1 - yes_price),
        "fill_count_fp": count_fp(_ZERO),
        "remaining_count_fp": count_fp(_ZERO),
        "initial_count_fp": count_fp(o.count),
        "taker_fill_cost_dollars": dollars6(_ZERO),
        "maker_fill_cost_dollars": dollars6(_ZERO),
        "taker_fees_dollars": dollars6(_ZERO),
        "maker_fees_dollars": dollars6(_ZERO),
        "expiration_time": None,
        "created_time": rfc3339(o.created),
        "last_update_time": rfc3339(ended.ended),
        "self_trade_prevention_type": None,
        "order_group_id": None,
        "cancel_order_on_pause": False,
        "subaccount_number": o.subaccount,
        "exchange_index": o.exchange_index,
    }
