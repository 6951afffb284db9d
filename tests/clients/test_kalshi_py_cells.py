"""kalshi-py's cells can fail: a server answering its reads with one value wrong (well formed, so the client parses
it) fails each read cell and each check of the markets scene it plays, naming the field; its book read must raise as
the finding says (its model reads a level as an object), so a book it parsed fails the check. Its orders, through the
first order routes (scenes/legacy_orders.py), fail on an order answered with a wrong count or status, a queue
position wrong, or a cancel of an order that ended said done."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from broken_answers import ByMethod, breaking_reads, each, each_fails, failed_checks, read_cells_fail, serving_through

from mockexchange.contract.clients import history, matrix
from mockexchange.contract.clients.scenes import legacy_orders, markets

pytestmark = [pytest.mark.clients, pytest.mark.slow]  # slow: conftest.py


def _wrong(tail: str, data: Any) -> None:
    """One value of each legacy answer made wrong, by the path after /trade-api/v2."""
    if tail == "/portfolio/positions":
        each(data["market_positions"], realized_pnl_dollars="-123.4567")
    elif tail == "/portfolio/fills":
        each(data["fills"], yes_price=99)
    elif tail == "/portfolio/settlements":
        for row in data["settlements"]:
            row["revenue"] += 1
    elif tail == "/portfolio/balance":
        data["balance"] += 100
    elif tail == "/markets":
        each(data["markets"], yes_bid=1)
    elif tail == "/markets/trades":
        each(data["trades"], count=99)
    elif tail.endswith("/orderbook"):  # levels as its model reads them: it parses, where it must raise
        book = data["orderbook"]
        for side in ("yes_dollars", "no_dollars"):
            book[side] = [{"price": price, "quantity": count} for price, count in book[side]]
    elif tail.startswith("/markets/"):
        data["market"]["floor_strike"] = 99.5
    elif tail == "/events":
        each(data["events"], title="broken")
    elif tail.startswith("/events/"):
        data["event"]["sub_title"] = "broken"
    elif tail == "/exchange/status":
        data["trading_active"] = not data["trading_active"]


_broken_mock = serving_through(breaking_reads(_wrong))


def test_a_wrong_value_fails_each_read_cell_naming_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for module in (matrix, history):
        monkeypatch.setattr(module, "MockServer", _broken_mock)
    named = {"positions-pages": "realized_pnl", "fills": "yes_price", "settlements": "revenue",
             "balance": "12463 not in the ledger"}  # fmt: skip
    read_cells_fail("kalshi-py", named, tmp_path)


def test_a_wrong_value_fails_each_market_data_check_naming_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(markets, "MockServer", _broken_mock)
    failed = failed_checks("kalshi-py", markets.MARKETS_SCENE, tmp_path)
    named = {
        "markets by event": "yes_bid", "a market": "floor_strike",
        "its book": "book: answered where the client was known to raise ValueError",
        "its trades": "count", "a series' events": "title", "an event": "sub_title",
        "the exchange's status": "trading_active",
    }  # fmt: skip
    each_fails(failed, named)


class WrongLegacyOrders(ByMethod):
    """The first order routes' answers: each create one contract more filled, the order read executed, the list's
    first order with 99 remaining, the queue position 99; a cancel of an order that ended said done."""

    paths = ("/portfolio/orders",)

    def wrong(self, method: str, tail: str, data: Any) -> None:
        if method == "POST" and tail == "/portfolio/orders":
            data["order"]["fill_count"] += 1
        elif tail == "/portfolio/orders":
            data["orders"][0]["remaining_count"] = 99
        elif tail.endswith("/queue_position"):
            data["queue_position"] = 99
        elif method == "GET" and tail.startswith("/portfolio/orders/") and "order" in data:
            data["order"]["status"] = "executed"

    def done(self, tail: str) -> tuple[int, bytes]:
        return 200, orjson.dumps({"order": None, "reduced_by": 0})


def test_a_wrong_value_fails_each_v1_orders_check_naming_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(legacy_orders, "MockServer", serving_through(WrongLegacyOrders))
    failed = failed_checks("kalshi-py", legacy_orders.LEGACY_ORDERS, tmp_path)
    named = {"orders placed": "fill_count", "amend, decrease and cancels": "cancel_again",
             "order reads": "status"}  # fmt: skip
    each_fails(failed, named)
    assert any("remaining_count" in problem for problem in failed["order reads"]), failed
    assert any("queue: queue_position" in problem for problem in failed["order reads"]), failed
