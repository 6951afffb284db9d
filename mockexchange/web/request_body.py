"""A request's body, read within a limit as it streams in (refused at the Content-Length, or at the chunk that passes
it), and the value of a raw ASGI header: what the venues, the control plane, the journal, the proxy and the replay read
of what a client sent."""

from __future__ import annotations

from collections.abc import Iterable

from starlette.requests import ClientDisconnect, Request
from starlette.types import Receive


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


def raw_header(raw: Iterable[tuple[bytes, bytes]] | None, name: bytes) -> str | None:
    """The first value of the header `name` (lower case) among raw headers (ASGI's, httpx's), as Latin-1 text."""
    for key, value in raw or ():
        if len(key) == len(name) and key.lower() == name:  # (a name of another length is not lowered to be told)
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
