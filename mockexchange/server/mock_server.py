"""`MockServer`, the mock in-process (docs/python-api.md): one app (`build_app`) served by a thread runner, whose
control plane is the app's own: an operation of `app.control` (the admin API's, a method with the same arguments) is
reached on the server itself (`mock.create_account(...)`) and listed by `dir(mock)`; beside them the app's scenario
operations and the request journal's reads."""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

import uvicorn

from mockexchange.app import build_app
from mockexchange.control.registration import Venue
from mockexchange.core.clock import Clock
from mockexchange.server import tls
from mockexchange.server.serving import uvicorn_config
from mockexchange.server.thread import InThread, ThreadRunner
from mockexchange.settings import Settings

_NONE = object()


class MockServer(InThread):
    """A mock listening on 127.0.0.1 on a free port, in a background thread; a context manager.

        with MockServer() as mock:
            mock.create_account("alice", balance_cents=100_000)
            key = mock.create_key("alice")               # key["key_id"], key["private_key_pem"]
            mock.fill("alice", "KXFED-26DEC-T4.00", "yes", "buy", "10", "0.56")
            mock.kalshi_url                               # http://127.0.0.1:PORT/trade-api/v2

    Every admin operation is a method: the app's control plane's (`app.control`, a `mockexchange.control.Control`:
    `help(mock.app.control)` lists them), plus the app's scenario operations, plus `requests` and `clear_requests` for
    the request journal; `app` gives the ledger, the key registry, the scenario state and the journal.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        clock: Clock | None = None,
        wall_clock: Clock | None = None,
        seed: int | None = None,
        venues: Sequence[Venue] | None = None,
        **setting_overrides: Any,
    ) -> None:
        """`venues`: the venues it serves (the registry's, mockexchange/registry/, unless given)."""
        settings = settings or Settings(host="127.0.0.1", port=0)
        if setting_overrides:
            settings = Settings(**{**_as_dict(settings), **setting_overrides})
        tls.check_settings(settings)
        app = build_app(settings, clock=clock, wall_clock=wall_clock, seed=seed, venues=venues)
        runner = ThreadRunner(self._config, app.settings.host, app.settings.port, on_stop=self._close)
        super().__init__(app, runner, tls=app.settings.tls_certfile is not None)
        # The scenario operations are the app's own (one loaded scenario per mock, shared with the admin API).
        self.load_scenario = app.scenarios.load_scenario
        self.step = app.scenarios.step
        self.play_scenario = app.scenarios.play_scenario
        self.pause_scenario = app.scenarios.pause_scenario
        self.scenario_status = app.scenarios.scenario_status

    # The app as it is when the server starts and stops: a test may stand one with a wrapped ASGI app in first.
    def _config(self) -> uvicorn.Config:
        return uvicorn_config(self.app)

    def _close(self) -> None:
        self.app.close()

    def clear_requests(self) -> None:
        self.app.journal.clear()

    def __getattr__(self, name: str) -> Any:
        # Only what the server itself lacks reaches here: an operation (or a part) of the app's one control plane. A
        # private name, and `app` or `runner` before they are made (no control plane to ask), are not looked for.
        found = _NONE if name.startswith("_") or name in ("app", "runner") else getattr(self.app.control, name, _NONE)
        if found is _NONE:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}", name=name, obj=self)
        if inspect.ismethod(found):
            self.__dict__[name] = found  # an operation, looked up once: then the server's own attribute
        return found

    def __dir__(self) -> list[str]:
        operations = (name for name in dir(self.app.control) if not name.startswith("_"))
        return sorted({*super().__dir__(), *operations})


def _as_dict(settings: Settings) -> dict[str, Any]:
    return {name: getattr(settings, name) for name in settings.__slots__}
