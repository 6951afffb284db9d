"""A Kalshi account's orders as the inspector shows them, a part of `GET /_admin/accounts/{user_id}`'s `kalshi`: the
shown subaccount's resting orders and its orders that ended (executed or canceled), and who rests at each level of a
market's book (kalshi_markets.py).

Each order is the Kalshi venue's own rendering (GET /portfolio/orders' row in the mock's profile, kalshi_venue.py)
with the fields of it REST does not serve (`INSIDE_FIELDS`): `held_dollars`, what the order holds of its owner's cash
while it rests (its value and the maker fees still to pay, core/kalshi/orders.py; 0 once it ended), its
`time_in_force` and whether it is `post_only`. The resting orders are the venue's answer
to `ORDERS_QUERIES["resting_orders"]`, newest placed first; the ended ones are the archive's (core/kalshi/archive.py),
by when they ended, most recent first, each as GET /portfolio/orders renders it (one that ended before the historical
cutoff too: the inspector shows it where REST moved it to /historical/orders). Both lists are at most `HISTORY_ROWS`;
`more` says whether more follow.
"""

from __future__ import annotations

from typing import Any

from mockexchange.admin.kalshi.venue import API, venue_answer
from mockexchange.admin.queries import HISTORY_ROWS
from mockexchange.core.book import Book, Side
from mockexchange.core.kalshi.accounts import HOUSE as HOUSE_OWNER
from mockexchange.core.kalshi.orders import Order
from mockexchange.core.kalshi.units import contracts, dollars
from mockexchange.venues.kalshi import order_reads
from mockexchange.venues.kalshi.context import KalshiContext
from mockexchange.venues.kalshi.render import count_fp, dollars6

ORDERS_QUERIES = {
    "resting_orders": f"{API}/portfolio/orders?status=resting&limit={HISTORY_ROWS}&subaccount=SUBACCOUNT",
    "ended_orders": f"{API}/portfolio/orders/ORDER_ID (each ended order, by when it ended, most recent first)",
}
INSIDE_FIELDS = ("held_dollars", "time_in_force", "post_only")  # beside the venue's own fields of an order
HOUSE = "house"  # the owner a book level names for the house's scripted liquidity
ACCOUNTS = "accounts"  # and for the accounts' orders past `LEVEL_ORDERS` at one level, together
LEVEL_ORDERS = 20  # accounts' orders named at one level, in queue order; the rest are one `accounts` entry


def orders(ctx: KalshiContext, user_id: str, subaccount: int) -> dict[str, Any]:
    """The subaccount's resting orders and its most recent ended ones; under the ledger's lock (the caller holds it)."""
    ledger = ctx.ledger
    query = {"status": "resting", "limit": str(HISTORY_ROWS), "subaccount": str(subaccount)}
    resting = venue_answer(order_reads.get_orders, ctx, user_id, query)
    rows = [_inside(row, ledger.state.all_orders[row["order_id"]]) for row in resting["orders"]]
    ended, more = ledger.state.archive.ended_orders.page(
        user_id, HISTORY_ROWS, keep=lambda e: e.subaccount == subaccount
    )
    render = ctx.profile.live_order
    return {
        "resting": {"orders": rows, "more": bool(resting["cursor"])},
        "ended": {"orders": [_inside(render(e.order), e.order) for _, e in ended], "more": more},
    }


def _inside(row: dict[str, Any], order: Order) -> dict[str, Any]:
    inside = (dollars6(dollars(order.held)), order.time_in_force, order.post_only)
    return {**row, **dict(zip(INSIDE_FIELDS, inside, strict=True))}


def level_owners(book: Book, side: Side, at: int) -> list[dict[str, Any]]:
    """Who rests at one level, in queue order: the house's scripted liquidity, and each account's order (its owner,
    subaccount and order id); past `LEVEL_ORDERS` accounts' orders, the rest together as `accounts`."""
    owners: list[dict[str, Any]] = []
    named, rest, rest_orders = 0, 0, 0
    for resting in book.at(side, at):
        count = count_fp(contracts(resting.size))
        if resting.owner == HOUSE_OWNER:
            owners.append({"owner": HOUSE, "count_fp": count})
        elif named < LEVEL_ORDERS:
            named += 1
            order = resting.data
            subaccount = order.subaccount if order is not None else None
            owners.append(
                {"owner": resting.owner, "subaccount": subaccount, "order_id": resting.order_id, "count_fp": count}
            )
        else:
            rest += resting.size
            rest_orders += 1
    if rest_orders:
        owners.append({"owner": ACCOUNTS, "orders": rest_orders, "count_fp": count_fp(contracts(rest))})
    return owners
