"""Odd request targets sent to `mockexchange proxy` by hand (a request line no client library cleans up first), over
HTTP and as a websocket upgrade: the absolute form, `//host`, backslashes, `@host`, percent-encoded slashes, IPv6
literals, CONNECT's authority form (and a CONNECT of a path), OPTIONS' `*`, fragments, dot segments, a long target.
Each is forwarded to the configured upstream byte for byte or refused 400 in the venue's shape, never a 500; none
reaches another host (a listening bystander whose address the targets name must see no connection)."""

from __future__ import annotations

import functools
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from hostile_sockets import Response, connect, read_response, request_head
from hostile_wire import UPGRADE

from mockexchange.proxy.runner import ProxyServer
from mockexchange.recording.reader import read_tape
from mockexchange.registry import TAPE_VENUES
from mockexchange.server.addresses import listening_socket
from mockexchange.server.thread import InThread, ThreadRunner

OK = b'{"ok":true}'
# (target, over HTTP, as a websocket upgrade); "{other}" is the bystander's port. A target is forwarded ("sent") or
# refused ("400").
TARGETS = [
    ("//127.0.0.1:{other}/x", "sent", "sent"),  # a path on the upstream, however it reads
    ("/%2F%2F127.0.0.1:{other}/x", "sent", "sent"),
    ("/@127.0.0.1:{other}/x", "sent", "sent"),
    ("/\\127.0.0.1:{other}/x", "sent", "sent"),
    ("/%00", "sent", "sent"),
    ("/..%2f..%2fetc", "sent", "sent"),
    ("/%ZZ", "sent", "sent"),
    ("/trade-api/v2/markets?next=http://127.0.0.1:{other}/", "sent", "sent"),
    ("/trade-api/v2/" + "a" * 4000, "sent", "sent"),
    ("http://127.0.0.1:{other}/x", "400", "400"),
    ("HTTPS://127.0.0.1:{other}/x", "400", "400"),
    ("http://[::1]:{other}/", "400", "400"),
    ("\\\\127.0.0.1:{other}/x", "400", "400"),
    ("%2F%2F127.0.0.1:{other}/x", "400", "400"),
    ("@127.0.0.1:{other}/x", "400", "400"),
    ("127.0.0.1:{other}", "400", "400"),
    ("[::1]:{other}", "400", "400"),
    ("*", "400", "400"),
    ("?x=1", "400", "400"),
    ("x:/trade-api/v2", "400", "400"),
    ("/trade-api/v2/markets#frag", "400", "400"),
    # httpx would drop the dot segments and escape the quotes and braces; websockets sends them as they are
    ("/trade-api/v2/../../127.0.0.1:{other}", "400", "sent"),
    ("/trade-api/./v2/markets", "400", "sent"),
    ('/trade-api/v2/"{x}"', "400", "sent"),
    ("/trade-api/v2/exchange/status", "400", "400"),  # as a CONNECT: a 2xx would switch the connection to a tunnel
]
TARGETS_BY_NAME = {target: (http, websocket) for target, http, websocket in TARGETS}
METHODS = {"*": "OPTIONS", "127.0.0.1:{other}": "CONNECT", "[::1]:{other}": "CONNECT"}
METHODS["/trade-api/v2/exchange/status"] = "CONNECT"


class Recorder:
    """An upstream that answers every request 200 and accepts every websocket, keeping each target it was sent."""

    def __init__(self) -> None:
        self.targets: list[bytes] = []
        self.journal = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        query = scope["query_string"]
        self.targets.append(scope["raw_path"] + (b"?" + query if query else b""))
        if scope["type"] == "websocket":
            await receive()
            await send({"type": "websocket.accept"})
            await send({"type": "websocket.close", "code": 1000})
            return
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": OK})

    def close(self) -> None:
        pass


class Upstream(InThread):
    def __init__(self) -> None:
        app = Recorder()
        config = functools.partial(uvicorn.Config, app, log_level="error", lifespan="off")
        super().__init__(app, ThreadRunner(config, "127.0.0.1", name="recording-upstream", on_stop=app.close))


@pytest.fixture(scope="module")
def upstream() -> Iterator[Upstream]:
    with Upstream() as server:
        yield server


@pytest.fixture(scope="module")
def bystander() -> Iterator[socket.socket]:
    """Another host: it listens and never accepts, so a connection made to it waits in its queue."""
    sock = listening_socket("127.0.0.1", 0)
    sock.setblocking(False)
    yield sock
    sock.close()


@pytest.fixture(scope="module")
def proxy(upstream: Upstream) -> Iterator[ProxyServer]:
    # A short timeout: a connection wrongly made to the bystander is answered 502 in 2 s rather than 30.
    with ProxyServer(upstream.kalshi_url, timeout_s=2) as server:
        yield server


def reached(bystander: socket.socket) -> bool:
    try:
        connection, _ = bystander.accept()
    except BlockingIOError:
        return False
    connection.close()
    return True


def kalshi_refusal(answer: Response, target: str) -> None:
    assert answer.status == 400, (answer.status, answer.body[:300])
    body = json.loads(answer.body)
    assert (body["code"], body["message"]) == ("bad_request", "bad request")
    assert target[:20] in body["details"].replace("\\\\", "\\")  # (it is quoted as a repr)
    assert answer.headers["x-mockexchange-diagnosis"] == body["details"]


def forwarded_or_refused(
    servers: tuple[Upstream, socket.socket, ProxyServer], method: str, target: str, headers: dict[str, str], ok: int
) -> None:
    """`target` sent: forwarded as written (the proxy answers `ok`), or refused 400 ("400" in TARGETS) with nothing
    sent upstream; never sent to the bystander."""
    upstream, bystander, proxy = servers
    expected = TARGETS_BY_NAME[target][ok == 101]
    written = target.replace("{other}", str(bystander.getsockname()[1]))
    before = len(upstream.app.targets)
    with connect(proxy, request_head(method, written, headers)) as sock:  # type: ignore[arg-type]
        answer = read_response(sock, 10)
    assert not reached(bystander), "the proxy opened a connection to another host"
    if expected == "sent":
        assert answer.status == ok, (answer.status, answer.body[:300])
        assert upstream.app.targets[before:] == [written.encode()]
    else:
        kalshi_refusal(answer, written)
        assert upstream.app.targets[before:] == []


@pytest.mark.parametrize("target", [t for t, _, _ in TARGETS])
def test_an_odd_target_is_forwarded_as_sent_or_refused_in_kalshis_shape(
    upstream: Upstream, bystander: socket.socket, proxy: ProxyServer, target: str
) -> None:
    method = METHODS.get(target, "GET")
    forwarded_or_refused((upstream, bystander, proxy), method, target, {"Connection": "close"}, 200)


@pytest.mark.parametrize("target", [t for t, _, _ in TARGETS if t not in METHODS])
def test_an_odd_websocket_target_is_forwarded_as_sent_or_refused_in_kalshis_shape(
    upstream: Upstream, bystander: socket.socket, proxy: ProxyServer, target: str
) -> None:
    forwarded_or_refused((upstream, bystander, proxy), "GET", target, UPGRADE, 101)


def test_a_refused_target_on_deribits_root_is_deribits_bad_request_and_nothing_is_recorded(
    upstream: Upstream, tmp_path: Path
) -> None:
    tape = tmp_path / "t.tape"
    rpc = json.dumps({"jsonrpc": "2.0", "id": 9, "method": "public/test", "params": {}})
    head = request_head("POST", "/api/v2/../../x", {"Content-Length": str(len(rpc)), "Connection": "close"})
    with ProxyServer(upstream.kalshi_url, upstream.base_url, record=str(tape), timeout_s=2) as proxy:
        with connect(proxy, head + rpc.encode()) as sock:  # type: ignore[arg-type]
            answer = read_response(sock, 10)
        (entry,) = proxy.requests()
    assert answer.status == 400
    reply = json.loads(answer.body)
    assert reply["id"] == 9 and reply["testnet"] is True
    assert (reply["error"]["code"], reply["error"]["message"]) == (11050, "bad_request")
    assert "would reach the upstream changed, as '/x'" in reply["error"]["data"]["reason"]
    assert (entry["path"], entry["status"]) == ("/api/v2/../../x", 400)
    assert read_tape(tape, TAPE_VENUES).records == ()
