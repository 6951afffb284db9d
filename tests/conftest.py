"""The suite's pace: the inner loop's subset stays fast, and the long tests start first (the Hypothesis profiles are
in the root conftest.py).

A test that takes over a second on its own (it starts a `serve` process or a kit command, runs a real client, drives a
browser, builds a wheel, or runs many random examples) is marked `slow`, by module (`pytestmark`) or by test.
`scripts/test -m "not slow"` runs the rest: the inner loop's subset. So that it stays fast as the suite grows, a run
names, at its end, each test outside `slow` that took longer than `FAST_LIMIT_S` (setup, call and teardown together):
mark it, or make it faster.

Under pytest-xdist the slow tests are handed out first: the long ones start at once and the short ones fill the gaps,
instead of a long one starting last and running alone at the end.
"""

from __future__ import annotations

from collections import defaultdict

import pytest

# A second of a test's own reads about two under scripts/test (more workers than cores): the limit is read that way.
FAST_LIMIT_S = 2.0

_DURATIONS: defaultdict[str, float] = defaultdict(float)
_UNMARKED: set[str] = set()


@pytest.hookimpl(trylast=True)  # after pytest has grouped the tests by their fixtures
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # A stable sort, by module: a module holding a slow test goes first, whole, so its module fixtures are made once.
    slow_modules = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow_modules)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    # Under xdist this runs in the controlling process, for the reports every worker sends; `keywords` holds the marks.
    if "slow" not in report.keywords:
        _UNMARKED.add(report.nodeid)
        _DURATIONS[report.nodeid] += report.duration


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    over = sorted(((_DURATIONS[n], n) for n in _UNMARKED if _DURATIONS[n] > FAST_LIMIT_S), reverse=True)
    if over:
        terminalreporter.section("tests over the fast subset's limit: mark them slow or make them faster")
        for seconds, nodeid in over:
            terminalreporter.write_line(f"{seconds:6.2f}s  {nodeid}  (not marked slow; the limit is {FAST_LIMIT_S:g}s)")
