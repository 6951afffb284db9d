"""`mockexchange serve` in a child process, for the tests of the command line: on 127.0.0.1 and a free port
(`--port 0`; the port is read from the ready line), its stdout and stderr read as they come, stopped at the end."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

COMMAND = [sys.executable, "-m", "mockexchange", "serve"]
_READY = re.compile(r"^mockexchange: ready in \S+, listening on 127\.0\.0\.1:(\d+)$")
_START_TIMEOUT_S = 60.0


@dataclass
class Served:
    proc: subprocess.Popen
    out: list[str] = field(default_factory=list)  # stdout lines so far
    err: list[str] = field(default_factory=list)  # stderr lines so far
    port: int = 0
    ready: threading.Event = field(default_factory=threading.Event)
    ready_line: re.Pattern[str] = _READY  # the stdout line that says it listens, its port the first group

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def banner(self) -> str:
        """stdout up to and with the ready line."""
        return "\n".join(self.out)

    def _read(self, stream, into: list[str]) -> None:
        for line in stream:
            line = line.rstrip("\n")
            into.append(line)
            if into is self.out and (ready := self.ready_line.match(line)):
                self.port = int(ready.group(1))
                self.ready.set()


def environment(env: dict[str, str] | None) -> dict[str, str]:
    # The advertise variables of the shell running the tests must not leak into the banner under test.
    base = {k: v for k, v in os.environ.items() if not k.startswith("MOCKEXCHANGE_ADVERTISE_")}
    return {**base, "PYTHONUNBUFFERED": "1", **(env or {})}


@contextmanager
def serving(
    key_dir: Path,
    *options: str,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    serve: Sequence[str] = COMMAND,
) -> Iterator[Served]:
    """Serve until the ready line (failing with all it printed if it exits first), then yield; SIGINT at the end.
    `options` come after the defaults, so they may override them; relative paths in them are taken from `cwd`.
    `serve`: the command that runs `mockexchange serve` (the Docker image's entrypoint, say), the options after it."""
    command = [*serve, "--host", "127.0.0.1", "--port", "0", "--key-dir", str(key_dir), *options]
    with running(command, _READY, env=env, cwd=cwd) as served:
        yield served


@contextmanager
def running(
    command: Sequence[str],
    ready_line: re.Pattern[str],
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    name: str = "serve",
) -> Iterator[Served]:
    """Run `command` until it prints `ready_line` (failing with all it printed if it exits first), then yield; SIGINT
    at the end."""
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment(env), cwd=cwd
    )
    served = Served(proc, ready_line=ready_line)
    readers = [
        threading.Thread(target=served._read, args=(proc.stdout, served.out), daemon=True),
        threading.Thread(target=served._read, args=(proc.stderr, served.err), daemon=True),
    ]
    for reader in readers:
        reader.start()
    try:
        deadline = time.monotonic() + _START_TIMEOUT_S
        while not served.ready.wait(0.05):
            printed = "\n".join(served.out + served.err)
            assert proc.poll() is None, f"{name} exited with {proc.returncode} before it was ready:\n{printed}"
            assert time.monotonic() < deadline, f"{name} was not ready in {_START_TIMEOUT_S:g}s:\n{printed}"
        yield served
    finally:
        stop(proc)
        for reader in readers:
            reader.join(timeout=5)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def run_serve(key_dir: Path, *options: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """`serve` expected to stop by itself (a refused start): its exit status and what it printed."""
    command = [*COMMAND, "--host", "127.0.0.1", "--port", "0", "--key-dir", str(key_dir), *options]
    return subprocess.run(command, capture_output=True, text=True, env=environment(env), timeout=60)
