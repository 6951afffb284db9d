"""One websocket through the proxy: the upgrade sent on to the upstream with the client's headers (a Kalshi signature
covers the upgrade's path), then every message passed both ways as it comes, each judged, journaled and recorded
(with its offset from the open) before it is passed on. An upstream that refuses the upgrade is answered with its own
status, headers and body; one that cannot be reached with a 502 in the venue's shape; a target `targets.py` does not
forward with a 400 in the venue's shape, before the upstream is asked. Either side's close closes the other with its
code."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from starlette.types import Receive, Scope, Send
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from mockexchange.auth import redact
from mockexchange.core.clock import monotonic
from mockexchange.journal import refusal
from mockexchange.journal.entries import HttpExchange, JournalNote
from mockexchange.proxy.forward import HOP_BY_HOP, aside, end_to_end, raw_target, request_record
from mockexchange.proxy.forwarder import Forwarder
from mockexchange.proxy.messages import coding, headers, seen
from mockexchange.proxy.targets import TargetRefused, websocket_url
from mockexchange.proxy.upstreams import Upstream, failure, not_final, route
from mockexchange.venues.proxied import ProxyVerdict
from mockexchange.web.websocket import GONE

MAX_FRAME_BYTES = 16 * 1024 * 1024  # a message from the upstream (websockets' own default is 1 MiB)
# The upgrade's own headers: the proxy's client library makes them for its own handshake.
_HANDSHAKE = frozenset(
    {b"host", b"content-length", b"sec-websocket-key", b"sec-websocket-version", b"sec-websocket-extensions",
     b"sec-websocket-protocol", b"sec-websocket-accept"}
)  # fmt: skip
_UNSENDABLE = {1005: 1000, 1006: 1011, 1015: 1011}  # close codes a close frame may not carry -> what is sent


async def forward_websocket(proxy: Forwarder, scope: Scope, receive: Receive, send: Send) -> None:
    if (await receive())["type"] != "websocket.connect":
        return
    upstream = route(scope["path"], proxy.upstreams)
    assert upstream is not None
    await Socket(proxy, upstream, scope, receive, send).run()


class Socket:
    def __init__(self, proxy: Forwarder, upstream: Upstream, scope: Scope, receive: Receive, send: Send) -> None:
        self.proxy, self.upstream, self.scope, self.receive, self.send = proxy, upstream, scope, receive, send
        self.request_headers: list[tuple[bytes, bytes]] = list(scope.get("headers", []))
        self.path = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
        self.query = redact.query(scope.get("query_string", b"").decode("latin-1"))
        self.key_id = upstream.side.key_id(self.request_headers, None)
        self.judge: Callable[[str, Any, str], ProxyVerdict] = upstream.side.frames()  # this connection's frames
        self.connection = 0
        self.opened = 0.0

    async def run(self) -> None:
        arrived = monotonic()
        at = self.proxy.at()
        try:
            url = websocket_url(self.upstream, raw_target(self.scope))
        except TargetRefused as exc:  # nothing goes upstream
            await self._refuse(arrived, at, *failure(self.upstream, 400, str(exc), self.proxy.clock), str(exc))
            return
        try:
            remote = await self._connect(url)
        except InvalidStatus as refused:
            answer = refused.response
            if (why := not_final(self.upstream, answer.status_code)) is not None:  # an interim status, as a refusal
                await self._refuse(arrived, at, *failure(self.upstream, 502, why, self.proxy.clock), why)
                return
            raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in answer.headers.raw_items()]
            await self._refuse(arrived, at, answer.status_code, raw, bytes(answer.body or b""), None)
            return
        except (OSError, InvalidHandshake, TimeoutError) as exc:
            why = f"cannot open a websocket to {self.upstream.ws_origin}: {type(exc).__name__}: {exc}"
            await self._refuse(arrived, at, *failure(self.upstream, 502, why, self.proxy.clock), why)
            return
        async with remote:
            await self._opened(remote, arrived, at)
            await self._pump(remote)

    async def _connect(self, url: str) -> ClientConnection:
        forwarded = [
            (k.decode("latin-1"), v.decode("latin-1")) for k, v in end_to_end(self.request_headers, _HANDSHAKE)
        ]
        return await connect(
            url, additional_headers=forwarded, subprotocols=self.scope.get("subprotocols") or None,
            user_agent_header=None, open_timeout=self.proxy.timeout_s, max_size=MAX_FRAME_BYTES,
        )  # fmt: skip

    async def _refuse(
        self, arrived: float, at: str, status: int, raw: list[tuple[bytes, bytes]], body: bytes, failed: str | None
    ) -> None:
        """The upgrade answered with `status`: the upstream's refusal, or the proxy's 502 (`failed` says why)."""
        note = JournalNote(None, self.key_id, [], not_judged=f"websocket upgrade: {failed or f'refused, {status}'}")
        self._journal_upgrade(status, note, arrived)
        if failed is None and self.proxy.tape is not None:
            request = self._request_record()
            answered = seen(body, coding(raw))
            response = {"status": status, "headers": headers(raw), "body": answered.tape}
            self.proxy.tape.write("http", self.upstream.venue, at, request=request, response=response,
                                  elapsed_ms=round((monotonic() - arrived) * 1000, 3))  # fmt: skip
        if "websocket.http.response" in self.scope.get("extensions", {}):
            kept = [(k, v) for k, v in raw if k.lower() not in HOP_BY_HOP and k.lower() != b"content-length"]
            kept.append((b"content-length", str(len(body)).encode()))
            await self.send({"type": "websocket.http.response.start", "status": status, "headers": kept})
            await self.send({"type": "websocket.http.response.body", "body": body})
        else:
            await self.send({"type": "websocket.close", "code": 1011})

    async def _opened(self, remote: ClientConnection, arrived: float, at: str) -> None:
        await self.send({"type": "websocket.accept", "subprotocol": remote.subprotocol})
        self.opened = monotonic()
        self.connection = self.proxy.next_connection()
        self._journal_upgrade(101, JournalNote(None, self.key_id, []), arrived)
        if self.proxy.tape is not None:
            self.proxy.tape.write("ws_open", self.upstream.venue, at, connection=self.connection,
                                  request=self._request_record())  # fmt: skip

    def _journal_upgrade(self, status: int, note: JournalNote, arrived: float) -> None:
        self.proxy.journal.record_http(HttpExchange(
            "ws", "GET", self.path.split("?", 1)[0], self.query, self.key_id, status, None, self.upstream.venue, note,
            latency_us=int((monotonic() - arrived) * 1_000_000),
        ))  # fmt: skip

    def _request_record(self) -> dict[str, Any]:
        return request_record(self.upstream, self.scope, self.request_headers, None)

    async def _pump(self, remote: ClientConnection) -> None:
        to_upstream = asyncio.ensure_future(self._from_client(remote))
        to_client = asyncio.ensure_future(self._from_upstream(remote))
        done, _ = await asyncio.wait({to_upstream, to_client}, return_when=asyncio.FIRST_COMPLETED)
        if to_upstream not in done and not to_client.result():
            # The client left while a frame was on its way to it: its disconnect, which the other task reads next,
            # says with what code (a client reading nothing more leaves the task waiting on the upstream: bounded).
            done, _ = await asyncio.wait({to_upstream}, timeout=self.proxy.timeout_s)
            done.add(to_client)
        upstream_closed = to_client in done and to_client.result()
        for task in (to_upstream, to_client):
            if task not in done:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, *_GONE):
                    await task
        if upstream_closed:  # close the client with the upstream's code
            code = remote.close_code
            with contextlib.suppress(*_GONE):
                sent = _UNSENDABLE.get(code or 1005, code or 1000)
                await self.send({"type": "websocket.close", "code": sent, "reason": remote.close_reason or ""})
        else:
            code = to_upstream.result() if to_upstream in done else 1006  # gone without a word
        self._closed(code)

    async def _from_client(self, remote: ClientConnection) -> int:
        """Pass the client's messages on until it leaves; its close code."""
        while True:
            message = await self.receive()
            if message["type"] == "websocket.disconnect":
                code = int(message.get("code", 1000))
                with contextlib.suppress(ConnectionClosed):
                    await remote.close(_UNSENDABLE.get(code, code), message.get("reason") or "")
                return code
            text = message.get("text")
            data = text if text is not None else message.get("bytes", b"")
            await self._frame("client", data)
            with contextlib.suppress(ConnectionClosed):  # the upstream's close ends the other task
                await remote.send(data)

    async def _from_upstream(self, remote: ClientConnection) -> bool:
        """Pass the upstream's messages on until it closes: True. Once the client is found gone, what still comes is
        dropped until the upstream is closed (read, so the close's answer is not stuck behind a full queue): False."""
        passing = True
        with contextlib.suppress(ConnectionClosed):
            async for data in remote:
                if not passing:  # (a yield: a relay reading a queue that never empties must not hold the loop)
                    await asyncio.sleep(0)
                    continue
                await self._frame("upstream", data)
                key = "text" if isinstance(data, str) else "bytes"
                try:
                    await self.send({"type": "websocket.send", key: data})
                except GONE:
                    passing = False
        return passing

    async def _frame(self, direction: str, data: str | bytes) -> None:
        kept = await aside(len(data), seen, data)  # (a frame's order in its direction kept: it waits for this)
        verdict = self.judge(direction, kept.value, kept.text)
        note = verdict.note(self.key_id)
        if direction == "upstream":  # an error the venue sent: its refusal
            note.refusal, note.diagnosis = refusal.of_frame(kept.value)
        self.proxy.journal.record_message(
            self.upstream.venue, self.path.split("?", 1)[0], self.key_id, kept.text, [], note, direction=direction
        )
        if self.proxy.tape is not None:
            offset = round((monotonic() - self.opened) * 1000, 3)
            self.proxy.tape.write("ws_frame", self.upstream.venue, self.proxy.at(), connection=self.connection,
                                  direction=direction, offset_ms=offset, data=kept.tape)  # fmt: skip

    def _closed(self, code: int | None) -> None:
        if self.proxy.tape is not None:
            offset = round((monotonic() - self.opened) * 1000, 3)
            self.proxy.tape.write("ws_close", self.upstream.venue, self.proxy.at(), connection=self.connection,
                                  offset_ms=offset, code=code)  # fmt: skip


_GONE = (ConnectionClosed, *GONE)
