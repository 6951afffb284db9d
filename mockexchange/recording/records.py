"""The proxy's recordings (a tape): what `mockexchange proxy --record FILE` saw pass between clients and a real venue,
one event per line, and what `mockexchange serve --replay FILE` answers from (docs/proxy.md, "The tape").

JSON Lines, UTF-8, keys in one fixed order (`FIELDS`), so two recordings diff line by line. The first line is the
header (`{"tape": "mockexchange", "version": 1, "upstreams": {...}}`), each next line one `Record`:
  http      a request and its response (`request`, `response`; `elapsed_ms` between them)
  ws_open   a websocket opened (`connection` numbers it within the tape; `request` is its upgrade request)
  ws_frame  a frame, `direction` "client" (client to upstream) or "upstream"; `offset_ms` since its ws_open
  ws_close  a websocket closed (`code`)
A message (request, response) is `{"method", "path", "query", "headers", "body"}` or `{"status", "headers", "body"}`;
a body, like a frame's `data`, is `{"json": value}` when it parses as JSON, `{"text": str}` when it is other UTF-8
text, `{"base64": str}` otherwise, or null when empty. Secrets are redacted before a record is written (the proxy's
job): the writer (writer.py) and the reader (reader.py) take what they are given.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from mockexchange.core.bounded_json import parse_json

FORMAT = "mockexchange"
VERSION = 1
KINDS = ("http", "ws_open", "ws_frame", "ws_close")
DIRECTIONS = ("client", "upstream")
# The order of a record's keys on its line (those a kind does not have are left out).
FIELDS = ("seq", "kind", "venue", "at", "connection", "direction", "offset_ms", "elapsed_ms", "code", "request",
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
        values = {key: getattr(self, key) for key in FIELDS}
        kept = {key: value for key, value in values.items() if value is not None}
        return json.dumps(kept, ensure_ascii=False, separators=(", ", ": "))


@dataclass(frozen=True, slots=True)
class Tape:
    upstreams: Mapping[str, str]
    records: tuple[Record, ...] = field(default=())


def encode_body(raw: bytes) -> dict[str, Any] | None:
    """A body or frame as a tape holds it: JSON as its value (read as the proxy reads one: within bounded_json's
    depth, NaN, Infinity and integers past 64 bits no JSON), other UTF-8 as text, anything else as base64."""
    if not raw:
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(raw).decode("ascii")}
    try:
        return {"json": parse_json(raw)}
    except orjson.JSONDecodeError:
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


def check_record(record: Record, where: int, venues: Collection[str]) -> None:
    """A record's kind, venue (one of `venues`: the names of the venues a proxy forwards to, which the registry gives)
    and the parts its kind has, or a `TapeError` naming `where` (a line, or the seq of a record being written)."""

    def wrong(what: str) -> TapeError:
        return TapeError(f"line {where}: {what}")

    if record.kind not in KINDS:
        raise wrong(f"kind {record.kind!r} is none of {', '.join(KINDS)}")
    if record.venue not in venues:
        raise wrong(f"venue {record.venue!r} is none of {', '.join(venues)}")
    if record.kind == "http" and not (isinstance(record.request, dict) and isinstance(record.response, dict)):
        raise wrong("an http record has a request and a response, each an object")
    if record.kind.startswith("ws_") and not isinstance(record.connection, int):
        raise wrong(f"a {record.kind} record names its connection by number")
    if record.kind == "ws_frame" and record.direction not in DIRECTIONS:
        raise wrong(f"a frame's direction is one of {', '.join(DIRECTIONS)}")
