"""The request journal: every request a venue received (REST requests, websocket upgrades and websocket commands),
the newest `journal_size` of them within `journal_max_bytes`, each with what it breaks in the committed schema slices.

Recording is cheap and happens on the request's path: the entry is in the journal before the client has the response
(or a command's reply), so a test that reads the journal right after sees it. A REST request is checked against the
OpenAPI slice when it is first read, not when it is recorded: a journal nobody reads costs the hot path almost
nothing. A websocket command is checked when it arrives, because only its first `TEXT_CHARS` characters are kept.

Bounded in bytes as well as entries, whatever clients send: every text a client chose (path, query string, key id,
command, the diagnosis quoting them) is kept to its first `TEXT_CHARS` characters and an entry keeps at most
`PROBLEMS_KEPT` problems; such an entry says `truncated` and is judged on what it kept. The oldest entries go once the
entries' bytes (as CPython counts them, `_entry_bytes`) pass `max_bytes`.

The rules (`problems`) are those of `mockexchange.schema.requests`, plus `auth.signature` for a request refused with
a 401 (the detail is the mock's diagnosis) and `schema.unavailable` when the committed slices cannot be found.

Deribit's requests (and its SignalPlus gateway dialect's) are judged by the venue's own validation: the venue's route
leaves a `JournalNote` in the ASGI scope (the JSON-RPC method, the client id, the problems its refusal names) and the
middleware records it with the status; a websocket message is recorded by `record_message`. A note's `reply_check`
judges the reply as the middleware passes it on, before the client has it (Deribit's replies against the committed
JSON-RPC slice: the body of an HTTP answer; on a websocket, the next frame the message's task sends).

A request a fault rule touched (venues/faults.py, docs/misbehaving.md) says what the rule did (`fault`); one it dropped
has no status (its drop passes here as a response start marked `web.extensions.DROPPED`, which the server never writes).

A request the venue refused says so as its client was told (`refusal`: the code and message of Kalshi's error body,
of its flat 400's `msg`, of a websocket error's `msg`, of Deribit's JSON-RPC error) beside the mock's own explanation
(`diagnosis`: the `X-Mockexchange-Diagnosis` header, a websocket error's `mockexchange_diagnosis`). An entry keeps the
request's body (as far as the venue read it) and the answer's (a websocket message's reply), each to its first
`TEXT_CHARS` characters (`...` past them), counted in `max_bytes`; a read lists them only when asked (`bodies`).

No credential is held (docs/admin-api.md, "Secrets"): before an entry is held, `mockexchange.auth.redact` hides each one
its texts may spell (a query's, a body's or a command's `client_secret`, `access_token`, `refresh_token`, a signature,
in any spelling; a diagnosis quoting one), so neither a reader, the live feed nor a state file ever has it.

An HTTP request or websocket upgrade says its latency (`latency_us`: from its arrival at the middleware to its
response's start, on the monotonic clock). Besides the state file's `listener`, watchers (`watch`: the inspector's live
feed, admin/feed.py) are told of each entry as it is held.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple, overload
from urllib.parse import parse_qsl, unquote

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockexchange import refusal
from mockexchange.auth import redact
from mockexchange.core.clock import Clock, monotonic, unix_us
from mockexchange.schema.requests import Problem, kalshi_command_rules, kalshi_rest_rules, problem
from mockexchange.schema.specs import SpecError
from mockexchange.settings import DEFAULT_JOURNAL_MAX_BYTES
from mockexchange.web.answers import DIAGNOSIS_HEADER, header_safe
from mockexchange.web.extensions import BODY_TIMED_OUT, DROPPED
from mockexchange.web.request_body import raw_header

log = logging.getLogger(__name__)

DEFAULT_SIZE = 10_000
DEFAULT_MAX_BYTES = DEFAULT_JOURNAL_MAX_BYTES  # 10,000 ordinary entries fit (~600 bytes each); a flood stops here
TEXT_CHARS = 2_000  # of each text a client chose (a query string, a command of up to 64 KiB), kept for reading
PROBLEMS_KEPT = 20  # of one entry (a 2,000-character query can name hundreds of unknown parameters)
# CPython's bytes for an entry's fixed part (the slotted object, its datetime) and for one problem's dict, measured
# with tracemalloc and rounded up (bench/journal_memory.py compares the count with the process's memory).
_ENTRY_BYTES = 300
_PROBLEM_BYTES = 200
TRANSPORTS = ("rest", "ws")
VENUES = ("kalshi", "deribit", "signalplus")
JOURNAL_NOTE = "mockexchange.journal"  # the ASGI scope key of a venue's `JournalNote`
# The ASGI scope key of what a fault rule did to the request (`core.faults.Fault.describe()`), left by venues/faults.py.
JOURNAL_FAULT = "mockexchange.fault"
_KEY_HEADER = b"kalshi-access-key"
_AUTH_HEADER = b"x-mockexchange-auth"
_DIAGNOSIS_HEADER = DIAGNOSIS_HEADER.lower().encode()
_BODY_BYTES = 4 * (TEXT_CHARS + 1)  # of a body, read for what is kept of it (4 bytes a character at most)


_Check = Callable[[bytes | str], list[Problem]]  # a reply's judge: the problems it finds


@dataclass(slots=True)
class JournalNote:
    """What a venue's route knows about a request that the HTTP layer does not (left in the scope: JOURNAL_NOTE)."""

    operation: str | None
    key_id: str | None
    problems: list[Problem]
    # What the venue's reply breaks in its slice, judged from the reply's bytes as the middleware passes them on
    # (Deribit: the result or error against the JSON-RPC slice); None: the reply is not judged.
    reply_check: _Check | None = None
    # What no schema covers, so was not judged (the proxy's: an operation the published spec does not have); None:
    # judged whole. Such an entry is never listed as valid.
    not_judged: str | None = None
    # A websocket message's refusal as its reply words it (`refusal`), and the mock's explanation of it.
    refusal: dict[str, Any] | None = None
    diagnosis: str | None = None


class HttpExchange(NamedTuple):
    """An HTTP request or websocket upgrade and its answer, as `Journal.record_http` records it (a tuple: one is made
    on every request's path)."""

    transport: str  # "rest", or "ws": a websocket upgrade
    method: str
    path: str  # as sent, percent escapes untouched
    query_string: str
    key_id: str | None
    status: int | None  # None: a fault rule dropped the connection
    auth: str | None = None  # the mock's X-Mockexchange-Auth header
    venue: str | None = None  # None: the journal's
    note: JournalNote | None = None  # None: a venue without a schema slice finds no problems unless no route answered
    fault: str | None = None  # what a fault rule did to it
    latency_us: int | None = None  # from the request's arrival to its response's start
    # As sent, at least `_BODY_BYTES` of each (a refusal's answer whole, up to `refusal.READ_BYTES`); b"": none.
    request_body: bytes = b""
    response_body: bytes = b""
    diagnosis: str | None = None  # the mock's diagnosis header


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
    # The mock's X-Mockexchange-Auth header: its diagnosis of a 401, or its note on a request it accepted though not
    # signed as Kalshi documents (an RSA-PSS salt length other than 32).
    auth: str | None = None
    command: str | None = None  # a websocket command's text
    replies: list[str] | None = None  # what answered a command: reply types, "error <code>" for errors
    operation: str | None = None  # operationId (REST) or cmd (websocket); Deribit: the JSON-RPC method
    problems: list[Problem] | None = None  # None until checked
    truncated: bool = False  # a text was cut to TEXT_CHARS, or problems to PROBLEMS_KEPT
    fault: str | None = None  # what a fault rule did to it: "status 503 (fault rule 1)", "drop (fault rule 2)"
    latency_us: int | None = None  # from the request's arrival to its response's start (None: a websocket message)
    held_bytes: int = 0  # what the journal counts for it while it holds it (0: no longer held)
    # The proxy's (docs/proxy.md): a websocket frame's way, "client" (to the upstream) or "upstream"; and what of
    # the exchange no schema covers (None: judged whole). Listed in `to_json` only when set.
    direction: str | None = None
    not_judged: str | None = None
    # The venue's refusal as the client got it, `{"code", "message"}` (`refusal`); None: not refused. And the mock's
    # explanation beside it (the diagnosis header; a 401's is `auth`).
    refusal: dict[str, Any] | None = None
    diagnosis: str | None = None
    # HTTP: the request's body and the answer's, as sent; a websocket message: its reply (Kalshi's: each reply's
    # envelope, a snapshot by its type). TEXT_CHARS of each, "..." past them; listed by `detail` only.
    request_body: str | None = None
    response_body: str | None = None

    @property
    def query(self) -> list[tuple[str, str]]:
        return parse_qsl(self.query_string, keep_blank_values=True)

    def describe(self) -> str:
        """One line naming the request: `GET /trade-api/v2/portfolio/positions?limit=5000 -> 400`."""
        if self.direction is not None:
            return f"ws {self.direction} frame {self.command}"
        if self.command is not None:
            return f"ws command {self.command} -> {', '.join(self.replies or []) or 'no reply'}"
        query = f"?{self.query_string}" if self.query_string else ""
        rpc = f" {self.operation}" if self.venue != "kalshi" and self.operation else ""  # POST /api/v2 hides it
        cut = " (truncated)" if self.truncated else ""
        fault = f" [{self.fault}]" if self.fault else ""
        status = "dropped" if self.status is None else self.status  # a fault rule dropped the connection
        return f"{self.method} {self.path}{query}{rpc} -> {status}{cut}{fault}"

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
            "auth": self.auth,
            "command": self.command,
            "replies": self.replies,
            "problems": self.problems,
            "truncated": self.truncated,
            "fault": self.fault,
            "latency_us": self.latency_us,
            "refusal": self.refusal,
            "diagnosis": self.diagnosis,
        } | {name: getattr(self, name) for name in ("direction", "not_judged") if getattr(self, name) is not None}

    def detail(self) -> dict[str, Any]:
        """`to_json` with the bodies."""
        return self.to_json() | {"request_body": self.request_body, "response_body": self.response_body}

    def _texts(self) -> tuple[Any, ...]:
        return (self.path, self.query_string, self.key_id, self.auth, self.command, self.operation, self.not_judged,
                self.diagnosis, self.refusal, self.request_body, self.response_body)  # fmt: skip

    def redact(self) -> bool:
        """Hide each credential its texts may spell (`mockexchange.auth.redact`); most hold none and cost one search
        each. Whether any text changed."""
        texts = self._texts()
        self.path = redact.text(self.path)
        self.query_string = redact.query(self.query_string)
        self.key_id = redact.key_id(self.key_id)
        if self.auth is not None:
            self.auth = redact.text(self.auth)
        if self.command is not None:
            self.command = redact.frame(self.command)
        if self.operation is not None:  # a JSON-RPC method or a command's name, as the client spelt it
            self.operation = redact.text(self.operation)
        if self.not_judged is not None:  # the proxy's: may name the path, its escapes undone
            self.not_judged = redact.text(self.not_judged)
        if self.diagnosis is not None:
            self.diagnosis = redact.text(self.diagnosis)
        if self.refusal is not None:  # a flat 400's message quotes the value
            self.refusal = {name: _each_text(said, redact.text) for name, said in self.refusal.items()}
        if self.request_body is not None:  # JSON, a form or text
            self.request_body = redact.frame(self.request_body)
        if self.response_body is not None:
            self.response_body = redact.frame(self.response_body)
        if self.problems:
            self.problems = _redacted(self.problems)
        return texts != self._texts() or bool(self.problems)

    def cut(self) -> None:
        """Keep TEXT_CHARS of each text a client chose and PROBLEMS_KEPT problems; say so if anything went."""
        for name in ("path", "query_string", "key_id", "auth", "operation", "not_judged", "diagnosis"):
            text = getattr(self, name)
            if text is not None and len(text) > TEXT_CHARS:
                setattr(self, name, text[:TEXT_CHARS])
                self.truncated = True
        if self.command is not None and len(self.command) > TEXT_CHARS:
            self.command = self.command[:TEXT_CHARS] + "..."
            self.truncated = True
        if self.refusal is not None:
            kept = {name: _each_text(said, lambda text: text[:TEXT_CHARS]) for name, said in self.refusal.items()}
            self.truncated, self.refusal = self.truncated or kept != self.refusal, kept
        # A body is what it is, not the request's text: cut, it says so itself ("...") and leaves `truncated` alone.
        self.request_body, self.response_body = _cut_body(self.request_body), _cut_body(self.response_body)
        if self.problems is not None:
            self.problems = self.keep_problems(self.problems)

    def keep_problems(self, problems: list[Problem]) -> list[Problem]:
        kept = [{k: v[:TEXT_CHARS] for k, v in found.items()} for found in problems[:PROBLEMS_KEPT]]
        if len(problems) > PROBLEMS_KEPT or kept != problems:
            self.truncated = True
        return kept


def _entry_bytes(entry: JournalEntry) -> int:
    """An entry's bytes as CPython holds them: the fixed part, its texts, its replies and problems."""
    texts = (entry.path, entry.query_string, entry.key_id, entry.auth, entry.command, entry.operation, entry.fault,
             entry.not_judged, entry.diagnosis, entry.request_body, entry.response_body)  # fmt: skip
    held = _ENTRY_BYTES + sum(sys.getsizeof(text) for text in texts if text is not None)
    held += sum(sys.getsizeof(reply) for reply in entry.replies or ())
    for found in [*(entry.problems or ()), *([entry.refusal] if entry.refusal else ())]:
        held += _PROBLEM_BYTES + sum(sys.getsizeof(text) for text in found.values())
    return held


class Journal:
    """Thread-safe: the server's thread records while a test's thread reads."""

    def __init__(
        self,
        wall_clock: Clock,
        size: int = DEFAULT_SIZE,
        venue: str = "kalshi",
        *,
        max_bytes: int | None = DEFAULT_MAX_BYTES,
    ) -> None:
        """`size` entries at most, of at most `max_bytes` together (None: no bound in bytes)."""
        if size < 0:
            raise ValueError("journal_size must be >= 0")
        if max_bytes is not None and max_bytes < 0:
            raise ValueError("journal_max_bytes must be >= 0")
        self.wall_clock = wall_clock
        self.venue = venue
        self.max_entries = size
        self.max_bytes = max_bytes
        self._entries: deque[JournalEntry] = deque()
        self._bytes = 0  # the held_bytes of the entries held
        self._lock = threading.Lock()
        self._seq = 0
        # Told of each entry as it is held, and of a clear (None): a state file keeps the journal when asked.
        self.listener: Callable[[JournalEntry | None], None] | None = None
        # Told the same, after the listener: the inspector's live feed (`watch`); copied on write, called unlocked.
        self._watchers: tuple[Callable[[JournalEntry | None], None], ...] = ()

    @property
    def held_bytes(self) -> int:
        """What the entries held count, in bytes (at most `max_bytes`)."""
        return self._bytes

    def _add(self, entry: JournalEntry) -> None:
        """Hold a new entry, cut to size and redacted, then let the oldest go while the journal is over either bound."""
        entry.cut()  # first: redacting reads only what is kept (a value cut short is still found by its name)
        if entry.redact():
            entry.cut()  # a redacted value may be longer than the secret it hides
        entry.held_bytes = _entry_bytes(entry)
        with self._lock:
            self._seq += 1
            entry.seq = self._seq
            self._entries.append(entry)
            self._bytes += entry.held_bytes
            self._evict()
        if self.listener is not None:
            self.listener(entry)
        for watcher in self._watchers:
            watcher(entry)

    def watch(self, watcher: Callable[[JournalEntry | None], None]) -> Callable[[], None]:
        """Tell `watcher` of each entry held from now on (None: the journal was cleared), from the thread that recorded
        it, which it must not block; returns the function that stops telling it."""
        with self._lock:
            self._watchers = (*self._watchers, watcher)

        def unwatch() -> None:
            with self._lock:
                self._watchers = tuple(w for w in self._watchers if w is not watcher)

        return unwatch

    def restore(self, entries: Iterable[JournalEntry]) -> None:
        """Hold entries kept from an earlier run (their seq numbers go on)."""
        with self._lock:
            for entry in entries:
                entry.redact()  # kept by a version that did not hide every spelling
                entry.held_bytes = _entry_bytes(entry)
                self._entries.append(entry)
                self._bytes += entry.held_bytes
                self._seq = max(self._seq, entry.seq)
            self._evict()

    def add_problems(self, entry: JournalEntry, problems: list[Problem]) -> None:
        """Problems found in the reply of an entry already held (its `reply_check`), counted and cut as the rest."""
        if not problems:
            return
        entry.problems = entry.keep_problems([*(entry.problems or []), *_redacted(problems)])
        self._recount([entry])

    def _evict(self) -> None:
        while self._entries and (
            len(self._entries) > self.max_entries or (self.max_bytes is not None and self._bytes > self.max_bytes)
        ):
            gone = self._entries.popleft()
            self._bytes -= gone.held_bytes
            gone.held_bytes = 0

    def _recount(self, entries: Iterable[JournalEntry]) -> None:
        """Entries just checked hold their problems now: count them (those still held), then evict as needed."""
        with self._lock:
            for entry in entries:
                if entry.held_bytes:
                    counted = _entry_bytes(entry)
                    self._bytes += counted - entry.held_bytes
                    entry.held_bytes = counted
            self._evict()

    @property
    def last_seq(self) -> int:
        """The seq of the newest entry ever recorded (0: none); `since=last_seq` then reads only what comes after."""
        return self._seq

    def record_http(self, exchange: HttpExchange) -> JournalEntry:
        """Hold the entry of `exchange`: judged by its note, or by its venue's slice when first read."""
        venue, method, path, status = exchange.venue or self.venue, exchange.method, exchange.path, exchange.status
        entry = JournalEntry(0, self.wall_clock.now(), venue, exchange.transport, method, path, exchange.query_string,
                             exchange.key_id, status, exchange.auth, fault=exchange.fault)  # fmt: skip
        entry.latency_us, entry.diagnosis = exchange.latency_us, exchange.diagnosis
        if (note := exchange.note) is not None:
            entry.operation, entry.problems, entry.not_judged = note.operation, note.problems, note.not_judged
            entry.key_id = note.key_id or exchange.key_id
        elif venue != "kalshi":
            entry.problems = _unrouted(method, path, status)
        sent, answer = exchange.request_body, exchange.response_body
        entry.request_body, entry.response_body = _text(sent) if sent else None, _text(answer) if answer else None
        if status is not None and status >= 400 and answer:
            entry.refusal = refusal.of_answer(answer)
        self._add(entry)
        return entry

    def record_command(
        self, path: str, key_id: str | None, text: str | bytes, replies: Sequence[Mapping[str, Any]]
    ) -> None:
        operation, problems = _check_command(text)
        entry = JournalEntry(0, self.wall_clock.now(), self.venue, "ws", None, path, "", key_id, None)
        entry.command, entry.replies = _text(text), [_reply(r) for r in replies]
        entry.operation, entry.problems = operation, problems
        entry.response_body = _envelopes(replies)
        entry.refusal, entry.diagnosis = refusal.of_kalshi_replies(replies)
        self._add(entry)

    def record_message(
        self,
        venue: str,
        path: str,
        key_id: str | None,
        text: str | bytes,
        replies: list[str],
        note: JournalNote,
        fault: str | None = None,
        direction: str | None = None,
        *,
        answered: bool = False,
    ) -> None:
        """A websocket message of a venue judged by its own validation (Deribit's JSON-RPC over the websocket); the
        proxy's frames say their `direction`. `answered`: its reply is the next frame this task sends, which the
        middleware keeps as the entry's answer (and judges, by the note's `reply_check`)."""
        entry = JournalEntry(0, self.wall_clock.now(), venue, "ws", None, path, "", note.key_id or key_id, None)
        entry.fault, entry.direction, entry.not_judged = fault, direction, note.not_judged
        entry.command, entry.replies = _text(text), replies
        entry.operation, entry.problems = note.operation, note.problems
        entry.refusal, entry.diagnosis = note.refusal, note.diagnosis
        self._add(entry)
        if answered or note.reply_check is not None:  # the reply is sent next, on this task: the middleware has it
            _PENDING_REPLY.set((self, entry, note.reply_check))

    def keep_reply(self, entry: JournalEntry, reply: str | bytes, check: _Check | None) -> None:
        """The reply to a websocket message held already: kept as its answer's body (cut and redacted as an entry's
        are), and judged by `check`, if any."""
        body = _text(reply)
        if body:
            entry.response_body = _cut_body(redact.frame(_cut_body(body)))
            self._recount([entry])
        if check is not None:
            _judge_reply(self, entry, check, reply)

    def entries(self, **filters: Any) -> list[JournalEntry]:
        """The entries that pass every filter given (see `_read`), oldest first; `limit` keeps the newest that many."""
        return self._read(**filters)[0]

    def read(self, *, bodies: bool = False, **filters: Any) -> dict[str, Any]:
        """`{"requests": [entry as JSON, ...], "last_seq": n}`: the admin API's answer (`bodies`: each entry with its
        request's and answer's bodies). `last_seq` is taken with the entries, so `since=last_seq` next time misses
        nothing and repeats nothing."""
        entries, last_seq = self._read(**filters)
        shown = JournalEntry.detail if bodies else JournalEntry.to_json
        return {"requests": [shown(entry) for entry in entries], "last_seq": last_seq}

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
        seq: int | None = None,
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
        for name, wanted in (("seq", seq), ("venue", venue), ("transport", transport), ("status", status),
                             ("key_id", key_id)):  # fmt: skip
            if wanted is not None:
                entries = [e for e in entries if getattr(e, name) == wanted]
        unchecked = [e for e in entries if e.problems is None]
        for entry in unchecked:
            _check(entry)
        if unchecked:
            self._recount(unchecked)
        if operation is not None:
            entries = [e for e in entries if e.operation == operation]
        if invalid is not None:
            # Not judged is not valid: it is listed by neither `invalid=false` nor (without problems) `invalid=true`.
            entries = [e for e in entries if bool(e.problems) == invalid and (invalid or e.not_judged is None)]
        if limit is not None:
            entries = entries[len(entries) - limit :] if limit else []
        return entries, last_seq

    def clear(self) -> None:
        """Forget every entry; seq numbers go on from where they were, so a reader's `since` stays meaningful."""
        with self._lock:
            for entry in self._entries:
                entry.held_bytes = 0  # a read still checking one must not count it again
            self._entries.clear()
            self._bytes = 0
        if self.listener is not None:
            self.listener(None)
        for watcher in self._watchers:
            watcher(None)


_KEPT_FIELDS = (
    "seq", "venue", "transport", "method", "path", "query_string", "key_id", "status", "auth", "command", "replies",
    "operation", "problems", "truncated", "fault",
)  # fmt: skip
# Fields a state file written before them does not hold.
_KEPT_IF_GIVEN = ("latency_us", "direction", "not_judged", "refusal", "diagnosis", "request_body", "response_body")


def entry_record(entry: JournalEntry) -> dict[str, Any]:
    """An entry as plain JSON values, to keep (`entry_from_record` reads it back)."""
    kept = {name: getattr(entry, name) for name in (*_KEPT_FIELDS, *_KEPT_IF_GIVEN)}
    return {"time_us": unix_us(entry.time), **kept}


def entry_from_record(record: dict[str, Any]) -> JournalEntry:
    fields = {name: record[name] for name in _KEPT_FIELDS} | {n: record.get(n) for n in _KEPT_IF_GIVEN}
    return JournalEntry(time=datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=record["time_us"]), **fields)


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
    except Exception as exc:  # a bug of the checks: the journal must still read, and say so
        log.exception("journal: could not judge %s", entry.describe())
        problems = [problem("journal.unjudged", f"the mock could not judge this request: {type(exc).__name__}")]
    if entry.status == 401 and entry.fault is None:  # a fault rule's 401 is no mistake of the request
        problems.append(problem("auth.signature", entry.auth or "401 without the mock's diagnosis"))
    entry.operation, entry.problems = operation, entry.keep_problems(problems)


# A websocket message's entry waiting for its reply: set by `record_message` on the connection's task, taken by the
# middleware when that task sends the reply (the next frame it sends; notifications are sent by another task).
_PENDING_REPLY: ContextVar[tuple[Journal, JournalEntry, _Check | None] | None] = ContextVar(
    "mockexchange_pending_reply", default=None
)


def _judge_reply(journal: Journal, entry: JournalEntry, check: _Check, body: Any) -> None:
    try:
        journal.add_problems(entry, check(body))
    except Exception as exc:  # a bug of the checks: the reply still goes out, and the entry says so
        log.exception("journal: could not judge the reply of %s", entry.describe())
        journal.add_problems(entry, [problem("journal.unjudged", f"the reply was not judged: {type(exc).__name__}")])


def _unrouted(method: str | None, path: str, status: int | None) -> list[Problem]:
    # A venue judged by its routes: no route answered (the route leaves a note whenever it answers).
    if status == 404:
        return [problem("operation.unknown", f"{method} {path}: the venue has no endpoint here")]
    if status == 405:
        return [problem("operation.method", f"{method} {path}: the venue's endpoint here does not take {method}")]
    return []


def _text(text: str | bytes) -> str:
    # Decode (and redact) at most what is kept (4 bytes a character), not a whole 64 KiB frame.
    shown = text[: 4 * (TEXT_CHARS + 1)]
    return shown.decode("utf-8", "replace") if isinstance(shown, bytes) else shown


@overload
def _cut_body(body: str) -> str: ...
@overload
def _cut_body(body: str | None) -> str | None: ...
def _cut_body(body: str | None) -> str | None:
    return body[:TEXT_CHARS] + "..." if body is not None and len(body) > TEXT_CHARS else body


def _each_text(said: Any, change: Callable[[str], str]) -> Any:
    return change(said) if isinstance(said, str) else said


def _envelopes(replies: Sequence[Mapping[str, Any]]) -> str | None:
    """Kalshi's replies to a websocket command as its answer's body: each envelope a line (a snapshot by its type, read
    as it is sent), up to what is kept."""
    lines: list[bytes] = []
    size = 0
    for reply in replies:
        lines.append(orjson.dumps(reply, default=str))
        size += len(lines[-1]) + 1
        if size > _BODY_BYTES:
            break
    return _text(b"\n".join(lines)) if lines else None


def _redacted(problems: list[Problem]) -> list[Problem]:
    """Problems whose details quote no credential (a schema's message may quote the value it judged)."""
    return [{name: redact.text(text) for name, text in found.items()} for found in problems]


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


# nginx's status for a request whose client closed the connection before it was answered.
CLIENT_CLOSED = 499


async def client_gone(request: Request, exc: Exception) -> Response:
    """The answer to a request whose body never arrived whole (`web.request_body.BodyCut`, Starlette's
    `ClientDisconnect`; the app's handler for it, and a fault rule's answer): the client closed the connection (499), or
    the server's body timeout ended it (408, which the server wrote). Nothing reaches the client now; the journal
    records the status, and `request.incomplete` saying why. It is no bug of the mock's: nothing is logged."""
    status, why = 408, request.scope.get(BODY_TIMED_OUT)
    if not why:
        status, why = CLIENT_CLOSED, "the client closed the connection before its request was whole"
    why += f"; {exc}" if str(exc) else ""
    known = request.scope.get(JOURNAL_NOTE)
    operation = known.operation if isinstance(known, JournalNote) else None
    request.scope[JOURNAL_NOTE] = JournalNote(operation, None, [problem("request.incomplete", why)])
    return Response(status_code=status, headers={DIAGNOSIS_HEADER: header_safe(why)})


class JournalMiddleware:
    """Records each HTTP request and websocket upgrade of a venue when its response's body ends (before the client can
    have it whole). `venue_of` names the venue of a request (None: not journaled); by default Kalshi's, under `prefix`.
    Anything else (the admin API) passes untouched."""

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
        exchange = _Exchange(self.journal, scope, venue, receive, send)
        # (a websocket's messages are recorded by its venue: only an HTTP request's body is read here)
        try:
            await self.app(scope, exchange.receive if scope["type"] == "http" else receive, exchange.send)
        except BaseException:
            exchange.end(failed=True)
            raise
        exchange.end(failed=False)


class _Exchange:
    """One HTTP request or websocket upgrade on its way through the middleware: the first `_BODY_BYTES` of the body it
    sent, its answer's start, then its answer's body, at whose end (before the client has it) it is recorded."""

    __slots__ = ("answer", "arrived", "journal", "keep", "recorded", "scope", "send_on", "sent", "started", "take_from",
                 "venue")  # fmt: skip

    def __init__(self, journal: Journal, scope: Scope, venue: str, receive: Receive, send: Send) -> None:
        self.journal, self.scope, self.venue, self.take_from, self.send_on = journal, scope, venue, receive, send
        self.arrived = monotonic()
        self.recorded = False
        self.sent = b""
        self.answer: list[bytes] = []
        self.keep = 0  # of the answer's bytes
        self.started: tuple[int, Any, int] | None = None  # the answer's status, headers and latency

    async def receive(self) -> Message:
        message = await self.take_from()
        if message["type"] == "http.request" and len(self.sent) < _BODY_BYTES and message.get("body"):
            self.sent += message["body"][: _BODY_BYTES - len(self.sent)]
        return message

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if not self.recorded:
            if message.get(DROPPED):  # a fault rule drops the connection: no status was answered
                self.record(None, None, self._latency())
            elif kind in ("http.response.start", "websocket.http.response.start"):
                self.start(message["status"], message.get("headers"))
            elif kind in ("http.response.body", "websocket.http.response.body") and self.started is not None:
                if self.keep > 0 and (body := message.get("body")):
                    self.answer.append(body[: self.keep])
                    self.keep -= len(self.answer[-1])
                if not message.get("more_body", False):
                    self.finish()
            elif kind == "websocket.accept":
                self.record(101, message.get("headers"), self._latency())
            elif kind == "websocket.close":
                self.record(403, None, self._latency())  # closed before the upgrade: the server refuses it with a 403
        elif kind == "websocket.send" and (pending := _PENDING_REPLY.get()) is not None:
            _PENDING_REPLY.set(None)
            journal, held, check = pending
            journal.keep_reply(held, message.get("text") or message.get("bytes") or b"", check)
        await self.send_on(message)

    def _latency(self) -> int:
        return int((monotonic() - self.arrived) * 1_000_000)

    def start(self, status: int, headers: Any) -> None:
        """The answer starts: it is recorded at its body's end. A refusal's body, and one judged, are read whole (up to
        `refusal.READ_BYTES`); any other's first `_BODY_BYTES`, what is kept of it."""
        self.started = (status, headers, self._latency())
        note = self.scope.get(JOURNAL_NOTE)
        whole = status >= 400 or (note is not None and note.reply_check is not None)
        self.keep = refusal.READ_BYTES if whole else _BODY_BYTES

    def finish(self) -> None:
        assert self.started is not None
        answer = b"".join(self.answer)
        entry = self.record(*self.started, answer)
        note = self.scope.get(JOURNAL_NOTE)
        if note is not None and note.reply_check is not None:
            _judge_reply(self.journal, entry, note.reply_check, answer)

    def end(self, *, failed: bool) -> None:
        """The app is done: a request answered without its body's end is recorded with what came (one that failed
        unanswered, as the 500 the error handler outside this middleware answers)."""
        if self.recorded:
            return
        if self.started is not None:
            self.record(*self.started, b"".join(self.answer))
        elif failed and self.scope["type"] == "http":
            self.record(500, None, self._latency())

    def record(self, status: int | None, headers: Any, latency_us: int, answer: bytes = b"") -> JournalEntry:
        self.recorded = True
        scope = self.scope
        raw_path = scope.get("raw_path") or scope["path"].encode()
        return self.journal.record_http(HttpExchange(
            "rest" if scope["type"] == "http" else "ws", scope.get("method", "GET"),  # a websocket upgrade is a GET
            raw_path.decode("latin-1").split("?", 1)[0], scope.get("query_string", b"").decode("latin-1"),
            raw_header(scope.get("headers"), _KEY_HEADER) if self.venue == "kalshi" else None, status,
            raw_header(headers, _AUTH_HEADER),  # a 401's diagnosis, or the note on one accepted
            self.venue, scope.get(JOURNAL_NOTE), scope.get(JOURNAL_FAULT), latency_us,
            request_body=self.sent, response_body=answer, diagnosis=raw_header(headers, _DIAGNOSIS_HEADER),
        ))  # fmt: skip
