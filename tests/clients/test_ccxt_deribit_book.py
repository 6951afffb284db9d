"""ccxt 4.5.90, unmodified from PyPI in its own venv, against the mock's Deribit order book: `fetch_order_book` and
`fetch_ticker` (public/get_order_book, public/ticker) and ccxt.pro's `watch_order_book` (book.{instrument}.100ms)
following orders placed and cancelled after its subscription was acknowledged. Every level ccxt parsed equals the
mock's book: the wire's JSON number read as a Decimal equals the book's, and ccxt's float equals that number."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from mockexchange.contract.clients.ccxt_checks import deribit_mock, unified_symbol
from mockexchange.contract.clients.ccxt_run import CcxtRun, run_rest
from mockexchange.server import MockServer

pytestmark = [pytest.mark.clients, pytest.mark.slow]  # slow: conftest.py

PERP = "BTC-PERPETUAL"


def plan(mock: MockServer, calls: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"rest_url": mock.deribit_url, "ws_url": mock.deribit_ws_url, "client_id": "AliceKey",
            "client_secret": "alice-secret", "calls": calls, **extra}  # fmt: skip


def wire_book(mock: MockServer, depth: int = 20) -> dict[str, Any]:
    body = {"jsonrpc": "2.0", "id": 1, "method": "public/get_order_book", "params": {"instrument_name": PERP,
                                                                                     "depth": depth}}  # fmt: skip
    return json.loads(httpx.post(f"{mock.deribit_url}/api/v2", json=body, timeout=10).text, parse_float=Decimal)[
        "result"
    ]


def as_floats(levels: list[list[Any]]) -> list[list[float]]:
    return [[float(price), float(amount)] for price, amount in levels]


def seeded() -> MockServer:
    mock = deribit_mock()
    mock.start()
    for user in ("alice", "bob"):
        mock.create_deribit_account(user, balances={"BTC": "10"})
    mock.create_deribit_key("alice", client_id="AliceKey", client_secret="alice-secret")
    mock.deribit_order("alice", PERP, "buy", "100", "49990")
    mock.deribit_order("bob", PERP, "sell", "70", "50010.5")
    return mock


def test_fetch_order_book_and_fetch_ticker_equal_the_book(client_venvs: dict[str, Path], tmp_path: Path) -> None:
    mock = seeded()
    try:
        mock.deribit_order("bob", PERP, "buy", "50", "49980.5")
        symbol = unified_symbol(mock, PERP)
        calls = [
            {"id": "book", "method": "fetch_order_book", "args": [symbol]},
            {"id": "top", "method": "fetch_order_book", "args": [symbol, 1]},
            {"id": "ticker", "method": "fetch_ticker", "args": [symbol]},
        ]
        outcomes = run_rest(plan(mock, calls), tmp_path)
        wire = wire_book(mock)
    finally:
        mock.stop()
    assert all(outcome["ok"] for outcome in outcomes.values()), outcomes
    book, top, ticker = outcomes["book"], outcomes["top"], outcomes["ticker"]
    assert book["requests"][-1]["path"] == "/api/v2/public/get_order_book"
    assert top["requests"][-1]["query"]["depth"] == "1"
    assert wire["bids"] == [[49990, 100], [Decimal("49980.5"), 50]] and wire["asks"] == [[Decimal("50010.5"), 70]]
    assert book["result"]["bids"] == as_floats(wire["bids"]) and book["result"]["asks"] == as_floats(wire["asks"])
    assert book["result"]["nonce"] == wire["change_id"] and book["result"]["symbol"] == symbol
    assert top["result"]["bids"] == as_floats(wire["bids"][:1]) and top["result"]["asks"] == as_floats(wire["asks"])
    assert ticker["result"]["bid"] == 49990.0 and ticker["result"]["bidVolume"] == 100.0
    assert ticker["result"]["ask"] == 50010.5 and ticker["result"]["askVolume"] == 70.0
    assert ticker["result"]["last"] is None


def test_watch_order_book_follows_every_move(client_venvs: dict[str, Path], tmp_path: Path) -> None:
    mock = seeded()
    until = {"bids": [[49990.0, 150.0], [49980.5, 30.0]], "asks": [[50020.0, 20.0]]}
    try:
        symbol = unified_symbol(mock, PERP)
        with CcxtRun(plan(mock, [], book={"symbol": symbol, "until": until}), tmp_path) as run:
            run.rest()
            subscribed = run.subscribed()
            mock.deribit_order("bob", PERP, "buy", "50", "49990")
            mock.deribit_order("alice", PERP, "buy", "30", "49980.5")
            ask = next(o for o in mock.book.orders.orders.values() if o.direction == "sell")  # type: ignore[union-attr]
            mock.deribit_cancel_order(ask.order_id)
            mock.deribit_order("alice", PERP, "sell", "20", "50020")
            done = run.finish()
        wire = wire_book(mock)
    finally:
        mock.stop()
    assert subscribed["channels"] == [f"book.{PERP}.100ms"]
    assert done["errors"] == [] and done["reason"] == "count", done
    assert done["book"]["bids"] == as_floats(wire["bids"]) and done["book"]["asks"] == as_floats(wire["asks"])
    frames = [m["params"]["data"] for m in done["received"] if m.get("method") == "subscription"]
    assert frames[0]["type"] == "snapshot" and [f["type"] for f in frames[1:]] == ["change"] * 4
    for before, after in zip(frames, frames[1:], strict=False):
        assert after["prev_change_id"] == before["change_id"]
    assert frames[-1]["change_id"] == wire["change_id"]
