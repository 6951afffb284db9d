"""The SignalPlus gateway dialect over real HTTP: rid envelope, Signalplus-API-* headers (signed here from the
formula: base64 HMAC-SHA256 of `ts\\nnonce\\n`), camelCase fields with numbers as strings."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

import httpx
import plain_http
import pytest

from mockexchange.server import MockServer


@pytest.fixture
def key(mockexchange: MockServer) -> dict[str, str]:
    mockexchange.create_deribit_account("alice", balances={"BTC": "10"})
    key = mockexchange.create_deribit_key("alice", client_id="AliceKey", client_secret="alice-secret")
    mockexchange.deribit_fill("alice", "BTC-PERPETUAL", "buy", "10000", "50000")
    return key


def headers(secret: str = "alice-secret", api_key: str = "AliceKey") -> dict[str, str]:
    ts = str(int(time.time() * 1000))
    nonce = "abc" + ts
    sig = base64.b64encode(hmac.new(secret.encode(), f"{ts}\n{nonce}\n".encode(), hashlib.sha256).digest()).decode()
    return {
        "Authorization": f"Bearer {api_key}",
        "Signalplus-API-Signature": sig,
        "Signalplus-API-Nonce": nonce,
        "Signalplus-API-Timestamp": ts,
    }


def post(mock: MockServer, body: dict, hdrs: dict[str, str]) -> httpx.Response:
    return plain_http.post(mock.base_url + "/api", json=body, headers=hdrs, timeout=10)


def test_get_positions_in_camel_case(mockexchange, key):
    body = {"rid": 50002, "method": "private/get_positions", "params": {"currency": "BTC", "kind": "future"}}
    r = post(mockexchange, body, headers())
    assert r.status_code == 200, r.text
    reply = r.json()
    assert reply["rid"] == 50002 and reply["error"] == {"code": 0, "message": ""}
    [row] = reply["result"]
    assert row["instrumentName"] == "BTC-PERPETUAL" and row["side"] == "buy"
    assert row["averagePrice"] == "50000" and row["size"] == "10000" and row["leverage"] == 50
    assert "totalprofitLoss" in row and "direction" not in row and "average_price" not in row


def test_get_position_and_subaccount_param(mockexchange, key):
    sub = mockexchange.create_deribit_subaccount("alice")
    reply = post(
        mockexchange,
        {"rid": 1, "method": "private/get_position", "params": {"instrumentName": "BTC-PERPETUAL"}},
        headers(),
    ).json()
    assert reply["result"]["size"] == "10000"
    empty = post(
        mockexchange, {"rid": 2, "method": "private/get_positions", "params": {"subaccountId": sub["id"]}}, headers()
    ).json()
    assert empty["result"] == []


def test_errors_in_the_gateway_shape(mockexchange, key):
    bad = post(mockexchange, {"rid": 3, "method": "private/get_positions", "params": {}}, headers(secret="nope"))
    assert bad.status_code == 401
    assert bad.json()["rid"] == 3 and bad.json()["error"]["code"] == 13009
    missing = post(mockexchange, {"rid": 4, "method": "private/get_positions", "params": {}}, {})
    assert missing.json()["error"]["code"] == 13009
    unknown = post(mockexchange, {"rid": 5, "method": "private/buy", "params": {}}, headers())
    assert unknown.json()["error"]["code"] == -32601
