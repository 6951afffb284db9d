"""Published client libraries, each installed unmodified from PyPI into its own cached virtual environment.

A `ClientSpec` names a client, its pinned requirements and the Python it needs. `ensure_venv` builds the venv once
(`<python> -m venv`, then `pip install`) under the cache directory, `$MOCKEXCHANGE_CLIENT_CACHE` or
`~/.cache/mockexchange/clients`, in a folder named after the spec and a hash of it, so changing a pin makes a new venv.
A venv counts as built only when its completion marker exists; the marker is written last, so a build that died half
way is thrown away and redone. An `fcntl` lock per venv keeps parallel runs (pytest-xdist, two CI jobs on one cache)
from building the same venv at once. `run_client` runs a script with the venv's interpreter.

Nothing here skips: a missing interpreter or a failed install raises, saying what to do.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from mockexchange.contract.clients.interpreters import InterpreterNotFound, find_python

CACHE_ENV = "MOCKEXCHANGE_CLIENT_CACHE"
MARKER = "mockexchange-complete.json"
INSTALL_TIMEOUT_S = 900.0
# What a client script must not inherit from the test run: it sees only its own venv.
_SCRUBBED_ENV = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV", "PYTHONSAFEPATH", "__PYVENV_LAUNCHER__")


class ClientEnvError(RuntimeError):
    """A client venv could not be built (the interpreter is missing, venv or pip failed)."""


@dataclass(frozen=True, slots=True)
class ClientSpec:
    name: str  # a folder-safe name: "kalshi-sdk-22.4.0"
    requirements: tuple[str, ...]  # exact pins, as pip takes them
    python: str  # "3.13"

    @property
    def digest(self) -> str:
        """A short hash of everything that decides the venv's contents."""
        text = json.dumps([self.name, sorted(self.requirements), self.python])
        return hashlib.sha256(text.encode()).hexdigest()[:10]


KALSHI_SDK = ClientSpec("kalshi-sdk-22.4.0", ("kalshi-sdk==22.4.0",), "3.12")
OFFICIAL_SYNC = ClientSpec("kalshi-python-sync-3.34.0", ("kalshi_python_sync==3.34.0",), "3.13")
OFFICIAL_ASYNC = ClientSpec("kalshi-python-async-3.34.0", ("kalshi_python_async==3.34.0",), "3.13")
# Needs the integer fields that went away in March 2026: for the legacy wire profile.
OFFICIAL_SYNC_LEGACY = ClientSpec("kalshi-python-sync-3.2.0", ("kalshi_python_sync==3.2.0",), "3.11")
# Deribit through ccxt (REST) and ccxt.pro (websocket): one package holds both.
CCXT = ClientSpec("ccxt-4.5.90", ("ccxt==4.5.90",), "3.11")
# A typed Kalshi client with a websocket feed: a matrix row (docs/trading-bot.md's section runs its trading).
PYKALSHI = ClientSpec("pykalshi-2.0.0", ("pykalshi==2.0.0",), "3.11")
# Market data and account feeds of many exchanges, Deribit's among them; wss only: a matrix row over TLS.
CRYPTOFEED = ClientSpec("cryptofeed-2.4.1", ("cryptofeed==2.4.1",), "3.11")
# A unified prediction-market API (Kalshi, Polymarket, ...) whose package runs a Node.js sidecar it ships: a matrix row
# on the legacy profile, whose integer fields its Kalshi positions read.
PMXT = ClientSpec("pmxt-2.54.0", ("pmxt==2.54.0",), "3.11")
# A client generated from Kalshi's spec of mid-2025 (openapi-python-client): a matrix row on the legacy profile.
KALSHI_PY = ClientSpec("kalshi-py-2.0.6.6", ("kalshi-py==2.0.6.6",), "3.11")

CLIENTS: dict[str, ClientSpec] = {
    spec.name: spec
    for spec in (
        KALSHI_SDK,
        OFFICIAL_SYNC,
        OFFICIAL_ASYNC,
        OFFICIAL_SYNC_LEGACY,
        CCXT,
        PYKALSHI,
        CRYPTOFEED,
        PMXT,
        KALSHI_PY,
    )
}


def cache_root() -> Path:
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".cache" / "mockexchange" / "clients"


def venv_dir(spec: ClientSpec, cache: Path | None = None) -> Path:
    return (cache or cache_root()) / f"{spec.name}-{spec.digest}"


def venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def _is_complete(venv: Path) -> bool:
    # `exists` follows the symlink: a venv whose base interpreter was uninstalled is not usable.
    return (venv / MARKER).is_file() and venv_python(venv).exists()


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _run_step(what: str, command: Sequence[str | Path], timeout: float) -> subprocess.CompletedProcess[str]:
    argv = [str(part) for part in command]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=clean_env())
    except subprocess.TimeoutExpired:
        raise ClientEnvError(f"{what} timed out after {timeout:.0f}s: {' '.join(argv)}") from None
    except OSError as exc:
        raise ClientEnvError(f"{what} could not start: {' '.join(argv)}: {exc}") from None
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-25:])
        raise ClientEnvError(f"{what} failed (exit {done.returncode}): {' '.join(argv)}\n{tail}")
    return done


def ensure_venv(spec: ClientSpec, *, cache: Path | None = None, timeout: float = INSTALL_TIMEOUT_S) -> Path:
    """The spec's venv, built now if the cache does not hold a complete one. Raises `ClientEnvError`."""
    venv = venv_dir(spec, cache)
    if _is_complete(venv):
        return venv
    venv.parent.mkdir(parents=True, exist_ok=True)
    with _locked(venv.parent / f"{venv.name}.lock"):
        if _is_complete(venv):  # built by another process while this one waited for the lock
            return venv
        try:
            python = find_python(spec.python)
        except InterpreterNotFound as exc:
            raise ClientEnvError(f"client {spec.name} needs Python {spec.python}: {exc}") from None
        if venv.exists():
            shutil.rmtree(venv)  # left half built by a run that died
        started = time.monotonic()
        pip: list[str | Path] = [venv_python(venv), "-m", "pip", "--disable-pip-version-check", "--no-input"]
        try:
            _run_step(f"creating the venv for {spec.name}", [python, "-m", "venv", venv], timeout)
            _run_step(
                f"installing {' '.join(spec.requirements)} for {spec.name}",
                [*pip, "install", *spec.requirements],
                timeout,
            )
            frozen = _run_step(f"listing what {spec.name} installed", [*pip, "freeze", "--all"], timeout).stdout
        except ClientEnvError:
            shutil.rmtree(venv, ignore_errors=True)
            raise
        record = {
            "name": spec.name,
            "requirements": list(spec.requirements),
            "python": str(python),
            "installed": frozen.split(),
            "build_seconds": round(time.monotonic() - started, 1),
        }
        # Last, and atomically: from here on the venv counts as complete.
        partial = venv / f"{MARKER}.partial"
        partial.write_text(json.dumps(record, indent=2) + "\n")
        os.replace(partial, venv / MARKER)
    return venv


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name not in _SCRUBBED_ENV}
    env.update(extra or {})
    return env


def run_client(
    spec: ClientSpec,
    script_path: Path,
    env: Mapping[str, str] | None = None,
    timeout: float = 120.0,
    args: Sequence[str] = (),
) -> subprocess.CompletedProcess[str]:
    """Run `script_path` with the spec's venv interpreter (built if needed); `env` is added to the environment.

    The interpreter runs isolated (`-I`): no PYTHONPATH, no user site-packages, not even the script's own folder on
    sys.path, so the script sees the client library and the standard library only. The caller reads the exit code.
    (The kit's scripts put their own folder back themselves, after the client library, for their stdlib-only
    harness: see scripts/kalshi/client_harness.py.)
    """
    python = venv_python(ensure_venv(spec))
    return subprocess.run(
        [str(python), "-I", str(script_path), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=clean_env(env),
    )
