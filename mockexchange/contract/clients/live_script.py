"""A client script running in its own venv as a live subprocess, that prints one JSON object per line.

A reader thread turns the lines into events, so a caller waits for one kind of event with a timeout (and, say, makes
fills once the script reports `subscribed`) instead of blocking on the pipe. The websocket runs of kalshi-sdk and
of ccxt.pro are built on it.
"""

from __future__ import annotations

import json
import queue
import subprocess
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Self

from mockexchange.contract.clients.libraries import clean_env
from mockexchange.contract.clients.plans import ClientRunError


def queue_json_lines(stream: Any, lines: queue.Queue[dict[str, Any] | None]) -> None:
    """Put each line a client script prints on `lines` as an event (JSON, else `{"event": "stdout", "text": ...}`),
    then None when the script closes its stdout."""
    for line in stream:
        try:
            event = json.loads(line)
        except ValueError:
            event = {"event": "stdout", "text": line.rstrip("\n")}
        lines.put(event)
    lines.put(None)  # the script closed its stdout: it has ended


class LiveScript:
    """`script` run by `python` (isolated) on a JSON plan written to `tmp_dir`; a context manager: leaving it kills
    the script if it still runs. Subclasses say how to explain a failure (`diagnosis`)."""

    def __init__(
        self,
        python: Path,
        script: Path,
        plan: dict[str, Any],
        tmp_dir: Path,
        stem: str,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.plan = plan
        self.script_name = script.name
        plan_path = tmp_dir / f"{stem}-plan.json"
        plan_path.write_text(json.dumps(plan, indent=1))
        self._stderr_path = tmp_dir / f"{stem}-stderr.txt"
        self._stderr = open(self._stderr_path, "w")  # noqa: SIM115 - closed in __exit__
        self.events: list[dict[str, Any]] = []
        self._lines: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.process = subprocess.Popen(
            [str(python), "-I", str(script), str(plan_path)],
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            env=clean_env(env),
        )
        self._reader = threading.Thread(
            target=queue_json_lines, args=(self.process.stdout, self._lines), daemon=True, name=f"{stem}-stdout"
        )
        self._reader.start()

    def stderr_text(self) -> str:
        self._stderr.flush()
        return self._stderr_path.read_text()

    def diagnosis(self) -> str:
        lines = [json.dumps(event)[:4000] for event in self.events]
        return "\n".join(["--- events ---", *lines, "--- stderr ---", self.stderr_text()[-4000:]])

    def wait_for(self, kind: str, timeout: float) -> dict[str, Any]:
        """The next event of this kind; `ClientRunError` (with what the script said) if it does not come in time."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                event = self._lines.get(timeout=max(deadline - time.monotonic(), 0.001))
            except queue.Empty:
                raise ClientRunError(
                    f"no {kind!r} from {self.script_name} within {timeout:.0f}s\n{self.diagnosis()}"
                ) from None
            if event is None:
                code = self.process.wait(timeout=10)
                raise ClientRunError(f"{self.script_name} ended (exit {code}) before {kind!r}\n{self.diagnosis()}")
            self.events.append(event)
            if event["event"] == kind:
                return event

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self._reader.join(timeout=5)
        if self.process.stdout is not None:
            self.process.stdout.close()
        self._stderr.close()
