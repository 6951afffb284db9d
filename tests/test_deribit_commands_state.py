"""Deribit's writes are typed commands kept by a state file (`--state`) under their names, with the plain values their
declarations write: what the admin API seeded and what a client changed over Deribit's wire (subaccounts, transfers,
withdrawals, deposit addresses) runs again after a restart, from the commands alone, to the same answers; a command
kept in its old form (the arguments a call gave) reads into the same command."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from deribit_rpc import Deribit
from state_sql import sql

from mockexchange.core.clock import ManualClock
from mockexchange.core.commands import read, write
from mockexchange.core.deribit.cash_commands import DeribitWithdrawal
from mockexchange.core.deribit.fill_commands import SeedDeribitFill
from mockexchange.server import MockServer

READS = [
    ("private/get_subaccounts", {"with_portfolio": True}),
    ("private/get_account_summary", {"currency": "BTC"}),
    ("private/get_positions", {"currency": "BTC"}),
    ("private/get_deposits", {"currency": "BTC"}),
    ("private/get_withdrawals", {"currency": "BTC"}),
    ("private/get_transfers", {"currency": "BTC"}),
    ("private/get_current_deposit_address", {"currency": "BTC"}),
    ("private/get_transaction_log", {"currency": "BTC", "start_timestamp": 0, "end_timestamp": 4102444800000}),
    ("public/ticker", {"instrument_name": "BTC-PERPETUAL"}),
]


def _populate(mock: MockServer) -> Deribit:
    mock.create_deribit_account("bob", balances={"btc": "10", "USDC": "5000"}, account_id=100)
    mock.create_deribit_account("carol", username="carol-desk")
    mock.create_deribit_subaccount("bob", balances={"ETH": "3"}, subaccount_id=101)
    mock.set_index_price("BTC_USD", 61000)
    mock.list_instrument("BTC-27DEC30-60000-C")
    mock.deribit_fill("bob", "BTC-PERPETUAL", "buy", "1000", "60000", fee="0.0001")
    mock.set_mark_price("BTC-PERPETUAL", "61500.5")
    mock.set_settlement_price("BTC-27DEC30-60000-C", "0.05")
    mock.set_volatility("0.6", currency="btc")
    mock.deribit_deposit("bob", "BTC", "1.5", source_address="bc1q-source")
    mock.deribit_withdraw("bob", "BTC", "0.25", fee="0.0001", address="bc1q-out")
    mock.deribit_transfer("bob", "BTC", "0.5", to_subaccount_id=101)
    mock.set_deribit_interuser_transfers("bob", True, subaccount_id=101)
    bob = Deribit(mock, mock.create_deribit_key("bob"))
    bob.result("private/change_subaccount_name", sid=101, name="bob-hedge")
    bob.result("private/toggle_subaccount_login", sid=101, state="enable")
    bob.result("private/create_deposit_address", currency="BTC")
    bob.result("private/submit_transfer_to_subaccount", currency="BTC", amount=0.125, destination=101)
    bob.result("private/submit_transfer_to_user", currency="BTC", amount=0.0625, destination="carol-desk")
    made = bob.result("private/withdraw", currency="BTC", amount=0.5, address="bc1q-kept", nonce="nonce-0001")
    bob.result("private/cancel_withdrawal", currency="BTC", id=made["id"])
    refused = bob.rpc("private/cancel_transfer_by_id", currency="BTC", id=1)  # refused, and kept as refused
    assert "error" in refused, refused
    return bob


def _answers(bob: Deribit) -> dict[str, object]:
    found = {}
    for method, params in READS:
        reply = bob.rpc(method, **params)
        assert "result" in reply, reply
        found[method] = reply["result"]
    return found


@pytest.mark.parametrize("snapshot", [True, False])
def test_a_restart_answers_what_the_deribit_commands_made(tmp_path: Path, snapshot: bool) -> None:
    path = tmp_path / "state.db"
    with MockServer(state=str(path), clock=ManualClock()) as mock:
        bob = _populate(mock)
        before = _answers(bob)
    assert before["private/get_transfers"]["count"] == 3  # there is something to compare
    kept = {name: json.loads(arguments) for name, arguments in sql(path, "SELECT name, arguments FROM commands")}
    assert kept["create_deribit_account"] == {"user_id": "carol", "username": "carol-desk"}  # the last one kept
    assert kept["set_index_price"] == {"index_name": "btc_usd", "price": "61000"}  # as the command holds it
    assert kept["deribit_withdraw"] == {  # a client's (private/withdraw): its wallet the main account, None
        "user_id": "bob", "currency": "BTC", "amount": "0.5", "fee": "0.0001", "address": "bc1q-kept",
        "state": "unconfirmed", "nonce": "nonce-0001",
    }  # fmt: skip
    assert {"rename_deribit_subaccount", "deribit_transfer_to_user", "deribit_cancel_transfer"} <= set(kept)
    if not snapshot:
        sql(path, "DELETE FROM snapshots")
    with MockServer(state=str(path)) as again:
        status = again.app.persistence.status()  # type: ignore[union-attr]
        assert status["restored_commands"] == (0 if snapshot else status["commands"])
        bob.mock = again
        assert _answers(bob) == before


def test_a_command_kept_as_a_call_gave_it_reads_into_the_same_command() -> None:
    """A state file written before these were typed keeps the arguments each call gave: the amounts as given, the
    optional ones as null; they read into the command kept today."""
    old = {"user_id": "bob", "instrument_name": "BTC-PERPETUAL", "direction": "buy", "amount": "1000", "price": "60000"}
    assert read(SeedDeribitFill, old) == SeedDeribitFill("bob", "BTC-PERPETUAL", "buy", Decimal(1000), Decimal(60000))
    venue = {"user_id": "bob", "currency": "BTC", "amount": "0.5", "subaccount_id": None, "fee": "0.0001",
             "address": "bc1q", "state": "unconfirmed", "nonce": None}  # fmt: skip
    withdrawal = read(DeribitWithdrawal, venue)
    assert write(withdrawal) == {k: v for k, v in venue.items() if v is not None}
