"""A tape: what `mockexchange proxy --record FILE` saw pass between clients and a real venue, one event per line, and
what `mockexchange serve --replay FILE` answers from (docs/proxy.md, "The tape").

JSON Lines, UTF-8, keys in one fixed order, so two recordings diff line by line. The first line is the header
(`{"tape": "mockexchange", "version": 1, "upstreams": {...}}`), each next line one `Record`:
  http      a request and its response (`request`, `response`; `elapsed_ms` between them)
  ws_open   a websocket opened (`connection` numbers it within the tape; `request` is its upgrade request)
  ws_frame  a frame, `direction` "client" (client to upstream) or "upstream"; `offset_ms` since its ws_open
  ws_close  a websocket closed (`code`)
A message (request, response) is `{"method", "path", "query", "headers", "body"}` or `{"status", "headers", "body"}`;
a body, like a frame's `data`, is `{"json": value}` when it parses as JSON, `{"text": str}` when it is other UTF-8
text, `{"base64": str}` otherwise, or null when empty. Secrets are redacted before a record is written (the proxy's
job): this module reads and writes what it is given. Imports nothing of the package.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

FORMAT = "mockexchange"
VERSION = 1
KINDS = ("http", "ws_open", "ws_frame", "ws_close")
DIRECTIONS = ("client", "upstream")
VENUES = ("kalshi", "deribit")
# The order of a record's keys on its line (those a kind does not have are left out).
_ORDER = ("seq", "kind", "venue", "at", "connection", "direction", "offset_ms", "elapsed_ms", "code", "request",
          "response", "data")  # fmt: skip


class TapeError(ValueError):
    """A tape that cannot be read: names the line and what is wrong with it."""


@dataclass(frozen=True, slots=True)
class Record:
    """One line of a tape after the header. `at` is an ISO 8601 UTC time with milliseconds."""

    seq: int
    kind: str
    venue: str
    at: str
    connection: int | None = None
    direction: str | None = None
    offset_ms: float | None = None
    elapsed_ms: float | None = None
    code: int | None = None
    request: Mapping[str, Any] | None = None
    response: Mapping[str, Any] | None = None
    data: Mapping[str, Any] | None = None

    def line(self) -> str:
        values = {key: getattr(self, key) for key in _ORDER}
        kept = {key: value for key, value in values.items() if value is not None}
        return json.dumps(kept, ensure_ascii=False, separators=(", ", ": "))


@dataclass(frozen=True, slots=True)
class Tape:
    upstreams: Mapping[str, str]
    records: tuple[Record, ...] = field(default=())


def encode_body(raw: bytes) -> dict[str, Any] | None:
    """A body or frame as a tape holds it: JSON as its value, other UTF-8 as text, anything else as base64."""
    if not raw:
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(raw).decode("ascii")}
    try:
        return {"json": json.loads(text)}
    except ValueError:
        return {"text": text}


def decode_body(body: Mapping[str, Any] | None) -> bytes:
    """The bytes a tape's body stands for (JSON written compactly, as the venues write it)."""
    if not body:
        return b""
    if "json" in body:
        return json.dumps(body["json"], ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if "text" in body:
        return str(body["text"]).encode("utf-8")
    return base64.b64decode(str(body["base64"]))


class TapeWriter:
    """Appends records to a tape file as they happen, one flushed line each, from any thread."""

    def __init__(self, path: str | Path, upstreams: Mapping[str, str]) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._seq = 0
        self._file: IO[str] = self.path.open("w", encoding="utf-8")
        header = {"tape": FORMAT, "version": VERSION, "upstreams": dict(upstreams)}
        self._write(json.dumps(header, ensure_ascii=False, separators=(", ", ": ")))

    def write(self, kind: str, venue: str, at: str, **fields: Any) -> Record:
        """Writes one record; its `seq` is the next number. Refuses a kind, venue or key the format does not have."""
        with self._lock:
            self._seq += 1
            record = Record(seq=self._seq, kind=kind, venue=venue, at=at, **fields)
            _check(record, self._seq)
            self._write(record.line())
            return record

    def close(self) -> None:
        with self._lock:
            if not self._file.closed:
                self._file.close()

    def _write(self, line: str) -> None:
        self._file.write(line + "\n")
        self._file.flush()


def read_tape(path: str | Path) -> Tape:
    """The tape at `path`; a `TapeError` naming the line if it is not one."""
    lines = _lines(Path(path))
    try:
        number, first = next(lines)
    except StopIteration:
        raise TapeError(f"{path}: empty; a tape starts with its header line") from None
    header = _json(first, number)
    if not isinstance(header, dict) or header.get("tape") != FORMAT:
        raise TapeError(f'line {number}: not a tape header (want {{"tape": "{FORMAT}", "version": {VERSION}, ...}})')
    if header.get("version") != VERSION:
        raise TapeError(f"line {number}: tape version {header.get('version')!r}; this mock reads version {VERSION}")
    upstreams = header.get("upstreams", {})
    if not isinstance(upstreams, dict):
        raise TapeError(f"line {number}: upstreams is not an object")
    records = []
    for number, text in lines:
        value = _json(text, number)
        if not isinstance(value, dict):
            raise TapeError(f"line {number}: a record is a JSON object")
        try:
            record = Record(**value)
        except TypeError as wrong:
            raise TapeError(f"line {number}: {wrong}") from None
        _check(record, number)
        records.append(record)
    return Tape(upstreams=upstreams, records=tuple(records))


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    try:
        with path.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, 1):
                if line.strip():
                    yield number, line
    except (OSError, UnicodeDecodeError) as failed:
        raise TapeError(f"{path}: {failed}") from None


def _json(text: str, number: int) -> Any:
    try:
        return json.loads(text)
    except ValueError as wrong:
        raise TapeError(f"line {number}: not JSON ({wrong})") from None


def _check(record: Record, where: int) -> None:
    def wrong(what: str) -> TapeError:
        return TapeError(f"line {where}: {what}")

    if record.kind not in KINDS:
        raise wrong(f"kind {record.kind!r} is none of {', '.join(KINDS)}")
    if record.venue not in VENUES:
        raise wrong(f"venue {record.venue!r} is none of {', '.join(VENUES)}")
    if record.kind == "http" and not (isinstance(record.request, dict) and isinstance(record.response, dict)):
        raise wrong("an http record has a request and a response, each an object")
    if record.kind.startswith("ws_") and not isinstance(record.connection, int):
        raise wrong(f"a {record.kind} record names its connection by number")
    if record.kind == "ws_frame" and record.direction not in DIRECTIONS:
        raise wrong(f"a frame's direction is one of {', '.join(DIRECTIONS)}")
