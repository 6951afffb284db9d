"""ccxt.pro 4.5.90, unmodified from PyPI in its own venv, against the mock's Deribit order book: `watch_order_book`
(book.{instrument}.100ms) following orders placed and cancelled after its subscription was acknowledged. Every level
ccxt parsed equals the mock's book: the wire's JSON number read as a Decimal equals the book's, and ccxt's float
equals that number. (`fetch_order_book` and `fetch_ticker` run with the other REST reads:
test_ccxt_deribit_market_data.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from mockexchange.contract.clients.ccxt_trading import BOOK_UNTIL, book_ws_problems, watch_book

pytestmark = [pytest.mark.clients, pytest.mark.slow]  # slow: conftest.py

PERP = "BTC-PERPETUAL"


def test_watch_order_book_follows_every_move(client_venvs: dict[str, Path], tmp_path: Path) -> None:
    done, channels, wire = watch_book(tmp_path, BOOK_UNTIL)
    assert book_ws_problems(done, wire) == []
    assert channels == [f"book.{PERP}.100ms"]
    assert done["book"]["bids"] == BOOK_UNTIL["bids"] and done["book"]["asks"] == BOOK_UNTIL["asks"]
    frames = [m["params"]["data"] for m in done["received"] if m.get("method") == "subscription"]
    assert frames[0]["type"] == "snapshot" and [f["type"] for f in frames[1:]] == ["change"] * 4
    assert frames[-1]["change_id"] == wire["change_id"]
    assert book_ws_problems({**done, "book": {"bids": [], "asks": []}}, wire)[0].startswith("watch_order_book's book")
