"""What a Kalshi request costs grows with the caller's own state at most, and where that is large it stalls no one,
over signed HTTP: a queue positions read over more resting orders than a command may take on the event loop runs long
(the health check and another account's reads answer beside it, a book it may read waits for its end) and walks each
level once, where it walked the level again for each order (20,000 orders held every client for 4.9 s); cancelling
every order, the FCM resting total and the queue positions read the caller's own orders, never every account's; and
what an FCM subtrader's daily cap counts is kept as it changes, so the subtrader's order reads none of its fills nor of
its resting orders (beside 50,000 fills, each order held the event loop 0.2 s)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import plain_http
import pytest
from kalshi_commands import submit
from kalshi_http import ok, signed
from test_stepping import WAIT, held_at_its_steps, waited

from mockexchange.core.clock import ManualClock
from mockexchange.core.kalshi.fill_log import FillLog
from mockexchange.core.kalshi.orders import Order
from mockexchange.core.stepping import DEEP
from mockexchange.server import MockServer

T0 = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
DEEP_MARKET, OTHER = "KXQUEUE-26NOV-A", "KXCALM-26NOV-B"
MAKERS = DEEP + 50  # the maker's one-contract bids at 0.01, one level: more than a read may walk on the event loop


@pytest.fixture(name="mock")
def sandbox() -> Iterator[MockServer]:
    """maker and carol; carol holds a position on OTHER, clear of DEEP_MARKET."""
    with MockServer(clock=ManualClock(T0)) as mock:
        mock.set_rate_limit_tier("off")
        for user in ("maker", "carol"):
            mock.create_account(user, balance_cents=1_000_000)
        mock.create_market(DEEP_MARKET)
        mock.create_market(OTHER)
        mock.fill("carol", OTHER, "yes", "buy", "3", "0.40")
        yield mock


def test_a_queue_positions_read_over_many_orders_runs_long_and_walks_each_level_once(mock, monkeypatch):
    placed = [submit(mock.ledger, "maker", DEEP_MARKET, "yes", "buy", 100, 100).order.order_id
              for _ in range(MAKERS)]  # fmt: skip
    maker, carol = signed(mock, "maker"), signed(mock, "carol")
    maker.timeout = carol.timeout = WAIT
    carols = ok(carol, "/portfolio/positions")
    lock = mock.ledger.state.lock
    inside, go_on, steps = held_at_its_steps(lock, monkeypatch)
    book = f"{mock.kalshi_url}/markets/{DEEP_MARKET}/orderbook"
    with ThreadPoolExecutor(2) as pool:
        read = pool.submit(ok, maker, "/portfolio/orders/queue_positions")
        assert inside.wait(WAIT), "the read never ran long"
        try:
            assert plain_http.get(f"{mock.base_url}/_admin/health", timeout=WAIT).status_code == 200
            assert ok(carol, "/portfolio/positions") == carols
            assert plain_http.get(f"{mock.kalshi_url}/markets/{OTHER}/orderbook", timeout=WAIT).status_code == 200
            held = pool.submit(plain_http.get, book, timeout=WAIT)
            assert waited(lambda: lock.held_back == 1), "a book the read may read was not held back"
            assert not held.done()
        finally:
            go_on.set()
        rows = read.result(WAIT)["queue_positions"]
        assert held.result(WAIT).status_code == 200
    assert [(row["order_id"], row["market_ticker"], row["queue_position_fp"]) for row in rows] == [
        (order_id, DEEP_MARKET, f"{ahead}.00") for ahead, order_id in enumerate(placed)]  # fmt: skip
    assert len(steps) <= 3 * MAKERS  # its orders read, the level walked once, a row each: not a walk an order


class Walked(dict):
    """The ledger's resting orders, saying when something walks all of them."""

    walks: list[str]

    def values(self):  # noqa: ANN201
        self.walks.append("values")
        return super().values()

    def items(self):  # noqa: ANN201
        self.walks.append("items")
        return super().items()

    def __iter__(self):  # noqa: ANN204
        self.walks.append("iter")
        return super().__iter__()


def test_cancelling_every_order_and_the_resting_reads_walk_only_the_callers_orders(mock, monkeypatch):
    mock.create_account("fcm", fcm_member=True)
    mock.create_account("fcm_A", subtrader_of="fcm", balance_cents=10_000)
    walked = Walked(mock.ledger.state.orders)
    walked.walks = []
    monkeypatch.setattr(mock.ledger.state, "orders", walked)
    for _ in range(30):  # another account's resting orders: none of the reads below is the maker's
        submit(mock.ledger, "maker", DEEP_MARKET, "yes", "buy", 100, 100)
    submit(mock.ledger, "carol", DEEP_MARKET, "yes", "buy", 100, 200)
    submit(mock.ledger, "fcm_A", OTHER, "yes", "buy", 100, 300)
    carol, fcm = signed(mock, "carol"), signed(mock, "fcm")
    walked.walks.clear()
    assert ok(carol, "/portfolio/orders/queue_positions")["queue_positions"][0]["queue_position_fp"] == "0.00"
    total = ok(fcm, "/portfolio/summary/total_resting_order_value")
    assert total["total_resting_order_value"] == 3  # fcm_A's bid of 1 at 0.03, in cents
    assert carol.delete("/portfolio/events/orders").status_code == 204
    assert walked.walks == []
    assert ok(carol, "/portfolio/orders", status="resting")["orders"] == []
    assert len(ok(signed(mock, "maker"), "/portfolio/orders", status="resting")["orders"]) == 30


def test_a_subtraders_order_reads_none_of_its_fills_nor_of_its_resting_orders(mock, monkeypatch):
    mock.create_account("fcm", fcm_member=True)
    mock.create_account("fcm_A", subtrader_of="fcm", balance_cents=1_000_000)
    mock.set_fcm_daily_cap("fcm", "fcm_A", "5000")
    bound = signed(mock, "fcm", subtrader_id="fcm_A")
    reads: list[str] = []
    fill_at, value_units = FillLog.__getitem__, Order.value_units

    def fill_read(log: FillLog, index: object) -> object:
        reads.append("fill")
        return fill_at(log, index)

    def value_read(order: Order) -> int:
        reads.append("order")
        return value_units.fget(order)  # type: ignore[attr-defined]

    def placed(price: str) -> int:
        """How many fills and orders placing one resting bid of the subtrader's read."""
        reads.clear()
        r = bound.post("/portfolio/events/orders", json={
            "ticker": DEEP_MARKET, "side": "bid", "count": "1", "price": price, "time_in_force": "good_till_canceled",
            "self_trade_prevention_type": "taker_at_cross"})  # fmt: skip
        assert r.status_code == 201, r.text
        return len(reads)

    monkeypatch.setattr(FillLog, "__getitem__", fill_read)
    monkeypatch.setattr(Order, "value_units", property(value_read))
    beside_none = placed("0.01")
    mock.fills([{"user_id": "fcm_A", "ticker": OTHER, "side": "yes", "action": "buy", "count": "1", "price": "0.40"}]
               * 30)  # fmt: skip
    for _ in range(30):
        submit(mock.ledger, "fcm_A", OTHER, "yes", "buy", 100, 300)
    assert placed("0.02") == beside_none
    cap = ok(bound, "/fcm/subtraders/event_contract_daily_cap", subtrader_id="fcm_A")
    # 30 fills of 1 at 0.40, each with its taker fee (0.0168); 30 bids of 1 at 0.03 resting, each with the taker fee
    # it would pay (0.0021), and the two bids placed here (0.01 and 0.0007, 0.02 and 0.0014)
    assert cap["executed_utilization"] == "12.504000"
    assert cap["resting_order_utilization"] == "0.995100"
