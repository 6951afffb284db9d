"""What a client writes over Kalshi's REST (subaccounts, transfers, netting, instance transfers, the target balance
allocation) is kept by a state file: the venue runs each write as a control-plane command, so a restarted mock, from
its snapshot or from its commands alone, answers the same reads with the same bytes."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import plain_http
import pytest
from state_sql import sql

from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiAuth, KalshiSigner

pytestmark = pytest.mark.slow  # conftest.py: outside the inner loop's subset

READS = [
    "/portfolio/subaccounts/balances",
    "/portfolio/subaccounts/transfers",
    "/portfolio/subaccounts/netting",
    "/portfolio/intra_exchange_instance_transfers",
    "/portfolio/target_balance_allocation",
    "/portfolio/balance",
    "/portfolio/balance?subaccount=1",
]


def _write_over_rest(mock: MockServer) -> tuple[KalshiAuth, str]:
    mock.create_account("alice", balance_cents=100_000)
    key = mock.create_key("alice")
    auth = KalshiAuth(KalshiSigner.from_pem(key["key_id"], key["private_key_pem"]))
    c = httpx.Client(base_url=mock.kalshi_url, auth=auth, timeout=10)
    assert c.post("/portfolio/subaccounts").status_code == 201
    assert c.post("/portfolio/subaccounts", json={"exchange_index": 1}).status_code == 201
    body = {"client_transfer_id": str(uuid.UUID(int=7)), "from_subaccount": 0, "to_subaccount": 1, "amount_cents": 1}
    assert c.post("/portfolio/subaccounts/transfer", json={**body, "amount_cents": 12_345}).status_code == 200
    assert c.post("/portfolio/subaccounts/transfer", json=body).status_code == 409  # refused: kept as refused
    assert c.put("/portfolio/subaccounts/netting", json={"subaccount_number": 2, "enabled": False}).status_code == 200
    made = c.post(
        "/portfolio/intra_exchange_instance_transfer",
        json={"source": "event_contract", "destination": "margined", "amount": 98_765,
              "client_transfer_id": str(uuid.UUID(int=8))},
    )  # fmt: skip
    assert made.status_code == 200
    allocation = {"allocations": [{"exchange_index": 0, "percent": 40}, {"exchange_index": 1, "percent": 60}]}
    assert c.post("/portfolio/target_balance_allocation", json=allocation).status_code == 200
    return auth, made.json()["transfer_id"]


def _answers(mock: MockServer, auth: KalshiAuth, transfer_id: str) -> dict[str, bytes]:
    paths = [*READS, f"/portfolio/intra_exchange_instance_transfers/{transfer_id}"]
    return {path: plain_http.get(mock.kalshi_url + path, auth=auth).content for path in paths}


@pytest.mark.parametrize("snapshot", [True, False], ids=["from-snapshot", "commands-alone"])
def test_a_restarted_mock_answers_a_clients_writes_with_the_same_bytes(tmp_path: Path, snapshot: bool) -> None:
    path = tmp_path / "state.db"
    with MockServer(state=str(path)) as mock:
        auth, transfer_id = _write_over_rest(mock)
        before = _answers(mock, auth, transfer_id)
        kept = mock.app.persistence.status()["commands"]  # type: ignore[union-attr]
    assert b'"subaccount_number":2' in before["/portfolio/subaccounts/balances"]  # there is something to compare
    assert b"0.0000" not in before["/portfolio/subaccounts/transfers"]
    if not snapshot:
        sql(path, "DELETE FROM snapshots")
    with MockServer(state=str(path)) as again:
        status = again.app.persistence.status()  # type: ignore[union-attr]
        assert status["commands"] == kept
        assert _answers(again, auth, transfer_id) == before
        if not snapshot:
            assert status["restored_commands"] == kept
