"""A mock served by uvicorn: its configuration (the mock's protocols, their limits from the settings, the bound on a
request head: `uvicorn_config`), and the foreground server of `mockexchange serve` (`serve_forever`), which tunes the
process's garbage collector for serving (`tune_collector`) and runs as the proxy's does (`Foreground`)."""

from __future__ import annotations

import gc
import signal
import socket
from collections.abc import Callable
from types import FrameType
from typing import Any

import uvicorn

from mockexchange.app import MockApp
from mockexchange.server.http_protocol import GuardedH11Protocol
from mockexchange.server.limits import ConnectionLimits, MockConfig
from mockexchange.server.tls import accepting, server_context
from mockexchange.server.websocket_protocol import HeartbeatWebSocketProtocol
from mockexchange.settings import Settings

# The collector of a process that only serves (`serve_forever`: the CLI, the Docker image). Python's first generation
# collects every 700 net allocations: a book change fanned out to 1,000 connections makes more than that which lives
# until its frames are written, so collections promote it, and every ~300 changes the promoted pass a quarter of the
# oldest generation, whose full collection scans every connection's objects and stops the loop (~170 ms at 1,000
# connections). Collecting the first generation every 20,000 lets a change's objects die young; what the mock holds
# at start (its state restored) is frozen out of every later collection.
SERVING_THRESHOLDS = (20_000, 10, 10)


def tune_collector() -> None:
    """Set the collector as a serving process keeps it (SERVING_THRESHOLDS), on again if the load held it off
    (cli/serve.py). Never for an in-process `MockServer`: the process is the user's."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*SERVING_THRESHOLDS)
    gc.enable()


def serve_forever(
    app: MockApp,
    sock: socket.socket,
    *,
    log_level: str = "info",
    on_ready: Callable[[], None] | None = None,
    on_stop: Callable[[], None] | None = None,
) -> None:
    """Serve `app` on the listening `sock` in the foreground until SIGINT or SIGTERM; `on_ready` runs once it
    accepts connections. The app is closed (its state file snapshot and closed), then `on_stop` runs, once
    connections are shut (`Foreground`)."""
    tune_collector()

    def stopped() -> None:
        app.close()
        if on_stop is not None:
            on_stop()

    Foreground(uvicorn_config(app, log_level=log_level), on_ready, stopped).run(sockets=[sock])


class Foreground(uvicorn.Server):
    """A uvicorn server in the foreground (a mock's, the proxy's) until SIGINT or SIGTERM: it runs `on_ready` once it
    accepts connections, `on_stop` once they are shut, before uvicorn raises the signal that stopped it again
    (SIGTERM's then ends the process without unwinding: what must happen at exit happens there), and says whether a
    SIGINT stopped it (`interrupted`: asyncio's runner turns the signal raised again into KeyboardInterrupt only if
    the server's task had not ended yet)."""

    def __init__(
        self, config: uvicorn.Config, on_ready: Callable[[], None] | None, on_stop: Callable[[], None] | None
    ) -> None:
        super().__init__(config)
        self.on_ready, self.on_stop = on_ready, on_stop
        self.interrupted = False

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.on_ready is not None:
            self.on_ready()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        try:
            await super().shutdown(sockets)
        finally:
            if self.on_stop is not None:
                self.on_stop()

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self.interrupted = self.interrupted or sig == signal.SIGINT
        super().handle_exit(sig, frame)


# A request head (line and headers) of up to this many bytes is read whole however the network splits it; h11's own
# bound (16 KiB) applies only to a head still incomplete, so a 60 KB query string was taken or refused with 400 by
# chance, as its segments arrived. A bigger head that arrives in pieces is refused (400, and the connection closed).
MAX_REQUEST_HEAD_BYTES = 64 * 1024


def uvicorn_config(app: MockApp, **overrides: Any) -> uvicorn.Config:
    # The benchmark's baseline passes a bare object with only `.asgi`: it gets the default settings.
    settings = getattr(app, "settings", None) or Settings()
    options: dict[str, Any] = {
        "log_level": "warning",
        "access_log": False,
        "lifespan": "off",
        "http": GuardedH11Protocol,
        "ws": HeartbeatWebSocketProtocol,
        "ws_ping_interval": settings.ws_ping_interval_s,
        "ws_ping_timeout": settings.ws_ping_timeout_s,
        "ws_max_size": settings.ws_max_message_bytes,
        "ws_per_message_deflate": settings.ws_per_message_deflate,
        "timeout_keep_alive": settings.keep_alive_timeout_s,
        "h11_max_incomplete_event_size": MAX_REQUEST_HEAD_BYTES,
    }
    limits = ConnectionLimits.of(settings)
    if settings.tls_certfile is not None and settings.tls_keyfile is not None:
        context = server_context(settings.tls_certfile, settings.tls_keyfile)
        options["http"] = accepting(GuardedH11Protocol, context, limits)
    options.update(overrides)
    return MockConfig(app.asgi, limits, **options)
