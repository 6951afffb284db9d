"""A websocket client at the frame level, shared by the websocket tests (it sees and answers pings by hand, and can
read slowly), and the check every frame the websocket tests receive goes through: it must match the AsyncAPI slice."""

from __future__ import annotations

import json
import socket
import time
from typing import Any

from websockets.client import ClientProtocol
from websockets.frames import Close, Frame, Opcode
from websockets.http11 import Response
from websockets.uri import parse_uri

from mockexchange.schema.frames import validate_ws_frame
from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiSigner

WS_PATH = "/trade-api/ws/v2"


def checked_frame(text: str | bytes, profile: str) -> Any:
    """A frame the mock sent, parsed and checked against the committed AsyncAPI slice in the mock's profile."""
    frame = json.loads(text)
    problems = validate_ws_frame(frame, profile)
    assert not problems, f"a {profile} frame does not match the AsyncAPI slice: {problems}\n{frame}"
    return frame


class RawClient:
    """A websocket client at the frame level (websockets' sans-I/O protocol on a plain socket): it sees pings and
    answers them only when told to."""

    def __init__(self, mock: MockServer, signer: KalshiSigner, rcvbuf: int | None = None, path: str = WS_PATH) -> None:
        self.sock = socket.socket()
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.connect((mock.host, mock.port))
        self.profile = mock.app.settings.profile
        self.protocol = ClientProtocol(parse_uri(mock.kalshi_ws_url.removesuffix(WS_PATH) + path))
        request = self.protocol.connect()
        request.headers.update(signer.headers("GET", path))
        self.protocol.send_request(request)
        self.flush()
        self.pending: list[Any] = []
        response = self.next_event(5)
        assert isinstance(response, Response) and response.status_code == 101

    def flush(self) -> None:
        self.sock.sendall(b"".join(self.protocol.data_to_send()))

    def send_json(self, command: Any) -> None:
        self.protocol.send_text(json.dumps(command).encode())
        self.flush()

    def next_event(self, timeout: float, checked: bool = True) -> Any:
        """The next event; a text frame checked against the slice unless `checked` is False."""
        deadline = time.monotonic() + timeout
        while not self.pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            self.sock.settimeout(remaining)
            data = self.sock.recv(65536)
            if not data:
                self.protocol.receive_eof()
            else:
                self.protocol.receive_data(data)
            self.pending += self.protocol.events_received()
            if not data and not self.pending:
                raise EOFError
        event = self.pending.pop(0)
        if checked and isinstance(event, Frame) and event.opcode is Opcode.TEXT:
            checked_frame(event.data, self.profile)
        return event

    def read_to_close(self, timeout: float = 10, checked: bool = True) -> tuple[list[dict[str, Any]], Close]:
        """Every text frame to the close frame, parsed (and checked, unless `checked` is False), and the close."""
        texts: list[dict[str, Any]] = []
        while True:
            event = self.next_event(timeout, checked)
            if isinstance(event, Frame) and event.opcode == Opcode.TEXT:
                texts.append(json.loads(event.data))
            elif isinstance(event, Frame) and event.opcode == Opcode.CLOSE:
                return texts, Close.parse(event.data)

    def overflowed(self, timeout: float = 10) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Read to the close of a connection subscribed to two channels (sids 1 and 2) that stopped reading: its two
        replies, the data, error 25 on each sid, the 1008 close. Returns the data and the two errors."""
        texts, close = self.read_to_close(timeout)
        assert [m["type"] for m in texts[:2]] == ["subscribed", "subscribed"]
        data, errors = texts[2:-2], texts[-2:]
        assert [{k: v for k, v in e.items() if k != "sending_ts_ms"} for e in errors] == [
            {"type": "error", "sid": 1, "msg": {"code": 25, "msg": "Subscription buffer overflow"}},
            {"type": "error", "sid": 2, "msg": {"code": 25, "msg": "Subscription buffer overflow"}},
        ]
        assert (close.code, close.reason) == (1008, "Subscription buffer overflow")
        return data, errors

    def close(self) -> None:
        self.sock.close()
