"""The benchmarks are not run in CI (their numbers are reported, not asserted), but they must keep working against
the code they measure: each script imports the mock and answers --help. Each is run as `__main__` in this process
(an interpreter apiece cost a second of CPU for the same imports); one runs in an interpreter of its own, as a
reader runs them, with the script's folder on its path as Python puts it there."""

from __future__ import annotations

import runpy
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
# A script runs as `__main__`; the rest are its parts (benchlib.py, ws_latency_server.py, ...), imported by scripts.
SCRIPTS = sorted(p.name for p in BENCH.glob("*.py") if 'if __name__ == "__main__":' in p.read_text())


@pytest.mark.parametrize("script", SCRIPTS)
def test_bench_script_runs_help(script, monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", [str(BENCH / script), "--help"])
    monkeypatch.setattr(sys, "path", [str(BENCH), *sys.path])  # as Python does for a script it runs
    with pytest.raises(SystemExit) as done:
        runpy.run_path(str(BENCH / script), run_name="__main__")
    out = capsys.readouterr()
    assert done.value.code in (0, None), out.err
    assert "usage" in out.out.lower()


def test_a_bench_script_answers_help_in_its_own_interpreter():
    script = BENCH / "route_instructions.py"  # imports benchlib and route_cost, its neighbours, by their bare names
    done = subprocess.run([sys.executable, str(script), "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "usage" in done.stdout.lower()
