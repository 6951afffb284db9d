"""cryptofeed's cells can fail: a server whose Deribit notifications carry one value wrong (a book level's amount, a
trade's price, a fill's fee, a balance) fails each of its three cells, naming what differs, in one run of the client
as the matrix runs it (mockexchange/contract/clients/cryptofeed_feeds.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from deribit_notifications import broken

from mockexchange.contract.clients import cryptofeed_feeds
from mockexchange.contract.clients.cryptofeed_feeds import COLUMNS, cryptofeed_verdicts
from mockexchange.server import MockServer

pytestmark = [pytest.mark.clients, pytest.mark.slow]  # slow: conftest.py


def _wrong(channel: str, data: Any, sent: int) -> None:
    """One value of a notification made wrong, by its channel (`sent`: the channel's notifications so far)."""
    if channel.startswith("book.") and sent == 2:  # the first change after the snapshot: bob's new ask
        data["asks"][0][2] += 1
    elif channel.startswith("trades."):
        data[0]["price"] += 1
    elif channel.startswith("user.trades."):
        data[0]["fee"] = 0
    elif channel.startswith("user.portfolio.") and sent > 1:  # (the first, before the fill, stays right)
        data["balance"] += 1


def _broken_mock(*args: Any, **options: Any) -> MockServer:
    return broken(MockServer(*args, **options), _wrong)


def test_a_wrong_value_in_a_notification_fails_each_cell_naming_it(
    client_venvs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cryptofeed_feeds, "MockServer", _broken_mock)
    verdicts = cryptofeed_verdicts(list(COLUMNS), tmp_path)
    assert {name: verdict.passed for name, verdict in verdicts.items()} == dict.fromkeys(COLUMNS, False), verdicts
    named = {
        "orderbook-ws": "after bob's new ask: the asks",
        "market-ws": "the trade (id, side, amount, price, ms)",
        "websocket": "alice's fill (id, order, side, amount, price, fee, liquidity, type, ms)",
    }
    for column, said in named.items():
        assert said in verdicts[column].reason, (column, verdicts[column].reason)
    assert "balance 1 after the fill" in verdicts["websocket"].reason, verdicts["websocket"].reason
