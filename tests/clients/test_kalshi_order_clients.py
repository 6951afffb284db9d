"""Kalshi's v2 order API through the real clients, unmodified from PyPI in their own venvs, over real HTTP: the official
SDKs (sync and async 3.34.0, OrdersApi, the body as keyword arguments) and kalshi-sdk 22.4.0 (`orders.*_v2`, the body
as its request models) place a crossing order, a resting one, an unnamed immediate-or-cancel one and a batch; amend,
decrease, cancel (twice: 404) and batch-cancel seeded orders; read their orders (walked by cursor), one order, the
queue positions and the balance. Each value is compared with figures worked out by hand (the fills at the resting
prices, their fees, what each resting order holds, the balance after) and with the ledger: mockexchange/contract/
clients/scenes/orders.py (the client matrix's `orders` column runs the same). The 3.2.0 SDK's orders are the legacy
routes' (tests/clients/test_legacy_orders_client.py).

kalshi-sdk, the one with a websocket client, also follows its orders on `user_orders` (the official packages have
none): each change of the trader's orders arrives as one typed UserOrdersMessage equal to the ledger's order and book
(mockexchange/contract/clients/user_orders_ws.py; the matrix's `orders` cell of kalshi-sdk runs it too)."""

from __future__ import annotations

import pytest

from mockexchange.contract.clients.libraries import KALSHI_SDK
from mockexchange.contract.clients.scenes.orders import ORDERS
from mockexchange.contract.clients.scenes.scene import noted, problems
from mockexchange.contract.clients.user_orders_ws import CHANGES, user_orders_verdict

pytestmark = [pytest.mark.clients, pytest.mark.slow]  # slow: conftest.py

EVERY = [check.name for check in ORDERS.checks]
# kalshi-sdk's CreateOrderV2Request requires client_order_id (the spec makes it optional): a finding
UNNAMED = "unnamed raises ValidationError"


@pytest.mark.parametrize(
    ("client", "findings"),
    [("kalshi-python-sync", []), ("kalshi-python-async", []), ("kalshi-sdk", [UNNAMED])],
)
def test_the_client_trades_and_reads_its_orders_as_the_ledger_has_them(played, client: str, findings: list) -> None:
    found = played(ORDERS, client)
    assert (problems(found), list(found)) == ({}, EVERY)
    # what raised inside the client, as the cell's reason says it: exactly the known findings
    assert [note.split(":")[0] for note in noted(found) if " raises " in note] == findings, noted(found)


def test_kalshi_sdk_follows_its_orders_on_user_orders(client_venvs, tmp_path) -> None:
    judged = user_orders_verdict(client_venvs[KALSHI_SDK.name], tmp_path)
    assert judged.passed, judged.reason
    assert f"subscribe_user_orders(): {len(CHANGES)} UserOrdersMessage (" in judged.reason
