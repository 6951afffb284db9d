"""The shipped scenarios, each loaded, run to its end and read back over real HTTP with signed requests: the figures
are the hand-computed ones written in the scenario files' comments (or, for the busy market, recomputed from the
fills the ledger recorded)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from mockexchange.core.clock import ManualClock
from mockexchange.core.money import to_cents
from mockexchange.scenario.library import library_dir
from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiAuth, KalshiSigner

FIXTURES = library_dir()


def client(mock: MockServer, key_id: str, pem: str) -> httpx.Client:
    return httpx.Client(base_url=mock.kalshi_url, auth=KalshiAuth(KalshiSigner.from_pem(key_id, pem)), timeout=10)


def keys_by_id(loaded: dict) -> dict[str, dict]:
    return {key["key_id"]: key for key in loaded["keys"]}


def positions(c: httpx.Client, **params) -> dict[str, dict]:
    response = c.get("/portfolio/positions", params=params)
    assert response.status_code == 200, response.text
    return {row["ticker"]: row for row in response.json()["market_positions"]}


@pytest.mark.mockexchange(scenario="fed-decision", scenario_run=False)
def test_fed_decision_trades_then_settles(mockexchange, mockexchange_scenario, tmp_path):
    alice_key = keys_by_id(mockexchange_scenario)["alice-key"]
    assert Path(alice_key["private_key_path"]).read_text() == alice_key["private_key_pem"]
    alice = client(mockexchange, "alice-key", alice_key["private_key_pem"])
    bob = client(mockexchange, "bob-key", (FIXTURES / "keys" / "bob.pem").read_text())  # the file's public key
    assert mockexchange_scenario["exchange_time"] == "2026-12-09T18:00:00+00:00"
    assert positions(alice)["KXFED-26DEC-T4.00"]["position_fp"] == "100.00"  # the opening position

    mockexchange.step(6)  # up to alice's sale of 40
    row = positions(alice)["KXFED-26DEC-T4.00"]
    assert (row["position_fp"], row["market_exposure_dollars"], row["realized_pnl_dollars"]) == (
        "60.00", "24.000000", "6.000000",
    )  # fmt: skip
    assert positions(alice)["KXFED-26DEC-T4.25"]["fees_paid_dollars"] == "0.560000"
    assert mockexchange.scenario_status()["exchange_time"] == "2026-12-09T18:40:00+00:00"

    done = mockexchange.step(100)
    assert done["steps_left"] == 0 and done["exchange_time"] == "2026-12-09T19:00:00+00:00"
    assert alice.get("/portfolio/balance").json()["balance"] == 97144
    assert bob.get("/portfolio/balance").json()["balance"] == 62300
    assert positions(alice) == {}  # every market settled
    settled = positions(bob, settlement_status="settled")
    assert settled["KXFED-26DEC-T4.00"]["position_fp"] == "-50.00"
    assert settled["KXFED-26DEC-T3.75"]["realized_pnl_dollars"] == "3.000000"  # 20 x (1 - 0.85)
    settlements = {s["ticker"]: s for s in bob.get("/portfolio/settlements").json()["settlements"]}
    assert settlements["KXFED-26DEC-T4.00"]["revenue"] == 5000 and settlements["KXFED-26DEC-T3.75"]["revenue"] == 2000
    assert [d["amount_cents"] for d in bob.get("/portfolio/deposits").json()["deposits"]] == [10000]
    assert mockexchange.ledger.state.orders == {}  # alice's resting order went with the settlement


def test_fcm_subtraders_keys_fills_and_transfers(tmp_path):
    with MockServer(clock=ManualClock()) as mock:
        loaded = mock.load_scenario(path=str(FIXTURES / "fcm-subtraders.yaml"), run=True, key_dir=str(tmp_path))
        keys = keys_by_id(loaded)
        assert keys["acme-sub-2-own"]["key_type"] == "ed25519"
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
            f"{k['user_id']}-{k['key_id']}.pem" for k in loaded["keys"]
        )
        sub1 = client(mock, "acme-sub-1-own", keys["acme-sub-1-own"]["private_key_pem"])
        sub2 = client(mock, "acme-sub-2-own", keys["acme-sub-2-own"]["private_key_pem"])
        ops = client(mock, "acme-ops", keys["acme-ops"]["private_key_pem"])
        desk = client(mock, "acme-desk-1", keys["acme-desk-1"]["private_key_pem"])

        assert sub1.get("/portfolio/balance").json()["balance"] == 149370
        assert sub2.get("/portfolio/balance").json()["balance"] == 74550
        assert ops.get("/portfolio/balance").json()["balance"] == 99999741  # 999,997.4125 truncated to cents
        row = positions(sub1)["KXCPI-26DEC-T3.0"]
        figures = ("position_fp", "market_exposure_dollars", "realized_pnl_dollars", "exchange_index")
        assert [row[name] for name in figures] == ["-20.00", "6.200000", "0.900000", 1]
        fcm = ops.get("/fcm/positions", params={"subtrader_id": "acme-sub-2"}).json()
        assert [(r["ticker"], r["position_fp"]) for r in fcm["market_positions"]] == [
            ("KXBTC-26DEC31-B100000", "10.00")
        ]
        bound = desk.get("/fcm/positions", params={"subtrader_id": "acme-sub-1"})
        assert bound.status_code == 200 and bound.json()["market_positions"][0]["position_fp"] == "-20.00"
        deposits = sub2.get("/portfolio/deposits").json()["deposits"]
        assert [(d["id"], d["status"]) for d in deposits] == [("dep-1", "applied")]
        withdrawals = sub2.get("/portfolio/withdrawals").json()["withdrawals"]
        assert [(w["id"], w["status"]) for w in withdrawals] == [("wd-2", "failed")]
        assert loaded["exchange_time"] == "2026-12-01T15:45:00+00:00"
        # Loading again with the same key dir reuses the written keys (fixed key ids): clients keep their config.
        again = keys_by_id(mock.load_scenario(path=str(FIXTURES / "fcm-subtraders.yaml"), key_dir=str(tmp_path)))
        assert {k: v["private_key_pem"] for k, v in again.items()} == {k: v["private_key_pem"] for k, v in keys.items()}
        assert sub1.get("/portfolio/balance").json()["balance"] == 200000 - 930  # the timeline is left to step


@pytest.mark.slow
def test_busy_market_thousands_of_fills_agree_with_the_ledger(tmp_path):
    def run() -> tuple[MockServer, dict]:
        mock = MockServer(clock=ManualClock()).start()
        return mock, mock.load_scenario(path=str(FIXTURES / "busy-market.yaml"), run=True)

    mock, loaded = run()
    try:
        assert loaded["ran_steps"] == 4 and len(mock.ledger.state.fills) == 1 + 5000 + 2000
        assert loaded["exchange_time"] == "2026-12-31T16:20:59.700000+00:00"  # 999.8 + 60 + 199.9 seconds
        key = keys_by_id(loaded)["trader-1-key"]
        trader = client(mock, "trader-1-key", key["private_key_pem"])
        seen, cursor = [], None
        while True:
            body = trader.get("/portfolio/fills", params={"limit": 1000, **({"cursor": cursor} if cursor else {})})
            seen += body.json()["fills"]
            cursor = body.json()["cursor"]
            if not cursor:
                break
        mine = [f for f in mock.ledger.state.fills if f.user_id == "trader-1"]
        assert len(seen) == len(mine) > 1000
        # The position and cash recomputed from the recorded fills, independently of the ledger's arithmetic.
        # In YES terms every fill changes the position by +-count at the YES price; once the market has settled yes,
        # the cash is the start, less what the YES changes cost, less fees, plus 1 dollar per (signed) YES contract.
        position = cash = Decimal(0)
        for f in mine:
            delta = f.count if (f.side == "yes") == (f.action == "buy") else -f.count
            yes_price = f.price if f.side == "yes" else 1 - f.price
            position += delta
            cash -= delta * yes_price + f.fee
        cash += Decimal("100000") + position
        [row] = positions(trader, settlement_status="settled").values()
        assert Decimal(row["position_fp"]) == position
        assert trader.get("/portfolio/balance").json()["balance"] == to_cents(cash)
        first_fills = [(f.user_id, f.side, f.action, f.count, f.price) for f in mock.ledger.state.fills[:50]]
    finally:
        mock.stop()
    again, _ = run()
    try:  # the same seeds give the same fills
        assert [(f.user_id, f.side, f.action, f.count, f.price) for f in again.ledger.state.fills[:50]] == first_fills
    finally:
        again.stop()
