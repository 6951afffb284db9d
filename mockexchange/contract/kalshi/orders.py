"""What the kit's order checks need on the account and its exchange (account_values.AccountValues' order fields):
markets that take orders, the account's orders, and, for `contract check --orders`, resting orders of its own to
cancel, amend and decrease, and order groups of its own for the group writes.

- The order markets: open markets (`active`; the legacy profile's `open`) on whole cents (`linear_cent`), all on one
  exchange index (0, where deposits land, when it lists any): drawn valid orders name them, at prices every one of
  them takes.
- The account's orders: one signed `GET /portfolio/orders` page; `GetOrder` and `GetOrderQueuePosition` name them.
- The kit's resting orders (`place_resting`, only when asked: it changes the account): `RESTING_ORDERS` post-only
  bids of `RESTING["count"]` contracts at $0.01 on the first order market, which cross nothing a book offers above
  a cent; the writes that change an order name only these, never an order the account had.
- The kit's order groups (`make_groups`, only when a group write that names a group is asked): `KIT_GROUPS` groups
  of `GROUP_LIMIT` contracts on the order markets' exchange index for the group writes (and the creates) to name, and
  as many for DeleteOrderGroup alone, so that deleting leaves the others theirs; never a group the account had.

The pytest suites seed the same orders through the control plane (`account.seed_orders`) with `RESTING`'s terms.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx

from mockexchange.contract.kalshi.preflight import TIMEOUT
from mockexchange.testing.signing import KalshiSigner

RESTING_ORDERS = 12
RESTING: dict[str, Any] = {
    "side": "bid", "count": "100", "price": "0.01", "time_in_force": "good_till_canceled",
    "self_trade_prevention_type": "taker_at_cross", "post_only": True,
}  # fmt: skip
KIT_GROUPS = 3  # the kit's order groups for the group writes; as many again to delete
# The most Kalshi takes: a create naming a group is not expected to trigger it (a triggered group refuses orders).
GROUP_LIMIT = 1_000_000
OPEN_STATUSES = ("active", "open")
ORDERS_READ = 100  # orders read of the account's (a page)
GROUP_CREATE = "/portfolio/order_groups/create"


@dataclass
class OrderValues:
    """The order fields of `AccountValues`, and what could not be done."""

    values: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    placed: int = 0
    groups: int = 0  # order groups the kit made


def order_markets(markets: Iterable[Any]) -> tuple[tuple[str, ...], int | None]:
    """The open markets on whole cents of one exchange index (0, where deposits land, if it has any; else the first
    such market's), and that index."""
    found: list[tuple[str, int]] = []
    for row in markets:
        if not isinstance(row, dict) or row.get("status") not in OPEN_STATUSES:
            continue
        ticker, index = row.get("ticker"), row.get("exchange_index", 0)
        if (
            isinstance(ticker, str)
            and ticker
            and type(index) is int
            and row.get("price_level_structure", "linear_cent") == "linear_cent"
        ):
            found.append((ticker, index))
    if not found:
        return (), None
    index = 0 if any(i == 0 for _, i in found) else found[0][1]
    return tuple(t for t, i in found if i == index), index


def values_for(
    markets: tuple[str, ...], index: int | None, orders: Iterable[Any], resting: tuple[str, ...] | None
) -> dict[str, tuple[Any, ...]]:
    """AccountValues' order fields: the markets, the account's orders (`orders`: GetOrders rows), and the resting ones
    the writes may change (`resting`: the kit's own; None: only reads run, so the account's resting ones)."""
    rows = [o for o in orders if isinstance(o, dict) and isinstance(o.get("order_id"), str)]
    ids = tuple(o["order_id"] for o in rows)
    markets_of: tuple[str, ...]
    sides: tuple[str, ...]
    if resting is None:
        resting = tuple(o["order_id"] for o in rows if o.get("status") == "resting")
        markets_of, sides = (), ()
    else:
        markets_of, sides = markets[:1], (RESTING["side"],)
    return {
        "order_markets": markets,
        "order_exchange_indexes": () if index is None else (index, -1),
        "resting_order_exchange_indexes": () if index is None else (index,),
        "order_ids": tuple(dict.fromkeys(ids + resting)),
        "resting_order_ids": resting,
        "resting_order_markets": markets_of,
        "resting_order_sides": sides,
    }


def find_orders(
    base_url: str, signer: KalshiSigner, markets: list[Any], *, place: bool, groups: bool = False
) -> OrderValues:
    """The order values of the account behind `signer` at a server: its orders read, and with `place`, the kit's
    resting orders placed first on the first order market (`markets`: rows of GET /markets); with `groups`, the
    kit's order groups made first."""
    found = OrderValues()
    tickers, index = order_markets(markets)
    base_path = httpx.URL(base_url).path.rstrip("/")
    resting: tuple[str, ...] | None = None
    with httpx.Client(timeout=TIMEOUT, follow_redirects=False) as client:

        def call(method: str, path: str, **kwargs: Any) -> httpx.Response | None:
            headers = signer.headers(method, base_path + path)
            try:
                return client.request(method, base_url.rstrip("/") + path, headers=headers, **kwargs)
            except httpx.HTTPError:
                return None

        if place:
            if not tickers:
                found.problems.append("no open market on whole cents is listed: no order placed")
            else:
                resting = place_resting(
                    lambda body: _created(call("POST", "/portfolio/events/orders", json=body), "order_id"), tickers[0]
                )
                found.placed = len(resting)
                if len(resting) < RESTING_ORDERS:
                    found.problems.append(f"{RESTING_ORDERS - len(resting)} of the kit's resting orders were refused")
        made: dict[str, tuple[str, ...]] = {}
        if groups:
            body = {"contracts_limit": GROUP_LIMIT, "exchange_index": 0 if index is None else index}
            made = make_groups(lambda: _created(call("POST", GROUP_CREATE, json=body), "order_group_id"))
            found.groups = sum(map(len, made.values()))
            if found.groups < 2 * KIT_GROUPS:
                found.problems.append(f"{2 * KIT_GROUPS - found.groups} of the kit's order groups were refused")
        answer = call("GET", "/portfolio/orders", params={"limit": ORDERS_READ})
        rows = _orders(answer)
        if rows is None:
            found.problems.append(f"GET /portfolio/orders ({_status(answer)}) listed no orders")
    found.values = values_for(tickers, index, rows or (), resting) | made
    return found


def place_resting(place: Callable[[dict[str, Any]], str | None], ticker: str) -> tuple[str, ...]:
    """`RESTING_ORDERS` of the kit's resting bids on `ticker` (`place(body)`: the id of the order placed, or None);
    the ids of those placed."""
    placed = (place({**RESTING, "ticker": ticker}) for _ in range(RESTING_ORDERS))
    return tuple(order_id for order_id in placed if order_id)


def make_groups(create: Callable[[], str | None]) -> dict[str, tuple[str, ...]]:
    """The kit's order groups (`create()`: the id of a group made, or None), as AccountValues' group fields:
    `KIT_GROUPS` for the group writes to name and as many for DeleteOrderGroup."""
    made = [create() for _ in range(2 * KIT_GROUPS)]
    return {
        "order_group_ids": tuple(g for g in made[:KIT_GROUPS] if g),
        "deletable_order_group_ids": tuple(g for g in made[KIT_GROUPS:] if g),
    }


def _created(answer: httpx.Response | None, name: str) -> str | None:
    """The id a 201 names, or None."""
    try:
        made = answer.json().get(name) if answer is not None and answer.status_code == 201 else None
    except (ValueError, AttributeError):
        return None
    return made if isinstance(made, str) else None


def _orders(answer: httpx.Response | None) -> list[Any] | None:
    try:
        rows = answer.json().get("orders") if answer is not None and answer.status_code == 200 else None
    except (ValueError, AttributeError):
        return None
    return rows if isinstance(rows, list) else None


def _status(answer: httpx.Response | None) -> str:
    return "no answer" if answer is None else str(answer.status_code)
