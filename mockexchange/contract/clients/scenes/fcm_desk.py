"""The `fcm-desk` scene: an FCM member's desk through a client (FcmApi but GetFCMPositions, which the `fcm` column
reads): every read compared with what was seeded, every write with the ledger after it.

Seeded: members `fcm` and `err` (`err` is `fcm`'s error account, with subtrader `err_E1`), `fcm`'s subtrader `fcm_A`
with a fill of 10 at 0.40 (fee 0.07), two resting orders, a daily cap of 125.50 and the Sports category blocked. The
client lists the subtraders, reads the cap, the blocked categories, the fills and the orders (walked one a page), makes
subtrader `New1`, sets the cap to 300.25 (and reads it back), blocks Crypto, moves 4 contracts of the fill to `err_E1`,
deletes the cap (then reads it: 404); a subtrader's own key is refused the desk (403). On the legacy profile SDK 3.2.0
has the orders only.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from mockexchange.contract.clients.checks import start_mock
from mockexchange.contract.clients.portfolio import Key
from mockexchange.contract.clients.scenes.scene import Check, Judge, Scene, SceneCall, Stage, order_record
from mockexchange.server import MockServer

MARKET = "KXDESK-26-T1"
MEMBER, SUBTRADER, TARGET = "fcm", "fcm_A", "err_E1"
# (order id, side, action, count, price): fcm_A's resting orders
ORDERS = (("rest-1", "no", "buy", "2", "0.55"), ("rest-2", "yes", "sell", "3", "0.61"))
# Their worst cost plus taker fees (7% of C x P x (1 - P), up to the centi-cent): NO 2 at 0.55 costs 1.10 + 0.0347;
# YES 3 sold at 0.61 = NO 3 bought at 0.39: 1.17 + 0.0500.
RESTING_VALUE = Decimal("2.3547")


def seed(key_dir: Path, profile: str) -> Stage:
    mock = start_mock(MockServer(profile=profile))
    try:
        mock.create_account(MEMBER, fcm_member=True)
        mock.create_account("err", fcm_member=True)
        mock.create_account(SUBTRADER, subtrader_of=MEMBER, balance_cents=50_000)
        mock.set_fcm_error_account(MEMBER, "err")
        mock.create_account(TARGET, subtrader_of="err", balance_cents=50_000)
        mock.fill(SUBTRADER, MARKET, "yes", "buy", "10", "0.40", fee="0.07", order_id="ord-1")
        for order_id, side, action, count, price in ORDERS:
            mock.create_order(SUBTRADER, MARKET, side, action, count, price, order_id=order_id)
        mock.set_fcm_daily_cap(MEMBER, SUBTRADER, "125.5")
        mock.set_fcm_blocked_category(MEMBER, SUBTRADER, "Sports")
        keys = {
            "trader": Key.create(mock, key_dir, "desk-member", MEMBER),
            "subtrader": Key.create(mock, key_dir, "desk-subtrader", SUBTRADER),
        }
        return Stage(mock, keys, profile)
    except BaseException:
        mock.stop()
        raise


def calls(stage: Stage) -> list[SceneCall]:
    sub = {"subtrader_id": SUBTRADER}
    move = {
        "source_subtrader_id": SUBTRADER, "target_subtrader_id": TARGET, "market_ticker": MARKET,
        "position_centicount": 400, "price_centicents": 4500,
    }  # fmt: skip
    return [
        SceneCall("subtraders", "ListFCMSubtraders"),
        SceneCall("cap", "GetFCMEventContractDailyCap", sub),
        SceneCall("categories", "GetFCMSubtraderBlockedCategories", sub),
        SceneCall("fills", "GetFCMFills", {}, "pages", "fills"),
        SceneCall("orders", "GetFCMOrders", sub | {"limit": 1}, "pages", "orders"),
        SceneCall("not_member", "ListFCMSubtraders", key="subtrader"),
        SceneCall("create", "CreateFCMSubtrader", {"subtrader_suffix": "New1"}),
        SceneCall("set_cap", "UpdateFCMEventContractDailyCap", sub | {"limit": "300.25"}),
        SceneCall("cap_set", "GetFCMEventContractDailyCap", sub),
        SceneCall("block", "UpdateFCMSubtraderBlockedCategories", sub | {"category": "Crypto", "blocked": True}),
        SceneCall("transfer", "CreateFCMPositionTransfer", move),
        SceneCall("drop_cap", "DeleteFCMEventContractDailyCap", sub),
        SceneCall("cap_gone", "GetFCMEventContractDailyCap", sub),
    ]


def subtraders(j: Judge) -> None:
    listed = j.answer("subtraders")["subtraders"]
    j.same("subtraders", [s["subtrader_id"] for s in listed], [SUBTRADER])
    j.refused("not_member", 403)


def cap(j: Judge) -> None:
    answer = j.answer("cap")
    j.same("cap: subtrader_id", answer["subtrader_id"], SUBTRADER)
    j.amount("cap: limit", answer["limit"], "125.5")
    j.amount("cap: executed_utilization", answer["executed_utilization"], "4.07")  # 10 at 0.40 and its fee
    j.amount("cap: resting_order_utilization", answer["resting_order_utilization"], RESTING_VALUE)
    j.amount("cap: pending_order_utilization", answer["pending_order_utilization"], "0")


def categories(j: Judge) -> None:
    j.same("categories", j.answer("categories")["categories"], ["Sports"])


def fills(j: Judge) -> None:
    listed = j.listed("fills")
    j.same("fills: count", len(listed), 1)
    for fill in listed:
        got = (fill["taker_subtrader_id"], fill["taker_order_id"], fill["ticker"], fill["taker_outcome_side"])
        j.same("fill", got, (SUBTRADER, "ord-1", MARKET, "yes"))
        j.amount("fill: count", j.get(fill, "count_fp"), "10")
        j.amount("fill: yes price", j.get(fill, "yes_price_dollars"), "0.40")
        j.amount("fill: taker fee", fill["taker_fee_cost"], "0.07")


def orders(j: Judge) -> None:
    with j.ledger.reading():
        created = {order_id: j.ledger.state.orders[order_id].created for order_id, *_ in ORDERS}
    expected = [
        order_record(order_id, MARKET, side, action, Decimal(count), Decimal(price), status="resting",
                     created=created[order_id], last_update=created[order_id], remaining_count=Decimal(count))
        for order_id, side, action, count, price in ORDERS
    ]  # fmt: skip
    j.rows("orders", j.listed("orders"), expected, j.dialect.order)
    j.walked("orders", len(expected), 1)


def writes(j: Judge) -> None:
    j.same("create", j.answer("create"), {"subtrader_id": f"{MEMBER}_New1"})
    j.empty("set_cap")
    j.amount("the cap read back", j.answer("cap_set")["limit"], "300.25")
    j.same("block: categories", j.answer("block")["categories"], ["Crypto", "Sports"])
    j.empty("drop_cap")
    j.refused("cap_gone", 404)
    transfer_id = j.answer("transfer")["position_transfer_id"]
    ledger = j.ledger
    with ledger.reading():
        j.same(
            "the ledger's subtraders", sorted(ledger.state.accounts[MEMBER].subtraders), [SUBTRADER, f"{MEMBER}_New1"]
        )
        j.same("the ledger's caps", ledger.fcm.caps, {})  # set to 300.25, then deleted
        moved = ledger.fcm.transfers.get(transfer_id)
        j.same("the ledger's position transfer", moved and moved.count, 400)
        j.same("err_E1's position", ledger.state.positions.get(TARGET, 0, MARKET).position, Decimal(4))
        j.same("fcm_A's position", ledger.state.positions.get(SUBTRADER, 0, MARKET).position, Decimal(6))


_WRITES = (
    "CreateFCMSubtrader", "UpdateFCMEventContractDailyCap", "GetFCMEventContractDailyCap",
    "UpdateFCMSubtraderBlockedCategories", "CreateFCMPositionTransfer", "DeleteFCMEventContractDailyCap",
)  # fmt: skip
FCM_DESK = Scene(
    "fcm-desk",
    seed,
    calls,
    (
        Check("subtraders", ("ListFCMSubtraders",), subtraders),
        Check("the daily cap", ("GetFCMEventContractDailyCap",), cap),
        Check("blocked categories", ("GetFCMSubtraderBlockedCategories",), categories),
        Check("fills", ("GetFCMFills",), fills),
        Check("orders", ("GetFCMOrders",), orders),
        Check("the writes", _WRITES, writes),
    ),
)
