"""Websocket control frames from a client that never reads, over real sockets, on both venues' websockets: a ping
flood is held at the send buffer's bound (the mock stops reading the client while its pongs wait; the flood then waits
in the client's own socket, a megabyte or so in), and such a client is cut off once its buffer has stayed full for the
close timeout, though it keeps sending pongs that would answer the mock's `heartbeat` pings."""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hostile_sockets import tcp_state
from websockets.client import ClientProtocol
from websockets.http11 import Response
from websockets.uri import parse_uri

from mockexchange.server import MockServer
from mockexchange.server.websocket_protocol import HEARTBEAT, HeartbeatWebSocketProtocol
from mockexchange.settings import Settings
from mockexchange.testing.signing import KalshiSigner

WS_PATH = "/trade-api/ws/v2"
PING = b"p" * 125  # the largest control frame: its pong is as large
# What a flood may push before it waits, when the mock stops reading: the client's socket buffers, the mock's receive
# buffer, what the mock wrote before its buffer filled. A mock that reads on takes it all, as fast as it parses.
FLOOD_CAP = 24 * 1024 * 1024
HELD_BY = 6 * 1024 * 1024
TCP_ESTABLISHED = 1

pytestmark = pytest.mark.slow  # each floods until the mock stops reading: a second or so


@contextmanager
def never_reading(mock: MockServer, venue: str) -> Iterator[socket.socket]:
    """A websocket of `venue` opened on a socket that will never read again (a 4 KiB receive buffer)."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 16 * 1024)
    sock.connect((mock.host, mock.port))
    protocol = ClientProtocol(parse_uri(mock.kalshi_ws_url if venue == "kalshi" else mock.deribit_ws_url))
    request = protocol.connect()
    if venue == "kalshi":
        key = mock.create_key("alice")
        request.headers.update(KalshiSigner.from_pem(key["key_id"], key["private_key_pem"]).headers("GET", WS_PATH))
    protocol.send_request(request)
    sock.sendall(b"".join(protocol.data_to_send()))
    sock.settimeout(10)
    while not any(isinstance(e, Response) and e.status_code == 101 for e in protocol.events_received()):
        protocol.receive_data(sock.recv(65536))
    try:
        yield sock
    finally:
        sock.close()


def client_frames(*frames: tuple[str, bytes]) -> bytes:
    """Masked ("ping" or "pong", payload) frames, as a client writes them."""
    protocol = ClientProtocol(parse_uri("ws://x/"))
    protocol.state = protocol.state.OPEN  # framing only; no handshake on this one
    for kind, payload in frames:
        (protocol.send_ping if kind == "ping" else protocol.send_pong)(payload)
    return b"".join(protocol.data_to_send())


PINGS = client_frames(*[("ping", PING)] * 200)
BLIND_PONG = client_frames(("pong", HEARTBEAT))  # answers the mock's ping without having read it
PINGS_AND_PONGS = client_frames(*([("ping", PING)] * 20 + [("pong", HEARTBEAT)]) * 10)


def flood(sock: socket.socket, block: bytes, cap: int, stuck_s: float, within_s: float) -> tuple[int, bool]:
    """Write `block` over and over without reading, up to `cap` bytes or `within_s` seconds, or until the mock ends
    the connection: (bytes written, whether the writes waited `stuck_s` on end: the mock stopped taking them)."""
    sock.setblocking(False)
    view, at, sent = memoryview(block), 0, 0
    started, stuck_since = time.monotonic(), None
    while sent < cap and time.monotonic() - started < within_s:
        try:
            written = sock.send(view[at:])
        except BlockingIOError:
            stuck_since = stuck_since or time.monotonic()
            if time.monotonic() - stuck_since >= stuck_s:
                return sent, True
            time.sleep(0.01)
            continue
        except (ConnectionResetError, BrokenPipeError):
            return sent, False
        sent, at, stuck_since = sent + written, (at + written) % len(block), None
    return sent, False


def send_buffers(mock: MockServer) -> list[int]:
    """What waits in the transport of each of the mock's websockets (its server's protocol objects)."""
    assert mock.runner.server is not None
    found = [c for c in mock.runner.server.server_state.connections if isinstance(c, HeartbeatWebSocketProtocol)]
    return [c.transport.get_write_buffer_size() for c in found]


@pytest.fixture(scope="module")
def mock() -> Iterator[MockServer]:
    with MockServer() as server:  # the default close timeout (20 s) never cuts a flood off here
        server.create_account("alice", balance_cents=100_000)
        yield server


@pytest.mark.parametrize("venue", ["kalshi", "deribit"])
def test_a_ping_flood_from_a_client_that_never_reads_waits_at_the_send_buffer_bound(mock, venue):
    with never_reading(mock, venue) as sock:
        sent, stuck = flood(sock, PINGS, FLOOD_CAP, stuck_s=0.5, within_s=15)
        assert stuck and sent < HELD_BY, f"{sent} bytes of pings taken from a client that reads none of its pongs"
        bound = Settings().ws_send_buffer_bytes + 256 * 1024  # the bound, and the pongs of one read (asyncio's size)
        assert max(send_buffers(mock)) <= bound
        assert tcp_state(sock) == TCP_ESTABLISHED  # held, not dropped: the close timeout has not passed
    with never_reading(mock, venue) as fresh:  # the server goes on
        fresh.setblocking(True)
        assert fresh.send(PINGS[:131]) == 131


@pytest.mark.parametrize("venue", ["kalshi", "deribit"])
def test_a_client_that_never_reads_is_cut_off_though_it_sends_heartbeat_pongs(venue):
    # The mock pings every 0.2 s and waits 1 s for a silent client; the client answers each ping blind, in its flood.
    with MockServer(ws_ping_interval_s=0.2, ws_ping_timeout_s=1) as mock:
        mock.create_account("alice", balance_cents=100_000)
        with never_reading(mock, venue) as sock:
            sent, _ = flood(sock, PINGS_AND_PONGS, FLOOD_CAP, stuck_s=0.3, within_s=8)
            started = time.monotonic()
            while tcp_state(sock) == TCP_ESTABLISHED and time.monotonic() - started < 8:
                with contextlib.suppress(BlockingIOError, ConnectionResetError, BrokenPipeError):
                    sock.send(BLIND_PONG)  # whole or not at all: it is smaller than any buffer on the way
                time.sleep(0.1)
            assert tcp_state(sock) != TCP_ESTABLISHED, f"alive after 8 s of pongs, {sent} bytes of pings taken"
            assert time.monotonic() - started < 3 and sent < HELD_BY


def test_a_client_whose_send_buffer_stays_full_is_cut_off_after_the_close_timeout_without_a_ping_due():
    # No keep-alive ping is due for a minute: only the buffer's deadline (the close timeout, 1 s) can end it.
    with MockServer(ws_ping_interval_s=60, ws_ping_timeout_s=1) as mock, never_reading(mock, "deribit") as sock:
        started = time.monotonic()
        sent, _ = flood(sock, PINGS, FLOOD_CAP, stuck_s=8, within_s=8)  # until the mock ends it, or 8 s
        while tcp_state(sock) == TCP_ESTABLISHED and time.monotonic() - started < 8:
            time.sleep(0.05)
        assert tcp_state(sock) != TCP_ESTABLISHED, f"alive after 8 s, {sent} bytes of pings taken"
        assert time.monotonic() - started < 3 and sent < HELD_BY  # the close timeout after its buffer filled, at once
