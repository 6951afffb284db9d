"""The orders sandbox the inspector's order tests share (test_inspector_orders.py and test_admin_order_groups_http.py
over HTTP, and the page in Chromium): alice's and bob's orders on a market with the house's book, placed, partly filled
and cancelled over signed HTTP, and what the inspector and REST say of them and of their order groups."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import plain_http
import pytest
from kalshi_http import ok, signed

from mockexchange.admin.kalshi import order_groups as kalshi_order_groups
from mockexchange.admin.kalshi import orders as kalshi_orders
from mockexchange.core.clock import ManualClock
from mockexchange.server import MockServer

T0 = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
M = "KXORD-26NOV-A"
EXPIRES = int(T0.timestamp()) + 3_600


def sandbox_fixtures() -> tuple[Callable[..., Any], Callable[..., Any]]:
    """The fixtures `server` (one mock for the test module, on a manual exchange clock) and `mock` (it for each test:
    reset, the clock at T0, `ready`); a test module takes them as `server, mock = sandbox_fixtures()`."""

    @pytest.fixture(scope="module", name="server")
    def server() -> Iterator[MockServer]:
        with MockServer(clock=ManualClock(T0)) as served:
            yield served

    @pytest.fixture(name="mock")
    def mock(server: MockServer) -> MockServer:
        server.reset()
        server.ledger.state.clock.set(T0)
        ready(server)
        return server

    return server, mock


def ready(mock: MockServer) -> None:
    """alice ($100, and $10 in subaccount 1) and bob ($100); market M with the house's YES bid 0.40 x10 and NO bid
    0.55 x5 (a YES ask at 0.45 x5)."""
    mock.set_rate_limit_tier("off")
    for user in ("alice", "bob"):
        mock.create_account(user, balance_cents=10_000)
    mock.create_market(M)
    mock.set_book(M, yes=[["0.40", "10"]], no=[["0.55", "5"]])
    mock.create_subaccount("alice")
    mock.subaccount_transfer("alice", "9c6f9e4e-2f4f-4f4e-8f4e-2f4f4f4e8f4e", 0, 1, 1_000)


def place(client: httpx.Client, **fields: object) -> dict:
    """A good-till-canceled bid for 1 of M at 0.30, with `fields` over it; its answer."""
    body = {"ticker": M, "side": "bid", "count": "1", "price": "0.30", "time_in_force": "good_till_canceled",
            "self_trade_prevention_type": "taker_at_cross", **fields}  # fmt: skip
    r = client.post("/portfolio/events/orders", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def cancel(client: httpx.Client, order_id: str) -> None:
    r = client.delete(f"/portfolio/events/orders/{order_id}")
    assert r.status_code == 200, r.text


def inspected(mock: MockServer, user_id: str, subaccount: int = 0) -> dict:
    r = plain_http.get(f"{mock.base_url}/_admin/accounts/{user_id}", params={"subaccount": subaccount}, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()["kalshi"]


def as_served(row: dict) -> dict:
    """An order the inspector shows without the fields REST does not serve."""
    return {name: value for name, value in row.items() if name not in kalshi_orders.INSIDE_FIELDS}


def page_rows(mock: MockServer, user_id: str, which: str) -> list[dict[str, str]]:
    """The account's `which` orders ("resting" or "ended") as the page's table shows them: REST's fields of each
    (GET /portfolio/orders' row) and the inspector's own, in the page's columns, as cell text."""
    served = {o["order_id"]: o for o in _rest_orders(mock, user_id)}
    rows = inspected(mock, user_id)["orders"][which]["orders"]
    for row in rows:
        assert as_served(row) == served[row["order_id"]]  # what the page draws is what REST serves
    return [{name: _text(row.get(name)) for name in PAGE_COLUMNS if name in row} for row in rows]


PAGE_COLUMNS = ("order_id", "client_order_id", "ticker", "side", "action", "yes_price_dollars", "remaining_count_fp",
                "fill_count_fp", "held_dollars", "time_in_force", "post_only", "expiration_time", "order_group_id",
                "status", "last_update_time")  # fmt: skip


GROUP_COLUMNS = ("id", "contracts_limit_fp", "matched_fp", "is_auto_cancel_enabled", "exchange_index", "orders_count",
                 "resting_count", "orders")  # fmt: skip


def group_rows(mock: MockServer, user_id: str) -> list[dict[str, str]]:
    """The account's order groups as the page's table shows them: each as REST serves it (GET /portfolio/order_groups'
    row, its latest orders as GET /portfolio/order_groups/{id} lists them) with the inspector's own fields, as cell
    text (a group's orders: their ids, space apart)."""
    groups = inspected(mock, user_id)["order_groups"]["order_groups"]
    with signed(mock, user_id) as client:
        listed = {row["id"]: row for row in ok(client, "/portfolio/order_groups")["order_groups"]}
        for group in groups:
            assert {name: group[name] for name in listed[group["id"]]} == listed[group["id"]]
            placed = ok(client, f"/portfolio/order_groups/{group['id']}")["orders"]
            assert group["orders"] == placed[-kalshi_order_groups.GROUP_ORDERS :]
    return [{name: " ".join(g["orders"]) if name == "orders" else _text(g[name]) for name in GROUP_COLUMNS}
            for g in groups]  # fmt: skip


def _rest_orders(mock: MockServer, user_id: str) -> list[dict]:
    with signed(mock, user_id) as client:
        return ok(client, "/portfolio/orders", subaccount="0")["orders"]


def _text(value: object) -> str:
    if value is None:
        return "\u2013"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
