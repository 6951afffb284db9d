"""HTTP plumbing shared by every venue and the control plane: JSON responses (orjson), the mock's own headers, a
request body read within a limit, and the websocket helpers both venues' connections use."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Protocol

import orjson
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import Receive
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketDisconnected

# The mock's own explanation of an error, beside the venue's real body; real clients ignore unknown headers.
DIAGNOSIS_HEADER = "X-Mockexchange-Diagnosis"
AUTH_DIAGNOSIS_HEADER = "X-Mockexchange-Auth"


class JSONBytesResponse(Response):
    media_type = "application/json"


def json_response(body: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return JSONBytesResponse(orjson.dumps(body), status_code=status, headers=dict(headers or {}))


def json_line_response(body: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    """An answer of the mock's own control plane (every `/_admin/...` JSON answer): the JSON and a newline, so a
    shell's curls print one answer a line. The venues answer their wire bodies as the venue does (`json_response`)."""
    body_bytes = orjson.dumps(body, option=orjson.OPT_APPEND_NEWLINE)
    return JSONBytesResponse(body_bytes, status_code=status, headers=dict(headers or {}))


def json_number(value: Decimal) -> orjson.Fragment:
    """A JSON number written from the Decimal's digits, never through a float (and never as `-0`)."""
    text = f"{value.normalize():f}"
    return orjson.Fragment(("0" if text == "-0" else text).encode())


# Every C0 and C1 control character and DEL, as Python escapes them (`\x00`, `\r`): no header can carry a NUL, CR or
# LF, and the rest would make a diagnosis unreadable.
_CONTROLS = {code: repr(chr(code))[1:-1] for code in (*range(0x20), *range(0x7F, 0xA0))}


# A diagnosis header's length: clients refuse long header lines (http.client beyond 64 KiB, many far sooner), and a
# path or query may quote 64 KiB of a client's text.
MAX_HEADER_CHARS = 2048


def header_safe(text: str) -> str:
    r"""A header value that quotes `text` whatever it holds: printable Latin-1 as is, control characters and
    characters beyond Latin-1 escaped (`\x00`, `\u20ac`), cut to `MAX_HEADER_CHARS` (saying how long it was). Every
    header the mock adds that quotes what a client sent (the diagnosis headers) goes through here."""
    safe = text.translate(_CONTROLS).encode("latin-1", "backslashreplace").decode("latin-1")
    if len(safe) <= MAX_HEADER_CHARS:
        return safe
    return f"{safe[: MAX_HEADER_CHARS - 40]}... ({len(safe):,} characters in all)"


async def next_message(websocket: Any) -> str | bytes | None:
    """The next text or binary message a websocket client sent; None once it has disconnected."""
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return None
        data = message.get("text")
        if data is None:
            data = message.get("bytes")
        if data is not None:
            return data


# An ASGI `websocket.send` or `websocket.close` message carrying this key (true) is written even while the client does
# not read (the transport's buffer is over its high-water mark): how a connection's last frames (error 25, the close)
# reach a stalled client. Only `mockexchange.server`'s websocket protocol honours it; other servers ignore the key.
UNTHROTTLED = "mockexchange.unthrottled"
# What a send raises once the client has gone away.
GONE = (WebSocketDisconnect, WebSocketDisconnected, OSError)


async def send_text(websocket: WebSocket, text: str, *, unthrottled: bool = False) -> None:
    """One text frame; `unthrottled`: written even if the client is not reading (the connection's last frames)."""
    await websocket.send({"type": "websocket.send", "text": text, UNTHROTTLED: unthrottled})


# An ASGI websocket scope whose `extensions` hold this key ({"writer": FrameWriter}) was opened by
# `mockexchange.server`'s protocol, which writes text frames at once, from the loop, without an ASGI `send` (and its
# middleware, task switch and await) per frame: how a change's fan-out reaches a thousand connections in one pass
# of the loop. Another server has no writer; the venues then send every frame through ASGI.
FRAME_WRITER = "mockexchange.frame_writer"


class FrameWriter(Protocol):
    def can_write(self) -> bool:
        """The connection is open and its client reads: its transport's buffer is under the high-water mark."""
        ...

    def write_texts(self, texts: Sequence[bytes]) -> None:
        """Each UTF-8 text as one text frame, in order, in one write to the transport, now (only if `can_write`)."""
        ...


def frame_writer(websocket: WebSocket) -> FrameWriter | None:
    """The server's frame writer of this websocket, when it has one (FRAME_WRITER)."""
    found = (websocket.scope.get("extensions") or {}).get(FRAME_WRITER)
    return found.get("writer") if isinstance(found, dict) else None


async def close_now(websocket: WebSocket, code: int, reason: str) -> None:
    """The close frame, written even if the client is not reading (the server cuts off a client that does not answer
    it within its close timeout); nothing happens if the client has gone already."""
    with contextlib.suppress(*GONE, RuntimeError):  # RuntimeError: closed already
        await websocket.send({"type": "websocket.close", "code": code, "reason": reason, UNTHROTTLED: True})


# An ASGI `http.response.start` or `websocket.close` message carrying this key (true) is not written: the connection is
# closed instead, without a byte more (before a websocket's upgrade: without an answer; after it: without a close
# frame, so the client sees it end abnormally, 1006). A fault rule's `drop` (venues/faults.py). Only
# `mockexchange.server`'s protocols honour it; another server answers what the message says (a 502, a 1001 close).
# An `http.response.body` carrying it ends a streamed response by closing the connection at once (the inspector's
# feed drops a client that does not read, admin/feed.py), even while the client's buffer is full.
DROPPED = "mockexchange.dropped"
# An ASGI HTTP scope holding this key (a callable) is a response that streams until told to end: the mock's server
# calls it (on its loop) when it shuts down, so the stream ends instead of holding the shutdown (admin/feed.py).
STREAM_ENDS = "mockexchange.stream_ends"


async def drop_now(websocket: WebSocket) -> None:
    """End an accepted websocket as a dropped connection would (no close frame; see DROPPED); nothing happens if the
    client has gone already."""
    with contextlib.suppress(*GONE, RuntimeError):  # RuntimeError: closed already
        message = {"type": "websocket.close", "code": 1001, "reason": "", DROPPED: True, UNTHROTTLED: True}
        await websocket.send(message)


async def until_first_ends(*coroutines: Coroutine[Any, Any, Any]) -> BaseException | None:
    """Run the coroutines as tasks until one ends, then cancel the others. The first exception one of them raised,
    other than the client going away; None if none did. Cancelled from outside, it cancels them all."""
    tasks = [asyncio.create_task(c) for c in coroutines]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
    failure: BaseException | None = None
    for task in tasks:
        try:
            await task
        except (asyncio.CancelledError, *GONE):
            pass
        except Exception as exc:
            failure = failure or exc
    current = asyncio.current_task()
    if current is not None and current.cancelling():
        raise asyncio.CancelledError  # cancelled from outside while the tasks wound down: not swallowed
    return failure


class BodyTooLarge(Exception):
    """A request body over its surface's limit, refused before it is read whole."""

    def __init__(self, limit: int, declared: str | None) -> None:
        self.limit = limit
        self.declared = declared  # the Content-Length's digits, when it said so; None: the stream passed the limit
        shown = declared if declared is None or len(declared) <= 40 else f"{declared[:40]}... ({len(declared)} digits)"
        said = f"declares {shown} bytes" if declared is not None else f"passed {limit} bytes while it streamed in"
        super().__init__(f"the body {said}; the limit is {limit}")


class BodyCut(ClientDisconnect):
    """The connection ended before the request's body was whole: Starlette's `ClientDisconnect`, saying how much
    had arrived. No bug of the mock's: the app answers it with one handler (nothing reaches the client), and a route
    that catches its own bugs lets it pass."""

    def __init__(self, received: int, declared: str | None) -> None:
        self.received = received
        self.declared = declared  # the Content-Length as sent; None: chunked
        of = f"{received} of the {declared} bytes" if declared is not None else f"{received} bytes of the chunks"
        super().__init__(f"{of} of its body had arrived")


# An ASGI HTTP scope holding this key (a str: why) is a request whose body did not arrive whole within the server's
# body timeout: the server answered it 408 and closed the connection, and the app's wait for the body ended as on a
# client's disconnect. Only `mockexchange.server`'s protocol sets it.
BODY_TIMED_OUT = "mockexchange.body_timed_out"


def raw_header(raw: Iterable[tuple[bytes, bytes]] | None, name: bytes) -> str | None:
    """The first value of the header `name` (lower case) among raw headers (ASGI's, httpx's), as Latin-1 text."""
    for key, value in raw or ():
        if key.lower() == name:
            return value.decode("latin-1")
    return None


async def read_body(request: Request, limit: int) -> bytes:
    """The request's body, counted as it streams in: a Content-Length over `limit` is refused before a byte is read,
    a chunked body at the chunk that passes it (BodyTooLarge). What is held stays within `limit` plus one chunk;
    the rest of a refused body is left unread (uvicorn discards it after the answer). BodyCut if the connection
    ends first. Read from `receive` itself, once (Starlette's `stream` costs as much again, through an async
    generator): nothing reads the body after this."""
    declared = raw_header(request.scope["headers"], b"content-length")  # None: chunked
    if declared is not None and declared.isascii() and declared.isdigit():
        digits = declared.lstrip("0")
        if len(digits) > 18 or int(digits or "0") > limit:  # (past 18 digits, past any limit; int() refuses 4,301)
            raise BodyTooLarge(limit, declared)
    chunks, received, whole = await _received(request.receive, limit)
    if chunks is None:
        raise BodyTooLarge(limit, None)
    if not whole:  # (http.disconnect: the client went, or the body timed out)
        raise BodyCut(received, declared)
    return b"".join(chunks)


async def body_within(receive: Receive, limit: int) -> bytes | None:
    """The request's body as far as it came (the proxy's and a replay's: they answer a client that went away too);
    None once it passes `limit` (the rest is left unread)."""
    chunks, _, _ = await _received(receive, limit)
    return None if chunks is None else b"".join(chunks)


async def _received(receive: Receive, limit: int) -> tuple[list[bytes] | None, int, bool]:
    """A body's chunks as they stream in (None at the chunk that passes `limit`: the rest is left unread), the bytes
    received, and whether the body ended whole (False: the connection ended first)."""
    chunks: list[bytes] = []
    received = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":  # http.disconnect
            return chunks, received, False
        chunk = message.get("body", b"")
        if chunk:
            received += len(chunk)
            if received > limit:
                return None, received, False
            chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks, received, True
