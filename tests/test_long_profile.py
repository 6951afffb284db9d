"""The long Hypothesis profile (docs/testing.md, "Random tests") runs each test's own examples ten times over: a
`@given` test's, whose settings are on its function, and a state machine's TestCase's, whose settings are on its class
(a run of the whole suite under it once stopped at collection on the first such TestCase)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule

ROOT_CONFTEST = Path(__file__).resolve().parent.parent / "conftest.py"


class _Counting(RuleBasedStateMachine):
    @rule()
    def step(self) -> None:
        pass


def _root_conftest(config: pytest.Config):
    (found,) = [p for p in config.pluginmanager.get_plugins() if getattr(p, "__file__", None) == str(ROOT_CONFTEST)]
    return found


@pytest.mark.parametrize("profile", ["long", "repeatable"])
def test_the_long_profile_scales_a_given_tests_and_a_state_machines_examples(request, profile):
    @settings(max_examples=3)
    @given(st.integers())
    def drawn(n: int) -> None:
        pass

    case = _Counting.TestCase  # (made once a machine: a class of its own, its settings set here as a test module does)
    case.settings = settings(max_examples=2, stateful_step_count=5)
    items = [SimpleNamespace(obj=drawn, cls=None), SimpleNamespace(obj=case("runTest").runTest, cls=case)]
    items.append(SimpleNamespace(obj=drawn, cls=None))  # a parametrized test's second item: scaled once
    config = SimpleNamespace(getoption=lambda name, default=None: profile)

    _root_conftest(request.config).pytest_collection_modifyitems(config, items)

    factor = 10 if profile == "long" else 1
    assert drawn._hypothesis_internal_use_settings.max_examples == 3 * factor
    assert case.settings.max_examples == 2 * factor and case.settings.stateful_step_count == 5
