"""A venue's refusal in the request journal (issue 46): each refused request or websocket message of Kalshi and Deribit
(and the SignalPlus dialect) is read from `GET /_admin/requests` with the code and message its client was told
(`refusal`) beside the mock's own explanation (`diagnosis`), and one entry's request and answer bodies are read with
`seq=N&bodies=true`, redacted and cut as the journal's texts are, and counted in its bytes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator

import httpx
import plain_http
import pytest
from waits import HANG_S
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from mockexchange.journal.entries import TEXT_CHARS
from mockexchange.proxy.runner import ProxyServer
from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiAuth, KalshiSigner

ORDERS = "/trade-api/v2/portfolio/events/orders"
POSITIONS = "/trade-api/v2/portfolio/positions"
KALSHI_WS = "/trade-api/ws/v2"
MARKET = "KXREFUSED-26-T1"
DIAGNOSIS = "x-mockexchange-diagnosis"
SECRET = "planted-secret-0123456789"


@pytest.fixture(scope="module")
def mock() -> Iterator[MockServer]:
    with MockServer() as server:
        server.create_account("alice", balance_cents=100)  # $1: an order for $50 is refused
        server.create_market(MARKET, "KXREFUSED-26")
        server.create_deribit_account("dan", balances={"BTC": "1"})
        server.create_deribit_key("dan", client_id="DanKey", client_secret=SECRET)
        yield server


@pytest.fixture(scope="module")
def signer(mock: MockServer) -> KalshiSigner:
    key = mock.create_key("alice")
    return KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])


@pytest.fixture(scope="module")
def client(mock: MockServer, signer: KalshiSigner) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=mock.base_url, auth=KalshiAuth(signer), timeout=10) as c:
        yield c


def read(mock: MockServer | ProxyServer, **filters: object) -> list[dict]:
    r = plain_http.get(f"{mock.base_url}/_admin/requests", params=filters, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()["requests"]


def last_seq(mock: MockServer) -> int:
    return plain_http.get(f"{mock.base_url}/_admin/requests", params={"limit": 0}, timeout=10).json()["last_seq"]


def newest(mock: MockServer | ProxyServer, since: int) -> dict:
    """The newest entry after `since`, read again by its seq with its bodies (which the list leaves out)."""
    entry = read(mock, since=since)[-1]
    assert "request_body" not in entry and "response_body" not in entry, "the list is read without the bodies"
    [detail] = read(mock, seq=entry["seq"], bodies="true")
    assert {k: v for k, v in detail.items() if not k.endswith("_body")} == entry
    return detail


# -- Kalshi -----------------------------------------------------------------------------------------------------------


def test_a_refused_kalshi_order_says_kalshis_code_and_message_and_the_mocks_diagnosis(mock, client) -> None:
    since = last_seq(mock)
    order = {"ticker": MARKET, "side": "bid", "count": "100", "price": "0.50", "time_in_force": "good_till_canceled",
             "self_trade_prevention_type": "taker_at_cross"}  # fmt: skip
    r = client.post(ORDERS, json=order)
    assert r.status_code == 400 and r.json()["error"]["code"] == "insufficient_balance", r.text
    entry = newest(mock, since)
    assert (entry["operation"], entry["status"]) == ("CreateOrderV2", 400)
    assert entry["refusal"] == {"code": "insufficient_balance", "message": r.json()["error"]["message"]}
    assert entry["diagnosis"] == r.headers[DIAGNOSIS] and "insufficient balance: the order needs" in entry["diagnosis"]
    assert json.loads(entry["request_body"]) == order and json.loads(entry["response_body"]) == r.json()
    assert mock.requests(seq=entry["seq"], bodies=True) == [entry], "the Python API reads them too"


def test_kalshis_flat_400_has_its_message_and_no_code(mock, client) -> None:
    since = last_seq(mock)
    r = client.get(POSITIONS, params={"limit": "abc"})
    assert r.status_code == 400 and set(r.json()) == {"msg"}
    entry = newest(mock, since)
    assert entry["refusal"] == {"code": None, "message": r.json()["msg"]}
    assert entry["diagnosis"] == r.headers[DIAGNOSIS] and entry["request_body"] is None


def test_a_kalshi_401_has_its_code_and_the_auth_diagnosis_apart(mock, signer) -> None:
    since = last_seq(mock)
    headers = signer.headers("GET", POSITIONS) | {"KALSHI-ACCESS-TIMESTAMP": "1"}  # signed for another instant
    r = plain_http.get(mock.base_url + POSITIONS, headers=headers, timeout=10)
    assert r.status_code == 401
    entry = newest(mock, since)
    assert entry["refusal"] == {"code": r.json()["error"]["code"], "message": r.json()["error"]["message"]}
    assert entry["auth"] == r.headers["x-mockexchange-auth"] and entry["diagnosis"] is None


def test_a_kalshi_websocket_error_has_its_code_message_and_diagnosis(mock, signer) -> None:
    since = last_seq(mock)
    with connect(mock.kalshi_ws_url, additional_headers=signer.headers("GET", KALSHI_WS), open_timeout=HANG_S) as ws:
        ws.send('{"id": 1, "cmd": "subscribe", "params": {"channels": ["no_such_channel"]}}')
        frame = json.loads(ws.recv(timeout=HANG_S))
    assert frame["type"] == "error"
    entry = newest(mock, since)
    assert (entry["transport"], entry["operation"]) == ("ws", "subscribe")
    assert frame["msg"] == {"code": 8, "msg": "Unknown channel name"}
    assert entry["refusal"] == {"code": 8, "message": "Unknown channel name"}
    assert entry["diagnosis"] == frame["mockexchange_diagnosis"]
    answer = json.loads(entry["response_body"])  # the reply's envelope, as journaled before it was sent
    assert answer == {k: v for k, v in frame.items() if k != "sending_ts_ms"}


def test_a_refused_kalshi_upgrade_has_the_code_and_message_of_its_answer(mock, signer) -> None:
    since = last_seq(mock)
    headers = signer.headers("GET", "/trade-api/ws/v1")  # signed for another path
    with pytest.raises(InvalidStatus) as refused, connect(mock.kalshi_ws_url, additional_headers=headers):
        pass
    answer = json.loads(refused.value.response.body)
    entry = newest(mock, since)
    assert (entry["transport"], entry["status"]) == ("ws", 401)
    assert entry["refusal"] == {"code": answer["error"]["code"], "message": answer["error"]["message"]}
    assert json.loads(entry["response_body"]) == answer


def test_an_answered_request_has_no_refusal_and_its_bodies(mock, client) -> None:
    since = last_seq(mock)
    r = client.get(POSITIONS, params={"limit": 5})
    assert r.status_code == 200
    entry = newest(mock, since)
    assert entry["refusal"] is None and entry["diagnosis"] is None
    assert entry["request_body"] is None and json.loads(entry["response_body"]) == r.json()


# -- Deribit ----------------------------------------------------------------------------------------------------------


def dan() -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"DanKey:{SECRET}".encode()).decode()}


def test_a_refused_deribit_call_over_http_has_its_json_rpc_code_and_message(mock) -> None:
    since = last_seq(mock)
    body = {"jsonrpc": "2.0", "id": 9, "method": "private/buy",
            "params": {"instrument_name": "BTC-PERPETUAL", "amount": "lots", "type": "market"}}  # fmt: skip
    r = plain_http.post(mock.deribit_url + "/api/v2", json=body, headers=dan(), timeout=10)
    assert r.status_code == 400 and r.json()["error"]["code"] == -32602, r.text
    entry = newest(mock, since)
    assert (entry["venue"], entry["operation"]) == ("deribit", "private/buy")
    assert entry["refusal"] == {"code": -32602, "message": r.json()["error"]["message"]}
    assert entry["diagnosis"] == r.headers[DIAGNOSIS] == r.json()["error"]["mockexchange_diagnosis"]
    assert json.loads(entry["request_body"]) == body and json.loads(entry["response_body"]) == r.json()


def test_a_refused_deribit_message_over_the_websocket_has_its_code_message_and_reply(mock) -> None:
    since = last_seq(mock)
    with connect(mock.deribit_ws_url, open_timeout=HANG_S) as ws:
        ws.send('{"jsonrpc": "2.0", "id": 4, "method": "private/get_positions", "params": {"currency": "BTC"}}')
        reply = json.loads(ws.recv(timeout=HANG_S))
    assert reply["error"]["code"] == 13009  # no token on this connection
    entry = newest(mock, since)
    assert (entry["transport"], entry["operation"]) == ("ws", "private/get_positions")
    assert entry["refusal"] == {"code": 13009, "message": reply["error"]["message"]}
    assert entry["diagnosis"] == reply["error"]["mockexchange_diagnosis"]
    assert json.loads(entry["response_body"]) == reply


def signalplus(secret: str = SECRET) -> dict[str, str]:
    ts = str(int(time.time() * 1000))
    nonce = "n" + ts
    sig = base64.b64encode(hmac.new(secret.encode(), f"{ts}\n{nonce}\n".encode(), hashlib.sha256).digest()).decode()
    return {"Authorization": "Bearer DanKey", "Signalplus-API-Signature": sig, "Signalplus-API-Nonce": nonce,
            "Signalplus-API-Timestamp": ts}  # fmt: skip


def test_a_refusal_in_the_signalplus_dialect(mock) -> None:
    since = last_seq(mock)
    body = {"rid": 5, "method": "private/get_positions", "params": {}}
    r = plain_http.post(mock.base_url + "/api", json=body, headers=signalplus("wrong"), timeout=10)
    assert r.status_code == 401 and r.json()["error"]["code"] == 13009
    entry = newest(mock, since)
    assert entry["venue"] == "signalplus"
    assert entry["refusal"] == {"code": 13009, "message": r.json()["error"]["message"]}
    assert entry["diagnosis"] == r.headers[DIAGNOSIS]


# -- the proxy --------------------------------------------------------------------------------------------------------


def test_the_proxys_journal_says_the_refusal_the_upstream_answered(mock, signer) -> None:
    order = {"ticker": MARKET, "side": "bid", "count": "100", "price": "0.50", "time_in_force": "good_till_canceled",
             "self_trade_prevention_type": "taker_at_cross"}  # fmt: skip
    with (
        ProxyServer(mock.base_url + "/trade-api/v2", mock.base_url) as proxy,
        httpx.Client(base_url=proxy.kalshi_url, auth=KalshiAuth(signer), timeout=10) as client,
    ):
        r = client.post("/portfolio/events/orders", json=order)
        assert r.status_code == 400, r.text
        entry = newest(proxy, 0)
    assert entry["refusal"] == {"code": "insufficient_balance", "message": r.json()["error"]["message"]}
    assert entry["diagnosis"] == r.headers[DIAGNOSIS]
    assert json.loads(entry["request_body"]) == order and json.loads(entry["response_body"]) == r.json()


def test_the_proxys_journal_says_the_refusal_in_an_upstream_frame(mock) -> None:
    with ProxyServer(mock.base_url + "/trade-api/v2", mock.base_url) as proxy:
        with connect(proxy.base_url.replace("http", "ws", 1) + "/ws/api/v2", open_timeout=HANG_S) as ws:
            ws.send('{"jsonrpc": "2.0", "id": 4, "method": "public/get_nothing"}')
            reply = json.loads(ws.recv(timeout=HANG_S))
        frames = read(proxy, transport="ws", operation="public/get_nothing")
    client, upstream = sorted(frames, key=lambda frame: frame["direction"])
    assert client["refusal"] is None and upstream["direction"] == "upstream"
    assert upstream["refusal"] == {"code": -32601, "message": reply["error"]["message"]}
    assert upstream["diagnosis"] == reply["error"]["mockexchange_diagnosis"]


# -- what is kept of the bodies ---------------------------------------------------------------------------------------


def test_a_secret_in_a_body_or_an_answer_is_kept_redacted(mock) -> None:
    since = last_seq(mock)
    body = {"jsonrpc": "2.0", "id": 3, "method": "public/auth",
            "params": {"grant_type": "client_credentials", "client_id": "DanKey", "client_secret": SECRET}}  # fmt: skip
    r = plain_http.post(mock.deribit_url + "/api/v2", json=body, headers={"X-Note": "x"}, timeout=10)
    tokens = r.json()["result"]
    with connect(mock.deribit_ws_url, open_timeout=HANG_S) as ws:
        ws.send(json.dumps(body))
        over_ws = json.loads(ws.recv(timeout=HANG_S))["result"]
    entries = [read(mock, seq=e["seq"], bodies="true")[0] for e in read(mock, since=since, operation="public/auth")]
    assert len(entries) == 2
    kept = json.dumps(entries)
    for secret in (SECRET, tokens["access_token"], tokens["refresh_token"], over_ws["access_token"]):
        assert secret not in kept
    assert json.loads(entries[0]["request_body"])["params"]["client_secret"] == "[redacted]"
    for entry in entries:
        answer = json.loads(entry["response_body"])["result"]
        assert answer["access_token"] == answer["refresh_token"] == "[redacted]"


def test_a_private_key_in_an_answer_is_kept_redacted(mock, client) -> None:
    since = last_seq(mock)
    r = client.post("/trade-api/v2/api_keys/generate", json={"name": "bot"})
    assert r.status_code == 201, r.text
    entry = newest(mock, since)
    assert r.json()["private_key"] not in json.dumps(entry)
    assert json.loads(entry["response_body"]) == r.json() | {"private_key": "[redacted]"}


def test_a_long_body_is_cut_and_the_bodies_count_in_the_journals_bytes() -> None:
    """Ten refused orders whose bodies are near TEXT_CHARS each are some 40 KiB of bodies: a journal of 16 KiB keeps a
    few of them, where without the bodies counted every one of their entries would fit."""
    with MockServer(journal_max_bytes=16_384) as mock:
        mock.create_account("alice", balance_cents=100)
        key = mock.create_key("alice")
        signer = KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])
        long_id = "c" * (TEXT_CHARS + 500)
        with httpx.Client(base_url=mock.base_url, auth=KalshiAuth(signer), timeout=10) as client:
            for _ in range(10):
                assert client.post(ORDERS, json={"ticker": MARKET, "client_order_id": long_id}).status_code >= 400
        kept = read(mock, bodies="true")
    assert 1 <= len(kept) < 10, "the bodies count in journal_max_bytes"
    sent = kept[-1]["request_body"]
    assert len(sent) == TEXT_CHARS + 3 and sent.endswith("...") and sent.startswith('{"ticker"')


def test_a_state_file_keeps_the_refusal_and_the_bodies(tmp_path) -> None:
    path = str(tmp_path / "state.db")
    with MockServer(state=path, state_journal=True) as mock:
        call = {"jsonrpc": "2.0", "id": 1, "method": "private/get_positions", "params": {"currency": "BTC"}}
        r = plain_http.post(mock.deribit_url + "/api/v2", json=call, timeout=10)
        assert r.status_code == 401, r.text
        before = read(mock, bodies="true")
    with MockServer(state=path, state_journal=True) as again:
        assert read(again, bodies="true") == before
    assert before[0]["refusal"] == {"code": r.json()["error"]["code"], "message": r.json()["error"]["message"]}
    assert json.loads(before[0]["request_body"]) == call and json.loads(before[0]["response_body"]) == r.json()
