"""Hostile upstreams behind `mockexchange proxy`: an answer of a status no HTTP answer has (600, 999: h11 reads a
status to 999), an answer framed both in chunks and by a Content-Length, an interim status (100, 199) as the answer to
a websocket upgrade. The client gets a 502 in the venue's shape (or the body it was sent, framed by its own length),
never a dropped connection or a traceback, and the tape holds nothing it cannot read again."""

from __future__ import annotations

import json
import socket
import threading
from pathlib import Path

import pytest
from hostile_sockets import connect, read_response, request_head
from hostile_wire import KALSHI_WS, UPGRADE

from mockexchange.proxy.runner import ProxyServer
from mockexchange.recording.reader import read_tape
from mockexchange.registry import TAPE_VENUES


class RawUpstream:
    """An upstream that answers every request with the bytes it was given, then closes the connection."""

    def __init__(self, answer: bytes) -> None:
        self.answer = answer
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:  # closed: the test is over
                return
            with connection:
                connection.settimeout(10)
                head = b""
                while b"\r\n\r\n" not in head and (chunk := connection.recv(65536)):
                    head += chunk
                connection.sendall(self.answer)

    def close(self) -> None:
        # Shut down first: a close alone leaves a thread blocked in accept() listening on, and an accept() restarted
        # after a signal or a tracer's stop takes the fd number again, by then perhaps the next test's listener.
        self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        self.thread.join(timeout=10)


def proxied(answer: bytes, tape: Path, venue: str, head: bytes) -> tuple[int, dict[str, str], bytes]:
    """`head` sent through a proxy whose `venue` upstream answers `answer`: the status, headers and body the client
    got."""
    upstream = RawUpstream(answer)
    try:
        upstreams = {"upstream": upstream.url} if venue == "kalshi" else {"deribit_upstream": upstream.url}
        server = ProxyServer(**upstreams, record=str(tape), timeout_s=10)
        with server as proxy, connect(proxy, head) as sock:  # type: ignore[arg-type]
            got = read_response(sock, 10)
    finally:
        upstream.close()
    return got.status, got.headers, got.body


REST = {"kalshi": "/trade-api/v2/exchange/status", "deribit": "/api/v2/public/test"}


@pytest.mark.parametrize("venue", ["kalshi", "deribit"])
@pytest.mark.parametrize("status", [600, 999])
def test_an_upstream_status_past_599_is_a_502_in_the_venues_shape_and_not_recorded(
    tmp_path: Path, venue: str, status: int
) -> None:
    answer = f"HTTP/1.1 {status} Odd\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{{}}".encode()
    tape = tmp_path / "t.tape"
    head = request_head("GET", REST[venue], {"Connection": "close"})
    got, headers, body = proxied(answer, tape, venue, head)
    assert got == 502, body
    said = f"answered status {status}, which no final HTTP answer has (200 to 599)"
    assert said in headers["x-mockexchange-diagnosis"]
    reply = json.loads(body)
    if venue == "kalshi":
        assert reply["error"]["code"] == "bad_gateway" and said in reply["error"]["details"]
    else:
        assert reply["error"]["code"] == 10001 and said in reply["error"]["data"]["reason"]
    assert read_tape(tape, TAPE_VENUES).records == ()


@pytest.mark.parametrize("venue", ["kalshi", "deribit"])
def test_an_answer_in_chunks_that_also_states_a_length_is_passed_on_framed_by_its_own(
    tmp_path: Path, venue: str
) -> None:
    answer = (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\nContent-Length: 100\r\n\r\n"
        b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
    )
    tape = tmp_path / "t.tape"
    got, headers, body = proxied(answer, tape, venue, request_head("GET", REST[venue], {"Connection": "close"}))
    assert (got, headers["content-length"], body) == (200, "11", b"hello world")
    (record,) = read_tape(tape, TAPE_VENUES).records
    assert record.response["body"] == {"text": "hello world"}  # type: ignore[index]


@pytest.mark.parametrize("status", [100, 199])
def test_an_interim_status_to_a_websocket_upgrade_is_a_502_and_not_recorded(tmp_path: Path, status: int) -> None:
    tape = tmp_path / "t.tape"
    got, headers, body = proxied(
        f"HTTP/1.1 {status} Odd\r\n\r\n".encode(), tape, "kalshi", request_head("GET", KALSHI_WS, UPGRADE)
    )
    assert got == 502, body
    said = f"answered status {status}, which no final HTTP answer has (200 to 599)"
    assert said in json.loads(body)["error"]["details"]
    assert read_tape(tape, TAPE_VENUES).records == ()
