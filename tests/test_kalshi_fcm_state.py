"""An FCM member's desk is kept by a state file (`--state`): what clients changed over Kalshi's wire (subtraders, caps,
blocked categories, position transfers) runs as control commands, so a restarted mock answers the same reads with the
same bytes, from its snapshot or from the commands alone; scenarios seed the desk with the same commands."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from state_sql import sql

from mockexchange.core.clock import ManualClock
from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiAuth, KalshiSigner

READS = [
    "/fcm/subtraders",
    "/fcm/subtraders/event_contract_daily_cap?subtrader_id=fcm_C1",
    "/fcm/subtraders/blocked_categories?subtrader_id=fcm_C1",
    "/fcm/positions?subtrader_id=fcm_C1",
    "/fcm/fills",
    "/fcm/orders?subtrader_id=fcm_C1",
]


def _populate(mock: MockServer) -> KalshiAuth:
    mock.create_account("fcm", fcm_member=True)
    mock.create_account("err", fcm_member=True)
    mock.set_fcm_error_account("fcm", "err")
    made = mock.create_key("fcm", key_type="ed25519")
    err_key = mock.create_key("err", key_type="ed25519")
    auth = KalshiAuth(KalshiSigner.from_pem(made["key_id"], made["private_key_pem"]))
    with httpx.Client(base_url=mock.kalshi_url, auth=auth) as client:
        assert client.post("/fcm/subtraders", json={"subtrader_suffix": "C1"}).status_code == 201
        cap = {"subtrader_id": "fcm_C1", "limit": "250.50"}
        assert client.put("/fcm/subtraders/event_contract_daily_cap", json=cap).status_code == 200
        for category in ("Sports", "Crypto"):
            blocked = {"subtrader_id": "fcm_C1", "category": category, "blocked": True}
            assert client.put("/fcm/subtraders/blocked_categories", json=blocked).status_code == 200
        mock.deposit("fcm_C1", 10_000)
        mock.fill("fcm_C1", "KXT-26-A", "yes", "buy", "8", "0.35")
        mock.create_order("fcm_C1", "KXT-26-A", "yes", "buy", "1", "0.20", order_id="rest-1")
        moved = {"source_subtrader_id": "fcm_C1", "target_subtrader_id": "err_E1", "market_ticker": "KXT-26-A"}
        moved |= {"position_centicount": 300, "price_centicents": 0}
        assert client.post("/fcm/positions/transfers", json=moved).status_code == 201
    err_auth = KalshiAuth(KalshiSigner.from_pem(err_key["key_id"], err_key["private_key_pem"]))
    return auth, err_auth


def _answers(mock: MockServer, auth: KalshiAuth, err_auth: KalshiAuth) -> dict[str, bytes]:
    with httpx.Client(base_url=mock.kalshi_url, auth=auth) as client:
        found = {path: client.get(path).content for path in READS}
    with httpx.Client(base_url=mock.kalshi_url, auth=err_auth) as client:
        found["err"] = client.get("/fcm/positions?subtrader_id=err_E1").content
    return found


@pytest.mark.parametrize("snapshot", [True, False])
def test_a_restarted_mock_keeps_the_desk(tmp_path: Path, snapshot: bool) -> None:
    path = tmp_path / "state.db"
    clock = ManualClock(datetime(2026, 11, 2, 15, tzinfo=UTC))
    with MockServer(state=str(path), clock=clock) as mock:
        auths = _populate(mock)
        before = _answers(mock, *auths)
    assert b'"limit":"250.500000"' in before[READS[1]] and b'"position_fp":"3.00"' in before["err"]
    if not snapshot:
        sql(path, "DELETE FROM snapshots")
    with MockServer(state=str(path)) as again:
        assert _answers(again, *auths) == before
        assert again.app.ledger.fcm.error_accounts == {"fcm": "err"}


SCENARIO = """
users:
  - {user_id: fcm, fcm_member: true}
  - {user_id: err, fcm_member: true}
  - {user_id: fcm_A, subtrader_of: fcm, balance_cents: 5000}
positions:
  - {user_id: fcm_A, ticker: KXS-26-A, side: yes, count: "4", price: "0.50"}
steps:
  - fcm_subtrader: {fcm_user_id: fcm, subtrader_suffix: B2}
  - fcm_daily_cap: {fcm_user_id: fcm, subtrader_id: fcm_B2, limit: "75.5"}
  - fcm_blocked_category: {fcm_user_id: fcm, subtrader_id: fcm_A, category: Politics}
  - fcm_error_account: {fcm_user_id: fcm, error_account_id: err}
  - fcm_position_transfer: {fcm_user_id: fcm, source_subtrader_id: fcm_A, target_subtrader_id: err_Q,
                            market_ticker: KXS-26-A, position_centicount: 200, price_centicents: 0}
"""


def test_a_scenario_seeds_the_desk(mockexchange):
    mockexchange.load_scenario(document=SCENARIO, run=True)
    fcm = mockexchange.app.ledger.fcm
    assert mockexchange.app.ledger.state.accounts["fcm"].subtraders == ["fcm_A", "fcm_B2"]
    assert fcm.caps == {"fcm_B2": 75_500_000}
    assert fcm.categories("fcm_A") == ["Politics"]
    assert len(fcm.transfers) == 1
    assert mockexchange.app.ledger.state.positions.get("err_Q", 0, "KXS-26-A").position == 2


@pytest.mark.parametrize(
    ("step", "says"),
    [
        ("fcm_daily_cap: {fcm_user_id: fcm, subtrader_id: fcm_A, limit: 1.5}", "quoted decimal string"),
        ("fcm_position_transfer: {fcm_user_id: fcm}", "source_subtrader_id"),
        ("fcm_subtrader: {fcm_user_id: fcm, subtrader_suffix: B2, extra: 1}", "extra"),
        (
            "fcm_subtrader: {fcm_user_id: fcm, subtrader_suffix: B-2}",
            "subtrader_suffix: must be a non-empty string of at most 16",
        ),  # (B-2: not a letter or digit)
    ],
)
def test_a_bad_desk_step_is_refused_when_the_scenario_loads(mockexchange, step, says):
    from mockexchange.control import ControlError

    with pytest.raises(ControlError) as refused:
        mockexchange.load_scenario(document=f"users: [{{user_id: fcm, fcm_member: true}}]\nsteps:\n  - {step}\n")
    assert says in str(refused.value)
