"""How the random invariant sequences run (the Kalshi orders', the perps exchange's): CI's draws are repeatable and
must meet each outcome the test names, or they prove little; the long profile draws ten times the sequences from a
new seed. `MOCKEXCHANGE_INVARIANT_SHRINK=0` reports a failure as drawn, without the minutes Hypothesis may spend
shrinking a long sequence (for a hunt; CI shrinks)."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterable

from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import RuleBasedStateMachine, run_state_machine_as_test

STEPS = int(os.environ.get("MOCKEXCHANGE_INVARIANT_STEPS", "30"))
SHRINK = os.environ.get("MOCKEXCHANGE_INVARIANT_SHRINK", "1") != "0"


def run_sequences(
    machine: Callable[[], RuleBasedStateMachine], examples: int, met: Counter[str], must_meet: Iterable[str],
    seen: Callable[[], str] = str,
) -> None:  # fmt: skip
    """Run `examples` sequences of `machine` (`MOCKEXCHANGE_INVARIANT_EXAMPLES` instead, where set); on CI's
    repeatable draws, each outcome of `must_meet` must be in `met` (a miss shows `met` and what `seen` tells)."""
    examples = int(os.environ.get("MOCKEXCHANGE_INVARIANT_EXAMPLES", str(examples)))
    phases = {} if SHRINK else {"phases": [Phase.explicit, Phase.reuse, Phase.generate]}
    run_state_machine_as_test(
        machine,
        settings=settings(max_examples=examples * (10 if settings.get_current_profile_name() == "long" else 1),
                          stateful_step_count=STEPS, deadline=None, **phases,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]),
    )  # fmt: skip
    if not settings.default.derandomize:
        return  # a random run's draws need not meet each outcome; CI's repeatable ones do
    for outcome in must_meet:
        assert met[outcome], f"{outcome} never happened: {sorted(met.items())} {seen()}"
