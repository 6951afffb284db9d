"""Hostile input on every parameter of the Deribit account's methods (issue 29), over real HTTP and the websocket:
each bad value gets -32602 naming the parameter, and nothing changes (every wallet, its history, its addresses)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from deribit_rpc import Deribit
from websockets.sync.client import connect

from mockexchange.core.clock import ManualClock
from mockexchange.server import MockServer

HUGE = 2**70
# (method, the valid params, the param spoiled, its bad values)
CASES: list[tuple[str, dict[str, Any], str, list[Any]]] = [
    ("private/get_subaccounts", {}, "with_portfolio", [1, "yes", [], {}]),
    ("private/get_subaccounts_details", {"currency": "BTC"}, "currency", [None, "XRP", 5, ""]),
    ("private/get_subaccounts_details", {"currency": "BTC"}, "with_open_orders", [0, "no"]),
    ("private/change_subaccount_name", {"sid": 2002, "name": "fresh"}, "sid", [None, "2002", 1.5, HUGE, -1, 0]),
    ("private/change_subaccount_name", {"sid": 2002, "name": "fresh"}, "name", [None, 7, "", ["x"]]),
    ("private/toggle_subaccount_login", {"sid": 2002, "state": "enable"}, "sid", [None, True, HUGE, -5]),
    ("private/toggle_subaccount_login", {"sid": 2002, "state": "enable"}, "state", [None, "on", 1, ""]),
    ("private/submit_transfer_to_subaccount", {"currency": "BTC", "amount": 1, "destination": 2002}, "currency",
     [None, "DOGE", 3]),
    ("private/submit_transfer_to_subaccount", {"currency": "BTC", "amount": 1, "destination": 2002}, "amount",
     [None, 0, -1, "1", True, 1e-9, 1e300, HUGE, [1], 0.123456789]),
    ("private/submit_transfer_to_subaccount", {"currency": "BTC", "amount": 1, "destination": 2002}, "destination",
     [None, "2002", HUGE, 0, -2002, 9999]),
    ("private/submit_transfer_to_user", {"currency": "BTC", "amount": 1, "destination": "bob"}, "amount",
     [None, -0.5, "0.5", False]),
    ("private/submit_transfer_to_user", {"currency": "BTC", "amount": 1, "destination": "bob"}, "destination",
     [None, 3001, "", "b" * 65]),
    ("private/cancel_transfer_by_id", {"currency": "BTC", "id": 1}, "id", [None, "1", 0, HUGE, 1.5]),
    ("private/cancel_transfer_by_id", {"currency": "BTC", "id": 1}, "currency", [None, "any"]),
    ("private/withdraw", {"currency": "BTC", "amount": 1, "address": "bc1q"}, "amount", [None, 0, "1", HUGE]),
    ("private/withdraw", {"currency": "BTC", "amount": 1, "address": "bc1q"}, "address", [None, "", 5, "a" * 129]),
    ("private/withdraw", {"currency": "BTC", "amount": 1, "address": "bc1q"}, "priority", ["urgent", 1]),
    ("private/withdraw", {"currency": "BTC", "amount": 1, "address": "bc1q"}, "nonce", ["short", "n" * 129, 12]),
    ("private/cancel_withdrawal", {"currency": "BTC", "id": 1}, "id", [None, "x", -1, HUGE]),
    ("private/get_current_deposit_address", {"currency": "BTC"}, "currency", [None, "LTC", {}]),
    ("private/create_deposit_address", {"currency": "BTC"}, "currency", [None, "any", 0]),
    ("private/get_transaction_log", {"currency": "BTC", "start_timestamp": 0, "end_timestamp": 10**13},
     "start_timestamp", [None, "0", -1, HUGE, 10**16]),
    ("private/get_transaction_log", {"currency": "BTC", "start_timestamp": 0, "end_timestamp": 10**13},
     "end_timestamp", [None, 1.5, -5]),
    ("private/get_transaction_log", {"currency": "BTC", "start_timestamp": 0, "end_timestamp": 10**13}, "count",
     [0, 251, "10", HUGE]),
    ("private/get_transaction_log", {"currency": "BTC", "start_timestamp": 0, "end_timestamp": 10**13},
     "continuation", [0, -3, "abc", HUGE]),
    ("private/get_transaction_log", {"currency": "BTC", "start_timestamp": 0, "end_timestamp": 10**13}, "query",
     [5, "", "q" * 129]),
]  # fmt: skip
pytestmark = pytest.mark.slow  # 104 cases, each over HTTP and a websocket
PARAMS = [(method, valid, name, bad) for method, valid, name, values in CASES for bad in values]


@pytest.fixture(scope="module")
def seeded() -> Iterator[tuple[MockServer, Deribit, dict[str, str]]]:
    with MockServer(clock=ManualClock()) as mock:
        mock.create_deribit_account("alice", balances={"BTC": "10"}, account_id=2001)
        mock.create_deribit_subaccount("alice", subaccount_id=2002, username="alice_sub")
        mock.create_deribit_account("bob", balances={"BTC": "1"}, account_id=3001)
        key = mock.create_deribit_key("alice")
        client = Deribit(mock, key)
        client.result("private/withdraw", currency="BTC", amount=1, address="bc1qfirst")
        client.result("private/submit_transfer_to_subaccount", currency="BTC", amount=1, destination=2002)
        yield mock, client, key


@pytest.fixture(scope="module")
def untouched(seeded: tuple[MockServer, Deribit, dict[str, str]]) -> Any:
    """What the account reads before any case: the same before each, for every case is refused and changes nothing
    (each holds the account to it after its call)."""
    return everything(seeded[1])


def everything(client: Deribit) -> Any:
    reads = [client.result("private/get_subaccounts", with_portfolio=True)]
    for wallet in (None, 2002):
        extra = {} if wallet is None else {"subaccount_id": wallet}
        for method in ("private/get_transfers", "private/get_withdrawals", "private/get_deposits",
                       "private/get_current_deposit_address"):  # fmt: skip
            reads.append(client.result(method, currency="BTC", **extra))
        reads.append(client.result("private/get_transaction_log", currency="BTC", start_timestamp=0,
                                   end_timestamp=10**13, **extra))  # fmt: skip
    return reads


def _refused(answer: dict[str, Any], name: str) -> None:
    assert answer["error"]["code"] == -32602, answer
    assert answer["error"]["data"]["param"] == name, answer


@pytest.mark.parametrize(("method", "valid", "name", "bad"), PARAMS, ids=lambda v: str(v)[:24])
def test_a_bad_parameter_is_named_and_changes_nothing(seeded, untouched, method, valid, name, bad) -> None:
    mock, client, key = seeded
    params = {**valid}
    if bad is None:
        params.pop(name, None)
    else:
        params[name] = bad
    _refused(client.rpc(method, **params), name)
    with connect(mock.deribit_ws_url, open_timeout=10) as ws:
        auth = {
            "grant_type": "client_credentials",
            "client_id": key["client_id"],
            "client_secret": key["client_secret"],
        }
        ws.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "public/auth", "params": auth}))
        assert "result" in json.loads(ws.recv(timeout=10))
        ws.send(json.dumps({"jsonrpc": "2.0", "id": 2, "method": method, "params": params}))
        _refused(json.loads(ws.recv(timeout=10)), name)
    assert everything(client) == untouched
