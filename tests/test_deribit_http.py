"""Deribit API v2 over real HTTP: the envelope, every method, each auth scheme (signed here from the documented
formulas, not with the mock's verifier), and each error code with its body."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from decimal import Decimal

import httpx
import orjson
import plain_http
import pytest

from mockexchange.server import MockServer

POSITIONS = "/api/v2/private/get_positions"


@pytest.fixture
def deribit(mockexchange: MockServer) -> dict[str, str]:
    mockexchange.create_deribit_account("alice", balances={"BTC": "10", "USDC": "50000"})
    key = mockexchange.create_deribit_key("alice", client_id="AliceKey", client_secret="alice-secret")
    mockexchange.deribit_fill("alice", "BTC-PERPETUAL", "buy", "10000", "50000")
    mockexchange.set_index_price("btc_usd", "55000")
    return key


def hmac_header(client_id: str, secret: str, method: str, uri: str, body: str = "", ts: int | None = None) -> str:
    ts = ts if ts is not None else int(time.time() * 1000)
    nonce = "n" + str(ts)
    message = f"{ts}\n{nonce}\n{method}\n{uri}\n{body}\n"
    sig = hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()
    return f"deri-hmac-sha256 id={client_id},ts={ts},sig={sig},nonce={nonce}"


def get(mock: MockServer, target: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return plain_http.get(mock.deribit_url + target, headers=headers or {}, timeout=10)


def signed_get(mock: MockServer, key: dict[str, str], target: str) -> httpx.Response:
    return get(mock, target, {"Authorization": hmac_header(key["client_id"], key["client_secret"], "GET", target)})


def rpc(mock: MockServer, body: object, path: str = "/api/v2", headers: dict[str, str] | None = None) -> httpx.Response:
    return plain_http.post(mock.deribit_url + path, content=orjson.dumps(body), headers=headers or {}, timeout=10)


def assert_envelope(body: dict) -> None:
    assert body["jsonrpc"] == "2.0"
    assert body["testnet"] is True
    assert isinstance(body["usIn"], int) and isinstance(body["usOut"], int)
    assert body["usDiff"] == body["usOut"] - body["usIn"] >= 0
    assert abs(body["usIn"] - time.time() * 1_000_000) < 60_000_000


# -- public methods -------------------------------------------------------------------------------------------------


def test_public_test_and_envelope(mockexchange):
    r = get(mockexchange, "/api/v2/public/test")
    assert r.status_code == 200
    body = r.json()
    assert_envelope(body)
    assert body["result"] == {"version": "1.2.26"}
    assert "id" not in body


def test_get_currencies_lists_the_codes(mockexchange):
    result = get(mockexchange, "/api/v2/public/get_currencies").json()["result"]
    codes = [c["currency"] for c in result]
    assert {"BTC", "ETH", "USDC"} <= set(codes)
    btc = result[codes.index("BTC")]
    assert btc["currency_long"] == "Bitcoin" and btc["withdrawal_fee"] == 0.0001


def test_get_instruments_without_currency_lists_the_defaults(mockexchange):
    result = get(mockexchange, "/api/v2/public/get_instruments").json()["result"]
    names = {i["instrument_name"] for i in result}
    assert {"BTC-PERPETUAL", "ETH-PERPETUAL", "BTC_USDC-PERPETUAL"} <= names
    assert {i["kind"] for i in result} == {"future", "option"}
    perp = next(i for i in result if i["instrument_name"] == "BTC-PERPETUAL")
    assert perp["settlement_period"] == "perpetual" and perp["contract_size"] == 10 and perp["tick_size"] == 0.5
    assert "strike" not in perp
    option = next(i for i in result if i["kind"] == "option")
    assert option["option_type"] in ("call", "put") and option["strike"] > 0


def test_get_instruments_filters_by_currency_and_kind(mockexchange):
    result = get(mockexchange, "/api/v2/public/get_instruments?currency=USDC&kind=future&expired=false").json()
    assert result["result"] and all(
        i["settlement_currency"] == "USDC" and i["kind"] == "future" for i in result["result"]
    )
    expired = get(mockexchange, "/api/v2/public/get_instruments?currency=BTC&expired=true").json()["result"]
    assert expired == []


# -- private methods ------------------------------------------------------------------------------------------------


def test_get_positions_signed_with_deri_hmac(mockexchange, deribit):
    r = signed_get(mockexchange, deribit, POSITIONS + "?currency=BTC&kind=future")
    assert r.status_code == 200, r.text
    body = r.json()
    assert_envelope(body)
    [position] = body["result"]
    assert position["instrument_name"] == "BTC-PERPETUAL"
    assert position["direction"] == "buy" and position["size"] == 10000 and position["kind"] == "future"
    # 10000 * (1/50000 - 1/55000) = 1/55 BTC
    assert Decimal(str(position["floating_profit_loss"])) == Decimal("0.018181818")  # to Deribit's 9 places
    assert position["mark_price"] == 55000 and position["index_price"] == 55000
    assert position["leverage"] == 50 and position["realized_funding"] == 0
    assert "gamma" not in position


def test_numbers_are_exact_json_numbers(mockexchange, deribit):
    raw = signed_get(mockexchange, deribit, POSITIONS).content
    assert b'"average_price":50000,' in raw and b'"size":10000,' in raw


def test_get_positions_currency_any_and_filters(mockexchange, deribit):
    assert len(signed_get(mockexchange, deribit, POSITIONS + "?currency=any").json()["result"]) == 1
    assert signed_get(mockexchange, deribit, POSITIONS + "?currency=ETH").json()["result"] == []
    assert signed_get(mockexchange, deribit, POSITIONS + "?currency=BTC&kind=option").json()["result"] == []


def test_get_positions_of_a_subaccount(mockexchange, deribit):
    sub = mockexchange.create_deribit_subaccount("alice", balances={"BTC": "1"})
    mockexchange.deribit_fill("alice", "ETH-PERPETUAL", "sell", "100", "3000", subaccount_id=sub["id"])
    result = signed_get(mockexchange, deribit, POSITIONS + f"?subaccount_id={sub['id']}").json()["result"]
    assert [(p["instrument_name"], p["direction"], p["size"]) for p in result] == [("ETH-PERPETUAL", "sell", -100)]
    sub_key = mockexchange.create_deribit_key("alice", subaccount_id=sub["id"])
    assert [p["instrument_name"] for p in signed_get(mockexchange, sub_key, POSITIONS).json()["result"]] == [
        "ETH-PERPETUAL"
    ]
    refused = signed_get(mockexchange, sub_key, POSITIONS + "?subaccount_id=1")
    assert refused.json()["error"]["code"] == 13021


def test_get_position_of_a_flat_instrument_is_zero(mockexchange, deribit):
    body = signed_get(mockexchange, deribit, "/api/v2/private/get_position?instrument_name=ETH-PERPETUAL").json()
    assert body["result"]["size"] == 0 and body["result"]["instrument_name"] == "ETH-PERPETUAL"
    held = signed_get(mockexchange, deribit, "/api/v2/private/get_position?instrument_name=BTC-PERPETUAL").json()
    assert held["result"]["size"] == 10000


def test_get_account_summary(mockexchange, deribit):
    body = signed_get(mockexchange, deribit, "/api/v2/private/get_account_summary?currency=BTC").json()
    summary = body["result"]
    assert summary["currency"] == "BTC" and summary["balance"] == 10
    assert Decimal(str(summary["equity"])) > 10
    assert summary["username"] == "alice" and isinstance(summary["id"], int)
    summaries = signed_get(mockexchange, deribit, "/api/v2/private/get_account_summaries").json()["result"]
    assert {s["currency"] for s in summaries["summaries"]} == {"BTC", "USDC"}


# -- authentication -------------------------------------------------------------------------------------------------


def test_public_auth_client_credentials_then_bearer(mockexchange, deribit):
    grant = get(
        mockexchange, "/api/v2/public/auth?grant_type=client_credentials&client_id=AliceKey&client_secret=alice-secret"
    ).json()["result"]
    assert grant["token_type"] == "bearer" and grant["expires_in"] > 0 and "mainaccount" in grant["scope"]
    for scheme in ("Bearer", "bearer"):
        r = get(mockexchange, POSITIONS, {"Authorization": f"{scheme} {grant['access_token']}"})
        assert r.status_code == 200 and len(r.json()["result"]) == 1
    refreshed = rpc(
        mockexchange,
        {"jsonrpc": "2.0", "id": 5, "method": "public/auth",
         "params": {"grant_type": "refresh_token", "refresh_token": grant["refresh_token"]}},
    ).json()  # fmt: skip
    assert refreshed["id"] == 5 and refreshed["result"]["access_token"] != grant["access_token"]


def test_public_auth_client_signature(mockexchange, deribit):
    ts = int(time.time() * 1000)
    sig = hmac.new(b"alice-secret", f"{ts}\nabc\n".encode(), hashlib.sha256).hexdigest()
    body = rpc(
        mockexchange,
        {"jsonrpc": "2.0", "id": 1, "method": "public/auth",
         "params": {"grant_type": "client_signature", "client_id": "AliceKey", "timestamp": ts, "nonce": "abc",
                    "data": "", "signature": sig}},
    ).json()  # fmt: skip
    assert body["result"]["access_token"]


def test_basic_auth(mockexchange, deribit):
    basic = base64.b64encode(b"AliceKey:alice-secret").decode()
    assert get(mockexchange, POSITIONS, {"Authorization": f"Basic {basic}"}).status_code == 200
    wrong = base64.b64encode(b"AliceKey:nope").decode()
    r = get(mockexchange, POSITIONS, {"Authorization": f"Basic {wrong}"})
    assert r.status_code == 401 and r.json()["error"]["code"] == 13004


def test_access_token_param_over_http(mockexchange, deribit):
    grant = get(
        mockexchange, "/api/v2/public/auth?grant_type=client_credentials&client_id=AliceKey&client_secret=alice-secret"
    ).json()["result"]
    r = get(mockexchange, POSITIONS + f"?access_token={grant['access_token']}")
    assert r.status_code == 200 and len(r.json()["result"]) == 1


def test_deri_hmac_with_a_body(mockexchange, deribit):
    payload = orjson.dumps({"jsonrpc": "2.0", "id": 3, "method": "private/get_positions", "params": {}}).decode()
    header = hmac_header("AliceKey", "alice-secret", "POST", POSITIONS, payload)
    r = plain_http.post(mockexchange.deribit_url + POSITIONS, content=payload, headers={"Authorization": header})
    assert r.status_code == 200 and r.json()["id"] == 3


def test_stale_timestamp_is_unauthorized(mockexchange, deribit):
    stale = int(time.time() * 1000) - 120_000
    r = get(
        mockexchange, POSITIONS, {"Authorization": hmac_header("AliceKey", "alice-secret", "GET", POSITIONS, ts=stale)}
    )
    assert r.status_code == 401 and r.json()["error"]["code"] == 13009


# -- errors ---------------------------------------------------------------------------------------------------------


def test_13009_without_authorization(mockexchange, deribit):
    r = get(mockexchange, POSITIONS)
    assert r.status_code == 401
    body = r.json()
    assert_envelope(body)
    assert body["error"]["code"] == 13009 and body["error"]["message"] == "unauthorized"
    assert body["error"]["mockexchange_diagnosis"]
    assert r.headers["X-Mockexchange-Diagnosis"]


def test_13004_for_a_bad_secret(mockexchange, deribit):
    r = get(mockexchange, "/api/v2/public/auth?grant_type=client_credentials&client_id=AliceKey&client_secret=x")
    assert r.status_code == 401
    assert r.json()["error"]["code"] == 13004 and r.json()["error"]["message"] == "invalid_credentials"


def test_13009_for_a_bad_signature(mockexchange, deribit):
    header = hmac_header("AliceKey", "wrong", "GET", POSITIONS)
    assert get(mockexchange, POSITIONS, {"Authorization": header}).json()["error"]["code"] == 13009


def test_invalid_params_names_the_param(mockexchange, deribit):
    body = signed_get(mockexchange, deribit, POSITIONS + "?currency=DOGE").json()
    assert body["error"]["code"] == -32602 and body["error"]["message"] == "Invalid params"
    assert body["error"]["data"] == {"reason": "invalid currency", "param": "currency"}
    kind = signed_get(mockexchange, deribit, POSITIONS + "?kind=perpetual").json()["error"]
    assert kind["data"]["param"] == "kind"
    missing = signed_get(mockexchange, deribit, "/api/v2/private/get_position").json()["error"]
    assert missing["code"] == -32602 and missing["data"]["param"] == "instrument_name"


def test_method_not_found(mockexchange):
    r = get(mockexchange, "/api/v2/public/no_such_method")
    assert r.status_code == 400 and r.json()["error"] == {
        "code": -32601,
        "message": "Method not found",
        "mockexchange_diagnosis": r.json()["error"]["mockexchange_diagnosis"],
    }
    assert get(mockexchange, "/api/v2/private/get_currencies").json()["error"]["code"] == -32601
    assert get(mockexchange, "/api/v2/public/set_heartbeat").json()["error"]["code"] == -32601


def test_parse_error(mockexchange):
    r = plain_http.post(mockexchange.deribit_url + "/api/v2", content=b"{not json", timeout=10)
    assert r.status_code == 400 and r.json()["error"]["code"] == -32700


def test_bad_request(mockexchange):
    assert rpc(mockexchange, [{"jsonrpc": "2.0", "id": 1, "method": "public/test"}]).json()["error"]["code"] == 11050
    assert rpc(mockexchange, {"id": 1, "method": "public/test", "params": [1]}).json()["error"]["code"] == 11050
    assert rpc(mockexchange, {"id": 2, "params": {}}).json()["error"]["code"] == 11050
    assert get(mockexchange, "/api/v2/public/test?a=1&a=2").json()["error"]["code"] == 11050


def test_oversize_body(mockexchange):
    body = {"jsonrpc": "2.0", "id": 9, "method": "public/test", "params": {"pad": "x" * 40_000}}
    r = rpc(mockexchange, body)
    assert r.status_code == 413 and r.json()["error"]["code"] == -32600
    assert r.json()["error"]["message"] == "request entity too large"


# -- the envelope ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("request_id", [42, "req-7"])
def test_post_api_v2_with_a_leading_slash_echoes_the_id(mockexchange, request_id):
    r = rpc(mockexchange, {"jsonrpc": "2.0", "id": request_id, "method": "/public/test", "params": {}})
    assert r.status_code == 200 and r.json()["id"] == request_id and r.json()["result"]["version"]


def test_error_replies_echo_the_id(mockexchange):
    r = rpc(mockexchange, {"jsonrpc": "2.0", "id": "x1", "method": "public/nope"})
    assert r.json()["id"] == "x1" and r.json()["error"]["code"] == -32601


def test_get_with_a_json_rpc_body(mockexchange):
    r = plain_http.request(
        "GET", mockexchange.deribit_url + "/api/v2/public/get_instruments",
        content=orjson.dumps({"jsonrpc": "2.0", "id": 7, "method": "public/get_instruments",
                              "params": {"currency": "ETH", "kind": "future"}}),
    )  # fmt: skip
    body = r.json()
    assert body["id"] == 7 and body["result"] and all(i["base_currency"] == "ETH" for i in body["result"])


# -- control plane --------------------------------------------------------------------------------------------------


def test_admin_api_seeds_deribit(mockexchange):
    base = mockexchange.base_url + "/_admin/deribit"
    assert plain_http.post(base + "/accounts", json={"user_id": "bob", "balances": {"ETH": "5"}}).status_code == 200
    key = plain_http.post(base + "/keys", json={"user_id": "bob"}).json()
    assert set(key) >= {"client_id", "client_secret"}
    listed = plain_http.post(base + "/instruments", json={"instrument_name": "ETH-PERPETUAL"}).json()
    assert listed["kind"] == "future"
    fill = plain_http.post(
        base + "/fills",
        json={
            "user_id": "bob",
            "instrument_name": "ETH-PERPETUAL",
            "direction": "sell",
            "amount": "30",
            "price": "3000",
        },
    )
    assert fill.status_code == 200, fill.text
    assert plain_http.post(base + "/index_prices", json={"index_name": "eth_usd", "price": "2900"}).status_code == 200
    assert (
        plain_http.post(
            base + "/fills",
            json={"user_id": "bob", "instrument_name": "ETH-PERPETUAL", "direction": "up", "amount": "1", "price": "1"},
        ).status_code
        == 400
    )
    result = signed_get(mockexchange, key, POSITIONS + "?currency=ETH").json()["result"]
    assert [(p["size"], p["index_price"]) for p in result] == [(-30, 2900)]


def test_reset_forgets_deribit_state_and_relists_defaults(mockexchange, deribit):
    mockexchange.reset()
    r = signed_get(mockexchange, deribit, POSITIONS)
    assert r.json()["error"]["code"] == 13009
    assert get(mockexchange, "/api/v2/public/get_instruments").json()["result"]
