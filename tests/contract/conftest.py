"""What the kit's tests that run `contract check` share: a key file of the seeded account's key, and the mocks a
test started (stopped after it)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mockexchange.contract.kalshi.account import private_key_pem_text
from mockexchange.server import MockServer


@pytest.fixture(scope="module")
def pem(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("keys") / "contract.pem"
    path.write_text(private_key_pem_text())
    return path


@pytest.fixture
def started() -> Iterator[list[MockServer]]:
    servers: list[MockServer] = []
    yield servers
    for server in servers:
        server.stop()
