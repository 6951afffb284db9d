"""The proxy's ASGI app: its own admin routes (`/_admin/requests`: the journal, `/_admin/health`, the live feed
`/_admin/events`) and the inspector's page (`/_inspector`, showing the journal live), every other HTTP request and
websocket forwarded to its upstream (`forward.py`, `sockets.py`), the upstream client shared by all, the journal and
the tape."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, Router
from starlette.types import Receive, Scope, Send

from mockexchange.admin import inspector
from mockexchange.admin.connections import ConnectionReads
from mockexchange.admin.feed import Feed
from mockexchange.admin.guard import AdminGuard
from mockexchange.admin.routes import ADMIN_PREFIX, guarded, journal_routes
from mockexchange.core.clock import Clock, SystemClock
from mockexchange.core.connections import LiveConnections
from mockexchange.journal.journal import DEFAULT_MAX_BYTES, DEFAULT_SIZE, Journal
from mockexchange.proxy import DEFAULT_TIMEOUT_S
from mockexchange.proxy.forward import forward_http
from mockexchange.proxy.sockets import forward_websocket
from mockexchange.proxy.upstreams import Upstream
from mockexchange.recording.writer import TapeWriter
from mockexchange.registry import VENUES, Venue, journal_venues, panels, proxied
from mockexchange.settings import Settings
from mockexchange.version import __version__
from mockexchange.web.answers import json_line_response


class ProxyApp:
    """`upstreams`: a proxied venue's name -> its upstream's URL ({"kalshi": URL, "deribit": URL}), one or more (a None
    URL: none); `record`: the tape's path (None: no tape); `venues`: the registered venues (the registry's unless
    given), those with a `proxied` part the proxy may forward to."""

    def __init__(
        self,
        upstreams: Mapping[str, str | None],
        *,
        record: str | Path | None = None,
        clock: Clock | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        settings: Settings | None = None,
        journal_size: int = DEFAULT_SIZE,
        venues: Sequence[Venue] = VENUES,
    ) -> None:
        """Raises ValueError for an upstream URL that is none, for a venue not proxied, or for no upstream at all."""
        sides = proxied(venues)
        unknown = [name for name, url in upstreams.items() if url and name not in sides]
        if unknown:
            raise ValueError(f"no venue {unknown[0]!r} to forward to (the proxied venues: {', '.join(sides)})")
        # In the order registered: a path no venue serves goes to the first (upstreams.route)
        self.upstreams = {
            name: Upstream.parse(name, url, side) for name, side in sides.items() if (url := upstreams.get(name))
        }
        if not self.upstreams:
            raise ValueError(f"a proxy needs an upstream: {', '.join(sides)}, or several")
        self.clock = clock or SystemClock()
        self.timeout_s = timeout_s
        self.settings = settings or Settings(host="127.0.0.1", port=0)
        self.journal = Journal(
            self.clock, journal_size, next(iter(self.upstreams)), max_bytes=DEFAULT_MAX_BYTES,
            **journal_venues(venues),
        )  # fmt: skip
        urls = {name: upstream.url for name, upstream in self.upstreams.items()}
        self.tape = TapeWriter(record, urls, tuple(sides)) if record else None
        guard = AdminGuard(self.settings)
        # The inspector's live feed: the journal's entries only (a proxy has no accounts, scenario or connections of
        # its own; the page, told by /_admin/health that it is a proxy's, shows the requests alone).
        nothing = ConnectionReads(LiveConnections())
        self.feed = Feed(self.journal, {"state": self._no_state, "control": self._no_state}, _no_user, nothing)
        self.feed.watch_journal()
        self._admin = Router([
            *journal_routes(self.journal, guard), Route(f"{ADMIN_PREFIX}/health", self._health),
            Route(f"{ADMIN_PREFIX}/events", guarded(guard, self.feed.endpoint), methods=["GET"]),
        ])  # fmt: skip
        self._inspector = Router(inspector.routes(guard, panels(venues)))
        self._client: httpx.AsyncClient | None = None
        self._connections = itertools.count(1)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "lifespan":
            await self._lifespan(receive, send)
        elif _under(scope["path"], ADMIN_PREFIX):
            await self._admin(scope, receive, send)
        elif kind == "http" and _under(scope["path"], inspector.INSPECTOR_PATH):
            await self._inspector(scope, receive, send)
        elif kind == "http":
            await forward_http(self, scope, receive, send)
        elif kind == "websocket":
            await forward_websocket(self, scope, receive, send)

    def client(self) -> httpx.AsyncClient:
        """The upstream client, made on the server's loop at its first use. It adds nothing to a request: requests
        are built whole and sent with `send` (no default headers, cookies or redirects)."""
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self.timeout_s, follow_redirects=False)
        return self._client

    def at(self) -> str:
        """Now, as a tape says when (ISO 8601 UTC with milliseconds)."""
        return self.clock.now().isoformat(timespec="milliseconds").replace("+00:00", "Z")

    def next_connection(self) -> int:
        return next(self._connections)

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
        self.close()

    def close(self) -> None:
        """Close the tape (every record is on disk already: each line is flushed as written)."""
        if self.tape is not None:
            self.tape.close()

    def _no_state(self) -> dict[str, Any]:
        return {"clock": None, "scenario": None}

    async def _health(self, request: Request) -> Response:
        upstreams = {venue: upstream.url for venue, upstream in self.upstreams.items()}
        recording = str(self.tape.path) if self.tape is not None else None
        return json_line_response(
            {"status": "ok", "version": __version__, "proxy": {"upstreams": upstreams, "recording": recording}}
        )

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return


def _no_user(venue: str, key_id: str | None) -> None:
    """Whose key a journal entry's is: a proxy knows no accounts."""
    return None


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")
