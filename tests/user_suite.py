"""A user's test suite that a test runs through pytester in an interpreter of its own (as a user's pytest runs).

The venv's other pytest plugins (Hypothesis', schemathesis', faker's) are left out: a user's suite here uses none of
them, and loading them was half of each interpreter's start (pytest-xdist's workers take the same options)."""

from __future__ import annotations

import pytest

OPTIONS = ("-p", "no:cacheprovider", "-p", "no:hypothesispytest", "-p", "no:schemathesis", "-p", "no:faker")


def run_user_suite(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """`pytest ARGS` over the pytester's folder, in a child interpreter."""
    return pytester.runpytest_subprocess(*args, *OPTIONS)


def run_user_suite_here(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """The same in this process: for what the plugin's fixtures and markers do, which a child interpreter checks no
    better (tests/test_embedding.py and tests/test_xdist.py run users' suites in interpreters of their own)."""
    return pytester.runpytest_inprocess(*args, *OPTIONS)
