"""No single request stalls every other client (core/stepping.py): a command whose work grows with what it touches (an
order that sweeps more resting orders than a command may take on the event loop, a small order that triggers an order
group of hundreds of orders, a large batch of orders, the admin API's large batch of fills) runs long in a worker
thread; while it runs, the health check and the reads of an account and a market it leaves be are answered at once,
and what it touches (its market's book, an account trading there) is answered after it, from the state it left:
before the command or after it, never half of it.

The command is held at one of its pauses by a subscriber of its own changes (which the bus calls in the command's
thread, under the lock): it steps, so the reads beside it go in, until the test lets it go on."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial

import httpx
import plain_http
import pytest
from kalshi_commands import submit
from kalshi_http import signed
from test_stepping import beside_a_pause
from waits import HANG_S

from mockexchange.core.clock import ManualClock
from mockexchange.core.kalshi.orders import ORDER
from mockexchange.core.stepping import DEEP
from mockexchange.server import MockServer

T0 = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
SWEPT, OTHER = "KXDEEP-26NOV-A", "KXCALM-26NOV-B"
MAKERS = DEEP + 50  # resting one-contract asks at 0.50: more than a command may sweep on the loop
WAIT = HANG_S  # seconds an answer may take before the test calls it a hang (waits.py)
CAROL_READS = ("/portfolio/balance", "/portfolio/positions", "/portfolio/orders", "/portfolio/fills")


@pytest.fixture(name="mock")
def sandbox() -> Iterator[MockServer]:
    """maker, taker and carol; carol's own trading on OTHER (a fill and a resting bid), clear of SWEPT."""
    with MockServer(clock=ManualClock(T0)) as mock:
        mock.set_rate_limit_tier("off")
        for user in ("maker", "taker", "carol"):
            mock.create_account(user, balance_cents=1_000_000)
        mock.create_market(SWEPT)
        mock.create_market(OTHER)
        mock.fill("carol", OTHER, "yes", "buy", "3", "0.40")
        submit(mock.ledger, "carol", OTHER, "yes", "buy", 200, 3000)
        yield mock


def asks(mock: MockServer, group: str | None = None) -> None:
    """MAKERS one-contract asks of the maker's at 0.50 on SWEPT (in the maker's order group, if named)."""
    for _ in range(MAKERS):
        submit(mock.ledger, "maker", SWEPT, "yes", "sell", 100, 5000, order_group_id=group)


def book(mock: MockServer, ticker: str) -> dict:
    r = plain_http.get(f"{mock.kalshi_url}/markets/{ticker}/orderbook", timeout=WAIT)
    assert r.status_code == 200, r.text
    return r.json()


def beside(
    mock: MockServer, command: Callable[[], httpx.Response], kinds: list[str] = [ORDER], users: tuple[str, ...] = (  # noqa: B006
        "maker", "taker"), first: Callable[[], object] = lambda: None,
) -> httpx.Response:  # fmt: skip
    """`command()` (a request; `first()` before it, once the state before it is read) held at a pause: carol's reads
    and OTHER's book answer as they did before it; the orders of `users` and SWEPT's book wait for it and read its
    whole result. Answers its response."""
    carol = signed(mock, "carol")
    touched = [signed(mock, user) for user in users]
    for client in (carol, *touched):
        client.timeout = WAIT
    ledger = mock.ledger
    answered, held = beside_a_pause(
        ledger.state.lock, ledger.state.bus, kinds, f"{mock.base_url}/_admin/health", command, first=first,
        clear=lambda: ({path: carol.get(path).json() for path in CAROL_READS}, book(mock, OTHER)),
        touching=[*(partial(client.get, "/portfolio/orders") for client in touched), partial(book, mock, SWEPT)],
    )  # fmt: skip
    for client, read in zip(touched, held, strict=False):
        assert read.json() == client.get("/portfolio/orders").json()  # type: ignore[attr-defined]
    assert held[-1] == book(mock, SWEPT)
    return answered


def order(count: int) -> dict:
    return {"ticker": SWEPT, "side": "bid", "count": str(count), "price": "0.50",
            "time_in_force": "immediate_or_cancel", "self_trade_prevention_type": "taker_at_cross"}  # fmt: skip


def test_a_deep_sweep_lets_the_reads_beside_it_go_on_and_is_seen_whole(mock: MockServer):
    asks(mock)
    taker = signed(mock, "taker")
    taker.timeout = WAIT
    placed = beside(mock, lambda: taker.post("/portfolio/events/orders", json=order(MAKERS)))
    assert placed.status_code == 201, placed.text
    assert Decimal(placed.json()["fill_count"]) == MAKERS
    assert "0.5000" not in str(book(mock, SWEPT))  # every ask gone, seen at once by the read held back


def test_a_small_order_that_triggers_a_large_order_group_runs_long(mock: MockServer):
    group = mock.create_order_group("maker", contracts_limit=1)["order_group_id"]
    asks(mock, group)
    taker = signed(mock, "taker")
    taker.timeout = WAIT
    placed = beside(mock, lambda: taker.post("/portfolio/events/orders", json=order(2)))
    assert placed.status_code == 201, placed.text
    assert Decimal(placed.json()["fill_count"]) == 2
    assert "0.5000" not in str(book(mock, SWEPT))  # the group's every other order cancelled with it


def test_a_large_batch_of_orders_runs_long(mock: MockServer):
    asks(mock)
    taker = signed(mock, "taker")
    taker.timeout = WAIT
    batch = {"orders": [order(MAKERS // 25) for _ in range(25)]}
    placed = beside(mock, lambda: taker.post("/portfolio/events/orders/batched", json=batch))
    assert placed.status_code == 201, placed.text
    assert sum(Decimal(item["fill_count"]) for item in placed.json()["orders"]) == 25 * (MAKERS // 25)


def test_a_large_batch_of_fills_through_the_admin_api_runs_long(mock: MockServer):
    submit(mock.ledger, "taker", SWEPT, "yes", "buy", 100, 4000)
    fills = [{"user_id": "maker", "ticker": SWEPT, "side": "yes", "action": "buy", "count": "1", "price": "0.45"}
             for _ in range(MAKERS)]  # fmt: skip
    batch = f"{mock.base_url}/_admin/fills/batch"
    done = beside(mock, lambda: plain_http.post(batch, json={"fills": fills}, timeout=WAIT), kinds=["fill"])
    assert done.status_code == 200, done.text
    assert done.json()["count"] == MAKERS


def test_a_market_that_closes_on_hundreds_of_orders_closes_long_off_the_loop(mock: MockServer):
    asks(mock)
    mock.set_close_time(SWEPT, (T0 + timedelta(hours=1)).isoformat())
    market = beside(
        mock, lambda: plain_http.get(f"{mock.kalshi_url}/markets/{SWEPT}", timeout=WAIT), users=("maker",),
        first=lambda: mock.ledger.state.clock.set(T0 + timedelta(hours=2)),  # past the close: the next read makes it
    )  # fmt: skip
    assert market.json()["market"]["status"] == "closed"
    assert "0.5000" not in str(book(mock, SWEPT))  # every order it rested ended with it
