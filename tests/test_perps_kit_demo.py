"""The demo's perps exchange (`serve` without a scenario): its banner section gives the REST base URL and the
websocket URL; the demo user, signing with its Kalshi demo key, has its margin cash and finds the markets listed with
resting bids and asks; a venue left off (`serve --no-perps`) says nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from serve_process import Served, serving

from mockexchange.admin.perps import banner as perps_banner
from mockexchange.cli.banner import Advertised
from mockexchange.scenario.perps.demo import LEVELS, MARKETS, PerpsDemo
from mockexchange.testing.signing import KalshiAuth, KalshiSigner


@pytest.fixture(scope="module", name="demo")
def served_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Served, Path]]:
    keys = tmp_path_factory.mktemp("perps-demo") / "keys"
    with serving(keys) as served:
        yield served, keys


def test_the_banner_gives_the_perps_urls_and_what_the_demo_made(demo: tuple[Served, Path]) -> None:
    served, _ = demo
    lines = served.banner.splitlines()
    [at] = [n for n, line in enumerate(lines) if line.startswith("mockexchange: Kalshi perps API")]
    user = re.search(r"  user '([^']+)': key id", served.banner)
    assert user is not None
    assert lines[at : at + 4] == [
        f"mockexchange: Kalshi perps API http://127.0.0.1:{served.port}/trade-api/v2 (operations under /margin/...; "
        f"websocket ws://127.0.0.1:{served.port}/trade-api/ws/v2/margin)",
        "  signed with the Kalshi keys; its cash is the margined instance's "
        "(POST /portfolio/intra_exchange_instance_transfer moves it)",
        f"  user {user[1]!r}: $100,000 of margin cash",
        "  3 markets with resting bids and asks: BTC-PERP, ETH-PERP, SOL-PERP",
    ]


def test_the_demo_user_trades_on_the_listed_markets(demo: tuple[Served, Path]) -> None:
    served, keys = demo
    key_id = re.search(r"key id (\S+), private key \S+demo-key\.pem", served.banner)
    assert key_id is not None
    signer = KalshiSigner.from_pem(key_id[1], (keys / "demo-key.pem").read_text())
    base = f"{served.base_url}/trade-api/v2"
    with httpx.Client(base_url=base, auth=KalshiAuth(signer), timeout=10) as client:
        [held] = client.get("/margin/balance").json()["subaccount_balances"]
        assert held["account_equity"] == "100000.000000"
        markets = client.get("/margin/markets").json()["markets"]
        assert [m["ticker"] for m in markets] == [ticker for ticker, *_ in MARKETS]
        for ticker, _, mark, *_ in MARKETS:
            book = client.get(f"/margin/markets/{ticker}/orderbook").json()["orderbook"]
            assert len(book["bids"]) == len(book["asks"]) == LEVELS, ticker
            assert Decimal(book["bids"][0][0]) < Decimal(mark) < Decimal(book["asks"][0][0])
        bought = client.post("/margin/orders", json={
            "ticker": "SOL-PERP", "client_order_id": "demo-buy", "side": "bid", "count": "2", "price": "150.01",
            "time_in_force": "immediate_or_cancel", "self_trade_prevention_type": "taker_at_cross",
        })  # fmt: skip
        assert bought.status_code == 201 and bought.json()["fill_count"] == "2.00", bought.text


def test_a_venue_left_off_says_nothing() -> None:
    where = Advertised("http://127.0.0.1:1", Path("keys"))
    assert perps_banner.demo(where, "profile 3.34, seed 7", None, PerpsDemo(served=False)) == []
