"""A Kalshi account's order groups as the inspector shows them, beside its orders (kalshi_orders.py): a part of
`GET /_admin/accounts/{user_id}`'s `kalshi`, the shown subaccount's groups, oldest first (the first `HISTORY_ROWS`;
`more` says whether more follow).

Each group is the Kalshi venue's own rendering: its row of `GROUPS_QUERIES["order_groups"]` (`id`,
`contracts_limit_fp`, `is_auto_cancel_enabled`, which Kalshi's words make true while the group is triggered,
`exchange_index`) and its `orders` as `GROUPS_QUERIES["order_group"]` lists them (every order placed into it that the
ledger keeps, in the order placed), of which the inspector shows the latest `GROUP_ORDERS`; with what REST does not
serve (`INSIDE_FIELDS`): `matched_fp`, the contracts its orders matched in the rolling window now (what passing the
limit triggers it on, core/kalshi/order_groups.py), `orders_count`, those orders, and `resting_count`, those resting
now.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from mockexchange.admin.kalshi.venue import API, venue_answer
from mockexchange.admin.queries import HISTORY_ROWS
from mockexchange.core.kalshi.units import contracts
from mockexchange.core.order_groups import OrderGroup
from mockexchange.venues.kalshi import order_groups as venue_groups
from mockexchange.venues.kalshi.context import KalshiContext
from mockexchange.venues.kalshi.params import Parts, Query
from mockexchange.venues.kalshi.render import count_fp

GROUPS_QUERIES = {
    "order_groups": f"{API}/portfolio/order_groups?subaccount=SUBACCOUNT",
    "order_group": f"{API}/portfolio/order_groups/ORDER_GROUP_ID?subaccount=SUBACCOUNT (each group's orders)",
}
INSIDE_FIELDS = ("matched_fp", "orders_count", "resting_count")  # beside the venue's own fields of a group
GROUP_ORDERS = 20  # a group's orders shown: the latest placed (`orders_count` says how many it has)


def order_groups(ctx: KalshiContext, user_id: str, subaccount: int) -> dict[str, Any]:
    """The subaccount's groups, each with its latest orders and what the core counts of it; under the ledger's lock
    (the caller holds it)."""
    ledger = ctx.ledger
    sub = str(subaccount)
    listed = venue_answer(venue_groups.get_order_groups, ctx, user_id, {"subaccount": sub})["order_groups"]
    resting = Counter(order.order_group_id for order in ledger.trading.resting_of(user_id))
    now = ledger.state.clock.now()
    shown = []
    for row in listed[:HISTORY_ROWS]:
        one = Parts(None, Query({"subaccount": sub}, {"order_group_id": row["id"]}))
        placed = venue_answer(venue_groups.get_order_group, ctx, user_id, one)["orders"]
        group = ledger.groups.order_group(row["id"], user_id, subaccount)
        shown.append({**row, "orders": placed[-GROUP_ORDERS:], **_inside(group, resting[group.group_id], now)})
    return {"order_groups": shown, "more": len(listed) > HISTORY_ROWS}


def _inside(group: OrderGroup, resting: int, now: datetime) -> dict[str, Any]:
    """What REST does not serve of a group (a copy of the core's: counting its window drops what left it)."""
    inside = (count_fp(contracts(group.total(now))), len(group.orders), resting)
    return dict(zip(INSIDE_FIELDS, inside, strict=True))
