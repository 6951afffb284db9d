"""Running kalshi-sdk's websocket client (scripts/kalshi/kalshi_sdk_ws.py; the perps exchange's, kalshi_sdk_perps_ws.py)
as a live subprocess that a test (or the client matrix) talks to while it runs: start it, wait until it says its
subscriptions are acknowledged, change the ledger, then collect the typed messages it printed.

The script prints one JSON object per line (see its docstring); a reader thread turns the lines into events so the
test can wait for one with a timeout instead of blocking on the pipe.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mockexchange.contract.clients.libraries import venv_python
from mockexchange.contract.clients.live_script import LiveScript
from mockexchange.contract.clients.plans import ClientRunError, kalshi_scripts
from mockexchange.contract.clients.portfolio import Key
from mockexchange.server import MockServer

SCRIPT_NAME = "kalshi_sdk_ws.py"
STARTUP_TIMEOUT_S = (
    60.0  # interpreter start, imports (pydantic, cryptography, httpx), connect, two subscribe round trips
)
MESSAGE_TIMEOUT_S = 10.0  # how long the script waits for the expected messages once subscribed


@dataclass
class WsReport:
    """What the script printed, once it is done."""

    events: list[dict[str, Any]]
    stderr: str

    @property
    def done(self) -> dict[str, Any]:
        return next(event for event in self.events if event["event"] == "done")

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [event for event in self.events if event["event"] == kind]

    def messages(self, subscription: str) -> list[dict[str, Any]]:
        """The typed messages of one subscription, in the order the SDK delivered them."""
        return [event for event in self.of("message") if event["subscription"] == subscription]

    def frames_received(self) -> list[dict[str, Any]]:
        return [json.loads(raw) for raw in self.done["received"]]

    def frames_sent(self) -> list[dict[str, Any]]:
        return [json.loads(raw) for raw in self.done["sent"]]

    def data_frames(self) -> list[dict[str, Any]]:
        """The frames received that were not replies to a command."""
        return [frame for frame in self.frames_received() if frame.get("type") in ("fill", "market_position")]

    def diagnosis(self) -> str:
        """Everything that went over the wire and what the SDK logged, for an assertion message."""
        done = next((event for event in self.events if event["event"] == "done"), {})
        lines = ["--- frames sent ---", *done.get("sent", []), "--- frames received ---"]
        lines += [raw.rstrip("\n") for raw in done.get("received", [])]
        lines += ["--- SDK log (kalshi.ws) ---", *(f"{r['level']} {r['message']}" for r in done.get("logs", []))]
        others = [e for e in self.events if e["event"] not in ("message", "done")]
        lines += ["--- other events ---", *(json.dumps(e) for e in others), "--- stderr ---", self.stderr[-3000:]]
        return "\n".join(lines)


class SdkWebsocketRun(LiveScript):
    """The script (`script`: the perps exchange's, kalshi_sdk_perps_ws.py, on `ws_url`, its websocket), running
    against `mock` with `key`, following `plan`. A context manager: leaving it kills the script if it still runs."""

    def __init__(
        self, venv: Path, mock: MockServer, key: Key, plan: dict[str, Any], tmp_dir: Path, script: str = SCRIPT_NAME,
        ws_url: str | None = None,
    ) -> None:  # fmt: skip
        env = {
            "MOCKEXCHANGE_BASE_URL": mock.kalshi_url,
            "MOCKEXCHANGE_WS_URL": ws_url or mock.kalshi_ws_url,
            "MOCKEXCHANGE_KEY_ID": key.key_id,
            "MOCKEXCHANGE_PEM_PATH": key.pem_path,
        }
        plan = {"timeout_s": MESSAGE_TIMEOUT_S, **plan}
        super().__init__(venv_python(venv), kalshi_scripts() / script, plan, tmp_dir, "ws", env)

    def report(self) -> WsReport:
        return WsReport(self.events, self.stderr_text())

    def diagnosis(self) -> str:
        return self.report().diagnosis()

    def subscribed(self) -> dict[str, Any]:
        return self.wait_for("subscribed", STARTUP_TIMEOUT_S)

    def finish(self) -> WsReport:
        """Wait for the script's `done` and its exit."""
        self.wait_for("done", self.plan["timeout_s"] + 15)
        code = self.process.wait(timeout=15)
        report = self.report()
        if code != 0:
            raise ClientRunError(f"{self.script_name} exited {code}\n{report.diagnosis()}")
        return report
