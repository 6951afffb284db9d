"""Request bodies that come slowly, framed twice, or never whole, over real sockets: a body trickling in (Content-Length
or chunked) is answered 408 and closed `body_timeout_s` after its head, so slow bodies cannot hold the connection cap;
a request declaring both Content-Length and Transfer-Encoding is read by Transfer-Encoding, answered, and its
connection closed (RFC 9112 section 6.1), and a websocket upgrade declaring both is refused; a client that hangs up
mid-body is recorded as its own disconnect (499, `request.incomplete`), never as a mock bug (no 500, no traceback)."""

from __future__ import annotations

import json
import logging
import select
import socket
import time
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from hostile_sockets import connect, read_response, read_until_closed, request_head
from hostile_wire import UPGRADE, journal

from mockexchange.server import MockServer

JSON = {"Content-Type": "application/json"}
TEST = json.dumps({"jsonrpc": "2.0", "id": 9, "method": "public/test"}).encode()


@pytest.fixture(scope="module")
def mock() -> Iterator[MockServer]:
    with MockServer(body_timeout_s=0.5) as server:
        yield server


@pytest.fixture
def errors_logged() -> Iterator[list[logging.LogRecord]]:
    """The error records logged meanwhile, by the mock's loggers (they reach the root) or uvicorn's (which do not):
    a traceback on the server's stderr is one of these."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.ERROR)
    handler.emit = records.append  # type: ignore[method-assign]
    loggers = [logging.getLogger(), logging.getLogger("uvicorn")]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield records
    finally:
        for logger in loggers:
            logger.removeHandler(handler)


def trickle(sock: socket.socket, body: bytes, every_s: float, within_s: float) -> float:
    """Send `body` a byte every `every_s` until the mock answers (or `within_s` passes): seconds until it answered."""
    started = time.monotonic()
    for byte in body:
        if select.select([sock], [], [], every_s)[0]:
            return time.monotonic() - started
        sock.sendall(bytes([byte]))
        assert time.monotonic() - started < within_s, "the body was taken byte by byte without end"
    raise AssertionError("the whole body went out: the mock never timed it")


def timed_out(sock: socket.socket) -> str:
    """The 408 the mock answered; the connection must be closed after it. Its diagnosis."""
    answer = read_response(sock, 5)
    assert answer.status == 408 and answer.headers["connection"] == "close"
    assert read_until_closed(sock, 5) == b""
    return answer.headers["x-mockexchange-diagnosis"]


# -- a body has a deadline -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
@pytest.mark.parametrize("target", ["/api/v2", "/_admin/accounts"])
def test_a_body_trickling_in_is_answered_408_and_closed_after_the_body_timeout(mock, target, chunked):
    body = b'{"jsonrpc": "2.0", "id": 1, "method": "public/test", "pad": "' + b" " * 200 + b'"}'
    framing = {"Transfer-Encoding": "chunked"} if chunked else {"Content-Length": str(len(body))}
    with connect(mock, request_head("POST", target, {**JSON, **framing})) as sock:
        if chunked:
            sock.sendall(f"{len(body):x}\r\n".encode())
        answered = trickle(sock, body, every_s=0.05, within_s=5)
        assert "body_timeout_s" in timed_out(sock)
    assert 0.4 < answered < 3
    if target == "/api/v2":  # journaled: what the client was answered, and why
        [entry] = [e for e in journal(mock, venue="deribit") if e["status"] == 408][-1:]
        assert [p["rule"] for p in entry["problems"]] == ["request.incomplete"]
        assert "body_timeout_s" in entry["problems"][0]["detail"]


def test_the_rest_of_a_body_answered_early_has_the_deadline_too(mock):
    """Kalshi's GETs do not wait for a body: the answer goes out, and the rest, trickling, is not waited for forever."""
    head = request_head("GET", "/trade-api/v2/portfolio/positions", {"Content-Length": "1000"})
    with connect(mock, head + b"{") as sock:
        assert read_response(sock, 5).status == 401  # unsigned: answered at once
        started = time.monotonic()
        sock.settimeout(5)
        for _ in range(100):  # a byte every 0.05 s, for up to 5 s
            try:
                sock.sendall(b" ")
            except OSError:
                break  # closed under it
            if select.select([sock], [], [], 0.05)[0]:
                break
        assert read_until_closed(sock, 5) == b""  # closed, with nothing more written
        assert time.monotonic() - started < 3


@pytest.mark.slow
def test_slow_bodies_do_not_hold_the_connection_cap():
    with MockServer(body_timeout_s=1, max_connections=20) as mock, ExitStack() as stack:
        head = request_head("POST", "/api/v2", {**JSON, "Content-Length": "1000"})
        slow = [stack.enter_context(connect(mock, head + b"{")) for _ in range(20)]
        deadline = time.monotonic() + 15
        for sock in slow:  # every one answered 408 and closed; a byte every 0.2 s would have taken 200 s
            sock.sendall(b" ")
            assert "body_timeout_s" in timed_out(sock)
            assert time.monotonic() < deadline
        with connect(mock, request_head("POST", "/api/v2", {**JSON, "Content-Length": str(len(TEST))}) + TEST) as ok:
            assert read_response(ok, 10).status == 200  # room again


# -- Content-Length and Transfer-Encoding together -------------------------------------------------------------------


def chunked_body(body: bytes) -> bytes:
    return f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n"


def test_a_request_with_both_framings_is_read_by_transfer_encoding_answered_and_its_connection_closed(mock):
    head = request_head("POST", "/api/v2", {**JSON, "Content-Length": "4", "Transfer-Encoding": "chunked"})
    follower = request_head("GET", "/_admin/health", {})  # smuggled behind it: never answered
    with connect(mock, head + chunked_body(TEST) + follower) as sock:
        answer = read_response(sock, 5)
        assert answer.status == 200 and json.loads(answer.body)["id"] == 9  # the chunked body, not its first 4 bytes
        assert answer.headers["connection"] == "close"
        assert read_until_closed(sock, 5) == b""
    plain = request_head("POST", "/api/v2", {**JSON, "Content-Length": str(len(TEST))}) + TEST
    with connect(mock, plain) as sock:  # the same without the second framing: kept alive
        assert read_response(sock, 5).status == 200
        sock.sendall(follower)
        assert read_response(sock, 5).status == 200


def test_a_websocket_upgrade_with_both_framings_is_refused_400_and_closed(mock):
    head = request_head("GET", "/ws/api/v2", {**UPGRADE, "Content-Length": "5", "Transfer-Encoding": "chunked"})
    with connect(mock, head + b"0\r\n\r\n") as sock:
        answer = read_response(sock, 5)
        assert answer.status == 400 and answer.headers["connection"] == "close"
        assert "Transfer-Encoding" in answer.headers["x-mockexchange-diagnosis"]
        assert read_until_closed(sock, 5) == b""
    with connect(mock, request_head("GET", "/ws/api/v2", UPGRADE)) as sock:  # the upgrade without a body: taken
        sock.settimeout(5)
        assert sock.recv(12) == b"HTTP/1.1 101"


# -- a client that hangs up mid-body ---------------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["/api/v2", "/api/v2/public/test", "/api", "/_admin/accounts"])
def test_a_client_hanging_up_mid_body_is_its_disconnect_not_a_mock_bug(mock, target, errors_logged):
    since = max((e["seq"] for e in journal(mock)), default=0)
    head = request_head("POST", target, {**JSON, "Content-Length": "100"})
    with connect(mock, head + b'{"jsonrpc": "2.0", '):
        time.sleep(0.05)  # the mock is reading the body when the client hangs up
    admin = target == "/_admin/accounts"  # not journaled: the admin API's requests never are
    deadline = time.monotonic() + (0.3 if admin else 5)
    while not (entries := [e for e in journal(mock) if e["seq"] > since]) and time.monotonic() < deadline:
        time.sleep(0.02)  # the mock notices the hang-up
    if admin:
        assert entries == []
    else:
        [entry] = entries
        assert entry["status"] == 499 and entry["path"] == target
        assert entry["problems"] == [
            {
                "rule": "request.incomplete",
                "detail": "the client closed the connection before its request was whole; 19 of the 100 bytes of "
                "its body had arrived",
            }
        ]
    assert [record.getMessage() for record in errors_logged] == []


def test_a_client_hanging_up_mid_body_under_a_status_fault_rule_is_no_mock_bug_either(errors_logged):
    """A fault rule's answer reads the body for the id it echoes; a hang-up there is the client's too."""
    with MockServer() as mock:
        mock.add_fault(path="/api/v2", venue="deribit", status=503)
        with connect(mock, request_head("POST", "/api/v2", {**JSON, "Content-Length": "100"}) + b"{"):
            time.sleep(0.05)
        deadline = time.monotonic() + 5
        while not (entries := journal(mock)) and time.monotonic() < deadline:
            time.sleep(0.02)
    [entry] = entries
    assert entry["status"] == 499 and entry["fault"].startswith("status 503")  # the rule's, which nobody read
    assert entry["operation"] is None and [p["rule"] for p in entry["problems"]] == ["request.incomplete"]
    assert [record.getMessage() for record in errors_logged] == []
