"""Orders kept by a state file (`serve --state`): a mock killed with SIGKILL while clients stream signed orders keeps
every order it acknowledged, consistent with the fills, positions and trades it serves after the restart, and a clean
restart of that then answers every read with the same bytes; an expiring order still expires on the exchange clock
after a restart, whether the snapshot or the commands bring it back."""

from __future__ import annotations

import random
import threading
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import plain_http
import pytest
from serve_process import serving
from state_sql import sql

from mockexchange.auth.kalshi.keys import generate_private_key, private_key_pem
from mockexchange.core.clock import ManualClock
from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiAuth, KalshiSigner

USERS = [f"trader-{n}" for n in range(3)]
MARKET = "KXKILL-26DEC-A"
T0 = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)


class Trader:
    """One thread's orders, one at a time: those acknowledged (201), and whether one was in flight when it died."""

    def __init__(self, base_url: str, auth: KalshiAuth, seed: int) -> None:
        self.client = httpx.Client(base_url=base_url + "/trade-api/v2", auth=auth, timeout=10)
        self.rng = random.Random(seed)
        self.acknowledged: list[str] = []
        self.cancelled: list[str] = []
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        rng = self.rng
        while True:
            try:
                if self.acknowledged and rng.random() < 0.2:
                    answer = self.client.delete(f"/portfolio/events/orders/{rng.choice(self.acknowledged)}")
                    assert answer.status_code in (200, 404), answer.text
                    continue
                body = {"ticker": MARKET, "side": rng.choice(["bid", "ask"]), "count": str(rng.randint(1, 5)),
                        "price": f"0.{rng.randint(35, 60)}", "self_trade_prevention_type": "maker",
                        "time_in_force": rng.choice(["good_till_canceled", "immediate_or_cancel"])}  # fmt: skip
                answer = self.client.post("/portfolio/events/orders", json=body)
            except httpx.HTTPError:
                return  # the mock is gone; what was in flight may or may not have been kept
            assert answer.status_code == 201, answer.text
            self.acknowledged.append(answer.json()["order_id"])


def _walk(client: httpx.Client, path: str, name: str, **params: str) -> list[dict]:
    found, cursor = [], ""
    while True:
        page = client.get(path, params={**params, "limit": 200, **({"cursor": cursor} if cursor else {})}).json()
        found += page[name]
        cursor = page["cursor"]
        if not cursor:
            return found


def _reads(base_url: str, auths: dict[str, KalshiAuth]) -> dict[str, bytes]:
    found = {}
    for user, auth in auths.items():
        with httpx.Client(base_url=base_url + "/trade-api/v2", auth=auth, timeout=10) as client:
            for path in ("/portfolio/orders?limit=1000", "/portfolio/fills?limit=1000", "/portfolio/positions",
                         "/portfolio/balance", "/portfolio/orders/queue_positions"):  # fmt: skip
                found[f"{user} {path}"] = client.get(path).content
    for path in (f"/markets/{MARKET}/orderbook", f"/markets/trades?ticker={MARKET}&limit=1000", f"/markets/{MARKET}"):
        found[path] = plain_http.get(base_url + "/trade-api/v2" + path, timeout=10).content
    return found


@pytest.mark.slow
def test_a_killed_mock_keeps_every_order_it_acknowledged_and_restarts_to_the_same_bytes(tmp_path: Path) -> None:
    state, keys = tmp_path / "state.db", tmp_path / "keys"
    pems = {user: private_key_pem(generate_private_key("ed25519")) for user in USERS}
    auths = {user: KalshiAuth(KalshiSigner.from_pem(f"key-{user}", pems[user])) for user in USERS}
    with serving(keys, "--state", str(state)) as served:
        admin = httpx.Client(base_url=served.base_url + "/_admin", timeout=10)
        for user in USERS:
            assert admin.post("/accounts", json={"user_id": user, "balance_cents": 1_000_000}).status_code == 200
            key = {"user_id": user, "public_key_pem": pems[user], "key_id": f"key-{user}"}
            assert admin.post("/keys", json=key).status_code == 200
        assert admin.post("/markets", json={"ticker": MARKET}).status_code == 200
        book = {"ticker": MARKET, "yes": [["0.40", "1000"]], "no": [["0.55", "1000"]]}
        assert admin.post("/books", json=book).status_code == 200
        traders = [Trader(served.base_url, auths[user], n) for n, user in enumerate(USERS)]
        for trader in traders:
            trader.thread.start()
        deadline = time.monotonic() + 60
        while min(len(t.acknowledged) for t in traders) < 25 and time.monotonic() < deadline:
            time.sleep(0.02)
        served.proc.kill()  # SIGKILL: no snapshot, nothing flushed by the mock
        served.proc.wait()
        for trader in traders:
            trader.thread.join(timeout=15)
        assert all(len(t.acknowledged) >= 25 for t in traders)

    with serving(keys, "--state", str(state)) as again:
        traded = Decimal(0)
        for user, trader in zip(USERS, traders, strict=True):
            client = httpx.Client(base_url=again.base_url + "/trade-api/v2", auth=auths[user], timeout=10)
            orders = {o["order_id"]: o for o in _walk(client, "/portfolio/orders", "orders")}
            assert set(trader.acknowledged) <= set(orders), f"{user}: acknowledged orders lost"
            assert len(orders) - len(trader.acknowledged) in (0, 1)  # and the one in flight, if it was kept
            fills = _walk(client, "/portfolio/fills", "fills")
            by_order: dict[str, Decimal] = {}
            for fill in fills:
                by_order[fill["order_id"]] = by_order.get(fill["order_id"], Decimal(0)) + Decimal(fill["count_fp"])
                traded += Decimal(fill["count_fp"]) if fill["is_taker"] else 0
            for order_id, order in orders.items():
                assert Decimal(order["fill_count_fp"]) == by_order.get(order_id, 0), order
                rests = Decimal(order["remaining_count_fp"])
                assert (order["status"] == "resting") == (rests > 0), order
            held = sum(Decimal(f["count_fp"]) * (1 if f["outcome_side"] == "yes" else -1) for f in fills)
            positions = client.get("/portfolio/positions").json()["market_positions"]
            assert Decimal(positions[0]["position_fp"] if positions else 0) == held, user
        trades = _walk(httpx.Client(base_url=again.base_url + "/trade-api/v2", timeout=10),
                       "/markets/trades", "trades", ticker=MARKET)  # fmt: skip
        assert sum(Decimal(t["count_fp"]) for t in trades) == traded > 0  # a trade a taker fill (the house never takes)
        before = _reads(again.base_url, auths)

    with serving(keys, "--state", str(state)) as last:  # from the snapshot the clean stop kept
        assert _reads(last.base_url, auths) == before


@pytest.mark.parametrize("from_snapshot", [True, False])
def test_an_expiring_order_expires_on_the_exchange_clock_after_a_restart(tmp_path: Path, from_snapshot: bool) -> None:
    path = tmp_path / "state.db"
    with MockServer(state=str(path), clock=ManualClock(T0)) as mock:
        mock.create_account("alice", balance_cents=10_000)
        mock.create_market(MARKET)
        made = mock.place_order("alice", MARKET, "bid", "2", "0.30", "good_till_canceled", "taker_at_cross",
                                expiration_time=int((T0 + timedelta(seconds=60)).timestamp()))  # fmt: skip
    if not from_snapshot:
        sql(path, "DELETE FROM snapshots")
    with MockServer(state=str(path)) as again:
        assert again.ledger.state.orders[made["order_id"]].status == "resting"
        assert again.ledger.state.account("alice").balance() == Decimal("99.40")  # 2 x 0.30 held
        again.advance_clock(seconds=61)
        ended = again.ledger.state.all_orders[made["order_id"]]
        assert (ended.status, ended.updated) == ("canceled", T0 + timedelta(seconds=60))
        assert again.ledger.state.account("alice").balance() == Decimal("100.00")
