"""The kit's own checks against the mock serving each shipped scenario, as `serve --scenario NAME` serves it (a manual
clock at the scenario's start, its profile): `contract check-deribit` where the scenario has Deribit keys, `contract
check` where it has Kalshi keys with a private half. Each must exit 0, and the request journal must flag none of the
mock's own replies (a `reply.*` problem: a Deribit reply that breaks the JSON-RPC slice; or `journal.unjudged`). The
test is parametrized over the scenario library, so a scenario that ships is checked without a line here.

Deribit: the set-up is loaded, `check-deribit` (a child process) calls every method on it over HTTP and the websocket,
subscribes to the user channels, and once it has subscribed the scenario's timeline runs, so that every step's
notifications are judged; then every method again over HTTP on the state the timeline leaves. Kalshi: the timeline is
run, then `contract check` with a few derandomized cases per operation (the fuzzing phase: every operation, positive
and negative cases, every page of a positive answer walked) with the broadest key: an FCM member's, reading its
subtraders, else the first key. The checks of the end state run in this process through `mockexchange.cli.main` (the
commands' own code path; schemathesis still runs in its own process), which saves a Python start each. That the
checks fail against a broken server is proven in test_check.py and test_deribit_check.py."""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from kit_commands import (
    DERIBIT_SECRET_ENV,
    deribit_arguments,
    deribit_command,
    deribit_env,
    kalshi_arguments,
    verdicts,
)

from mockexchange.cli import main
from mockexchange.core.clock import ManualClock
from mockexchange.registry import GRAMMAR
from mockexchange.scenario import library
from mockexchange.scenario.model import Scenario
from mockexchange.scenario.schema import load_file
from mockexchange.server import MockServer

pytestmark = pytest.mark.slow  # conftest.py: outside the inner loop's subset

# One example per operation and generation mode still sends a valid and an invalid request to each read (about three
# cases per operation, every page of a valid answer walked): what this test asks is that the scenario's state answers
# within the slice, and the slice's rules on many drawn cases are contracts/kalshi's to check.
KALSHI_CASES = ("--phases", "fuzzing", "--max-examples", "1", "--seed", "23")
LISTEN_SECONDS = "1.5"


def test_the_library_is_what_this_test_walks() -> None:
    shipped = {"busy-market", "deribit-btc-book", "fcm-subtraders", "fed-decision", "moving-book"}
    assert shipped <= set(library.shipped())


@pytest.mark.parametrize("name", library.shipped())
def test_the_kits_checks_pass_against_each_shipped_scenario(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = load_file(library.find(name), grammar=GRAMMAR)
    settings = {"profile": scenario.profile} if scenario.profile else {}
    with MockServer(clock=ManualClock(scenario.start), **settings) as server:
        loaded = server.app.scenarios.load(scenario)
        deribit_key = next((k for k in loaded["deribit_keys"] if k["subaccount_id"] is None), None)
        kalshi = _kalshi_key(scenario, loaded)
        assert deribit_key or kalshi, f"{name}: no key the kit can check it with"
        if deribit_key is not None:
            _check_deribit_through_the_timeline(server, deribit_key)
        else:
            _run_the_timeline(server)
        # The state the timeline leaves, in this process (the commands' own code path, `mockexchange.cli.main`).
        if deribit_key is not None:  # over HTTP
            monkeypatch.setenv(DERIBIT_SECRET_ENV, deribit_key["client_secret"])
            status = main(deribit_arguments(server.deribit_url, deribit_key["client_id"], "--no-websocket"))
            ended = capsys.readouterr()
            assert status == 0, ended.out + ended.err
        if kalshi is not None:  # schemathesis runs in its own process, as the command runs it
            key, subtraders = kalshi
            pem = tmp_path / "key.pem"
            pem.write_text(key["private_key_pem"])
            status = main(kalshi_arguments(server.kalshi_url, key["key_id"], pem, *KALSHI_CASES, *subtraders))
            checked = capsys.readouterr()
            assert status == 0, checked.out[-4000:] + checked.err[-2000:]
            # No failure; a warning may say a transfer id the suite made up was not found (404, documented).
            assert re.search(r"=+ (No issues found|\d+ warnings?) in ", checked.out), checked.out[-2000:]
        flagged = [
            (entry["operation"], problem)
            for entry in server.requests()
            for problem in entry["problems"]
            if problem["rule"].startswith("reply.") or problem["rule"] == "journal.unjudged"
        ]
        assert flagged == [], flagged


def _run_the_timeline(server: MockServer) -> None:
    left = server.scenario_status()["steps_left"]
    if left:
        server.step(left)


def _check_deribit_through_the_timeline(server: MockServer, key: dict[str, Any]) -> None:
    """`check-deribit` on the set-up; the timeline runs once it has subscribed, while it listens."""
    command = deribit_command(server.deribit_url, key["client_id"], "--listen", LISTEN_SECONDS)
    with subprocess.Popen(
        command, env=deribit_env(key["client_secret"]), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as check:
        deadline = time.monotonic() + 60
        while not server.requests(venue="deribit", operation="private/subscribe"):
            assert check.poll() is None and time.monotonic() < deadline, "check-deribit never subscribed"
            time.sleep(0.02)
        steps = server.scenario_status()["steps_left"]
        _run_the_timeline(server)
        out, err = check.communicate(timeout=60)
    assert check.returncode == 0, out + err
    found = verdicts(out)
    assert not [v for v in found.values() if v.startswith("FAIL")], out
    notified = {name: state for name, state in found.items() if name.startswith("notification ")}
    if steps:  # the timeline's changes reached the channels, and each notification matched the slice
        assert notified and all(state.startswith("PASS") for state in notified.values()), out


def _kalshi_key(scenario: Scenario, loaded: dict[str, Any]) -> tuple[dict[str, Any], list[str]] | None:
    """The key to check with: an FCM member's own (not bound to a subtrader), with `--subtrader-id` for each of its
    subtraders; else the first key whose private half the load answered. None: no Kalshi key to sign with."""
    keys = [k for k in loaded["keys"] if k.get("private_key_pem")]
    accounts = [op.args for op in scenario.setup if op.kind == "account"]
    bound = {op.args["key_id"] for op in scenario.setup if op.kind == "key" and op.args.get("subtrader_id")}
    for member in (a["user_id"] for a in accounts if a.get("fcm_member")):
        for key in keys:
            if key["user_id"] == member and key["key_id"] not in bound:
                subtraders = [a["user_id"] for a in accounts if a.get("subtrader_of") == member]
                return key, [f"--subtrader-id={s}" for s in subtraders]
    return (keys[0], []) if keys else None
