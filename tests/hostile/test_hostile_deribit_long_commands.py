"""No single Deribit request stalls the others (core/stepping.py): a `private/buy` that sweeps more resting orders than
a command may take at once runs long; while it runs, another account's reads, another instrument's book and the
health check are answered at once, and what it touches (the swept instrument's book, an account trading there) after
it, from the state it left: before the sweep or after it, never half of it. Held at a pause as the Kalshi tests hold
theirs (test_hostile_long_commands.py): a subscriber of its own changes steps in its thread until let go on."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial

import plain_http
import pytest
from deribit_orders import submit_order
from deribit_rpc import Deribit
from test_stepping import beside_a_pause
from waits import HANG_S

from mockexchange.core.clock import ManualClock
from mockexchange.core.deribit.orders import CHANGE
from mockexchange.core.stepping import DEEP
from mockexchange.server import MockServer

T0 = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
SWEPT, OTHER = "BTC-PERPETUAL", "ETH-PERPETUAL"
DATED = "BTC-26NOV26"  # delivered at 08:00 on 26 Nov
WAIT = HANG_S  # seconds an answer may take before the test calls it a hang (waits.py)


@pytest.fixture(name="mock")
def sandbox() -> Iterator[MockServer]:
    """DEEP + 50 asks of the maker's on SWEPT (its main wallet's and a subaccount's); carol trading ETH."""
    with MockServer(clock=ManualClock(T0)) as mock:
        for user in ("maker", "taker", "carol"):
            mock.create_deribit_account(user, balances={"BTC": "1000", "ETH": "1000"})
        mock.create_deribit_subaccount("maker", balances={"BTC": "1000"})
        asks(mock, SWEPT, 60000)
        mock.deribit_fill("carol", OTHER, "buy", "5", "3000")
        mock.deribit_order("carol", OTHER, "buy", "1", "2900")
        yield mock


def asks(mock: MockServer, instrument: str, price: int) -> None:
    """DEEP + 50 asks of 10 of the maker's on `instrument` at `price`: its main wallet's, then its subaccount's (a
    wallet holds at most 500 open orders on one instrument)."""
    sub = next(iter(mock.exchange.accounts.account("maker").subaccounts))
    for n in range(DEEP + 50):
        wallet = None if n < DEEP - 50 else sub
        submit_order(mock.exchange, "maker", instrument, "sell", Decimal(10), Decimal(price), subaccount_id=wallet)


def rpc(mock: MockServer, user: str | None, method: str, **params: object) -> dict:
    if user is None:
        return plain_http.post(f"{mock.deribit_url}/api/v2", json={"jsonrpc": "2.0", "id": 1, "method": method,
                                                              "params": params}, timeout=WAIT).json()  # fmt: skip
    client = Deribit(mock, mock.create_deribit_key(user))
    return client.rpc(method, **params)


def reads(mock: MockServer, user: str, instrument: str) -> dict:
    """The user's positions and summary, and the instrument's book's levels: what no clock moves (the replies' usIn
    and usOut, a book's timestamp and 24-hour stats do)."""
    book = rpc(mock, None, "public/get_order_book", instrument_name=instrument)["result"]
    return {
        "positions": rpc(mock, user, "private/get_positions", currency="ETH").get("result"),
        "summary": rpc(mock, user, "private/get_account_summary", currency="ETH").get("result"),
        "book": (book["bids"], book["asks"], book["state"]),
    }


def beside(
    mock: MockServer, command: Callable[[], dict], swept: str, first: Callable[[], object] = lambda: None
) -> dict:
    """`command()` (`first()` before it, once the state before it is read) held at a pause: carol's reads and
    ETH's book answer beside it as they did before it; the maker's positions and `swept`'s book wait for it and read
    its whole result. Answers its reply."""
    answered, (positions, book) = beside_a_pause(
        mock.exchange.lock, mock.exchange.state.bus, [CHANGE], f"{mock.base_url}/_admin/health", command, first=first,
        clear=lambda: reads(mock, "carol", OTHER),
        touching=[partial(rpc, mock, "maker", "private/get_positions", currency="BTC"),
                  partial(rpc, mock, None, "public/get_order_book", instrument_name=swept)],
    )  # fmt: skip
    book_now = rpc(mock, None, "public/get_order_book", instrument_name=swept)["result"]
    assert book["result"]["asks"] == [] and book["result"] == book_now  # type: ignore[index]
    assert positions["result"] == rpc(mock, "maker", "private/get_positions", currency="BTC")["result"]  # type: ignore[index]
    return answered


def test_a_deep_deribit_sweep_lets_the_reads_beside_it_go_on_and_is_seen_whole(mock: MockServer):
    taker = Deribit(mock, mock.create_deribit_key("taker"))
    amount = 10 * (DEEP + 50)
    bought = beside(mock, lambda: taker.rpc("private/buy", instrument_name=SWEPT, amount=amount, type="limit",
                                            price=60000, time_in_force="immediate_or_cancel"), SWEPT)  # fmt: skip
    assert bought["result"]["order"]["filled_amount"] == amount, bought


def test_a_future_delivered_on_hundreds_of_orders_is_delivered_long_off_the_loop(mock: MockServer):
    asks(mock, DATED, 61000)
    mock.set_index_price("btc_usd", "60000")
    book = beside(mock, lambda: rpc(mock, None, "public/get_order_book", instrument_name=DATED), DATED,
                  first=lambda: mock.exchange.state.clock.set(T0 + timedelta(days=2)))  # fmt: skip
    assert book["result"]["state"] == "delivered", book
