"""The fault rules at the venues' door (docs/misbehaving.md): an ASGI middleware, inside the journal's, that asks
`core.faults.FaultRules` about each venue request (an HTTP request, a websocket's upgrade) before any route runs, so
before authentication, and does what the first matching rule says:

- a status: the venue's own error body for it (Kalshi's `kalshi/faults.py`, Deribit's JSON-RPC error or the SignalPlus
  gateway's `deribit/faults.py`), the mock's diagnosis header naming the rule; an upgrade is refused with it;
- a delay: waits (without blocking the loop: other requests go on), then the request runs as usual;
- a drop: no answer: the connection closes (`web.extensions.DROPPED`; the server's protocols honour it).

The journal records a faulted request with its status (a drop with none) and what the rule did (`fault`). The admin
API, and paths of no venue, pass untouched. Deribit's JSON-RPC calls over its websocket, and the messages both
venues push, are the websockets' to fault (`deribit/websocket.py`, `kalshi/websocket.py`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from starlette.types import ASGIApp, Receive, Scope, Send

from mockexchange.core.faults import Fault, FaultRules
from mockexchange.journal.entries import JournalNote
from mockexchange.journal.middleware import JOURNAL_FAULT, JOURNAL_NOTE
from mockexchange.venues.deribit import faults as deribit_faults
from mockexchange.venues.deribit.context import DeribitContext
from mockexchange.venues.kalshi import faults as kalshi_faults
from mockexchange.web.answers import DIAGNOSIS_HEADER, header_safe
from mockexchange.web.extensions import DROPPED


def diagnosis(fault: Fault) -> str:
    return f"{fault.describe()}: the mock misbehaves on purpose (GET /_admin/faults lists the rules)"


async def pause(fault: Fault) -> None:
    """Wait out a rule's delay on the loop (other connections are served meanwhile)."""
    if fault.delay_ms:
        await asyncio.sleep(fault.delay_ms / 1000)


class FaultMiddleware:
    """`venue_of` names a request's venue as the journal does (`kalshi`, `deribit`, `signalplus`; None: no venue)."""

    def __init__(
        self, app: ASGIApp, rules: FaultRules, venue_of: Callable[[Scope], str | None], deribit: DeribitContext
    ) -> None:
        self.app = app
        self.rules = rules
        self.venue_of = venue_of
        self.deribit = deribit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        fault = None
        venue = None
        if self.rules.active and scope["type"] in ("http", "websocket"):
            venue = self.venue_of(scope)
            if venue is not None:
                method = scope.get("method", "GET")  # a websocket upgrade is a GET
                fault = self.rules.request("kalshi" if venue == "kalshi" else "deribit", method, scope["path"])
        if fault is None or venue is None:
            await self.app(scope, receive, send)
            return
        scope[JOURNAL_FAULT] = fault.describe()
        if venue != "kalshi":  # judged by the venue, which never saw it: no problems (a delayed one's route says)
            scope[JOURNAL_NOTE] = JournalNote(deribit_faults.operation(scope["path"]), None, [])
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
        why = diagnosis(fault)
        if venue == "kalshi":
            response = kalshi_faults.status_error(fault.status, why).response()
        else:
            gateway = venue == "signalplus"
            ctx = self.deribit
            response = await deribit_faults.http_answer(ctx, scope, receive, fault.status, why, gateway=gateway)
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
