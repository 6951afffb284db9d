"""`mockexchange contract check` names every warning of schemathesis' report in its own summary, after the report's last
line (`1 warning in 1.8s`), with the operations each names; the warning's tip to write ids into schemathesis' config
(which the check writes itself) is said in the check's terms."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import kit_commands
import pytest
from kit_commands import SEED

from mockexchange.contract.kalshi.account import KEY_ID, private_key_pem_text, seed
from mockexchange.contract.kalshi.report import Run, Warnings, translate
from mockexchange.server import MockServer

TRANSFER = "GET /portfolio/intra_exchange_instance_transfers/{transfer_id}"
GROUP = "GET /portfolio/order_groups/{order_group_id}"
# schemathesis' report around its warnings, as 4.32 writes them.
REPORT = f"""\
=================================== WARNINGS ===================================

Missing test data: 2 operations repeatedly returned 404 Not Found, preventing tests from reaching your API's core logic

No links point to this operation - GET /portfolio/order_groups appears to supply the data it needs:
  - {GROUP}

💡 Add a link from GET /portfolio/order_groups, or supply the identifiers it returns in your config file

Schemathesis found no operation that creates this data:
  - {TRANSFER}

Rate limited: 1 operation was answered mostly with 429 Too Many Requests

  - GET /portfolio/balance

=================================== SUMMARY ====================================

Warnings:
  ⚠️ Missing test data: 2 operations repeatedly returned 404 responses
  - not a warning's operation

============================= 2 warnings in 16.95s =============================
"""


def read(report: str) -> tuple[list[str], Warnings]:
    warnings = Warnings()
    shown = []
    for line in translate(report.splitlines(keepends=True), Run(KEY_ID, Path("k.pem"), Path("/tmp/x"), None)):
        warnings.see(line)
        shown.append(line)
    return shown, warnings


def test_each_warning_is_named_with_its_operations() -> None:
    _, warnings = read(REPORT)
    assert warnings.summary() == [
        "contract check: 2 warnings from schemathesis (its WARNINGS above; a warning is no violation):",
        "  Missing test data: 2 operations repeatedly returned 404 Not Found, preventing tests from reaching your "
        "API's core logic",
        f"    {GROUP}",
        f"    {TRANSFER}",
        "  Rate limited: 1 operation was answered mostly with 429 Too Many Requests",
        "    GET /portfolio/balance",
    ]
    assert (
        read("============================== No issues found in 1.2s ==============================\n")[1].summary()
        == []
    )


def test_a_tip_to_edit_schemathesis_config_is_said_in_the_checks_terms() -> None:
    shown, _ = read(REPORT)
    [tip] = [line for line in shown if line.startswith("💡")]
    assert "config file" not in tip and "A 404 for an id the account does not hold is right (no violation)" in tip


@pytest.fixture(scope="module")
def mock() -> Iterator[MockServer]:
    with MockServer() as server:
        seed(server)
        yield server


@pytest.mark.slow  # schemathesis in a child process
def test_a_run_ends_with_the_warnings_it_counted(mock: MockServer, tmp_path: Path) -> None:
    pem = tmp_path / "contract.pem"
    pem.write_text(private_key_pem_text())
    only = ["--operation", "GetIntraExchangeInstanceTransfer", "--max-examples", "3", "--seed", SEED]
    result = kit_commands.contract_check(mock.kalshi_url, KEY_ID, pem, *only)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    lines = result.stdout.rstrip("\n").splitlines()
    end = next(i for i, line in enumerate(lines) if " 1 warning in " in line)
    assert lines[end + 1 :] == [
        "contract check: 1 warning from schemathesis (its WARNINGS above; a warning is no violation):",
        "  Missing test data: 1 operation repeatedly returned 404 Not Found, preventing tests from reaching your "
        "API's core logic",
        f"    {TRANSFER}",
    ]
