"""The request journal: every request a venue received (REST requests, websocket upgrades and websocket commands),
the newest `journal_size` of them, each with what it breaks in the committed schema slices.

Recording is cheap and happens on the request's path: the entry is in the journal before the client has the response
(or a command's reply), so a test that reads the journal right after sees it. A REST request is checked against the
OpenAPI slice when it is first read, not when it is recorded: a journal nobody reads costs the hot path almost
nothing. A websocket command is checked when it arrives, because only its first `COMMAND_CHARS` characters are kept.

The rules (`problems`) are those of `mockexchange.schema.requests`, plus `auth.signature` for a request refused with
a 401 (the detail is the mock's diagnosis) and `schema.unavailable` when the committed slices cannot be found.

Deribit (and its SignalPlus gateway dialect) has no schema slice: its entries are judged by the venue's own validation.
The venue's route leaves a `JournalNote` in the ASGI scope (the JSON-RPC method, the client id, the problems its refusal
names) and the middleware records it with the status; a websocket message is recorded by `record_message`.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, unquote

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockexchange.core.clock import Clock
from mockexchange.schema.requests import Problem, kalshi_command_rules, kalshi_rest_rules, problem
from mockexchange.schema.specs import SpecError

DEFAULT_SIZE = 10_000
COMMAND_CHARS = 2_000  # of a websocket command's text, kept for reading (a command may be 64 KiB)
TRANSPORTS = ("rest", "ws")
VENUES = ("kalshi", "deribit", "signalplus")
JOURNAL_NOTE = "mockexchange.journal"  # the ASGI scope key of a venue's `JournalNote`
_KEY_HEADER = b"kalshi-access-key"
_AUTH_HEADER = b"x-mockexchange-auth"


@dataclass(slots=True)
class JournalNote:
    """What a venue's route knows about a request that the HTTP layer does not (left in the scope: JOURNAL_NOTE)."""

    operation: str | None
    key_id: str | None
    problems: list[Problem]


@dataclass(slots=True)
class JournalEntry:
    seq: int
    time: datetime  # the mock's wall clock (the one signatures are checked against)
    venue: str
    transport: str  # "rest", or "ws": the websocket upgrade and each command on the connection
    method: str | None  # None for a websocket command
    path: str  # as sent, percent escapes untouched
    query_string: str
    key_id: str | None  # the KALSHI-ACCESS-KEY header, if sent; Deribit: the client id, if known
    status: int | None  # HTTP status (101 for an accepted websocket upgrade); None for a websocket command
    auth: str | None = None  # the mock's diagnosis of a 401 (its X-Mockexchange-Auth header)
    command: str | None = None  # a websocket command's text
    replies: list[str] | None = None  # what answered a command: reply types, "error <code>" for errors
    operation: str | None = None  # operationId (REST) or cmd (websocket); Deribit: the JSON-RPC method
    problems: list[Problem] | None = None  # None until checked

    @property
    def query(self) -> list[tuple[str, str]]:
        return parse_qsl(self.query_string, keep_blank_values=True)

    def describe(self) -> str:
        """One line naming the request: `GET /trade-api/v2/portfolio/positions?limit=5000 -> 400`."""
        if self.command is not None:
            return f"ws command {self.command} -> {', '.join(self.replies or []) or 'no reply'}"
        query = f"?{self.query_string}" if self.query_string else ""
        rpc = f" {self.operation}" if self.venue != "kalshi" and self.operation else ""  # POST /api/v2 hides it
        return f"{self.method} {self.path}{query}{rpc} -> {self.status}"

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "time": self.time.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "venue": self.venue,
            "transport": self.transport,
            "method": self.method,
            "path": self.path,
            "query": [list(pair) for pair in self.query],
            "operation": self.operation,
            "key_id": self.key_id,
            "status": self.status,
            "command": self.command,
            "replies": self.replies,
            "problems": self.problems,
        }


class Journal:
    """Thread-safe: the server's thread records while a test's thread reads."""

    def __init__(self, wall_clock: Clock, size: int = DEFAULT_SIZE, venue: str = "kalshi") -> None:
        if size < 0:
            raise ValueError("journal_size must be >= 0")
        self.wall_clock = wall_clock
        self.venue = venue
        self._entries: deque[JournalEntry] = deque(maxlen=size)
        self._lock = threading.Lock()
        self._seq = 0

    @property
    def last_seq(self) -> int:
        """The seq of the newest entry ever recorded (0: none); `since=last_seq` then reads only what comes after."""
        return self._seq

    def record_http(
        self,
        transport: str,
        method: str,
        path: str,
        query_string: str,
        key_id: str | None,
        status: int,
        auth: str | None = None,
        venue: str | None = None,
        note: JournalNote | None = None,
    ) -> None:
        """`venue` defaults to the journal's; a venue without a schema slice is judged by its `note` (none: no
        problems unless the mock had no route for it)."""
        venue = venue or self.venue
        now = self.wall_clock.now()
        entry = JournalEntry(0, now, venue, transport, method, path, query_string, key_id, status, auth)
        if note is not None:
            entry.operation, entry.key_id, entry.problems = note.operation, note.key_id or key_id, note.problems
        elif venue != "kalshi":
            entry.problems = _unrouted(method, path, status)
        with self._lock:
            self._seq += 1
            entry.seq = self._seq
            self._entries.append(entry)

    def record_command(
        self, path: str, key_id: str | None, text: str | bytes, replies: Sequence[Mapping[str, Any]]
    ) -> None:
        operation, problems = _check_command(text)
        shown = _shown(text)
        now = self.wall_clock.now()
        with self._lock:
            self._seq += 1
            entry = JournalEntry(self._seq, now, self.venue, "ws", None, path, "", key_id, None)
            entry.command, entry.replies = shown, [_reply(r) for r in replies]
            entry.operation, entry.problems = operation, problems
            self._entries.append(entry)

    def record_message(
        self, venue: str, path: str, key_id: str | None, text: str | bytes, replies: list[str], note: JournalNote
    ) -> None:
        """A websocket message of a venue judged by its own validation (Deribit's JSON-RPC over the websocket)."""
        now = self.wall_clock.now()
        with self._lock:
            self._seq += 1
            entry = JournalEntry(self._seq, now, venue, "ws", None, path, "", note.key_id or key_id, None)
            entry.command, entry.replies = _shown(text), replies
            entry.operation, entry.problems = note.operation, note.problems
            self._entries.append(entry)

    def entries(self, **filters: Any) -> list[JournalEntry]:
        """The entries that pass every filter given (see `_read`), oldest first; `limit` keeps the newest that many."""
        return self._read(**filters)[0]

    def read(self, **filters: Any) -> dict[str, Any]:
        """`{"requests": [entry as JSON, ...], "last_seq": n}`: the admin API's answer. `last_seq` is taken with the
        entries, so `since=last_seq` next time misses nothing and repeats nothing."""
        entries, last_seq = self._read(**filters)
        return {"requests": [entry.to_json() for entry in entries], "last_seq": last_seq}

    def _read(
        self,
        *,
        venue: str | None = None,
        transport: str | None = None,
        operation: str | None = None,
        status: int | None = None,
        invalid: bool | None = None,
        key_id: str | None = None,
        since: int | None = None,
        limit: int | None = None,
    ) -> tuple[list[JournalEntry], int]:
        if venue is not None and venue not in VENUES:
            raise ValueError(f"venue must be one of {', '.join(VENUES)}")
        if transport is not None and transport not in TRANSPORTS:
            raise ValueError(f"transport must be one of {', '.join(TRANSPORTS)}")
        if limit is not None and limit < 0:
            raise ValueError("limit must be >= 0")
        with self._lock:
            entries, last_seq = list(self._entries), self._seq
        if since is not None:
            entries = [e for e in entries if e.seq > since]
        if venue is not None:
            entries = [e for e in entries if e.venue == venue]
        if transport is not None:
            entries = [e for e in entries if e.transport == transport]
        if status is not None:
            entries = [e for e in entries if e.status == status]
        if key_id is not None:
            entries = [e for e in entries if e.key_id == key_id]
        for entry in entries:
            _check(entry)
        if operation is not None:
            entries = [e for e in entries if e.operation == operation]
        if invalid is not None:
            entries = [e for e in entries if bool(e.problems) == invalid]
        if limit is not None:
            entries = entries[len(entries) - limit :] if limit else []
        return entries, last_seq

    def clear(self) -> None:
        """Forget every entry; seq numbers go on from where they were, so a reader's `since` stays meaningful."""
        with self._lock:
            self._entries.clear()


def _check(entry: JournalEntry) -> None:
    """Fill in `operation` and `problems` (once; both are functions of what was recorded)."""
    if entry.problems is not None:
        return
    operation: str | None = None
    problems: list[Problem] = []
    try:
        if entry.transport == "rest":
            operation, problems = kalshi_rest_rules().check(entry.method or "", unquote(entry.path), entry.query)
        elif unquote(entry.path) != kalshi_command_rules().path:
            problems = [problem("operation.unknown", f"{entry.path}: no websocket endpoint of the schema is here")]
    except SpecError as exc:
        problems = [problem("schema.unavailable", str(exc))]
    if entry.status == 401:
        problems.append(problem("auth.signature", entry.auth or "401 without the mock's diagnosis"))
    entry.operation, entry.problems = operation, problems


def _unrouted(method: str | None, path: str, status: int) -> list[Problem]:
    # A venue judged by its routes: no route answered (the route leaves a note whenever it answers).
    if status == 404:
        return [problem("operation.unknown", f"{method} {path}: the venue has no endpoint here")]
    if status == 405:
        return [problem("operation.method", f"{method} {path}: the venue's endpoint here does not take {method}")]
    return []


def _shown(text: str | bytes) -> str:
    shown = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return shown if len(shown) <= COMMAND_CHARS else shown[:COMMAND_CHARS] + "..."


def _check_command(text: str | bytes) -> tuple[str | None, list[Problem]]:
    try:
        return kalshi_command_rules().check(text)
    except SpecError as exc:
        return None, [problem("schema.unavailable", str(exc))]


def _reply(envelope: Mapping[str, Any]) -> str:
    kind = str(envelope.get("type"))
    if kind == "error":
        return f"error {envelope.get('msg', {}).get('code')}"
    return kind


def _header(headers: Iterable[tuple[bytes, bytes]] | None, name: bytes) -> str | None:
    for key, value in headers or ():
        if key.lower() == name:
            return value.decode("latin-1")
    return None


class JournalMiddleware:
    """Records each HTTP request and websocket upgrade of a venue when its response starts (before the client can have
    it). `venue_of` names the venue of a request (None: not journaled); by default Kalshi's, under `prefix`. Anything
    else (the admin API) passes untouched."""

    def __init__(
        self,
        app: ASGIApp,
        journal: Journal,
        prefix: str = "/trade-api/",
        venue_of: Callable[[Scope], str | None] | None = None,
    ) -> None:
        self.app = app
        self.journal = journal
        self.prefix = prefix
        self.venue_of = venue_of or self._kalshi

    def _kalshi(self, scope: Scope) -> str | None:
        return "kalshi" if scope["path"].startswith(self.prefix) else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        venue = self.venue_of(scope) if scope["type"] in ("http", "websocket") else None
        if venue is None:
            await self.app(scope, receive, send)
            return
        recorded = False

        def record(status: int, headers: Iterable[tuple[bytes, bytes]] | None) -> None:
            nonlocal recorded
            recorded = True
            raw_path = scope.get("raw_path") or scope["path"].encode()
            self.journal.record_http(
                "rest" if scope["type"] == "http" else "ws",
                scope.get("method", "GET"),  # a websocket upgrade is a GET
                raw_path.decode("latin-1").split("?", 1)[0],
                scope.get("query_string", b"").decode("latin-1"),
                _header(scope.get("headers"), _KEY_HEADER) if venue == "kalshi" else None,
                status,
                _header(headers, _AUTH_HEADER) if status == 401 else None,
                venue,
                scope.get(JOURNAL_NOTE),
            )

        async def journaled_send(message: Message) -> None:
            if not recorded:
                kind = message["type"]
                if kind in ("http.response.start", "websocket.http.response.start"):
                    record(message["status"], message.get("headers"))
                elif kind == "websocket.accept":
                    record(101, None)
                elif kind == "websocket.close":
                    record(403, None)  # closed before the upgrade: the server refuses it with a 403
            await send(message)

        try:
            await self.app(scope, receive, journaled_send)
        except BaseException:
            if not recorded and scope["type"] == "http":
                record(500, None)  # the error handler outside this middleware answers it
            raise
