"""A page whose filter passes over many of the caller's records stalls no one, over signed HTTP: GET /portfolio/fills,
/portfolio/orders and the historical reads filtered on what few records match walk the caller's records until the
page is full, and past more refused than a read may pass on the event loop they run long in a worker thread (the
health check and another account's reads answer beside it, the caller's own reads wait for its end). A filter that
matched none of 200,000 fills held every client 0.2 s a request, on the loop, and a new filter each time was never
cached. GET /fcm/orders, which walks the subtraders' orders whole, likewise (0.2 s beside a subtrader's 100,000)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import plain_http
import pytest
from kalshi_commands import submit
from kalshi_http import ok, signed
from test_hostile_kalshi_read_costs import DEEP_MARKET, OTHER, sandbox  # noqa: F401 (the mock: maker, carol)
from test_stepping import WAIT, held_at_its_steps, waited

from mockexchange.core.stepping import DEEP
from mockexchange.server import MockServer
from mockexchange.venues.kalshi.fcm_lists import FILLS_PAGE

RECORDS = DEEP + 50  # the maker's fills and resting orders: more than a read may pass over on the event loop


@pytest.fixture(name="many")
def seeded(mock: MockServer) -> MockServer:
    """The mock, its maker with RECORDS fills and RECORDS resting orders on DEEP_MARKET, none on OTHER."""
    mock.fills([{"user_id": "maker", "ticker": DEEP_MARKET, "side": "yes", "action": "buy", "count": "1",
                 "price": "0.50"}] * RECORDS)  # fmt: skip
    for _ in range(RECORDS):
        submit(mock.ledger, "maker", DEEP_MARKET, "yes", "buy", 100, 100)
    return mock


FILTERED = [
    ("/portfolio/fills", {"ticker": OTHER}),
    ("/portfolio/fills", {"order_id": "none"}),
    ("/portfolio/orders", {"ticker": OTHER}),
    ("/portfolio/orders", {"status": "canceled"}),
]


@pytest.mark.parametrize(("path", "query"), FILTERED)
def test_a_page_filtered_past_many_records_runs_long_beside_the_other_clients(many, monkeypatch, path, query) -> None:
    maker = signed(many, "maker")
    page, steps, balance = long_read_beside(many, monkeypatch, maker, maker, path, **query)
    assert balance["balance"] > 0
    assert page == {"fills" if "fills" in path else "orders": [], "cursor": ""}
    assert RECORDS <= len(steps) <= RECORDS + 2  # a step a record passed over


def long_read_beside(
    mock: MockServer, monkeypatch: pytest.MonkeyPatch, reader: httpx.Client, own: httpx.Client, path: str,
    **query: object,
) -> tuple[dict, list, dict]:  # fmt: skip
    """`reader`'s read of `path`, held at its steps: the health check and carol's read answer meanwhile, and `own`'s
    balance (an account the read touches) waits for the read's end. The page, the steps it took, and that balance."""
    carol = signed(mock, "carol")
    reader.timeout = own.timeout = carol.timeout = WAIT
    carols = ok(carol, "/portfolio/positions")
    lock = mock.ledger.state.lock
    inside, go_on, steps = held_at_its_steps(lock, monkeypatch)
    with ThreadPoolExecutor(2) as pool:
        read = pool.submit(ok, reader, path, **query)
        assert inside.wait(WAIT), "the read never ran long"
        try:
            assert plain_http.get(f"{mock.base_url}/_admin/health", timeout=WAIT).status_code == 200
            assert ok(carol, "/portfolio/positions") == carols
            held = pool.submit(ok, own, "/portfolio/balance")
            assert waited(lambda: lock.held_back == 1), "the account's own read was not held back"
            assert not held.done()
        finally:
            go_on.set()
        return read.result(WAIT), steps, held.result(WAIT)


def test_a_filtered_page_that_fills_soon_stays_on_the_event_loop(many, monkeypatch) -> None:
    maker = signed(many, "maker")
    inside, _, steps = held_at_its_steps(many.ledger.state.lock, monkeypatch)
    fills = ok(maker, "/portfolio/fills", ticker=DEEP_MARKET, limit=5)["fills"]
    assert len(fills) == 5 and not inside.is_set() and not steps


def resting(mock: MockServer) -> None:
    """The subtrader fcm_A rests RECORDS orders."""
    for _ in range(RECORDS):
        submit(mock.ledger, "fcm_A", DEEP_MARKET, "yes", "buy", 100, 100)


def fcm_read_beside(
    mock: MockServer, monkeypatch: pytest.MonkeyPatch, path: str, seed: Callable[[MockServer], None] = resting,
    **query: object,
) -> tuple[dict, list]:  # fmt: skip
    """A read of the FCM member's over what `seed` gives its subtraders (fcm_A among them), held at its steps: the
    health check and another account's read answer, fcm_A's own read waits. The page, and the steps it took."""
    mock.create_account("fcm", fcm_member=True)
    mock.create_account("fcm_A", subtrader_of="fcm", balance_cents=1_000_000)
    seed(mock)
    member, bound = signed(mock, "fcm"), signed(mock, "fcm", subtrader_id="fcm_A")
    page, steps, balance = long_read_beside(mock, monkeypatch, member, bound, path, **query)
    assert balance == ok(bound, "/portfolio/balance")
    return page, steps


def test_an_fcm_orders_page_over_a_subtraders_many_orders_runs_long_beside_the_other_clients(mock, monkeypatch):
    """GET /fcm/orders walks the subtraders' orders whole (newest first across them): past DEEP, long."""
    page, steps = fcm_read_beside(mock, monkeypatch, "/fcm/orders", subtrader_id="fcm_A", limit=2)
    assert len(page["orders"]) == 2 and page["cursor"]
    assert RECORDS <= len(steps) <= RECORDS + 2  # a step an order walked


def test_an_fcm_members_resting_order_value_over_many_orders_runs_long_beside_the_other_clients(mock, monkeypatch):
    """GET /portfolio/summary/total_resting_order_value adds up the member's and its subtraders' resting orders: past
    DEEP of them, long (it held every client 50 ms a request beside 100,000)."""
    page, steps = fcm_read_beside(mock, monkeypatch, "/portfolio/summary/total_resting_order_value")
    assert page["total_resting_order_value"] == RECORDS  # (one contract at 0.01 each: a cent each)
    assert RECORDS <= len(steps) <= RECORDS + 2


def test_an_fcm_fills_page_merged_over_many_subtraders_runs_long_beside_the_other_clients(mock, monkeypatch):
    """GET /fcm/fills merges a page of each subtrader's fills (up to 1,000 subtraders, 100 each): past DEEP, long."""
    subtraders = ["fcm_A"] + [f"fcm_{n}" for n in range(RECORDS // FILLS_PAGE)]

    def fills(mock: MockServer) -> None:
        for user in subtraders[1:]:
            mock.create_account(user, subtrader_of="fcm", balance_cents=1_000_000)
        one = {"ticker": DEEP_MARKET, "side": "yes", "action": "buy", "count": "1", "price": "0.50"}
        mock.fills([one | {"user_id": user} for user in subtraders for _ in range(FILLS_PAGE)])

    page, steps = fcm_read_beside(mock, monkeypatch, "/fcm/fills", fills)
    assert len(page["fills"]) == FILLS_PAGE and page["cursor"]
    assert len(steps) == FILLS_PAGE * len(subtraders)  # a step a fill gathered
