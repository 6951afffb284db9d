"""`mockexchange contract fuzz-client` end to end: a robust client passes every run, a fragile one fails with the
seed, the answers that broke it and a reproduction that fails the same way; timeouts and usage errors."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from kit_commands import Checked, run_here

pytestmark = pytest.mark.slow  # conftest.py: outside the inner loop's subset

CLIENT_PRELUDE = """
import os, sys
from datetime import datetime
from decimal import Decimal

import httpx

from mockexchange.testing.signing import KalshiAuth, KalshiSigner

key = open(os.environ["MOCKEXCHANGE_PRIVATE_KEY_PATH"]).read()
signer = KalshiSigner.from_pem(os.environ["MOCKEXCHANGE_KEY_ID"], key)
client = httpx.Client(base_url=os.environ["KALSHI_API_BASE"], auth=KalshiAuth(signer), timeout=10)


def get(path, **params):
    response = client.get(path, params=params)
    response.raise_for_status()
    return response.json()
"""

ROBUST = (
    CLIENT_PRELUDE
    + """

def walk(path, list_name, **params):
    rows, cursor = [], None
    for _ in range(50):
        body = get(path, **params, **({"cursor": cursor} if cursor else {}))
        rows += body[list_name]
        cursor = body.get("cursor")  # absent or empty: the last page
        if not cursor:
            return rows
    sys.exit("the cursor chain did not end")


for row in walk("/portfolio/positions", "market_positions", limit=200):
    Decimal(row["position_fp"]), Decimal(row["market_exposure_dollars"]), datetime.fromisoformat(row["last_updated_ts"])
sub = os.environ["MOCKEXCHANGE_SUBTRADER_ID"]
for row in walk("/fcm/positions", "market_positions", subtrader_id=sub):
    Decimal(row["realized_pnl_dollars"])
for fill in walk("/portfolio/fills", "fills"):
    assert Decimal(fill["yes_price_dollars"]) + Decimal(fill["no_price_dollars"]) == 1
    Decimal(fill["count_fp"]), Decimal(fill["fee_cost"])
for settlement in walk("/portfolio/settlements", "settlements"):
    settlement.get("value"), datetime.fromisoformat(settlement["settled_time"])
for transfer in walk("/portfolio/deposits", "deposits") + walk("/portfolio/withdrawals", "withdrawals"):
    int(transfer["amount_cents"]), transfer.get("finalized_ts")
balance = get("/portfolio/balance")
Decimal(balance["balance_dollars"]), [Decimal(b["balance"]) for b in balance.get("balance_breakdown", [])]
Decimal(get("/portfolio/summary/total_resting_order_value")["total_resting_order_value"])
"""
)

# Assumes a page is short and that dollars always have a decimal point.
FRAGILE = (
    CLIENT_PRELUDE
    + """
get("/portfolio/balance")
positions = get("/portfolio/positions")["market_positions"]
assert len(positions) < 50, f"too many positions: {len(positions)}"
for row in positions:
    dollars, cents = row["market_exposure_dollars"].split(".")
"""
)


def fuzz_client(*arguments: str) -> Checked:
    """`contract fuzz-client` in this process (its own code path; the client commands run in their own), which saves
    an interpreter's start and its imports per run."""
    return run_here(["contract", "fuzz-client", *arguments])


@pytest.fixture
def scripts(tmp_path: Path) -> dict[str, Path]:
    paths = {}
    for name, text in (("robust", ROBUST), ("fragile", FRAGILE)):
        paths[name] = tmp_path / f"{name}.py"
        paths[name].write_text(text)
    return paths


def test_a_robust_client_passes_every_run(scripts: dict[str, Path]) -> None:
    result = fuzz_client("--runs", "8", "--seed", "40", "--", sys.executable, str(scripts["robust"]))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "8 run(s) from seed 40" in result.stdout and "every run passed" in result.stdout
    answers = [int(n) for n in re.findall(r"seed=4\d: ok \((\d+) answers\)", result.stdout)]
    assert len(answers) == 8 and min(answers) >= 8  # each run saw every operation at least once


def test_a_fragile_client_fails_with_the_seed_the_answer_and_a_reproduction(scripts: dict[str, Path]) -> None:
    command = [sys.executable, str(scripts["fragile"])]
    result = fuzz_client("--runs", "4", "--seed", "0", "--", *command)
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    assert "run 3/4 seed=2: EXIT STATUS 1" in out  # seed 2 answers GetPositions with a long page first
    report = out[out.index("== run 3, seed 2: exit status 1") :]
    assert "AssertionError: too many positions: 100" in report
    # the last answer first, with its profile and (bounded) body
    answers = report[report.index("answers received, last first") :]
    assert answers.index("GetPositions  X-Mockexchange-Generated: seed=2 n=0 profile=long") < answers.index(
        "GetBalance"
    )
    assert '{"cursor":' in answers and "characters)" in answers
    reproduce = re.search(r"reproduce: mockexchange contract fuzz-client (--seed 2 --runs 1) -- (.+)", report)
    assert reproduce is not None and reproduce.group(2).endswith("fragile.py")

    again = fuzz_client("--seed", "2", "--runs", "1", "--", *command)
    assert again.returncode == 1
    assert "run 1/1 seed=2: EXIT STATUS 1" in again.stdout
    assert "AssertionError: too many positions: 100" in again.stdout
    first = report.split("GetPositions  ", 1)[1].splitlines()[:2]
    assert again.stdout.split("GetPositions  ", 1)[1].splitlines()[:2] == first  # the same answer, byte for byte


def test_a_run_that_outlives_the_timeout_fails(tmp_path: Path) -> None:
    script = tmp_path / "hang.py"
    script.write_text("import time\ntime.sleep(60)\n")
    result = fuzz_client("--runs", "1", "--seed", "1", "--timeout", "0.5", "--", sys.executable, str(script))
    assert result.returncode == 1
    assert "run 1/1 seed=1: TIMED OUT" in result.stdout
    assert "answers received: none" in result.stdout
    assert "--seed 1 --runs 1 --timeout 0.5 --" in result.stdout


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    no_command = fuzz_client("--runs", "2")
    assert no_command.returncode == 2 and "no command" in no_command.stderr
    missing = fuzz_client("--", str(tmp_path / "no-such-program"))
    assert missing.returncode == 2 and "cannot run" in missing.stderr
    zero = fuzz_client("--runs", "0", "--", "true")
    assert zero.returncode == 2 and "--runs" in zero.stderr
