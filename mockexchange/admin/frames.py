"""The last frames of each venue websocket, both ways, for the inspector (`GET /_admin/connections`).

`FrameTap` is an ASGI middleware (app.py installs it with the admin API): for a venue's websocket it keeps a `FrameLog`
in the scope (`FRAME_LOG`) and notes the text the client sends (`websocket.receive`) and what the venue writes, whether
through ASGI (`websocket.send`) or through the server's frame writer (`web.extensions.FRAME_WRITER`, which it wraps in a
`TappedWriter`). The venues know nothing of it; the inspector finds a connection's log through the connection's
websocket scope. A log keeps at most `FRAMES_KEPT` frames, each as sent (no copy) or, past `FRAME_KEPT`, a copy of what
may be shown of it: a connection's memory stays bounded in bytes whatever it sends or receives (a long reply, a snapshot
of a deep book). A frame is shown with its credentials hidden (`mockexchange.auth.redact`: `public/auth`'s secret and
the tokens of its answer, in any spelling), when it is read: noting
one costs nothing more.

Frames are noted once someone inspects the mock (`Recording.start`: the first `GET /_admin/connections` or live-feed
client), and from then on: a mock nobody inspects pays nothing on its fan-out (a tapped writer is then the server's own
`write_texts`, not a call more), which is what the benchmarks measure.
"""

from __future__ import annotations

import weakref
from collections import deque
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockexchange.auth import redact
from mockexchange.core.clock import Clock, unix_ms
from mockexchange.web.extensions import FRAME_WRITER, FrameWriter

FRAME_LOG = "mockexchange.inspector.frames"  # the scope key of a websocket's FrameLog
FRAMES_KEPT = 20  # per connection, both ways together
FRAME_CHARS = 2_000  # of each frame, shown
FRAME_KEPT = 4 * FRAME_CHARS  # of each frame, kept: what may be shown (4 bytes a character)


class Recording:
    """Whether frames are noted, shared by the tap and the inspector's reads; `start` turns it on for good."""

    def __init__(self) -> None:
        self.on = False
        self._writers: weakref.WeakSet[TappedWriter] = weakref.WeakSet()

    def start(self) -> None:
        if self.on:
            return
        self.on = True
        for writer in list(self._writers):
            writer.record()

    def add(self, writer: TappedWriter) -> None:
        if self.on:
            writer.record()
        else:
            self._writers.add(writer)


class FrameLog:
    """One websocket's last frames: (when, "in" | "out", the text or bytes as sent), on the mock's wall clock. Noting
    a frame is cheap (a clock reading, an append)."""

    __slots__ = ("clock", "path", "opened", "frames", "received", "sent", "on_change")

    def __init__(self, clock: Clock, path: str, on_change: Callable[[], None]) -> None:
        self.clock = clock
        self.on_change = on_change  # told of every frame noted
        self.path = path
        self.opened = clock.now()
        self.frames: deque[tuple[datetime, str, str | bytes]] = deque(maxlen=FRAMES_KEPT)
        self.received = 0  # frames noted
        self.sent = 0

    def note_in(self, data: str | bytes) -> None:
        self.received += 1
        self.frames.append((self.clock.now(), "in", _kept(data)))
        self.on_change()

    def note_out(self, texts: Sequence[str | bytes]) -> None:
        self.sent += len(texts)
        now = self.clock.now()
        if len(texts) == 1:
            self.frames.append((now, "out", _kept(texts[0])))
        else:
            self.frames.extend([(now, "out", _kept(text)) for text in texts[-FRAMES_KEPT:]])
        self.on_change()

    @property
    def noted(self) -> int:
        """Frames noted so far, both ways."""
        return self.received + self.sent

    def since(self, noted: int) -> list[dict[str, Any]]:
        """The frames noted after the first `noted`, as many of them as are kept, oldest first."""
        count = min(self.noted - noted, len(self.frames))
        kept = list(self.frames)
        return [_frame(frame) for frame in kept[len(kept) - count :]] if count > 0 else []

    def to_json(self) -> dict[str, Any]:
        return {
            "opened_ms": unix_ms(self.opened),
            "frames_received": self.received,
            "frames_sent": self.sent,
            "last_frames": [_frame(frame) for frame in list(self.frames)],
        }


def _frame(frame: tuple[datetime, str, str | bytes]) -> dict[str, Any]:
    when, way, data = frame
    return {"time_ms": unix_ms(when), "direction": way, "text": _shown(data)}


def _kept(data: str | bytes) -> str | bytes:
    return data if len(data) <= FRAME_KEPT else data[:FRAME_KEPT]


def _shown(data: str | bytes) -> str:
    cut = data[:FRAME_KEPT]  # what may be shown, redacted before it is cut to size
    text = redact.frame(cut.decode("utf-8", "replace") if isinstance(cut, bytes) else cut)
    return text if len(text) <= FRAME_CHARS else text[:FRAME_CHARS] + "..."


class TappedWriter:
    """The server's frame writer; once recording, it notes what it writes in the connection's log. Until then its
    `write_texts` is the server's own (no call more on the fan-out's path)."""

    __slots__ = ("can_write", "write_texts", "_write", "_log", "__weakref__")

    def __init__(self, writer: FrameWriter, log: FrameLog) -> None:
        self.can_write = writer.can_write
        self._write = self.write_texts = writer.write_texts
        self._log = log

    def record(self) -> None:
        self.write_texts = self._recorded

    def _recorded(self, texts: Sequence[bytes]) -> None:
        self._write(texts)
        self._log.note_out(texts)


class FrameTap:
    """Keeps a FrameLog for each websocket a venue serves (`venue_of` names it; None: not tapped). `on_change` is told
    when a tapped connection opens, ends or (while recording) moves a frame: the inspector's feed; it must not block."""

    def __init__(
        self,
        app: ASGIApp,
        clock: Clock,
        venue_of: Callable[[Scope], str | None],
        recording: Recording,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self.app = app
        self.clock = clock
        self.venue_of = venue_of
        self.recording = recording
        self.on_change = on_change or (lambda: None)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket" or self.venue_of(scope) is None:
            await self.app(scope, receive, send)
            return
        changed, recording = self.on_change, self.recording
        log = FrameLog(self.clock, scope["path"], changed)
        scope = dict(scope)  # the server's own scope stays as it made it
        scope[FRAME_LOG] = log
        extensions = scope.get("extensions") or {}
        found = extensions.get(FRAME_WRITER)
        if isinstance(found, dict) and found.get("writer") is not None:
            writer = TappedWriter(found["writer"], log)
            recording.add(writer)
            scope["extensions"] = {**extensions, FRAME_WRITER: {**found, "writer": writer}}

        async def tapped_receive() -> Message:
            message = await receive()
            if message["type"] == "websocket.receive" and recording.on:
                data = message.get("text")
                log.note_in(data if data is not None else message.get("bytes") or b"")
            return message

        async def tapped_send(message: Message) -> None:
            await send(message)
            kind = message["type"]
            if kind == "websocket.send":
                if recording.on:
                    data = message.get("text")
                    log.note_out((data if data is not None else message.get("bytes") or b"",))
            elif kind == "websocket.accept":
                changed()

        try:
            await self.app(scope, tapped_receive, tapped_send)
        finally:
            changed()
