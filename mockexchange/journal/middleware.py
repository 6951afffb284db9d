"""The journal's middleware: records each HTTP request and websocket upgrade of a venue as its answer ends (before the
client has it whole), with the first `BODY_BYTES` of the body it sent and of its answer (a refusal's answer whole), its
status and latency, what the venue's note and a fault rule left in the scope; and keeps a websocket message's reply as
its entry's answer when the message's task sends it. `client_gone` is the app's answer to a request whose body never
arrived whole."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockexchange.core.clock import monotonic
from mockexchange.journal import refusal
from mockexchange.journal.entries import BODY_BYTES, HttpExchange, JournalEntry, JournalNote
from mockexchange.journal.journal import PENDING_REPLY, Journal
from mockexchange.journal.judging import judged_reply
from mockexchange.schema.requests import problem
from mockexchange.web.answers import DIAGNOSIS_HEADER, header_safe
from mockexchange.web.extensions import BODY_TIMED_OUT, DROPPED
from mockexchange.web.request_body import raw_header

JOURNAL_NOTE = "mockexchange.journal"  # the ASGI scope key of a venue's `JournalNote`
# The ASGI scope key of what a fault rule did to the request (`core.faults.Fault.describe()`), left by venues/faults.py.
JOURNAL_FAULT = "mockexchange.fault"
_AUTH_HEADER = b"x-mockexchange-auth"
_DIAGNOSIS_HEADER = DIAGNOSIS_HEADER.lower().encode()

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
    have it whole). `venue_of` names the venue of a request (None: not journaled: the admin API, which passes
    untouched); `key_headers`, by that name, the header a venue's request names its key in (its registration's `serve`:
    Kalshi's; a venue without one has its routes' notes name the key)."""

    def __init__(
        self,
        app: ASGIApp,
        journal: Journal,
        venue_of: Callable[[Scope], str | None],
        key_headers: Mapping[str, bytes] | None = None,
    ) -> None:
        self.app = app
        self.journal = journal
        self.venue_of = venue_of
        self.key_headers = dict(key_headers or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        venue = self.venue_of(scope) if scope["type"] in ("http", "websocket") else None
        if venue is None:
            await self.app(scope, receive, send)
            return
        exchange = _Exchange(self.journal, scope, venue, self.key_headers.get(venue), receive, send)
        # (a websocket's messages are recorded by its venue: only an HTTP request's body is read here)
        try:
            await self.app(scope, exchange.receive if scope["type"] == "http" else receive, exchange.send)
        except BaseException:
            exchange.end(failed=True)
            raise
        exchange.end(failed=False)


class _Exchange:
    """One HTTP request or websocket upgrade on its way through the middleware: the first `BODY_BYTES` of the body it
    sent, its answer's start, then its answer's body, at whose end (before the client has it) it is recorded."""

    __slots__ = ("answer", "arrived", "journal", "keep", "key_header", "recorded", "scope", "send_on", "sent",
                 "started", "take_from", "venue")  # fmt: skip

    def __init__(
        self, journal: Journal, scope: Scope, venue: str, key_header: bytes | None, receive: Receive, send: Send
    ) -> None:
        self.journal, self.scope, self.venue, self.take_from, self.send_on = journal, scope, venue, receive, send
        self.key_header = key_header
        self.arrived = monotonic()
        self.recorded = False
        self.sent = b""
        self.answer: list[bytes] = []
        self.keep = 0  # of the answer's bytes
        self.started: tuple[int, Any, int] | None = None  # the answer's status, headers and latency

    async def receive(self) -> Message:
        message = await self.take_from()
        if message["type"] == "http.request" and len(self.sent) < BODY_BYTES and message.get("body"):
            self.sent += message["body"][: BODY_BYTES - len(self.sent)]
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
        elif kind == "websocket.send" and (pending := PENDING_REPLY.get()) is not None:
            PENDING_REPLY.set(None)
            journal, held, check = pending
            journal.keep_reply(held, message.get("text") or message.get("bytes") or b"", check)
        await self.send_on(message)

    def _latency(self) -> int:
        return int((monotonic() - self.arrived) * 1_000_000)

    def start(self, status: int, headers: Any) -> None:
        """The answer starts: it is recorded at its body's end. A refusal's body, and one judged, are read whole (up to
        `refusal.READ_BYTES`); any other's first `BODY_BYTES`, what is kept of it."""
        self.started = (status, headers, self._latency())
        note = self.scope.get(JOURNAL_NOTE)
        whole = status >= 400 or (note is not None and note.reply_check is not None)
        self.keep = refusal.READ_BYTES if whole else BODY_BYTES

    def finish(self) -> None:
        assert self.started is not None
        answer = b"".join(self.answer)
        entry = self.record(*self.started, answer)
        note = self.scope.get(JOURNAL_NOTE)
        if entry is not None and note is not None and note.reply_check is not None:
            self.journal.add_problems(entry, judged_reply(entry, note.reply_check, answer))

    def end(self, *, failed: bool) -> None:
        """The app is done: a request answered without its body's end is recorded with what came (one that failed
        unanswered, as the 500 the error handler outside this middleware answers)."""
        if self.recorded:
            return
        if self.started is not None:
            self.record(*self.started, b"".join(self.answer))
        elif failed and self.scope["type"] == "http":
            self.record(500, None, self._latency())

    def record(self, status: int | None, headers: Any, latency_us: int, answer: bytes = b"") -> JournalEntry | None:
        self.recorded = True
        scope = self.scope
        raw_path = scope.get("raw_path") or scope["path"].encode()
        return self.journal.record_http(HttpExchange(
            "rest" if scope["type"] == "http" else "ws", scope.get("method", "GET"),  # a websocket upgrade is a GET
            raw_path.decode("latin-1").split("?", 1)[0], scope.get("query_string", b"").decode("latin-1"),
            raw_header(scope.get("headers"), self.key_header) if self.key_header else None, status,
            raw_header(headers, _AUTH_HEADER),  # a 401's diagnosis, or the note on one accepted
            self.venue, scope.get(JOURNAL_NOTE), scope.get(JOURNAL_FAULT), latency_us,
            request_body=self.sent, response_body=answer, diagnosis=raw_header(headers, _DIAGNOSIS_HEADER),
        ))  # fmt: skip
