"""ccxt 4.5.90, unmodified from PyPI in its own venv, against the mock's Deribit order book: `fetch_order_book` and
`fetch_ticker` (public/get_order_book, public/ticker) and ccxt.pro's `watch_order_book` (book.{instrument}.100ms)
following orders placed and cancelled after its subscription was acknowledged. Every level ccxt parsed equals the
mock's book: the wire's JSON number read as a Decimal equals the book's, and ccxt's float equals that number."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from mockexchange.contract.clients.ccxt_trading import (
    BOOK_UNTIL,
    book_ws_problems,
    markets_problems,
    play_markets,
    watch_book,
)

pytestmark = [pytest.mark.clients, pytest.mark.slow]  # slow: conftest.py

PERP = "BTC-PERPETUAL"


def test_fetch_order_book_and_fetch_ticker_equal_the_book(client_venvs: dict[str, Path], tmp_path: Path) -> None:
    outcomes, wire = play_markets(tmp_path)
    assert markets_problems(outcomes, wire) == []
    book, top, ticker = outcomes["book"], outcomes["top"], outcomes["ticker"]
    assert book["requests"][-1]["path"] == "/api/v2/public/get_order_book"
    assert top["requests"][-1]["query"]["depth"] == "1"
    assert wire["bids"] == [[49990, 100], [Decimal("49980.5"), 50]] and wire["asks"] == [[Decimal("50010.5"), 70]]
    assert book["result"]["bids"] == [[49990.0, 100.0], [49980.5, 50.0]] and book["result"]["asks"] == [[50010.5, 70.0]]
    assert ticker["result"]["bid"] == 49990.0 and ticker["result"]["bidVolume"] == 100.0
    assert ticker["result"]["ask"] == 50010.5 and ticker["result"]["askVolume"] == 70.0
    assert ticker["result"]["last"] is None
    book["result"]["bids"][0][1] = 99.0  # a client that lost an amount is named
    assert markets_problems(outcomes, wire)[0].startswith("fetch_order_book: ccxt [[49990.0, 99.0]")


def test_watch_order_book_follows_every_move(client_venvs: dict[str, Path], tmp_path: Path) -> None:
    done, channels, wire = watch_book(tmp_path, BOOK_UNTIL)
    assert book_ws_problems(done, wire) == []
    assert channels == [f"book.{PERP}.100ms"]
    assert done["book"]["bids"] == BOOK_UNTIL["bids"] and done["book"]["asks"] == BOOK_UNTIL["asks"]
    frames = [m["params"]["data"] for m in done["received"] if m.get("method") == "subscription"]
    assert frames[0]["type"] == "snapshot" and [f["type"] for f in frames[1:]] == ["change"] * 4
    assert frames[-1]["change_id"] == wire["change_id"]
    assert book_ws_problems({**done, "book": {"bids": [], "asks": []}}, wire)[0].startswith("watch_order_book's book")
