"""Running ccxt's Deribit classes (scripts/deribit/ccxt_client.py) in ccxt's own venv against a mock, as a
live subprocess: its REST calls first, then, when the plan asks, ccxt.pro's `watch_my_trades` and `watch_balance`, its
`watch_order_book`, or its `watch_trades`, `watch_ohlcv` and `watch_ticker`.

The script prints one JSON object per line; a reader thread turns the lines into events so a caller waits for one
with a timeout (`rest`, then `subscribed`: make the fills now, then `done`) instead of blocking on the pipe.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mockexchange.contract.clients.libraries import CCXT, ensure_venv, venv_python
from mockexchange.contract.clients.live_script import LiveScript
from mockexchange.contract.clients.plans import ClientRunError
from mockexchange.schema.specs import package_path

SCRIPT_NAME = "ccxt_client.py"
REST_TIMEOUT_S = 120.0  # interpreter start, importing ccxt (large), load_markets and the calls
WATCH_TIMEOUT_S = 15.0  # for the subscriptions to be acknowledged, then again for the notifications
WATCHES = ("watch", "book", "market")  # the parts of a plan that run ccxt.pro after the REST calls (one at most)


def ccxt_script() -> Path:
    return package_path("mockexchange.contract.clients", "scripts", "deribit", SCRIPT_NAME)


class CcxtRun(LiveScript):
    """The script following `plan` (see its docstring); a context manager: leaving it kills the script if it runs."""

    def __init__(self, plan: dict[str, Any], tmp_dir: Path) -> None:
        for part in WATCHES:
            if part in plan:
                plan = {**plan, part: {"timeout_s": WATCH_TIMEOUT_S, **plan[part]}}
        super().__init__(venv_python(ensure_venv(CCXT)), ccxt_script(), plan, tmp_dir, "ccxt")

    def rest(self) -> dict[str, dict[str, Any]]:
        """The REST calls' outcomes by call id."""
        return self.wait_for("rest", REST_TIMEOUT_S)["calls"]

    def subscribed(self) -> dict[str, Any]:
        return self.wait_for("subscribed", WATCH_TIMEOUT_S + 30)

    def finish(self) -> dict[str, Any]:
        """The `done` event, once the script has exited cleanly."""
        part = next((p for p in WATCHES if p in self.plan), None)
        done = self.wait_for("done", self.plan[part]["timeout_s"] + 30) if part is not None else {}
        code = self.process.wait(timeout=30)
        if code != 0:
            raise ClientRunError(f"{SCRIPT_NAME} exited {code}\n{self.diagnosis()}")
        return done


def run_rest(plan: dict[str, Any], tmp_dir: Path) -> dict[str, dict[str, Any]]:
    """A REST-only plan, run to the end: the outcomes by call id."""
    with CcxtRun(plan, tmp_dir) as run:
        outcomes = run.rest()
        run.finish()
    return outcomes
