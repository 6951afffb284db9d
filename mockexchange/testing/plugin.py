"""The pytest plugin (registered through the `pytest11` entry point when mockexchange is installed).

Fixtures:
- `mockexchange`: a running `MockServer` on a free 127.0.0.1 port, fresh for each test, stopped after it.
  Settings come from `@pytest.mark.mockexchange(profile="legacy", ...)` (any `Settings` field) or the command line
  option `--mockexchange-profile`. `@pytest.mark.mockexchange(scenario="fixtures/fed-decision.yaml")` serves that
  scenario (a path relative to the rootdir) on a ManualClock, its timeline run to the end unless `scenario_run=False`.
- `mockexchange_scenario`: the marked scenario's load result: its status and `keys` (each generated key's
  `private_key_pem` and `private_key_path`).
- `kalshi_user`: an account with a balance and an RSA key on that mock; `.client` is an httpx client whose requests are
  signed, `.pem_path` a file holding the private key for clients that want a path.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from mockexchange.core.clock import ManualClock
from mockexchange.scenario.schema import load_file
from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiAuth, KalshiSigner


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mockexchange")
    group.addoption("--mockexchange-profile", default=None, help="Kalshi wire profile of the `mockexchange` fixture")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "mockexchange(scenario=None, scenario_run=True, **settings): settings of the `mockexchange` fixture's server, "
        "and a scenario file to load into it",
    )


_SCENARIO = pytest.StashKey[dict]()


@dataclass
class KalshiUser:
    user_id: str
    key_id: str
    private_key_pem: str
    pem_path: Path
    signer: KalshiSigner
    client: httpx.Client


@pytest.fixture
def mockexchange(request: pytest.FixtureRequest) -> Iterator[MockServer]:
    settings: dict = {}
    option = request.config.getoption("--mockexchange-profile")
    if option:
        settings["profile"] = option
    for marker in reversed(list(request.node.iter_markers("mockexchange"))):
        settings.update(marker.kwargs)
    scenario_path = settings.pop("scenario", None)
    run = settings.pop("scenario_run", True)
    if scenario_path is None:
        with MockServer(**settings) as server:
            yield server
        return
    path = Path(scenario_path)
    scenario = load_file(path if path.is_absolute() else request.config.rootpath / path)
    if "profile" not in settings and scenario.profile is not None:
        settings["profile"] = scenario.profile
    with MockServer(clock=ManualClock(scenario.start), **settings) as server:
        key_dir = request.getfixturevalue("tmp_path") / "mockexchange-keys"
        request.node.stash[_SCENARIO] = server.app.scenarios.load(scenario, run=run, key_dir=key_dir)
        yield server


@pytest.fixture
def mockexchange_scenario(mockexchange: MockServer, request: pytest.FixtureRequest) -> dict:
    result = request.node.stash.get(_SCENARIO, None)
    if result is None:
        pytest.fail('mockexchange_scenario needs @pytest.mark.mockexchange(scenario="path/to/scenario.yaml")')
    return result


@pytest.fixture
def kalshi_user(mockexchange: MockServer, tmp_path: Path) -> Iterator[KalshiUser]:
    user_id = "user-1"
    mockexchange.create_account(user_id, balance_cents=1_000_000)
    key = mockexchange.create_key(user_id)
    pem_path = tmp_path / "kalshi-key.pem"
    pem_path.write_text(key["private_key_pem"])
    signer = KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])
    with httpx.Client(base_url=mockexchange.kalshi_url, auth=KalshiAuth(signer), timeout=10) as client:
        yield KalshiUser(user_id, key["key_id"], key["private_key_pem"], pem_path, signer, client)
