"""The `orders` scene: a client trades through Kalshi's v2 order API: it places a crossing order (it fills at the
resting prices and rests the rest), a resting order behind others at its price, an immediate-or-cancel order that
crosses nothing, a batch of two (one rests, one fills); amends, decreases and cancels orders the trader had resting
(a cancel again: 404), cancels a batch of two; then reads its orders (walked by cursor), one order, the queue
positions and its balance. Every answer is compared with figures worked out by hand below and with the ledger after.

Seeded (control plane, the command the venue's routes run): `trader` with 100.00 on one market (the default fee rule,
0.07 x count x price x (1 - price) rounded up to the hundredth of a cent) whose house book is a YES bid 0.40 x10 and
YES asks 0.45 x5, 0.48 x10; six resting orders of the trader, each holding its cash.

The client's orders name a `client_order_id` each but one: kalshi-sdk's CreateOrderV2Request requires it (the spec
makes it optional), so that call raises inside the SDK, a finding noted in the cell (`Dialect.findings`).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from mockexchange.contract.clients.checks import start_mock
from mockexchange.contract.clients.portfolio import Key
from mockexchange.contract.clients.scenes.scene import Check, Judge, Scene, SceneCall, Stage, Unmet
from mockexchange.core.kalshi.units import contracts, dollars, price
from mockexchange.server import MockServer

TRADER = "trader"
MARKET = "KXORDS-26-A"
GTC, IOC, STP = "good_till_canceled", "immediate_or_cancel", "taker_at_cross"
# The house's book: a YES bid 0.40 x10; NO bids 0.55 x5 and 0.52 x10 are the YES asks 0.45 x5 and 0.48 x10.
HOUSE_BOOK = {"yes": [["0.40", "10"]], "no": [["0.55", "5"], ["0.52", "10"]]}
# The trader's resting orders, seeded: client_order_id -> (side, count, price). What each holds: count x its side's
# price (an ask sells YES: it buys NO at 1 - price).
SEEDED = {
    "S-amend": ("bid", "4", "0.30"),  # holds 1.20; amended to 6 at 0.35: 2.10
    "S-decrease": ("bid", "5", "0.20"),  # 1.00; decreased by 2: 0.60
    "S-cancel": ("bid", "2", "0.25"),  # 0.50; cancelled
    "S-batch-1": ("ask", "3", "0.60"),  # 1.20; cancelled in a batch
    "S-batch-2": ("bid", "1", "0.10"),  # 0.10; cancelled in a batch
    "S-queue": ("bid", "3", "0.40"),  # 1.20; behind the house's 10 at 0.40
}
LIST_LIMIT = 4
# Worked out by hand:
# C-cross, a bid of 7 at 0.46, takes the asks 0.45 x5: pays 2.25 and the fee 0.07 x 5 x 0.45 x 0.55 = 0.086625, up to
# 0.0867 (0.01734 a contract: 0.0173 as Kalshi shows an average); its 2 rest at 0.46 and hold 0.92.
CROSS = {"fill_count": "5.00", "remaining_count": "2.00", "average_fill_price": "0.4500", "average_fee_paid": "0.0173"}
CROSS_FEES, CROSS_COST = Decimal("0.0867"), Decimal("2.25")
# C-queue, a bid of 2 at 0.40, rests behind the house's 10 and S-queue's 3: 13 ahead; it holds 0.80.
QUEUE_AHEAD = {"S-queue": Decimal(10), "C-queue": Decimal(13)}
# B-2, a bid of 1 at 0.48 (immediate or cancel), takes one ask at 0.48: 0.48 and 0.07 x 0.48 x 0.52 = 0.017472, up to
# 0.0175; B-1, a bid of 1 at 0.33, rests and holds 0.33.
# The balance after: 100.00 less what was paid (2.25 + 0.0867 + 0.48 + 0.0175 = 2.8342) and what still rests holds
# (S-amend 2.10, S-decrease 0.60, S-queue 1.20, C-cross 0.92, C-queue 0.80, B-1 0.33: 5.95) = 91.2158.
BALANCE_AFTER = Decimal("91.2158")
HELD = {"S-amend": "2.10", "S-decrease": "0.60", "S-queue": "1.20", "C-cross": "0.92", "C-queue": "0.80", "B-1": "0.33"}


def seed(key_dir: Path, profile: str) -> Stage:
    mock = start_mock(MockServer(profile=profile))
    try:
        mock.create_account(TRADER, balance_cents=10_000)
        keys = {"trader": Key.create(mock, key_dir, "orders-trader", TRADER)}
        mock.create_market(MARKET)
        mock.set_book(MARKET, **HOUSE_BOOK)
        ids = {
            cid: mock.place_order(TRADER, MARKET, side, count, p, GTC, STP, client_order_id=cid)["order_id"]
            for cid, (side, count, p) in SEEDED.items()
        }
        return Stage(mock, keys, profile, {"ids": ids})
    except BaseException:
        mock.stop()
        raise


def _order(cid: str | None, side: str, count: str, at: str, time_in_force: str = GTC) -> dict[str, Any]:
    """A CreateOrderV2Request's fields."""
    named = {} if cid is None else {"client_order_id": cid}
    return {"ticker": MARKET, **named, "side": side, "count": count, "price": at, "time_in_force": time_in_force,
            "self_trade_prevention_type": STP}  # fmt: skip


def calls(stage: Stage) -> list[SceneCall]:
    ids = stage.facts["ids"]
    batch = [_order("B-1", "bid", "1", "0.33"), _order("B-2", "bid", "1", "0.48", IOC)]
    amend = {"ticker": MARKET, "side": "bid", "price": "0.35", "count": "6"}
    return [
        SceneCall("cross", "CreateOrderV2", body=_order("C-cross", "bid", "7", "0.46")),
        SceneCall("queue", "CreateOrderV2", body=_order("C-queue", "bid", "2", "0.40")),
        SceneCall("unnamed", "CreateOrderV2", body=_order(None, "bid", "1", "0.10", IOC)),
        SceneCall("batch", "BatchCreateOrdersV2", body={"orders": batch}),
        SceneCall("amend", "AmendOrderV2", {"order_id": ids["S-amend"]}, body=amend),
        SceneCall("decrease", "DecreaseOrderV2", {"order_id": ids["S-decrease"]}, body={"reduce_by": "2"}),
        SceneCall("cancel", "CancelOrderV2", {"order_id": ids["S-cancel"]}),
        SceneCall("cancel_again", "CancelOrderV2", {"order_id": ids["S-cancel"]}),
        SceneCall("batch_cancel", "BatchCancelOrdersV2",
                  body={"orders": [{"order_id": ids["S-batch-1"]}, {"order_id": ids["S-batch-2"]}]}),
        SceneCall("list", "GetOrders", {"limit": LIST_LIMIT}, "pages", "orders"),
        SceneCall("order", "GetOrder", {"order_id": ids["S-amend"]}),
        SceneCall("queue_positions", "GetOrderQueuePositions", {"market_tickers": MARKET}),
        SceneCall("queue_position", "GetOrderQueuePosition", {"order_id": ids["S-queue"]}),
        SceneCall("balance", "balance"),
    ]  # fmt: skip


# -- the ledger's side -------------------------------------------------------------------------------------------------


def _ledger_orders(j: Judge) -> dict[str, Any]:
    """The trader's orders, by client_order_id ("" for the one without), as copies."""
    with j.ledger.reading() as ledger:
        return {o.client_order_id: o.copy() for o in ledger.state.all_orders.values() if o.user_id == TRADER}


def _by_cid(j: Judge, cid: str) -> Any:
    order = _ledger_orders(j).get(cid)
    if order is None:
        raise Unmet(f"{cid or 'the unnamed order'}: not in the ledger")
    return order


def _record(order: Any) -> SimpleNamespace:
    """An order as `Dialect.order`'s fields read it."""
    return SimpleNamespace(
        order_id=order.order_id, ticker=order.ticker, side=order.side, action=order.action, status=order.status,
        created=order.created, last_update=order.updated, yes_price=price(order.yes_price),
        initial_count=contracts(order.initial), remaining_count=contracts(order.remaining),
    )  # fmt: skip


def _ledger_is(j: Judge, cid: str, status: str, remaining: str, held: str = "0", filled: str = "0") -> None:
    order = _by_cid(j, cid)
    got = (order.status, contracts(order.remaining), contracts(order.filled), dollars(order.held))
    j.same(f"{cid} in the ledger: (status, remaining, filled, held)", got,
           (status, Decimal(remaining), Decimal(filled), Decimal(held)))  # fmt: skip


def _answered(j: Judge, call: str, answer: Any, want: Mapping[str, str | None]) -> None:
    """The write's answer: each named count or dollar field equal as a Decimal (None: absent or null), and `ts_ms`
    an integer; but what the client's models do not keep (`Dialect.unkept`)."""
    for name, value in want.items():
        if name in j.dialect.unkept:
            continue
        got = j.get(answer, name)
        if value is None:
            j.same(f"{call}: {name}", got, None)
        else:
            j.amount(f"{call}: {name}", got, value)
    if "ts_ms" not in j.dialect.unkept:
        j.same(f"{call}: ts_ms type", type(answer.get("ts_ms")), int)


def _items(j: Judge, call: str) -> list[Any]:
    """A batch's answered items: under `orders`, or the list itself for a client that answers it (pykalshi)."""
    answer = j.answer(call)
    return answer if isinstance(answer, list) else answer["orders"]


# -- checks ------------------------------------------------------------------------------------------------------------


def crossing(j: Judge) -> None:
    answer = j.answer("cross")
    _answered(j, "cross", answer, CROSS)
    if j.dialect.unkept:
        j.notes.append(f"not compared, which its models do not keep: {', '.join(sorted(j.dialect.unkept))}")
    order = _by_cid(j, "C-cross")
    j.same("cross: order_id", answer.get("order_id"), order.order_id)
    j.same("cross: client_order_id", answer.get("client_order_id"), "C-cross")
    _ledger_is(j, "C-cross", "resting", "2", HELD["C-cross"], "5")
    j.same("C-cross in the ledger: (taker cost, taker fees)", (dollars(order.taker_cost), dollars(order.taker_fees)),
           (CROSS_COST, CROSS_FEES))  # fmt: skip
    listed = {row.get("order_id"): row for row in j.listed("list")}
    row = listed.get(order.order_id, {})
    j.amount("list: C-cross taker_fees", j.get(row, "taker_fees_dollars"), CROSS_FEES)
    j.amount("list: C-cross taker_fill_cost", j.get(row, "taker_fill_cost_dollars"), CROSS_COST)
    j.amount("list: C-cross fill_count", j.get(row, "fill_count_fp"), "5")


def resting(j: Judge) -> None:
    _answered(j, "queue", j.answer("queue"), {"fill_count": "0", "remaining_count": "2", "average_fill_price": None})
    _ledger_is(j, "C-queue", "resting", "2", HELD["C-queue"])


def unnamed(j: Judge) -> None:
    """An order without a client_order_id (the spec's optional field): placed, or a finding about the client."""
    known = j.dialect.findings.get("unnamed")
    if known is not None:
        j.raised("unnamed", *known)
        j.same("the unnamed order in the ledger", _ledger_orders(j).get(""), None)
        return
    _answered(j, "unnamed", j.answer("unnamed"), {"fill_count": "0", "remaining_count": "0"})
    _ledger_is(j, "", "canceled", "0")


def batch(j: Judge) -> None:
    items = _items(j, "batch")
    j.same("batch: client_order_ids", [item.get("client_order_id") for item in items], ["B-1", "B-2"])
    if len(items) != 2:
        return
    _answered(j, "batch: B-1", items[0], {"fill_count": "0", "remaining_count": "1"})
    _answered(j, "batch: B-2", items[1], {"fill_count": "1", "remaining_count": "0", "average_fill_price": "0.48",
                                          "average_fee_paid": "0.0175"})  # fmt: skip
    _ledger_is(j, "B-1", "resting", "1", HELD["B-1"])
    _ledger_is(j, "B-2", "executed", "0", filled="1")
    j.same("B-2 in the ledger: taker fees", dollars(_by_cid(j, "B-2").taker_fees), Decimal("0.0175"))


def amended(j: Judge) -> None:
    answer = j.answer("amend")
    _answered(j, "amend", answer, {"remaining_count": "6", "fill_count": "0"})
    _ledger_is(j, "S-amend", "resting", "6", HELD["S-amend"])
    j.same("S-amend in the ledger: yes price", price(_by_cid(j, "S-amend").yes_price), Decimal("0.35"))


def decreased(j: Judge) -> None:
    _answered(j, "decrease", j.answer("decrease"), {"remaining_count": "3"})
    _ledger_is(j, "S-decrease", "resting", "3", HELD["S-decrease"])


def cancelled(j: Judge) -> None:
    _answered(j, "cancel", j.answer("cancel"), {"reduced_by": "2"})
    _ledger_is(j, "S-cancel", "canceled", "0")
    j.refused("cancel_again", 404, "not_found")


def batch_cancelled(j: Judge) -> None:
    items = _items(j, "batch_cancel")
    ids = j.facts["ids"]
    want = [(ids["S-batch-1"], Decimal(3)), (ids["S-batch-2"], Decimal(1))]
    if "reduced_by" in j.dialect.unkept:
        j.same("batch_cancel: order_id", [item.get("order_id") for item in items], [i for i, _ in want])
    else:
        got = [(item.get("order_id"), Decimal(str(j.get(item, "reduced_by")))) for item in items]
        j.same("batch_cancel: (order_id, reduced_by)", got, want)
    _ledger_is(j, "S-batch-1", "canceled", "0")
    _ledger_is(j, "S-batch-2", "canceled", "0")


def balance_after(j: Judge) -> None:
    j.rows("balance", [j.answer("balance")], [SimpleNamespace(balance=BALANCE_AFTER)], j.dialect.balance)
    with j.ledger.reading():
        j.same("the ledger's balance", j.ledger.state.accounts[TRADER].balance(0, 0), BALANCE_AFTER)


def listed(j: Judge) -> None:
    orders = _ledger_orders(j)
    j.rows("list", j.listed("list"), [_record(order) for order in orders.values()], j.dialect.order)
    j.walked("list", len(orders), LIST_LIMIT)


def one_order(j: Judge) -> None:
    answer = j.answer("order")
    record = answer.get("order", answer)  # the official SDK keeps the wire's envelope; kalshi-sdk answers its inside
    j.rows("order", [record], [_record(_by_cid(j, "S-amend"))], j.dialect.order)


def _queue_ahead(j: Judge) -> dict[str, Decimal]:
    """Each resting order's contracts ahead of it, by order id, from the ledger."""
    with j.ledger.reading() as ledger:
        return {
            o.order_id: contracts(ledger.trading.queue_position(o.order_id, TRADER, 0))
            for o in ledger.state.all_orders.values()
            if o.user_id == TRADER and o.status == "resting"
        }


def queue_positions(j: Judge) -> None:
    answer = j.answer("queue_positions")
    rows = answer if isinstance(answer, list) else answer.get("queue_positions", [])  # kalshi-sdk answers the list
    got = {row.get("order_id"): Decimal(str(j.get(row, "queue_position_fp"))) for row in rows}
    j.same("queue_positions", got, _queue_ahead(j))
    orders = _ledger_orders(j)
    j.same("queue_positions: by hand", {cid: got.get(orders[cid].order_id) for cid in QUEUE_AHEAD}, QUEUE_AHEAD)
    if "market_ticker" not in j.dialect.unkept:
        j.same("queue_positions: market_ticker", {row.get("market_ticker") for row in rows}, {MARKET})


def queue_position(j: Judge) -> None:
    answer = j.answer("queue_position")
    got = answer if not isinstance(answer, dict) else j.get(answer, "queue_position_fp")  # kalshi-sdk: the Decimal
    j.amount("queue_position", got, QUEUE_AHEAD["S-queue"])
    j.amount("queue_position: the ledger's", got, _queue_ahead(j)[j.facts["ids"]["S-queue"]])


_PLACE = "CreateOrderV2"  # every check reads what the client's own orders did
ORDERS = Scene(
    "orders",
    seed,
    calls,
    (
        Check("a crossing order", (_PLACE, "GetOrders"), crossing),
        Check("a resting order", (_PLACE,), resting),
        Check("an order with no client_order_id", (_PLACE,), unnamed),
        Check("a batch", (_PLACE, "BatchCreateOrdersV2"), batch),
        Check("an amend", (_PLACE, "AmendOrderV2"), amended),
        Check("a decrease", (_PLACE, "DecreaseOrderV2"), decreased),
        Check("a cancel", (_PLACE, "CancelOrderV2"), cancelled),
        Check("a batch cancel", (_PLACE, "BatchCancelOrdersV2"), batch_cancelled),
        Check("the balance after", (_PLACE, "BatchCreateOrdersV2", "AmendOrderV2", "DecreaseOrderV2", "CancelOrderV2",
                                    "BatchCancelOrdersV2", "balance"), balance_after),
        Check("orders listed", (_PLACE, "GetOrders"), listed),
        Check("an order", (_PLACE, "GetOrder"), one_order),
        Check("queue positions", (_PLACE, "GetOrderQueuePositions"), queue_positions),
        Check("a queue position", (_PLACE, "GetOrderQueuePosition"), queue_position),
    ),
)  # fmt: skip
