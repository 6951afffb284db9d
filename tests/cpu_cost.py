"""What each test costs in CPU, measured where it runs (in each pytest-xdist worker), and the suite's CPU budget.

A test's CPU is the user and system time of its process, every thread counted (a server a test runs in a thread
counts), plus that of the child processes it started and waited for (`serve`, the kit's commands, pytest in pytest),
from the start of its setup to the end of its teardown. Each phase's report carries its part in `user_properties`,
which xdist sends to the controller. A module-scoped fixture costs the test that set it up (in that test's setup) and
the one after which it is torn down (in that test's teardown); collecting, and starting the workers, cost no test.

The budget is written once, in README's test section: `budget_minutes()` reads it there. `scripts/test-cpu` passes
`--cpu-records=FILE`: at the end of the run the controller writes there each test's CPU, wall time and `slow` mark,
which part of the suite ran and that part's budget, for the script to print with the run's whole CPU.
"""

from __future__ import annotations

import json
import re
import resource
import time
from pathlib import Path

import pytest

CPU_PROPERTY = "cpu_s"  # the name a report's user_properties give a phase's CPU, in seconds
README = Path(__file__).resolve().parent.parent / "README.md"
# README's sentence, read with its line breaks as spaces.
BUDGET_SENTENCE = re.compile(r"the whole run at most (\d+) CPU-minutes and the fast subset at most (\d+)")
FAST_SUBSET = "not slow"  # the -m expression of the inner loop's subset (tests/conftest.py)

_MARK = pytest.StashKey[float]()
_SPENT: dict[str, dict[str, object]] = {}  # a test's name -> its CPU, wall time and mark, summed over its phases


def cpu_now() -> float:
    """This process's CPU and its waited-for children's, in seconds."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def cpu_of(report: pytest.TestReport) -> float:
    """The CPU a phase's report carries (none when this plugin did not measure it)."""
    return dict(report.user_properties).get(CPU_PROPERTY, 0.0)


def name_of(report: pytest.TestReport) -> str:
    """A test's node id, and the operation of a schemathesis test: its tests of one function share their node id."""
    name = report.location[2]
    if "[" in name and not report.nodeid.endswith("]"):
        return report.nodeid + name[name.index("[") :]
    return report.nodeid


def budget_minutes(readme: Path = README) -> dict[str, int]:
    """The budget README's test section states, in CPU-minutes: of the whole run and of the fast subset."""
    found = BUDGET_SENTENCE.search(" ".join(readme.read_text(encoding="utf-8").split()))
    if found is None:
        raise LookupError(f"{readme.name} no longer says {BUDGET_SENTENCE.pattern!r}")
    return {"whole": int(found[1]), "fast": int(found[2])}


def part_run(config: pytest.Config) -> str | None:
    """Which budgeted part of the suite this run is: `whole`, `fast`, or None (files named, -k, another -m)."""
    if config.args_source != pytest.Config.ArgsSource.TESTPATHS or config.option.keyword:
        return None
    return {"": "whole", FAST_SUBSET: "fast"}.get(" ".join(config.option.markexpr.split()))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--cpu-records", metavar="FILE", help="write each test's CPU there (scripts/test-cpu reads it)")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> object:
    item.stash[_MARK] = cpu_now()
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> pytest.TestReport:
    report = yield
    now = cpu_now()  # a phase's CPU: since the end of the one before it
    report.user_properties.append((CPU_PROPERTY, now - item.stash.get(_MARK, now)))
    item.stash[_MARK] = now
    return report


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    spent = _SPENT.setdefault(name_of(report), {"cpu_s": 0.0, "wall_s": 0.0, "slow": "slow" in report.keywords})
    spent["cpu_s"] += cpu_of(report)
    spent["wall_s"] += report.duration


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    where = session.config.getoption("cpu_records")
    if not where or hasattr(session.config, "workerinput"):  # the controller writes, for every worker
        return
    part = part_run(session.config)
    records = {
        "part": part,
        "budget_min": budget_minutes()[part] if part else None,
        "tests": [{"nodeid": nodeid, **spent} for nodeid, spent in _SPENT.items()],
    }
    Path(where).write_text(json.dumps(records, indent=1), encoding="utf-8")
