"""Runs a mock with uvicorn: in a background thread for tests and embedding, or in the foreground for `serve`."""

from __future__ import annotations

import threading
from typing import Any

import uvicorn
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from mockexchange.app import MockApp, build_app
from mockexchange.control import Control
from mockexchange.core.clock import Clock
from mockexchange.settings import Settings

_START_TIMEOUT_S = 10.0
# Kalshi's keep-alive pings carry this payload.
HEARTBEAT = b"heartbeat"


class HeartbeatWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's websockets-sansio protocol, with Kalshi's keep-alive ping payload instead of a random one.

    Same steps as the parent's `send_keepalive_ping`; the pong that answers carries `heartbeat` too, which
    `handle_pong` matches against `pending_ping_payload`.
    """

    def send_keepalive_ping(self) -> None:
        self.ping_timer = None
        if self.close_sent or self.transport.is_closing():
            return
        self.pending_ping_payload = HEARTBEAT
        self.ping_sent_at = self.loop.time()
        self.conn.send_ping(HEARTBEAT)
        self.transport.write(b"".join(self.conn.data_to_send()))
        if self.ping_timeout is not None:
            self.pong_timer = self.loop.call_later(self.ping_timeout, self.keepalive_timeout)
        else:
            self.schedule_ping()

    async def send(self, message: Any) -> None:
        await super().send(message)
        if message["type"] == "websocket.http.response.body" and not message.get("more_body", False):
            # A denial response ends the handshake too; without this uvicorn logs "returned without completing
            # handshake" for every refused upgrade.
            self.handshake_complete = True


def uvicorn_config(app: MockApp, **overrides: Any) -> uvicorn.Config:
    # The benchmark's baseline passes a bare object with only `.asgi`: it gets the default settings.
    settings = getattr(app, "settings", None) or Settings()
    options: dict[str, Any] = {
        "log_level": "warning",
        "access_log": False,
        "lifespan": "off",
        "ws": HeartbeatWebSocketProtocol,
        "ws_ping_interval": settings.ws_ping_interval_s,
        "ws_ping_timeout": settings.ws_ping_timeout_s,
        "ws_max_size": settings.ws_max_message_bytes,
    }
    options.update(overrides)
    return uvicorn.Config(app.asgi, **options)


class MockServer(Control):
    """A mock listening on 127.0.0.1 on a free port, in a background thread; a context manager.

        with MockServer() as mock:
            mock.create_account("alice", balance_cents=100_000)
            key = mock.create_key("alice")               # key["key_id"], key["private_key_pem"]
            mock.fill("alice", "KXFED-26DEC-T4.00", "yes", "buy", "10", "0.56")
            mock.kalshi_url                               # http://127.0.0.1:PORT/trade-api/v2

    Every admin operation is a method (it is a `Control`, plus the app's scenario operations, plus `requests` and
    `clear_requests` for the request journal); `app` gives the ledger, the key registry, the scenario state and the
    journal.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        clock: Clock | None = None,
        wall_clock: Clock | None = None,
        seed: int | None = None,
        **setting_overrides: Any,
    ) -> None:
        settings = settings or Settings(host="127.0.0.1", port=0)
        if setting_overrides:
            settings = Settings(**{**_as_dict(settings), **setting_overrides})
        self.app = build_app(settings, clock=clock, wall_clock=wall_clock, seed=seed)
        assert self.app.book is not None and self.app.deribit is not None
        super().__init__(
            self.app.ledger, self.app.keys, self.app.book, self.app.deribit.auth.registry, self.app.deribit.auth.tokens
        )
        # The scenario operations are the app's own (one loaded scenario per mock, shared with the admin API).
        self.load_scenario = self.app.scenarios.load_scenario
        self.step = self.app.scenarios.step
        self.play_scenario = self.app.scenarios.play_scenario
        self.scenario_status = self.app.scenarios.scenario_status
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    @property
    def host(self) -> str:
        return self.app.settings.host

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def kalshi_url(self) -> str:
        return f"{self.base_url}/trade-api/v2"

    @property
    def kalshi_ws_url(self) -> str:
        return f"ws://{self.host}:{self.port}/trade-api/ws/v2"

    @property
    def deribit_url(self) -> str:
        """The base URL a Deribit client takes (ccxt: `urls['api']['rest']`); methods are under `/api/v2`."""
        return self.base_url

    @property
    def deribit_ws_url(self) -> str:
        return f"ws://{self.host}:{self.port}/ws/api/v2"

    def start(self) -> MockServer:
        if self._thread is not None:
            return self
        # uvicorn binds (port 0 = any free port) so accepted sockets get TCP_NODELAY from asyncio; a socket made here
        # without IPPROTO_TCP would not, and Nagle + delayed ACK would add 40 ms to every response.
        self._server = uvicorn.Server(uvicorn_config(self.app, host=self.host, port=self.app.settings.port))
        # uvicorn installs signal handlers only in the main thread; a background server must not try.
        self._server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
        self._thread = threading.Thread(target=self._server.run, daemon=True, name="mockexchange")
        self._thread.start()
        started = threading.Event()
        deadline = _START_TIMEOUT_S
        while not self._server.started and deadline > 0 and self._thread.is_alive():
            started.wait(0.01)
            deadline -= 0.01
        if not self._server.started:
            self.stop()
            raise RuntimeError(f"mockexchange did not start on {self.host}:{self.app.settings.port}")
        self.port = self._server.servers[0].sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=_START_TIMEOUT_S)
        self._server = None
        self._thread = None

    def __enter__(self) -> MockServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the request journal ------------------------------------------------------------------------------------------

    def requests(self, **filters: Any) -> list[dict[str, Any]]:
        """The journaled requests that pass every filter given (`venue`, `transport`, `operation`, `status`,
        `invalid`, `key_id`, `since`, `limit`), oldest first, as `GET /_admin/requests` lists them;
        `app.journal.entries(...)` gives the entries themselves."""
        return self.app.journal.read(**filters)["requests"]

    def clear_requests(self) -> None:
        self.app.journal.clear()


def _as_dict(settings: Settings) -> dict[str, Any]:
    return {name: getattr(settings, name) for name in settings.__slots__}
