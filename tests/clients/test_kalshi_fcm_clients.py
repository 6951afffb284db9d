"""An FCM member's desk through Kalshi's official SDK, kalshi_python_sync 3.34.0 unmodified from PyPI, over real HTTP:
every FcmApi operation the mock serves, called as the SDK's users call it, its parsed answers compared with what was
seeded and with the ledger the writes changed."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest

from mockexchange.contract.clients.libraries import OFFICIAL_SYNC, OFFICIAL_SYNC_LEGACY
from mockexchange.contract.clients.plans import run_plan
from mockexchange.contract.clients.portfolio import Key
from mockexchange.server import MockServer

pytestmark = [pytest.mark.clients, pytest.mark.slow]  # slow: conftest.py

MARKET = "KXDESK-26-T1"


@dataclass
class Desk:
    mock: MockServer
    keys: dict[str, Key] = field(default_factory=dict)


@pytest.fixture(scope="module")
def desk(client_venvs, tmp_path_factory: pytest.TempPathFactory):
    with MockServer() as mock:
        mock.create_account("fcm", fcm_member=True)
        mock.create_account("err", fcm_member=True)
        mock.create_account("fcm_A", subtrader_of="fcm", balance_cents=50_000)
        mock.set_fcm_error_account("fcm", "err")
        mock.create_account("err_E1", subtrader_of="err", balance_cents=50_000)
        mock.fill("fcm_A", MARKET, "yes", "buy", "10", "0.40", fee="0.07", order_id="ord-1")
        mock.create_order("fcm_A", MARKET, "no", "buy", "2", "0.55", order_id="rest-1")
        mock.set_fcm_daily_cap("fcm", "fcm_A", "125.5")
        mock.set_fcm_blocked_category("fcm", "fcm_A", "Sports")
        served = Desk(mock)
        served.keys["trader"] = Key.create(mock, tmp_path_factory.mktemp("desk-keys"), "fcm", "fcm")
        yield served


def calls() -> list[dict]:
    cap = {"subtrader_id": "fcm_A"}
    blocked = {"subtrader_id": "fcm_A", "category": "Crypto", "blocked": True}
    move = {
        "source_subtrader_id": "fcm_A", "target_subtrader_id": "err_E1", "market_ticker": MARKET,
        "position_centicount": 400, "price_centicents": 4500,
    }  # fmt: skip
    return [
        {"id": "subtraders", "op": "call", "method": "list_fcm_subtraders", "args": {}},
        {"id": "cap", "op": "call", "method": "get_fcm_event_contract_daily_cap", "args": cap},
        {"id": "categories", "op": "call", "method": "get_fcm_subtrader_blocked_categories", "args": cap},
        {"id": "fills", "op": "pages", "method": "get_fcm_fills", "args": {}, "items": "fills"},
        {"id": "orders", "op": "pages", "method": "get_fcm_orders", "args": cap, "items": "orders"},
        {"id": "create", "op": "call", "method": "create_fcm_subtrader",
         "args": {"subtrader_suffix": "New1"}},
        {"id": "set_cap", "op": "call", "method": "update_fcm_event_contract_daily_cap",
         "args": {"subtrader_id": "fcm_A", "limit": "300.25"}},
        {"id": "block", "op": "call", "method": "update_fcm_subtrader_blocked_categories",
         "args": blocked},
        {"id": "transfer", "op": "call", "method": "create_fcm_position_transfer",
         "args": move},
        {"id": "drop_cap", "op": "call", "method": "delete_fcm_event_contract_daily_cap", "args": cap},
        {"id": "cap_gone", "op": "call", "method": "get_fcm_event_contract_daily_cap", "args": cap},
    ]  # fmt: skip


@pytest.fixture(scope="module")
def official(desk: Desk, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    return run_plan(OFFICIAL_SYNC, desk, calls(), Path(tmp_path_factory.mktemp("fcm-official")))


def ok(outcome: dict) -> dict:
    assert outcome["ok"], outcome["error"]["message"]
    return outcome


def test_the_sdk_reads_what_was_seeded(official, desk: Desk) -> None:
    subtraders = ok(official["subtraders"])["result"]["subtraders"]
    assert [s["subtrader_id"] for s in subtraders] == ["fcm_A"]
    cap = ok(official["cap"])["result"]
    assert Decimal(cap["limit"]) == Decimal("125.5") and cap["subtrader_id"] == "fcm_A"
    assert Decimal(cap["executed_utilization"]) == Decimal("4.07")  # 10 at 0.40 and its fee
    assert ok(official["categories"])["result"]["categories"] == ["Sports"]
    (fill,) = ok(official["fills"])["items"]
    assert (fill["taker_subtrader_id"], fill["taker_order_id"], fill["count_fp"]) == ("fcm_A", "ord-1", "10.00")
    assert Decimal(fill["yes_price_dollars"]) == Decimal("0.40") and fill["taker_outcome_side"] == "yes"
    (order,) = ok(official["orders"])["items"]
    assert (order["order_id"], order["status"], order["remaining_count_fp"]) == ("rest-1", "resting", "2.00")


def test_the_sdks_writes_change_the_ledger(official, desk: Desk) -> None:
    assert ok(official["create"])["result"] == {"subtrader_id": "fcm_New1"}
    ok(official["set_cap"])
    assert ok(official["block"])["result"]["categories"] == ["Crypto", "Sports"]
    transfer_id = ok(official["transfer"])["result"]["position_transfer_id"]
    ok(official["drop_cap"])
    gone = official["cap_gone"]
    assert not gone["ok"] and gone["error"]["status"] == 404
    ledger = desk.mock.app.ledger
    assert "fcm_New1" in ledger.accounts["fcm"].subtraders
    assert ledger.fcm.caps == {}  # set to 300.25, then deleted
    assert ledger.fcm.transfers[transfer_id].count == 400
    assert ledger.positions.get("err_E1", 0, MARKET).position == Decimal(4)


@pytest.fixture(scope="module")
def legacy(client_venvs, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """The old official SDK (3.2.0) had only `get_fcm_orders` and `get_fcm_positions` of the desk (legacy profile)."""
    with MockServer(profile="legacy") as mock:
        mock.create_account("fcm", fcm_member=True)
        mock.create_account("fcm_A", subtrader_of="fcm")
        mock.create_order("fcm_A", MARKET, "yes", "sell", "3", "0.61", order_id="rest-1")
        served = Desk(mock)
        served.keys["trader"] = Key.create(mock, tmp_path_factory.mktemp("legacy-keys"), "fcm", "fcm")
        plan = [{"id": "orders", "op": "pages", "method": "get_fcm_orders", "args": {"subtrader_id": "fcm_A"},
                 "items": "orders"}]  # fmt: skip
        yield run_plan(OFFICIAL_SYNC_LEGACY, served, plan, Path(tmp_path_factory.mktemp("fcm-legacy")))


def test_the_legacy_sdk_parses_fcm_orders(legacy) -> None:
    (order,) = ok(legacy["orders"])["items"]
    assert (order["order_id"], order["side"], order["action"]) == ("rest-1", "yes", "sell")
    assert (order["yes_price"], order["no_price"], order["remaining_count"], order["initial_count"]) == (61, 39, 3, 3)
    assert order["yes_price_dollars"] == "0.6100" and order["status"] == "resting"
