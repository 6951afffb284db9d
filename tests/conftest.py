"""The suite's pace: the inner loop's subset stays fast, and the long tests start first (the Hypothesis profiles are
in the root conftest.py).

A test that takes over a second on its own (it starts a `serve` process or a kit command, runs a real client, drives a
browser, builds a wheel, or runs many random examples) is marked `slow`, by module (`pytestmark`) or by test.
`scripts/test -m "not slow"` runs the rest: the inner loop's subset. So that it stays fast as the suite grows, a run
names, at its end, each test outside `slow` that took longer than `FAST_LIMIT_S` (setup, call and teardown together):
mark it, or make it faster.

It also names each test over its share of the CPU budget (README's test section; tests/cpu_cost.py measures each test's
CPU): a test outside `slow` over `FAST_CPU_LIMIT_S`, a second of CPU, which is what `slow` means but without the
machine's load in it; and any test over `SHARE_OF_BUDGET` of the whole run's budget, so that a new costly test is
found by its cost, whatever it is marked.

Under pytest-xdist the slow tests are handed out first: the long ones start at once and the short ones fill the gaps,
instead of a long one starting last and running alone at the end.
"""

from __future__ import annotations

from collections import defaultdict

import pytest

from tests.cpu_cost import budget_minutes, cpu_of, name_of

# A second of a test's own reads about two under scripts/test (more workers than cores): the limit is read that way.
FAST_LIMIT_S = 2.0

# A test's CPU is its time alone on a core, which a loaded machine does not stretch.
FAST_CPU_LIMIT_S = 1.0
# A hundredth of the whole run's budget (8.4 s of 14 minutes) is eight times what a slow test costs on average (about
# a second): one that costs that much has a cheaper way, or is the budget's to argue over, by name.
SHARE_OF_BUDGET = 0.01

_DURATIONS: defaultdict[str, float] = defaultdict(float)
_CPU: defaultdict[str, float] = defaultdict(float)
_UNMARKED: set[str] = set()


@pytest.hookimpl(trylast=True)  # after pytest has grouped the tests by their fixtures
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # A stable sort, by module: a module holding a slow test goes first, whole, so its module fixtures are made once.
    slow_modules = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow_modules)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    # Under xdist this runs in the controlling process, for the reports every worker sends; `keywords` holds the marks.
    name = name_of(report)  # a schemathesis operation's test is one of its own
    if "slow" not in report.keywords:
        _UNMARKED.add(name)
        _DURATIONS[name] += report.duration
    _CPU[name] += cpu_of(report)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    over = sorted(((_DURATIONS[n], n) for n in _UNMARKED if _DURATIONS[n] > FAST_LIMIT_S), reverse=True)
    if over:
        terminalreporter.section("tests over the fast subset's limit: mark them slow or make them faster")
        for seconds, nodeid in over:
            terminalreporter.write_line(f"{seconds:6.2f}s  {nodeid}  (not marked slow; the limit is {FAST_LIMIT_S:g}s)")
    share_s = budget_minutes()["whole"] * 60 * SHARE_OF_BUDGET
    shares = {nodeid: FAST_CPU_LIMIT_S if nodeid in _UNMARKED else share_s for nodeid in _CPU}
    costly = sorted(((_CPU[n], n) for n in _CPU if _CPU[n] > shares[n]), reverse=True)
    if costly:
        terminalreporter.section("tests over their share of the CPU budget: make them cheaper (or mark them slow)")
        for seconds, nodeid in costly:
            terminalreporter.write_line(f"{seconds:6.2f}s CPU  {nodeid}  (its share is {shares[nodeid]:g}s)")
