"""`mockexchange contract fuzz-client -- COMMAND`: run your client against the mock in the generated-responses mode,
N times under N seeds, and report the answers that made it fail.

One mock serves every run (the contract account of `account.py`: an FCM member with two subtraders); before each run
its generated-responses mode restarts under the run's seed, so run i sees exactly what `--seed S+i --runs 1` shows
it again. The command finds the mock in its environment:

    MOCKEXCHANGE_URL                   http://127.0.0.1:PORT
    KALSHI_API_BASE, MOCKEXCHANGE_KALSHI_URL   http://127.0.0.1:PORT/trade-api/v2
    MOCKEXCHANGE_KEY_ID, MOCKEXCHANGE_PRIVATE_KEY_PATH   the key to sign with (RSA-PSS, a PEM file)
    MOCKEXCHANGE_SUBTRADER_ID          a subtrader of the account (GetFCMPositions needs one)
    MOCKEXCHANGE_GENERATED_SEED        the run's seed

A run fails when the command exits non-zero or outlives `--timeout`. Exit status: 0 every run passed, 1 some run
failed, 2 a usage error (no command, a command that cannot be started).
"""

from __future__ import annotations

import argparse
import os
import random
import shlex
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from mockexchange.contract.kalshi.account import KEY_ID, SUBTRADERS, private_key_pem_text, seed
from mockexchange.settings import DEFAULT_PROFILE, Settings
from mockexchange.venues.kalshi.generated_mode import GENERATED_HEADER, GeneratedAnswer
from mockexchange.venues.kalshi.profiles import PROFILES

BODY_CHARS = 1500  # of each answer in the report
ANSWERS_LISTED = 8  # per failing run, last first
STDERR_LINES = 25


@dataclass
class FuzzRun:
    number: int
    seed: int
    status: int | None = None  # None: timed out
    stdout: str = ""
    stderr: str = ""
    served: list[GeneratedAnswer] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.status != 0


def add_command(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "fuzz-client",
        help="run a client command against generated, parser-breaking responses and report what broke it",
        description="Run COMMAND N times against the mock in the generated-responses mode (seed S, S+1, ...); a run "
        "fails when the command exits non-zero or times out. The report names each failing run's seed, its stderr "
        "and the answers it received, last first.",
    )
    p.add_argument("--runs", type=int, default=20, metavar="N", help="how many runs (default %(default)s)")
    p.add_argument("--seed", type=int, metavar="S", help="the first run's seed (default: random, printed)")
    p.add_argument("--profile", choices=sorted(PROFILES), default=DEFAULT_PROFILE, help="the mock's wire profile")
    p.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS", help="per run (default %(default)s)")
    p.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND ARGS...")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from mockexchange.server import MockServer  # uvicorn only once the arguments are good

    command = list(args.command)
    if command[:1] == ["--"]:
        command = command[1:]
    if not command:
        print("contract fuzz-client: no command: contract fuzz-client [options] -- COMMAND ARGS...", file=sys.stderr)
        return 2
    if args.runs < 1 or args.timeout <= 0:
        print("contract fuzz-client: --runs must be at least 1 and --timeout positive", file=sys.stderr)
        return 2
    first_seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1_000_000)
    print(f"fuzz-client: {args.runs} run(s) from seed {first_seed} of: {shlex.join(command)}", flush=True)
    runs: list[FuzzRun] = []
    settings = Settings(host="127.0.0.1", port=0, profile=args.profile)
    with tempfile.TemporaryDirectory(prefix="mockexchange-fuzz-") as folder, MockServer(settings) as mock:
        seed(mock.app.control)
        pem = Path(folder) / "key.pem"
        pem.write_text(private_key_pem_text())
        pem.chmod(0o600)
        env = {
            **os.environ,
            "MOCKEXCHANGE_URL": mock.base_url,
            "KALSHI_API_BASE": mock.kalshi_url,
            "MOCKEXCHANGE_KALSHI_URL": mock.kalshi_url,
            "MOCKEXCHANGE_KEY_ID": KEY_ID,
            "MOCKEXCHANGE_PRIVATE_KEY_PATH": str(pem),
            "MOCKEXCHANGE_SUBTRADER_ID": SUBTRADERS[0],
        }
        generated = mock.app.generated
        for i in range(args.runs):
            current = FuzzRun(i + 1, first_seed + i)
            generated.reset(current.seed)
            stop = generated.listen(current.served.append)
            try:
                outcome = _execute(command, {**env, "MOCKEXCHANGE_GENERATED_SEED": str(current.seed)}, args.timeout)
            except OSError as exc:
                print(f"contract fuzz-client: cannot run {command[0]!r}: {exc.strerror or exc}", file=sys.stderr)
                return 2
            finally:
                stop()
                generated.reset(None)
            current.status, current.stdout, current.stderr = outcome
            runs.append(current)
            state = "ok" if not current.failed else _status_text(current.status).upper()
            print(f"run {current.number}/{args.runs} seed={current.seed}: {state} ({len(current.served)} answers)")
    failed = [r for r in runs if r.failed]
    for failure in failed:
        print(_report(failure, command, args))
    print(f"fuzz-client: {len(failed)} of {len(runs)} run(s) failed" if failed else "fuzz-client: every run passed")
    return 1 if failed else 0


def _execute(command: list[str], env: dict[str, str], timeout: float) -> tuple[int | None, str, str]:
    """(exit status or None on timeout, stdout, stderr); the command's whole process group goes on timeout."""
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace",
        start_new_session=True,
    )  # fmt: skip
    try:
        stdout, stderr = process.communicate(timeout=timeout)
        return process.returncode, stdout, stderr
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        return None, stdout, stderr


def _status_text(status: int | None) -> str:
    if status is None:
        return "timed out"
    if status < 0:
        return f"killed by signal {-status}"
    return f"exit status {status}"


def _report(failure: FuzzRun, command: list[str], args: argparse.Namespace) -> str:
    lines = ["", f"== run {failure.number}, seed {failure.seed}: {_status_text(failure.status)}"]
    output, name = (failure.stderr, "stderr") if failure.stderr.strip() else (failure.stdout, "stdout")
    tail = output.rstrip().splitlines()[-STDERR_LINES:]
    lines.append(f"{name} (last {len(tail)} lines):" if tail else f"{name}: (empty)")
    lines += [f"  {line}" for line in tail]
    if failure.served:
        shown = failure.served[::-1][:ANSWERS_LISTED]
        lines.append(f"answers received, last first ({len(shown)} of {len(failure.served)}):")
        for answer in shown:
            query = f"?{answer.query}" if answer.query else ""
            lines.append(f"  {answer.operation_id}{query}  {GENERATED_HEADER}: {answer.tag}")
            lines.append(f"    {_bounded(answer.body)}")
    else:
        lines.append("answers received: none (the command made no request the mock generated an answer for)")
    options = f"--seed {failure.seed} --runs 1"
    if args.profile != DEFAULT_PROFILE:
        options += f" --profile {args.profile}"
    if args.timeout != 60.0:
        options += f" --timeout {args.timeout:g}"
    lines.append(f"reproduce: mockexchange contract fuzz-client {options} -- {shlex.join(command)}")
    return "\n".join(lines)


def _bounded(body: object) -> str:
    text = orjson.dumps(body).decode()
    if len(text) <= BODY_CHARS:
        return text
    return f"{text[:BODY_CHARS]}... ({len(text)} characters)"
