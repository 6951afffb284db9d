"""The Deribit order and risk methods issue 56 adds, over real HTTP on one module's mock: the cancels by kind or type
and by currency pair, the reads by label, the trigger orders' log, the user's locks, the self-trading config, the
margin model, a simulated portfolio and positions moved between subaccounts; each refusing a bad param with -32602
naming it, and a key without the method's scope with 13021."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from deribit_rpc import Deribit
from module_mocks import fresh, module_mock

from mockexchange.server import MockServer

PERP = "BTC-PERPETUAL"
T0 = datetime.now(UTC)
server = module_mock("server", T0)


@pytest.fixture
def mock(server: MockServer) -> MockServer:
    fresh(server, T0)
    server.create_deribit_account("alice", balances={"BTC": "10", "ETH": "100"})
    return server


@pytest.fixture
def alice(mock: MockServer) -> Deribit:
    return Deribit(mock, mock.create_deribit_key("alice", client_id="AliceKey", client_secret="alice-secret"))


def _bid(client: Deribit, price: int, **terms: Any) -> str:
    return client.result("private/buy", instrument_name=terms.pop("instrument_name", PERP), amount=10, price=price,
                         **terms)["order"]["order_id"]  # fmt: skip


def _refused(client: Deribit, method: str, param: str, **params: Any) -> None:
    error = client.rpc(method, **params)["error"]
    assert (error["code"], error["data"]["param"]) == (-32602, param), error


def test_the_cancels_by_kind_or_type_and_by_currency_pair(alice: Deribit) -> None:
    _bid(alice, 50000)
    _bid(alice, 1000, instrument_name="ETH-PERPETUAL")
    stop = alice.result("private/buy", instrument_name=PERP, amount=10, price=70000, type="stop_limit",
                        trigger="index_price", trigger_price=69000)["order"]["order_id"]  # fmt: skip
    assert alice.result("private/cancel_all_by_kind_or_type", currency=["BTC"], kind="future", type="stop") == 1
    assert alice.result("private/get_order_state", order_id=stop)["order_state"] == "cancelled"
    assert alice.result("private/cancel_all_by_kind_or_type", currency="any", kind="option") == 0
    assert alice.result("private/cancel_all_by_currency_pair", currency_pair="eth_usd") == 1
    assert alice.result("private/cancel_all_by_kind_or_type", currency=["BTC", "ETH"]) == 1
    assert alice.result("private/get_open_orders") == []
    _refused(alice, "private/cancel_all_by_kind_or_type", "currency", currency=["BTC", "DOGE"])
    _refused(alice, "private/cancel_all_by_kind_or_type", "currency")
    _refused(alice, "private/cancel_all_by_currency_pair", "currency_pair")
    _refused(alice, "private/cancel_all_by_currency_pair", "type", currency_pair="btc_usd", type="stop_all")


def test_the_cancels_by_currency_and_instrument_take_the_cancels_type_and_cancel_all_takes_none(alice: Deribit) -> None:
    """Deribit's `type` of the cancels by currency and by instrument is the cancels' enum (`stop`, `take`, ...), not
    the open-order reads' (`stop_all`); `cancel_all` and `cancel_by_label` have no `type` (nor the label's cancel a
    `detailed`): given, it is an unknown param, ignored."""

    def stop() -> str:
        return alice.result("private/buy", instrument_name=PERP, amount=10, price=70000, type="stop_limit",
                            trigger="index_price", trigger_price=69000, label="grid")["order"]["order_id"]  # fmt: skip

    made = stop()
    _bid(alice, 50000)
    assert alice.result("private/cancel_all_by_currency", currency="BTC", type="stop") == 1
    assert alice.result("private/get_order_state", order_id=made)["order_state"] == "cancelled"
    _refused(alice, "private/cancel_all_by_currency", "type", currency="BTC", type="stop_all")
    stop()
    assert alice.result("private/cancel_all_by_instrument", instrument_name=PERP, type="take") == 0
    assert alice.result("private/cancel_all_by_instrument", instrument_name=PERP, type="trigger_all") == 1
    stop()
    assert alice.result("private/cancel_all", type="limit") == 2  # (no `type`: every order)
    stop()
    assert alice.result("private/cancel_by_label", label="grid", type="limit", detailed=True) == 1


def test_the_reads_by_label_and_the_trigger_orders_log(alice: Deribit) -> None:
    first, _ = _bid(alice, 50000, label="grid"), _bid(alice, 49000)
    alice.result("private/cancel", order_id=_bid(alice, 48000, label="grid"))
    assert [o["order_id"] for o in alice.result("private/get_open_orders_by_label", currency="BTC", label="grid")] == [
        first
    ]
    states = alice.result("private/get_order_state_by_label", currency="BTC", label="grid")
    assert sorted(o["order_state"] for o in states) == ["cancelled", "open"]
    assert alice.result("private/get_open_orders_by_label", currency="ETH", label="grid") == []
    for n in (1, 2, 3):
        alice.result("private/sell", instrument_name=PERP, amount=10, price=40000 - n, type="stop_limit",
                     trigger="mark_price", trigger_price=40000 - n)  # fmt: skip
    page = alice.result("private/get_trigger_order_history", currency="BTC", count=2)
    assert len(page["entries"]) == 2 and {e["order_state"] for e in page["entries"]} == {"new"}
    rest = alice.result("private/get_trigger_order_history", currency="BTC", continuation=page["continuation"])
    assert len(rest["entries"]) == 1 and "continuation" not in rest
    _refused(alice, "private/get_open_orders_by_label", "currency", label="grid")
    _refused(alice, "private/get_trigger_order_history", "count", currency="BTC", count=0)
    _refused(alice, "private/get_trigger_order_history", "continuation", currency="BTC", continuation="x")


def test_the_locks_the_self_trading_config_and_the_margin_model(mock: MockServer, alice: Deribit) -> None:
    assert {row["currency"]: row["enabled"] for row in alice.result("private/get_user_locks")}["BTC"] is False
    mock.set_deribit_platform_status(["btc_usd"])
    locks = {row["currency"]: row for row in alice.result("private/get_user_locks")}
    assert locks["BTC"]["enabled"] is True and "btc_usd" in locks["BTC"]["message"] and not locks["ETH"]["enabled"]
    assert alice.result("private/set_self_trading_config", mode="reject_taker", extended_to_subaccounts=False) == "ok"
    refused = alice.rpc("private/set_self_trading_config", mode="cancel_maker", extended_to_subaccounts=False)
    assert refused["error"]["code"] == 10033
    _refused(alice, "private/set_self_trading_config", "extended_to_subaccounts", mode="reject_taker")
    rows = alice.result("private/change_margin_model", margin_model="segregated_sm", dry_run=True)
    assert [row["currency"] for row in rows] == ["BTC", "ETH"] and rows[0]["old_state"] == rows[0]["new_state"]
    assert rows[0]["old_state"]["available_balance"] == 10
    assert alice.rpc("private/change_margin_model", margin_model="cross_pm")["error"]["code"] == 10033
    _refused(alice, "private/change_margin_model", "user_id", margin_model="segregated_sm", user_id=999999)
    reader = Deribit(mock, mock.create_deribit_key("alice", client_id="ReadKey", client_secret="r", scope="read"))
    assert (
        reader.rpc("private/set_self_trading_config", mode="reject_taker", extended_to_subaccounts=False)["error"][
            "code"
        ]
        == 13021
    )


def test_a_simulated_portfolio_is_valued_by_the_summarys_own_code(mock: MockServer, alice: Deribit) -> None:
    mock.deribit_fill("alice", PERP, "buy", "10000", "60000")
    held = alice.decimal("private/get_account_summary", currency="BTC")
    same = alice.decimal("private/simulate_portfolio", currency="BTC")
    assert same["initial_margin"] == held["initial_margin"] and same["equity"] == held["equity"]
    doubled = alice.decimal("private/simulate_portfolio", currency="BTC", simulated_positions={PERP: 10000})
    alone = alice.decimal("private/simulate_portfolio", currency="BTC", add_positions=False,
                          simulated_positions=json.dumps({PERP: -10000}))  # fmt: skip
    assert alone["initial_margin"] == held["initial_margin"] and alone["delta_total"] == -held["delta_total"]
    _refused(alice, "private/simulate_portfolio", "simulated_positions", currency="BTC",
             simulated_positions={"ETH-PERPETUAL": 1})  # fmt: skip
    _refused(alice, "private/simulate_portfolio", "currency")
    mock.deribit_fill("alice", PERP, "buy", "10000", "60000")  # as simulated: the summary's own figures
    now = alice.decimal("private/get_account_summary", currency="BTC")
    assert [doubled[k] for k in ("initial_margin", "maintenance_margin", "delta_total")] == [
        now[k] for k in ("initial_margin", "maintenance_margin", "delta_total")
    ]


def test_positions_move_between_subaccounts_through_the_money_road(mock: MockServer, alice: Deribit) -> None:
    sub = mock.create_deribit_subaccount("alice", balances={"BTC": "1"})["id"]
    main = alice.result("private/get_account_summary", currency="BTC")["id"]
    mock.deribit_fill("alice", PERP, "buy", "10000", "60000")
    before = _equity(alice, main) + _equity(alice, sub)
    moved = alice.result("private/move_positions", source_uid=main, target_uid=sub,
                         trades=[{"instrument_name": PERP, "price": 61000, "amount": 4000}])  # fmt: skip
    assert moved == {"trades": [{"source_uid": main, "target_uid": sub, "instrument_name": PERP, "direction": "sell",
                                 "price": 61000, "amount": 4000}]}  # fmt: skip
    sizes = [alice.result("private/get_position", instrument_name=PERP, subaccount_id=w)["size"] for w in (main, sub)]
    assert sizes == [6000, 4000]
    assert _equity(alice, main) + _equity(alice, sub) == before  # what one side realized the other holds
    too_much = [{"instrument_name": PERP, "price": 61000, "amount": 7000}]
    _refused(alice, "private/move_positions", "trades", source_uid=main, target_uid=sub, trades=too_much)
    _refused(alice, "private/move_positions", "target_uid", source_uid=main, target_uid=main, trades=too_much)
    _refused(alice, "private/move_positions", "trades", source_uid=main, target_uid=sub, trades=[{"price": 1}])
    _refused(alice, "private/move_positions", "source_uid", target_uid=sub, trades=too_much)
    _refused(alice, "private/move_positions", "target_uid", source_uid=main, target_uid=999999, trades=too_much)
    # no price: the source position's average price (Deribit's words), the target's position opened there
    moved = alice.result("private/move_positions", source_uid=main, target_uid=sub,
                         trades=[{"instrument_name": PERP, "amount": 1000}])  # fmt: skip
    assert moved["trades"][0]["price"] == 60000
    assert alice.result("private/get_position", instrument_name=PERP, subaccount_id=sub)["size"] == 5000


def _equity(client: Deribit, wallet_id: int) -> Decimal:
    return client.decimal("private/get_account_summary", currency="BTC", subaccount_id=wallet_id)["equity"]


def test_an_iceberg_shows_its_display_amount_and_the_deprecated_max_show_still_reads(alice: Deribit) -> None:
    """`display_amount` is private/buy's iceberg param (the order's `max_show` field, deprecated as a param, says it);
    `max_show` given alone still reads; both given, `display_amount` counts."""
    asked = ({"display_amount": 100}, {"max_show": 200}, {"display_amount": 300, "max_show": 400}, {})
    shown = [alice.result("private/buy", instrument_name=PERP, amount=1000, price=40000 + i, **terms)["order"]
             for i, terms in enumerate(asked)]  # fmt: skip
    shown = [order["max_show"] for order in shown]
    assert shown == [100, 200, 300, 1000]
    _refused(alice, "private/buy", "display_amount", instrument_name=PERP, amount=1000, price=40000, display_amount=-1)


def test_an_order_past_its_valid_until_is_not_processed(mock: MockServer, alice: Deribit) -> None:
    """`valid_until` (ms): a request the engine would take only before it; past, 13888 `timed_out` and nothing done."""
    now_ms = int(mock.exchange.state.clock.now().timestamp() * 1000)
    late = alice.rpc("private/buy", instrument_name=PERP, amount=10, price=40000, valid_until=now_ms - 1)["error"]
    assert (late["code"], late["message"]) == (13888, "timed_out")
    assert alice.result("private/get_open_orders") == []
    made = _bid(alice, 40000, valid_until=now_ms + 60_000)
    late = alice.rpc("private/edit", order_id=made, amount=20, price=40001, valid_until=now_ms - 1)["error"]
    assert late["code"] == 13888
    assert alice.result("private/get_order_state", order_id=made)["amount"] == 10
