"""Kalshi's AccountApi and ApiKeysApi through the real clients, unmodified from PyPI in their own venvs, over real HTTP:
the official SDKs (sync and async 3.34.0) and kalshi-sdk 22.4.0 call all eight operations; 3.2.0, against the legacy
profile, the four key operations it has. Each answer parsed by the client's models is compared with what was seeded
and with the registry behind the mock: the tier's figures, the grants, the costs table, the fills' volume, the keys
made (Ed25519 and RSA), uploaded, deleted (then a 404) and listed. The scene and its checks:
mockexchange/contract/clients/scenes/account.py (the client matrix's `account` column runs the same)."""

from __future__ import annotations

import pytest

from mockexchange.contract.clients.scenes.account import ACCOUNT
from mockexchange.contract.clients.scenes.scene import problems

pytestmark = [pytest.mark.clients, pytest.mark.slow]  # slow: conftest.py

EVERY = [check.name for check in ACCOUNT.checks]
KEYS = ["keys made", "a key deleted", "keys listed"]  # 3.2.0 has no AccountApi


@pytest.mark.parametrize(
    ("client", "checks"),
    [
        ("kalshi-python-sync", EVERY),
        ("kalshi-python-async", EVERY),
        ("kalshi-sdk", EVERY),
        ("kalshi-python-sync-3.2.0", KEYS),
    ],
)
def test_the_client_reads_the_account_and_manages_its_keys_as_seeded(played, client: str, checks: list[str]) -> None:
    found = played(ACCOUNT, client)
    assert problems(found) == {}
    assert list(found) == checks
