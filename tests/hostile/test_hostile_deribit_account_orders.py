"""An account's open Deribit orders are bounded by account, over real HTTP: its main wallet's and the subaccounts' it
opens itself together, on every instrument. The bound of each wallet on one instrument (11020) alone let one client
hold 500 open orders on each instrument in each of 101 wallets (858,500 orders, about 815 MB, on the default
instruments); past the account's bound (made small here) an order that may rest is refused with Deribit's 10013
`pme_max_total_open_orders`, that account's alone, nothing changed."""

from __future__ import annotations

import pytest
from deribit_rpc import Deribit

from mockexchange.core.clock import ManualClock
from mockexchange.core.deribit import order_entry as order_entry_module
from mockexchange.server import MockServer

PERP, ETH_PERP = "BTC-PERPETUAL", "ETH-PERPETUAL"
MOST = 4  # the account's open orders, in this test


@pytest.fixture
def mock():
    with MockServer(clock=ManualClock()) as server:
        for user in ("alice", "bob"):
            server.create_deribit_account(user, balances={"BTC": "10", "ETH": "100"})
        yield server


def client(mock: MockServer, user: str) -> Deribit:
    return Deribit(mock, mock.create_deribit_key(user, client_id=f"{user}-key", client_secret=f"{user}-secret"))


def buy(who: Deribit, instrument: str = PERP, price: int = 50_000, **params: object) -> dict:
    return who.rpc("private/buy", instrument_name=instrument, amount=10, price=price, **params)


def open_ids(who: Deribit, **params: object) -> list[str]:
    return [order["order_id"] for order in who.result("private/get_open_orders", **params)]


def test_an_accounts_open_orders_are_bounded_over_its_wallets_and_instruments(mock, monkeypatch):
    monkeypatch.setattr(order_entry_module, "MAX_OPEN_PER_ACCOUNT", MOST, raising=False)
    alice, bob = client(mock, "alice"), client(mock, "bob")
    subs = [alice.result("private/create_subaccount")["id"] for _ in range(2)]
    for sub in subs:
        alice.result("private/submit_transfer_to_subaccount", currency="BTC", amount=1, destination=sub)
    assert buy(alice)["result"]["order"]["order_state"] == "open"
    assert buy(alice, ETH_PERP, 3_000)["result"]["order"]["order_state"] == "open"
    assert buy(alice, subaccount_id=subs[0])["result"]["order"]["order_state"] == "open"
    assert buy(alice, price=49_000, subaccount_id=subs[1])["result"]["order"]["order_state"] == "open"
    before = (open_ids(alice), open_ids(alice, subaccount_id=subs[0]), open_ids(alice, subaccount_id=subs[1]))
    stop = {"type": "stop_limit", "trigger": "last_price", "trigger_price": 70_000, "price": 70_000}
    for refused in (buy(alice, price=48_000, subaccount_id=subs[1]), buy(alice, ETH_PERP, 2_900), buy(alice, **stop)):
        assert (refused["error"]["code"], refused["error"]["message"]) == (10013, "pme_max_total_open_orders"), refused
        assert refused["_status"] == 400
    assert (open_ids(alice), open_ids(alice, subaccount_id=subs[0]), open_ids(alice, subaccount_id=subs[1])) == before
    immediate = buy(alice, time_in_force="immediate_or_cancel")  # an order that cannot rest is not counted
    assert immediate["result"]["order"]["order_state"] == "cancelled"
    assert buy(bob)["result"]["order"]["order_state"] == "open"  # another account's orders are its own
    alice.result("private/cancel", order_id=before[1][0], subaccount_id=subs[0])
    assert buy(alice, price=48_000, subaccount_id=subs[1])["result"]["order"]["order_state"] == "open"
