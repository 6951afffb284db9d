"""What the kit's order checks need on the account and its exchange (write_rules.AccountValues' order fields):
markets that take orders, the account's orders, and, for `contract check --orders`, resting orders of its own to
cancel, amend and decrease.

- The order markets: open markets (`active`; the legacy profile's `open`) on whole cents (`linear_cent`), all on one
  exchange index (0, where deposits land, when it lists any): drawn valid orders name them, at prices every one of
  them takes.
- The account's orders: one signed `GET /portfolio/orders` page; `GetOrder` and `GetOrderQueuePosition` name them.
- The kit's resting orders (`place_resting`, only when asked: it changes the account): `RESTING_ORDERS` post-only
  bids of `RESTING["count"]` contracts at $0.01 on the first order market, which cross nothing a book offers above
  a cent; the writes that change an order name only these, never an order the account had.

The pytest suites seed the same orders through the control plane (`account.seed_orders`) with `RESTING`'s terms.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx

from mockexchange.contract.preflight import TIMEOUT
from mockexchange.testing.signing import KalshiSigner

RESTING_ORDERS = 12
RESTING: dict[str, Any] = {
    "side": "bid", "count": "100", "price": "0.01", "time_in_force": "good_till_canceled",
    "self_trade_prevention_type": "taker_at_cross", "post_only": True,
}  # fmt: skip
OPEN_STATUSES = ("active", "open")
ORDERS_READ = 100  # orders read of the account's (a page)


@dataclass
class OrderValues:
    """The order fields of `AccountValues`, and what could not be done."""

    values: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    placed: int = 0


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


def find_orders(base_url: str, signer: KalshiSigner, markets: list[Any], *, place: bool) -> OrderValues:
    """The order values of the account behind `signer` at a server: its orders read, and with `place`, the kit's
    resting orders placed first on the first order market (`markets`: rows of GET /markets)."""
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
                    lambda body: _placed(call("POST", "/portfolio/events/orders", json=body)), tickers[0]
                )
                found.placed = len(resting)
                if len(resting) < RESTING_ORDERS:
                    found.problems.append(f"{RESTING_ORDERS - len(resting)} of the kit's resting orders were refused")
        answer = call("GET", "/portfolio/orders", params={"limit": ORDERS_READ})
        rows = _orders(answer)
        if rows is None:
            found.problems.append(f"GET /portfolio/orders ({_status(answer)}) listed no orders")
    found.values = values_for(tickers, index, rows or (), resting)
    return found


def place_resting(place: Callable[[dict[str, Any]], str | None], ticker: str) -> tuple[str, ...]:
    """`RESTING_ORDERS` of the kit's resting bids on `ticker` (`place(body)`: the id of the order placed, or None);
    the ids of those placed."""
    placed = (place({**RESTING, "ticker": ticker}) for _ in range(RESTING_ORDERS))
    return tuple(order_id for order_id in placed if order_id)


def _placed(answer: httpx.Response | None) -> str | None:
    try:
        order_id = answer.json().get("order_id") if answer is not None and answer.status_code == 201 else None
    except (ValueError, AttributeError):
        return None
    return order_id if isinstance(order_id, str) else None


def _orders(answer: httpx.Response | None) -> list[Any] | None:
    try:
        rows = answer.json().get("orders") if answer is not None and answer.status_code == 200 else None
    except (ValueError, AttributeError):
        return None
    return rows if isinstance(rows, list) else None


def _status(answer: httpx.Response | None) -> str:
    return "no answer" if answer is None else str(answer.status_code)
