"""Running a proxy with uvicorn: in a background thread (`ProxyServer`, for tests and embedding) or in the
foreground (`serve_forever`, the command). The upstream's `Date` and `Server` headers pass as they are: uvicorn adds
neither."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from typing import Any

import uvicorn

from mockexchange.proxy.app import DEFAULT_TIMEOUT_S, ProxyApp
from mockexchange.proxy.sockets import MAX_FRAME_BYTES
from mockexchange.server import bound_port, http_url, listening_socket, ws_url

_START_TIMEOUT_S = 10.0


def config(app: ProxyApp, **overrides: Any) -> uvicorn.Config:
    options: dict[str, Any] = {
        "log_level": "warning",
        "access_log": False,
        "lifespan": "on",  # the app closes its upstream client and its tape at shutdown
        "server_header": False,
        "date_header": False,
        "ws_max_size": MAX_FRAME_BYTES,
    }
    return uvicorn.Config(app, **(options | overrides))


def serve_forever(app: ProxyApp, sock: socket.socket, *, log_level: str = "info", on_ready: Callable[[], None]) -> None:
    """Serve until SIGINT or SIGTERM; `on_ready` runs once it accepts connections."""
    server = uvicorn.Server(config(app, log_level=log_level))
    original_startup = server.startup

    async def startup(sockets: list[socket.socket] | None = None) -> None:
        await original_startup(sockets)
        on_ready()

    server.startup = startup  # type: ignore[method-assign]
    try:
        server.run(sockets=[sock])
    finally:
        app.close()


class ProxyServer:
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
    ) -> None:
        self.app = ProxyApp({"kalshi": upstream, "deribit": deribit_upstream}, record=record, timeout_s=timeout_s)
        self.host = host
        self.port = port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return http_url(self.host, self.port)

    @property
    def kalshi_url(self) -> str:
        return f"{self.base_url}/trade-api/v2"

    @property
    def kalshi_ws_url(self) -> str:
        return f"{ws_url(self.base_url)}/trade-api/ws/v2"

    @property
    def deribit_ws_url(self) -> str:
        return f"{ws_url(self.base_url)}/ws/api/v2"

    def start(self) -> ProxyServer:
        if self._thread is not None:
            return self
        sock = listening_socket(self.host, self.port)
        self._server = uvicorn.Server(config(self.app))
        self._server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, daemon=True, name="mockexchange-proxy"
        )
        self._thread.start()
        started = threading.Event()
        waited = 0.0
        while not self._server.started and waited < _START_TIMEOUT_S and self._thread.is_alive():
            started.wait(0.01)
            waited += 0.01
        if not self._server.started:
            self.stop()
            sock.close()
            raise RuntimeError(f"the proxy did not start on {self.host}:{self.port}")
        self.port = bound_port(sock)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=_START_TIMEOUT_S)
        self._server = None
        self._thread = None
        self.app.close()

    def __enter__(self) -> ProxyServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def requests(self, **filters: Any) -> list[dict[str, Any]]:
        """The journal's entries that pass the filters, as `GET /_admin/requests` lists them."""
        return self.app.journal.read(**filters)["requests"]
