"""A tape read checked whole, every entry once, so what answers from it (the replay, tape-to-scenario) meets only
what could go on the wire again; the first entry that could not is refused naming its line (`TapeError`). A line is
JSON read within a depth (`core/bounded_json.py`)."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Collection, Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson

from mockexchange.core.bounded_json import MAX_JSON_DEPTH, parse_json
from mockexchange.recording.records import FIELDS, FORMAT, VERSION, Record, Tape, TapeError, check_record

_LINE_DEPTH = MAX_JSON_DEPTH + 3  # a body's JSON (the proxy reads it within MAX_JSON_DEPTH) in its record and message
_MAX_NUMBER = 2**63 - 1  # a seq or a connection
_MAX_MS = 10**12  # an offset or an elapsed time (some 30 years)
_NO_BODY = (204, 304)  # statuses an answer has no body with
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # a header name, a method (RFC 9110 5.1, 9.1)
# A header value as the wire holds it, read as Latin-1 (RFC 9110 5.5: no blank at either end, which a parser strips)
_FIELD_VALUE = re.compile(r"(?:[\x21-\x7e\x80-\xff](?:[\t\x20-\x7e\x80-\xff]*[\x21-\x7e\x80-\xff])?)?")
_BODIES = ("json", "text", "base64")


def read_tape(path: str | Path, venues: Collection[str]) -> Tape:
    """The tape at `path`, of `venues` (their names); a `TapeError` naming the line if it is not one, or holds an
    entry that is not one."""
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
    _check_upstreams(upstreams, number, venues)
    records: list[Record] = []
    for number, text in lines:
        record = _record(_json(text, number), number, venues)
        if records and record.seq <= records[-1].seq:
            raise TapeError(f"line {number}: seq {record.seq} after {records[-1].seq}; a tape's seq only grows")
        records.append(record)
    return Tape(upstreams=upstreams, records=tuple(records))


def _lines(path: Path) -> Iterator[tuple[int, bytes]]:
    try:
        with path.open("rb") as lines:
            for number, line in enumerate(lines, 1):
                if line.strip():
                    yield number, line
    except OSError as failed:
        raise TapeError(f"{path}: {failed.strerror or failed}") from None


def _json(line: bytes, number: int) -> Any:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError as wrong:
        raise TapeError(
            f"line {number}: not UTF-8 (byte {line[wrong.start]:#04x} at column {wrong.start + 1})"
        ) from None
    try:
        return parse_json(line, _LINE_DEPTH)  # NaN, Infinity and numbers past a double's range are no JSON here
    except orjson.JSONDecodeError as wrong:
        raise TapeError(f"line {number}: not JSON ({wrong})") from None


def _check_upstreams(upstreams: Any, number: int, venues: Collection[str]) -> None:
    if not isinstance(upstreams, dict):
        raise TapeError(f"line {number}: upstreams is not an object")
    for venue, url in upstreams.items():
        if venue not in venues:
            raise TapeError(f"line {number}: upstreams names {venue!r}, none of {', '.join(venues)}")
        try:
            scheme = urlsplit(url).scheme if isinstance(url, str) else None
        except ValueError:
            scheme = None
        if scheme not in ("http", "https"):
            raise TapeError(f"line {number}: upstreams.{venue} {url!r} is no http(s) URL")


def _record(value: Any, number: int, venues: Collection[str]) -> Record:
    if not isinstance(value, dict):
        raise TapeError(f"line {number}: a record is a JSON object")
    unknown = sorted(set(value) - set(FIELDS))
    if unknown:
        raise TapeError(f"line {number}: a record has no field {unknown[0]!r} (its fields: {', '.join(FIELDS)})")
    try:
        record = Record(**value)
    except TypeError as wrong:
        raise TapeError(f"line {number}: {wrong}") from None
    check_record(record, number, venues)
    problem = _entry_problem(record)
    if problem is not None:
        raise TapeError(f"line {number}: {problem}")
    return record


def _entry_problem(record: Record) -> str | None:
    """What in a record read could not go on the wire again (None: nothing). `check_record` has passed."""
    if not _whole(record.seq, 1, _MAX_NUMBER):
        return f"seq {record.seq!r} is no whole number from 1"
    if not _moment(record.at):
        return f"at {record.at!r} is no ISO 8601 time with its zone (2026-11-24T10:00:00.000Z)"
    if record.connection is not None and not _whole(record.connection, 0, _MAX_NUMBER):
        return f"connection {record.connection!r} is no whole number from 0"
    for name in ("offset_ms", "elapsed_ms"):
        ms = getattr(record, name)
        if ms is not None and not (isinstance(ms, int | float) and not isinstance(ms, bool) and 0 <= ms <= _MAX_MS):
            return f"{name} {ms!r} is no time from 0 to {_MAX_MS:,} ms"
    if record.code is not None and not _whole(record.code, 0, 65_535):
        return f"code {record.code!r} is no close code (a whole number from 0 to 65535)"
    for name, problem in (("request", _request_problem), ("response", _response_problem)):
        message = getattr(record, name)
        if message is not None and not isinstance(message, dict):
            return f"{name} is no object"
        said = None if message is None else problem(message)
        if said is not None:
            return f"{name}.{said}"
    said = _body_problem(record.data)
    return None if said is None else f"data{said}"


def _request_problem(request: Mapping[str, Any]) -> str | None:
    method, path, query = request.get("method"), request.get("path"), request.get("query")
    if not (isinstance(method, str) and _TOKEN.fullmatch(method)):
        return f"method {method!r} is no HTTP method"
    if not (isinstance(path, str) and path.startswith("/")):
        return f"path {path!r} is no path (/...)"
    if query is not None and not isinstance(query, str):
        return f"query {query!r} is no text"
    return _message_problem(request)


def _response_problem(response: Mapping[str, Any]) -> str | None:
    status = response.get("status")
    if not _whole(status, 200, 599):
        return f"status {status!r} is no final HTTP status (200 to 599)"
    if status in _NO_BODY and response.get("body"):
        return f"body: a {status} answer has none"
    return _message_problem(response)


def _message_problem(message: Mapping[str, Any]) -> str | None:
    headers = message.get("headers")
    if headers is not None and not isinstance(headers, dict):
        return "headers is no object of names and values"
    for name, value in (headers or {}).items():
        if not _TOKEN.fullmatch(name):
            return f"headers: {name!r} is no header name"
        values = value if isinstance(value, list) and value else [value]
        if not all(isinstance(one, str) and _FIELD_VALUE.fullmatch(one) for one in values):
            return f"headers.{name}: {value!r} is no header value (Latin-1 text, no control but tab, no end blank)"
    said = _body_problem(message.get("body"))
    return None if said is None else f"body{said}"


def _body_problem(body: Any) -> str | None:
    """What is wrong with a body or a frame's data, worded to follow its name (None: nothing)."""
    if body is None:
        return None
    if not (isinstance(body, dict) and len(body) == 1 and next(iter(body)) in _BODIES):
        return f" {_cut(body)} is none of null, {{json: ...}}, {{text: ...}}, {{base64: ...}}"
    kind, value = next(iter(body.items()))
    if kind != "json" and not isinstance(value, str):
        return f".{kind} is no text"
    if kind == "base64":
        try:
            base64.b64decode(value, validate=True)
        except binascii.Error as wrong:
            return f".base64 is no base64 ({wrong})"
    return None


def _whole(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _moment(at: Any) -> bool:
    try:
        return isinstance(at, str) and datetime.fromisoformat(at).tzinfo is not None
    except ValueError:
        return False


def _cut(value: Any) -> str:
    shown = repr(value)
    return shown if len(shown) <= 60 else f"{shown[:57]}..."
