"""A Deribit read over more open orders than a command may take on the event loop runs long, over real HTTP
(core/stepping.py, core/deribit/order_entry.py's `reading_open`): `private/get_open_orders*` over a wallet's and
`private/get_subaccounts_details` with `with_open_orders` over every subaccount's (up to the account's 100,000) were
rendered inline on the loop, 50,000 of them holding every client 0.4 s. Beside it the health check, another account's
reads and another instrument's book answer at once; a book it reads waits for its end; it answers each order once, in
the order placed, a step each."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from decimal import Decimal

import plain_http
import pytest
from deribit_orders import submit_order
from deribit_rpc import Deribit
from test_stepping import WAIT, held_at_its_steps, waited

from mockexchange.core.clock import ManualClock
from mockexchange.core.stepping import DEEP
from mockexchange.server import MockServer

T0 = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
HELD = {"BTC-PERPETUAL": 300, "BTC-25DEC26": DEEP - 250}  # the maker subaccount's open bids: DEEP + 50 of them
OTHER = "ETH-PERPETUAL"


@pytest.fixture(name="mock")
def sandbox() -> Iterator[MockServer]:
    """The maker's subaccount holds HELD's bids (its wallet holds at most 500 on one instrument); carol trades ETH."""
    with MockServer(clock=ManualClock(T0)) as mock:
        for user in ("maker", "carol"):
            mock.create_deribit_account(user, balances={"BTC": "1000", "ETH": "1000"})
        mock.create_deribit_subaccount("maker", balances={"BTC": "1000"})
        mock.deribit_fill("carol", OTHER, "buy", "5", "3000")
        yield mock


def placed(mock: MockServer) -> tuple[int, list[str]]:
    """The maker's subaccount, and its bids' ids in the order placed."""
    sub = next(iter(mock.exchange.accounts.account("maker").subaccounts))
    ids = []
    for name, count in HELD.items():
        for n in range(count):
            order, _ = submit_order(
                mock.exchange, "maker", name, "buy", Decimal(10), Decimal(40_000 + 5 * n), subaccount_id=sub
            )
            ids.append(order.order_id)
    return sub, ids


def book(mock: MockServer, instrument: str) -> dict:
    body = {"jsonrpc": "2.0", "id": 1, "method": "public/get_order_book", "params": {"instrument_name": instrument}}
    return plain_http.post(f"{mock.deribit_url}/api/v2", json=body, timeout=WAIT).json()


def subaccount_orders(maker: Deribit, sub: int) -> list[str]:
    return [order["order_id"] for order in maker.result("private/get_open_orders", subaccount_id=sub)]


def details_orders(maker: Deribit, sub: int) -> list[str]:
    rows = maker.result("private/get_subaccounts_details", currency="BTC", with_open_orders=True)
    return [order["order_id"] for row in rows if row["uid"] == sub for order in row["open_orders"]]


@pytest.mark.parametrize("read", [subaccount_orders, details_orders])
def test_a_read_of_many_open_orders_runs_long_beside_the_others(mock, monkeypatch, read):
    sub, ids = placed(mock)
    maker = Deribit(mock, mock.create_deribit_key("maker"))
    carol = Deribit(mock, mock.create_deribit_key("carol"))
    carols = carol.result("private/get_positions", currency="ETH")
    lock = mock.exchange.lock
    inside, go_on, steps = held_at_its_steps(lock, monkeypatch)
    with ThreadPoolExecutor(2) as pool:
        reading = pool.submit(read, maker, sub)
        assert inside.wait(WAIT), "the read never ran long"
        try:
            assert plain_http.get(f"{mock.base_url}/_admin/health", timeout=WAIT).status_code == 200
            assert carol.result("private/get_positions", currency="ETH") == carols
            assert "result" in book(mock, OTHER)
            held = pool.submit(book, mock, "BTC-PERPETUAL")
            assert waited(lambda: lock.held_back == 1), "a book the read reads was not held back"
            assert not held.done()
        finally:
            go_on.set()
        assert reading.result(WAIT) == ids
        assert "result" in held.result(WAIT)
    assert len(steps) <= 3 * len(ids)  # a step an order passed and a step a row made
