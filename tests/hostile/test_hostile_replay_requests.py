"""Hostile live requests to `serve --replay`: a body or websocket frame nested thousands of levels deep (within the 64
KiB a replay reads), and JSON-RPC text that holds NaN, which Python's JSON reader takes. A live body is read as the
proxy read the recorded ones (tape.encode_body: within bounded_json's depth, no NaN), so such a request is one the
tape does not hold: a 404 or an error frame in the venue's shape, where it was a 500 with a traceback, a dropped
websocket, or a reply that echoed `"id": NaN` (no JSON)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import orjson
import pytest
from hostile_sockets import connect, read_response, request_head
from hostile_wire import KALSHI_WS
from websockets.sync.client import connect as ws_connect

from mockexchange import MockServer
from mockexchange.recording.records import encode_body
from mockexchange.recording.writer import TapeWriter
from mockexchange.registry import TAPE_VENUES

AT = "2026-11-24T10:00:00.000Z"
RPC = {"jsonrpc": "2.0", "id": 7, "method": "public/test", "params": {}}
DEEP = "[" * 5_000 + "]" * 5_000


def _message(path: str, body: object, **fields: object) -> dict[str, object]:
    return {"headers": {}, "body": encode_body(json.dumps(body).encode()), "path": path, **fields}


@pytest.fixture(scope="module")
def mock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockServer]:
    path = tmp_path_factory.mktemp("replay") / "t.tape"
    writer = TapeWriter(
        path, {"kalshi": "https://demo-api.kalshi.co/trade-api/v2", "deribit": "https://x.test"}, TAPE_VENUES
    )
    reply = {"status": 200, "headers": {}, "body": encode_body(b'{"jsonrpc":"2.0","id":7,"result":{}}')}
    request = _message("/api/v2/public/test", RPC, method="POST", query="")
    writer.write("http", "deribit", AT, request=request, response=reply, elapsed_ms=1.0)
    writer.write("ws_open", "kalshi", AT, connection=1, request=_message(KALSHI_WS, None, method="GET", query=""))
    for direction, data in (("client", {"id": 1, "cmd": "list_subscriptions"}), ("upstream", {"id": 1, "type": "ok"})):
        frame = encode_body(json.dumps(data).encode())
        writer.write("ws_frame", "kalshi", AT, connection=1, direction=direction, offset_ms=1.0, data=frame)
    writer.close()
    with MockServer(replay=str(path)) as server:
        yield server


def post(mock: MockServer, path: str, body: bytes) -> tuple[int, dict]:
    head = request_head("POST", path, {"Content-Length": str(len(body)), "Connection": "close"})
    with connect(mock, head + body) as sock:
        answer = read_response(sock, 10)
    return answer.status, orjson.loads(answer.body)  # (orjson: NaN is no JSON)


def test_a_body_nested_deep_is_not_on_the_tape_in_each_venues_shape(mock: MockServer) -> None:
    status, body = post(mock, "/trade-api/v2/portfolio/orders", DEEP.encode())
    assert (status, body["error"]["code"]) == (404, "not_found"), body
    status, body = post(mock, "/api/v2/public/test", f'{{"jsonrpc":"2.0","id":{DEEP},"method":"public/test"}}'.encode())
    assert (status, body["error"]["code"]) == (404, 13020), body


def test_a_json_rpc_call_holding_nan_is_not_on_the_tape_and_the_reply_is_json(mock: MockServer) -> None:
    ok = {"jsonrpc": "2.0", "id": 8, "result": {}}
    assert post(mock, "/api/v2/public/test", json.dumps({**RPC, "id": 8}).encode()) == (
        200,
        ok,
    )  # the id is the live one
    status, body = post(mock, "/api/v2/public/test", b'{"jsonrpc":"2.0","id":NaN,"method":"public/test","params":{}}')
    assert (status, body.get("id"), body["error"]["code"]) == (404, None, 13020), body


def test_a_frame_nested_deep_is_answered_with_an_error_frame_and_the_connection_goes_on(mock: MockServer) -> None:
    with ws_connect(mock.kalshi_ws_url, max_size=None) as ws:
        ws.send(DEEP)
        assert json.loads(ws.recv(timeout=10))["type"] == "error"
        ws.send(json.dumps({"id": 2, "cmd": "list_subscriptions"}))
        assert json.loads(ws.recv(timeout=10)) == {"id": 2, "type": "ok"}
