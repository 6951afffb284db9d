"""The mock's HTTP protocol: uvicorn's h11 protocol with header and body timeouts, a connection cap, requests that
declare two framings closed after their answer, and the mock's ASGI extensions honoured (a dropped answer, a stream
told to end at shutdown, a body that timed out)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from mockexchange.server.limits import Deadline, closing_answer, limits_of
from mockexchange.web.extensions import BODY_TIMED_OUT, DROPPED, STREAM_ENDS

_H11_HEAD_BOUND = 16 * 1024  # h11's bound on a head still arriving, where uvicorn's configuration sets none


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
        self._head_deadline = Deadline()
        self._body_deadline = Deadline()

    def _guarded(self, app: Any) -> Any:
        async def run(scope: Any, receive: Any, send: Any) -> None:
            # One request at a time on a connection: the cycle current when its app starts is the one it answers.
            cycle = self.cycle
            if _head_size(scope) > self._head_bound() and cycle is not None:
                cycle.disconnected = True  # (answered here: uvicorn writes nothing more, and no 500)
                self._refuse_head()
                return
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
        limits = limits_of(self.config)
        if len(self.connections) > limits.max_connections:  # websocket connections are in the set too
            why = f"the mock serves at most {limits.max_connections} connections at once (max_connections)"
            self.transport.write(closing_answer(503, "Service Unavailable", why))
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
            self.transport.write(closing_answer(400, "Bad Request", why))
            self.transport.close()
            return
        super().handle_websocket_upgrade(event)

    def _head_bound(self) -> int:
        return self.config.h11_max_incomplete_event_size or _H11_HEAD_BOUND

    def _refuse_head(self) -> None:
        """A head past the bound that h11 took whole (it bounds only a head still arriving: one that came in one read
        of the socket was taken or refused by how the network split it): refused with 400, as h11 refuses, and
        closed."""
        why = f"a request head over {self._head_bound()} bytes"
        self.transport.write(closing_answer(400, "Bad Request", why))
        self.transport.close()

    def shutdown(self) -> None:
        # A response that streams until told (web.extensions.STREAM_ENDS: the inspector's feed) ends, or it would hold
        # the shutdown for as long as its client stays.
        cycle = self.cycle
        ending = cycle.scope.get(STREAM_ENDS) if cycle is not None and not cycle.response_complete else None
        if callable(ending):
            ending()
        super().shutdown()

    def _watch(self) -> None:
        """Run the deadline of what h11 waits for, a head or a body, and stop the other: a head that arrived whole (or
        an upgrade that took the connection) stops the head's, as does the keep-alive timer, which governs between
        requests; a body that arrived whole stops the body's."""
        state, limits = self.conn.their_state, limits_of(self.config)
        head = state is h11.IDLE and self.timeout_keep_alive_task is None
        body = state is h11.SEND_BODY and self.transport.get_protocol() is self  # not once upgraded
        self._run(self._head_deadline, head, limits.header_timeout_s, self._header_timeout)
        self._run(self._body_deadline, body, limits.body_timeout_s, self._body_timeout)

    def _run(self, deadline: Deadline, waiting: bool, seconds: float, then: Callable[[], None]) -> None:
        if waiting and not self.transport.is_closing():
            deadline.start(self.loop, seconds, then)
        else:
            deadline.stop()

    def _header_timeout(self) -> None:
        if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
            return
        timeout = limits_of(self.config).header_timeout_s
        why = f"no whole request head within {timeout:g} s (header_timeout_s)"
        self.transport.write(closing_answer(408, "Request Timeout", why))
        self.transport.close()

    def _body_timeout(self) -> None:
        if self.transport.is_closing() or self.conn.their_state is not h11.SEND_BODY:
            return
        timeout = limits_of(self.config).body_timeout_s
        why = f"no whole request body within {timeout:g} s of its head (body_timeout_s)"
        cycle = self.cycle
        if cycle is not None and not cycle.response_started:
            cycle.scope[BODY_TIMED_OUT] = why  # type: ignore[literal-required]  # (ours, in uvicorn's typed scope)
            self.transport.write(closing_answer(408, "Request Timeout", why))
            cycle.disconnected = True  # uvicorn writes nothing more; the app's wait for the body ends
            cycle.message_event.set()
        self.transport.close()


def _head_size(scope: Any) -> int:
    """The bytes of the request head the scope was read from, as written with CRLFs and one space each (its request
    line, then `name: value` lines and the blank line)."""
    query = scope["query_string"]
    target = len(scope["raw_path"]) + (len(query) + 1 if query else 0)
    line = len(scope["method"]) + target + len(scope["http_version"]) + 9  # "M T HTTP/v" CRLF
    return line + sum(len(name) + len(value) + 4 for name, value in scope["headers"]) + 2


def _framed_twice(headers: Sequence[tuple[bytes, bytes]]) -> bool:
    """The request declares both Content-Length and Transfer-Encoding (header names as uvicorn gives them: lower)."""
    names = {name for name, _ in headers}
    return b"content-length" in names and b"transfer-encoding" in names
