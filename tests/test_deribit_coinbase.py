"""The Coinbase dialect of Deribit over real HTTP and its websocket (/coinbase/api/v2, /coinbase/ws/api/v2): public/auth
with a CDP JWT (ES256 and EdDSA, signed here as coinbase-advanced-py's cdp_jwt.py signs) or an OAuth2 token the admin
API issued; what it refuses (a JWT replayed, expired, unknown, badly signed; Deribit's own grants and methods; a
view-only key's order); the gateway's token against Deribit's own API and the reverse."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import plain_http
import pytest
import websockets
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from deribit_rpc import DeribitWs
from state_sql import sql

from mockexchange.auth.deribit import coinbase
from mockexchange.auth.deribit.coinbase_keys import new_key_pair, sign_jwt
from mockexchange.server import MockServer

PERP = "BTC_USDC-PERPETUAL"


@pytest.fixture
def trader(mockexchange: MockServer) -> dict[str, Any]:
    mockexchange.create_deribit_account("alice", balances={"BTC": "1", "USDC": "100000"})
    mockexchange.deribit_fill("alice", PERP, "buy", "0.25", "59500")
    return mockexchange.create_coinbase_key("alice")


def rpc(mock: MockServer, method: str, params: dict[str, Any], token: str | None = None) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = {"jsonrpc": "2.0", "id": 3, "method": method, "params": params}
    r = plain_http.post(f"{mock.base_url}/coinbase/api/v2/{method}", json=body, headers=headers, timeout=10)
    return r.json() | {"_status": r.status_code}


def jwt(key: dict[str, Any], **kw: Any) -> str:
    return sign_jwt(key["name"], key["private_key"], kw.pop("now", int(time.time())), **kw)


def auth(mock: MockServer, token: str, grant_type: str = "coinbase_cdp") -> dict[str, Any]:
    return rpc(mock, "public/auth", {"grant_type": grant_type, "token": token})


def refused(answer: dict[str, Any]) -> tuple[int, int, str]:
    return answer["_status"], answer["error"]["code"], answer["error"]["mockexchange_diagnosis"]


def test_a_cdp_jwt_buys_a_gateway_token_that_reads_and_trades(mockexchange: MockServer, trader: dict) -> None:
    assert trader["name"].startswith("organizations/") and "/apiKeys/" in trader["name"]
    assert trader["private_key"].startswith("-----BEGIN EC PRIVATE KEY-----") and trader["algorithm"] == "ES256"
    result = auth(mockexchange, jwt(trader))["result"]
    assert set(result) == {"access_token", "expires_in", "scope", "token_type"}  # no refresh_token
    token = result["access_token"]
    assert len(token) == 64 and int(token, 16) >= 0 and (result["expires_in"], result["token_type"]) == (900, "bearer")
    (position,) = rpc(mockexchange, "private/get_positions", {"currency": "USDC"}, token)["result"]
    assert (position["instrument_name"], position["size"]) == (PERP, 0.25)
    order = rpc(mockexchange, "private/buy", {"instrument_name": PERP, "amount": 0.1, "price": 50000}, token)
    assert order["result"]["order"]["order_state"] == "open"
    # The gateway's token is no Deribit token, and Deribit's own API is not the gateway.
    native = plain_http.get(
        f"{mockexchange.base_url}/api/v2/private/get_positions", headers={"Authorization": f"Bearer {token}"}
    )
    assert native.json()["error"]["code"] == 13009


def test_what_the_gateway_refuses(mockexchange: MockServer, trader: dict) -> None:
    token = jwt(trader)
    assert "result" in auth(mockexchange, token)
    assert refused(auth(mockexchange, token))[:2] == (401, 13004)  # the same JWT (its nonce) twice
    assert "used already" in refused(auth(mockexchange, token))[2]
    stale = refused(auth(mockexchange, jwt(trader, now=int(time.time()) - 200)))
    assert stale[:2] == (401, 13004) and "expired" in stale[2]
    other_name, other_key = "organizations/o/apiKeys/k", new_key_pair("ES256")[1]
    assert "no Coinbase API key" in refused(auth(mockexchange, sign_jwt(other_name, other_key, int(time.time()))))[2]
    forged = refused(auth(mockexchange, sign_jwt(trader["name"], other_key, int(time.time()))))
    assert forged[:2] == (401, 13004) and "signature does not verify" in forged[2]
    assert refused(auth(mockexchange, "not.a-jwt"))[1] == 13004
    native = rpc(
        mockexchange, "public/auth", {"grant_type": "client_credentials", "client_id": "a", "client_secret": "b"}
    )
    assert (native["error"]["code"], native["error"]["data"]["param"]) == (-32602, "grant_type")
    gateway = auth(mockexchange, jwt(trader))["result"]["access_token"]
    for method in ("private/withdraw", "private/create_api_key", "private/create_subaccount"):
        assert rpc(mockexchange, method, {}, gateway)["error"]["code"] == -32601, method
    assert refused(rpc(mockexchange, "private/get_positions", {}))[:2] == (401, 13009)
    viewer = mockexchange.create_coinbase_key("alice", algorithm="EdDSA", permissions="view")
    granted = auth(mockexchange, jwt(viewer))["result"]
    assert granted["scope"] == "wallet:user:read wallet:accounts:read wallet:transactions:read"
    buy = rpc(
        mockexchange, "private/buy", {"instrument_name": PERP, "amount": 0.1, "price": 50000}, granted["access_token"]
    )
    assert (buy["error"]["code"], buy["error"]["message"]) == (13021, "forbidden")


def test_an_admin_oauth2_token_and_a_registered_public_key(mockexchange: MockServer, trader: dict) -> None:
    admin = f"{mockexchange.base_url}/_admin/deribit"
    issued = plain_http.post(
        f"{admin}/coinbase_oauth_tokens", json={"user_id": "alice", "scopes": "wallet:accounts:read"}, timeout=10
    ).json()
    grant = auth(mockexchange, issued["access_token"], "coinbase_oauth2")["result"]
    assert grant["scope"] == "wallet:accounts:read"
    summary = rpc(mockexchange, "private/get_account_summary", {"currency": "USDC"}, grant["access_token"])
    assert summary["result"]["currency"] == "USDC"
    assert rpc(mockexchange, "private/get_positions", {}, grant["access_token"])["error"]["code"] == 13021
    assert auth(mockexchange, "no-such-token", "coinbase_oauth2")["error"]["code"] == 13004
    public_pem, private_key = new_key_pair("EdDSA")
    body = {"user_id": "alice", "public_key": public_pem, "key_name": "organizations/o/apiKeys/mine"}
    made = plain_http.post(f"{admin}/coinbase_keys", json=body, timeout=10).json()
    assert (made["algorithm"], "private_key" in made) == ("EdDSA", False)
    assert "result" in auth(mockexchange, sign_jwt("organizations/o/apiKeys/mine", private_key, int(time.time())))


def test_the_websocket_authenticates_and_reads_with_the_gateway_token(mockexchange: MockServer, trader: dict) -> None:
    url = mockexchange.deribit_ws_url.replace("/ws/api/v2", "/coinbase/ws/api/v2")

    async def go() -> tuple[dict, dict, dict]:
        async with websockets.connect(url) as ws:
            client = DeribitWs(ws, decimals=False)
            granted = await client.call("public/auth", {"grant_type": "coinbase_cdp", "token": jwt(trader)})
            positions = await client.call("private/get_positions", {"currency": "USDC"})
            refused = await client.call("private/withdraw", {"currency": "BTC", "amount": 1, "address": "x"})
            return granted, positions, refused

    granted, positions, refused = asyncio.run(go())
    assert granted["result"]["token_type"] == "bearer"
    assert [row["instrument_name"] for row in positions["result"]] == [PERP]
    assert refused["error"]["code"] == -32601
    assert json.dumps(granted).count("refresh_token") == 0


def test_a_logout_closes_the_socket_and_ends_its_gateway_token(mockexchange: MockServer, trader: dict) -> None:
    url = mockexchange.deribit_ws_url.replace("/ws/api/v2", "/coinbase/ws/api/v2")

    async def go() -> tuple[str, int | None]:
        async with websockets.connect(url) as ws:
            client = DeribitWs(ws, decimals=False)
            granted = await client.call("public/auth", {"grant_type": "coinbase_cdp", "token": jwt(trader)})
            await ws.send(json.dumps({"jsonrpc": "2.0", "id": 9, "method": "private/logout", "params": {}}))
            with pytest.raises(websockets.ConnectionClosedOK):
                await asyncio.wait_for(ws.recv(), 5)  # no reply: the gateway closes the socket
            return granted["result"]["access_token"], ws.close_code

    token, code = asyncio.run(go())
    assert code == 1000
    assert refused(rpc(mockexchange, "private/get_positions", {}, token))[:2] == (401, 13009)


def test_a_state_file_keeps_the_public_key_and_the_tokens_digest_only(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    with MockServer(state=str(path)) as mock:
        mock.create_deribit_account("alice", balances={"USDC": "1"})
        key = mock.create_coinbase_key("alice")
        oauth = mock.issue_coinbase_oauth_token("alice", scopes="wallet:user:read")["access_token"]
    assert not sql(path, "SELECT seq FROM commands WHERE arguments LIKE '%PRIVATE KEY%'")
    assert not sql(path, "SELECT seq FROM commands WHERE arguments LIKE ?", f"%{oauth}%")
    for restored_from in ("snapshot", "commands"):
        with MockServer(state=str(path)) as again:
            assert "result" in auth(again, jwt(key)), restored_from
            assert "result" in auth(again, oauth, "coinbase_oauth2"), restored_from
        sql(path, "DELETE FROM snapshots")  # the commands alone, as after kill -9


def test_the_journal_names_the_dialect_and_the_key_and_keeps_no_jwt(mockexchange: MockServer, trader: dict) -> None:
    token = jwt(trader)
    granted = auth(mockexchange, token)["result"]["access_token"]
    rpc(mockexchange, "private/get_positions", {"currency": "USDC"}, granted)
    answer = plain_http.get(f"{mockexchange.base_url}/_admin/requests?venue=coinbase", timeout=10).json()
    entries = answer["requests"]
    assert [(e["operation"], e["key_id"]) for e in entries] == [
        ("public/auth", None),
        ("private/get_positions", trader["name"]),
    ]
    kept = json.dumps(entries)
    assert token not in kept and granted not in kept and token.split(".")[2] not in kept


def test_a_jwt_is_remembered_while_its_clock_skew_lets_it_pass(mockexchange: MockServer, trader: dict) -> None:
    """Signed 125 s ago, a JWT is past its two minutes but within the 30 s of skew the mock allows: it passes once,
    and its nonce is kept as long as the token could still pass, so it cannot pass twice."""
    late = jwt(trader, now=int(time.time()) - 125)
    assert "result" in auth(mockexchange, late)
    again = refused(auth(mockexchange, late))
    assert again[:2] == (401, 13004) and "used already" in again[2]


def test_each_keys_nonces_are_its_own(mockexchange: MockServer, trader: dict) -> None:
    other = mockexchange.create_coinbase_key("alice")
    now = int(time.time())
    assert "result" in auth(mockexchange, jwt(trader, now=now, nonce="ab" * 16))
    assert "result" in auth(mockexchange, jwt(other, now=now, nonce="ab" * 16))  # (another key: another JWT)


def test_a_keys_oldest_gateway_tokens_are_forgotten_past_its_bound(
    mockexchange: MockServer, trader: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(coinbase, "MAX_TOKENS_PER_KEY", 2)
    tokens = [auth(mockexchange, jwt(trader))["result"]["access_token"] for _ in range(3)]
    reads = [rpc(mockexchange, "private/get_positions", {"currency": "USDC"}, token) for token in tokens]
    assert ["error" in read for read in reads] == [True, False, False]
    assert reads[0]["error"]["code"] == 13009


def test_a_subaccounts_key_acts_for_that_subaccount(mockexchange: MockServer, trader: dict) -> None:
    sub = mockexchange.create_deribit_subaccount("alice", balances={"USDC": "5"})["id"]
    key = mockexchange.create_coinbase_key("alice", subaccount_id=sub)
    token = auth(mockexchange, jwt(key))["result"]["access_token"]
    summary = rpc(mockexchange, "private/get_account_summary", {"currency": "USDC"}, token)["result"]
    assert (summary["id"], summary["balance"]) == (sub, 5)


def test_a_key_is_registered_only_as_coinbase_makes_one(mockexchange: MockServer, trader: dict) -> None:
    """Refused, nothing registered: a name with a blank, a public key on a curve other than P-256, a permission or an
    OAuth2 scope Coinbase does not have."""
    p384 = ec.generate_private_key(ec.SECP384R1()).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()  # fmt: skip
    admin = f"{mockexchange.base_url}/_admin/deribit"
    for fields in ({"key_name": "organizations/o/apiKeys/a b"}, {"public_key": p384}, {"permissions": "view bogus"}):
        answer = plain_http.post(f"{admin}/coinbase_keys", json={"user_id": "alice", **fields}, timeout=10)
        assert answer.status_code == 400, (fields, answer.text)
    answer = plain_http.post(f"{admin}/coinbase_oauth_tokens", json={"user_id": "alice", "scopes": "wallet:bogus"},
                             timeout=10)  # fmt: skip
    assert answer.status_code == 400, answer.text
    assert [key.name for key in mockexchange.app.control.coinbase_keys.all()] == [trader["name"]]
