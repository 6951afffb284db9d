"""Sockets for the hostile-input tests of bodies, websockets and connections: an HTTP request written by hand (a
declared length the client never sends, a chunked stream left open, a head never finished), a response read back by
hand, a client socket's TCP state read without reading from it, a Deribit websocket client that reads only when told
to; and, from tests/, the suite's frame-level websocket client (Kalshi's) and its `mockexchange serve` runner."""

from __future__ import annotations

import json
import socket
import ssl
import struct
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from websockets.client import ClientProtocol
from websockets.frames import Close, Frame, Opcode
from websockets.http11 import Response as Upgrade
from websockets.uri import parse_uri

from mockexchange.server import MockServer

# The suite's frame-level websocket client and its `mockexchange serve` runner live in tests/; this folder's tests
# also run on their own.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from serve_process import serving as serve_command  # noqa: E402
from ws_raw_client import RawClient, checked_frame  # noqa: E402

__all__ = [
    "DeribitRaw",
    "RawClient",
    "Response",
    "checked_frame",
    "connect",
    "read_response",
    "read_until_closed",
    "request_head",
    "serve_command",
    "tcp_state",
    "wait_closed",
]

TCP_ESTABLISHED = 1  # Linux's tcpi_state values


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes


def connect(mock: MockServer, head: bytes = b"", rcvbuf: int | None = None) -> socket.socket:
    """A connection to the mock that has sent `head` (and nothing else yet)."""
    sock = socket.socket()
    if rcvbuf:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.connect((mock.host, mock.port))
    if head:
        sock.sendall(head)
    return sock


def request_head(method: str, target: str, headers: dict[str, str]) -> bytes:
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def read_response(sock: socket.socket, timeout: float) -> Response:
    """One response (its body by Content-Length); TimeoutError if none arrives in `timeout`, EOFError on a close
    before a whole one."""
    deadline = time.monotonic() + timeout
    data = b""

    def more() -> None:
        nonlocal data
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"no whole response in {timeout} s; got {data[:200]!r}")
        sock.settimeout(remaining)
        chunk = sock.recv(65536)
        if not chunk:
            raise EOFError(f"closed before a whole response; got {data[:200]!r}")
        data += chunk

    while b"\r\n\r\n" not in data:
        more()
    head, _, rest = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    data = rest
    while len(data) < length:
        more()
    return Response(int(status_line.split()[1]), headers, data[:length])


def read_until_closed(sock: socket.socket, timeout: float) -> bytes:
    """Everything the server sends until it closes the connection (EOF or reset)."""
    deadline = time.monotonic() + timeout
    data = b""
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"still open after {timeout} s; got {data[:200]!r}")
        sock.settimeout(remaining)
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return data
        if not chunk:
            return data
        data += chunk


def tcp_state(sock: socket.socket) -> int:
    """The client socket's TCP state (Linux `tcp_info.tcpi_state`), read without reading any data."""
    info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)
    return struct.unpack("B", info[:1])[0]


def wait_closed(sock: socket.socket, timeout: float) -> float:
    """Seconds until the server ended the connection (a reset or its FIN), watched without reading; TimeoutError if
    it is still established after `timeout`."""
    started = time.monotonic()
    while tcp_state(sock) == TCP_ESTABLISHED:
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"the connection is still established after {timeout} s")
        time.sleep(0.05)
    return time.monotonic() - started


class DeribitRaw:
    """A Deribit websocket client at the frame level on a small receive buffer: it reads only when told to."""

    def __init__(self, mock: MockServer, tls: ssl.SSLContext | None = None) -> None:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect((mock.host, mock.port))
        self.sock = tls.wrap_socket(sock, server_hostname="localhost") if tls else sock  # (a mock serving TLS)
        self.protocol = ClientProtocol(parse_uri(mock.deribit_ws_url))
        self.protocol.send_request(self.protocol.connect())
        self.sock.sendall(b"".join(self.protocol.data_to_send()))
        self.events: list[Any] = []
        self.sock.settimeout(10)
        while not any(isinstance(e, Upgrade) for e in self.events):  # the upgrade's 101
            self._receive()
        self.events.clear()

    def _receive(self) -> None:
        data = self.sock.recv(65536)
        if data:
            self.protocol.receive_data(data)
        else:
            self.protocol.receive_eof()
        self.events += self.protocol.events_received()
        if not data and not self.events:
            raise EOFError

    def call(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        self.protocol.send_text(json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode())
        self.sock.sendall(b"".join(self.protocol.data_to_send()))
        while True:
            frames = [e for e in self.events if isinstance(e, Frame) and e.opcode is Opcode.TEXT]
            if frames:
                self.events.clear()
                return json.loads(frames[0].data)
            self._receive()

    def read_to_close(self) -> tuple[list[dict[str, Any]], Close]:
        """Every text frame from here to the close frame, parsed, and the close."""
        texts: list[dict[str, Any]] = []
        while True:
            while not self.events:
                self._receive()
            event = self.events.pop(0)
            if isinstance(event, Frame) and event.opcode is Opcode.TEXT:
                texts.append(json.loads(event.data))
            elif isinstance(event, Frame) and event.opcode is Opcode.CLOSE:
                return texts, Close.parse(event.data)

    def close(self) -> None:
        self.sock.close()
