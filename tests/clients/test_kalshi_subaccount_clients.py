"""An account's details through the real clients, unmodified from PyPI in their own venvs, over real HTTP: the
official SDKs (sync and async 3.34.0) and kalshi-sdk 22.4.0 call PortfolioApi's six subaccount operations, the three
intra-exchange-instance transfer operations (kalshi-sdk from its perps client, the only one it sends the transfer from)
and the target balance allocation pair. Each answer is compared with what was seeded and with the ledger after the
writes: balances moved, the transfer listed once though sent twice, netting changed, the allocation replaced; the
refusals (a reused client_transfer_id with other terms 409, beyond the source's cash 400 `insufficient_balance`, a
reused instance transfer id 409, a 64th subaccount 400) raised as the client's own exceptions. 3.2.0 has none of these
operations (tests/clients/test_client_dialects.py checks that it has not). The scene and its checks:
mockexchange/contract/clients/scenes/subaccounts.py (the client matrix's `subaccounts` column runs the same)."""

from __future__ import annotations

import pytest

from mockexchange.contract.clients.scenes.scene import problems
from mockexchange.contract.clients.scenes.subaccounts import SUBACCOUNTS

pytestmark = [pytest.mark.clients, pytest.mark.slow]  # slow: conftest.py


@pytest.mark.parametrize("client", ["kalshi-python-sync", "kalshi-python-async", "kalshi-sdk"])
def test_the_client_manages_subaccounts_and_transfers_as_seeded(played, client: str) -> None:
    found = played(SUBACCOUNTS, client)
    assert problems(found) == {}
    assert list(found) == [check.name for check in SUBACCOUNTS.checks]
