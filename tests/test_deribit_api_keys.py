"""Deribit's API key methods over real HTTP: Deribit's api_key object, the one registry the admin API shares, each
method's scope, what a disabled, removed or reset key and a narrowed scope do to authentication, a state file's
restart, and every bad param refused with -32602 naming it."""

from __future__ import annotations

from typing import Any

import plain_http
import pytest
from deribit_rpc import Deribit

from mockexchange.control.deribit import keys as key_handlers
from mockexchange.server import MockServer

API_KEY_FIELDS = {
    "id", "timestamp", "client_id", "client_secret", "max_scope", "enabled", "default", "name", "enabled_features",
}  # fmt: skip
WITHOUT_ID = {"max_scope": "trade:read", "name": "n"}  # what each method with an `id` may take beside it
BID = {"instrument_name": "BTC-PERPETUAL", "amount": 10, "price": 50000}


@pytest.fixture
def alice(mockexchange: MockServer) -> Deribit:
    mockexchange.create_deribit_account("alice", balances={"BTC": "10"})
    return Deribit(mockexchange, mockexchange.create_deribit_key("alice", client_id="AliceKey", client_secret="s3"))


def _error(answer: dict[str, Any]) -> tuple[int, str | None]:
    assert "error" in answer, answer
    return answer["error"]["code"], answer["error"].get("data", {}).get("param")


def _auth(mock: MockServer, key: dict[str, Any]) -> dict[str, Any]:
    grant = {"grant_type": "client_credentials", "client_id": key["client_id"], "client_secret": key["client_secret"]}
    return Deribit(mock, key).rpc("public/auth", **grant)


def test_a_key_made_on_the_wire_is_the_admin_apis_and_the_admins_is_listed_on_the_wire(
    mockexchange: MockServer, alice: Deribit
) -> None:
    made = alice.result("private/create_api_key", max_scope="trade:read account:read", name="reader_1")
    assert set(made) == API_KEY_FIELDS
    assert made["id"] == 2 and made["max_scope"] == "account:read trade:read" and made["name"] == "reader_1"
    assert made["enabled"] is True and made["default"] is False and made["enabled_features"] == []
    admin = plain_http.get(f"{mockexchange.base_url}/_admin/deribit/keys", timeout=10).json()["keys"]
    assert [(k["client_id"], k["key_id"], k["name"]) for k in admin] == [
        ("AliceKey", 1, ""),
        (made["client_id"], 2, "reader_1"),
    ]
    assert "client_secret" not in admin[1]
    mockexchange.create_deribit_key("alice", client_id="ByAdmin", scope="wallet:read")
    listed = alice.result("private/list_api_keys")
    assert [(k["id"], k["client_id"], k["max_scope"]) for k in listed][1:] == [
        (2, made["client_id"], "account:read trade:read"), (3, "ByAdmin", "wallet:read"),
    ]  # fmt: skip
    assert alice.result("private/change_api_key_name", id=3, name="renamed")["name"] == "renamed"
    assert alice.result("private/set_api_key_as_default", id=3)["default"] is True
    assert alice.result("private/remove_api_key", id=2) == "ok"
    assert [k["client_id"] for k in mockexchange.list_deribit_keys()["keys"]] == ["AliceKey", "ByAdmin"]
    assert _error(alice.rpc("private/remove_api_key", id=2)) == (-32602, "id")


def test_each_method_needs_its_scope_and_a_read_key_cannot_trade(mockexchange: MockServer, alice: Deribit) -> None:
    reader = alice.result("private/create_api_key", max_scope="account:read trade:read")
    read_only = Deribit(mockexchange, reader)
    assert len(read_only.result("private/list_api_keys")) == 2  # account:read lists
    writes = [("private/create_api_key", {"max_scope": "trade:read"}), ("private/disable_api_key", {"id": 1})]
    for method, params in [*writes, ("private/buy", BID)]:
        assert _error(read_only.rpc(method, **params))[0] == 13021, method
    trade_only = Deribit(mockexchange, alice.result("private/create_api_key", max_scope="trade:read_write"))
    assert _error(trade_only.rpc("private/list_api_keys"))[0] == 13021


def test_disabled_removed_and_reset_keys_and_a_narrowed_scope(mockexchange: MockServer, alice: Deribit) -> None:
    key = alice.result("private/create_api_key", max_scope="account:read trade:read_write")
    first = _auth(mockexchange, key)["result"]
    token = first["access_token"]
    bearer = {"Authorization": f"Bearer {token}"}

    def with_token(method: str, **params: Any) -> dict[str, Any]:
        body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
        return plain_http.post(f"{mockexchange.deribit_url}/api/v2", json=body, headers=bearer, timeout=10).json()

    assert "result" in with_token("private/buy", **BID)
    narrowed = alice.result("private/change_scope_in_api_key", id=2, max_scope="account:read trade:read")
    assert narrowed["max_scope"] == "account:read trade:read"
    assert _error(with_token("private/buy", **BID))[0] == 13021  # the token held before is narrowed too
    assert _auth(mockexchange, key)["result"]["scope"].startswith("account:read trade:read ")
    # a refresh of the pair granted before is narrowed as well: its scope says so, and its token cannot trade
    refresh = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    refreshed = Deribit(mockexchange, key).rpc("public/auth", **refresh)["result"]
    assert refreshed["scope"].startswith("account:read trade:read "), refreshed
    # a permission the key loses whole leaves the tokens held before (its reads refused), the others as they were
    alice.result("private/change_scope_in_api_key", id=2, max_scope="trade:read")
    assert _error(with_token("private/list_api_keys"))[0] == 13021
    assert "result" in with_token("private/get_open_orders")
    alice.result("private/change_scope_in_api_key", id=2, max_scope="account:read trade:read")
    alice.result("private/disable_api_key", id=2)
    assert _error(_auth(mockexchange, key))[0] == 13004
    assert _error(with_token("private/get_positions"))[0] == 13009
    assert alice.result("private/enable_api_key", id=2)["enabled"] is True
    assert "result" in with_token("private/get_positions")
    reset = alice.result("private/reset_api_key", id=2)
    assert reset["client_id"] == key["client_id"] and reset["client_secret"] != key["client_secret"]
    assert _error(_auth(mockexchange, key))[0] == 13004  # the old secret no longer
    assert "result" in _auth(mockexchange, reset)
    alice.result("private/remove_api_key", id=2)
    assert _error(_auth(mockexchange, reset))[0] == 13004
    assert _error(with_token("private/get_positions"))[0] == 13009


def test_every_bad_param_is_refused_naming_it(alice: Deribit) -> None:
    bad = [
        ("private/create_api_key", {}, "max_scope"),
        ("private/create_api_key", {"max_scope": "trade:write"}, "max_scope"),
        ("private/create_api_key", {"max_scope": 7}, "max_scope"),
        ("private/create_api_key", {"max_scope": "trade:read", "name": "has-dash"}, "name"),
        ("private/create_api_key", {"max_scope": "trade:read", "name": "x" * 17}, "name"),
        ("private/create_api_key", {"max_scope": "trade:read", "enabled_features": ["fly"]}, "enabled_features"),
        ("private/create_api_key", {"max_scope": "trade:read", "public_key": "-----BEGIN"}, "public_key"),
        ("private/edit_api_key", {"id": 1}, "max_scope"),
        ("private/edit_api_key", {"id": 1, "max_scope": "trade:read", "enabled": "yes"}, "enabled"),
        ("private/edit_api_key", {"id": 1, "max_scope": "trade:read", "ip_whitelist": "1.2.3.4"}, "ip_whitelist"),
        ("private/change_api_key_name", {"id": 1}, "name"),
        ("private/change_scope_in_api_key", {"id": 1, "max_scope": "everything"}, "max_scope"),
        *((method, params, "id") for method in (
            "private/edit_api_key", "private/remove_api_key", "private/enable_api_key", "private/disable_api_key",
            "private/reset_api_key", "private/change_scope_in_api_key", "private/change_api_key_name",
            "private/set_api_key_as_default",
        ) for params in (WITHOUT_ID, {"id": "one", **WITHOUT_ID}, {"id": 0, **WITHOUT_ID}, {"id": 99, **WITHOUT_ID})),
    ]  # fmt: skip
    for method, params, param in bad:
        assert _error(alice.rpc(method, **params)) == (-32602, param), (method, params)
    assert [k["id"] for k in alice.result("private/list_api_keys")] == [1]  # nothing changed


def test_a_state_file_keeps_the_keys_a_client_made_and_changed(tmp_path: Any) -> None:
    state = tmp_path / "sandbox.db"
    with MockServer(state=state) as mock:
        mock.create_deribit_account("alice", balances={"BTC": "10"})
        alice = Deribit(mock, mock.create_deribit_key("alice", client_id="AliceKey", client_secret="s3"))
        made = alice.result("private/create_api_key", max_scope="trade:read", name="kept")
        reset = alice.result("private/reset_api_key", id=2)
        alice.result("private/disable_api_key", id=2)
    with MockServer(state=state) as mock:
        alice = Deribit(mock, {"client_id": "AliceKey", "client_secret": "s3"})
        [_, kept] = alice.result("private/list_api_keys")
        assert (kept["client_id"], kept["client_secret"], kept["name"]) == (
            made["client_id"],
            reset["client_secret"],
            "kept",
        )
        assert kept["enabled"] is False and _error(_auth(mock, reset))[0] == 13004
        alice.result("private/enable_api_key", id=2)
        assert "result" in _auth(mock, reset)
    assert reset["client_secret"].encode() not in state.read_bytes()  # sealed


def test_an_accounts_keys_are_bounded_and_the_next_one_refused(
    mockexchange: MockServer, alice: Deribit, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(key_handlers, "MAX_API_KEYS", 3)
    made = [alice.result("private/create_api_key", max_scope="trade:read") for _ in range(2)]  # (beside AliceKey)
    assert [key["id"] for key in made] == [2, 3]
    refused = alice.rpc("private/create_api_key", max_scope="trade:read")
    assert refused["error"]["code"] == 10001 and "3 API keys" in refused["error"]["mockexchange_diagnosis"], refused
    assert [key["id"] for key in alice.result("private/list_api_keys")] == [1, 2, 3]
    alice.result("private/remove_api_key", id=3)
    assert alice.result("private/create_api_key", max_scope="trade:read")["id"] == 3  # room again
