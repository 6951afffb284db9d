"""The mock's own ASGI extensions: keys in a scope or a message that only the mock's server (`mockexchange.server`)
honours, and another ASGI server ignores. The app says through them what ASGI has no word for (a frame written past
a full buffer, a connection dropped without an answer, a stream told to end at shutdown, a body that timed out) and
finds the server's frame writer; the server's protocols read them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from starlette.websockets import WebSocket

# An ASGI `websocket.send` or `websocket.close` message carrying this key (true) is written even while the client does
# not read (the transport's buffer is over its high-water mark): how a connection's last frames (error 25, the close)
# reach a stalled client. Only `mockexchange.server`'s websocket protocol honours it; other servers ignore the key.
UNTHROTTLED = "mockexchange.unthrottled"

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

# An ASGI HTTP scope holding this key (a str: why) is a request whose body did not arrive whole within the server's
# body timeout: the server answered it 408 and closed the connection, and the app's wait for the body ended as on a
# client's disconnect. Only `mockexchange.server`'s protocol sets it.
BODY_TIMED_OUT = "mockexchange.body_timed_out"
