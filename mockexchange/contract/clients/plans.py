"""Running a real client's script with a plan of calls against a mock, and reading back what the client returned.

The scripts live in the kit's `contract/clients/scripts/kalshi/` (`client_harness.py` there defines the plan and the
report); `run_plan` writes the plan, runs the script in the client's venv (`run_client`) and answers the outcomes by
call id.
A script that does not run to its report raises `ClientRunError` with its output: a client's own error on a call is
an outcome, not this.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Protocol

from mockexchange.contract.clients.libraries import KALSHI_PY, KALSHI_SDK, PMXT, PYKALSHI, ClientSpec, run_client
from mockexchange.contract.clients.portfolio import Key
from mockexchange.schema.specs import package_path
from mockexchange.server import MockServer

CLIENT_TIMEOUT_S = 180.0


class ClientRunError(RuntimeError):
    """A client script exited non-zero or printed no report; the message carries its output."""


class Served(Protocol):
    """What a plan runs against: a mock and the keys its calls may name (`trader` is the plan's default)."""

    mock: MockServer
    keys: dict[str, Key]


def kalshi_scripts() -> Path:
    return package_path("mockexchange.contract.clients", "scripts", "kalshi")


def client_script(spec: ClientSpec) -> tuple[Path, dict[str, str]]:
    """The script that drives the spec's client and the environment it needs beside the mock's address and the
    default key."""
    if spec is KALSHI_SDK:
        return kalshi_scripts() / "kalshi_sdk.py", {}
    if spec is PYKALSHI:
        return kalshi_scripts() / "pykalshi_client.py", {}
    if spec is PMXT:
        return kalshi_scripts() / "pmxt_client.py", {}
    if spec is KALSHI_PY:
        return kalshi_scripts() / "kalshi_py_client.py", {}
    package = spec.requirements[0].split("==")[0]  # kalshi_python_sync or kalshi_python_async, any version
    return kalshi_scripts() / "official.py", {"MOCKEXCHANGE_CLIENT_PACKAGE": package}


def run_plan(spec: ClientSpec, served: Served, calls: list[dict], tmp_dir: Path) -> dict[str, dict]:
    """Run the spec's client script with a plan of calls against the served mock; its outcomes by call id.

    Raises `ClientEnvError` when the venv cannot be built and `ClientRunError` when the script fails as a whole."""
    script, env = client_script(spec)
    plan_path = tmp_dir / f"plan-{spec.name}.json"
    plan_path.write_text(json.dumps({"calls": calls}, indent=1))
    default = served.keys["trader"]
    done = run_client(
        spec,
        script,
        {
            "MOCKEXCHANGE_BASE_URL": served.mock.kalshi_url,
            "MOCKEXCHANGE_KEY_ID": default.key_id,
            "MOCKEXCHANGE_PEM_PATH": default.pem_path,
            **env,
        },
        timeout=CLIENT_TIMEOUT_S,
        args=[str(plan_path)],
    )
    if done.returncode != 0:
        raise ClientRunError(
            f"{spec.name}: {script.name} exited {done.returncode}\n--- stderr ---\n{done.stderr[-5000:]}"
            f"\n--- stdout ---\n{done.stdout[-2000:]}"
        )
    try:
        return json.loads(done.stdout)["calls"]
    except (ValueError, KeyError):
        raise ClientRunError(f"{spec.name}: {script.name} printed no report:\n{done.stdout[-3000:]}") from None
