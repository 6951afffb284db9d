"""The pytest plugin (registered through the `pytest11` entry point when mockexchange is installed).

Fixtures:
- `mockexchange`: a running `MockServer` on a free 127.0.0.1 port, fresh for each test, stopped after it.
  Settings come from `@pytest.mark.mockexchange(profile="legacy", ...)` (any `Settings` field) or the command line
  option `--mockexchange-profile`.
- `kalshi_user`: an account with a balance and an RSA key on that mock; `.client` is an httpx client whose requests are
  signed, `.pem_path` a file holding the private key for clients that want a path.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiAuth, KalshiSigner


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mockexchange")
    group.addoption("--mockexchange-profile", default=None, help="Kalshi wire profile of the `mockexchange` fixture")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "mockexchange(**settings): settings of the `mockexchange` fixture's server")


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
    with MockServer(**settings) as server:
        yield server


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
