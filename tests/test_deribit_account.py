"""The Deribit account as its holder manages it over real HTTP: subaccounts (list, details, create, rename, login),
transfers to a subaccount and to another user, withdrawals and their cancelling, deposit addresses. Every change is
seen at once by private/get_account_summary(ies) and the history reads; every refusal has Deribit's code and changes
nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import plain_http
import pytest
from deribit_rpc import Deribit

from mockexchange.core.clock import ManualClock, unix_ms
from mockexchange.server import MockServer

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def mock() -> Iterator[MockServer]:
    with MockServer(clock=ManualClock(START)) as server:
        yield server


@pytest.fixture
def alice(mock: MockServer) -> Deribit:
    mock.create_deribit_account("alice", balances={"BTC": "10", "ETH": "50"}, account_id=2001)
    mock.create_deribit_subaccount("alice", subaccount_id=2002, username="alice_sub")
    mock.create_deribit_account("bob", balances={"BTC": "1"}, account_id=3001)
    return Deribit(mock, mock.create_deribit_key("alice"))


def balance(client: Deribit, currency: str = "BTC", **params: Any) -> Decimal:
    return client.decimal("private/get_account_summary", currency=currency, **params)["balance"]


def state(client: Deribit) -> Any:
    """What a refusal must leave as it was: every wallet and its history."""
    reads = [client.result("private/get_subaccounts", with_portfolio=True)]
    for method in ("private/get_transfers", "private/get_withdrawals", "private/get_deposits"):
        reads.append(client.result(method, currency="BTC"))
    reads.append(client.result("private/get_transaction_log", currency="BTC", start_timestamp=0,
                               end_timestamp=unix_ms(START) + 10**9))  # fmt: skip
    reads.append(client.result("private/get_current_deposit_address", currency="BTC"))
    return reads


def test_get_subaccounts_lists_the_main_account_then_its_subaccounts(alice: Deribit) -> None:
    rows = alice.result("private/get_subaccounts")
    listed = [(r["id"], r["username"], r["type"]) for r in rows]
    assert listed == [(2001, "alice", "main"), (2002, "alice_sub", "subaccount")]
    assert "portfolio" not in rows[0]
    assert rows[1]["login_enabled"] is False and rows[1]["tfa_enabled"] is False
    with_portfolio = alice.decimal("private/get_subaccounts", with_portfolio=True)
    btc = with_portfolio[0]["portfolio"]["btc"]
    assert btc["currency"] == "btc" and btc["balance"] == Decimal(10) and btc["available_withdrawal_funds"] == 10
    assert set(with_portfolio[0]["portfolio"]) == {"btc", "eth", "usdc", "usdt", "eurr"}


def test_a_subaccount_is_made_renamed_and_its_login_toggled(alice: Deribit) -> None:
    made = alice.result("private/create_subaccount")
    assert made["type"] == "subaccount" and made["username"] == "alice_2" and made["portfolio"]["btc"]["balance"] == 0
    assert alice.result("private/change_subaccount_name", sid=made["id"], name="desk_two") == "ok"
    assert alice.result("private/toggle_subaccount_login", sid=made["id"], state="enable") == "ok"
    listed = {r["id"]: r for r in alice.result("private/get_subaccounts")}
    assert listed[made["id"]]["username"] == "desk_two" and listed[made["id"]]["login_enabled"] is True
    summary = alice.result("private/get_account_summary", currency="BTC", subaccount_id=made["id"])
    assert summary["username"] == "desk_two" and summary["login_enabled"] is True


def test_a_transfer_to_a_subaccount_moves_the_balances_at_once(alice: Deribit) -> None:
    made = alice.decimal("private/submit_transfer_to_subaccount", currency="BTC", amount=1.25, destination=2002)
    assert made["amount"] == Decimal("1.25") and made["type"] == "subaccount" and made["direction"] == "payment"
    assert made["other_side"] == "alice_sub" and made["state"] == "confirmed"
    assert balance(alice) == Decimal("8.75") and balance(alice, subaccount_id=2002) == Decimal("1.25")
    income = alice.result("private/get_transfers", currency="BTC", subaccount_id=2002)["data"]
    assert [(t["id"], t["direction"], t["other_side"]) for t in income] == [(made["id"], "income", "alice")]


def test_a_transfer_to_another_user_by_username(alice: Deribit, mock: MockServer) -> None:
    bob = Deribit(mock, mock.create_deribit_key("bob"))
    made = alice.decimal("private/submit_transfer_to_user", currency="BTC", amount=0.5, destination="bob")
    assert made["type"] == "user" and made["other_side"] == "bob" and made["direction"] == "payment"
    assert balance(alice) == Decimal("9.5") and balance(bob) == Decimal("1.5")
    seen = bob.result("private/get_transfers", currency="BTC")["data"]
    assert [(t["direction"], t["other_side"], t["type"]) for t in seen] == [("income", "alice", "user")]


def test_interuser_transfers_enabled_is_the_wallets_setting(alice: Deribit, mock: MockServer) -> None:
    """A wallet may send to other users until the admin API turns it off: its summary says so, and a transfer to a
    user is then refused (12100 transfer_not_allowed) with nothing changed; a transfer to a subaccount still goes."""
    summary = alice.result("private/get_account_summary", currency="BTC")
    assert summary["interuser_transfers_enabled"] is True
    turned = plain_http.post(
        mock.base_url + "/_admin/deribit/interuser_transfers", json={"user_id": "alice", "enabled": False}
    )
    assert turned.json() == {"user_id": "alice", "id": 2001, "interuser_transfers_enabled": False}, turned.text
    assert alice.result("private/get_account_summary", currency="BTC")["interuser_transfers_enabled"] is False
    sub = alice.result("private/get_account_summary", currency="BTC", subaccount_id=2002)
    assert sub["interuser_transfers_enabled"] is True  # the subaccount's own setting
    before = state(alice)
    answer = alice.rpc("private/submit_transfer_to_user", currency="BTC", amount=0.5, destination="bob")
    assert answer["error"]["code"] == 12100 and answer["error"]["message"] == "transfer_not_allowed", answer
    assert state(alice) == before
    assert alice.result("private/submit_transfer_to_subaccount", currency="BTC", amount=1, destination=2002)
    mock.set_deribit_interuser_transfers("alice", True)
    made = alice.result("private/submit_transfer_to_user", currency="BTC", amount=0.5, destination="bob")
    assert made["other_side"] == "bob" and balance(alice) == Decimal("8.5")


@pytest.mark.parametrize(
    ("method", "params", "code"),
    [
        ("private/submit_transfer_to_subaccount", {"currency": "BTC", "amount": 11, "destination": 2002}, 10009),
        ("private/submit_transfer_to_subaccount", {"currency": "BTC", "amount": 1, "destination": 2001}, 12100),
        ("private/submit_transfer_to_subaccount", {"currency": "BTC", "amount": 1, "destination": 999}, -32602),
        ("private/submit_transfer_to_subaccount", {"currency": "BTC", "amount": 1, "destination": 3001}, -32602),
        ("private/submit_transfer_to_user", {"currency": "BTC", "amount": 1, "destination": "nobody"}, 13007),
        ("private/submit_transfer_to_user", {"currency": "BTC", "amount": 1, "destination": "alice_sub"}, 12100),
        ("private/submit_transfer_to_user", {"currency": "BTC", "amount": 10.5, "destination": "bob"}, 10009),
        ("private/withdraw", {"currency": "BTC", "amount": 10, "address": "bc1qdest"}, 10009),
        ("private/cancel_withdrawal", {"currency": "BTC", "id": 77}, -32602),
        ("private/cancel_transfer_by_id", {"currency": "BTC", "id": 77}, 11053),
        ("private/change_subaccount_name", {"sid": 2002, "name": "bob"}, 12002),
        ("private/change_subaccount_name", {"sid": 2002, "name": "no spaces"}, 12002),
        ("private/change_subaccount_name", {"sid": 3001, "name": "mine"}, -32602),
        ("private/toggle_subaccount_login", {"sid": 2001, "state": "enable"}, -32602),
    ],
)
def test_a_refusal_has_deribits_code_and_changes_nothing(alice: Deribit, method: str, params: dict, code: int) -> None:
    before = state(alice)
    answer = alice.rpc(method, **params)
    assert answer["error"]["code"] == code, answer
    assert state(alice) == before


def test_a_withdrawal_waits_unconfirmed_until_cancelled(alice: Deribit) -> None:
    made = alice.decimal("private/withdraw", currency="BTC", amount=2, address="bc1qdest", nonce="first-try")
    assert made["state"] == "unconfirmed" and made["fee"] == Decimal("0.0001") and made["confirmed_timestamp"] is None
    assert made["address"] == "bc1qdest" and made["nonce"] == "first-try"
    assert balance(alice) == Decimal("7.9999")
    again = alice.decimal("private/withdraw", currency="BTC", amount=2, address="bc1qdest", nonce="first-try")
    assert again == made and balance(alice) == Decimal("7.9999")  # the nonce answers the same withdrawal
    cancelled = alice.result("private/cancel_withdrawal", currency="BTC", id=made["id"])
    assert cancelled["state"] == "cancelled" and balance(alice) == Decimal(10)
    before = state(alice)
    assert alice.rpc("private/cancel_withdrawal", currency="BTC", id=made["id"])["error"]["code"] == 10001
    assert state(alice) == before
    listed = alice.result("private/get_withdrawals", currency="BTC")["data"]
    assert [(w["id"], w["state"]) for w in listed] == [(made["id"], "cancelled")]


def test_a_deposit_address_is_made_then_current_and_deposits_arrive_there(alice: Deribit, mock: MockServer) -> None:
    assert alice.result("private/get_current_deposit_address", currency="BTC") is None
    made = alice.result("private/create_deposit_address", currency="BTC")
    assert made == {"address": "mock-btc-2001", "creation_timestamp": unix_ms(START), "currency": "BTC",
                    "type": "deposit"}  # fmt: skip
    second = alice.result("private/create_deposit_address", currency="BTC")
    assert second["address"] == "mock-btc-2001-2"
    assert alice.result("private/get_current_deposit_address", currency="BTC") == second
    mock.deribit_deposit("alice", "BTC", "1")
    assert alice.result("private/get_deposits", currency="BTC")["data"][0]["address"] == "mock-btc-2001-2"


def test_a_subaccount_key_moves_its_own_money_and_manages_no_subaccounts(alice: Deribit, mock: MockServer) -> None:
    mock.deribit_transfer("alice", "BTC", "2", to_subaccount_id=2002)
    sub = Deribit(mock, mock.create_deribit_key("alice", subaccount_id=2002))
    assert [r["id"] for r in sub.result("private/get_subaccounts")] == [2002]
    made = sub.result("private/submit_transfer_to_subaccount", currency="BTC", amount=0.5, destination=2001)
    assert made["other_side"] == "alice" and balance(alice) == Decimal("8.5")
    for method, params in [
        ("private/create_subaccount", {}),
        ("private/change_subaccount_name", {"sid": 2002, "name": "mine"}),
        ("private/toggle_subaccount_login", {"sid": 2002, "state": "enable"}),
        ("private/get_subaccounts_details", {"currency": "BTC"}),
    ]:
        assert sub.rpc(method, **params)["error"]["code"] == 13012


def test_subaccount_details_hold_positions_and_open_orders(alice: Deribit, mock: MockServer) -> None:
    mock.deribit_fill("alice", "BTC-PERPETUAL", "buy", "100", "60000", subaccount_id=2002)
    mock.deribit_order("alice", "BTC-PERPETUAL", "buy", "10", "50000", subaccount_id=2002)
    rows = alice.result("private/get_subaccounts_details", currency="BTC", with_open_orders=True)
    assert [r["uid"] for r in rows] == [2002]
    assert [p["instrument_name"] for p in rows[0]["positions"]] == ["BTC-PERPETUAL"]
    assert [o["price"] for o in rows[0]["open_orders"]] == [50000]
    assert "open_orders" not in alice.result("private/get_subaccounts_details", currency="BTC")[0]


def test_a_read_only_key_may_not_move_money(alice: Deribit, mock: MockServer) -> None:
    reader = Deribit(mock, mock.create_deribit_key("alice", scope="account:read wallet:read trade:read"))
    before = state(alice)
    for method, params in [
        ("private/submit_transfer_to_subaccount", {"currency": "BTC", "amount": 1, "destination": 2002}),
        ("private/withdraw", {"currency": "BTC", "amount": 1, "address": "x1"}),
        ("private/create_deposit_address", {"currency": "BTC"}),
        ("private/create_subaccount", {}),
    ]:
        assert reader.rpc(method, **params)["error"]["code"] == 13021
    assert state(alice) == before


def test_the_interuser_transfers_setting_is_kept_by_the_state_file(tmp_path: Path) -> None:
    path = str(tmp_path / "state.db")
    with MockServer(state=path) as mock:
        mock.create_deribit_account("carol", balances={"BTC": "1"}, account_id=4001)
        mock.set_deribit_interuser_transfers("carol", False)
    with MockServer(state=path) as again:
        with again.exchange.reading():
            assert again.exchange.accounts.wallet("carol").interuser_transfers_enabled is False
        client = Deribit(again, again.create_deribit_key("carol"))
        assert client.result("private/get_account_summary", currency="BTC")["interuser_transfers_enabled"] is False


def test_the_exchange_is_read_by_its_old_name_too() -> None:
    """docs/python-api.md named Deribit's state `book` before `exchange`: that name still reads it, as the Deribit
    registration names both (registry/deribit.py)."""
    mock, old_name = MockServer(), "book"
    assert getattr(mock, old_name) is mock.exchange is mock.app.exchange is mock.app.control.exchange
