"""The mock's websocket protocols: uvicorn's websockets-sansio protocol answering an upgrade head websockets' parser
refuses (`GuardedWebSocketProtocol`, the proxy's too), and the mock's own (`HeartbeatWebSocketProtocol`): Kalshi's
keep-alive ping payload, bounded buffers towards a client that does not read, a connection's last frames written past
them, a close that cannot hang, and the venues' fanned-out frames written straight from the loop (its frame writer)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from collections.abc import Sequence
from typing import Any, Literal

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.protocol import State

from mockexchange.server.limits import Deadline, closing_answer, limits_of
from mockexchange.web.extensions import DROPPED, FRAME_WRITER, UNTHROTTLED

# Kalshi's keep-alive pings carry this payload.
HEARTBEAT = b"heartbeat"


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
            answer = closing_answer(
                400, "Bad Request", f"a websocket upgrade whose head websockets does not read: {why}"
            )
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
        self.limits = limits_of(self.config)
        self.close_timeout = self.limits.ws_close_timeout_s
        self.writable = self._gate = _WritableGate()  # (uvicorn's own name for it, and ours: its `bypass`)
        self.writable.set()
        self._stall = Deadline()  # the buffer over its high-water mark, and the client not draining it

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

    # -- web.extensions.FrameWriter: the venues' fan-out writes frames from the loop, without an ASGI send per frame ---

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
