"""The replay middleware: answers the venues' paths from a tape (`reel.Reel`), the mock's own (`/_admin`,
`/_inspector`) from the mock.

HTTP: the recorded status, headers (hop-by-hop ones and the length left out) and body of the request's next recorded
answer; a JSON-RPC reply carries the live request's `id`. A request not on the tape: 404 in the venue's error shape
(Kalshi's `not_found`, Deribit's `13020 not_found`) naming the nearest recorded request and what differs, also in
the X-Mockexchange-Diagnosis header. Websocket: the recorded connection's upstream frames sent before its first client
frame at once, then, for each client frame, the frames the upstream sent after the matching recorded one, at once
(recorded timing is not kept); a frame that matches none is answered with the venue's error frame.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockexchange.core.clock import Clock, unix_us
from mockexchange.core.connections import MAX_CLOSE_REASON_BYTES
from mockexchange.recording.records import decode_body, encode_body
from mockexchange.replay.matching import Shape, differences, nearest
from mockexchange.replay.reel import RecordedWebsocket, Reel, Segment
from mockexchange.web.answers import DIAGNOSIS_HEADER, header_safe
from mockexchange.web.request_body import body_within
from mockexchange.web.websocket import GONE

if TYPE_CHECKING:  # (the parser of the command line reads tapes without the control plane's imports)
    from mockexchange.control.registration import Proxied

MAX_BODY_BYTES = 64 * 1024  # a replayed request's body (Kalshi's own bound; Deribit's is 32 KiB)
MOCK_OWN = ("/_admin", "/_inspector")
REPLAYED_HEADER = "X-Mockexchange-Replayed"  # on each replayed answer: `record 3, answer 1 of 2`
# Not a recorded response's to give: they describe the recorded connection and body, not this one.
HOP_BY_HOP = frozenset(
    {
        "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "trailers",
        "transfer-encoding", "upgrade", "content-length", "date", "server",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Refusals:
    """How the replay answers what the tape cannot: in the error shape of the venue a path is of (`venues`, by name,
    their registrations' `Proxied`: the first that serves it, else the first), saying besides `testnet` (Deribit's)
    and the time (`clock`)."""

    clock: Clock
    testnet: bool
    venues: Mapping[str, Proxied]

    def venue_of(self, path: str) -> str:
        return next((name for name, side in self.venues.items() if side.serves(path)), next(iter(self.venues)))

    def body(self, venue: str, status: int, request_id: Any, diagnosis: str) -> tuple[int, bytes]:
        """The venue's error for a request the tape cannot answer (404) or whose body it will not read (413, as the
        venue refuses one: Kalshi's 400 `http: request body too large`, Deribit's -32600)."""
        status, body = self.venues[venue].refuse(status, diagnosis, request_id, self._now_us(), self.testnet)
        return status, json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()

    def frame(self, venue: str, request_id: Any, diagnosis: str) -> dict[str, Any]:
        return self.venues[venue].refuse_frame(request_id, diagnosis, self._now_us(), self.testnet)

    def _now_us(self) -> int:
        return unix_us(self.clock.now())


class ReplayMiddleware:
    def __init__(self, app: ASGIApp, reel: Reel, refusals: Refusals) -> None:
        self.app = app
        self.reel = reel
        self.refusals = refusals

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] not in ("http", "websocket") or path.startswith(MOCK_OWN):
            await self.app(scope, receive, send)
        elif scope["type"] == "http":
            await self._http(scope, receive, send)
        else:
            await _Socket(self.reel, self.refusals, scope, receive, send).run()

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        path, venue = scope["path"], self.refusals.venue_of(scope["path"])
        raw = await body_within(receive, MAX_BODY_BYTES)
        if raw is None:
            diagnosis = f"a body over {MAX_BODY_BYTES:,} bytes is not replayed"
            status, body = self.refusals.body(venue, 413, None, diagnosis)
            await _respond(send, status, [], body, diagnosis)
            return
        query = scope.get("query_string", b"").decode("latin-1")
        sent = encode_body(raw)
        live = self.reel.matcher.shape(scope["method"], path, query, sent)
        request_id = _request_id(sent, query) if self.refusals.venues[venue].json_rpc else None
        found = self.reel.answer(live)
        if found is None:
            diagnosis = _diagnosis(live, self.reel)
            status, body = self.refusals.body(venue, 404, request_id, diagnosis)
            await _respond(send, status, [], body, diagnosis)
            return
        record, which, recorded = found
        status, headers, out = _replayed(record.response or {}, request_id)
        said = f"record {record.seq}, answer {which} of {recorded}"  # which recorded answer this is, as WireMock says
        await _respond(send, status, [*headers, (REPLAYED_HEADER.lower().encode(), said.encode())], out, None)


def _replayed(response: Mapping[str, Any], request_id: Any) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """A recorded response as sent again: its JSON-RPC reply's id the live request's."""
    body = response.get("body") or {}
    headers = _headers(response.get("headers") or {}, textual=bool(body) and "base64" not in body)
    value = body.get("json")
    if isinstance(value, dict) and "id" in value and request_id is not None:
        out = json.dumps({**value, "id": request_id}, ensure_ascii=False, separators=(",", ":")).encode()
    else:
        out = decode_body(body)
    return int(response.get("status", 200)), headers, out


def _request_id(sent: Mapping[str, Any] | None, query: str) -> Any:
    if sent and isinstance(sent.get("json"), dict):
        return sent["json"].get("id")
    for pair in query.split("&"):
        name, _, value = pair.partition("=")
        if name == "id" and value:
            return int(value) if value.isdigit() and len(value) < 19 else value
    return None


def _headers(recorded: Mapping[str, Any], *, textual: bool) -> list[tuple[bytes, bytes]]:
    """The recorded headers a replay sends again: not hop-by-hop ones, nor a content encoding the tape undid."""
    kept = []
    for name, value in recorded.items():
        lower = str(name).lower()
        if lower in HOP_BY_HOP or (textual and lower == "content-encoding"):
            continue
        for one in value if isinstance(value, list) else [value]:
            kept.append((lower.encode("latin-1"), header_safe(str(one)).encode("latin-1")))
    return kept


def _diagnosis(live: Shape, reel: Reel) -> str:
    found = nearest(live, reel.candidates(live))
    head = f"{live.shown()} is not on the tape {reel.source}".rstrip()
    if found is None:
        return f"{head}: it holds no HTTP exchange"
    recorded, seq, differ = found
    return f"{head}; nearest: {recorded.shown()} (record {seq}), which differs in {'; '.join(differ) or 'nothing'}"


async def _respond(
    send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes, diagnosis: str | None
) -> None:
    if diagnosis is not None:
        headers = _said(b"application/json", diagnosis)
    headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _said(content_type: bytes, diagnosis: str) -> list[tuple[bytes, bytes]]:
    said = header_safe(diagnosis).encode("latin-1")
    return [(b"content-type", content_type), (DIAGNOSIS_HEADER.lower().encode(), said)]


class _Socket:
    """One replayed websocket connection."""

    def __init__(self, reel: Reel, refusals: Refusals, scope: Scope, receive: Receive, send: Send) -> None:
        self.reel, self.refusals, self.scope, self.receive, self.send = reel, refusals, scope, receive, send
        self.venue = refusals.venue_of(scope["path"])
        self.served: set[int] = set()  # the segments a client frame has matched

    async def run(self) -> None:
        if (await self.receive())["type"] != "websocket.connect":
            return
        recorded = self.reel.connection(self.scope["path"])
        if recorded is None:
            await self._refuse()
            return
        await self.send({"type": "websocket.accept"})
        with contextlib.suppress(*GONE, RuntimeError):  # RuntimeError: sent after the close
            await self._frames(recorded.segments[0], None)
            while (message := await self.receive())["type"] == "websocket.receive":
                text = message.get("text")
                data = encode_body(text.encode() if text is not None else message.get("bytes") or b"")
                await self._answer(recorded, data)

    async def _answer(self, recorded: RecordedWebsocket, data: Mapping[str, Any] | None) -> None:
        live = self.reel.matcher.frame_shape(data)
        command = (data or {}).get("json")
        live_id = command.get("id") if isinstance(command, dict) else None
        matching = [n for n, s in enumerate(recorded.segments) if s.client is not None and s.client.key == live.key]
        fresh = [n for n in matching if n not in self.served]
        if not matching:
            await self._unmatched(recorded, live, live_id)
            return
        chosen = fresh[0] if fresh else matching[-1]
        self.served.add(chosen)
        await self._frames(recorded.segments[chosen], live_id)

    async def _frames(self, segment: Segment, live_id: Any) -> None:
        for data in segment.replies:
            frame = data.get("json")
            answered = segment.client_id is not None and live_id is not None
            if answered and isinstance(frame, dict) and frame.get("id") == segment.client_id:
                frame = {**frame, "id": live_id}
            if frame is not None:
                await self._text(json.dumps(frame, ensure_ascii=False, separators=(",", ":")))
            elif "text" in data:
                await self._text(str(data["text"]))
            else:
                await self.send({"type": "websocket.send", "bytes": decode_body(data)})

    async def _text(self, text: str) -> None:
        await self.send({"type": "websocket.send", "text": text})

    async def _unmatched(self, recorded: RecordedWebsocket, live: Shape, live_id: Any) -> None:
        frames = [(s.client, s.seq) for s in recorded.segments if s.client is not None]
        found = nearest(live, frames)
        said = f"this frame is not on the tape's connection (record {recorded.seq})"
        if found is not None:
            said += f"; nearest: record {found[1]}, which differs in {'; '.join(differences(live, found[0]))}"
        reply = self.refusals.frame(self.venue, live_id, said)
        await self._text(json.dumps(reply, ensure_ascii=False, separators=(",", ":")))

    async def _refuse(self) -> None:
        """No recorded websocket on this path: 404 before the upgrade where the server can say so, else a close."""
        paths = ", ".join(self.reel.socket_paths()) or "none"
        said = f"no websocket on {self.scope['path']} is on the tape (recorded: {paths})"
        if "websocket.http.response" in (self.scope.get("extensions") or {}):
            headers = _said(b"text/plain", said)
            start: Message = {"type": "websocket.http.response.start", "status": 404, "headers": headers}
            await self.send(start)
            await self.send({"type": "websocket.http.response.body", "body": said.encode()})
        else:
            # A close frame's reason holds at most so many UTF-8 bytes: the path the client asked may hold more.
            reason = said.encode()[:MAX_CLOSE_REASON_BYTES].decode(errors="ignore")
            await self.send({"type": "websocket.close", "code": 1008, "reason": reason})
