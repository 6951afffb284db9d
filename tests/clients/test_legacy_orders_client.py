"""The official `kalshi_python_sync` 3.2.0 (the legacy profile's client), unmodified from PyPI, trading against a mock
speaking the `legacy` wire profile through its OrdersApi: limit orders on both sides, a market buy capped by
`buy_max_cost` (filled, and killed), a batch; then the queue positions, amend, decrease, cancel, batch cancel and the
order reads. Every order the client parses (its strict pydantic `Order`) is compared, field by field, with the
ledger's record in the legacy integer units (cents truncated, whole contracts), the queue positions with the ledger's
contracts ahead, and the book with the orders that rest.

The client's plan is static, so it runs in two rounds: the second names the orders the first placed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from mockexchange.contract.clients.libraries import OFFICIAL_SYNC_LEGACY
from mockexchange.contract.clients.plans import run_plan
from mockexchange.contract.clients.portfolio import Key
from mockexchange.core.clock import ManualClock
from mockexchange.core.kalshi.orders import Order
from mockexchange.core.kalshi.units import contracts, dollars, price
from mockexchange.core.money import to_cents, to_whole_contracts
from mockexchange.server import MockServer

pytestmark = [pytest.mark.clients, pytest.mark.slow]  # slow: conftest.py

T0 = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
M = "KXLEGC-26NOV-A"
CLIENT_IDS = ("L-1", "L-2", "M-1", "M-2", "B-1", "B-2")


@dataclass
class Served:
    mock: MockServer
    keys: dict[str, Key]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """trader ($100) on M: the house's YES bid 0.40 x10, YES asks 0.45 x5 and 0.48 x10."""
    with MockServer(clock=ManualClock(T0), profile="legacy") as mock:
        mock.create_account("trader", balance_cents=10_000)
        mock.create_market(M)
        mock.set_book(M, yes=[["0.40", "10"]], no=[["0.55", "5"], ["0.52", "10"]])
        yield Served(mock, {"trader": Key.create(mock, tmp_path_factory.mktemp("keys"), "trader", "trader")})


def create(cid: str, **fields: Any) -> dict:
    return {"id": cid, "op": "call", "method": "create_order", "args": {"ticker": M, "client_order_id": cid, **fields}}


FIRST = [
    create("L-1", side="yes", action="buy", count=7, type="limit", yes_price=46),  # 5 at 0.45, 2 rest at 0.46
    create("L-2", side="no", action="buy", count=4, type="limit", no_price=50),  # a YES ask at 0.50, rests
    create("M-1", side="yes", action="buy", count=2, type="market", buy_max_cost=100),  # 2 at 0.48: 0.995
    create("M-2", side="yes", action="buy", count=3, type="market", buy_max_cost=100),  # 1.4926 > 1.00: killed
    {"id": "batch", "op": "call", "method": "batch_create_orders", "args": {"orders": [
        {"ticker": M, "client_order_id": "B-1", "side": "yes", "action": "buy", "count": 1, "yes_price": 20},
        {"ticker": M, "client_order_id": "B-2", "side": "no", "action": "sell", "count": 1,
         "no_price_dollars": "0.7000"},
        {"ticker": M, "client_order_id": "B-3", "side": "yes", "action": "buy", "count": 1,
         "yes_price_dollars": "0.3050"},  # not a level: refused in its place
    ]}},
    create("Q-1", side="yes", action="buy", count=3, type="limit", yes_price=40),  # behind the house's 10 at 0.40
    {"id": "refused", "op": "call", "method": "create_order",
     "args": {"ticker": "KXNONE-1", "side": "yes", "action": "buy", "count": 1, "yes_price": 10}},
]  # fmt: skip


def second(ids: dict[str, str]) -> list[dict]:
    return [
        {"id": "queue", "op": "call", "method": "get_order_queue_position", "args": {"order_id": ids["Q-1"]}},
        {"id": "queues", "op": "call", "method": "get_order_queue_positions", "args": {"market_tickers": M}},
        {"id": "cancel-queued", "op": "call", "method": "cancel_order", "args": {"order_id": ids["Q-1"]}},
        {"id": "amend", "op": "call", "method": "amend_order", "args": {
            "order_id": ids["L-1"], "ticker": M, "side": "yes", "action": "buy", "client_order_id": "L-1",
            "updated_client_order_id": "L-1b", "yes_price": 44, "count": 8}},
        {"id": "decrease", "op": "call", "method": "decrease_order", "args": {"order_id": ids["L-2"], "reduce_by": 1}},
        {"id": "cancel", "op": "call", "method": "cancel_order", "args": {"order_id": ids["B-1"]}},
        {"id": "cancel-again", "op": "call", "method": "cancel_order", "args": {"order_id": ids["B-1"]}},
        {"id": "batch-cancel", "op": "call", "method": "batch_cancel_orders",
         "args": {"ids": [ids["B-2"], ids["L-2"], "no-such-order"]}},
        {"id": "get", "op": "call", "method": "get_order", "args": {"order_id": ids["L-1"]}},
        {"id": "list", "op": "pages", "method": "get_orders", "args": {"limit": 2}, "items": "orders"},
    ]  # fmt: skip


@pytest.fixture(scope="module")
def rounds(client_venvs, served: Served, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Each round's outcomes, and the ledger's orders (copies) after each."""
    first = run_plan(OFFICIAL_SYNC_LEGACY, served, FIRST, tmp_path_factory.mktemp("round-1"))
    after_first = ledger_orders(served.mock)
    ids = {o.client_order_id: o.order_id for o in after_first.values()}
    queued = queues(served.mock, after_first)
    last = run_plan(OFFICIAL_SYNC_LEGACY, served, second(ids), tmp_path_factory.mktemp("round-2"))
    return {"first": first, "after_first": after_first, "ids": ids, "queued": queued, "second": last,
            "after_second": ledger_orders(served.mock)}  # fmt: skip


def ledger_orders(mock: MockServer) -> dict[str, Order]:
    ledger = mock.app.ledger
    with ledger.reading():
        return {order_id: order.copy() for order_id, order in ledger.state.all_orders.items()}


def queues(mock: MockServer, orders: dict[str, Order]) -> dict[str, int]:
    """The whole contracts ahead of each resting order in its level's queue, as the ledger counts them."""
    ledger = mock.app.ledger
    with ledger.reading():
        return {
            order_id: to_whole_contracts(contracts(ledger.trading.queue_position(order_id, order.user_id, 0)))
            for order_id, order in orders.items()
            if order.status == "resting"
        }


def ok(outcome: dict) -> Any:
    assert outcome["ok"], f"the client raised: {outcome['error']}"
    return outcome["result"]


def legacy(order: Order) -> dict[str, Any]:
    """What the legacy Order says of the ledger's record, in its integer units."""
    yes = to_cents(price(order.yes_price))
    return {
        "order_id": order.order_id,
        "user_id": order.user_id,
        "client_order_id": order.client_order_id,
        "ticker": order.ticker,
        "side": order.side,
        "action": order.action,
        "type": order.order_type,
        "status": order.status,
        "yes_price": yes,
        "no_price": 100 - yes,
        "fill_count": to_whole_contracts(contracts(order.filled)),
        "remaining_count": to_whole_contracts(contracts(order.remaining)),
        "initial_count": to_whole_contracts(contracts(order.initial)),
        "taker_fill_cost": to_cents(dollars(order.taker_cost)),
        "maker_fill_cost": to_cents(dollars(order.maker_cost)),
        "taker_fees": to_cents(dollars(order.taker_fees)),
        "maker_fees": to_cents(dollars(order.maker_fees)),
        "taker_fill_cost_dollars": f"{dollars(order.taker_cost):.4f}",
        "queue_position": 0,
    }


def differences(got: dict, order: Order) -> list[str]:
    want = legacy(order)
    return [
        f"{order.client_order_id} {name}: client {got.get(name)!r}, ledger {value!r}"
        for name, value in want.items()
        if got.get(name) != value or type(got.get(name)) is not type(value)
    ]


def test_it_is_the_old_client(rounds) -> None:
    """Guard: 3.2.0's CreateOrderResponse holds the whole Order (3.34's CreateOrderV2Response does not)."""
    assert set(ok(rounds["first"]["L-1"])) == {"order"}


def test_each_placed_order_is_the_ledgers(rounds) -> None:
    orders = rounds["after_first"]
    problems = []
    for cid in ("L-1", "L-2", "M-1", "M-2"):
        got = ok(rounds["first"][cid])["order"]
        problems += differences(got, orders[got["order_id"]])
    assert not problems, "\n".join(problems)
    by_cid = {o.client_order_id: o for o in orders.values()}
    assert (by_cid["L-1"].filled, by_cid["L-1"].remaining, by_cid["L-1"].status) == (500, 200, "resting")
    assert (by_cid["L-2"].side, by_cid["L-2"].yes_price, by_cid["L-2"].remaining) == ("no", 5000, 400)
    assert (by_cid["M-1"].order_type, by_cid["M-1"].filled, by_cid["M-1"].status) == ("market", 200, "executed")
    assert (by_cid["M-2"].filled, by_cid["M-2"].status) == (0, "canceled")  # the cap buys 2 of 3: fill-or-kill


def test_a_batch_answers_each_order_or_its_refusal(rounds) -> None:
    items = ok(rounds["first"]["batch"])["orders"]
    assert [item["client_order_id"] for item in items] == ["B-1", "B-2", "B-3"]
    orders = rounds["after_first"]
    problems = [p for item in items[:2] for p in differences(item["order"], orders[item["order"]["order_id"]])]
    assert not problems, "\n".join(problems)
    assert items[1]["order"]["yes_price"] == 30 and items[1]["order"]["side"] == "no"  # sell NO at 0.70: a YES bid
    assert items[2]["order"] is None and items[2]["error"]["code"] == "invalid_price"


def test_a_refusal_is_the_clients_not_found(rounds) -> None:
    outcome = rounds["first"]["refused"]
    assert not outcome["ok"] and outcome["error"]["type"] == "NotFoundException" and outcome["error"]["status"] == 404


def test_the_book_holds_what_rests(rounds, served: Served) -> None:
    resting = [o for o in rounds["after_second"].values() if o.status == "resting"]
    ledger = served.mock.app.ledger
    with ledger.reading():
        book = ledger.state.markets[M].book
        bids, asks = book.levels("bid"), book.levels("ask")
    assert bids == [(4400, 300), (4000, 1000)]  # L-1 amended, the house's bid
    assert asks == [(4800, 800)]  # the house's ask left (L-2 cancelled)
    assert [o.client_order_id for o in resting] == ["L-1b"]


def test_amend_decrease_and_cancels_answer_the_ledgers_orders(rounds) -> None:
    answers, ids, final = rounds["second"], rounds["ids"], rounds["after_second"]
    amended = ok(answers["amend"])
    assert amended["old_order"] == ok(rounds["first"]["L-1"])["order"]  # nothing changed L-1 between the rounds
    assert not differences(amended["order"], final[ids["L-1"]])
    assert (amended["order"]["yes_price"], amended["order"]["initial_count"], amended["order"]["client_order_id"]) == (
        44, 8, "L-1b")  # fmt: skip
    decreased = ok(answers["decrease"])["order"]
    assert (decreased["remaining_count"], decreased["status"]) == (3, "resting")  # (later cancelled in the batch)
    cancelled = ok(answers["cancel"])
    assert cancelled["reduced_by"] == 1 and not differences(cancelled["order"], final[ids["B-1"]])
    again = answers["cancel-again"]
    assert not again["ok"] and again["error"]["status"] == 404
    items = ok(answers["batch-cancel"])["orders"]
    assert [(i["order_id"], i["reduced_by"]) for i in items] == [(ids["B-2"], 1), (ids["L-2"], 3), ("no-such-order", 0)]
    assert not differences(items[0]["order"], final[ids["B-2"]]) and not differences(
        items[1]["order"], final[ids["L-2"]]
    )
    assert items[2]["order"] is None and items[2]["error"]["code"] == "not_found"


def test_the_reads_list_every_order_as_the_ledger_has_it(rounds) -> None:
    final, answers = rounds["after_second"], rounds["second"]
    assert not differences(ok(answers["get"])["order"], final[rounds["ids"]["L-1"]])
    listed = answers["list"]
    assert listed["ok"] and listed["pages"] == -(-len(final) // 2) and listed["cursors"][-1] == ""
    assert sorted(o["order_id"] for o in listed["items"]) == sorted(final)  # B-3 was never placed
    problems = [p for got in listed["items"] for p in differences(got, final[got["order_id"]])]
    assert not problems, "\n".join(problems)
    assert listed["types"]["yes_price"] == ["int"] and listed["types"]["fill_count"] == ["int"]


def test_the_queue_position_reads_parse_and_count_the_ledgers_contracts_ahead(rounds) -> None:
    """3.2.0's queue position models require the integer `queue_position` (the legacy profile sends it beside
    `queue_position_fp`)."""
    queued, ids = rounds["queued"], rounds["ids"]
    assert ok(rounds["second"]["queue"]) == {"queue_position": queued[ids["Q-1"]]}
    assert queued[ids["Q-1"]] == 10  # by hand: the house's 10 at 0.40 came first
    rows = ok(rounds["second"]["queues"])["queue_positions"]
    assert {row["order_id"]: row["queue_position"] for row in rows} == queued
    assert all(row["market_ticker"] == M for row in rows) and len(rows) == 5  # L-1, L-2, B-1, B-2 and Q-1 rest
