"""An FCM member's desk through the real clients, unmodified from PyPI in their own venvs, over real HTTP: the
official SDKs (sync and async 3.34.0) and kalshi-sdk 22.4.0 call every FcmApi operation but GetFCMPositions (the
matrix's `fcm` column reads that): subtraders, the daily cap and blocked categories read, fills and orders walked, each
equal to what was seeded; a subtrader made, the cap set (and read back) and deleted (then a 404), a category blocked,
a position moved to the error account, each seen in the ledger; a subtrader's key refused (403). 3.2.0 has only
`get_fcm_orders` of the desk: against the legacy profile its integer fields must equal the ledger's. The scene and its
checks: mockexchange/contract/clients/scenes/fcm_desk.py (the client matrix's `fcm-desk` column runs the same)."""

from __future__ import annotations

import pytest

from mockexchange.contract.clients.scenes.fcm_desk import FCM_DESK
from mockexchange.contract.clients.scenes.scene import problems

pytestmark = [pytest.mark.clients, pytest.mark.slow]  # slow: conftest.py

EVERY = [check.name for check in FCM_DESK.checks]


@pytest.mark.parametrize(
    ("client", "checks"),
    [
        ("kalshi-python-sync", EVERY),
        ("kalshi-python-async", EVERY),
        ("kalshi-sdk", EVERY),
        ("kalshi-python-sync-3.2.0", ["orders"]),
    ],
)
def test_the_client_works_the_desk_as_seeded(played, client: str, checks: list[str]) -> None:
    found = played(FCM_DESK, client)
    assert problems(found) == {}
    assert list(found) == checks
