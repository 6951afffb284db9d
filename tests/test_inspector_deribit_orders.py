"""A Deribit wallet's orders and the book it trades on in the inspector's account read, over real HTTP: its open orders
and order history as the venue serves each order, the book as public/get_order_book answers it with the wallet's own
levels beside it, the instrument chosen by the query; the live feed naming the instrument an order moved; and the house
(the mock's own liquidity) listed apart from the users."""

from __future__ import annotations

from typing import Any

import inspector_orders as orders
import plain_http
from deribit_rpc import Deribit
from kalshi_http import signed
from test_inspector_api import Events

from mockexchange.core.kalshi.accounts import HOUSE
from mockexchange.server import MockServer

PERP = "BTC-PERPETUAL"


server, mock = orders.sandbox_fixtures()  # a mock for the module, reset for each test (and inspector_orders' alice)


def trading(mock: MockServer) -> Deribit:
    """dan (a key) and eve; dan rests a labelled bid and an ask on the perpetual, eve a larger bid at dan's price, and
    eve's sell fills 10 of dan's bid (first in the queue); dan's ETH bid is placed and cancelled."""
    mock.create_deribit_account("dan", balances={"BTC": "10", "ETH": "100"})
    mock.create_deribit_account("eve", balances={"BTC": "10"})
    dan = Deribit(mock, mock.create_deribit_key("dan"))
    dan.result("private/buy", instrument_name=PERP, amount=100, type="limit", price=59_000, label="bot-bid")
    dan.result("private/sell", instrument_name=PERP, amount=50, type="limit", price=61_000)
    mock.deribit_place_order("eve", PERP, "buy", "200", price="59000")
    mock.deribit_place_order("eve", PERP, "sell", "10", price="59000")
    placed = dan.result("private/buy", instrument_name="ETH-PERPETUAL", amount=10, type="limit", price=3_000)
    dan.result("private/cancel", order_id=placed["order"]["order_id"])
    return dan


def inspected(mock: MockServer, user_id: str, **query: Any) -> plain_http.httpx.Response:
    return plain_http.get(f"{mock.base_url}/_admin/accounts/{user_id}", params=query, timeout=10)


def test_a_wallets_orders_are_each_as_the_venue_serves_it(mock: MockServer) -> None:
    dan = trading(mock)
    r = inspected(mock, "dan")
    assert r.status_code == 200, r.text
    orders = r.json()["deribit"]["orders"]
    served = dan.result("private/get_open_orders")
    assert [o["order_id"] for o in orders["open"]["orders"]] == [o["order_id"] for o in reversed(served)]
    assert sorted(orders["open"]["orders"], key=lambda o: o["order_id"]) == sorted(served, key=lambda o: o["order_id"])
    bid = next(o for o in orders["open"]["orders"] if o["label"] == "bot-bid")
    assert (bid["filled_amount"], bid["order_state"]) == (10, "open")
    history = dan.result("private/get_order_history_by_currency", currency="ETH", include_unfilled=True)
    assert orders["history"]["orders"] == history and history[0]["order_state"] == "cancelled"
    assert (orders["open"]["more"], orders["history"]["more"]) == (False, False)


def test_the_book_is_the_venues_with_the_wallets_own_levels_beside_it(mock: MockServer) -> None:
    dan = trading(mock)
    deribit = inspected(mock, "dan").json()["deribit"]
    assert deribit["instruments"] == [PERP, "ETH-PERPETUAL"][: len(deribit["instruments"])]
    book = deribit["book"]
    assert book["instrument_name"] == PERP
    assert book["order_book"] == dan.result("public/get_order_book", instrument_name=PERP)
    assert book["order_book"]["bids"] == [[59_000, 290]] and book["order_book"]["asks"] == [[61_000, 50]]
    bid_id, ask_id = (o["order_id"] for o in sorted(dan.result("private/get_open_orders"), key=lambda o: o["price"]))
    assert book["own"] == {
        "bids": [{"price": 59_000, "amount": 90, "orders": 1, "order_ids": [bid_id]}],
        "asks": [{"price": 61_000, "amount": 50, "orders": 1, "order_ids": [ask_id]}],
    }
    assert deribit["queries"]["order_book"] == f"public/get_order_book?instrument_name={PERP}"
    trades = dan.result("public/get_last_trades_by_instrument", instrument_name=PERP, count=20)["trades"]
    assert book["trades"] == trades and [(t["price"], t["amount"]) for t in trades] == [(59_000, 10)]
    now = trades[0]["timestamp"]  # (the manual clock has not moved)
    window = {"start_timestamp": now - 3_600_000, "end_timestamp": now}
    chart = dan.result("public/get_tradingview_chart_data", instrument_name=PERP, resolution="1", **window)
    assert book["chart"] == chart and (chart["status"], chart["close"]) == ("ok", [59_000])
    assert chart["volume"] == [0.00016949]  # (in BTC: 10 USD at 59,000)
    eve = inspected(mock, "eve").json()["deribit"]["book"]
    assert eve["own"]["bids"][0]["amount"] == 200 and eve["own"]["asks"] == []


def test_the_book_shown_is_the_instrument_asked_for(mock: MockServer) -> None:
    trading(mock)
    other = inspected(mock, "dan", instrument="ETH-PERPETUAL").json()["deribit"]["book"]
    assert (other["instrument_name"], other["own"]) == ("ETH-PERPETUAL", {"bids": [], "asks": []})
    unknown = inspected(mock, "dan", instrument="NOPE-PERPETUAL")
    assert unknown.status_code == 404 and "NOPE-PERPETUAL" in unknown.json()["error"]
    long = inspected(mock, "dan", instrument="X" * 1_000)
    assert long.status_code == 400 and "instrument has at most" in long.json()["error"]
    twice = plain_http.get(f"{mock.base_url}/_admin/accounts/dan?instrument=A&instrument=B", timeout=10)
    assert twice.status_code == 400 and "more than once" in twice.json()["error"]


def test_a_wallet_that_never_traded_shows_no_book(mock: MockServer) -> None:
    mock.create_deribit_account("dan", balances={"BTC": "1"})
    deribit = inspected(mock, "dan").json()["deribit"]
    assert (deribit["book"], deribit["instruments"]) == (None, [])
    assert deribit["orders"]["open"] == {"orders": [], "more": False}


def test_the_feed_names_the_instrument_an_order_or_a_trade_moved(mock: MockServer) -> None:
    mock.create_deribit_account("eve", balances={"ETH": "10"})
    events = Events(mock)
    try:
        events.wait_for("hello")
        mock.deribit_place_order("eve", "ETH-PERPETUAL", "buy", "10", price="3000")
        moved = events.wait_for("instruments", lambda d: d["instrument_names"])
        assert moved == {"instrument_names": ["ETH-PERPETUAL"]}
        mock.deribit_fill("eve", "BTC-PERPETUAL", "buy", "10", "60000")  # a trade with no order: it moves the trades
        moved = events.wait_for("instruments", lambda d: d["instrument_names"] == ["BTC-PERPETUAL"])
        plain_http.post(f"{mock.base_url}/_admin/reset", json={}, timeout=10)
        events.wait_for("instruments", lambda d: d["instrument_names"] is None)
    finally:
        events.close()


def test_the_house_is_listed_apart_from_the_users(mock: MockServer) -> None:
    with signed(mock, "alice", key_type="ed25519") as client:  # takes the house's ask: the house pays its maker fee
        orders.place(client, price="0.45", count="5", time_in_force="immediate_or_cancel")
    assert mock.ledger.state.accounts[HOUSE].balance(0, 0) < 0
    listed = plain_http.get(f"{mock.base_url}/_admin/accounts", timeout=10).json()
    assert [user["user_id"] for user in listed["kalshi"]] == ["alice", "bob"]
    assert listed["house"] == {"user_id": HOUSE}
    house = inspected(mock, HOUSE).json()["kalshi"]
    assert house["house"] is True and inspected(mock, "alice").json()["kalshi"]["house"] is False
