"""The CPU report (scripts/test-cpu, tests/cpu_cost.py): a test's CPU is counted where it is spent (its call, its
setup's module fixture, a child process it waits for), travels from the xdist workers to the records, and the most
expensive tests are listed first; the budget is read from README, and a run is held to it only when it is the whole
suite or the fast subset."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import io
import json
import sys
from pathlib import Path

import pytest

from tests.cpu_cost import README, budget_minutes, name_of, part_run

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
BURN_S = 0.2
IDLE_WALL_S = 0.5

TINY_SUITE = f"""
import subprocess, sys, time

import pytest

BURN = "import time\\nstart = time.process_time()\\nwhile time.process_time() - start < {BURN_S}: pass"


@pytest.fixture(scope="module")
def costly():
    exec(BURN)


def test_idle():
    pass


def test_spends_wall_time_not_cpu():
    time.sleep({IDLE_WALL_S})  # what is measured here is time spent waiting: the list is by CPU, not by wall time


def test_burns_in_its_call():
    exec(BURN)


def test_burns_in_a_child_process():
    subprocess.run([sys.executable, "-c", BURN], check=True)


def test_sets_up_a_costly_module_fixture(costly):
    pass
"""


def load_script():
    loader = importlib.machinery.SourceFileLoader("test_cpu_script", str(ROOT / "scripts" / "test-cpu"))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader(loader.name, loader))
    loader.exec_module(module)
    return module


@pytest.mark.slow  # pytest with two workers, in a child process
def test_the_costliest_tests_are_listed_first_wherever_they_spent_it(pytester, monkeypatch):
    script = load_script()
    pytester.makepyfile(test_tiny=TINY_SUITE)
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")  # only what the run needs: xdist and the plugin
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "xdist",
        "-p",
        "tests.cpu_cost",
        "-n",
        "2",
        "-p",
        "no:cacheprovider",
    ]
    records_path = pytester.path / "records.json"
    status, total_s = script.measure(command, records_path, cwd=pytester.path)
    assert status == 0
    records = json.loads(records_path.read_text())
    assert records["part"] is None and records["budget_min"] is None  # a file named: no budget
    out = io.StringIO()
    assert script.report(records, total_s, out)
    listed = [line.split() for line in out.getvalue().splitlines() if "test_tiny.py::" in line]
    names = [nodeid.partition("::")[2] for _, _, nodeid in listed]
    assert sorted(names[3:]) == ["test_idle", "test_spends_wall_time_not_cpu"] and sorted(names[:3]) == [
        "test_burns_in_a_child_process",
        "test_burns_in_its_call",
        "test_sets_up_a_costly_module_fixture",
    ], out.getvalue()
    costs = [float(cpu) for cpu, _, _ in listed]
    assert min(costs[:3]) >= BURN_S > max(costs[3:]), out.getvalue()
    assert total_s >= sum(costs), "the whole run costs at least what its tests do"


@pytest.mark.parametrize(
    ("nodeid", "domain", "name"),
    [
        # schemathesis' tests of one function share its node id: each is its operation's
        ("t.py::test_fuzz", "test_fuzz[POST /_admin/fill]", "t.py::test_fuzz[POST /_admin/fill]"),
        ("t.py::test_it[a]", "test_it[a]", "t.py::test_it[a]"),
        ("t.py::Case::test_it[a]", "Case.test_it[a]", "t.py::Case::test_it[a]"),
        ("t.py::test_it", "test_it", "t.py::test_it"),
    ],
)
def test_a_test_is_named_by_its_node_id_and_a_schemathesis_operation(nodeid, domain, name):
    report = pytest.TestReport(nodeid, ("t.py", 1, domain), {}, "passed", None, "call")
    assert name_of(report) == name


def test_readme_states_the_budget_the_report_holds_runs_to():
    budget = budget_minutes()
    assert 0 < budget["fast"] < budget["whole"], f"{README.name}'s test section: {budget}"


def test_a_readme_without_the_budget_is_named(tmp_path):
    (tmp_path / "README.md").write_text("the whole run at most 14 CPU-minutes, the fast subset at most 3\n")
    with pytest.raises(LookupError, match="README.md no longer says"):
        budget_minutes(tmp_path / "README.md")


@pytest.mark.parametrize(
    ("args", "part"),
    [
        ((), "whole"),
        (("-m", "not slow"), "fast"),
        (("-m", " not   slow "), "fast"),
        (("-m", "slow"), None),
        (("-k", "journal"), None),
        (("test_one.py",), None),
    ],
)
def test_only_the_whole_suite_or_the_fast_subset_has_a_budget(pytester, args, part):
    pytester.makeini("[pytest]\ntestpaths = .\nmarkers = slow\n")
    pytester.makepyfile(test_one="def test_it(): pass\n")
    assert part_run(pytester.parseconfig(*args)) == part
