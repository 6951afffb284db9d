"""schemathesis fuzzing the admin API over real HTTP from its OpenAPI document (test_hostile_admin_fuzz.py holds the
document to the routes): no server error, every status and body as documented. Schemas are bound when tests are
collected (schemathesis' pytest integration is used without fixtures under pytest 9), so the document is the one read
from an in-process app there; the cases go to a MockServer."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
import schemathesis
from fuzz_session import session  # noqa: F401 (a fixture)
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from test_hostile_admin_fuzz import DOCUMENT, documented

from mockexchange.core.clock import ManualClock
from mockexchange.server import MockServer

pytestmark = pytest.mark.slow  # conftest.py: outside the inner loop's subset

SCHEMA = schemathesis.openapi.from_dict(DOCUMENT)
SCHEMA.config.update(base_url="http://127.0.0.1:9")  # each case is sent to the module's MockServer instead
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# 20 drawn cases an operation, beside the coverage phase's cases of every boundary and wrong kind: 40 reached 12
# lines of the package more (of 28,078 that the hostile admin tests reach together, measured with coverage) for
# twice the CPU.
FUZZ = settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
FUZZED: Counter[str] = Counter()  # cases sent, per operation, reported at the end of the module


@pytest.fixture(scope="module")
def http_mock(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[MockServer]:
    root = tmp_path_factory.mktemp("admin-fuzz")
    (root / "scenarios").mkdir()
    with MockServer(clock=ManualClock(), scenario_dirs=(str(root / "scenarios"),), key_dirs=(str(root / "keys"),)) as m:
        yield m
        m.reset()  # stops a timeline the fuzzing set playing
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and FUZZED:
        # Schemathesis also probes each path once with methods it does not document (405 is their answer).
        ours = {f"{method} {path}": FUZZED[f"{method} {path}"] for method, path in sorted(documented())}
        probes = sum(FUZZED.values()) - sum(ours.values())
        counts = ", ".join(f"{name} {n}" for name, n in ours.items())
        total = sum(ours.values())
        reporter.write_line(
            f"admin API fuzzing: {total} cases over {len(ours)} operations, {probes} method probes: {counts}"
        )


@SCHEMA.parametrize()
@FUZZ
def test_fuzz_the_admin_api_over_http(case, http_mock, session):  # noqa: F811
    FUZZED[f"{case.method} {case.path}"] += 1
    response = case.call(base_url=http_mock.base_url, session=session, timeout=30)
    case.validate_response(response, checks=CHECKS)
