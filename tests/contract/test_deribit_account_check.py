"""`contract check-deribit` on the account methods: the reads always, the writes (which move money) only with
`--account-writes`; each method's defect on a broken server named; nothing sent to a write without the flag; and the
journal judging an account method's reply against the slice."""

from __future__ import annotations

import orjson
import plain_http
import pytest
from broken_deribit import ACCOUNT_DEFECTS, broken_deribit
from kit_commands import verdicts
from test_deribit_check import SECRET, check_deribit, seed

from mockexchange.contract.deribit import account
from mockexchange.schema.deribit import rpc as deribit_rpc
from mockexchange.server import MockServer
from mockexchange.venues.deribit import methods
from mockexchange.venues.deribit.table import METHODS

WRITING = ("--account-writes", "--transfer-user", "bob", "--withdrawal-address", "tb1qkitaddress")
ACCOUNT_METHODS = sorted(ACCOUNT_DEFECTS)


def seed_two(server: MockServer) -> None:
    seed(server)
    server.create_deribit_account("bob", balances={"BTC": "1"})


def only_account_methods() -> list[str]:
    return [arg for method in ACCOUNT_METHODS for arg in ("--method", method)]


def rpc(server: MockServer, method: str, params: dict[str, object], token: str | None = None) -> dict[str, object]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
    reply = plain_http.post(server.deribit_url + "/api/v2", content=orjson.dumps(body), headers=headers, timeout=10)
    return reply.json()


def token_of(server: MockServer) -> str:
    params = {"grant_type": "client_credentials", "client_id": "AliceKey", "client_secret": SECRET}
    return rpc(server, "public/auth", params)["result"]["access_token"]  # type: ignore[index]


@pytest.mark.slow
def test_the_mock_passes_every_account_method_with_the_writes() -> None:
    with MockServer() as server:
        seed_two(server)
        result = check_deribit(server, "--listen", "0", *only_account_methods(), *WRITING)
        assert result.returncode == 0, result.stdout + result.stderr
        found = verdicts(result.stdout)
        for method in ACCOUNT_METHODS:
            assert found[method].startswith("PASS"), (method, found[method])
        # Transfers to a subaccount are confirmed at once: there is none left to cancel, which is said, not failed.
        assert "no transfer still pending to cancel" in found["private/cancel_transfer_by_id"]
        token = token_of(server)
        made = rpc(server, "private/get_subaccounts", {}, token)["result"]
        assert len(made) == 3  # type: ignore[arg-type]  # the main account and a subaccount per transport
        moved = rpc(server, "private/get_transfers", {"currency": "BTC"}, token)["result"]
        assert moved["count"] == 4  # type: ignore[index]  # to the new subaccount and to bob, on each transport


def test_each_account_method_fails_on_a_broken_server() -> None:
    with broken_deribit() as server:
        seed_two(server)
        result = check_deribit(server, "--listen", "0", "--no-websocket", *only_account_methods(), *WRITING)
    assert result.returncode == 1, result.stdout + result.stderr
    found = verdicts(result.stdout)
    for method, (_, said) in ACCOUNT_DEFECTS.items():
        assert found[method].startswith("FAIL"), (method, found[method])
        assert said in found[method], (method, found[method])


def test_without_the_flag_nothing_is_sent_to_a_write() -> None:
    with MockServer() as server:
        seed_two(server)
        result = check_deribit(server, "--listen", "0", "--no-websocket", "--transfer-user", "bob")
        assert result.returncode == 0, result.stdout + result.stderr
        found = verdicts(result.stdout)
        for method in account.WRITES:
            if method not in deribit_rpc.methods():  # (set_api_key_as_default: served, not in the slice)
                continue
            assert found[method].startswith("skipped"), (method, found[method])
            assert "--account-writes" in found[method]
            assert server.requests(venue="deribit", operation=method) == []
        for method in ("private/get_subaccounts", "private/get_transaction_log", "private/list_api_keys"):
            assert found[method].startswith("PASS") and server.requests(venue="deribit", operation=method)
        token = token_of(server)
        assert len(rpc(server, "private/get_subaccounts", {}, token)["result"]) == 1  # type: ignore[arg-type]
        assert rpc(server, "private/get_transfers", {"currency": "BTC"}, token)["result"]["count"] == 0  # type: ignore[index]
        assert rpc(server, "private/get_withdrawals", {"currency": "BTC"}, token)["result"]["count"] == 0  # type: ignore[index]
        summary = rpc(server, "private/get_account_summary", {"currency": "BTC"}, token)["result"]
        assert summary["balance"] == 10  # type: ignore[index]


def test_the_journal_judges_an_account_methods_reply() -> None:
    broken = {"logs": [], "continuation": "next"}
    with MockServer() as server, pytest.MonkeyPatch.context() as patch:
        seed(server)
        patch.setitem(METHODS, "private/get_transaction_log", methods.Method(lambda call: broken, "account:read"))
        params = {"currency": "BTC", "start_timestamp": 0, "end_timestamp": 1}
        assert rpc(server, "private/get_transaction_log", params, token_of(server))["result"] == broken
        flagged = server.requests(venue="deribit", operation="private/get_transaction_log", invalid=True)
    detail = 'private/get_transaction_log: result.continuation: "next" is not of types "null", "integer"'
    assert [entry["problems"] for entry in flagged] == [[{"rule": "reply.schema", "detail": detail}]]
