"""The schema suite against the mock in-process (ASGI): every sliced operation that only reads (the writes,
`KALSHI_WRITES`, run as `contract check` runs them: only when named; their own tests hold them), positive and negative
data drawn (the coverage phase's cases are not made here), every schemathesis check plus the cursor walk; and
stateful runs that follow next-page links. Over real HTTP the same reads are sent by `contract check`'s own clean run
(tests/contract/test_check.py: every phase, the coverage phase's cases of every parameter included, every check and
the kit's own), so this suite does not make those cases again."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings

from mockexchange.app import build_app
from mockexchange.contract.kalshi import suite
from mockexchange.contract.kalshi.account import seed, seed_orders, signer, values
from mockexchange.contract.kalshi.slicing import KALSHI_OPERATIONS, KALSHI_WRITES

pytestmark = pytest.mark.slow  # conftest.py: outside the inner loop's subset

# Schemas are bound when tests are collected, so the in-process mock is built here.
IN_PROCESS = build_app()
seed(IN_PROCESS.control)
ORDERS = seed_orders(IN_PROCESS.control)  # orders for GetOrder and the queue positions to name (by their drawn ids)
READS = [operation for operation in KALSHI_OPERATIONS if operation not in KALSHI_WRITES]
in_process = suite.load_schema(signer(), app=IN_PROCESS.asgi, account=values(**ORDERS), operations=READS)
# The coverage phase's cases (each boundary and wrong kind of every parameter) go over real HTTP in `contract check`'s
# own clean run, judged by the same suite's checks (tests/contract/test_check.py); made here again they cost half this
# module's CPU for the same cases.
in_process.config.phases.coverage.enabled = False

# 15 drawn cases per operation in-process, where the answers are judged: with the coverage phase's cases over HTTP
# (every boundary and wrong kind of each parameter, whatever the number) they reach each parameter's values and each
# answer's shapes (empty pages, cursors, filters that match nothing). 30 reached no line of the mock's more (measured
# with coverage over the package: 22,508 lines against 22,507, the few apart as often one way as the other).
SUITE = settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
# 25 walks of up to 6 steps, each from a drawn first page of a paginated read along its next-page links.
STATEFUL = settings(max_examples=25, stateful_step_count=6, deadline=None, suppress_health_check=list(HealthCheck))


@in_process.parametrize()
@SUITE
def test_in_process(case):
    case.call_and_validate()


def test_stateful_page_walks():
    in_process.as_state_machine().run(settings=STATEFUL)
