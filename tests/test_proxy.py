"""`mockexchange proxy` over real HTTP and websockets, with the mock itself as the upstream (a signed client through
the proxy gets what it gets directly) and small broken upstreams: forwarding unchanged, the 502s, judging by field,
"not judged", websocket frames both ways, the tape, and no secret in the journal or the tape."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import plain_http
import pytest
import websockets
from held_port import held_port
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from mockexchange.cli import main
from mockexchange.proxy.runner import ProxyServer
from mockexchange.recording.reader import read_tape
from mockexchange.registry import TAPE_VENUES
from mockexchange.server import MockServer
from mockexchange.server.addresses import http_url, listening_socket
from mockexchange.testing.signing import KalshiAuth, KalshiSigner

POSITIONS = "/trade-api/v2/portfolio/positions"
WS_PATH = "/trade-api/ws/v2"


@pytest.fixture(scope="module")
def mock() -> Iterator[MockServer]:
    with MockServer() as server:
        server.create_account("alice", balance_cents=100_000)
        server.fill("alice", "KXFED-26DEC-T4.00", "yes", "buy", "10", "0.56")
        server.create_deribit_account("bob", balances={"BTC": "2"})
        yield server


@pytest.fixture
def tape(tmp_path: Path) -> Path:
    return tmp_path / "session.tape"


@pytest.fixture
def proxy(mock: MockServer, tape: Path) -> Iterator[ProxyServer]:
    with ProxyServer(mock.base_url + "/trade-api/v2", mock.base_url, record=str(tape)) as server:
        yield server


def signer(mock: MockServer) -> KalshiSigner:
    key = mock.create_key("alice")
    return KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])


def stored(proxy: ProxyServer, tape: Path) -> bytes:
    """Everything the proxy keeps: its journal (as the admin API lists it) and its tape."""
    listed = plain_http.get(proxy.base_url + "/_admin/requests").content
    return listed + tape.read_bytes()


# -- forwarding --------------------------------------------------------------------------------------------------------


def test_a_signed_kalshi_client_gets_through_the_proxy_what_it_gets_directly(mock, proxy, tape) -> None:
    auth = KalshiAuth(signer(mock))
    query = {"limit": "5", "settlement_status": "all"}
    with (
        httpx.Client(base_url=mock.kalshi_url, auth=auth) as direct,
        httpx.Client(base_url=proxy.kalshi_url, auth=auth) as through,
    ):
        for path in ("/portfolio/positions", "/portfolio/balance"):
            want, got = (
                direct.get(path, params=query if "positions" in path else None),
                through.get(path, params=query if "positions" in path else None),
            )
            assert (got.status_code, got.content) == (want.status_code, want.content)
            assert got.headers["content-type"] == want.headers["content-type"]
    entries = proxy.requests()
    assert [(e["operation"], e["status"], e["problems"]) for e in entries] == [
        ("GetPositions", 200, []),
        ("GetBalance", 200, []),
    ]
    assert entries[0]["query"] == [["limit", "5"], ["settlement_status", "all"]]
    assert "not_judged" not in entries[0]
    records = read_tape(tape, TAPE_VENUES).records
    assert [(r.kind, r.venue, r.request["path"], r.response["status"]) for r in records] == [
        ("http", "kalshi", POSITIONS, 200),
        ("http", "kalshi", "/trade-api/v2/portfolio/balance", 200),
    ]
    assert records[0].request["query"] == "limit=5&settlement_status=all"
    assert records[0].request["headers"]["host"] == mock.base_url.removeprefix("http://")
    assert records[0].response["body"]["json"]["market_positions"][0]["position_fp"] == "10.00"


def test_a_deribit_json_rpc_call_passes_whole_and_its_reply_is_judged(mock, proxy, tape) -> None:
    body = {"jsonrpc": "2.0", "id": 7, "method": "public/get_time", "params": {}}
    direct = plain_http.post(mock.base_url + "/api/v2", json=body)
    through = plain_http.post(proxy.base_url + "/api/v2", json=body)
    assert through.status_code == direct.status_code == 200
    assert through.json()["id"] == 7 and isinstance(through.json()["result"], int)
    (entry,) = proxy.requests(venue="deribit")
    assert (entry["operation"], entry["problems"]) == ("public/get_time", [])
    (held,) = proxy.app.journal.entries(venue="deribit")
    assert held.describe() == "POST /api/v2 public/get_time -> 200"  # the method the POST's body hid, named
    (record,) = read_tape(tape, TAPE_VENUES).records
    assert record.request["body"] == {"json": body}


def test_the_request_reaches_the_upstream_as_sent_and_its_answer_comes_back_as_sent(tape) -> None:
    seen: dict[str, Any] = {}

    async def echo(request: Request) -> Response:
        seen.update(
            target=request.scope["raw_path"] + b"?" + request.scope["query_string"],
            headers=request.headers.raw,
            body=await request.body(),
        )
        headers = {"x-upstream": "yes", "keep-alive": "timeout=5", "server": "upstream/1", "date": "Mon, 1 Jan 2024"}
        return Response(b'{"ok":true}', 418, headers, media_type="application/json")

    upstream = Starlette(routes=[Route("/{path:path}", echo, methods=["GET", "POST", "PUT", "DELETE"])])
    with serving(upstream) as base, ProxyServer(base + "/trade-api/v2", record=str(tape)) as proxy:
        body = b'{ "a" :1,\n"b": [ 2 ] }'
        answer = plain_http.put(
            proxy.base_url + "/trade-api/v2/a%2Fb/c%20d?x=1%2B2&y=a+b&y=2",
            content=body,
            headers={"KALSHI-ACCESS-KEY": "k1", "X-Custom": "one", "Connection": "keep-alive, X-Custom"},
        )
        (entry,) = proxy.requests()
    assert seen["target"] == b"/trade-api/v2/a%2Fb/c%20d?x=1%2B2&y=a+b&y=2"
    assert seen["body"] == body
    sent = dict(seen["headers"])
    assert sent[b"host"] == base.removeprefix("http://").encode()
    assert sent[b"kalshi-access-key"] == b"k1"
    assert b"x-custom" not in sent, "a header the Connection header names is hop-by-hop"
    assert (answer.status_code, answer.content) == (418, b'{"ok":true}')
    assert answer.headers["x-upstream"] == "yes" and "keep-alive" not in answer.headers
    assert answer.headers.get_list("server") == ["upstream/1"] and answer.headers.get_list("date") == [
        "Mon, 1 Jan 2024"
    ]
    assert entry["not_judged"].startswith("Kalshi's OpenAPI 3.34.0: PUT /trade-api/v2/a/b/c d: no operation")


# -- the 502s ----------------------------------------------------------------------------------------------------------


def test_an_unreachable_upstream_is_a_502_in_each_venues_shape(tape) -> None:
    with held_port() as port:
        down = http_url("127.0.0.1", port)
        with ProxyServer(down + "/trade-api/v2", down, record=str(tape)) as proxy:
            kalshi = plain_http.get(proxy.base_url + POSITIONS)
            deribit = plain_http.post(
                proxy.base_url + "/api/v2", json={"jsonrpc": "2.0", "id": 42, "method": "public/test"}
            )
            entries = proxy.requests()
    assert kalshi.status_code == 502
    error = kalshi.json()["error"]
    assert (error["code"], error["message"]) == ("bad_gateway", "bad gateway")
    assert f"cannot reach {down}" in error["details"]
    assert deribit.status_code == 502
    reply = deribit.json()
    assert reply["id"] == 42 and reply["error"]["code"] == 10001
    assert f"cannot reach {down}" in reply["error"]["data"]["reason"]
    assert {"usIn", "usOut", "usDiff", "testnet"} <= set(reply)
    assert [e["status"] for e in entries] == [502, 502]
    assert all("none from the upstream" in e["not_judged"] for e in entries)
    assert read_tape(tape, TAPE_VENUES).records == (), "the upstream said nothing: nothing is recorded"


def test_an_upstream_that_fails_mid_answer_is_a_502() -> None:
    async def broken(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"100")]})
        await send({"type": "http.response.body", "body": b'{"par'})  # then the connection ends

    with serving(broken) as base, ProxyServer(base) as proxy:
        answer = plain_http.get(proxy.base_url + "/trade-api/v2/portfolio/balance")
    assert answer.status_code == 502
    assert "failed" in answer.json()["error"]["details"]


# -- judging by field --------------------------------------------------------------------------------------------------


def test_a_broken_upstream_is_flagged_by_field_and_an_unknown_operation_is_not_judged() -> None:
    def balance(request: Request) -> JSONResponse:
        return JSONResponse({"balance": "lots", "portfolio_value": 5, "updated_ts": 1})

    def positions(request: Request) -> JSONResponse:
        row = {"ticker": "T", "position_fp": 10, "market_exposure_dollars": "1.00"}
        return JSONResponse({"market_positions": [row], "event_positions": [], "cursor": ""})

    def anything(request: Request) -> JSONResponse:
        return JSONResponse({"fine": True})

    upstream = Starlette(
        routes=[
            Route("/trade-api/v2/portfolio/balance", balance),
            Route("/trade-api/v2/portfolio/positions", positions),
            Route("/trade-api/v2/{rest:path}", anything),
        ]
    )
    with serving(upstream) as base, ProxyServer(base + "/trade-api/v2") as proxy:
        for path in ("/portfolio/balance", "/portfolio/positions?limit=0", "/no/such/operation"):
            assert plain_http.get(proxy.kalshi_url + path).status_code == 200
        listed = plain_http.get(proxy.base_url + "/_admin/requests").json()["requests"]
        valid = proxy.requests(invalid=False)
        invalid = proxy.requests(invalid=True)
    balance_entry, positions_entry, unknown = listed
    assert ("reply.schema", "balance") in {(p["rule"], p.get("field")) for p in balance_entry["problems"]}
    fields = {(p["rule"], p.get("field")) for p in positions_entry["problems"]}
    assert ("reply.schema", "market_positions[0].position_fp") in fields
    assert any(p["rule"].startswith("parameter.") and "limit" in p["detail"] for p in positions_entry["problems"])
    assert unknown["problems"] == [] and "no operation of the schema has this path" in unknown["not_judged"]
    assert valid == [], "not judged is never passed"
    assert [e["seq"] for e in invalid] == [balance_entry["seq"], positions_entry["seq"]]


# -- websockets --------------------------------------------------------------------------------------------------------


def test_kalshi_websocket_frames_pass_both_ways_judged_and_recorded(mock, proxy, tape) -> None:
    sign = signer(mock)

    async def session() -> list[dict[str, Any]]:
        url = proxy.kalshi_ws_url
        async with websockets.connect(url, additional_headers=sign.headers("GET", WS_PATH), open_timeout=10) as ws:
            await ws.send(json.dumps({"id": 1, "cmd": "subscribe", "params": {"channels": ["market_positions"]}}))
            frames = [json.loads(await asyncio.wait_for(ws.recv(), 10))]
            await asyncio.to_thread(mock.fill, "alice", "KXFED-26DEC-T4.00", "yes", "buy", "1", "0.50")
            frames.append(json.loads(await asyncio.wait_for(ws.recv(), 10)))
            return frames

    frames = asyncio.run(session())
    assert [f["type"] for f in frames] == ["subscribed", "market_position"]
    ws_entries = proxy.requests(transport="ws")
    upgrade, *messages = ws_entries
    assert (upgrade["status"], upgrade["method"]) == (101, "GET")
    assert [(m["direction"], m["operation"]) for m in messages] == [
        ("client", "subscribe"),
        ("upstream", "subscribed"),
        ("upstream", "market_position"),
    ]
    assert all(m["problems"] == [] and "not_judged" not in m for m in messages)
    records = until_closed(tape)
    assert [(r.kind, r.direction) for r in records] == [
        ("ws_open", None),
        ("ws_frame", "client"),
        ("ws_frame", "upstream"),
        ("ws_frame", "upstream"),
        ("ws_close", None),
    ]
    offsets = [r.offset_ms for r in records[1:]]
    assert offsets == sorted(offsets) and all(o is not None and o >= 0 for o in offsets)
    assert records[3].data["json"]["msg"]["position_fp"] == "11.00"


def test_an_upgrade_the_upstream_refuses_is_answered_with_its_refusal(mock, proxy) -> None:
    async def unsigned() -> int:
        try:
            async with websockets.connect(proxy.kalshi_ws_url, open_timeout=10):
                return 101
        except websockets.InvalidStatus as refused:
            return refused.response.status_code

    assert asyncio.run(unsigned()) == 401
    (entry,) = proxy.requests(transport="ws")
    assert entry["status"] == 401 and "refused" in entry["not_judged"]


def test_deribit_websocket_calls_are_judged_with_their_replies(mock, proxy) -> None:
    async def session() -> dict[str, Any]:
        async with websockets.connect(proxy.deribit_ws_url, open_timeout=10) as ws:
            await ws.send(json.dumps({"jsonrpc": "2.0", "id": 3, "method": "public/get_time", "params": {}}))
            return json.loads(await asyncio.wait_for(ws.recv(), 10))

    assert asyncio.run(session())["id"] == 3
    messages = [e for e in proxy.requests(transport="ws") if e.get("direction")]
    assert [(m["direction"], m["operation"], m["problems"]) for m in messages] == [
        ("client", "public/get_time", []),
        ("upstream", "public/get_time", []),
    ]


def test_deribit_public_channel_notifications_are_judged_by_their_channel(mock, proxy) -> None:
    """A public channel's notification is judged by the slice's schema of its channel, named by its template (before
    the slice had it, none described it)."""
    mock.set_index_price("btc_usd", "50000")  # what deribit_price_index.btc_usd tells at once
    channels = ["deribit_price_index.btc_usd"]
    subscribe = {"jsonrpc": "2.0", "id": 4, "method": "public/subscribe", "params": {"channels": channels}}

    async def session() -> dict[str, Any]:
        async with websockets.connect(proxy.deribit_ws_url, open_timeout=10) as ws:
            await ws.send(json.dumps(subscribe))
            assert json.loads(await asyncio.wait_for(ws.recv(), 10))["result"] == channels
            return json.loads(await asyncio.wait_for(ws.recv(), 10))

    assert asyncio.run(session())["params"]["data"]["index_name"] == "btc_usd"
    for _ in range(500):  # the proxy journals a frame once it has passed it on
        heard = [e for e in proxy.requests(transport="ws") if e.get("operation") == "deribit_price_index.{index_name}"]
        if heard:
            break
        time.sleep(0.01)
    assert [(e["direction"], e["problems"]) for e in heard] == [("upstream", [])]


def test_a_broken_websocket_upstream_is_flagged_by_field_and_junk_passes_on_judged() -> None:
    async def feed(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.receive_text()
        msg = {"market_ticker": "T", "position_fp": 3}  # a number where Kalshi sends a string, and much missing
        await websocket.send_text(json.dumps({"type": "market_position", "sid": 1, "seq": 1, "msg": msg}))
        await websocket.send_bytes(b"\xff\x00")
        await websocket.close(4001)

    async def session(url: str) -> tuple[list[Any], int | None]:
        async with websockets.connect(url, open_timeout=10) as ws:
            await ws.send("this is no command")
            got = [await asyncio.wait_for(ws.recv(), 10) for _ in range(2)]
            with pytest.raises(websockets.ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 10)
            return got, ws.close_code

    upstream = Starlette(routes=[WebSocketRoute(WS_PATH, feed)])
    with serving(upstream) as base, ProxyServer(base) as proxy:
        (frame, junk), code = asyncio.run(session(proxy.kalshi_ws_url))
        messages = [e for e in proxy.requests(transport="ws") if e.get("direction")]
    assert json.loads(frame)["msg"]["position_fp"] == 3 and junk == b"\xff\x00" and code == 4001
    client, position, binary = messages
    assert client["direction"] == "client" and client["problems"][0]["rule"] == "command.json"
    assert ("frame.schema", "msg.position_fp") in {(p["rule"], p.get("field")) for p in position["problems"]}
    assert binary["problems"][0]["rule"] == "frame.json"


# -- bad input ---------------------------------------------------------------------------------------------------------


def test_a_body_over_the_proxys_bound_is_refused_in_the_venues_shape_and_not_forwarded(mock, proxy, tape) -> None:
    from mockexchange.proxy.forward import MAX_REQUEST_BYTES

    huge = b"[" * (MAX_REQUEST_BYTES + 1)
    kalshi = plain_http.post(proxy.kalshi_url + "/portfolio/events/orders", content=huge)
    deribit = plain_http.post(proxy.base_url + "/api/v2", content=huge)
    assert kalshi.status_code == 400 and kalshi.json()["details"] == "http: request body too large"
    assert deribit.status_code == 413 and deribit.json()["error"]["code"] == -32600
    assert [e["status"] for e in proxy.requests()] == [400, 413]
    assert read_tape(tape, TAPE_VENUES).records == ()


def test_the_command_refuses_no_upstream_and_a_bad_one(capsys) -> None:
    assert main(["proxy"]) == 2
    assert "needs an upstream" in capsys.readouterr().err
    assert main(["proxy", "--upstream", "ftp://demo-api.kalshi.co"]) == 2
    assert "not an http(s)://HOST[:PORT][/PATH] URL" in capsys.readouterr().err


# -- secrets -----------------------------------------------------------------------------------------------------------


def test_no_secret_is_kept_in_the_journal_or_the_tape(mock, proxy, tape) -> None:
    sign = signer(mock)
    credentials = mock.create_deribit_key("bob")
    secret = credentials["client_secret"]
    with httpx.Client(base_url=proxy.kalshi_url, auth=KalshiAuth(sign)) as alice:
        generated = alice.post("/api_keys/generate", json={"name": "bot"})
        assert generated.status_code == 201
        private_key = generated.json()["private_key"]
    auth = {"grant_type": "client_credentials", "client_id": credentials["client_id"], "client_secret": secret}
    posted = plain_http.post(
        proxy.base_url + "/api/v2", json={"jsonrpc": "2.0", "id": 1, "method": "public/auth", "params": auth}
    )
    tokens = posted.json()["result"]
    queried = plain_http.get(proxy.base_url + "/api/v2/public/auth", params=auth).json()["result"]
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert (
        plain_http.get(proxy.base_url + "/api/v2/private/get_positions?currency=BTC", headers=bearer).status_code == 200
    )

    async def over_websocket() -> dict[str, Any]:
        async with websockets.connect(proxy.deribit_ws_url, open_timeout=10) as ws:
            await ws.send(json.dumps({"jsonrpc": "2.0", "id": 9, "method": "public/auth", "params": auth}))
            return json.loads(await asyncio.wait_for(ws.recv(), 10))["result"]

    socket_tokens = asyncio.run(over_websocket())
    kept = stored(proxy, tape)
    signature = sign.headers("GET", POSITIONS)["KALSHI-ACCESS-SIGNATURE"]
    secrets = [secret, private_key.splitlines()[1], signature[:40]]
    for found in (tokens, queried, socket_tokens):
        secrets += [found["access_token"], found["refresh_token"]]
    assert [s for s in secrets if s.encode() in kept] == []
    assert b"[redacted]" in kept and b"Bearer [redacted]" in tape.read_bytes()
    assert b'"client_id": "' + credentials["client_id"].encode() in tape.read_bytes(), "only secrets are redacted"
    auth_entries = proxy.requests(operation="public/auth")
    assert len(auth_entries) == 4 and all(e["problems"] == [] for e in auth_entries)


def until_closed(tape: Path) -> tuple[Any, ...]:
    """The tape's records once its websocket's close is on it: the proxy writes it when the client's close reaches it,
    after the client has gone on."""
    for _ in range(500):
        records = read_tape(tape, TAPE_VENUES).records
        if records and records[-1].kind == "ws_close":
            return records
        time.sleep(0.01)
    return read_tape(tape, TAPE_VENUES).records


# -- helpers -----------------------------------------------------------------------------------------------------------


class serving:  # noqa: N801 - used as a context manager, like `open`
    """A tiny ASGI app as an upstream, on a free port in a thread."""

    def __init__(self, app: Any) -> None:
        import threading

        import uvicorn

        self._sock = listening_socket("127.0.0.1", 0)
        self._server = uvicorn.Server(
            uvicorn.Config(app, log_level="error", lifespan="off", server_header=False, date_header=False)
        )
        self._server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True)

    def __enter__(self) -> str:
        self._thread.start()
        while not self._server.started:
            time.sleep(0.01)
        return http_url("127.0.0.1", self._sock.getsockname()[1])

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(5)
