"""The request journal: every request a venue received (REST requests, websocket upgrades and websocket commands),
the newest `journal_size` of them within `journal_max_bytes`, each with what it breaks in the committed schema slices.

Recording is cheap and happens on the request's path: the entry is in the journal before the client has the response
(or a command's reply), so a test that reads the journal right after sees it. A REST request is checked against the
OpenAPI slice when it is first read, not when it is recorded: a journal nobody reads costs the hot path almost
nothing. A websocket command is checked when it arrives, because only its first `TEXT_CHARS` characters are kept.

Bounded in bytes as well as entries, whatever clients send: every text a client chose (path, query string, key id,
command, the diagnosis quoting them) is kept to its first `TEXT_CHARS` characters and an entry keeps at most
`PROBLEMS_KEPT` problems; such an entry says `truncated` and is judged on what it kept. The oldest entries go once the
entries' bytes (as CPython counts them, `JournalEntry.measure`) pass `max_bytes`.

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

A journal that keeps nothing (`journal_size=0`, or `journal_max_bytes=0`: `keeps` is false) records nothing: no entry
is made, no seq number taken, no listener or watcher told; the app leaves its middleware out and the venues their
websocket recorders, so such a journal costs a request nothing.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from contextvars import ContextVar
from typing import Any

import orjson

from mockexchange.core.clock import Clock
from mockexchange.journal import refusal
from mockexchange.journal.entries import BODY_BYTES, HttpExchange, JournalEntry, JournalNote, ReplyCheck, as_text
from mockexchange.journal.judging import Judge, judge, judged_reply, unrouted
from mockexchange.schema.requests import Problem
from mockexchange.settings import DEFAULT_JOURNAL_MAX_BYTES

DEFAULT_SIZE = 10_000
DEFAULT_MAX_BYTES = DEFAULT_JOURNAL_MAX_BYTES  # 10,000 ordinary entries fit (~600 bytes each); a flood stops here
TRANSPORTS = ("rest", "ws")


class Journal:
    """Thread-safe: the server's thread records while a test's thread reads."""

    def __init__(
        self,
        wall_clock: Clock,
        size: int = DEFAULT_SIZE,
        venue: str = "",
        *,
        max_bytes: int | None = DEFAULT_MAX_BYTES,
        judges: Mapping[str, Judge] | None = None,
        venues: Sequence[str] = (),
        operation_in_body: Collection[str] = (),
    ) -> None:
        """`size` entries at most, of at most `max_bytes` together (None: no bound in bytes); `venue`: the venue of an
        exchange that names none; `judges`: each venue's judge of its entries no route left a note on (its
        registration's); the venues a read may filter by are `venues` (each name the journal gives a venue's requests,
        from the registrations) and the judges'; `operation_in_body`: those of them whose requests name their operation
        in their body (a JSON-RPC method), which an entry's one line names (its registration's)."""
        if size < 0:
            raise ValueError("journal_size must be >= 0")
        if max_bytes is not None and max_bytes < 0:
            raise ValueError("journal_max_bytes must be >= 0")
        self.wall_clock = wall_clock
        self.venue = venue
        self.judges: Mapping[str, Judge] = {} if judges is None else judges
        self.venues = tuple(venues)
        self.operation_in_body = frozenset(operation_in_body)
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
    def keeps(self) -> bool:
        """Whether the journal keeps any entry: one that keeps none records nothing (and the app does not ask it to)."""
        return self.max_entries > 0 and self.max_bytes != 0

    @property
    def held_bytes(self) -> int:
        """What the entries held count, in bytes (at most `max_bytes`)."""
        return self._bytes

    def _add(self, entry: JournalEntry) -> None:
        """Hold a new entry, cut to size and redacted, then let the oldest go while the journal is over either bound."""
        entry.operation_in_body = entry.venue in self.operation_in_body
        entry.cut()  # first: redacting reads only what is kept (a value cut short is still found by its name)
        if entry.redact():
            entry.cut()  # a redacted value may be longer than the secret it hides
        entry.held_bytes = entry.measure()
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
                entry.operation_in_body = entry.venue in self.operation_in_body
                entry.redact()  # kept by a version that did not hide every spelling
                entry.held_bytes = entry.measure()
                self._entries.append(entry)
                self._bytes += entry.held_bytes
                self._seq = max(self._seq, entry.seq)
            self._evict()

    def add_problems(self, entry: JournalEntry, problems: list[Problem]) -> None:
        """Problems found in the reply of an entry already held (its `reply_check`), counted and cut as the rest."""
        if not problems:
            return
        entry.add_problems(problems)
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
                    counted = entry.measure()
                    self._bytes += counted - entry.held_bytes
                    entry.held_bytes = counted
            self._evict()

    @property
    def last_seq(self) -> int:
        """The seq of the newest entry ever recorded (0: none); `since=last_seq` then reads only what comes after."""
        return self._seq

    def record_http(self, exchange: HttpExchange) -> JournalEntry | None:
        """Hold the entry of `exchange`: judged by its note, or by its venue's slice when first read (None: the journal
        keeps nothing)."""
        if not self.keeps:
            return None
        venue, method, path, status = exchange.venue or self.venue, exchange.method, exchange.path, exchange.status
        entry = JournalEntry(0, self.wall_clock.now(), venue, exchange.transport, method, path, exchange.query_string,
                             exchange.key_id, status, exchange.auth, fault=exchange.fault)  # fmt: skip
        entry.latency_us, entry.diagnosis = exchange.latency_us, exchange.diagnosis
        if (note := exchange.note) is not None:
            entry.operation, entry.problems, entry.not_judged = note.operation, note.problems, note.not_judged
            entry.key_id = note.key_id or exchange.key_id
        elif venue not in self.judges:
            entry.problems = unrouted(method, path, status)
        sent, answer = exchange.request_body, exchange.response_body
        entry.request_body, entry.response_body = as_text(sent) if sent else None, as_text(answer) if answer else None
        if status is not None and status >= 400 and answer:
            entry.refusal = refusal.of_answer(answer)
        self._add(entry)
        return entry

    def record_command(
        self,
        venue: str,
        path: str,
        key_id: str | None,
        text: str | bytes,
        replies: Sequence[Mapping[str, Any]],
        note: JournalNote,
    ) -> None:
        """A websocket command of a venue and its replies (Kalshi's), judged by the venue as it arrived (`note`: its
        operation, problems, refusal and the mock's diagnosis of it)."""
        if not self.keeps:
            return
        entry = JournalEntry(0, self.wall_clock.now(), venue, "ws", None, path, "", key_id, None)
        entry.command, entry.replies = as_text(text), [_reply(r) for r in replies]
        entry.operation, entry.problems = note.operation, note.problems
        entry.response_body = _envelopes(replies)
        entry.refusal, entry.diagnosis = note.refusal, note.diagnosis
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
        if not self.keeps:
            return
        entry = JournalEntry(0, self.wall_clock.now(), venue, "ws", None, path, "", note.key_id or key_id, None)
        entry.fault, entry.direction, entry.not_judged = fault, direction, note.not_judged
        entry.command, entry.replies = as_text(text), replies
        entry.operation, entry.problems = note.operation, note.problems
        entry.refusal, entry.diagnosis = note.refusal, note.diagnosis
        self._add(entry)
        if answered or note.reply_check is not None:  # the reply is sent next, on this task: the middleware has it
            PENDING_REPLY.set((self, entry, note.reply_check))

    def keep_reply(self, entry: JournalEntry, reply: str | bytes, check: ReplyCheck | None) -> None:
        """The reply to a websocket message held already: kept as its answer's body (cut and redacted as an entry's
        are), and judged by `check`, if any."""
        body = as_text(reply)
        if body:
            entry.keep_answer(body)
            self._recount([entry])
        if check is not None:
            self.add_problems(entry, judged_reply(entry, check, reply))

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
        known = (*self.venues, *(name for name in self.judges if name not in self.venues))
        if venue is not None and venue not in known:
            raise ValueError(f"venue must be one of {', '.join(known)}")
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
            judge(entry, self.judges)
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


# A websocket message's entry waiting for its reply: set by `record_message` on the connection's task, taken by the
# middleware when that task sends the reply (the next frame it sends; notifications are sent by another task).
PENDING_REPLY: ContextVar[tuple[Journal, JournalEntry, ReplyCheck | None] | None] = ContextVar(
    "mockexchange_pending_reply", default=None
)


def _envelopes(replies: Sequence[Mapping[str, Any]]) -> str | None:
    """Kalshi's replies to a websocket command as its answer's body: each envelope a line (a snapshot by its type, read
    as it is sent), up to what is kept."""
    lines: list[bytes] = []
    size = 0
    for reply in replies:
        lines.append(orjson.dumps(reply, default=str))
        size += len(lines[-1]) + 1
        if size > BODY_BYTES:
            break
    return as_text(b"\n".join(lines)) if lines else None


def _reply(envelope: Mapping[str, Any]) -> str:
    kind = str(envelope.get("type"))
    if kind == "error":
        return f"error {envelope.get('msg', {}).get('code')}"
    return kind
