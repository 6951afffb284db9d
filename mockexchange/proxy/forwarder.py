"""What forwarding a request or a websocket (forward.py, sockets.py) needs of the proxy (app.py's `ProxyApp`): its
upstreams, clock, client, timeout, journal and recording. A protocol, so the forwarding modules stand below the app
that serves them and nothing imports back up."""

from __future__ import annotations

from typing import Protocol

import httpx

from mockexchange.core.clock import Clock
from mockexchange.journal.journal import Journal
from mockexchange.proxy.upstreams import Upstream
from mockexchange.recording.writer import TapeWriter


class Forwarder(Protocol):
    upstreams: dict[str, Upstream]
    clock: Clock
    timeout_s: float
    journal: Journal
    tape: TapeWriter | None

    def client(self) -> httpx.AsyncClient:
        """The upstream client."""
        ...

    def at(self) -> str:
        """Now, as a recording says when."""
        ...

    def next_connection(self) -> int:
        """A new websocket connection's number."""
        ...
