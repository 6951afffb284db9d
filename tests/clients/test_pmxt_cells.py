"""pmxt's cells can fail: a server answering each read pmxt makes with one value wrong (an outcome's bid, a book
level's size, a trade's count, a candle's volume, the balance, a position, a fill's count), and dropping its order
writes (answered as done, never reaching the exchange), fails each of its five cells, naming what differs, in one run
of the client as the matrix runs it (mockexchange/contract/clients/pmxt_play.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from broken_answers import breaking_reads, each, serving_through

from mockexchange.contract.clients import pmxt_play
from mockexchange.contract.clients.pmxt_play import COLUMNS, pmxt_verdicts

pytestmark = [pytest.mark.clients, pytest.mark.slow]  # slow: conftest.py


def _break(tail: str, data: dict[str, Any]) -> None:
    """One value of each read's answer made wrong, well formed (by the path after /trade-api/v2)."""
    if tail == "/events":  # (pmxt lists the markets through the events, their markets nested)
        for event in data["events"]:
            each(event["markets"], yes_bid_dollars="0.0100")
    elif tail.endswith("/orderbook"):
        data["orderbook_fp"]["yes_dollars"][-1][1] = "99.00"
    elif tail == "/markets/trades":
        each(data["trades"], count_fp="9.00")
    elif tail.endswith("/candlesticks"):
        each(data["candlesticks"], volume_fp="99.00")
    elif tail == "/portfolio/balance":
        data["balance"] += 100
    elif tail == "/portfolio/positions":
        each(data["market_positions"], position=7)
    elif tail == "/portfolio/fills":
        each(data["fills"], count_fp="9.00")


class BrokenForPmxt(breaking_reads(_break)):  # type: ignore[misc]
    """Every read's answer broken by `_break`; an order placed or cancelled answered as done and dropped."""

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] in ("POST", "DELETE") and "/portfolio/orders" in scope["path"]:
            body = orjson.dumps({"order": {"order_id": "dropped", "ticker": "", "status": "resting"}})
            await send({"type": "http.response.start", "status": 201 if scope["method"] == "POST" else 200,
                        "headers": [(b"content-type", b"application/json")]})  # fmt: skip
            await send({"type": "http.response.body", "body": body})
            return
        await super().__call__(scope, receive, send)


_broken_mock = serving_through(BrokenForPmxt)


def test_a_wrong_value_in_each_read_and_dropped_writes_fail_each_cell_naming_it(
    client_venvs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pmxt_play, "MockServer", _broken_mock)
    judged = pmxt_play.play(tmp_path)  # (what `pmxt_verdicts` says, every problem: a cell's reason names three)
    named = {
        "markets": ["KXPMX-26-A: (yes bid, yes ask, no bid, no ask)", "book: bids", "book_no: asks",
                    "trades (id, ms, price, amount, side)", "candles (ms, open, high, low, close, volume)"],
        "balance": ["(currency, available: the cents)"],
        "positions-pages": ["positions (market, whole size"],
        "fills": ["my trades (id, order, ms, yes price, amount, side)"],
        "orders": ["for what create_order placed", "the order cancel_order named is 'resting'"],
    }  # fmt: skip
    for column in COLUMNS:
        found = "; ".join(judged.problems[column])
        for words in named[column]:
            assert words in found, (column, words, found)


def test_a_verdict_fails_with_its_problems(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A cell is PASS only without a problem, and names its first three (no client run: the judging is stubbed)."""
    judged = pmxt_play.PmxtJudging({})
    judged.problems["balance"] = ["one", "two", "three", "four"]
    monkeypatch.setattr(pmxt_play, "play", lambda work_dir: judged)
    verdicts = pmxt_verdicts(list(COLUMNS), tmp_path)
    assert [name for name, v in verdicts.items() if not v.passed] == ["balance"]
    assert verdicts["balance"].reason.endswith(": one; two; three")
