"""A Deribit client's reduce-only orders and edits over real HTTP: a reduce-only order only ever reduces (one that
cannot reduce trades nothing and rests nothing that could add; one larger than the position rests no more than what is
left of the position, so a later taker cannot open a position through it; resting ones are held to the position as it
moves); an edit that moves a bid down is matched at its new price, as the public book shows it."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from decimal import Decimal

import pytest
from deribit_rpc import Deribit

from mockexchange.core.clock import ManualClock
from mockexchange.server import MockServer

PERP = "BTC-PERPETUAL"
NUMBERS = itertools.count()


@pytest.fixture(scope="module")
def mock():
    with MockServer(clock=ManualClock()) as server:
        yield server


@pytest.fixture
def clients(mock: MockServer) -> Iterator[tuple[Deribit, Deribit]]:
    """Two fresh accounts of the module's mock (so tests share no wallet); their orders cancelled after the test, so
    each test starts from an empty book."""
    made = []
    for _ in range(2):
        user = f"trader{next(NUMBERS)}"
        mock.create_deribit_account(user, balances={"BTC": "10"})
        made.append(Deribit(mock, mock.create_deribit_key(user)))
    yield made[0], made[1]
    for client in made:
        client.result("private/cancel_all")


def size(client: Deribit) -> Decimal:
    return client.decimal("private/get_position", instrument_name=PERP)["size"]


def long_100(alice: Deribit, bob: Deribit) -> None:
    bob.result("private/sell", instrument_name=PERP, amount=100, price=60000)
    alice.result("private/buy", instrument_name=PERP, amount=100, price=60000)
    assert size(alice) == 100


def test_a_reduce_only_buy_while_long_trades_nothing_and_rests_nothing_that_adds(clients) -> None:
    alice, bob = clients
    long_100(alice, bob)
    # Below the market: nothing crosses; were it to rest, a sell hitting it would add to the long.
    placed = alice.decimal("private/buy", instrument_name=PERP, amount=50, price=59000, reduce_only=True)
    assert placed["trades"] == [] and placed["order"]["order_state"] == "cancelled"
    assert placed["order"]["reduce_only"] is True and placed["order"]["filled_amount"] == 0
    assert alice.decimal("private/get_open_orders") == []
    assert alice.decimal("public/get_order_book", instrument_name=PERP)["bids"] == []
    taken = bob.decimal("private/sell", instrument_name=PERP, amount=50, price=59000)
    assert taken["trades"] == [] and taken["order"]["order_state"] == "open"
    assert size(alice) == 100
    # Crossing a resting sell: it takes nothing.
    crossing = alice.decimal("private/buy", instrument_name=PERP, amount=50, price=59000, reduce_only=True)
    assert crossing["trades"] == [] and crossing["order"]["order_state"] == "cancelled"
    assert size(alice) == 100 and size(bob) == -100


def test_a_reduce_only_sell_larger_than_the_long_takes_and_rests_only_what_reduces(clients) -> None:
    alice, bob = clients
    long_100(alice, bob)
    bob.result("private/buy", instrument_name=PERP, amount=30, price=59000)
    placed = alice.decimal("private/sell", instrument_name=PERP, amount=500, price=58000, reduce_only=True)
    # 30 taken at the bid; of the 470 left only 70 reduce: the order is cut to 100 and rests its 70.
    assert [(t["price"], t["amount"]) for t in placed["trades"]] == [(59000, 30)]
    order = placed["order"]
    assert (order["order_state"], order["amount"], order["filled_amount"]) == ("open", 100, 30)
    assert alice.decimal("public/get_order_book", instrument_name=PERP)["asks"] == [[58000, 70]]
    # A taker larger than what rests closes the long and opens nothing.
    taken = bob.decimal("private/buy", instrument_name=PERP, amount=500, price=58000)
    assert [(t["price"], t["amount"]) for t in taken["trades"]] == [(58000, 70)]
    assert size(alice) == 0
    closed = alice.decimal("private/get_order_state", order_id=order["order_id"])
    assert (closed["order_state"], closed["filled_amount"]) == ("filled", 100)


def test_a_bid_edited_down_trades_at_its_new_price_only(clients) -> None:
    alice, bob = clients
    bid = alice.decimal("private/buy", instrument_name=PERP, amount=100, price=60000)["order"]
    edited = alice.decimal("private/edit", order_id=bid["order_id"], amount=100, price=59000)["order"]
    assert (edited["price"], edited["order_state"]) == (59000, "open")
    # A sell between the old price and the new one crosses nothing: it rests, and the book shows both.
    between = bob.decimal("private/sell", instrument_name=PERP, amount=100, price=59500)
    assert between["trades"] == [] and between["order"]["order_state"] == "open"
    book = alice.decimal("public/get_order_book", instrument_name=PERP)
    assert (book["bids"], book["asks"]) == ([[59000, 100]], [[59500, 100]])
    assert (size(alice), size(bob)) == (0, 0)
    # At the new price it trades, at that price.
    taken = bob.decimal("private/sell", instrument_name=PERP, amount=40, price=59000)
    assert [(t["price"], t["amount"]) for t in taken["trades"]] == [(59000, 40)]
    assert alice.decimal("private/get_order_state", order_id=bid["order_id"])["filled_amount"] == 40


def test_resting_reduce_only_orders_are_held_to_the_position_as_it_moves(clients) -> None:
    alice, bob = clients
    long_100(alice, bob)
    first = alice.decimal("private/sell", instrument_name=PERP, amount=100, price=61000, reduce_only=True)["order"]
    assert (first["order_state"], first["amount"]) == ("open", 100)
    # Beside the first, nothing is left to reduce: a second ends at once.
    second = alice.decimal("private/sell", instrument_name=PERP, amount=50, price=62000, reduce_only=True)
    assert second["trades"] == [] and second["order"]["order_state"] == "cancelled"
    # The long shrinks by a plain sell, resting then taken, or taking: the reduce-only sell is cut to what is left.
    alice.result("private/sell", instrument_name=PERP, amount=30, price=60500)
    bob.result("private/buy", instrument_name=PERP, amount=30, price=60500)
    held = alice.decimal("private/get_order_state", order_id=first["order_id"])
    assert (size(alice), held["order_state"], held["amount"]) == (70, "open", 70)
    bob.result("private/buy", instrument_name=PERP, amount=30, price=59000)
    alice.result("private/sell", instrument_name=PERP, amount=30, price=59000)
    held = alice.decimal("private/get_order_state", order_id=first["order_id"])
    assert (size(alice), held["order_state"], held["amount"]) == (40, "open", 40)
    assert alice.decimal("public/get_order_book", instrument_name=PERP)["asks"] == [[61000, 40]]
    taken = bob.decimal("private/buy", instrument_name=PERP, amount=500, price=61000)
    assert [(t["price"], t["amount"]) for t in taken["trades"]] == [(61000, 40)]
    assert size(alice) == 0
