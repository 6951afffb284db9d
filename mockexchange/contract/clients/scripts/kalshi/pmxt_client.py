"""pmxt (PyPI `pmxt`), run inside that client's own venv: its unified prediction-market API over Kalshi, as its users
call it (`pmxt.Kalshi(api_key=..., private_key=...)`, then `fetch_markets()`, `fetch_order_book(outcome_id)`, ...).

The plan, its ops and the outcomes are client_harness.py's (beside this script, which explains how it is found); this
script says only how pmxt is driven. It imports the client library, the standard library and the harness.

pmxt's Python package is a thin client of a sidecar server it ships (`pmxt/_server/server/bundled.js`, run by
Node.js), which speaks to Kalshi. Kalshi's address is the sidecar's `KALSHI_BASE_URL` (the host, without
`/trade-api/v2`), which is set to the mock's here. The sidecar is started by this script, not by pmxt's own launcher:
the launcher first kills every pmxt sidecar on the machine (a user's, or another run's), and keeps its lock file under
the home folder. So each run has a home folder of its own (`HOME`, where the sidecar writes its lock file with the
port it bound and its access token), starts `node bundled.js` there and waits until it answers; pmxt then finds it
alive through that lock file, as it finds a sidecar it started itself, and uses it in its local mode (an explicit
`base_url` other than its default would put pmxt in its hosted mode). Closing the client stops its sidecar.

pmxt answers dataclasses (`UnifiedMarket`, `OrderBook`, `Position`, ...), dumped as dicts under their own names; it
takes times as datetimes (`start`, `end`: ISO 8601 texts in the plan). Its errors carry no HTTP status: the error's
class and message are the observation.

Usage: python -I pmxt_client.py plan.json (with the MOCKEXCHANGE_* variables the harness reads; `node` on PATH).
"""

from __future__ import annotations

import ctypes
import dataclasses
import datetime
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.append(str(Path(__file__).resolve().parent))  # after the client library: see client_harness.py
import client_harness

SIDECAR_TIMEOUT_S = 60.0  # node's start and the bundle's load, on a busy machine
TRADE_API = "/trade-api/v2"


class SidecarClient:
    """pmxt's `Kalshi` and the sidecar it talks to; `close` stops both."""

    def __init__(self, kalshi, sidecar: subprocess.Popen, home: str) -> None:
        self.kalshi, self.sidecar, self.home = kalshi, sidecar, home

    def __getattr__(self, name: str):
        return getattr(self.kalshi, name)

    def close(self) -> None:
        try:
            self.kalshi.close()
        finally:
            self.sidecar.terminate()
            try:
                self.sidecar.wait(10)
            except subprocess.TimeoutExpired:
                self.sidecar.kill()
            shutil.rmtree(self.home, ignore_errors=True)


def _dies_with_parent() -> None:
    """In the sidecar's process before node starts: Linux ends it when this script ends, however it ends (a timeout's
    kill included), so no sidecar outlives its run."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def start_sidecar(host: str, home: str) -> subprocess.Popen:
    """The sidecar of this run, speaking to Kalshi at `host`, once it answers on the port its lock file names."""
    import pmxt

    bundle = Path(pmxt.__file__).parent / "_server" / "server" / "bundled.js"
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("pmxt's sidecar needs Node.js: no `node` on PATH")
    env = {**os.environ, "HOME": home, "KALSHI_BASE_URL": host}
    sidecar = subprocess.Popen([node, str(bundle)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               preexec_fn=_dies_with_parent)  # fmt: skip
    lock = Path(home) / ".pmxt" / "server.lock"
    deadline = time.monotonic() + SIDECAR_TIMEOUT_S
    while time.monotonic() < deadline:
        if sidecar.poll() is not None:
            raise RuntimeError(f"pmxt's sidecar exited {sidecar.returncode} before it listened")
        try:  # (its lock file names the port before it listens there)
            port = int(json.loads(lock.read_text())["port"])
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5):
                return sidecar
        except (OSError, ValueError, KeyError):
            time.sleep(0.05)
    sidecar.kill()
    raise RuntimeError(f"pmxt's sidecar did not answer within {SIDECAR_TIMEOUT_S:.0f} s")


def connect(base_url: str, key_id: str, pem_path: str) -> tuple[SidecarClient, None]:
    home = tempfile.mkdtemp(prefix="pmxt-home-")
    os.environ["HOME"] = home  # (pmxt reads the sidecar's lock file, with its access token, under the home folder)
    sidecar = start_sidecar(base_url.removesuffix(TRADE_API), home)
    try:
        import pmxt

        kalshi = pmxt.Kalshi(api_key=key_id, private_key=Path(pem_path).read_text())
    except BaseException:
        sidecar.kill()
        raise
    return SidecarClient(kalshi, sidecar, home), None


TIMES = ("start", "end", "since", "until")  # arguments pmxt takes as datetimes, ISO 8601 texts in the plan


def arguments(method, args: dict) -> dict:
    return {name: datetime.datetime.fromisoformat(value) if name in TIMES else value for name, value in args.items()}


def unwrap(answer):
    return dataclasses.asdict(answer) if dataclasses.is_dataclass(answer) and not isinstance(answer, type) else answer


if __name__ == "__main__":
    client_harness.run(client_harness.Family("pmxt", connect, arguments=arguments, unwrap=unwrap))
