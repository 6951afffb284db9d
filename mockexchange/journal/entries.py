"""A journal entry: what the journal keeps of a request, a websocket upgrade or a websocket message (`JournalEntry`),
cut to its bounds (`TEXT_CHARS` of each text a client chose, `PROBLEMS_KEPT` problems) and its credentials hidden
(`mockexchange.auth.redact`) before it is held, and counted in the bytes CPython holds it in (`measure`); what a
venue's route tells the journal of a request (`JournalNote`, left in the ASGI scope for the middleware); an HTTP
exchange as the middleware hands it over (`HttpExchange`); and an entry as plain values a state file keeps
(`entry_record`, `entry_from_record`)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple, overload
from urllib.parse import parse_qsl

from mockexchange.auth import redact
from mockexchange.core.clock import unix_us
from mockexchange.schema.requests import Problem

TEXT_CHARS = 2_000  # of each text a client chose (a query string, a command of up to 64 KiB), kept for reading
PROBLEMS_KEPT = 20  # of one entry (a 2,000-character query can name hundreds of unknown parameters)
BODY_BYTES = 4 * (TEXT_CHARS + 1)  # of a body, read for what is kept of it (4 bytes a character at most)
# CPython's bytes for an entry's fixed part (the slotted object, its datetime) and for one problem's dict, measured
# with tracemalloc and rounded up (bench/journal_memory.py compares the count with the process's memory).
_ENTRY_BYTES = 300
_PROBLEM_BYTES = 200


ReplyCheck = Callable[[bytes | str], list[Problem]]  # a reply's judge: the problems it finds


@dataclass(slots=True)
class JournalNote:
    """What a venue's route knows about a request that the HTTP layer does not (left in the scope:
    `middleware.JOURNAL_NOTE`)."""

    operation: str | None
    key_id: str | None
    problems: list[Problem]
    # What the venue's reply breaks in its slice, judged from the reply's bytes as the middleware passes them on
    # (Deribit: the result or error against the JSON-RPC slice); None: the reply is not judged.
    reply_check: ReplyCheck | None = None
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
    # As sent, at least `BODY_BYTES` of each (a refusal's answer whole, up to `refusal.READ_BYTES`); b"": none.
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
    # Its venue's requests name their operation in their body, not in their path (a JSON-RPC method), so `describe`
    # names it; the journal says so as it holds the entry (its venue's registration), never kept in a record.
    operation_in_body: bool = False

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
        rpc = f" {self.operation}" if self.operation_in_body and self.operation else ""  # POST /api/v2 hides it
        cut = " (truncated)" if self.truncated else ""
        fault = f" [{self.fault}]" if self.fault else ""
        status = "dropped" if self.status is None else self.status  # a fault rule dropped the connection
        return f"{self.method} {self.path}{query}{rpc} -> {status}{cut}{fault}"

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "time": self.time.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            **{name: getattr(self, name) for name in ("venue", "transport", "method", "path")},
            "query": [list(pair) for pair in self.query],
            **{name: getattr(self, name) for name in _SHOWN},
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
        for name, hide in _REDACTED:
            if (text := getattr(self, name)) is not None:
                setattr(self, name, hide(text))
        if self.refusal is not None:  # a flat 400's message quotes the value
            self.refusal = {name: _each_text(said, redact.text) for name, said in self.refusal.items()}
        if self.problems:
            self.problems = _redacted_problems(self.problems)
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

    def keep_answer(self, body: str) -> None:
        """A websocket message's reply, kept as its answer's body: cut and redacted as an entry's texts are."""
        self.response_body = _cut_body(redact.frame(_cut_body(body)))

    def add_problems(self, problems: list[Problem]) -> None:
        """Problems found after it was held (in its reply), redacted and cut as the rest."""
        self.problems = self.keep_problems([*(self.problems or []), *_redacted_problems(problems)])

    def measure(self) -> int:
        """Its bytes as CPython holds them: the fixed part, its texts, its replies and problems."""
        texts = (self.path, self.query_string, self.key_id, self.auth, self.command, self.operation, self.fault,
                 self.not_judged, self.diagnosis, self.request_body, self.response_body)  # fmt: skip
        held = _ENTRY_BYTES + sum(sys.getsizeof(text) for text in texts if text is not None)
        held += sum(sys.getsizeof(reply) for reply in self.replies or ())
        for found in [*(self.problems or ()), *([self.refusal] if self.refusal else ())]:
            held += _PROBLEM_BYTES + sum(sys.getsizeof(text) for text in found.values())
        return held


# The texts an entry may hold (None: it holds none) and how each is redacted: `operation` is a JSON-RPC method or a
# command's name as the client spelt it, `not_judged` (the proxy's) may name the path with its escapes undone, a body
# is JSON, a form or text.
_REDACTED: tuple[tuple[str, Callable[[str], str]], ...] = (
    ("auth", redact.text), ("command", redact.frame), ("operation", redact.text), ("not_judged", redact.text),
    ("diagnosis", redact.text), ("request_body", redact.frame), ("response_body", redact.frame),
)  # fmt: skip


def _redacted_problems(problems: list[Problem]) -> list[Problem]:
    """Problems whose details quote no credential (a schema's message may quote the value it judged)."""
    return [{name: redact.text(text) for name, text in found.items()} for found in problems]


def as_text(text: str | bytes) -> str:
    """A text a client sent (or a body, a reply) as the journal reads it: at most what is kept (4 bytes a character)
    decoded, not a whole 64 KiB frame, so it is decoded and redacted at that cost."""
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


# What `to_json` shows after the query, in its order (the proxy's fields only when set).
_SHOWN = (
    "operation", "key_id", "status", "auth", "command", "replies", "problems", "truncated", "fault", "latency_us",
    "refusal", "diagnosis",
)  # fmt: skip
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
