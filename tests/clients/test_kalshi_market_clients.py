"""Kalshi's market data through the real clients, unmodified from PyPI in their own venvs, over real HTTP: the official
SDKs (sync and async 3.34.0, MarketApi, EventsApi and ExchangeApi), kalshi-sdk 22.4.0 and, against the legacy
profile, the official 3.2.0 read markets by event (walked by cursor), a market, its book, two books (where the client
has GetMarketOrderbooks), its trades, a series' events, an event, a series, the series list and the exchange's status,
each value compared with what the scene set through the control plane (mockexchange/contract/clients/scenes/
markets.py; the client matrix's `markets` column runs the same). kalshi-sdk's websocket client rebuilds a market's
book from `orderbook_delta` while the house's levels move (the matrix's `orderbook-ws` column)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mockexchange.contract.clients.libraries import KALSHI_SDK
from mockexchange.contract.clients.orderbook_ws import orderbook_ws_verdict
from mockexchange.contract.clients.scenes.markets import MARKETS_SCENE
from mockexchange.contract.clients.scenes.scene import noted, problems

pytestmark = [pytest.mark.clients, pytest.mark.slow]  # slow: conftest.py

EVERY = [check.name for check in MARKETS_SCENE.checks]
# kalshi-sdk's Market requires `liquidity_dollars`, which 3.34.0's Market lacks: its market reads raise, a finding
LIQUIDITY = "raises ValidationError: its Market requires `liquidity_dollars`, which 3.34.0's Market does not have"


@pytest.mark.parametrize(
    ("client", "checks", "findings"),
    [
        ("kalshi-python-sync", EVERY, []),
        ("kalshi-python-async", EVERY, []),
        ("kalshi-sdk", EVERY, [f"markets {LIQUIDITY}", f"market {LIQUIDITY}"]),
        # 3.2.0 has no GetMarketOrderbooks; its Orderbook drops the integer levels (`true`/`false`), a finding
        ("kalshi-python-sync-3.2.0", [c for c in EVERY if c != "two books"], ["book: its Orderbook calls"]),
    ],
)
def test_the_client_reads_the_markets_as_the_scene_set_them(
    played, client: str, checks: list[str], findings: list[str]
) -> None:
    found = played(MARKETS_SCENE, client)
    assert problems(found) == {}
    assert list(found) == checks
    notes = noted(found)
    for finding in findings:
        assert any(note.startswith(finding) for note in notes), notes


def test_kalshi_sdk_rebuilds_the_book_from_orderbook_delta(client_venvs, tmp_path: Path) -> None:
    judged = orderbook_ws_verdict(client_venvs[KALSHI_SDK.name], tmp_path)
    assert judged.passed, judged.reason
    assert "from the snapshot and 8 deltas (seq 1..9, no gap)" in judged.reason
