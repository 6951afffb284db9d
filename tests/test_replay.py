"""`serve --replay FILE` (mockexchange/replay/, docs/replay.md): a tape's recorded answers over real HTTP and
websocket, matched without signatures, timestamps, JSON-RPC ids and client-made ids; repeats in recorded order, the last
repeating; a request not on the tape a 404 in the venue's shape naming the nearest recorded one."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import plain_http
import pytest
from serve_process import run_serve, serving
from waits import HANG_S
from websockets.sync.client import connect

from mockexchange import MockServer
from mockexchange.recording.records import TapeError, encode_body
from mockexchange.recording.writer import TapeWriter
from mockexchange.registry import TAPE_VENUES, VENUES, proxied
from mockexchange.replay.player import MAX_BODY_BYTES
from mockexchange.replay.reel import MAX_TAPE_BYTES, load

AT = "2026-11-24T10:00:00.000Z"
KALSHI = "https://demo-api.kalshi.co/trade-api/v2"


def _request(method: str, path: str, query: str = "", body: Any = None, **headers: str) -> dict[str, Any]:
    raw = b"" if body is None else json.dumps(body).encode()
    return {"method": method, "path": path, "query": query, "headers": headers, "body": encode_body(raw)}


def _response(status: int, body: Any, **headers: str) -> dict[str, Any]:
    return {"status": status, "headers": {"content-type": "application/json", **headers},
            "body": encode_body(json.dumps(body).encode())}  # fmt: skip


def _tape(path: Path) -> Path:
    writer = TapeWriter(path, {"kalshi": KALSHI, "deribit": "https://test.deribit.com"}, TAPE_VENUES)

    def http(request: dict[str, Any], response: dict[str, Any], venue: str = "kalshi") -> None:
        writer.write("http", venue, AT, request=request, response=response, elapsed_ms=3.0)

    signed = {"KALSHI-ACCESS-KEY": "k", "KALSHI-ACCESS-SIGNATURE": "[redacted]", "KALSHI-ACCESS-TIMESTAMP": "1"}
    # Relative to the upstream's base, as well as whole: both replay under /trade-api/v2.
    http(_request("GET", "/portfolio/balance", **signed), _response(200, {"balance": 100}, connection="keep-alive"))
    http(_request("GET", "/trade-api/v2/portfolio/balance"), _response(200, {"balance": 90}))
    http(_request("GET", "/trade-api/v2/portfolio/positions", "limit=100&count_filter=position"),
         _response(200, {"market_positions": [], "cursor": ""}))  # fmt: skip
    order = {"ticker": "KXFED-26DEC-T4.00", "side": "yes", "action": "buy", "count": 1, "yes_price": 40,
             "client_order_id": "recorded-uuid"}  # fmt: skip
    http(_request("POST", "/trade-api/v2/portfolio/orders", body=order), _response(201, {"order": {"order_id": "o1"}}))
    rpc = {"jsonrpc": "2.0", "id": 41, "method": "private/get_positions", "params": {"currency": "BTC"}}
    reply = {"jsonrpc": "2.0", "id": 41, "result": [{"size": 10.0}], "usIn": 1, "usOut": 2, "usDiff": 1,
             "testnet": True}  # fmt: skip
    http(_request("POST", "/api/v2/private/get_positions", body=rpc), _response(200, reply), venue="deribit")
    writer.write("ws_open", "kalshi", AT, connection=1, request=_request("GET", "/trade-api/ws/v2"))
    frames = [
        ("client", {"id": 1, "cmd": "subscribe", "params": {"channels": ["fill"]}}),
        ("upstream", {"id": 1, "type": "subscribed", "msg": {"channel": "fill", "sid": 1}}),
        ("upstream", {"type": "fill", "sid": 1, "seq": 1, "msg": {"trade_id": "t1"}}),
        ("client", {"id": 2, "cmd": "list_subscriptions"}),
        ("upstream", {"id": 2, "type": "ok", "msg": [{"channel": "fill", "sid": 1}]}),
    ]
    for n, (direction, data) in enumerate(frames):
        writer.write("ws_frame", "kalshi", AT, connection=1, direction=direction, offset_ms=float(n * 100),
                     data=encode_body(json.dumps(data).encode()))  # fmt: skip
    writer.write("ws_close", "kalshi", AT, connection=1, code=1000)
    writer.close()
    return path


@pytest.fixture
def mock(tmp_path: Path) -> Iterator[MockServer]:
    with MockServer(replay=str(_tape(tmp_path / "t.tape"))) as server:
        yield server


def test_a_recorded_request_gets_its_answers_in_order_the_last_repeating(mock: MockServer) -> None:
    url = f"{mock.kalshi_url}/portfolio/balance"
    signed = {"KALSHI-ACCESS-KEY": "other", "KALSHI-ACCESS-SIGNATURE": "x", "KALSHI-ACCESS-TIMESTAMP": "999"}
    answers = [plain_http.get(url, headers=signed) for _ in range(3)]
    assert [a.json() for a in answers] == [{"balance": 100}, {"balance": 90}, {"balance": 90}]
    said = [a.headers["x-mockexchange-replayed"] for a in answers]
    assert said == ["record 1, answer 1 of 2", "record 2, answer 2 of 2", "record 2, answer 2 of 2"]
    assert answers[0].headers["content-type"] == "application/json"
    assert "keep-alive" not in answers[0].headers.get("connection", "")


def test_a_reset_replays_the_tape_from_its_first_answer(mock: MockServer) -> None:
    url = f"{mock.kalshi_url}/portfolio/balance"
    assert [plain_http.get(url).json() for _ in range(2)] == [{"balance": 100}, {"balance": 90}]
    assert plain_http.post(mock.base_url + "/_admin/reset", json={}).json() == {"ok": True}
    assert [plain_http.get(url).json() for _ in range(3)] == [{"balance": 100}, {"balance": 90}, {"balance": 90}]


def test_the_query_matches_in_any_order_and_a_client_order_id_is_ignored(mock: MockServer) -> None:
    got = plain_http.get(f"{mock.kalshi_url}/portfolio/positions?count_filter=position&limit=100")
    assert got.status_code == 200 and got.json() == {"market_positions": [], "cursor": ""}
    order = {"ticker": "KXFED-26DEC-T4.00", "side": "yes", "action": "buy", "count": 1, "yes_price": 40,
             "client_order_id": "a-fresh-uuid"}  # fmt: skip
    placed = plain_http.post(f"{mock.kalshi_url}/portfolio/orders", json=order)
    assert placed.status_code == 201 and placed.json() == {"order": {"order_id": "o1"}}


def test_a_json_rpc_reply_carries_the_live_requests_id(mock: MockServer) -> None:
    rpc = {"jsonrpc": "2.0", "id": 7, "method": "private/get_positions", "params": {"currency": "BTC"}}
    got = plain_http.post(
        f"{mock.base_url}/api/v2/private/get_positions", json=rpc, headers={"Authorization": "Bearer z"}
    )
    assert got.status_code == 200 and got.json()["id"] == 7 and got.json()["result"] == [{"size": 10.0}]


def test_a_request_not_on_the_tape_is_a_kalshi_404_naming_the_nearest(mock: MockServer) -> None:
    got = plain_http.get(f"{mock.kalshi_url}/portfolio/positions?limit=5&count_filter=position")
    assert got.status_code == 404
    assert got.json() == {"error": {"code": "not_found", "message": "not found"}}
    said = got.headers["x-mockexchange-diagnosis"]
    assert "nearest: GET /trade-api/v2/portfolio/positions?count_filter=position&limit=100" in said
    assert "query limit: 5, recorded 100" in said


def test_a_deribit_request_not_on_the_tape_is_a_json_rpc_not_found(mock: MockServer) -> None:
    rpc = {"jsonrpc": "2.0", "id": 8, "method": "private/get_positions", "params": {"currency": "ETH"}}
    got = plain_http.post(f"{mock.base_url}/api/v2/private/get_positions", json=rpc)
    assert got.status_code == 404
    body = got.json()
    assert body["id"] == 8 and body["error"]["code"] == 13020 and body["error"]["message"] == "not_found"
    assert 'body.params.currency: "ETH", recorded "BTC"' in body["error"]["data"]["reason"]


def test_the_mocks_own_admin_api_still_answers(mock: MockServer) -> None:
    assert plain_http.get(f"{mock.base_url}/_admin/health").status_code == 200


def test_a_websocket_gets_the_recorded_frames_as_its_commands_arrive(mock: MockServer) -> None:
    with connect(mock.kalshi_ws_url, open_timeout=HANG_S) as ws:
        ws.send(json.dumps({"id": 5, "cmd": "subscribe", "params": {"channels": ["fill"]}}))
        assert json.loads(ws.recv(timeout=HANG_S)) == {
            "id": 5,
            "type": "subscribed",
            "msg": {"channel": "fill", "sid": 1},
        }
        assert json.loads(ws.recv(timeout=HANG_S))["type"] == "fill"
        ws.send(json.dumps({"id": 6, "cmd": "list_subscriptions"}))
        assert json.loads(ws.recv(timeout=HANG_S))["id"] == 6
        ws.send(json.dumps({"id": 7, "cmd": "unsubscribe", "params": {"sids": [1]}}))
        error = json.loads(ws.recv(timeout=HANG_S))
        assert error["id"] == 7 and error["type"] == "error"
        assert "nearest: record" in error["msg"]["mockexchange_diagnosis"]


def test_a_websocket_path_not_on_the_tape_is_refused(mock: MockServer) -> None:
    with pytest.raises(Exception, match="404"), connect(mock.deribit_ws_url, open_timeout=HANG_S):
        pass


def test_without_a_404_before_the_upgrade_the_refusal_is_a_close_whose_reason_fits_its_frame(mock: MockServer) -> None:
    """Under a server that cannot answer an upgrade with a 404 (no `websocket.http.response` extension), the refusal
    is a 1008 close, its reason cut to what a close frame holds however long the path the client asked."""
    path = "/ws/" + "\u20ac" * 200
    scope = {"type": "websocket", "path": path, "raw_path": path.encode(), "query_string": b"", "headers": [],
             "scheme": "ws", "server": ("127.0.0.1", 80), "client": ("127.0.0.1", 1), "subprotocols": []}  # fmt: skip
    sent: list[dict[str, Any]] = []
    incoming = [{"type": "websocket.connect"}]

    async def receive() -> dict[str, Any]:
        return incoming.pop(0) if incoming else {"type": "websocket.disconnect", "code": 1000}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(mock.app.asgi(scope, receive, send))
    [close] = [message for message in sent if message["type"] == "websocket.close"]
    assert close["code"] == 1008 and close["reason"].startswith("no websocket on /ws/\u20ac")
    assert len(close["reason"].encode()) <= 123


def test_a_malformed_tape_is_refused_naming_its_line(tmp_path: Path) -> None:
    path = _tape(tmp_path / "t.tape")
    path.write_text(path.read_text() + "{not json\n")
    with pytest.raises(TapeError, match="line 14: not JSON"):
        MockServer(replay=str(path))


def test_a_tape_over_the_bound_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = _tape(tmp_path / "t.tape")
    with pytest.raises(TapeError, match="at most 100"):
        load(path, proxied(VENUES), limit=100)
    with pytest.raises(TapeError, match="not a regular file"):
        load(tmp_path, proxied(VENUES))


# -- the command line: `serve --replay TAPE` -------------------------------------------------------------------------


@pytest.mark.slow
def test_serve_replay_answers_from_the_tape_and_says_so(tmp_path: Path) -> None:
    tape = _tape(tmp_path / "t.tape")
    with serving(tmp_path / "keys", "--replay", str(tape)) as served:
        url, socket = served.base_url, served.base_url.replace("http://", "ws://")
        banner = served.banner.split("mockexchange: ready")[0]
        assert banner.startswith(f"mockexchange: replaying {tape} (recorded from {KALSHI}, https://test.deribit.com)\n")
        assert (
            f"  Kalshi API {url}/trade-api/v2 (websocket {socket}/trade-api/ws/v2): 4 HTTP exchanges of 3 requests, "
            "1 websocket\n" in banner
        )
        assert (
            f"  Deribit API {url}/api/v2 (websocket {socket}/ws/api/v2): 1 HTTP exchange of 1 request, 0 websockets"
            in (banner)
        )
        assert "  beneath the replay, the demo portfolio (seed 7), seen over the admin API only" in banner
        # The demo beneath answers no client: neither its keys nor a snippet that calls it are shown.
        assert "client secret" not in banner and "key id" not in banner and "import httpx" not in banner, banner
        assert plain_http.get(f"{served.base_url}/trade-api/v2/portfolio/balance").json() == {"balance": 100}


def test_serve_refuses_a_malformed_tape_in_one_line(tmp_path: Path) -> None:
    tape = tmp_path / "bad.tape"
    tape.write_text('{"tape": "mockexchange", "version": 1}\n{"seq": 1}\n')
    done = run_serve(tmp_path / "keys", "--replay", str(tape))
    assert done.returncode == 2 and done.stdout == "" and "Traceback" not in done.stderr
    assert (
        done.stderr.startswith("mockexchange: the tape cannot be replayed: line 2: ") and done.stderr.count("\n") == 1
    )


# -- hostile ---------------------------------------------------------------------------------------------------------


def test_a_tape_over_the_default_bound_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "huge.tape"
    with path.open("wb") as huge:  # sparse: no disk, and nothing of it is read
        huge.truncate(MAX_TAPE_BYTES + 1)
    with pytest.raises(TapeError, match=f"at most {MAX_TAPE_BYTES:,}"):
        MockServer(replay=str(path))


@pytest.mark.parametrize(("path", "code"), [("/trade-api/v2/portfolio/orders", None), ("/api/v2/private/buy", -32600)])
def test_an_oversized_body_is_refused_in_the_venues_shape(mock: MockServer, path: str, code: int | None) -> None:
    got = plain_http.post(f"{mock.base_url}{path}", content=b"x" * (MAX_BODY_BYTES + 1))
    if code is None:  # Kalshi's own answer to a body over its bound
        assert got.status_code == 400 and got.json()["details"] == "http: request body too large"
    else:
        assert got.status_code == 413 and got.json()["error"]["code"] == code


def test_frames_that_are_no_command_get_an_error_frame_and_the_connection_lives(mock: MockServer) -> None:
    with connect(mock.kalshi_ws_url, open_timeout=HANG_S) as ws:
        for junk in (b"\xff\x00", "not json", json.dumps([1, 2])):
            ws.send(junk)
            assert json.loads(ws.recv(timeout=HANG_S))["type"] == "error"
        ws.send(json.dumps({"id": 1, "cmd": "subscribe", "params": {"channels": ["fill"]}}))
        assert json.loads(ws.recv(timeout=HANG_S))["type"] == "subscribed"


def test_deribit_websockets_replay_connection_by_connection_with_the_live_ids(tmp_path: Path) -> None:
    writer = TapeWriter(tmp_path / "d.tape", {"deribit": "https://test.deribit.com"}, TAPE_VENUES)
    subscribe = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "public/subscribe",
        "params": {"channels": ["ticker.BTC-PERPETUAL.100ms"]},
    }
    for connection, price in ((1, 60000), (2, 61000)):
        writer.write("ws_open", "deribit", AT, connection=connection, request=_request("GET", "/ws/api/v2"))
        frames = [
            ("client", subscribe),
            ("upstream", {"jsonrpc": "2.0", "id": 1, "result": ["ticker.BTC-PERPETUAL.100ms"]}),
            ("upstream", {"jsonrpc": "2.0", "method": "subscription", "params": {"data": {"last_price": price}}}),
        ]
        for direction, data in frames:
            writer.write("ws_frame", "deribit", AT, connection=connection, direction=direction, offset_ms=5.0,
                         data=encode_body(json.dumps(data).encode()))  # fmt: skip
    writer.close()
    with MockServer(replay=str(tmp_path / "d.tape")) as mock:
        for price in (60000, 61000, 61000):  # the first connection, the second, the second again
            with connect(mock.deribit_ws_url, open_timeout=HANG_S) as ws:
                ws.send(json.dumps({**subscribe, "id": 77}))
                assert json.loads(ws.recv(timeout=HANG_S))["id"] == 77
                assert json.loads(ws.recv(timeout=HANG_S))["params"]["data"]["last_price"] == price
                ws.send(json.dumps({**subscribe, "id": 78}))  # matched again: its frames again, with this id
                assert json.loads(ws.recv(timeout=HANG_S))["id"] == 78
                assert json.loads(ws.recv(timeout=HANG_S))["params"]["data"]["last_price"] == price
        got = plain_http.get(f"{mock.base_url}/api/v2/public/get_time?id=5")
        assert (
            got.status_code == 404
            and got.json()["id"] == 5
            and "holds no HTTP exchange" in got.json()["error"]["data"]["reason"]
        )


def test_what_replays_is_journaled_and_fault_rules_apply_to_it(mock: MockServer) -> None:
    plain_http.get(f"{mock.kalshi_url}/portfolio/balance")
    plain_http.get(f"{mock.kalshi_url}/portfolio/nothing")
    entries = plain_http.get(f"{mock.base_url}/_admin/requests").json()["requests"]
    assert [(e["path"], e["status"]) for e in entries][-2:] == [
        ("/trade-api/v2/portfolio/balance", 200),
        ("/trade-api/v2/portfolio/nothing", 404),
    ]
    mock.add_fault(path="/trade-api/v2/portfolio/balance", status=503, times=1)
    assert plain_http.get(f"{mock.kalshi_url}/portfolio/balance").status_code == 503
    assert plain_http.get(f"{mock.kalshi_url}/portfolio/balance").json() == {"balance": 90}
