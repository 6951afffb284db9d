"""The pytest plugin under pytest-xdist: each worker runs its own mocks on their own ports, with their own key files,
and a suite that passes alone passes under `-n 2` (two workers, each with a mock of its own serving at once)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from user_suite import run_user_suite

pytestmark = pytest.mark.slow  # conftest.py: outside the inner loop's subset

pytest_plugins = ["pytester"]

WORKERS = 2
TESTS = 8

# Each test records its worker, its mock's port and its key file. The first test on each worker also waits until
# every worker has a mock up, so the workers' mocks are known to serve at the same time when their ports are compared.
USER_SUITE = f"""
import json, os, time
from pathlib import Path

import pytest

import pytest

RECORDS = Path(os.environ["XDIST_RECORDS"])


def wait_for_every_worker(worker_id, port):
    first = RECORDS / f"up-{{worker_id}}.json"
    if not first.exists():
        first.write_text(json.dumps({{"worker": worker_id, "port": port}}))
    deadline = time.monotonic() + 60
    while len(list(RECORDS.glob("up-*.json"))) < {WORKERS}:
        assert time.monotonic() < deadline, "the workers' mocks never served at the same time"
        time.sleep(0.05)


@pytest.mark.parametrize("n", range({TESTS}))
def test_its_own_mock(n, mockexchange, kalshi_user, worker_id):
    wait_for_every_worker(worker_id, mockexchange.port)
    # the signed client reaches this test's mock, which knows this test's key and nothing of the other tests
    assert kalshi_user.client.base_url.port == mockexchange.port
    assert kalshi_user.client.get("/portfolio/balance").json()["balance"] == 1_000_000
    mockexchange.create_account(f"only-{{n}}")
    assert sorted(mockexchange.ledger.state.accounts) == [f"only-{{n}}", "user-1"]
    record = {{"test": n, "worker": worker_id, "port": mockexchange.port, "pem": str(kalshi_user.pem_path),
              "key_id": kalshi_user.key_id}}
    (RECORDS / f"test-{{n}}.json").write_text(json.dumps(record))
"""


def test_each_xdist_worker_has_its_own_mock_and_keys(pytester, tmp_path, monkeypatch):
    records = tmp_path / "records"
    records.mkdir()
    monkeypatch.setenv("XDIST_RECORDS", str(records))
    pytester.makepyfile(test_user_suite=USER_SUITE)
    result = run_user_suite(pytester, "-n", str(WORKERS))
    result.assert_outcomes(passed=TESTS)
    tests = [json.loads(p.read_text()) for p in sorted(records.glob("test-*.json"))]
    first = [json.loads(p.read_text()) for p in sorted(records.glob("up-*.json"))]
    assert len(tests) == TESTS
    assert {t["worker"] for t in tests} == {f"gw{i}" for i in range(WORKERS)}
    assert len({f["port"] for f in first}) == WORKERS, f"mocks serving at the same time share a port: {first}"
    assert len({t["pem"] for t in tests}) == TESTS and all(Path(t["pem"]).is_file() for t in tests)
    assert len({t["key_id"] for t in tests}) == TESTS
