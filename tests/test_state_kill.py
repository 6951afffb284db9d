"""Nothing acknowledged is lost: `serve --state` killed with SIGKILL while several threads stream fills through the
admin API keeps every fill it answered, and what REST serves after the restart equals a ledger rebuilt from the fills
it lists. The same for Deribit's trades."""

from __future__ import annotations

import random
import threading
import time
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from serve_process import serving

from mockexchange.auth.kalshi.keys import generate_private_key, private_key_pem
from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiAuth, KalshiSigner

pytestmark = pytest.mark.slow  # conftest.py: outside the inner loop's subset

KALSHI_USERS = [f"streamer-{n}" for n in range(4)]
DERIBIT_USERS = {"deribit-btc": "BTC-PERPETUAL", "deribit-eth": "ETH-PERPETUAL"}
POSITION_FIELDS = (
    "ticker", "position_fp", "market_exposure_dollars", "realized_pnl_dollars", "fees_paid_dollars",
    "total_traded_dollars",
)  # fmt: skip


class Stream:
    """One thread's fills, one at a time: what was acknowledged, and the one in flight when the mock died."""

    def __init__(self, base_url: str, path: str, bodies) -> None:
        self.base_url, self.path, self.bodies = base_url, path, bodies
        self.acknowledged: list[dict] = []
        self.in_flight: dict | None = None
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=10) as client:
            for body in self.bodies:
                self.in_flight = body
                try:
                    answer = client.post(self.path, json=body)
                except httpx.HTTPError:
                    return  # the mock is gone; `in_flight` may or may not have been applied
                assert answer.status_code == 200, answer.text
                self.acknowledged.append({**body, **answer.json()})
                self.in_flight = None


def _kalshi_bodies(user: str, seed: int):
    rng = random.Random(seed)
    while True:
        yield {
            "user_id": user,
            # Markets of its own: positions are marked at a market's last price, whoever traded it.
            "ticker": rng.choice([f"KX{user}-A-1", f"KX{user}-A-2", f"KX{user}-B-1"]).upper(),
            "side": rng.choice(["yes", "no"]),
            "action": rng.choice(["buy", "sell"]),
            "count": str(rng.randint(1, 300) / 100),
            "price": f"0.{rng.randint(1, 99):02d}",
        }


def _deribit_bodies(user: str, instrument: str, seed: int):
    rng = random.Random(seed)
    while True:
        yield {
            "user_id": user,
            "instrument_name": instrument,
            "direction": rng.choice(["buy", "sell"]),
            "amount": str(10 * rng.randint(1, 20) if instrument.startswith("BTC") else rng.randint(1, 20)),
            "price": str(rng.randint(1900, 2100) * (30 if instrument.startswith("BTC") else 1)),
        }


def _all_fills(client: httpx.Client) -> list[dict]:
    fills, cursor = [], ""
    while True:
        page = client.get("/portfolio/fills", params={"limit": 200, **({"cursor": cursor} if cursor else {})}).json()
        fills += page["fills"]
        cursor = page["cursor"]
        if not cursor:
            return fills


def _rpc(client: httpx.Client, method: str, params: dict, token: str | None = None) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    reply = client.post(f"/api/v2/{method}", json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params},
                        headers=headers).json()  # fmt: skip
    assert "result" in reply, reply
    return reply["result"]


def _deribit_position(client: httpx.Client, credentials: dict, instrument: str) -> dict:
    token = _rpc(client, "public/auth", {"grant_type": "client_credentials", **credentials})["access_token"]
    position = _rpc(client, "private/get_position", {"instrument_name": instrument}, token)
    return {k: position[k] for k in ("size", "average_price", "realized_profit_loss", "direction")}


def test_a_killed_mock_keeps_every_fill_it_acknowledged(tmp_path: Path) -> None:
    state, keys = tmp_path / "state.db", tmp_path / "keys"
    pems = {user: private_key_pem(generate_private_key("rsa")) for user in KALSHI_USERS}
    credentials: dict[str, dict] = {}
    with serving(keys, "--state", str(state)) as served:
        admin = httpx.Client(base_url=served.base_url + "/_admin", timeout=10)
        for user in KALSHI_USERS:
            assert admin.post("/accounts", json={"user_id": user, "balance_cents": 1_000_000}).status_code == 200
            key = {"user_id": user, "public_key_pem": pems[user], "key_id": f"key-{user}"}
            assert admin.post("/keys", json=key).status_code == 200
        for user in DERIBIT_USERS:
            balances = {"BTC": "100", "ETH": "1000"}
            assert admin.post("/deribit/accounts", json={"user_id": user, "balances": balances}).status_code == 200
            credential = admin.post("/deribit/keys", json={"user_id": user}).json()
            credentials[user] = {k: credential[k] for k in ("client_id", "client_secret")}
        streams = [Stream(served.base_url, "/_admin/fills", _kalshi_bodies(u, n)) for n, u in enumerate(KALSHI_USERS)]
        streams += [
            Stream(served.base_url, "/_admin/deribit/fills", _deribit_bodies(u, i, n))
            for n, (u, i) in enumerate(DERIBIT_USERS.items())
        ]
        for stream in streams:
            stream.thread.start()
        deadline = time.monotonic() + 60
        while min(len(s.acknowledged) for s in streams) < 25 and time.monotonic() < deadline:
            time.sleep(0.02)
        served.proc.kill()  # SIGKILL: no snapshot, no checkpoint, nothing flushed by the mock
        served.proc.wait()
        for stream in streams:
            stream.thread.join(timeout=15)
        assert all(len(s.acknowledged) >= 25 for s in streams)

    with serving(keys, "--state", str(state)) as again:
        assert "state restored from" in again.banner
        # The restored banner names the Deribit accounts and credentials the file held, the demo's file among them.
        assert f"mockexchange: Deribit API {again.base_url}/api/v2" in again.banner
        for user, credential in credentials.items():
            shown = f"client id {credential['client_id']}, client secret {credential['client_secret']}"
            assert f"  user {user!r}: {shown}" in again.banner
        assert f"  credentials kept in {(keys / 'deribit-key.json').resolve()}" in again.banner
        assert "  3 accounts, " in again.banner, "the demo's Deribit account and the test's two"
        rebuilt = MockServer()
        kalshi = dict(zip(KALSHI_USERS, streams[: len(KALSHI_USERS)], strict=True))
        for user, stream in kalshi.items():
            auth = KalshiAuth(KalshiSigner.from_pem(f"key-{user}", pems[user]))
            client = httpx.Client(base_url=again.base_url + "/trade-api/v2", auth=auth, timeout=10)
            listed = _all_fills(client)
            ids = [fill["fill_id"] for fill in listed]
            acknowledged = [fill["fill_id"] for fill in stream.acknowledged]
            missing = set(acknowledged) - set(ids)
            assert not missing, f"{user}: {len(missing)} acknowledged fills lost"
            assert len(ids) - len(acknowledged) in (0, 1) and len(set(ids)) == len(ids)
            assert len(ids) == len(acknowledged) or stream.in_flight is not None
            # The ledger rebuilt from the fills REST lists (oldest first) serves the same positions and balance.
            rebuilt.create_account(user, balance_cents=1_000_000)
            for fill in reversed(listed):
                price = fill["yes_price_dollars"] if fill["side"] == "yes" else fill["no_price_dollars"]
                rebuilt.fill(user, fill["ticker"], fill["side"], fill["action"], fill["count_fp"], price,
                             fee=fill["fee_cost"], is_taker=fill["is_taker"])  # fmt: skip
            key = rebuilt.create_key(user)
            rebuilt_client = httpx.Client(
                base_url=rebuilt.start().kalshi_url,
                auth=KalshiAuth(KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])),
            )
            for path in ("/portfolio/positions", "/portfolio/balance"):
                served_answer, rebuilt_answer = client.get(path).json(), rebuilt_client.get(path).json()
                if path.endswith("positions"):
                    served_answer = [{k: p[k] for k in POSITION_FIELDS} for p in served_answer["market_positions"]]
                    rebuilt_answer = [{k: p[k] for k in POSITION_FIELDS} for p in rebuilt_answer["market_positions"]]
                else:
                    served_answer.pop("updated_ts"), rebuilt_answer.pop("updated_ts")
                assert served_answer == rebuilt_answer, f"{user} {path}"
            assert served_answer  # there was something to compare
        deribit = dict(zip(DERIBIT_USERS, streams[len(KALSHI_USERS) :], strict=True))
        client = httpx.Client(base_url=again.base_url, timeout=10)
        for user, stream in deribit.items():
            instrument = DERIBIT_USERS[user]
            served_position = _deribit_position(client, credentials[user], instrument)
            size = sum(
                Decimal(t["amount"]) * (1 if t["direction"] == "buy" else -1) for t in stream.acknowledged
            )  # fmt: skip
            trades = list(stream.acknowledged)
            if Decimal(str(served_position["size"])) != size:  # the trade in flight was applied
                assert stream.in_flight is not None
                trades.append(stream.in_flight)
            rebuilt.create_deribit_account(user, balances={"BTC": "100", "ETH": "1000"})
            for trade in trades:
                rebuilt.deribit_fill(user, instrument, trade["direction"], trade["amount"], trade["price"])
            credential = rebuilt.create_deribit_key(user)
            rebuilt_client = httpx.Client(base_url=rebuilt.deribit_url, timeout=10)
            rebuilt_position = _deribit_position(
                rebuilt_client, {k: credential[k] for k in ("client_id", "client_secret")}, instrument
            )
            assert served_position == rebuilt_position, user
        rebuilt.stop()


@pytest.mark.parametrize("content", [b"garbage, not SQLite\n" * 100, b"SQLite format 3\x00" + bytes(4000)])
def test_serve_refuses_a_state_file_it_cannot_use_in_one_line(tmp_path: Path, content: bytes) -> None:
    import subprocess
    import sys

    path = tmp_path / "state.db"
    path.write_bytes(content)
    done = subprocess.run(
        [sys.executable, "-m", "mockexchange", "serve", "--port", "0", "--state", str(path), "--key-dir",
         str(tmp_path / "keys")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"mockexchange: {path}") and len(done.stderr.splitlines()) == 1, done.stderr
    assert "Traceback" not in done.stderr
