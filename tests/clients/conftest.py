"""Session fixtures for the real-client suites: the client venvs (built once, in parallel), one mock holding a
portfolio big enough to need many pages (see mockexchange/contract/clients/portfolio.py) and one holding the history
portfolio for the other portfolio endpoints (see mockexchange/contract/clients/history.py). The matrix's scenes
(mockexchange/contract/clients/scenes/) run in the matrix's own test.

Nothing here skips. A missing interpreter or a failed install fails the tests that need it, with the reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from mockexchange.contract.clients.history import HistorySeed, make_history
from mockexchange.contract.clients.libraries import CLIENTS, ClientEnvError, ensure_venv
from mockexchange.contract.clients.portfolio import PortfolioSeed, build_portfolio
from mockexchange.server import MockServer

SUITE_CLIENTS = tuple(CLIENTS.values())
# The checks of the matrix's ccxt plays (test_client_matrix.py runs them) fail naming the values, as a test's asserts.
pytest.register_assert_rewrite("ccxt_played")


@pytest.fixture(scope="session")
def client_venvs() -> dict[str, Path]:
    """Every client venv this suite uses, built once per session (concurrently when the cache is cold)."""
    with ThreadPoolExecutor(max_workers=len(SUITE_CLIENTS)) as pool:
        futures = {spec.name: pool.submit(ensure_venv, spec) for spec in SUITE_CLIENTS}
    venvs, failures = {}, []
    for name, future in futures.items():
        try:
            venvs[name] = future.result()
        except ClientEnvError as exc:
            failures.append(str(exc))
    if failures:
        pytest.fail("real-client venvs could not be built:\n\n" + "\n\n".join(failures), pytrace=False)
    return venvs


@pytest.fixture(scope="session")
def portfolio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PortfolioSeed]:
    with MockServer() as mock:
        yield build_portfolio(mock, tmp_path_factory.mktemp("client-keys"))


@pytest.fixture(scope="session")
def history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HistorySeed]:
    """The portfolio for balance, fills, settlements, deposits, withdrawals and resting order value (profile 3.34)."""
    built = make_history(tmp_path_factory.mktemp("history-keys"))
    try:
        yield built
    finally:
        built.mock.stop()
