"""The schemathesis tests' coverage cases, made when the test first runs (tests/coverage_cases.py), are the cases
schemathesis makes when it collects the test, in the same order, and every one of them runs."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from schemathesis.generation.hypothesis import builder

from tests.coverage_cases import _add_coverage, add_coverage_when_run

pytest_plugins = ["pytester"]
pytestmark = pytest.mark.slow  # conftest.py: two pytest runs in this one, over a second of CPU

# A test of one operation that runs only the explicit examples (the coverage cases) and writes down each it ran.
USER_TESTS = """
from pathlib import Path

import schemathesis
from hypothesis import Phase, settings

SCHEMA = schemathesis.openapi.from_dict({
    "openapi": "3.0.3",
    "info": {"title": "t", "version": "1"},
    "paths": {"/items/{item_id}": {"get": {
        "parameters": [
            {"name": "item_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}},
            {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
            {"name": "status", "in": "query", "schema": {"type": "string", "enum": ["open", "closed"]}},
        ],
        "responses": {"200": {"description": "ok"}},
    }}},
})
SCHEMA.config.update(base_url="http://127.0.0.1:9")


@SCHEMA.parametrize()
@settings(phases=[Phase.explicit], database=None)
def test_items(case):
    with Path("ran.txt").open("a") as ran:
        ran.write(f"{case.method} {case.formatted_path} {sorted((case.query or {}).items())}\\n")
"""


def cases_run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, add_coverage: Callable) -> list[str]:
    monkeypatch.setattr(builder, "add_coverage", add_coverage)
    pytester.makepyfile(test_items=USER_TESTS)
    (pytester.path / "ran.txt").write_text("")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=1)
    return (pytester.path / "ran.txt").read_text().splitlines()


def test_the_cases_made_when_run_are_the_cases_made_when_collected_and_all_run(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    when_run = cases_run(pytester, monkeypatch, add_coverage_when_run)
    when_collected = cases_run(pytester, monkeypatch, _add_coverage)
    assert len(when_collected) > 10, when_collected  # boundaries and wrong kinds of each parameter
    assert when_run == when_collected
