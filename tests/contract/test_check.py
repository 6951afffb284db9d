"""`mockexchange contract check` end to end: clean against the mock, each defect of a broken server reported, and
bad arguments refused with a message."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from broken_server import REPEATED_CURSOR, broken_server

from mockexchange.contract.account import KEY_ID, SUBTRADERS, private_key_pem_text, seed
from mockexchange.server import MockServer


@pytest.fixture(scope="module")
def pem(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("keys") / "contract.pem"
    path.write_text(private_key_pem_text())
    return path


def contract_check(base_url: str, pem: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "mockexchange.cli", "contract", "check", "--base-url", base_url]
    command += ["--key-id", KEY_ID, "--private-key", str(pem), *extra]
    return subprocess.run(command, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def mock() -> Iterator[MockServer]:
    with MockServer() as server:
        seed(server)
        yield server


@pytest.fixture(scope="module")
def broken() -> Iterator[MockServer]:
    with broken_server() as server:
        seed(server)
        yield server


def test_the_mock_passes_every_check(mock: MockServer, pem: Path, tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    subtraders = [f"--subtrader-id={s}" for s in SUBTRADERS]
    result = contract_check(mock.kalshi_url, pem, "--max-examples", "15", "--junit-xml", str(junit), *subtraders)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "No issues found" in result.stdout
    assert "Tested: 8" in result.stdout
    suites = ElementTree.parse(junit).getroot()
    assert int(suites.get("failures", "0")) == 0 and int(suites.get("tests", "0")) >= 8


def test_each_defect_of_a_broken_server_is_reported(broken: MockServer, pem: Path, tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    result = contract_check(broken.kalshi_url, pem, "--max-examples", "20", "--junit-xml", str(junit))
    out = result.stdout
    assert result.returncode != 0, out[-4000:]
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


class MethodCounter:
    """ASGI middleware counting the HTTP methods that reach the wrapped app."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.methods: Counter[str] = Counter()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.methods[scope["method"]] += 1
        await self.app(scope, receive, send)


def test_only_get_requests_are_sent_unless_asked(pem: Path) -> None:
    server = MockServer()
    counter = MethodCounter(server.app.asgi)
    server.app = dataclasses.replace(server.app, asgi=counter)
    with server:
        seed(server)
        assert contract_check(server.kalshi_url, pem, "--max-examples", "5").returncode == 0
        assert set(counter.methods) == {"GET"} and counter.methods["GET"] > 100
        counter.methods.clear()
        assert contract_check(server.kalshi_url, pem, "--max-examples", "5", "--probe-methods").returncode == 0
        assert {"GET", "POST", "DELETE"} <= set(counter.methods)


def test_one_operation_can_be_checked_alone(broken: MockServer, pem: Path) -> None:
    result = contract_check(broken.kalshi_url, pem, "--operation", "GetWithdrawals", "--max-examples", "10")
    assert result.returncode == 0, result.stdout[-4000:]
    assert "Selected: 1/8" in result.stdout


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
    assert "contract check:" in result.stderr and "Traceback" not in result.stderr


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
