"""The request journal for Deribit over real sockets: native HTTP, the SignalPlus dialect, the websocket upgrade and
each JSON-RPC message on it, with the problems named by what the venue refused (Deribit has no schema slice), the
`venue` filter, and the pytest plugin's strict mode failing a test whose client sent a bad Deribit request."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator

import plain_http
import pytest
from waits import HANG_S
from websockets.sync.client import connect

from mockexchange.server import MockServer

pytest_plugins = ["pytester"]

POSITIONS = "/api/v2/private/get_positions"


@pytest.fixture
def mock() -> Iterator[MockServer]:
    with MockServer() as server:
        server.create_deribit_account("alice", balances={"BTC": "10"})
        server.create_deribit_key("alice", client_id="AliceKey", client_secret="alice-secret")
        server.deribit_fill("alice", "BTC-PERPETUAL", "buy", "10000", "50000")
        yield server


def basic(client_id: str = "AliceKey", secret: str = "alice-secret") -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def journal(mock: MockServer, **filters: object) -> list[dict]:
    r = plain_http.get(f"{mock.base_url}/_admin/requests", params=filters, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()["requests"]


def only_entry(mock: MockServer) -> dict:
    [entry] = journal(mock)
    return entry


def rules(entry: dict) -> list[str]:
    return [p["rule"] for p in entry["problems"]]


# -- native HTTP ------------------------------------------------------------------------------------------------------


def test_a_valid_private_call_is_recorded_with_its_method_and_client_id(mock):
    r = plain_http.get(mock.deribit_url + POSITIONS, params={"currency": "BTC"}, headers=basic(), timeout=10)
    assert r.status_code == 200 and r.json()["result"][0]["instrument_name"] == "BTC-PERPETUAL"
    entry = only_entry(mock)
    assert entry["venue"] == "deribit" and entry["transport"] == "rest"
    assert (entry["method"], entry["path"], entry["query"]) == ("GET", POSITIONS, [["currency", "BTC"]])
    assert entry["operation"] == "private/get_positions"
    assert entry["key_id"] == "AliceKey" and entry["status"] == 200
    assert entry["problems"] == []


def test_post_api_v2_records_the_method_named_in_the_body(mock):
    body = {"jsonrpc": "2.0", "id": 7, "method": "/private/get_positions", "params": {"currency": "BTC"}}
    r = plain_http.post(mock.deribit_url + "/api/v2", json=body, headers=basic(), timeout=10)
    assert r.status_code == 200, r.text
    entry = only_entry(mock)
    assert (entry["method"], entry["path"], entry["operation"]) == ("POST", "/api/v2", "private/get_positions")
    assert entry["problems"] == [] and entry["key_id"] == "AliceKey"


def test_an_unknown_method(mock):
    r = plain_http.get(mock.deribit_url + "/api/v2/public/get_nothing", timeout=10)
    assert r.status_code == 400 and r.json()["error"]["code"] == -32601
    entry = only_entry(mock)
    assert entry["operation"] == "public/get_nothing" and entry["status"] == 400
    assert rules(entry) == ["method.unknown"]
    assert entry["problems"][0]["detail"].startswith(r.json()["error"]["mockexchange_diagnosis"])


def test_bad_params_name_the_reason_and_the_param(mock):
    r = plain_http.get(mock.deribit_url + POSITIONS, params={"currency": "DOGE"}, headers=basic(), timeout=10)
    error = r.json()["error"]
    assert r.status_code == 400 and error["code"] == -32602
    assert error["data"] == {"reason": "invalid currency", "param": "currency"}
    entry = only_entry(mock)
    assert rules(entry) == ["parameter.invalid_currency"]
    detail = entry["problems"][0]["detail"]
    assert detail.startswith("currency") and "DOGE" in detail and detail.endswith("(private/get_positions)")
    assert journal(mock, invalid="true") == [entry] and journal(mock, invalid="false") == []


@pytest.mark.parametrize(
    ("content", "rule", "code"),
    [(b'{"jsonrpc": "2.0", "method": ', "jsonrpc.parse", -32700), (b"[]", "jsonrpc.request", 11050)],
)
def test_a_body_that_is_not_a_request(mock, content, rule, code):
    r = plain_http.post(mock.deribit_url + "/api/v2", content=content, timeout=10)
    assert r.status_code == 400 and r.json()["error"]["code"] == code
    entry = only_entry(mock)
    assert entry["operation"] is None and rules(entry) == [rule]


def test_bad_credentials_are_an_auth_signature_problem_with_the_diagnosis(mock):
    r = plain_http.get(
        mock.deribit_url + POSITIONS, params={"currency": "BTC"}, headers=basic(secret="wrong"), timeout=10
    )
    assert r.status_code == 401 and r.json()["error"]["code"] == 13004
    entry = only_entry(mock)
    assert entry["key_id"] == "AliceKey"  # who claimed to call, though the secret was wrong
    assert entry["problems"] == [
        {"rule": "auth.signature", "detail": r.headers["X-Mockexchange-Diagnosis"] + " (private/get_positions)"}
    ]


def test_an_unknown_bearer_token_is_an_auth_token_problem(mock):
    headers = {"Authorization": "Bearer no-such-token"}
    r = plain_http.get(mock.deribit_url + POSITIONS, params={"currency": "BTC"}, headers=headers, timeout=10)
    assert r.status_code == 401
    entry = only_entry(mock)
    assert rules(entry) == ["auth.token"] and entry["key_id"] is None


@pytest.mark.parametrize(
    ("method", "path", "status", "rule"),
    [("GET", "/api/v2/get_positions", 404, "operation.unknown"), ("PUT", POSITIONS, 405, "operation.method")],
)
def test_a_request_no_route_answers(mock, method, path, status, rule):
    assert plain_http.request(method, mock.deribit_url + path, timeout=10).status_code == status
    entry = only_entry(mock)
    assert (entry["venue"], entry["method"], entry["status"], rules(entry)) == ("deribit", method, status, [rule])


# -- SignalPlus -------------------------------------------------------------------------------------------------------


def signalplus_headers(secret: str = "alice-secret") -> dict[str, str]:
    ts = str(int(time.time() * 1000))
    nonce = "n" + ts
    sig = base64.b64encode(hmac.new(secret.encode(), f"{ts}\n{nonce}\n".encode(), hashlib.sha256).digest()).decode()
    return {
        "Authorization": "Bearer AliceKey",
        "Signalplus-API-Signature": sig,
        "Signalplus-API-Nonce": nonce,
        "Signalplus-API-Timestamp": ts,
    }


def test_signalplus_requests_are_their_own_venue(mock):
    body = {"rid": 1, "method": "private/get_positions", "params": {"currency": "BTC"}}
    assert (
        plain_http.post(mock.base_url + "/api", json=body, headers=signalplus_headers(), timeout=10).status_code == 200
    )
    r = plain_http.post(mock.base_url + "/api", json=body, headers=signalplus_headers("wrong"), timeout=10)
    assert r.status_code == 401
    good, bad = journal(mock)
    assert (good["venue"], good["method"], good["path"]) == ("signalplus", "POST", "/api")
    assert good["operation"] == "private/get_positions" and good["key_id"] == "AliceKey" and good["problems"] == []
    assert bad["venue"] == "signalplus" and bad["key_id"] == "AliceKey" and rules(bad) == ["auth.signature"]
    assert journal(mock, venue="signalplus") == [good, bad] and journal(mock, venue="deribit") == []


# -- websocket --------------------------------------------------------------------------------------------------------


def test_the_websocket_upgrade_and_each_message(mock):
    with connect(mock.deribit_ws_url) as ws:
        ws.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "public/test", "params": {}}))
        assert json.loads(ws.recv(timeout=HANG_S))["result"] == {"version": "1.2.26"}
        ws.send(json.dumps({"jsonrpc": "2.0", "id": 2, "method": "private/get_positions", "params": {}}))
        assert json.loads(ws.recv(timeout=HANG_S))["error"]["code"] == 13009
        # Read before the connection closes: a message is journaled before its reply is sent.
        upgrade, test, refused = journal(mock)
        ws.send("{oops")
        assert json.loads(ws.recv(timeout=HANG_S))["error"]["code"] == -32700
        [broken] = journal(mock, since=refused["seq"])
    assert (upgrade["venue"], upgrade["transport"], upgrade["path"], upgrade["status"]) == (
        "deribit", "ws", "/ws/api/v2", 101
    )  # fmt: skip
    assert upgrade["problems"] == []
    assert (test["transport"], test["operation"], test["replies"], test["problems"]) == (
        "ws", "public/test", ["result"], []
    )  # fmt: skip
    assert json.loads(test["command"])["id"] == 1 and test["status"] is None
    assert refused["operation"] == "private/get_positions" and refused["replies"] == ["error 13009"]
    assert rules(refused) == ["auth.token"]
    assert broken["command"] == "{oops" and broken["operation"] is None and rules(broken) == ["jsonrpc.parse"]


def test_a_websocket_message_after_public_auth_carries_the_client_id(mock):
    with connect(mock.deribit_ws_url) as ws:
        params = {"grant_type": "client_credentials", "client_id": "AliceKey", "client_secret": "alice-secret"}
        ws.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "public/auth", "params": params}))
        assert "access_token" in json.loads(ws.recv(timeout=HANG_S))["result"]
        ws.send(json.dumps({"jsonrpc": "2.0", "id": 2, "method": "private/get_positions", "params": {"kind": "x"}}))
        assert json.loads(ws.recv(timeout=HANG_S))["error"]["code"] == -32602
    _, auth, positions = journal(mock)
    assert auth["key_id"] == "AliceKey" and auth["problems"] == []
    assert positions["key_id"] == "AliceKey" and rules(positions) == ["parameter.invalid_kind"]


# -- the venue filter -------------------------------------------------------------------------------------------------


def test_the_venue_filter(mock):
    plain_http.get(mock.base_url + "/trade-api/v2/exchange/status", timeout=10)
    plain_http.get(mock.deribit_url + "/api/v2/public/test", timeout=10)
    kalshi, deribit = journal(mock)
    assert kalshi["venue"] == "kalshi" and deribit["venue"] == "deribit"
    assert journal(mock, venue="deribit") == [deribit] and journal(mock, venue="kalshi") == [kalshi]
    assert [e["seq"] for e in mock.requests(venue="deribit")] == [deribit["seq"]]
    r = plain_http.get(f"{mock.base_url}/_admin/requests", params={"venue": "binance"}, timeout=10)
    assert r.status_code == 400
    assert r.json()["error"] == "venue must be one of kalshi, deribit, signalplus, coinbase, perps"
    with pytest.raises(ValueError, match="venue must be one of"):
        mock.requests(venue="binance")


# -- the pytest plugin ------------------------------------------------------------------------------------------------

USER_TESTS = """
import base64

import httpx

def basic():
    return {"Authorization": "Basic " + base64.b64encode(b"AliceKey:alice-secret").decode()}

def setup(mock):
    mock.create_deribit_account("alice", balances={"BTC": "10"})
    mock.create_deribit_key("alice", client_id="AliceKey", client_secret="alice-secret")

def test_good(mockexchange):
    setup(mockexchange)
    url = mockexchange.deribit_url + "/api/v2/private/get_positions?currency=BTC"
    assert httpx.get(url, headers=basic()).status_code == 200

def test_bad_currency(mockexchange):
    setup(mockexchange)
    url = mockexchange.deribit_url + "/api/v2/private/get_positions?currency=DOGE"
    assert httpx.get(url, headers=basic()).status_code == 400
"""


@pytest.mark.slow
def test_strict_requests_fails_a_test_whose_client_sent_a_bad_deribit_request(pytester) -> None:
    pytester.makepyfile(USER_TESTS)
    result = pytester.runpytest_subprocess("--mockexchange-strict-requests", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_bad_currency*",
            "*the client sent 1 request(s) the schema or the venue does not allow:",
            "*GET /api/v2/private/get_positions?currency=DOGE private/get_positions -> 400",
            "*parameter.invalid_currency: currency 'DOGE' is not one of*",
        ]
    )
