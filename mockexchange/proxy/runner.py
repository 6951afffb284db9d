"""Running a proxy with uvicorn: in a background thread (`ProxyServer`, for tests and embedding) or in the
foreground (`serve_forever`, the command). The upstream's `Date` and `Server` headers pass as they are: uvicorn adds
neither."""

from __future__ import annotations

import socket
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import uvicorn

from mockexchange.proxy import DEFAULT_TIMEOUT_S
from mockexchange.proxy.app import ProxyApp
from mockexchange.proxy.sockets import MAX_FRAME_BYTES
from mockexchange.registry import VENUES, Venue
from mockexchange.server.http_protocol import GuardedH11Protocol
from mockexchange.server.serving import Foreground
from mockexchange.server.thread import InThread, ThreadRunner
from mockexchange.server.websocket_protocol import GuardedWebSocketProtocol


def config(app: ProxyApp, **overrides: Any) -> uvicorn.Config:
    options: dict[str, Any] = {
        "log_level": "warning",
        "access_log": False,
        "lifespan": "on",  # the app closes its upstream client and its tape at shutdown
        "server_header": False,
        "date_header": False,
        "ws_max_size": MAX_FRAME_BYTES,
        # The mock's HTTP protocol: an inspector's feed, which streams until its page closes, is told to end when the
        # proxy stops (web.STREAM_ENDS), as the mock's is.
        "http": GuardedH11Protocol,
        "ws": GuardedWebSocketProtocol,  # an upgrade head websockets refuses is answered (414, 431, 400), not left open
    }
    return uvicorn.Config(app, **(options | overrides))


def serve_forever(app: ProxyApp, sock: socket.socket, *, log_level: str = "info", on_ready: Callable[[], None]) -> None:
    """Serve until SIGINT or SIGTERM (server/serving.py's `Foreground`); `on_ready` runs once it accepts connections.
    Stopped by SIGINT, it raises KeyboardInterrupt (the command's exit status 130), which uvicorn's raising the signal
    again does not always do."""
    server = Foreground(config(app, log_level=log_level), on_ready, None)
    try:
        server.run(sockets=[sock])
    finally:
        app.close()
    if server.interrupted:
        raise KeyboardInterrupt


class ProxyServer(InThread):
    """A proxy listening on 127.0.0.1 on a free port, in a background thread; a context manager.

    with MockServer() as mock, ProxyServer(mock.base_url, record="session.tape") as proxy:
        proxy.kalshi_url       # a Kalshi client's base: http://127.0.0.1:PORT/trade-api/v2
        proxy.requests()       # the journal, as GET /_admin/requests lists it
    """

    def __init__(
        self,
        upstream: str | None = None,
        deribit_upstream: str | None = None,
        *,
        record: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        upstreams: Mapping[str, str] | None = None,
        venues: Sequence[Venue] = VENUES,
    ) -> None:
        """`upstream`, `deribit_upstream`: Kalshi's and Deribit's base URLs; `upstreams`: any proxied venue's, by name
        (of `venues`, the registry's unless given)."""
        named = {"kalshi": upstream, "deribit": deribit_upstream, **(upstreams or {})}
        app = ProxyApp(named, record=record, timeout_s=timeout_s, venues=venues)
        runner = ThreadRunner(lambda: config(app), host, port, name="mockexchange-proxy", on_stop=app.close)
        super().__init__(app, runner)
