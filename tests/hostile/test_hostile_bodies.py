"""Request bodies are limited while they stream in, over real sockets: a Content-Length over a surface's limit is
answered before the body is sent (only a few bytes of a declared 400 MB ever leave the client), a chunked body is
refused as soon as it passes the limit while its stream is still open, and each surface keeps its own limit and
error shape (admin 1 MiB -> 413 `{"error"}`; Deribit and SignalPlus 32 kB -> 413 with -32600). Kalshi's REST routes
are GETs: a body sent to them is not read, and the answer does not wait for it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import pytest
from hostile_sockets import connect, read_response, request_head

from mockexchange.admin.routes import MAX_BODY
from mockexchange.server import MockServer
from mockexchange.settings import Settings
from mockexchange.testing.signing import KalshiSigner

DECLARED = 400 * 1024 * 1024  # what the client says it will send; it sends a few bytes of it
DERIBIT_LIMIT = Settings().deribit_max_body_bytes
JSON = {"Content-Type": "application/json"}
POSITIONS = "/trade-api/v2/portfolio/positions"


@pytest.fixture(scope="module")
def mock() -> Iterator[MockServer]:
    with MockServer() as server:
        server.create_account("alice", balance_cents=100_000)
        yield server


def declared(mock: MockServer, method: str, target: str, length: int, sent: bytes) -> tuple[int, dict]:
    """A request declaring `length` bytes of body of which only `sent` go out: the answer, with its JSON body."""
    sock = connect(mock, request_head(method, target, {**JSON, "Content-Length": str(length)}) + sent)
    try:
        answer = read_response(sock, timeout=10)  # the other 400 MB are never sent: an answer means it did not wait
    finally:
        sock.close()
    return answer.status, json.loads(answer.body)


def chunked(mock: MockServer, target: str, chunks: list[bytes], finish: bool) -> tuple[int, dict]:
    """A chunked request of `chunks`, its stream left open unless `finish`: the answer, with its JSON body."""
    sock = connect(mock, request_head("POST", target, {**JSON, "Transfer-Encoding": "chunked"}))
    try:
        for chunk in chunks:
            sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        if finish:
            sock.sendall(b"0\r\n\r\n")
        answer = read_response(sock, timeout=10)
    finally:
        sock.close()
    return answer.status, json.loads(answer.body)


# -- the admin API: 1 MiB, 413 {"error": ...} ------------------------------------------------------------------------


def test_admin_refuses_a_declared_400_mb_body_before_it_is_sent(mock):
    status, body = declared(mock, "POST", "/_admin/accounts", DECLARED, b'{"user_id": "bo')
    assert status == 413
    assert body["error"].startswith("body too large") and str(DECLARED) in body["error"] and set(body) == {"error"}


def test_admin_refuses_a_chunked_body_at_the_chunk_that_passes_1_mib_while_it_still_streams(mock):
    chunk = b" " * (256 * 1024)
    status, body = chunked(mock, "/_admin/accounts", [chunk] * 5, finish=False)  # 1.25 MiB sent, no end
    assert status == 413 and body["error"].startswith("body too large")


def test_admin_takes_a_chunked_body_within_the_limit_and_one_of_exactly_the_limit(mock):
    document = json.dumps({"user_id": "chunky", "balance_cents": 5}).encode()
    status, body = chunked(mock, "/_admin/accounts", [document[:10], document[10:]], finish=True)
    assert status == 200 and body["user_id"] == "chunky"
    padded = json.dumps({"user_id": "padded"}).encode().ljust(MAX_BODY)  # JSON with trailing spaces: exactly 1 MiB
    status, body = declared(mock, "POST", "/_admin/accounts", len(padded), padded)
    assert status == 200 and body["user_id"] == "padded"
    status, _ = declared(mock, "POST", "/_admin/accounts", len(padded) + 1, padded + b" ")
    assert status == 413


# -- Deribit: 32 kB, HTTP 413 with JSON-RPC -32600 -------------------------------------------------------------------


def test_deribit_refuses_a_declared_400_mb_body_with_32600_before_it_is_sent(mock):
    status, body = declared(mock, "POST", "/api/v2", DECLARED, b'{"jsonrpc": "2.0", "id": 1,')
    assert status == 413
    assert body["jsonrpc"] == "2.0" and body["error"]["code"] == -32600
    assert body["error"]["message"] == "request entity too large"
    assert str(DECLARED) in body["error"]["mockexchange_diagnosis"]
    status, body = declared(mock, "POST", "/api/v2/public/test", DECLARED, b"{}")  # the method in the path too
    assert status == 413 and body["error"]["code"] == -32600


def test_deribit_refuses_a_chunked_body_once_it_passes_32_kb_while_it_still_streams(mock):
    status, body = chunked(mock, "/api/v2", [b" " * 8192] * 5, finish=False)  # 40 kB, no end
    assert status == 413 and body["error"]["code"] == -32600


def test_deribit_reads_a_body_of_exactly_its_limit(mock):
    request = json.dumps({"jsonrpc": "2.0", "id": 3, "method": "public/test"}).encode().ljust(DERIBIT_LIMIT)
    status, body = declared(mock, "POST", "/api/v2", len(request), request)
    assert status == 200 and body["id"] == 3 and "result" in body
    status, body = chunked(mock, "/api/v2", [request[:100], request[100:]], finish=True)
    assert status == 200 and body["id"] == 3


# -- SignalPlus: Deribit's limit, its own envelope, 413 -------------------------------------------------------------


def test_signalplus_refuses_a_declared_400_mb_body_with_32600_in_its_envelope(mock):
    status, body = declared(mock, "POST", "/api", DECLARED, b'{"rid": 1')
    assert status == 413
    assert body["rid"] is None and body["result"] is None and body["error"]["code"] == -32600
    status, body = chunked(mock, "/api", [b" " * 8192] * 5, finish=False)
    assert status == 413 and body["error"]["code"] == -32600


# -- Kalshi's REST routes: GETs; a body is not read -----------------------------------------------------------------


def test_a_body_sent_to_a_kalshi_get_is_not_read_and_does_not_hold_the_answer(mock):
    key = mock.create_key("alice")
    signed = KalshiSigner.from_pem(key["key_id"], key["private_key_pem"]).headers("GET", POSITIONS)
    head = request_head("GET", POSITIONS, {**signed, "Content-Length": str(DECLARED)})
    sock = connect(mock, head + b'{"ignored": ')
    try:
        answer = read_response(sock, timeout=10)  # the 400 MB declared are never sent
    finally:
        sock.close()
    assert answer.status == 200 and json.loads(answer.body)["market_positions"] == []
    status, body = declared(mock, "GET", POSITIONS, DECLARED, b"{}")  # unsigned: refused, not read either
    assert status == 401 and "error" in body
    status, body = declared(mock, "POST", POSITIONS, DECLARED, b"{}")
    assert status == 405  # no POST route: answered, not read


def test_the_server_goes_on_after_refusals(mock):
    for _ in range(3):
        assert declared(mock, "POST", "/_admin/accounts", DECLARED, b"x")[0] == 413
    status, body = declared(mock, "POST", "/_admin/accounts", 26, b'{"user_id": "after", "x":1')
    assert status == 400  # read whole (26 bytes), and judged: an unknown field


@pytest.mark.parametrize(
    "path,status,said",
    [("/_admin/accounts", 413, "body too large"), ("/api/v2", 413, "too large"),
     ("/trade-api/v2/portfolio/events/orders", 400, "http: request body too large")],
)  # fmt: skip
def test_a_content_length_of_thousands_of_digits_from_another_asgi_server_is_refused_as_too_large(
    mock, path, status, said
):
    """The mock's own server refuses such a head (400) before the app sees it; another ASGI server may hand it on.
    Each surface then refuses it as a body over its limit, in its own shape, never a 500 (`int()` refuses a number of
    over 4,300 digits)."""
    key = mock.create_key("alice", key_type="ed25519")
    signed = KalshiSigner.from_pem(key["key_id"], key["private_key_pem"]).headers("POST", path)
    headers = [(name.lower().encode(), value.encode()) for name, value in signed.items()]
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "", "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 80),
        "headers": [*headers, (b"content-type", b"application/json"), (b"content-length", b"9" * 5000)],
    }  # fmt: skip
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"{}", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    asyncio.run(mock.app.asgi(scope, receive, send))
    body = b"".join(message.get("body", b"") for message in sent[1:])
    assert sent[0]["status"] == status and said in body.decode(), (sent[0]["status"], body)
