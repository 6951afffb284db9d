"""scripts/mutation's report: mutmut's verdicts counted per module (a mutant's name starts with its module), killed
and hung mutants caught, survivors and untested ones not, each module's share against 90%, and the exit status that
says whether every module kept it."""

from __future__ import annotations

import importlib.machinery
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def script():
    loader = importlib.machinery.SourceFileLoader("mutation_script", str(ROOT / "scripts" / "mutation"))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader(loader.name, loader))
    loader.exec_module(module)
    return module


def verdicts(module: str, function: str, **counts: int) -> list[tuple[str, str]]:
    found = []
    for status, n in counts.items():
        found += [(f"{module}.{function}__mutmut_{len(found) + i}", status.replace("_", " ")) for i in range(n)]
    return found


def test_each_module_is_counted_apart_and_its_share_printed(script, capsys):
    found = verdicts("mockexchange.core.money", "x_to_cents", killed=9, survived=1)
    found += verdicts("mockexchange.core.kalshi.fees", "xǁFeesǁtaker", killed=8, timeout=1, no_tests=1)
    assert script.report(found, survivors=True) is True
    lines = capsys.readouterr().out.splitlines()
    fees = next(line for line in lines if line.startswith("mockexchange.core.kalshi.fees "))
    money = next(line for line in lines if line.startswith("mockexchange.core.money "))
    assert fees.split()[1:4] == ["10", "9", "90.0%"]  # a hung mutant is caught; an untested one is not
    assert money.split()[1:4] == ["10", "9", "90.0%"]
    assert "    mockexchange.core.money.x_to_cents__mutmut_9: survived" in lines


def test_a_module_under_nine_in_ten_fails_the_run(script, capsys):
    found = verdicts("mockexchange.auth.redact", "x_redact", killed=8, survived=1, no_tests=1)
    found += verdicts("mockexchange.core.book", "x_cross", killed=10)
    assert script.report(found, survivors=False) is False
    assert "80.0%  1 no tests, 1 survived" in capsys.readouterr().out
