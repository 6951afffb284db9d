"""ccxt 4.5.90 (its own venv, unmodified from PyPI) trading on the mock's Deribit venue: `create_order` (a limit that
rests, and one that crosses another account's resting order and fills at its price, paying the taker fee),
`edit_order`, `cancel_order`, `fetch_closed_orders`, `fetch_order_trades`, `cancel_all_orders` over REST, and
ccxt.pro's `watch_orders` and `watch_my_trades` following an order another account's order fills (`watch_order_book`
is test_ccxt_deribit_book.py's). The plays and their judging against the book are the client matrix's
(mockexchange/contract/clients/ccxt_trading.py); the values below are worked by hand besides."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from mockexchange.contract.clients.ccxt_trading import (
    OrdersWatch,
    orders_problems,
    play_orders,
    watch_orders,
    watch_problems,
)

pytestmark = [pytest.mark.clients, pytest.mark.slow]  # slow: conftest.py


def watch_orders_with(watched: OrdersWatch, done: dict) -> OrdersWatch:
    return OrdersWatch(done, watched.channels, watched.orders, watched.trades)


def test_create_edit_cancel_and_read_back_orders(client_venvs: dict[str, Path], tmp_path: Path) -> None:
    played = play_orders(tmp_path)
    assert orders_problems(played) == []
    outcomes = played.outcomes
    requests = {call: outcomes[call]["requests"][-1] for call in outcomes}
    assert requests["rest"]["path"] == "/api/v2/private/buy" and requests["edit"]["path"] == "/api/v2/private/edit"
    assert requests["cancel"]["path"] == "/api/v2/private/cancel"
    assert requests["all"]["path"] == "/api/v2/private/cancel_all_by_instrument"
    assert requests["closed"]["path"] == "/api/v2/private/get_order_history_by_instrument"
    assert requests["trades"]["path"] == "/api/v2/private/get_user_trades_by_order"
    assert (played.orders["rest"]["order_state"], played.orders["edit"]["order_state"]) == ("cancelled", "cancelled")
    edited = outcomes["edit"]["result"]
    assert (edited["id"], edited["price"], edited["amount"], edited["status"]) == ("seed-1", 48500.0, 200.0, "open")
    assert played.orders["edit"]["replaced"] is True
    # The crossing buy filled at the resting ask's price, the taker paying 0.05% of 20 USD / 61000 in BTC.
    cross = outcomes["cross"]["result"]
    (trade,) = played.trades[played.ids["cross"]]
    assert (trade["price"], trade["amount"], trade["liquidity"]) == (61000, 20, "T")
    assert trade["fee"] == Decimal("1.6E-7") and cross["status"] == "closed" and cross["average"] == 61000.0
    assert cross["fee"] == {"cost": "0.00000016", "currency": "BTC"}  # ccxt keeps an order's fee as text
    # fetch_closed_orders: only orders that filled something (seed-2 was cancelled unfilled).
    assert {row["order_id"] for row in played.closed} == {played.ids["cross"], "seed-3"}
    # fetch_order_trades: seed-3's one fill, alice's side of it (the maker's: no fee on a future).
    (parsed,) = outcomes["trades"]["result"]
    assert (parsed["side"], parsed["price"], parsed["amount"], parsed["takerOrMaker"]) == (
        "sell",
        63000.0,
        20.0,
        "maker",
    )
    # cancel_all_orders: the two orders still open on the instrument (rest and seed-1), counted by the wire.
    assert json.loads(requests["all"]["body"])["result"] == 2
    # The judging can fail: a client that read the crossing order's price wrong is named by field.
    cross["price"] = 61000.5
    assert orders_problems(played) == [f"order {played.ids['cross']} price: ccxt 61000.5, the book 61000.0"]


def test_watch_orders_and_my_trades_follow_a_fill(client_venvs: dict[str, Path], tmp_path: Path) -> None:
    watched = watch_orders(tmp_path)
    assert watch_problems(watched) == []
    missed = {**watched.done, "my_trades": []}
    assert watch_problems(watch_orders_with(watched, missed)) == ["watch_my_trades saw 0 trades, the book 1"]
    assert "user.orders.any.any.raw" in watched.channels
    latest = {order["id"]: order for order in watched.done["orders"]}
    resting, mine = watched.orders
    assert (latest[resting]["filled"], latest[resting]["remaining"], latest[resting]["status"]) == (40.0, 60.0, "open")
    assert (latest[mine]["status"], latest[mine]["price"]) == ("open", 60000.0)
    (parsed,) = watched.done["my_trades"]
    assert (parsed["side"], parsed["price"], parsed["amount"], parsed["takerOrMaker"]) == (
        "sell",
        61000.0,
        40.0,
        "maker",
    )
