"""The kit's check commands as a user runs them (`python -m mockexchange.cli contract check ...`, `check-deribit`), in a
child process, or in the test's own (`check_here`, `check_deribit_here`, `run_here`: the commands' own code path,
`mockexchange.cli.main`, without an interpreter's start and imports each), and the reading of `check-deribit`'s
report: shared by the tests that run them."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, NamedTuple

DERIBIT_SECRET_ENV = "MOCKEXCHANGE_DERIBIT_CLIENT_SECRET"
# The seed every `contract check` of the tests draws its examples from (schemathesis' runner does not follow the suite's
# Hypothesis profile): each run draws the same ones, and its report prints the seed.
SEED = "20260102"


def kalshi_arguments(base_url: str, key_id: str, pem: Path, *extra: str) -> list[str]:
    """`mockexchange`'s arguments for `contract check` (for `mockexchange.cli.main`, or after the command)."""
    return ["contract", "check", "--base-url", base_url, "--key-id", key_id, "--private-key", str(pem), *extra]


def kalshi_command(base_url: str, key_id: str, pem: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "mockexchange.cli", *kalshi_arguments(base_url, key_id, pem, *extra)]


def contract_check(base_url: str, key_id: str, pem: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(kalshi_command(base_url, key_id, pem, *extra), capture_output=True, text=True, timeout=600)


class Checked(NamedTuple):
    """What a command run in this process did: its exit status, what it printed and how long it took."""

    returncode: int
    stdout: str
    stderr: str
    elapsed: float


def check_here(base_url: str, key_id: str, pem: Path, *extra: str) -> Checked:
    """`contract check` in this process (its own code path, `mockexchange.cli.main`; schemathesis still runs in its
    own process), which saves an interpreter's start and its imports per run."""
    return run_here(kalshi_arguments(base_url, key_id, pem, *extra))


def check_deribit_here(base_url: str, client_id: str, secret: str, *extra: str) -> Checked:
    """`contract check-deribit` in this process, the secret in its variable (`DERIBIT_SECRET_ENV`) while it runs."""
    before = os.environ.get(DERIBIT_SECRET_ENV)
    os.environ[DERIBIT_SECRET_ENV] = secret
    try:
        return run_here(deribit_arguments(base_url, client_id, *extra))
    finally:
        if before is None:
            del os.environ[DERIBIT_SECRET_ENV]
        else:
            os.environ[DERIBIT_SECRET_ENV] = before


def run_here(argv: list[str]) -> Checked:
    """`mockexchange` run in this process: what it printed is kept apart from the test's. A bound on the time is a
    bound on the command, not on an interpreter's start."""
    from mockexchange.cli import main

    out, err = io.StringIO(), io.StringIO()
    started = time.monotonic()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(argv)
        except SystemExit as exit:  # argparse's refusal of an argument
            status = int(exit.code or 0)
    return Checked(status, out.getvalue(), err.getvalue(), time.monotonic() - started)


def deribit_arguments(base_url: str, client_id: str, *extra: str) -> list[str]:
    """`mockexchange`'s arguments for `contract check-deribit` (the secret is read from `DERIBIT_SECRET_ENV`)."""
    return ["contract", "check-deribit", "--base-url", base_url, "--client-id", client_id, *extra]


def deribit_command(base_url: str, client_id: str, *extra: str) -> list[str]:
    return [sys.executable, "-m", "mockexchange", *deribit_arguments(base_url, client_id, *extra)]


def deribit_env(secret: str) -> dict[str, str]:
    return {**os.environ, DERIBIT_SECRET_ENV: secret}


def check_deribit(base_url: str, client_id: str, secret: str, *extra: str) -> subprocess.CompletedProcess[str]:
    command = deribit_command(base_url, client_id, *extra)
    return subprocess.run(command, env=deribit_env(secret), capture_output=True, text=True, timeout=120)


def verdicts(out: str) -> dict[str, str]:
    """`check-deribit`'s report: method (or `notification <channel>`) -> its state and the lines under it."""
    found: dict[str, str] = {}
    current = None
    for line in out.splitlines():
        if line.startswith("  ") and not line.startswith("   "):
            state, rest = line[2:12].strip(), line[13:]  # the state is written 10 wide
            current = rest.strip().rsplit(" (", 1)[0]
            found[current] = state + "\n"
        elif current is not None and line.startswith("             "):
            found[current] += line.strip() + "\n"
    return found


def contract_pem(folder: Path) -> Path:
    """The contract account's private key (account.private_key_pem_text) in a file of `folder`."""
    from mockexchange.contract.kalshi.account import private_key_pem_text

    path = folder / "contract.pem"
    path.write_text(private_key_pem_text())
    return path


def check_seeded(middleware: Any, pem: Path, *extra: str) -> tuple[int, str]:
    """`contract check` of a mock seeded for the writes (the contract account's `seed` and `seed_writes`) whose
    answers go through `middleware(app)`: its exit status and its output."""
    from broken_server import serving_through  # (the tests' helpers: beside this module)

    from mockexchange.contract.kalshi.account import KEY_ID, seed, seed_writes

    with serving_through(middleware) as server:
        seed(server)
        seed_writes(server)
        result = check_here(server.kalshi_url, KEY_ID, pem, *extra)
    return result.returncode, result.stdout + result.stderr


def check_reads(server: Any, pem: Path, operations: Any, examples: int = 1) -> tuple[Checked, dict[str, str]]:
    """`contract check` of a started server's reads (`operations`) with the contract account's key, `examples` drawn
    cases a read (the fuzzing phase alone: each defect of a broken server shows in every answer of its read): what it
    did, and its summary by operation when it found violations."""
    from mockexchange.contract.kalshi.account import KEY_ID

    only = [argument for operation in operations for argument in ("--operation", operation)]
    arguments = ("--seed", SEED, "--phases", "fuzzing", "--max-examples", str(examples), *only)
    result = check_here(server.kalshi_url, KEY_ID, pem, *arguments)
    return result, summary_of(result.stdout) if "violation(s) in" in result.stdout else {}


def check_seeded_reads(
    started: list[Any], server: Any, pem: Path, operations: Any, examples: int = 1
) -> tuple[Checked, dict[str, str]]:
    """`check_reads` of `server` once started (and kept in `started`, which the test stops) and seeded with the
    contract account (contract/kalshi/account.py's `seed`)."""
    from mockexchange.contract.kalshi.account import seed

    started.append(server.start())
    seed(server)
    return check_reads(server, pem, operations, examples)


def summary_of(out: str) -> dict[str, str]:
    """Our summary after schemathesis' report: operation -> its violation lines."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if "violation(s) in" in line)
    sections: dict[str, str] = {}
    current = ""
    for line in lines[start + 1 :]:
        if line.startswith("    ") and current:
            sections[current] += line.strip() + "\n"
        elif line.startswith("  ") and line.strip().startswith("GET "):
            current = line.strip()
            sections[current] = ""
        else:
            break
    return sections
