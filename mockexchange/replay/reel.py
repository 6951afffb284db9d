"""A tape loaded for replay: each recorded request's answers in recorded order, each websocket path's connections.

A tape is read whole into memory, so it is refused beyond `MAX_TAPE_BYTES` (and when it is no regular file) before a
line is read. A path recorded relative to its upstream's base (`/portfolio/balance` under
`https://demo-api.kalshi.co/trade-api/v2`) is joined to that base's path, so both spellings replay at the path a
client of the mock calls.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from mockexchange.recording.reader import read_tape
from mockexchange.recording.records import Record, Tape, TapeError
from mockexchange.replay.matching import Matcher, Shape

if TYPE_CHECKING:  # (the parser of the command line reads tapes without the control plane's imports)
    from mockexchange.control.registration import Proxied

MAX_TAPE_BYTES = 64 * 1024 * 1024
NEAREST_CANDIDATES = 2_000  # the recorded requests a 404's diagnosis compares: those of its path, else the first


@dataclass(slots=True)
class Segment:
    """A websocket's client frame (None: what the upstream sent before any) and the upstream frames that followed."""

    client: Shape | None
    client_id: Any
    seq: int
    replies: list[Mapping[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class RecordedWebsocket:
    """One recorded websocket: its path and its frames cut at each client frame."""

    venue: str
    path: str
    seq: int
    segments: list[Segment]


class Reel:
    """What a replay answers from. `answer` hands out a request's recorded answers in order, the last repeating."""

    def __init__(self, tape: Tape, venues: Mapping[str, Proxied], source: str = "") -> None:
        self.source = source
        self.venues = venues  # a recorded path none of them serves (their `serves`) is relative to its upstream
        self.matcher = Matcher.of(venues.values())  # what a match leaves out of their requests (live ones too)
        self.upstreams = dict(tape.upstreams)
        self._answers: dict[str, list[Record]] = defaultdict(list)
        self._shapes: dict[str, tuple[Shape, int]] = {}
        self._by_path: dict[str, list[tuple[Shape, int]]] = defaultdict(list)
        self._served: dict[str, int] = defaultdict(int)
        self._sockets: dict[str, list[RecordedWebsocket]] = defaultdict(list)
        self._opened: dict[str, int] = defaultdict(int)
        self._lock = threading.Lock()
        self._index(tape.records)

    def _index(self, records: tuple[Record, ...]) -> None:
        open_by_number: dict[int, RecordedWebsocket] = {}
        for record in records:
            if record.kind == "http":
                self._add_http(record)
            elif record.kind == "ws_open":
                request = record.request or {}
                path = self.path(record.venue, str(request.get("path", "/")))
                connection = RecordedWebsocket(record.venue, path, record.seq, [Segment(None, None, record.seq)])
                open_by_number[record.connection or 0] = connection
                self._sockets[path].append(connection)
            elif record.kind == "ws_frame" and (opened := open_by_number.get(record.connection or 0)):
                data = record.data or {}
                if record.direction == "client":
                    command = data.get("json")
                    ident = command.get("id") if isinstance(command, dict) else None
                    opened.segments.append(Segment(self.matcher.frame_shape(data), ident, record.seq))
                else:
                    opened.segments[-1].replies.append(data)

    def _add_http(self, record: Record) -> None:
        request = record.request or {}
        path = self.path(record.venue, str(request.get("path", "/")))
        found = self.matcher.shape(
            str(request.get("method", "GET")), path, str(request.get("query") or ""), request.get("body")
        )
        self._answers[found.key].append(record)
        if found.key not in self._shapes:
            self._shapes[found.key] = (found, record.seq)
            self._by_path[found.path].append((found, record.seq))

    def path(self, venue: str, path: str) -> str:
        """The path a client of the mock calls for a recorded one."""
        if self.venues[venue].serves(path):
            return path
        base = urlsplit(self.upstreams.get(venue, "")).path.rstrip("/")
        return f"{base}{path}" if base else path

    def answer(self, live: Shape) -> tuple[Record, int, int] | None:
        """The next recorded answer to `live` (the last one again once all were served), which of them it is (from
        1) and how many there are; None if it is not recorded."""
        with self._lock:
            answers = self._answers.get(live.key)
            if not answers:
                return None
            served = self._served[live.key]
            self._served[live.key] = served + 1
            which = min(served, len(answers) - 1)
            return answers[which], which + 1, len(answers)

    def candidates(self, live: Shape) -> list[tuple[Shape, int]]:
        """What a 404's diagnosis compares `live` with: the recorded requests on its path, else any, at most
        NEAREST_CANDIDATES of them (so a miss costs a bounded time however long the tape)."""
        found = self._by_path.get(live.path) or list(itertools.islice(self._shapes.values(), NEAREST_CANDIDATES))
        return found[:NEAREST_CANDIDATES]

    def connection(self, path: str) -> RecordedWebsocket | None:
        """The recorded websocket the next client on `path` replays: the first, then the next, the last repeating."""
        with self._lock:
            recorded = self._sockets.get(path)
            if not recorded:
                return None
            opened = self._opened[path]
            self._opened[path] = opened + 1
            return recorded[min(opened, len(recorded) - 1)]

    def rewind(self) -> None:
        """Start every recorded request and websocket path over from its first answer (the mock's reset)."""
        with self._lock:
            self._served.clear()
            self._opened.clear()

    def socket_paths(self) -> list[str]:
        return sorted(self._sockets)

    def counts(self, venue: str | None = None) -> dict[str, int]:
        """What the banner says: recorded exchanges, distinct requests, websocket connections (of `venue`'s only, if
        named: "kalshi", "deribit")."""
        answers = [held for held in self._answers.values() if venue is None or held[0].venue == venue]
        sockets = [c for held in self._sockets.values() for c in held if venue is None or c.venue == venue]
        return {"exchanges": sum(map(len, answers)), "requests": len(answers), "websockets": len(sockets)}


def read_bounded(path: str | os.PathLike[str], venues: Collection[str], limit: int = MAX_TAPE_BYTES) -> Tape:
    """The tape at `path`, of `venues` (read_tape's); TapeError if it is no tape (naming the line), no regular file, or
    over `limit` bytes."""
    where = Path(path)
    try:
        status = where.stat()
    except OSError as failed:
        raise TapeError(f"{where}: {failed.strerror or failed}") from None
    if not where.is_file():
        raise TapeError(f"{where}: not a regular file; a tape is one")
    if status.st_size > limit:
        raise TapeError(f"{where}: {status.st_size:,} bytes; a tape is read whole into memory, at most {limit:,}")
    return read_tape(where, venues)


def load(path: str | os.PathLike[str], venues: Mapping[str, Proxied], limit: int = MAX_TAPE_BYTES) -> Reel:
    """The tape at `path` ready to replay, of `venues` (by name, their registrations' `Proxied`; read_bounded's
    refusals)."""
    return Reel(read_bounded(path, tuple(venues), limit), venues, str(path))
