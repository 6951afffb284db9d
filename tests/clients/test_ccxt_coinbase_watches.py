"""The Coinbase row's watch cells can fail: through ccxt.pro's coinbaseinternational on the Coinbase dialect's
websocket, a book whose notifications carry a wrong amount never becomes the mock's book (its cell fails naming how
the watch ended), and a public trade with a wrong price, or the trader's with a wrong fee, fails its cell naming the
field (mockexchange/contract/clients/ccxt_coinbase.py's `matrix_verdicts`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from deribit_notifications import broken

from mockexchange.contract.clients import ccxt_coinbase, ccxt_trading
from mockexchange.contract.clients.ccxt_coinbase import matrix_verdicts

pytestmark = [pytest.mark.clients, pytest.mark.slow]  # slow: conftest.py


def _wrong(channel: str, data: Any, sent: int) -> None:
    if channel.startswith("book."):
        for level in data["asks"]:
            level[2] += 1
    elif channel.startswith("trades."):
        data[0]["price"] += 1
    elif channel.startswith("user.trades."):
        data[0]["fee"] += 1


def test_a_wrong_book_or_trade_fails_the_coinbase_watch_cells(
    client_venvs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = ccxt_trading.deribit_mock
    for module in (ccxt_trading, ccxt_coinbase):  # (seeded_mock's mock, and the fill watch's)
        monkeypatch.setattr(module, "deribit_mock", lambda: broken(made(), _wrong))
    verdicts = matrix_verdicts(["orderbook-ws", "market-ws", "websocket"], tmp_path)
    book, market, fill = verdicts["orderbook-ws"], verdicts["market-ws"], verdicts["websocket"]
    assert not book.passed and "watch_order_book ended by timeout" in book.reason, book
    assert not market.passed and "price: ccxt" in market.reason, market
    assert not fill.passed and "fee" in fill.reason, fill
