"""A server in a background thread, for tests and embedding: `ThreadRunner` runs an ASGI app's uvicorn server in a
daemon thread on a socket it binds first; `InThread` is such a server as its user holds it (`MockServer`, the proxy's
`ProxyServer`): its app and its runner, a context manager, the URLs a client of each venue takes, and its journal."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Self

import uvicorn

from mockexchange.server.addresses import bound_port, http_url, listening_socket, ws_url

_START_TIMEOUT_S = 10.0


class ThreadRunner:
    """Runs uvicorn in a daemon thread: `start` binds `host`:`port` (0: any free port) first, so a port in use is an
    `OSError` there, and returns once the server accepts connections (a `RuntimeError`, the server stopped and its
    socket closed, when it does not within _START_TIMEOUT_S); `stop` asks the server to exit, waits for it, then runs
    `on_stop`. `port` is the port bound (0 until started); `server`, uvicorn's server while it runs."""

    def __init__(
        self,
        config: Callable[[], uvicorn.Config],
        host: str,
        port: int = 0,
        *,
        name: str = "mockexchange",
        on_stop: Callable[[], None],
    ) -> None:
        self.config = config  # made when the server starts
        self.host = host
        self.wanted_port = port
        self.port = 0
        self.name = name
        self.on_stop = on_stop
        self.server: uvicorn.Server | None = None
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        if self.thread is not None:
            return
        sock = listening_socket(self.host, self.wanted_port)
        server = self.server = uvicorn.Server(self.config())
        self.thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name=self.name)
        self.thread.start()
        started = threading.Event()
        deadline = _START_TIMEOUT_S
        while not server.started and deadline > 0 and self.thread.is_alive():
            started.wait(0.01)
            deadline -= 0.01
        if not server.started:
            host, port = sock.getsockname()[:2]
            self.stop()
            sock.close()
            raise RuntimeError(f"{self.name} did not start on {host}:{port}")
        self.port = bound_port(sock)

    def stop(self) -> None:
        if self.server is not None:
            self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(timeout=_START_TIMEOUT_S)
        self.server = None
        self.thread = None
        self.on_stop()


class InThread:
    """A server run in a background thread, as its user holds it: `app` (with its `journal`) and `runner`, its
    `ThreadRunner`; a context manager (`start`, `stop`), the URLs a client of each venue takes, `requests`."""

    def __init__(self, app: Any, runner: ThreadRunner, *, tls: bool = False) -> None:
        self.app = app
        self.runner = runner
        self.tls = tls  # served over TLS: its URLs are https and wss

    @property
    def host(self) -> str:
        return self.runner.host

    @property
    def port(self) -> int:
        """The port it listens on (0 until started)."""
        return self.runner.port

    @property
    def base_url(self) -> str:
        return http_url(self.host, self.port, tls=self.tls)

    @property
    def kalshi_url(self) -> str:
        return f"{self.base_url}/trade-api/v2"

    @property
    def kalshi_ws_url(self) -> str:
        return f"{ws_url(self.base_url)}/trade-api/ws/v2"

    @property
    def deribit_url(self) -> str:
        """The base URL a Deribit client takes (ccxt: `urls['api']['rest']`); methods are under `/api/v2`."""
        return self.base_url

    @property
    def deribit_ws_url(self) -> str:
        return f"{ws_url(self.base_url)}/ws/api/v2"

    def start(self) -> Self:
        self.runner.start()
        return self

    def stop(self) -> None:
        """Stop serving, and close the app (a mock's state file, if it has one: another mock may then open it)."""
        self.runner.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def requests(self, **filters: Any) -> list[dict[str, Any]]:
        """The journaled requests that pass every filter given (`venue`, `transport`, `operation`, `status`,
        `invalid`, `key_id`, `since`, `limit`, `seq`), oldest first, as `GET /_admin/requests` lists them (with
        `bodies=True`, each with its request's and answer's bodies); `app.journal.entries(...)` gives the entries
        themselves."""
        return self.app.journal.read(**filters)["requests"]
