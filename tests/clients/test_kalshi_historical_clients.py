"""Kalshi's historical API through the real clients, unmodified from PyPI in their own venvs, over real HTTP: the
official SDKs (sync and async 3.34.0) and kalshi-sdk 22.4.0 read GetHistoricalCutoff, GetHistoricalPositions,
GetFillsHistorical and GetHistoricalOrders, each walked by cursor at a small limit, once a cutoff has moved fills, the
positions of a settled event and ended orders there; and the live fills and settled positions beside them, which must
hold exactly the rest (an event stays live, whole, while one of its markets settled after the cutoff). 3.2.0 has no
historical API, nor has the legacy profile. The scene and its checks: mockexchange/contract/clients/scenes/historical.py
(the client matrix's `historical` column runs the same)."""

from __future__ import annotations

import pytest

from mockexchange.contract.clients.scenes.historical import HISTORICAL
from mockexchange.contract.clients.scenes.scene import problems

pytestmark = [pytest.mark.clients, pytest.mark.slow]  # slow: conftest.py


@pytest.mark.parametrize("client", ["kalshi-python-sync", "kalshi-python-async", "kalshi-sdk"])
def test_the_client_reads_what_the_cutoff_moved_and_the_live_reads_the_rest(played, client: str) -> None:
    found = played(HISTORICAL, client)
    assert problems(found) == {}
    assert list(found) == [check.name for check in HISTORICAL.checks]
