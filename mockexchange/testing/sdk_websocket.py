"""Running kalshi-sdk's websocket client (contracts/clients/kalshi/kalshi_sdk_ws.py) as a live subprocess that a test
(or the client matrix) talks to while it runs: start it, wait until it says its subscriptions are acknowledged, change
the ledger, then collect the typed messages it printed.

The script prints one JSON object per line (see its docstring); a reader thread turns the lines into events so the
test can wait for one with a timeout instead of blocking on the pipe.
"""

from __future__ import annotations

import json
import queue
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mockexchange.server import MockServer
from mockexchange.testing.client_plans import ClientRunError, kalshi_scripts, queue_json_lines
from mockexchange.testing.client_portfolio import Key
from mockexchange.testing.clients import clean_env, venv_python

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


class SdkWebsocketRun:
    """The script, running against `mock` with `key`, following `plan`. A context manager: leaving it kills the
    script if it still runs."""

    def __init__(self, venv: Path, mock: MockServer, key: Key, plan: dict[str, Any], tmp_dir: Path) -> None:
        self.plan = {"timeout_s": MESSAGE_TIMEOUT_S, **plan}
        plan_path = tmp_dir / "ws-plan.json"
        plan_path.write_text(json.dumps(self.plan, indent=1))
        self._stderr_path = tmp_dir / "ws-stderr.txt"
        self._stderr = open(self._stderr_path, "w")  # noqa: SIM115 - closed in __exit__
        self.events: list[dict[str, Any]] = []
        self._lines: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.process = subprocess.Popen(
            [str(venv_python(venv)), "-I", str(kalshi_scripts() / SCRIPT_NAME), str(plan_path)],
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            env=clean_env(
                {
                    "MOCKEXCHANGE_BASE_URL": mock.kalshi_url,
                    "MOCKEXCHANGE_WS_URL": mock.kalshi_ws_url,
                    "MOCKEXCHANGE_KEY_ID": key.key_id,
                    "MOCKEXCHANGE_PEM_PATH": key.pem_path,
                }
            ),
        )
        self._reader = threading.Thread(target=self._read, daemon=True, name="sdk-ws-stdout")
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        queue_json_lines(self.process.stdout, self._lines)

    def _stderr_text(self) -> str:
        self._stderr.flush()
        return self._stderr_path.read_text()

    def report(self) -> WsReport:
        return WsReport(self.events, self._stderr_text())

    def wait_for(self, kind: str, timeout: float) -> dict[str, Any]:
        """The next event of this kind; `ClientRunError` (with what the script said) if it does not come in time."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            try:
                event = self._lines.get(timeout=max(remaining, 0.001))
            except queue.Empty:
                raise ClientRunError(
                    f"no {kind!r} from {SCRIPT_NAME} within {timeout:.0f}s\n{self.report().diagnosis()}"
                ) from None
            if event is None:
                code = self.process.wait(timeout=10)
                raise ClientRunError(f"{SCRIPT_NAME} ended (exit {code}) before {kind!r}\n{self.report().diagnosis()}")
            self.events.append(event)
            if event["event"] == kind:
                return event

    def subscribed(self) -> dict[str, Any]:
        return self.wait_for("subscribed", STARTUP_TIMEOUT_S)

    def finish(self) -> WsReport:
        """Wait for the script's `done` and its exit."""
        self.wait_for("done", self.plan["timeout_s"] + 15)
        code = self.process.wait(timeout=15)
        report = self.report()
        if code != 0:
            raise ClientRunError(f"{SCRIPT_NAME} exited {code}\n{report.diagnosis()}")
        return report

    def __enter__(self) -> SdkWebsocketRun:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self._reader.join(timeout=5)
        if self.process.stdout is not None:
            self.process.stdout.close()
        self._stderr.close()
