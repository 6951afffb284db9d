"""ccxt 4.5.90 (its own venv, unmodified from PyPI) managing a Deribit account on the mock: `fetch_accounts`
(private/get_subaccounts), `transfer` to a subaccount and, with ccxt's `method` option, to another user,
`fetch_transfers`, `withdraw`, `create_deposit_address` and `fetch_deposit_address`; and the transaction log through
ccxt's raw `private_get_get_transaction_log` (its unified `fetch_ledger` raises NotSupported for Deribit). Each value
ccxt parsed is compared with the book as the account's key reads it over the wire."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from mockexchange.contract.clients.ccxt_run import run_rest
from mockexchange.contract.clients.ccxt_trading import plan, rpc, seeded_mock

pytestmark = [pytest.mark.clients, pytest.mark.slow]  # slow: conftest.py
ADDRESS = "tb1qmockwithdrawaladdress"
WINDOW = {"currency": "BTC", "start_timestamp": 0, "end_timestamp": 10**14}


def test_accounts_transfers_withdrawals_addresses_and_the_log(client_venvs: dict[str, Path], tmp_path: Path) -> None:
    mock = seeded_mock()
    try:
        sub = mock.create_deribit_subaccount("alice")["id"]
        to_user = {"params": {"method": "privateGetSubmitTransferToUser"}}
        calls = [
            {"id": "accounts", "method": "fetch_accounts"},
            {"id": "to-sub", "method": "transfer", "args": ["BTC", 0.5, "main", str(sub)]},
            {"id": "to-user", "method": "transfer", "args": ["BTC", 0.25, "main", "bob"], "kwargs": to_user},
            {"id": "transfers", "method": "fetch_transfers", "args": ["BTC"]},
            {"id": "withdraw", "method": "withdraw", "args": ["BTC", 0.1, ADDRESS]},
            {"id": "new-address", "method": "create_deposit_address", "args": ["BTC"]},
            {"id": "address", "method": "fetch_deposit_address", "args": ["BTC"]},
            {"id": "ledger", "method": "fetch_ledger", "args": ["BTC"]},
            {"id": "log", "method": "private_get_get_transaction_log", "args": [WINDOW]},
        ]
        outcomes = run_rest(plan(mock, calls), tmp_path)
        subaccounts = rpc(mock, "private/get_subaccounts")
        transfers = rpc(mock, "private/get_transfers", currency="BTC")["data"]
        (withdrawal,) = rpc(mock, "private/get_withdrawals", currency="BTC")["data"]
        address = rpc(mock, "private/get_current_deposit_address", currency="BTC")
        log = rpc(mock, "private/get_transaction_log", **WINDOW)["logs"]
        balances = {user: mock.exchange.accounts.wallet(user).balances["BTC"] for user in ("alice", "bob")}
        sub_balance = mock.exchange.accounts.wallet("alice", sub).balances["BTC"]
    finally:
        mock.stop()
    failed = {call: outcome["error"] for call, outcome in outcomes.items() if not outcome["ok"]}
    assert failed == {"ledger": failed.get("ledger")} and failed["ledger"]["type"] == "NotSupported"
    result = {call: outcome["result"] for call, outcome in outcomes.items() if outcome["ok"]}
    # fetch_accounts: the main account and its subaccount, by id and type, as get_subaccounts lists them.
    assert [(a["id"], a["type"]) for a in result["accounts"]] == [(str(s["id"]), s["type"]) for s in subaccounts]
    assert [a["type"] for a in result["accounts"]] == ["main", "subaccount"]
    # transfer: each as the book keeps it (id, amount, currency, confirmed), and the money moved once.
    by_id = {str(t["id"]): t for t in transfers}
    for call, other_side, amount in (("to-sub", "alice_1", "0.5"), ("to-user", "bob", "0.25")):
        parsed = result[call]
        wire = by_id[parsed["id"]]
        assert (parsed["amount"], parsed["currency"], parsed["status"]) == (float(wire["amount"]), "BTC", "ok")
        assert (wire["amount"], wire["other_side"], wire["state"]) == (Decimal(amount), other_side, "confirmed")
    assert [t["id"] for t in result["transfers"]] == [str(t["id"]) for t in transfers]
    assert (sub_balance, balances["bob"]) == (Decimal("0.5"), Decimal("10.25"))
    # withdraw: ccxt 4.5.90 parses the whole JSON-RPC envelope (its unified fields stay null); what it was answered
    # is the book's withdrawal.
    answered = result["withdraw"]["info"]["result"]
    assert (answered["id"], answered["address"], answered["state"]) == (withdrawal["id"], ADDRESS, "unconfirmed")
    assert Decimal(str(answered["amount"])) == withdrawal["amount"] == Decimal("0.1")
    assert balances["alice"] == Decimal(10) - Decimal("0.5") - Decimal("0.25") - Decimal("0.1") - withdrawal["fee"]
    # deposit addresses: the one made is the current one.
    assert result["new-address"]["address"] == result["address"]["address"] == address["address"]
    # the transaction log through ccxt's raw call: the book's entries, newest first.
    raw = result["log"]["result"]["logs"]
    assert [(e["id"], e["type"]) for e in raw] == [(e["id"], e["type"]) for e in log]
    assert [e["type"] for e in raw] == ["withdrawal", "transfer", "transfer"]
