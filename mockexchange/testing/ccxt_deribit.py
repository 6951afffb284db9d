"""Running ccxt's Deribit classes (contracts/clients/deribit/ccxt_client.py) in ccxt's own venv against a mock, as a
live subprocess: its REST calls first, then, when the plan asks, ccxt.pro's `watch_my_trades` and `watch_balance`.

The script prints one JSON object per line; a reader thread turns the lines into events so a caller waits for one
with a timeout (`rest`, then `subscribed`: make the fills now, then `done`) instead of blocking on the pipe.
"""

from __future__ import annotations

import json
import queue
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from mockexchange.contract.specs import contracts_root
from mockexchange.testing.client_plans import ClientRunError, queue_json_lines
from mockexchange.testing.clients import CCXT, clean_env, ensure_venv, venv_python

SCRIPT_NAME = "ccxt_client.py"
REST_TIMEOUT_S = 120.0  # interpreter start, importing ccxt (large), load_markets and the calls
WATCH_TIMEOUT_S = 15.0  # for the subscriptions to be acknowledged, then again for the notifications


def ccxt_script() -> Path:
    return contracts_root() / "clients" / "deribit" / SCRIPT_NAME


class CcxtRun:
    """The script following `plan` (see its docstring); a context manager: leaving it kills the script if it runs."""

    def __init__(self, plan: dict[str, Any], tmp_dir: Path) -> None:
        if "watch" in plan:
            plan = {**plan, "watch": {"timeout_s": WATCH_TIMEOUT_S, **plan["watch"]}}
        self.plan = plan
        plan_path = tmp_dir / "ccxt-plan.json"
        plan_path.write_text(json.dumps(plan, indent=1))
        self._stderr_path = tmp_dir / "ccxt-stderr.txt"
        self._stderr = open(self._stderr_path, "w")  # noqa: SIM115 - closed in __exit__
        self.events: list[dict[str, Any]] = []
        self._lines: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.process = subprocess.Popen(
            [str(venv_python(ensure_venv(CCXT))), "-I", str(ccxt_script()), str(plan_path)],
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            env=clean_env(),
        )
        self._reader = threading.Thread(target=self._read, daemon=True, name="ccxt-stdout")
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        queue_json_lines(self.process.stdout, self._lines)

    def diagnosis(self) -> str:
        self._stderr.flush()
        lines = [json.dumps(event)[:4000] for event in self.events]
        return "\n".join(["--- events ---", *lines, "--- stderr ---", self._stderr_path.read_text()[-4000:]])

    def wait_for(self, kind: str, timeout: float) -> dict[str, Any]:
        """The next event of this kind; `ClientRunError` (with what the script said) if it does not come in time."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                event = self._lines.get(timeout=max(deadline - time.monotonic(), 0.001))
            except queue.Empty:
                raise ClientRunError(
                    f"no {kind!r} from {SCRIPT_NAME} within {timeout:.0f}s\n{self.diagnosis()}"
                ) from None
            if event is None:
                code = self.process.wait(timeout=10)
                raise ClientRunError(f"{SCRIPT_NAME} ended (exit {code}) before {kind!r}\n{self.diagnosis()}")
            self.events.append(event)
            if event["event"] == kind:
                return event

    def rest(self) -> dict[str, dict[str, Any]]:
        """The REST calls' outcomes by call id."""
        return self.wait_for("rest", REST_TIMEOUT_S)["calls"]

    def subscribed(self) -> dict[str, Any]:
        return self.wait_for("subscribed", WATCH_TIMEOUT_S + 30)

    def finish(self) -> dict[str, Any]:
        """The `done` event, once the script has exited cleanly."""
        done = self.wait_for("done", self.plan["watch"]["timeout_s"] + 30) if "watch" in self.plan else {}
        code = self.process.wait(timeout=30)
        if code != 0:
            raise ClientRunError(f"{SCRIPT_NAME} exited {code}\n{self.diagnosis()}")
        return done

    def __enter__(self) -> CcxtRun:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self._reader.join(timeout=5)
        if self.process.stdout is not None:
            self.process.stdout.close()
        self._stderr.close()


def run_rest(plan: dict[str, Any], tmp_dir: Path) -> dict[str, dict[str, Any]]:
    """A REST-only plan, run to the end: the outcomes by call id."""
    with CcxtRun(plan, tmp_dir) as run:
        outcomes = run.rest()
        run.finish()
    return outcomes
