"""No single Deribit request stalls the others (core/stepping.py): a `private/buy` that sweeps more resting orders than
a command may take at once runs long; while it runs, another account's reads, another instrument's book and the
health check are answered at once, and what it touches (the swept instrument's book, an account trading there) after
it, from the state it left: before the sweep or after it, never half of it. Held at a pause as the Kalshi tests hold
theirs (test_hostile_long_commands.py): a subscriber of its own changes steps in its thread until let go on."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest
from deribit_rpc import Deribit
from test_stepping import waited

from mockexchange.core.clock import ManualClock
from mockexchange.core.deribit.matching import DEEP
from mockexchange.core.deribit.order_entry import submit_order
from mockexchange.core.deribit.orders import CHANGE
from mockexchange.server import MockServer

T0 = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
SWEPT, OTHER = "BTC-PERPETUAL", "ETH-PERPETUAL"
WAIT = 30


@pytest.fixture(name="mock")
def sandbox() -> Iterator[MockServer]:
    """DEEP + 50 asks of the maker's on SWEPT (its main wallet's and a subaccount's); carol trading ETH."""
    with MockServer(clock=ManualClock(T0)) as mock:
        for user in ("maker", "taker", "carol"):
            mock.create_deribit_account(user, balances={"BTC": "1000", "ETH": "1000"})
        sub = mock.create_deribit_subaccount("maker", balances={"BTC": "1000"})["id"]
        for n in range(DEEP + 50):
            wallet = None if n < DEEP - 50 else sub
            submit_order(mock.book, "maker", SWEPT, "sell", Decimal(10), Decimal(60000), subaccount_id=wallet)
        mock.deribit_fill("carol", OTHER, "buy", "5", "3000")
        mock.deribit_order("carol", OTHER, "buy", "1", "2900")
        yield mock


def rpc(mock: MockServer, user: str | None, method: str, **params: object) -> dict:
    if user is None:
        return httpx.post(f"{mock.deribit_url}/api/v2", json={"jsonrpc": "2.0", "id": 1, "method": method,
                                                              "params": params}, timeout=WAIT).json()  # fmt: skip
    client = Deribit(mock, mock.create_deribit_key(user))
    return client.rpc(method, **params)


def reads(mock: MockServer, user: str, instrument: str) -> dict:
    """The user's positions and summary, and the instrument's book, without their clocks (usIn, usOut...)."""
    keep = ("result", "error")
    return {
        "positions": {k: v for k, v in rpc(mock, user, "private/get_positions", currency="ETH").items() if k in keep},
        "summary": {k: v for k, v in rpc(mock, user, "private/get_account_summary", currency="ETH").items()
                    if k in keep},
        "book": {k: v for k, v in rpc(mock, None, "public/get_order_book", instrument_name=instrument).items()
                 if k in keep},
    }  # fmt: skip


def test_a_deep_deribit_sweep_lets_the_reads_beside_it_go_on_and_is_seen_whole(mock: MockServer):
    lock = mock.book.lock
    inside, go_on = threading.Event(), threading.Event()

    def hold(change: object) -> None:
        if getattr(change, "user_id", None) == "maker" and lock.running_long and not inside.is_set():
            inside.set()
            while not go_on.wait(0.002):
                lock.step()

    mock.book.bus.subscribe(hold, [CHANGE])
    before = reads(mock, "carol", OTHER)
    taker = Deribit(mock, mock.create_deribit_key("taker"))
    with ThreadPoolExecutor(4) as pool:
        sweep = pool.submit(taker.rpc, "private/buy", instrument_name=SWEPT, amount=10 * (DEEP + 50), type="limit",
                            price=60000, time_in_force="immediate_or_cancel")  # fmt: skip
        assert inside.wait(WAIT), "the sweep never ran long"
        try:
            assert httpx.get(f"{mock.base_url}/_admin/health", timeout=WAIT).status_code == 200
            assert reads(mock, "carol", OTHER) == before
            held = [pool.submit(rpc, mock, "maker", "private/get_positions", currency="BTC"),
                    pool.submit(rpc, mock, None, "public/get_order_book", instrument_name=SWEPT)]  # fmt: skip
            assert waited(lambda: lock.held_back == 2), "the reads of what the sweep touches were not held back"
            assert not any(read.done() for read in held)
        finally:
            go_on.set()
        bought = sweep.result(WAIT)
        assert bought["result"]["order"]["filled_amount"] == 10 * (DEEP + 50), bought
        positions, book = (read.result(WAIT)["result"] for read in held)
        assert book["asks"] == [] and book == rpc(mock, None, "public/get_order_book", instrument_name=SWEPT)["result"]
        assert positions == rpc(mock, "maker", "private/get_positions", currency="BTC")["result"]
