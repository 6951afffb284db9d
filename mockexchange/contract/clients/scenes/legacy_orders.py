"""The `orders` scene of a client made for the legacy profile: it trades through Kalshi's first order routes
(`CreateOrder`, `BatchCreateOrders`, `AmendOrder`, `DecreaseOrder`, `CancelOrder`, `BatchCancelOrders`, gone from
3.34: retired in June 2026), whose answers hold the whole order in the legacy integer units (cents, whole contracts).

It places limit orders on both sides (one crossing the asks and resting the rest), a market buy capped by
`buy_max_cost` that fills and one the cap kills, a batch of three (one at a price that is not a level: refused in its
place), an order behind the house's at its price, and one on a market that does not exist (404); then reads the queue
positions, amends, decreases, cancels the queued order (again: 404), cancels a batch (one id unknown), reads an order
and walks its orders two a page. The answers are compared with figures worked out by hand below and
with the ledger's orders after, field by field in the legacy units; the book with the orders that rest.

Seeded: `trader` with 100.00 on one market whose house book is a YES bid 0.40 x10 and YES asks 0.45 x5, 0.48 x10 (NO
bids 0.55 x5, 0.52 x10).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mockexchange.contract.clients.checks import start_mock
from mockexchange.contract.clients.dialects import LEGACY_ORDER_WRITES
from mockexchange.contract.clients.portfolio import Key
from mockexchange.contract.clients.scenes.scene import Check, Judge, Scene, SceneCall, Stage, Unmet
from mockexchange.core.kalshi.orders import Order
from mockexchange.core.kalshi.units import contracts, dollars, price
from mockexchange.core.money import to_cents, to_whole_contracts
from mockexchange.server import MockServer

TRADER = "trader"
MARKET = "KXLEGO-26NOV-A"
HOUSE_BOOK = {"yes": [["0.40", "10"]], "no": [["0.55", "5"], ["0.52", "10"]]}
LIST_LIMIT = 2
# Worked out by hand, each order as its create answered it (legacy units):
# L-1, a YES bid of 7 at 46 cents, takes the asks 0.45 x5 and rests 2; L-2, a NO bid of 4 at 50 (a YES ask at 0.50),
# crosses nothing; M-1, a market buy of 2 capped at 1.00, takes 2 at 0.48 (0.96 and 0.07 x 2 x 0.48 x 0.52 = 0.0349
# in fees: 0.9949); M-2, a market buy of 3 capped at 1.00, would pay 1.44 and more: killed, nothing filled; Q-1, a
# YES bid of 3 at 40, rests behind the house's 10.
PLACED = {
    "L-1": {"status": "resting", "side": "yes", "yes_price": 46, "fill_count": 5, "remaining_count": 2},
    "L-2": {"status": "resting", "side": "no", "yes_price": 50, "fill_count": 0, "remaining_count": 4},
    "M-1": {"status": "executed", "side": "yes", "fill_count": 2, "remaining_count": 0, "taker_fill_cost": 96},
    "M-2": {"status": "canceled", "side": "yes", "fill_count": 0, "remaining_count": 0},
    "Q-1": {"status": "resting", "side": "yes", "yes_price": 40, "fill_count": 0, "remaining_count": 3},
}
QUEUE_AHEAD = 10  # the whole contracts before Q-1 at 0.40: the house's
# The batch: B-1, a YES bid of 1 at 20, and B-2, a NO sell of 1 at 70 (a YES bid at 30), rest to the end.
BATCHED = {"B-1": {"side": "yes", "action": "buy", "yes_price": 20, "status": "resting"},
           "B-2": {"side": "no", "action": "sell", "yes_price": 30, "status": "resting"}}  # fmt: skip
# The book after, in cents and whole contracts: L-1 amended to 8 at 44 (5 filled: 3 rest), the house's bid, B-2 and
# B-1 (Q-1 and L-2 cancelled); the house's ask 0.48 x8 left (M-1 took 2)
BOOK_AFTER = {"bid": [(44, 3), (40, 10), (30, 1), (20, 1)], "ask": [(48, 8)]}


def seed(key_dir: Path, profile: str) -> Stage:
    mock = start_mock(MockServer(profile=profile))
    try:
        mock.create_account(TRADER, balance_cents=10_000)
        mock.create_market(MARKET)
        mock.set_book(MARKET, **HOUSE_BOOK)
        return Stage(mock, {"trader": Key.create(mock, key_dir, "legacy-orders", TRADER)}, profile, {})
    except BaseException:
        mock.stop()
        raise


def _order(cid: str, **fields: Any) -> dict[str, Any]:
    return {"ticker": MARKET, "client_order_id": cid, **fields}


def _id(call: str, field: str = "order.order_id") -> dict[str, str]:
    """The id an earlier call's answer holds (client_harness.py's `$answer`)."""
    return {"$answer": call, "field": field}


def calls(stage: Stage) -> list[SceneCall]:
    create = "CreateOrder"
    return [
        SceneCall("L-1", create, _order("L-1", side="yes", action="buy", count=7, type="limit", yes_price=46)),
        SceneCall("L-2", create, _order("L-2", side="no", action="buy", count=4, type="limit", no_price=50)),
        SceneCall("M-1", create, _order("M-1", side="yes", action="buy", count=2, type="market", buy_max_cost=100)),
        SceneCall("M-2", create, _order("M-2", side="yes", action="buy", count=3, type="market", buy_max_cost=100)),
        SceneCall("batch", "BatchCreateOrders", {"orders": [
            _order("B-1", side="yes", action="buy", count=1, type="limit", yes_price=20),
            _order("B-2", side="no", action="sell", count=1, type="limit", no_price=70),
            _order("B-3", side="yes", action="buy", count=1, type="limit", yes_price_dollars="0.3050"),
        ]}),
        SceneCall("Q-1", create, _order("Q-1", side="yes", action="buy", count=3, type="limit", yes_price=40)),
        SceneCall("refused", create, {"ticker": "KXNONE-1", "side": "yes", "action": "buy", "count": 1,
                                      "type": "limit", "yes_price": 10}),
        SceneCall("queue", "GetOrderQueuePosition", {"order_id": _id("Q-1")}),
        SceneCall("queues", "GetOrderQueuePositions", {"market_tickers": MARKET}),
        SceneCall("amend", "AmendOrder", {"order_id": _id("L-1"), "ticker": MARKET, "side": "yes", "action": "buy",
                                          "client_order_id": "L-1", "updated_client_order_id": "L-1b",
                                          "yes_price": 44, "count": 8}),
        SceneCall("decrease", "DecreaseOrder", {"order_id": _id("L-2"), "reduce_by": 1}),
        SceneCall("cancel", "CancelOrder", {"order_id": _id("Q-1")}),
        SceneCall("cancel_again", "CancelOrder", {"order_id": _id("Q-1")}),
        SceneCall("batch_cancel", "BatchCancelOrders", {"ids": [_id("L-2"), "no-such-order"]}),
        SceneCall("get", "GetOrder", {"order_id": _id("L-1")}),
        SceneCall("list", "GetOrders", {"limit": LIST_LIMIT}, "pages", "orders"),
    ]  # fmt: skip


# -- the ledger's side -------------------------------------------------------------------------------------------------


def _ledger_orders(j: Judge) -> dict[str, Order]:
    with j.ledger.reading() as ledger:
        return {order.client_order_id: order.copy() for order in ledger.state.all_orders.values()}


def legacy_order(order: Order) -> dict[str, Any]:
    """What a legacy Order says of the ledger's record, in its integer units."""
    yes = to_cents(price(order.yes_price))
    return {
        "order_id": order.order_id, "user_id": order.user_id, "client_order_id": order.client_order_id,
        "ticker": order.ticker, "side": order.side, "action": order.action, "type": order.order_type,
        "status": order.status, "yes_price": yes, "no_price": 100 - yes,
        "fill_count": to_whole_contracts(contracts(order.filled)),
        "remaining_count": to_whole_contracts(contracts(order.remaining)),
        "initial_count": to_whole_contracts(contracts(order.initial)),
        "taker_fill_cost": to_cents(dollars(order.taker_cost)), "maker_fill_cost": to_cents(dollars(order.maker_cost)),
        "taker_fees": to_cents(dollars(order.taker_fees)), "maker_fees": to_cents(dollars(order.maker_fees)),
    }  # fmt: skip


def _same_order(j: Judge, what: str, got: Any, order: Order) -> None:
    """The client's order is the ledger's record, each field in the legacy units and as an integer where it is one
    (but what the client's model does not keep: `Dialect.unkept`)."""
    if not isinstance(got, dict):
        raise Unmet(f"{what}: answered no order: {str(got)[:200]}")
    for name, value in legacy_order(order).items():
        if name not in j.dialect.unkept and (got.get(name) != value or type(got.get(name)) is not type(value)):
            j.problems.append(f"{what} {name}: the client {got.get(name)!r}, the ledger {value!r}")


def _answered(j: Judge, call: str, envelope: str = "order") -> Any:
    answer = j.answer(call)
    return answer.get(envelope) if isinstance(answer, dict) else None


# -- the checks -------------------------------------------------------------------------------------------------------


def placed(j: Judge) -> None:
    """Each create answered its order as worked out by hand; those nothing changed after, as the ledger has them."""
    orders = _ledger_orders(j)
    for cid, want in PLACED.items():
        got = _answered(j, cid)
        if not isinstance(got, dict):
            raise Unmet(f"{cid}: answered no order")
        j.same(f"{cid}", {name: got.get(name) for name in want}, want)
    for cid in ("M-1", "M-2"):
        _same_order(j, cid, _answered(j, cid), orders[cid])
    j.refused("refused", 404)


def batch(j: Judge) -> None:
    """Each order of the batch or its refusal, in the batch's order: the first two placed, the third refused. A
    client that cannot parse the answer raises, a finding (`Dialect.findings["batch"]`): the ledger still shows the
    two placed."""
    orders = _ledger_orders(j)
    # (B-3 never placed; L-1 amended to L-1b)
    j.same("the ledger's orders", sorted(orders), sorted(["L-1b", "L-2", "M-1", "M-2", "Q-1", "B-1", "B-2"]))
    if "batch" in j.dialect.findings:
        j.raised("batch", *j.dialect.findings["batch"])
        return
    items = _answered(j, "batch", "orders")
    if not isinstance(items, list) or len(items) != 3:
        raise Unmet(f"batch: answered {str(items)[:200]}")
    j.same("batch: client_order_ids", [item.get("client_order_id") for item in items], ["B-1", "B-2", "B-3"])
    for item, (cid, want) in zip(items, BATCHED.items(), strict=False):
        j.same(f"batch: {cid}", {k: (item.get("order") or {}).get(k) for k in want}, want)
        _same_order(j, f"batch: {cid}", item.get("order"), orders[cid])
    j.same("batch: B-3 refused in its place", (items[2].get("order"), (items[2].get("error") or {}).get("code")),
           (None, "invalid_price"))  # fmt: skip


def changes(j: Judge) -> None:
    """The amend, the decrease and the cancels answer the orders they made, as the ledger has them after (those
    changed later as worked out by hand)."""
    orders = _ledger_orders(j)
    amended = j.answer("amend")
    j.same("amend: old_order", amended.get("old_order"), _answered(j, "L-1"))
    _same_order(j, "amend", amended.get("order"), orders["L-1b"])
    j.same("amend: price, count, id", [amended["order"].get(k) for k in ("yes_price", "initial_count",
           "client_order_id")], [44, 8, "L-1b"])  # fmt: skip
    decreased = _answered(j, "decrease")
    j.same("decrease: (remaining_count, status)", (decreased.get("remaining_count"), decreased.get("status")),
           (3, "resting"))  # fmt: skip
    cancelled = j.answer("cancel")
    j.same("cancel: reduced_by", cancelled.get("reduced_by"), 3)
    _same_order(j, "cancel", cancelled.get("order"), orders["Q-1"])
    j.refused("cancel_again", 404)
    if "batch_cancel" in j.dialect.findings:  # (a client that cannot parse the answer: the ledger shows the cancel)
        j.raised("batch_cancel", *j.dialect.findings["batch_cancel"])
        j.same("batch_cancel: L-2's status", orders["L-2"].status, "canceled")
        return
    items = _answered(j, "batch_cancel", "orders") or []
    j.same("batch_cancel: (order, reduced_by)", [(i.get("order_id"), i.get("reduced_by")) for i in items],
           [(orders["L-2"].order_id, 3), ("no-such-order", 0)])  # fmt: skip
    if items:
        _same_order(j, "batch_cancel: L-2", items[0].get("order"), orders["L-2"])
    j.same("batch_cancel: the unknown id", [(i.get("order"), (i.get("error") or {}).get("code")) for i in items[1:]],
           [(None, "not_found")])  # fmt: skip


def reads(j: Judge) -> None:
    """An order and every order (walked two a page), as the ledger has them; the queue positions in whole contracts."""
    orders = _ledger_orders(j)
    by_id = {order.order_id: order for order in orders.values()}
    _same_order(j, "get", _answered(j, "get"), orders["L-1b"])
    listed = j.listed("list")
    j.same("list: orders", sorted(row.get("order_id") for row in listed), sorted(by_id))
    for row in listed:
        if row.get("order_id") in by_id:
            _same_order(j, f"list {row.get('client_order_id')}", row, by_id[row["order_id"]])
    j.walked("list", len(by_id), LIST_LIMIT)
    j.same("queue: queue_position", (j.answer("queue") or {}).get("queue_position"), QUEUE_AHEAD)
    rows = _answered(j, "queues", "queue_positions") or []
    j.same("queues: Q-1's", [r.get("queue_position") for r in rows if r.get("order_id") == orders["Q-1"].order_id],
           [QUEUE_AHEAD])  # fmt: skip


def book(j: Judge) -> None:
    """What rests after, worked out by hand, is the market's book."""
    with j.ledger.reading() as ledger:
        held = ledger.state.markets[MARKET].book
        got = {side: [(p // 100, c // 100) for p, c in held.levels(side)] for side in ("bid", "ask")}
    j.same("the book after", got, BOOK_AFTER)


WRITES = LEGACY_ORDER_WRITES
LEGACY_ORDERS = Scene(
    "orders",
    seed,
    calls,
    (
        Check("orders placed", ("CreateOrder",), placed),
        Check("a batch", ("BatchCreateOrders",), batch),
        Check("amend, decrease and cancels", WRITES, changes),
        Check("order reads", (*WRITES, "GetOrder", "GetOrders", "GetOrderQueuePosition", "GetOrderQueuePositions"),
              reads),
        Check("the book", WRITES, book),
    ),
)  # fmt: skip
