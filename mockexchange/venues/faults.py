"""The fault rules at the venues' door (docs/misbehaving.md): an ASGI middleware, inside the journal's, that asks
`core.faults.FaultRules` about each venue request (an HTTP request, a websocket's upgrade) before any route runs, so
before authentication, and does what the first matching rule says:

- a status: the venue's own error body for it (its `refuse`: Kalshi's `kalshi/faults.py`, Deribit's JSON-RPC error or
  the SignalPlus gateway's `deribit/faults.py`), the mock's diagnosis header naming the rule; an upgrade is refused
  with it;
- a delay: waits (without blocking the loop: other requests go on), then the request runs as usual;
- a drop: no answer: the connection closes (`web.extensions.DROPPED`; the server's protocols honour it).

The journal records a faulted request with its status (a drop with none) and what the rule did (`fault`). The admin
API, and paths of no venue, pass untouched. Deribit's JSON-RPC calls over its websocket, and the messages both
venues push, are the websockets' to fault (`deribit/websocket.py`, `kalshi/websocket.py`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

from starlette.types import ASGIApp, Receive, Scope, Send

from mockexchange.core.faults import Fault, FaultRules
from mockexchange.journal.middleware import JOURNAL_FAULT
from mockexchange.web.answers import DIAGNOSIS_HEADER, header_safe
from mockexchange.web.extensions import DROPPED


class Door(Protocol):
    """What a venue serves, as the fault rules see it (the app's `VenueServed`): which requests are its own, how it
    refuses one in its shape, and how it marks one taken before it saw it."""

    @property
    def owns(self) -> Callable[[Scope], str | None]: ...
    @property
    def refuse(self) -> Callable[[Scope, Receive, int, str, str], Awaitable[Any]]: ...
    @property
    def faulted(self) -> Callable[[Scope], None]: ...


def diagnosis(fault: Fault) -> str:
    return f"{fault.describe()}: the mock misbehaves on purpose (GET /_admin/faults lists the rules)"


async def pause(fault: Fault | None) -> None:
    """Wait out a rule's delay on the loop (other connections are served meanwhile)."""
    if fault is not None and fault.delay_ms:
        await asyncio.sleep(fault.delay_ms / 1000)


async def delay_message(rules: FaultRules | None, venue: str, channel: str) -> None:
    """Wait out a fault rule's delay of the venue's websocket messages on `channel`, if one matches."""
    if rules is not None:
        await pause(rules.message(venue, channel))


class FaultMiddleware:
    """`doors`: each venue by its name (the fault rules' venue) and what it serves; its `owns` names a request as the
    journal does (`kalshi`, `deribit`, `signalplus`; None: not the venue's)."""

    def __init__(self, app: ASGIApp, rules: FaultRules, doors: Sequence[tuple[str, Door]]) -> None:
        self.app = app
        self.rules = rules
        self.doors = tuple(doors)

    def _door(self, scope: Scope) -> tuple[str, str, Door] | None:
        for venue, door in self.doors:
            owner = door.owns(scope)
            if owner is not None:
                return venue, owner, door
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        fault = None
        found = None
        if self.rules.active and scope["type"] in ("http", "websocket"):
            found = self._door(scope)
            if found is not None:
                method = scope.get("method", "GET")  # a websocket upgrade is a GET
                fault = self.rules.request(found[0], method, scope["path"])
        if fault is None or found is None:
            await self.app(scope, receive, send)
            return
        _, owner, door = found
        scope[JOURNAL_FAULT] = fault.describe()
        door.faulted(scope)
        if fault.delay_ms is not None:
            await pause(fault)
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket" and (await receive())["type"] != "websocket.connect":
            return  # the client went away before the upgrade was answered
        if fault.drop:
            await _drop(scope, send, fault)
            return
        assert fault.status is not None
        response = await door.refuse(scope, receive, fault.status, diagnosis(fault), owner)
        await response(scope, receive, send)


async def _drop(scope: Scope, send: Send, fault: Fault) -> None:
    """Close the connection without an answer. A server that does not honour `web.extensions.DROPPED` answers a 502
    (HTTP) or refuses the upgrade instead."""
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1001, "reason": "", DROPPED: True})
        return
    why = header_safe(diagnosis(fault)).encode("latin-1")
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (DIAGNOSIS_HEADER.lower().encode(), why)]
    await send({"type": "http.response.start", "status": 502, "headers": headers, DROPPED: True})
    await send({"type": "http.response.body", "body": b"the connection was dropped (a fault rule)\n"})
