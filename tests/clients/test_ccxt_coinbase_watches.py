"""The Coinbase row's watch cells can fail: through ccxt.pro's coinbaseinternational on the Coinbase dialect's
websocket, a book whose notifications carry a wrong amount never becomes the mock's book (its cell fails naming how
the watch ended), and a public trade with a wrong price, or the trader's with a wrong fee, fails its cell naming the
field (mockexchange/contract/clients/ccxt_coinbase.py's `matrix_verdicts`); and a book answered wrong over public
REST fails its markets cell."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from broken_answers import BreakingAnswers, serving_through
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


class WrongBook(BreakingAnswers):  # type: ignore[misc]
    """The Coinbase dialect's public/get_order_book and public/ticker answer with the best ask's amount one more."""

    def covers(self, scope: dict[str, Any]) -> bool:
        return scope["path"].endswith(("/coinbase/api/v2/public/get_order_book", "/coinbase/api/v2/public/ticker"))

    def broken(self, path: str, data: Any) -> None:
        if "asks" in data["result"]:
            data["result"]["asks"][0][1] += 1
        data["result"]["best_ask_amount"] += 1


def test_a_wrong_book_fails_the_coinbase_markets_cell(
    client_venvs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ccxt_coinbase, "MockServer", serving_through(WrongBook))
    verdict = matrix_verdicts(["markets"], tmp_path)["markets"]
    assert not verdict.passed and "fetch_order_book: ccxt" in verdict.reason, verdict
    assert "fetch_ticker's best bid and ask" in verdict.reason, verdict
