"""`mockexchange contract check` end to end: clean against the mock, each defect of a broken server reported, and
bad arguments refused with a message."""

from __future__ import annotations

import dataclasses
import json
import re
import shlex
import socket
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import kit_commands
import plain_http
import pytest
from broken_server import REPEATED_CURSOR, broken_server
from held_port import held_port
from kit_commands import SEED, Checked, summary_of

from mockexchange.auth.kalshi.keys import generate_private_key, private_key_pem
from mockexchange.cli import main
from mockexchange.contract import extra
from mockexchange.contract.kalshi.account import KEY_ID, SUBTRADERS, seed
from mockexchange.contract.kalshi.slicing import KALSHI_OPERATIONS, KALSHI_WRITES
from mockexchange.schema.refinements import MARKET_DATA_READS
from mockexchange.server import MockServer


def contract_check(base_url: str, pem: Path, *extra: str, key_id: str = KEY_ID) -> Checked:
    """`contract check` in this process (kit_commands.check_here); the clean run below starts the command as a user
    does."""
    return kit_commands.check_here(base_url, key_id, pem, "--seed", SEED, *extra)


@pytest.fixture(scope="module")
def mock() -> Iterator[MockServer]:
    """The seeded mock, its app wrapped in a `MethodCounter` (`mock.app.asgi`) so a check can say what it sent."""
    server = MockServer()
    server.app = dataclasses.replace(server.app, asgi=MethodCounter(server.app.asgi))
    with server:
        seed(server)
        yield server


@pytest.fixture(scope="module")
def broken() -> Iterator[MockServer]:
    with broken_server() as server:
        seed(server)
        yield server


@pytest.mark.slow
def test_the_mock_passes_every_check_sending_only_gets(mock: MockServer, pem: Path, tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    subtraders = [f"--subtrader-id={s}" for s in SUBTRADERS]
    methods = mock.app.asgi.methods
    methods.clear()
    # The one run of the command as a user starts it, every phase on every read (the coverage phase is where other
    # methods would be sent). That the mock conforms is contracts/kalshi's to check (30 examples each): here one
    # example per read and generation mode proves the command passes it, and the coverage phase's own cases (what
    # most of the run costs) do not depend on the number.
    result = kit_commands.contract_check(
        mock.kalshi_url, KEY_ID, pem, "--seed", SEED, "--max-examples", "1", "--junit-xml", str(junit), *subtraders
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    # Without --probe-methods or a write named, a run sends nothing but GETs (it may be pointed at a real account).
    assert set(methods) == {"GET"} and methods["GET"] > 100, methods
    # No failure; a warning may say a transfer id the suite made up was not found (404, documented).
    assert re.search(r"=+ (No issues found|\d+ warnings?) in ", result.stdout), result.stdout[-2000:]
    reads = [op for op in KALSHI_OPERATIONS if op not in KALSHI_WRITES]  # the writes run only when named
    assert f"Tested: {len(reads)}" in result.stdout
    # the market data reads name what the mock lists, so each has markets, books and candles to judge
    listed = "32 markets, 11 events, 2 series, 10 historical markets, 1 multivariate collections"
    assert f"the exchange lists (for the market data reads): {listed}\n" in result.stdout
    assert not [op for op in MARKET_DATA_READS if f"  {op}: no valid request can be drawn" in result.stdout]
    suites = ElementTree.parse(junit).getroot()
    assert int(suites.get("failures", "0")) == 0 and int(suites.get("tests", "0")) >= len(reads)


@pytest.mark.slow
def test_each_defect_of_a_broken_server_is_reported_and_named_in_the_summary(
    broken: MockServer, pem: Path, tmp_path: Path
) -> None:
    junit = tmp_path / "junit.xml"
    # The operations the server breaks and two it leaves healthy (a paginated one and one that is not): the others
    # answer as the mock does, which the clean run above passes. Each defect shows in every example of its
    # operation (the 500 and the unsigned request in the coverage phase's cases), so a few examples find them all.
    healthy = ["GetWithdrawals", "GetBalance"]
    broken_ops = ["GetPositions", "GetFills", "GetSettlements", "GetDeposits"]
    only = [argument for operation in broken_ops + healthy for argument in ("--operation", operation)]
    result = contract_check(broken.kalshi_url, pem, "--max-examples", "5", "--junit-xml", str(junit), *only)
    out = result.stdout
    assert result.returncode == 1, out[-4000:]
    assert "violations found" in result.stderr
    sections = _failure_sections(out)
    # numbers for _fp fields
    positions = sections["GET /portfolio/positions"]
    assert re.search(r'market_positions\[\d+\]\.position_fp: -?[\d.]+ is not of type "string"', positions)
    # a missing cursor
    assert '"cursor" is a required property' in sections["GET /portfolio/fills"]
    # a 500 on a bad limit, with the input that caused it
    settlements = sections["GET /portfolio/settlements"]
    assert "Server error" in settlements and "limit=" in settlements
    # a repeated cursor
    assert f"cursor repeated on page 2: '{REPEATED_CURSOR}'" in sections["GET /portfolio/deposits"]
    # the healthy operations are not blamed
    assert "GET /portfolio/withdrawals" not in sections and "GET /portfolio/balance" not in sections
    failed = {case.get("name") for case in ElementTree.parse(junit).getroot().iter("testcase") if _failed(case)}
    assert {"GET /portfolio/positions", "GET /portfolio/fills", "GET /portfolio/settlements"} <= failed
    assert "GET /portfolio/deposits" in failed

    # The summary after the report: positions breaks three rules at once, and each is named, not only the first the
    # run met.
    summary = summary_of(out)
    positions = summary["GET /portfolio/positions"]
    assert re.search(r"ST101 Server error: 500 for GET /portfolio/positions\?\S*limit=", positions), positions
    assert re.search(r'market_positions\[\]\.position_fp: is not of type "string" \(e\.g\. -?[\d.]+\)', positions)
    assert "ST401" in positions and "got 200" in positions  # the unsigned request accepted
    assert '"cursor" is a required property' in summary["GET /portfolio/fills"]
    assert "ST101 Server error: 500" in summary["GET /portfolio/settlements"]
    assert "cursor repeated" in summary["GET /portfolio/deposits"]
    assert set(summary) == {
        "GET /portfolio/positions", "GET /portfolio/fills", "GET /portfolio/settlements", "GET /portfolio/deposits",
    }  # fmt: skip


class MethodCounter:
    """ASGI middleware counting the HTTP methods that reach the wrapped app."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.methods: Counter[str] = Counter()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.methods[scope["method"]] += 1
        await self.app(scope, receive, send)


@pytest.mark.slow
def test_other_methods_are_sent_when_asked(mock: MockServer, pem: Path) -> None:
    # (That nothing but GETs is sent unless asked, the clean run above asserts.)
    methods = mock.app.asgi.methods
    methods.clear()
    ops = ["--operation", "GetBalance", "--operation", "GetPositions"]
    # the other methods are sent by the coverage phase alone, whose cases do not depend on --max-examples
    phase = ["--phases", "coverage", "--max-examples", "1"]
    checked = contract_check(mock.kalshi_url, pem, *phase, "--probe-methods", *ops)
    assert checked.returncode == 0, checked.stdout[-3000:]
    assert {"GET", "POST", "DELETE"} <= set(methods), methods


@pytest.mark.slow
def test_one_operation_can_be_checked_alone(broken: MockServer, pem: Path) -> None:
    one = ["--operation", "GetWithdrawals", "--max-examples", "1", "--phases", "fuzzing"]  # what is selected is all
    result = contract_check(broken.kalshi_url, pem, *one)
    assert result.returncode == 0, result.stdout[-4000:]
    assert re.search(r"Selected: 1/\d+", result.stdout), result.stdout[-2000:]
    # without --report, the event report is not kept, and no path of the check's temporary folder is shown
    assert "NDJSON: not kept (--report FILE keeps it)" in result.stdout and "mockexchange-check-" not in result.stdout


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--private-key", "/nonexistent/key.pem"), "No such file"),
        (("--max-examples", "0"), "--max-examples must be at least 1"),
        (("--operation", "CreateOrder"), "invalid choice: 'CreateOrder'"),
    ],
)
def test_bad_arguments_are_refused(pem: Path, extra: tuple[str, ...], message: str) -> None:
    result = contract_check("http://127.0.0.1:9/trade-api/v2", pem, *extra)
    assert result.returncode == 2
    assert message in result.stderr


def test_a_file_that_is_not_a_key_is_refused(tmp_path: Path) -> None:
    not_a_key = tmp_path / "key.pem"
    not_a_key.write_text("hello")
    result = contract_check("http://127.0.0.1:9/trade-api/v2", not_a_key)
    assert result.returncode == 2
    assert result.stderr == (
        f"contract check: {not_a_key} is not an unencrypted RSA or Ed25519 private key in PEM (no '-----BEGIN "
        "PRIVATE KEY-----' line: the text is not PEM)\n"
    )


def test_without_the_kits_extra_one_line_says_how_to_install_it(
    pem: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # schemathesis hidden here; tests/test_wheel_install.py runs a plain install, which does not have it.
    found = extra.find_spec
    monkeypatch.setattr(extra, "find_spec", lambda name: None if name == "schemathesis" else found(name))
    argv = ["contract", "check", "--base-url", "http://127.0.0.1:9/trade-api/v2", "--key-id", KEY_ID]
    status = main([*argv, "--private-key", str(pem)])
    assert status == 2
    needs = "the contract kit needs `pip install 'mockexchange[contract]'` (schemathesis is not installed)"
    assert capsys.readouterr().err == f"contract check: {needs}\n"


def _failure_sections(out: str) -> dict[str, str]:
    """The report's failure sections, by operation label (`___ GET /path ___` headings)."""
    sections: dict[str, str] = {}
    current = None
    for line in out.splitlines():
        stripped = line.strip("_ ").strip()
        if line.startswith("___") and stripped:
            current = stripped
            sections[current] = ""
        elif line.startswith("===") and current:
            current = None
        elif current:
            sections[current] += line + "\n"
    return sections


def _failed(case: ElementTree.Element) -> bool:
    return case.find("failure") is not None or case.find("error") is not None


# -- before any case: the server answers, and accepts the key ------------------------------------------------------


def test_nothing_listening_is_one_line_within_ten_seconds(pem: Path) -> None:
    with held_port() as port:
        status, out, err, elapsed = contract_check(f"http://127.0.0.1:{port}/trade-api/v2", pem)
    assert elapsed < 10
    assert status == 3
    assert err.strip().count("\n") == 0, err
    assert "cannot reach" in err and "connection refused" in err
    assert out == ""  # no case was generated


@pytest.mark.slow
def test_a_server_that_never_answers_times_out_within_ten_seconds(pem: Path) -> None:
    with socket.socket() as silent:  # accepts connections (the kernel does) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        status, _, err, elapsed = contract_check(f"http://127.0.0.1:{silent.getsockname()[1]}/trade-api/v2", pem)
    assert elapsed < 10
    assert status == 3
    assert "no answer within" in err and err.strip().count("\n") == 0


def test_an_unknown_key_id_is_refused_with_the_servers_answer(mock: MockServer, pem: Path) -> None:
    status, out, err, elapsed = contract_check(mock.kalshi_url, pem, key_id="00000000-0000-4000-8000-0000000000ff")
    assert elapsed < 10
    assert status == 4
    assert "-> 401" in err
    assert '"details":"NOT_FOUND"' in err  # the server's body
    assert "mock's diagnosis: no key with id" in err  # X-Mockexchange-Auth
    assert "check --key-id" in err
    assert "passed" not in out


def test_a_private_key_that_is_not_the_keys_is_refused(mock: MockServer, tmp_path: Path) -> None:
    other = tmp_path / "other.pem"
    other.write_text(private_key_pem(generate_private_key("rsa")))
    result = contract_check(mock.kalshi_url, other)
    assert result.returncode == 4
    assert "INCORRECT_API_KEY_SIGNATURE" in result.stderr and "--private-key is not the private half" in result.stderr


@pytest.mark.slow
def test_a_key_that_is_not_an_fcm_members_skips_the_fcm_operations_visibly(tmp_path: Path) -> None:
    with MockServer() as server:
        seed(server)
        server.create_account("plain", balance_cents=1000)
        key = server.create_key("plain")
        pem_path = tmp_path / "plain.pem"
        pem_path.write_text(key["private_key_pem"])

        def check(*extra: str) -> Checked:
            # What is skipped is decided before any case is drawn: one case per operation says the rest ran.
            return contract_check(
                server.kalshi_url, pem_path, "--max-examples", "1", "--phases", "fuzzing", *extra,
                key_id=key["key_id"],
            )  # fmt: skip

        everything = check("--operation", "GetBalance", "--operation", "GetFCMPositions")
        assert everything.returncode == 4  # asked for by name: a refusal, with what to do
        assert "pass an FCM member's key" in everything.stderr and "--subtrader-id" in everything.stderr
        default = check("--operation", "GetBalance")
        assert default.returncode == 0, default.stdout[-3000:]
        all_ops = check()  # every operation: FCM positions is skipped, and says so
    assert all_ops.returncode == 0, all_ops.stdout[-3000:] + all_ops.stderr[-2000:]
    header = all_ops.stdout.split("operations:", 1)[1].splitlines()[0]
    for fcm_only in ("GetFCMPositions", "GetPortfolioRestingOrderTotalValue"):
        assert f"skipped {fcm_only}: 403" in all_ops.stdout and fcm_only not in header, all_ops.stdout[:2000]
    assert "pass an FCM member's key" in all_ops.stdout and "GetBalance" in header


class RefuseAfterFirst:
    """Answers the first request (the preflight's) and 401 to every one after it: a key that stops working."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.seen = 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.seen += 1
            if self.seen > 1:
                body = b'{"error":{"code":"authentication_error","message":"authentication_error"}}'
                headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
                await send({"type": "http.response.start", "status": 401, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


@pytest.mark.slow
def test_a_run_in_which_every_answer_is_401_never_passes(pem: Path) -> None:
    server = MockServer()
    server.app = dataclasses.replace(server.app, asgi=RefuseAfterFirst(server.app.asgi))
    with server:
        seed(server)
        result = contract_check(
            server.kalshi_url, pem, "--operation", "GetBalance", "--max-examples", "1", "--phases", "fuzzing"
        )
    assert result.returncode == 4, result.stdout[-3000:]
    assert "every answer refused the key" in result.stderr
    # schemathesis' hint names options contract check does not have; ours replaces it
    assert "`--auth`" not in result.stdout and "`-H`" not in result.stdout
    assert "check --key-id, --private-key" in result.stdout


@pytest.mark.slow
def test_the_report_is_kept_where_asked_and_its_curls_are_signed_anew(
    broken: MockServer, pem: Path, tmp_path: Path
) -> None:
    report = tmp_path / "events.ndjson"
    result = contract_check(
        broken.kalshi_url, pem, "--operation", "GetDeposits", "--max-examples", "3", "--phases", "coverage",
        "--report", str(report),
    )  # fmt: skip
    assert result.returncode == 1, result.stdout[-4000:]
    assert f"NDJSON: {report}" in result.stdout and "mockexchange-check-" not in result.stdout
    assert report.stat().st_size > 0 and all(json.loads(line) for line in report.read_text().splitlines())
    # "Reproduce with" gives the sign command of the failing request, not its curl, whose signature has expired
    assert "KALSHI-ACCESS-SIGNATURE" not in result.stdout
    commands = {line.strip() for line in result.stdout.splitlines() if line.strip().startswith("mockexchange sign ")}
    argv = shlex.split(min(commands))
    assert argv[2] == "GET" and argv[3].startswith("/trade-api/v2/portfolio/deposits?"), argv
    signed = subprocess.run([sys.executable, "-m", *argv], capture_output=True, text=True, timeout=60)
    assert signed.returncode == 0, signed.stderr
    curl = shlex.split(signed.stdout)
    headers = dict(curl[i + 1].split(": ", 1) for i, part in enumerate(curl) if part == "-H")
    answer = plain_http.get(curl[-1], headers=headers, timeout=10)
    # the failure reproduced: the mock accepted the signature and answered the repeated cursor again
    assert (answer.status_code, answer.json()["cursor"]) == (200, REPEATED_CURSOR), answer.text
    entry = broken.requests()[-1]
    assert (entry["status"], entry["auth"], entry["key_id"]) == (200, None, KEY_ID)
