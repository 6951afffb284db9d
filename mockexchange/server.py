"""Runs a mock with uvicorn: in a background thread for tests and embedding, or in the foreground for `serve`; binds
its listening socket first, so the port is known (and a port in use is an error) before it serves.

uvicorn's protocols are subclassed for the mock's connection limits (`Settings`): the h11 protocol answers a request
head that does not arrive whole within `header_timeout_s`, or a body within `body_timeout_s`, with 408, and a connection
beyond `max_connections` with 503 (uvicorn's own `limit_concurrency` answers 503 per request but lets every websocket
upgrade through, and never closes an idle connection that has sent nothing), and closes a connection after a request
that declared two framings; the websocket protocol answers an upgrade head websockets' parser refuses (414, 431 or 400,
and close: uvicorn left it unanswered), pings with Kalshi's payload, bounds what waits for a client that does not read
(`ws_send_buffer_bytes`, control frames included: such a client is not read, and is cut off if it stays so), writes a
connection's last frames past that bound when asked (`web.extensions.UNTHROTTLED`), cuts off a client that has not taken
the close within its close timeout, and writes the venues' fanned-out frames straight from the loop
(`web.extensions.FRAME_WRITER`). permessage-deflate is negotiated only when `ws_per_message_deflate` is on.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import socket
import struct
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Self

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.protocol import State

from mockexchange.app import MockApp, build_app
from mockexchange.control import Control
from mockexchange.core.clock import Clock
from mockexchange.settings import Settings
from mockexchange.web.answers import DIAGNOSIS_HEADER, header_safe
from mockexchange.web.extensions import BODY_TIMED_OUT, DROPPED, FRAME_WRITER, STREAM_ENDS, UNTHROTTLED

_START_TIMEOUT_S = 10.0
_BACKLOG = 2048  # uvicorn's default
# Kalshi's keep-alive pings carry this payload.
HEARTBEAT = b"heartbeat"


@dataclass(frozen=True, slots=True)
class ConnectionLimits:
    """What the mock's protocols read from the settings (through `MockConfig`)."""

    header_timeout_s: float
    body_timeout_s: float
    max_connections: int
    ws_send_buffer_bytes: int
    ws_close_timeout_s: float  # a client that has not answered the close frame by then is cut off

    @classmethod
    def of(cls, settings: Settings) -> ConnectionLimits:
        # The ping timeout is how long the mock waits for a silent client; it waits as long for the close's answer.
        return cls(
            settings.header_timeout_s,
            settings.body_timeout_s,
            settings.max_connections,
            settings.ws_send_buffer_bytes,
            settings.ws_ping_timeout_s,
        )


class MockConfig(uvicorn.Config):
    """uvicorn's configuration, carrying the limits the mock's protocols read."""

    def __init__(self, app: Any, limits: ConnectionLimits, **options: Any) -> None:
        super().__init__(app, **options)
        self.limits = limits


def _limits(config: uvicorn.Config) -> ConnectionLimits:
    return getattr(config, "limits", None) or ConnectionLimits.of(Settings())


def _refusal(status: int, reason: str, diagnosis: str) -> bytes:
    """A whole HTTP response that closes the connection, written before (or instead of) reading a request."""
    body = f"{reason}\n".encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: {len(body)}\r\n"
        f"connection: close\r\n{DIAGNOSIS_HEADER}: {header_safe(diagnosis)}\r\n\r\n"
    )
    return head.encode("latin-1") + body


class _Deadline:
    """One of a connection's timers: started once (a running one goes on), stopped once what it waited for came."""

    __slots__ = ("handle",)

    def __init__(self) -> None:
        self.handle: asyncio.TimerHandle | None = None

    def start(self, loop: asyncio.AbstractEventLoop, seconds: float, then: Callable[[], None]) -> None:
        if self.handle is None:
            self.handle = loop.call_later(seconds, self._fire, then)

    def _fire(self, then: Callable[[], None]) -> None:
        self.handle = None
        then()

    def stop(self) -> None:
        if self.handle is not None:
            self.handle.cancel()
            self.handle = None


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with header and body timeouts and a connection cap.

    The header timer runs while h11 waits for a request head (its client state IDLE) and some of it, or nothing at
    all on a new connection, has arrived; between requests uvicorn's keep-alive timer governs instead (it is
    cancelled by the first byte of the next request, which starts this one). The body timer runs from a head's end
    while its body has not all arrived (h11's client state SEND_BODY, whatever the framing), the rest of a body
    answered before it was read included: past it the request is answered 408 if it was not answered yet (the app,
    waiting for the body, is told the client is gone and finds `web.extensions.BODY_TIMED_OUT` in the scope), and the
    connection is closed.

    A request that declares both Content-Length and Transfer-Encoding is read by Transfer-Encoding (h11's reading)
    and answered, and the connection closes after the answer (RFC 9112 section 6.1: what follows on the connection
    cannot be trusted); a websocket upgrade that declares both is refused with 400 and closed.

    A response start that says `web.extensions.DROPPED` (a fault rule's drop) is not written: the connection closes
    without a byte of an answer, and uvicorn neither writes the rest nor answers 500 when the app returns; a body that
    says it ends a streamed response the same way, at once. A streamed response that says `web.extensions.STREAM_ENDS`
    is told to end when the server shuts down.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.app = self._guarded(self.app)
        self._head_deadline = _Deadline()
        self._body_deadline = _Deadline()

    def _guarded(self, app: Any) -> Any:
        async def run(scope: Any, receive: Any, send: Any) -> None:
            # One request at a time on a connection: the cycle current when its app starts is the one it answers.
            cycle = self.cycle
            framed_twice = _framed_twice(scope["headers"])

            async def send_or_drop(message: Any) -> None:
                if framed_twice and message["type"] == "http.response.start":
                    # h11 then closes the connection after this answer, whatever the app said
                    message = {**message, "headers": [*message.get("headers", ()), (b"connection", b"close")]}
                if message.get(DROPPED) and message["type"] == "http.response.start" and cycle is not None:
                    cycle.disconnected = True  # uvicorn writes nothing more for it, and no 500 when the app returns
                    self.transport.close()
                    return
                if message.get(DROPPED) and message["type"] == "http.response.body" and cycle is not None:
                    cycle.disconnected = True  # a stream ended on a client that does not read: what waits is dropped
                    self.transport.abort()
                    return
                await send(message)

            await app(scope, receive, send_or_drop)

        return run

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]  # (as uvicorn's own)
        super().connection_made(transport)
        limits = _limits(self.config)
        if len(self.connections) > limits.max_connections:  # websocket connections are in the set too
            why = f"the mock serves at most {limits.max_connections} connections at once (max_connections)"
            self.transport.write(_refusal(503, "Service Unavailable", why))
            self.transport.close()
            return
        self._watch()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._watch()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._watch()  # a pipelined request that came with the last one's bytes may have begun its body

    def connection_lost(self, exc: Exception | None) -> None:
        self._head_deadline.stop()
        self._body_deadline.stop()
        super().connection_lost(exc)

    def handle_websocket_upgrade(self, event: h11.Request) -> None:
        if _framed_twice(self.headers):
            why = "a websocket upgrade that declares both Content-Length and Transfer-Encoding (RFC 9112 section 6.1)"
            self.transport.write(_refusal(400, "Bad Request", why))
            self.transport.close()
            return
        super().handle_websocket_upgrade(event)

    def shutdown(self) -> None:
        # A response that streams until told (web.STREAM_ENDS: the inspector's feed) ends, or it would hold the
        # shutdown for as long as its client stays.
        cycle = self.cycle
        ending = cycle.scope.get(STREAM_ENDS) if cycle is not None and not cycle.response_complete else None
        if callable(ending):
            ending()
        super().shutdown()

    def _watch(self) -> None:
        """Run the deadline of what h11 waits for, a head or a body, and stop the other: a head that arrived whole (or
        an upgrade that took the connection) stops the head's, as does the keep-alive timer, which governs between
        requests; a body that arrived whole stops the body's."""
        state, limits = self.conn.their_state, _limits(self.config)
        head = state is h11.IDLE and self.timeout_keep_alive_task is None
        body = state is h11.SEND_BODY and self.transport.get_protocol() is self  # not once upgraded
        self._run(self._head_deadline, head, limits.header_timeout_s, self._header_timeout)
        self._run(self._body_deadline, body, limits.body_timeout_s, self._body_timeout)

    def _run(self, deadline: _Deadline, waiting: bool, seconds: float, then: Callable[[], None]) -> None:
        if waiting and not self.transport.is_closing():
            deadline.start(self.loop, seconds, then)
        else:
            deadline.stop()

    def _header_timeout(self) -> None:
        if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
            return
        timeout = _limits(self.config).header_timeout_s
        why = f"no whole request head within {timeout:g} s (header_timeout_s)"
        self.transport.write(_refusal(408, "Request Timeout", why))
        self.transport.close()

    def _body_timeout(self) -> None:
        if self.transport.is_closing() or self.conn.their_state is not h11.SEND_BODY:
            return
        timeout = _limits(self.config).body_timeout_s
        why = f"no whole request body within {timeout:g} s of its head (body_timeout_s)"
        cycle = self.cycle
        if cycle is not None and not cycle.response_started:
            cycle.scope[BODY_TIMED_OUT] = why  # type: ignore[literal-required]  # (ours, in uvicorn's typed scope)
            self.transport.write(_refusal(408, "Request Timeout", why))
            cycle.disconnected = True  # uvicorn writes nothing more; the app's wait for the body ends
            cycle.message_event.set()
        self.transport.close()


def _framed_twice(headers: Sequence[tuple[bytes, bytes]]) -> bool:
    """The request declares both Content-Length and Transfer-Encoding (header names as uvicorn gives them: lower)."""
    names = {name for name, _ in headers}
    return b"content-length" in names and b"transfer-encoding" in names


class _WritableGate(asyncio.Event):
    """uvicorn's `writable` event, which a send awaits while the client does not read (the transport's buffer is over
    its high-water mark). Held open for the duration of one unthrottled send: uvicorn's `send` awaits nothing else, so
    no other send slips through."""

    bypass = False

    async def wait(self) -> Literal[True]:
        if self.bypass:
            return True
        return await super().wait()


def text_frame(text: bytes) -> bytes:
    """A server's text frame (RFC 6455: FIN, opcode 1, unmasked) carrying these UTF-8 bytes whole."""
    size = len(text)
    if size < 126:
        return b"\x81" + bytes((size,)) + text
    if size < 1 << 16:
        return b"\x81\x7e" + size.to_bytes(2, "big") + text
    return b"\x81\x7f" + size.to_bytes(8, "big") + text


class GuardedWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's websockets-sansio protocol, answering an upgrade whose head websockets' parser refuses though h11 took
    it (a line over 8 KiB: 414 or 431; over 128 headers: 431; a body, a control character in a value: 400) and closing
    the connection. uvicorn wrote nothing for one, so its client waited for an answer for as long as it stayed (holding
    one of `max_connections`), and a server stopping with it open failed (websockets' second end of file). A denial
    response the app sends ends the handshake too: without that, uvicorn logs "returned without completing handshake"
    for every refused upgrade. The proxy's websockets run on it, the mock's on `HeartbeatWebSocketProtocol`."""

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if not self.handshake_initiated and self.conn.handshake_exc is not None and not self.close_sent:
            self._refuse_head()

    def _refuse_head(self) -> None:
        answer = b"".join(self.conn.data_to_send())  # websockets' own 414 or 431, or only its end of file
        if not answer:
            refused = self.conn.handshake_exc
            why = str((refused and refused.__cause__) or refused).split(":", 1)[0]  # what, not the value (a header's)
            answer = _refusal(400, "Bad Request", f"a websocket upgrade whose head websockets does not read: {why}")
        self.handshake_complete = self.close_sent = True  # nothing more is written, nor a 500 at shutdown
        self.transport.write(answer)
        self.transport.close()

    async def send(self, message: Any) -> None:
        await super().send(message)
        if message["type"] == "websocket.http.response.body" and not message.get("more_body", False):
            self.handshake_complete = True


class HeartbeatWebSocketProtocol(GuardedWebSocketProtocol):
    """uvicorn's websockets-sansio protocol, with Kalshi's keep-alive ping payload instead of a random one, bounded
    buffers towards a client that does not read, unthrottled last frames, and a close that cannot hang.

    It is also the venues' `web.extensions.FrameWriter` (advertised in the scope's extensions,
    `web.extensions.FRAME_WRITER`): a fan-out writes a connection's text frames from the loop, several in one transport
    write, while the client reads.

    `send_keepalive_ping` takes the same steps as the parent's; the pong that answers carries `heartbeat` too, which
    `handle_pong` matches against `pending_ping_payload`. uvicorn closes the transport gracefully after a close frame
    (close timer, keep-alive timeout), which waits for its buffer to drain: forever, for a client that does not read.
    Here a connection whose client has not answered the close within the close timeout is reset instead.

    The send buffer's bound holds for control frames too: websockets answers each ping the client sends with a pong,
    which uvicorn writes at once, past the bound data frames wait at. So while the transport's buffer is over its
    high-water mark the client is not read (a ping flood then waits in the client's own socket, and its pongs with
    it, which cannot keep the connection alive), and a client that has not drained the buffer (to its low-water
    mark, a quarter of the high) within the close timeout is reset: it has not read for that long.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limits = _limits(self.config)
        self.close_timeout = self.limits.ws_close_timeout_s
        self.writable = self._gate = _WritableGate()  # (uvicorn's own name for it, and ours: its `bypass`)
        self.writable.set()
        self._stall = _Deadline()  # the buffer over its high-water mark, and the client not draining it

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        size = self.limits.ws_send_buffer_bytes
        self.transport.set_write_buffer_limits(high=size)
        sock = self.transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):  # a platform that refuses it keeps its own buffer
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, size)

    def connection_lost(self, exc: Exception | None) -> None:
        self._stall.stop()
        super().connection_lost(exc)

    async def run_asgi(self) -> None:
        self.scope["extensions"][FRAME_WRITER] = {"writer": self}
        await super().run_asgi()

    # -- flow control: a client that does not read is not read, and is cut off if it stays so -----------------------

    def pause_writing(self) -> None:
        super().pause_writing()
        self.transport.pause_reading()
        self._stall.start(self.loop, self.close_timeout, self._stalled)

    def resume_writing(self) -> None:
        super().resume_writing()
        self._stall.stop()
        if not self.read_paused:  # uvicorn's own pause: a message waits for the app
            self.transport.resume_reading()

    async def receive(self) -> Any:
        message = await super().receive()
        self._hold_reading()  # uvicorn resumes reading once the app has taken what waited
        return message

    def _hold_reading(self) -> None:
        if not self.writable.is_set():
            self.transport.pause_reading()

    def _stalled(self) -> None:
        if not self.writable.is_set():
            self._cut_off()

    # -- web.FrameWriter: the venues' fan-out writes frames from the loop, without an ASGI send per frame --------------

    def can_write(self) -> bool:
        return (
            self.handshake_complete
            and self.initial_response is None
            and not self.close_sent
            and not self.disconnected
            and self.writable.is_set()
            and self.conn.state is State.OPEN
            and not self.transport.is_closing()
        )

    def write_texts(self, texts: Sequence[bytes]) -> None:
        conn = self.conn
        if conn.extensions:  # permessage-deflate: each frame through the connection's compressor, in order
            for text in texts:
                conn.send_text(text)
            self.transport.write(b"".join(conn.data_to_send()))
        else:  # what websockets writes for an unmasked, unfragmented text frame, without building a Frame each
            self.transport.write(b"".join([b"".join(conn.data_to_send()), *map(text_frame, texts)]))

    def send_keepalive_ping(self) -> None:
        self.ping_timer = None
        if self.close_sent or self.transport.is_closing():
            return
        self.pending_ping_payload = HEARTBEAT
        self.ping_sent_at = self.loop.time()
        self.conn.send_ping(HEARTBEAT)
        self.transport.write(b"".join(self.conn.data_to_send()))
        if self.ping_timeout is not None:
            self.pong_timer = self.loop.call_later(self.ping_timeout, self.keepalive_timeout)
        else:
            self.schedule_ping()

    def keepalive_timeout(self) -> None:
        super().keepalive_timeout()  # the 1011 close frame, then a graceful close of the transport
        self._cut_off_later()

    def on_task_complete(self, task: asyncio.Task[None]) -> None:
        super().on_task_complete(task)
        if self.close_timer is None:  # the app ended without a close frame: uvicorn closed the transport
            self._cut_off_later()

    async def send(self, message: Any) -> None:
        if message.get(DROPPED) and message["type"] == "websocket.close":
            self._drop()
            return
        self._gate.bypass = bool(message.get(UNTHROTTLED))
        try:
            await super().send(message)
        finally:
            self._gate.bypass = False
            self._hold_reading()  # uvicorn resumes reading after a close frame, to read the client's answer
        if message["type"] == "websocket.close" and self.close_timer is not None:
            self.close_timer.cancel()  # uvicorn's timer closes gracefully; this one cuts off a client not reading
            self.close_timer = self.loop.call_later(self.close_timeout, self._cut_off)

    def _drop(self) -> None:
        """A fault rule's drop (`web.extensions.DROPPED`): close the connection without a close frame (before the
        upgrade: without an answer), as a network that fails would; the client sees it end abnormally (1006)."""
        self.handshake_complete = True  # run_asgi must not answer 500 for an upgrade the app dropped
        self.close_sent = True  # nothing more is written
        if not self.transport.is_closing():
            self.transport.close()

    def _cut_off_later(self) -> None:
        if not self.disconnected and self.close_timer is None:
            self.close_timer = self.loop.call_later(self.close_timeout, self._cut_off)

    def _cut_off(self) -> None:
        """The close timeout passed and the client has not answered the close: reset the connection. A graceful close
        would queue the FIN behind unsent data that a client which does not read never takes, in the transport's
        buffer or the kernel's, and the connection would linger for minutes."""
        self.close_timer = None
        if self.disconnected:
            return
        sock = self.transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):  # linger on, 0 s: close() drops unsent data and sends a reset
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.transport.abort()


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to `host` (a name or an IPv4/IPv6 address; resolved, so `::1` and `localhost` work) and `port`
    (0: any free port), listening. Raises OSError (`socket.gaierror` for a host that does not resolve)."""
    family, _, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on accepted sockets whose proto says TCP; without it Nagle and
    # delayed ACK add 40 ms to every response.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        # As uvicorn does: a restarted mock can take its port back while old connections linger in TIME_WAIT.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(_BACKLOG)  # listening now makes a port in use fail here, before anything is printed
    except BaseException:
        sock.close()
        raise
    return sock


def bound_port(sock: socket.socket) -> int:
    return sock.getsockname()[1]


# A server bound to every address is reached, from the same machine, on loopback of that family.
_WILDCARDS = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}


def http_url(host: str, port: int) -> str:
    """`http://HOST:PORT` a client on this machine can use for a server bound to `host` (brackets around an IPv6
    address; loopback for a wildcard such as 0.0.0.0, which is no address to connect to)."""
    host = _WILDCARDS.get(host, host)
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def ws_url(base_url: str) -> str:
    """The websocket twin of an http(s) base URL."""
    return "ws" + base_url.removeprefix("http")


# The collector of a process that only serves (`serve_forever`: the CLI, the Docker image). Python's first generation
# collects every 700 net allocations: a book change fanned out to 1,000 connections makes more than that which lives
# until its frames are written, so collections promote it, and every ~300 changes the promoted pass a quarter of the
# oldest generation, whose full collection scans every connection's objects and stops the loop (~170 ms at 1,000
# connections). Collecting the first generation every 20,000 lets a change's objects die young; what the mock holds
# at start (its state restored) is frozen out of every later collection.
SERVING_THRESHOLDS = (20_000, 10, 10)


def tune_collector() -> None:
    """Set the collector as a serving process keeps it (SERVING_THRESHOLDS). Never for an in-process `MockServer`:
    the process is the user's."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*SERVING_THRESHOLDS)


def serve_forever(
    app: MockApp,
    sock: socket.socket,
    *,
    log_level: str = "info",
    on_ready: Callable[[], None] | None = None,
    on_stop: Callable[[], None] | None = None,
) -> None:
    """Serve `app` on the listening `sock` in the foreground until SIGINT or SIGTERM; `on_ready` runs once it
    accepts connections. The app is closed (its state file snapshot and closed), then `on_stop` runs, once
    connections are shut, before uvicorn raises the signal that stopped it again (SIGTERM's then ends the process
    without unwinding: what must happen at exit happens here)."""
    tune_collector()
    server = uvicorn.Server(uvicorn_config(app, log_level=log_level))
    original_startup, original_shutdown = server.startup, server.shutdown

    async def shutdown(sockets: list[socket.socket] | None = None) -> None:
        try:
            await original_shutdown(sockets)
        finally:
            app.close()
            if on_stop is not None:
                on_stop()

    # (the instance's methods, not a subclass's: tests/test_server_collector.py stands a fake in for uvicorn.Server)
    server.shutdown = shutdown  # type: ignore[method-assign]  # (this server's own: see above)

    async def startup(sockets: list[socket.socket] | None = None) -> None:
        await original_startup(sockets)
        if on_ready is not None:
            on_ready()

    server.startup = startup  # type: ignore[method-assign]  # (as shutdown above)
    server.run(sockets=[sock])


# A request head (line and headers) of up to this many bytes is read whole however the network splits it; h11's own
# bound (16 KiB) applies only to a head still incomplete, so a 60 KB query string was taken or refused with 400 by
# chance, as its segments arrived. A bigger head that arrives in pieces is refused (400, and the connection closed).
MAX_REQUEST_HEAD_BYTES = 64 * 1024


def uvicorn_config(app: MockApp, **overrides: Any) -> uvicorn.Config:
    # The benchmark's baseline passes a bare object with only `.asgi`: it gets the default settings.
    settings = getattr(app, "settings", None) or Settings()
    options: dict[str, Any] = {
        "log_level": "warning",
        "access_log": False,
        "lifespan": "off",
        "http": GuardedH11Protocol,
        "ws": HeartbeatWebSocketProtocol,
        "ws_ping_interval": settings.ws_ping_interval_s,
        "ws_ping_timeout": settings.ws_ping_timeout_s,
        "ws_max_size": settings.ws_max_message_bytes,
        "ws_per_message_deflate": settings.ws_per_message_deflate,
        "timeout_keep_alive": settings.keep_alive_timeout_s,
        "h11_max_incomplete_event_size": MAX_REQUEST_HEAD_BYTES,
    }
    options.update(overrides)
    return MockConfig(app.asgi, ConnectionLimits.of(settings), **options)


def start_in_thread(
    server: uvicorn.Server, sock: socket.socket, name: str, stop: Callable[[], None]
) -> threading.Thread:
    """Run `server` on the listening `sock` in a daemon thread, once it accepts connections; RuntimeError (after
    `stop`, and the socket closed) when it does not start within _START_TIMEOUT_S."""
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name=name)
    thread.start()
    started = threading.Event()
    deadline = _START_TIMEOUT_S
    while not server.started and deadline > 0 and thread.is_alive():
        started.wait(0.01)
        deadline -= 0.01
    if not server.started:
        host, port = sock.getsockname()[:2]
        stop_thread(server, thread)
        stop()
        sock.close()
        raise RuntimeError(f"{name} did not start on {host}:{port}")
    return thread


def stop_thread(server: uvicorn.Server | None, thread: threading.Thread | None) -> None:
    """Ask a server run by `start_in_thread` to exit, and wait for it."""
    if server is not None:
        server.should_exit = True
    if thread is not None:
        thread.join(timeout=_START_TIMEOUT_S)


class InThread:
    """A server run by uvicorn in a background thread, a context manager: `start`, `stop`, `requests` (its journal),
    the URLs a client of each venue takes.
    A subclass has `app` (with `journal` and `close()`), `host`, `port`, and says its uvicorn config and the port to
    bind (0: any free one)."""

    app: Any
    host: str
    port: int
    _name = "mockexchange"
    _server: uvicorn.Server | None = None
    _thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return http_url(self.host, self.port)

    @property
    def kalshi_url(self) -> str:
        return f"{self.base_url}/trade-api/v2"

    @property
    def kalshi_ws_url(self) -> str:
        return f"{ws_url(self.base_url)}/trade-api/ws/v2"

    @property
    def deribit_url(self) -> str:
        """The base URL a Deribit client takes (ccxt: `urls['api']['rest']`); methods are under `/api/v2`."""
        return self.base_url

    @property
    def deribit_ws_url(self) -> str:
        return f"{ws_url(self.base_url)}/ws/api/v2"

    def _config(self) -> uvicorn.Config:
        raise NotImplementedError

    def _wanted_port(self) -> int:
        raise NotImplementedError

    def start(self) -> Self:
        if self._thread is not None:
            return self
        sock = listening_socket(self.host, self._wanted_port())
        self._server = uvicorn.Server(self._config())
        self._thread = start_in_thread(self._server, sock, self._name, self.stop)
        self.port = bound_port(sock)
        return self

    def stop(self) -> None:
        stop_thread(self._server, self._thread)
        self._server = None
        self._thread = None
        self.app.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def requests(self, **filters: Any) -> list[dict[str, Any]]:
        """The journal's entries that pass the filters, as `GET /_admin/requests` lists them."""
        return self.app.journal.read(**filters)["requests"]


class MockServer(InThread, Control):
    """A mock listening on 127.0.0.1 on a free port, in a background thread; a context manager.

        with MockServer() as mock:
            mock.create_account("alice", balance_cents=100_000)
            key = mock.create_key("alice")               # key["key_id"], key["private_key_pem"]
            mock.fill("alice", "KXFED-26DEC-T4.00", "yes", "buy", "10", "0.56")
            mock.kalshi_url                               # http://127.0.0.1:PORT/trade-api/v2

    Every admin operation is a method (it is a `Control`, plus the app's scenario operations, plus `requests` and
    `clear_requests` for the request journal); `app` gives the ledger, the key registry, the scenario state and the
    journal.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        clock: Clock | None = None,
        wall_clock: Clock | None = None,
        seed: int | None = None,
        **setting_overrides: Any,
    ) -> None:
        settings = settings or Settings(host="127.0.0.1", port=0)
        if setting_overrides:
            settings = Settings(**{**_as_dict(settings), **setting_overrides})
        self.app = build_app(settings, clock=clock, wall_clock=wall_clock, seed=seed)
        assert self.app.book is not None and self.app.deribit is not None
        super().__init__(
            self.app.ledger, self.app.keys, self.app.book, self.app.deribit.auth.registry, self.app.deribit.auth.tokens,
            rate_limiter=self.app.rate_limits,  # the venues' own buckets: rate_limits(), set_rate_limit_tier()
            faults=self.app.faults, connections=self.app.connections,  # add_fault(), close_websockets(): the venues'
        )  # fmt: skip
        self.recorder = self.app.control.recorder  # the state file's (Settings.state): one log for both
        # The scenario operations are the app's own (one loaded scenario per mock, shared with the admin API).
        self.load_scenario = self.app.scenarios.load_scenario
        self.step = self.app.scenarios.step
        self.play_scenario = self.app.scenarios.play_scenario
        self.pause_scenario = self.app.scenarios.pause_scenario
        self.scenario_status = self.app.scenarios.scenario_status
        self.host = self.app.settings.host
        self.port = 0

    def _config(self) -> uvicorn.Config:
        return uvicorn_config(self.app)

    def _wanted_port(self) -> int:
        return self.app.settings.port

    def stop(self) -> None:
        """Stop serving, and close the state file if there is one (another mock may then open it)."""
        super().stop()

    def requests(self, **filters: Any) -> list[dict[str, Any]]:
        """The journaled requests that pass every filter given (`venue`, `transport`, `operation`, `status`,
        `invalid`, `key_id`, `since`, `limit`, `seq`), oldest first, as `GET /_admin/requests` lists them (with
        `bodies=True`, each with its request's and answer's bodies); `app.journal.entries(...)` gives the entries
        themselves."""
        return super().requests(**filters)

    def clear_requests(self) -> None:
        self.app.journal.clear()


def _as_dict(settings: Settings) -> dict[str, Any]:
    return {name: getattr(settings, name) for name in settings.__slots__}
