"""What one Deribit client can make the mock hold is bounded per account, over real HTTP: a flood of orders never
refuses another account's (closed orders are kept per account up to `deribit_history_size`, the oldest dropped: an
order dropped is unknown, 10004), open orders per account and instrument (11020) and per account over its wallets and
instruments (10013: the first alone let one client hold 500 on each instrument in each of 101 wallets, 858,500 orders
of about 1 KB on the default instruments), the amounts one account trades, its trades, transaction log and
withdrawals, and the tokens one key holds. Each bound is made small for the test."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import plain_http
import pytest
from deribit_rpc import Deribit

from mockexchange.auth.deribit import tokens as tokens_module
from mockexchange.auth.deribit.keys import DeribitCredential
from mockexchange.control.errors import ControlError
from mockexchange.core.clock import ManualClock
from mockexchange.core.deribit import matching as matching_module
from mockexchange.core.deribit import order_entry as order_entry_module
from mockexchange.core.deribit import trading as trading_module
from mockexchange.core.deribit import wallets as wallets_module
from mockexchange.server import MockServer

PERP = "BTC-PERPETUAL"
DATED = "BTC-25DEC26"
OPTION = "BTC-25DEC26-65000-C"
LINEAR_OPTION = "BTC_USDC-25DEC26-60000-C"
KEPT = 5  # each account's history, in each test


@pytest.fixture
def mock():
    with MockServer(clock=ManualClock(), deribit_history_size=KEPT) as server:
        for user in ("alice", "bob", "carol", "dave"):
            server.create_deribit_account(user, balances={"BTC": "10"})
        yield server


def client(mock: MockServer, user: str) -> Deribit:
    return Deribit(mock, mock.create_deribit_key(user, client_id=f"{user}-key", client_secret=f"{user}-secret"))


def ioc(who: Deribit, direction: str = "buy", amount: int = 10, price: int = 60000) -> dict[str, Any]:
    """An immediate-or-cancel limit order: it takes what crosses it and ends."""
    made = who.rpc(f"private/{direction}", instrument_name=PERP, amount=amount, price=price,
                   time_in_force="immediate_or_cancel")  # fmt: skip
    assert "result" in made, made
    return made["result"]["order"]


def history(who: Deribit, **params: Any) -> list[str]:
    rows = who.result("private/get_order_history_by_currency", currency="BTC", include_unfilled=True, count=100,
                      **params)  # fmt: skip
    return [row["order_id"] for row in rows]


def test_a_flood_of_immediate_or_cancel_orders_never_refuses_another_accounts_order(mock, monkeypatch):
    # The mock once kept one count of orders for every account (100,000 of them, never freed before a reset); a bound
    # of the flood's size stands in for it here: an account's flood must not reach another's orders, whatever it is.
    monkeypatch.setattr(order_entry_module, "MAX_ORDERS", 8, raising=False)
    alice, bob = client(mock, "alice"), client(mock, "bob")
    flood = [ioc(alice)["order_id"] for _ in range(3 * KEPT)]  # nothing to take: each ends cancelled at once
    assert len(set(flood)) == 3 * KEPT
    rested = bob.rpc("private/buy", instrument_name=PERP, amount=10, price=50000)
    assert rested["result"]["order"]["order_state"] == "open", rested
    assert ioc(alice)["order_state"] == "cancelled"  # nor locks out the flooding account itself


def test_the_flooding_accounts_history_keeps_its_newest_up_to_the_bound(mock):
    alice, bob = client(mock, "alice"), client(mock, "bob")
    bobs = ioc(bob)["order_id"]
    flood = [ioc(alice)["order_id"] for _ in range(KEPT + 3)]
    newest = flood[::-1][:KEPT]
    assert history(alice) == newest == history(alice, historical=True)
    gone = alice.rpc("private/get_order_state", order_id=flood[0])
    assert (gone["error"]["code"], gone["error"]["message"]) == (10004, "order_not_found")
    assert alice.result("private/get_order_state", order_id=flood[-1])["order_state"] == "cancelled"
    assert history(bob) == [bobs]  # another account's history is its own
    mock.advance_clock(seconds=31 * 60)  # Deribit's recent orders are the last 30 minutes'; historical keeps on
    assert history(alice) == [] and history(alice, historical=True) == newest


def test_an_accounts_open_orders_on_an_instrument_are_bounded_alone(mock, monkeypatch):
    monkeypatch.setattr(order_entry_module, "MAX_OPEN_PER_INSTRUMENT", 3, raising=False)
    alice, bob = client(mock, "alice"), client(mock, "bob")
    placed = [alice.result("private/buy", instrument_name=PERP, amount=10, price=50000 + n)["order"] for n in range(3)]
    refused = alice.rpc("private/buy", instrument_name=PERP, amount=10, price=50100)
    assert (refused["error"]["code"], refused["error"]["message"]) == (11020, "max_open_orders_per_instrument")
    assert ioc(alice)["order_state"] == "cancelled"  # an order that cannot rest is not counted
    assert bob.result("private/buy", instrument_name=PERP, amount=10, price=50000)["order"]["order_state"] == "open"
    alice.result("private/cancel", order_id=placed[0]["order_id"])
    assert alice.result("private/buy", instrument_name=PERP, amount=10, price=50100)["order"]["order_state"] == "open"


def test_an_accounts_open_orders_are_bounded_over_its_wallets_and_instruments(mock, monkeypatch):
    monkeypatch.setattr(order_entry_module, "MAX_OPEN_PER_ACCOUNT", 4, raising=False)
    alice, bob = client(mock, "alice"), client(mock, "bob")
    subs = [alice.result("private/create_subaccount")["id"] for _ in range(2)]
    for sub in subs:
        alice.result("private/submit_transfer_to_subaccount", currency="BTC", amount=1, destination=sub)

    def buy(instrument: str = PERP, price: int = 50_000, **params: object) -> dict[str, Any]:
        return alice.rpc("private/buy", instrument_name=instrument, amount=10, price=price, **params)

    def open_ids() -> tuple[list[str], ...]:
        return tuple([order["order_id"] for order in alice.result("private/get_open_orders", subaccount_id=wallet)]
                     for wallet in (None, *subs))  # fmt: skip

    for made in (buy(), buy(DATED), buy(subaccount_id=subs[0]), buy(price=49_000, subaccount_id=subs[1])):
        assert made["result"]["order"]["order_state"] == "open", made
    before = open_ids()
    stop = {"type": "stop_limit", "trigger": "last_price", "trigger_price": 70_000, "price": 70_000}
    for refused in (buy(price=48_000, subaccount_id=subs[1]), buy(DATED, 49_000), buy(**stop)):
        assert (refused["error"]["code"], refused["error"]["message"]) == (10013, "pme_max_total_open_orders"), refused
        assert refused["_status"] == 400
    assert open_ids() == before  # refused: nothing changed
    assert ioc(alice)["order_state"] == "cancelled"  # an order that cannot rest is not counted
    rested = bob.result("private/buy", instrument_name=PERP, amount=10, price=50_000)["order"]
    assert rested["order_state"] == "open"  # another account's orders are its own
    alice.result("private/cancel", order_id=before[1][0], subaccount_id=subs[0])
    assert buy(price=48_000, subaccount_id=subs[1])["result"]["order"]["order_state"] == "open"


def test_the_traded_bound_refuses_only_the_account_that_reached_it(mock, monkeypatch):
    for module in (trading_module, matching_module):  # (where each reads it)
        monkeypatch.setattr(module, "MAX_TRADED", Decimal(40), raising=False)
    alice, bob, carol, dave = (client(mock, user) for user in ("alice", "bob", "carol", "dave"))
    bob.result("private/sell", instrument_name=PERP, amount=40, price=60000)
    dave.result("private/sell", instrument_name=PERP, amount=40, price=60010)
    for _ in range(4):  # alice takes bob's 40, 10 at a time
        assert ioc(alice)["filled_amount"] == 10
    refused = alice.rpc(
        "private/buy", instrument_name=PERP, amount=10, price=60010, time_in_force="immediate_or_cancel"
    )
    assert refused["error"]["code"] == 10001 and "40" in refused["error"]["mockexchange_diagnosis"], refused
    assert ioc(carol, price=60010)["filled_amount"] == 10  # carol trades with dave as before
    assert alice.decimal("private/get_position", instrument_name=PERP)["size"] == 40


def test_the_traded_bound_counts_what_open_orders_may_trade(mock, monkeypatch):
    """Alice's resting bid of 30 may still trade: with it, a seeded fill of 20 would take her past 40 (refused, in
    words naming both), one of 10 reaches it exactly."""
    for module in (trading_module, matching_module):
        monkeypatch.setattr(module, "MAX_TRADED", Decimal(40), raising=False)
    alice = client(mock, "alice")
    alice.result("private/buy", instrument_name=PERP, amount=30, price=50000)
    account = alice.result("private/get_account_summary", currency="BTC")["id"]
    with pytest.raises(ControlError) as refused:
        mock.deribit_fill("alice", PERP, "sell", "20", "60000")
    assert str(refused.value) == (
        f"amount 20 would take the amounts traded by account {account} (0, and 30 its open orders may trade) past 40, "
        "what one account trades between resets"
    )
    assert refused.value.status == 409
    mock.deribit_fill("alice", PERP, "sell", "10", "60000")
    assert alice.decimal("private/get_position", instrument_name=PERP)["size"] == -10


def test_an_accounts_trades_log_and_withdrawals_stay_within_its_bound(mock):
    alice, bob = client(mock, "alice"), client(mock, "bob")
    bob.result("private/sell", instrument_name=PERP, amount=10 * (KEPT + 2), price=60000)
    made = [ioc(alice)["order_id"] for _ in range(KEPT + 2)]
    trades = alice.result("private/get_user_trades_by_currency", currency="BTC", count=100, historical=True)
    assert [t["order_id"] for t in trades["trades"]] == made[::-1][:KEPT]
    for _ in range(KEPT + 1):
        alice.result("private/withdraw", currency="BTC", address="tb1-somewhere", amount=0.001)
    assert alice.result("private/get_withdrawals", currency="BTC", count=100)["count"] == KEPT
    log = alice.result("private/get_transaction_log", currency="BTC", start_timestamp=0, end_timestamp=253402300799999,
                       count=100)["logs"]  # fmt: skip
    assert [entry["type"] for entry in log] == ["withdrawal"] * KEPT
    assert [entry["user_seq"] for entry in log] == list(range(2 * KEPT + 3, KEPT + 3, -1))  # counted on
    assert len(bob.result("private/get_user_trades_by_currency", currency="BTC", count=100)["trades"]) == KEPT


def test_the_tokens_one_key_holds_are_bounded_by_key(mock, monkeypatch):
    monkeypatch.setattr(tokens_module, "MAX_TOKENS_PER_KEY", 3, raising=False)
    alice, bob = client(mock, "alice"), client(mock, "bob")
    bobs = bob.result("public/auth", grant_type="client_credentials", client_id="bob-key", client_secret="bob-secret")
    grants = [
        alice.result(
            "public/auth", grant_type="client_credentials", client_id="alice-key", client_secret="alice-secret"
        )
        for _ in range(4)
    ]

    def with_token(token: str) -> dict[str, Any]:
        body = {"jsonrpc": "2.0", "id": 1, "method": "private/get_account_summary", "params": {"currency": "BTC"}}
        answer = plain_http.post(f"{mock.deribit_url}/api/v2", json=body, headers={"Authorization": f"Bearer {token}"},
                                 timeout=10).json()  # fmt: skip
        return answer.get("error") or answer["result"]

    assert with_token(grants[0]["access_token"])["code"] == 13009  # the key's oldest, forgotten
    assert with_token(grants[-1]["access_token"])["currency"] == "BTC"
    assert with_token(bobs["access_token"])["currency"] == "BTC"  # another key's tokens stand


def test_a_connection_that_authenticates_again_and_again_holds_only_the_tokens_kept(monkeypatch):
    """A websocket connection's grants are counted for private/logout; one that asks for a pair thousands of times
    holds a list the size of the tokens still kept (its key's newest), not of the times it asked, and its logout still
    ends the newest pair."""
    monkeypatch.setattr(tokens_module, "MAX_TOKENS_PER_KEY", 3, raising=False)
    monkeypatch.setattr(tokens_module, "_CONNECTION_LOOK", 8, raising=False)
    store = tokens_module.TokenStore(ManualClock())
    key = DeribitCredential("alice-key", "alice-secret", "alice")
    grants = [store.issue(key, connection_id="c1") for _ in range(500)]
    assert len(store._of_connection["c1"]) <= 4 * 2 * 3  # (the kept pairs, at most doubled before the next look)
    newest = grants[-1]
    assert not isinstance(store.access(newest.access_token, connection_id="c1"), tokens_module.AuthFailure)
    store.log_out("c1", None)
    assert isinstance(store.access(newest.access_token, connection_id="c1"), tokens_module.AuthFailure)
    assert isinstance(store.refresh(newest.refresh_token), tokens_module.AuthFailure)


def positions(who: Deribit, instrument: str, *wallets: int) -> list[Decimal]:
    return [who.decimal("private/get_position", instrument_name=instrument, subaccount_id=w)["size"] for w in wallets]


def test_a_move_whose_target_would_pass_the_traded_bound_moves_nothing(mock, monkeypatch):
    """Each side of a move is a trade, and the target's checks once came after the source's trade was made: a move
    refused on the target's side took the position from the source and gave it to nobody. Two moves of 10: the
    target, whose open bid may trade 30, passes the bound (45 here) only with both, so the checks add them up."""
    for module in (trading_module, matching_module):
        monkeypatch.setattr(module, "MAX_TRADED", Decimal(45), raising=False)
    alice = client(mock, "alice")
    main = alice.result("private/get_account_summary", currency="BTC")["id"]
    sub = mock.create_deribit_subaccount("alice", balances={"BTC": "1"})["id"]
    mock.deribit_fill("alice", PERP, "buy", "20", "60000")
    alice.result("private/buy", instrument_name=PERP, amount=30, price=50000, subaccount_id=sub)
    move = {"instrument_name": PERP, "price": 60000, "amount": 10}
    refused = alice.rpc("private/move_positions", source_uid=main, target_uid=sub, trades=[move, move])
    assert refused["error"]["code"] == 10001, refused
    assert refused["error"]["mockexchange_diagnosis"].startswith(
        f"amount 20 would take the amounts traded by account {sub} (0, and 30 its open orders may trade) past 45"
    )
    assert positions(alice, PERP, main, sub) == [20, 0]
    trades = [alice.result("private/get_user_trades_by_currency", currency="BTC", subaccount_id=w)["trades"]
              for w in (main, sub)]  # fmt: skip
    assert [len(kept) for kept in trades] == [1, 0]  # the seeded fill alone
    moved = alice.result("private/move_positions", source_uid=main, target_uid=sub, trades=[move])
    assert len(moved["trades"]) == 1 and positions(alice, PERP, main, sub) == [10, 10]


def test_a_move_whose_target_balance_would_pass_its_bound_moves_nothing(mock, monkeypatch):
    """The source, short an option, buys it back from the target at 15 BTC: the source's balance stays within the
    bound (made 20 here) and the target's would not (10 + 15), so neither side is made."""
    monkeypatch.setattr(wallets_module, "MAX_BALANCE", Decimal(20), raising=False)
    alice = client(mock, "alice")
    main = alice.result("private/get_account_summary", currency="BTC")["id"]
    sub = mock.create_deribit_subaccount("alice", balances={"BTC": "10"})["id"]
    mock.deribit_fill("alice", OPTION, "sell", "1", "0.01")
    before = [
        alice.decimal("private/get_account_summary", currency="BTC", subaccount_id=w)["balance"] for w in (main, sub)
    ]
    refused = alice.rpc("private/move_positions", source_uid=main, target_uid=sub,
                        trades=[{"instrument_name": OPTION, "price": 15, "amount": 1}])  # fmt: skip
    assert refused["error"]["code"] == -32602, refused  # (the moves named: `trades`)
    assert (
        f"balance of account {sub} to 25; a balance stays within -20 to 20"
        in refused["error"]["mockexchange_diagnosis"]
    )
    assert positions(alice, OPTION, main, sub) == [-1, 0]
    after = [
        alice.decimal("private/get_account_summary", currency="BTC", subaccount_id=w)["balance"] for w in (main, sub)
    ]
    assert after == before
    moved = alice.result("private/move_positions", source_uid=main, target_uid=sub,
                         trades=[{"instrument_name": OPTION, "price": 5, "amount": 1}])  # fmt: skip
    assert moved["trades"][0]["direction"] == "buy" and positions(alice, OPTION, main, sub) == [0, -1]


def test_moves_of_one_instrument_are_checked_as_each_leaves_the_position(mock, monkeypatch):
    """The target, short 1,000,000 USD of the perpetual from 60,000, takes two moves of that at 30,000: the first
    closes its short (about 16.67 BTC realized: 26.67 of a bound made 30), the second opens a long, which realizes
    nothing. Checked against the position as the first left it, the move is within every bound."""
    monkeypatch.setattr(wallets_module, "MAX_BALANCE", Decimal(30), raising=False)
    alice = client(mock, "alice")
    main = alice.result("private/get_account_summary", currency="BTC")["id"]
    sub = mock.create_deribit_subaccount("alice", balances={"BTC": "10"})["id"]
    mock.deribit_fill("alice", PERP, "buy", "2000000", "60000")
    mock.deribit_fill("alice", PERP, "sell", "1000000", "60000", subaccount_id=sub)
    move = {"instrument_name": PERP, "price": 30000, "amount": 1000000}
    moved = alice.result("private/move_positions", source_uid=main, target_uid=sub, trades=[move, move])
    assert len(moved["trades"]) == 2 and positions(alice, PERP, main, sub) == [0, 1000000]
    balance = alice.decimal("private/get_account_summary", currency="BTC", subaccount_id=sub)["balance"]
    assert Decimal(26) < balance < Decimal(27)


def test_a_crossing_whose_fee_would_pass_its_bound_takes_nothing(mock):
    """A trade's fee is held to `MAX_FEE` (10^9), and a crossing once learned it only as it made its second fill: the
    order answered an error after its first fill was made, the levels it had planned to take gone from the book with
    the maker's order still shown open. Two asks of a linear option at 25,000 USDC with the index at 10^7: the second,
    400,000, costs its taker 1.2 * 10^9 USDC of fee. Refused before anything is made, the book takes others' orders."""
    mock.set_index_price("btc_usdc", "10000000")
    for user in ("erin", "frank", "gina"):
        mock.create_deribit_account(user, balances={"USDC": "1000000000000"})
    erin, gina = client(mock, "erin"), client(mock, "gina")
    mock.deribit_order("frank", LINEAR_OPTION, "sell", "0.01", "25000")
    mock.deribit_order("frank", LINEAR_OPTION, "sell", "400000", "25000")
    refused = erin.rpc("private/buy", instrument_name=LINEAR_OPTION, amount=400000.01, price=25000)
    assert refused["error"] == {"code": 10001, "message": "error", "mockexchange_diagnosis": (
        "a trade's fee of 1200000000 USDC would pass 1000000000, the most one trade pays")}, refused  # fmt: skip
    assert erin.decimal("private/get_position", instrument_name=LINEAR_OPTION)["size"] == 0
    assert erin.result("private/get_user_trades_by_currency", currency="USDC")["trades"] == []
    taken = gina.result("private/buy", instrument_name=LINEAR_OPTION, amount=0.02, price=25000,
                        time_in_force="immediate_or_cancel")  # fmt: skip
    assert [trade["amount"] for trade in taken["trades"]] == [0.01, 0.01]  # both of frank's orders, as they rested


def test_the_traded_bound_counts_a_linked_orders_secondaries(mock, monkeypatch):
    """An OCO's other order (and an OTO's waiting ones) may trade as well: once only the primary was counted, and
    each linked order let a wallet hold more than its bound allows."""
    for module in (trading_module, matching_module):
        monkeypatch.setattr(module, "MAX_TRADED", Decimal(40), raising=False)
    alice = client(mock, "alice")
    account = alice.result("private/get_account_summary", currency="BTC")["id"]
    linked = {"instrument_name": PERP, "price": 50000, "linked_order_type": "one_cancels_other"}
    refused = alice.rpc("private/buy", amount=30, otoco_config=[{"amount": 20, "price": 70000}], **linked)
    assert refused["error"]["code"] == 10001, refused
    assert refused["error"]["mockexchange_diagnosis"].startswith(
        f"amount 50 would take the amounts traded by account {account} (0, and 0 its open orders may trade) past 40"
    )
    assert alice.result("private/get_open_orders", instrument_name=PERP) == []
    made = alice.result("private/buy", amount=30, otoco_config=[{"amount": 10, "price": 70000}], **linked)
    assert made["order"]["order_state"] == "open"
    assert len(alice.result("private/get_open_orders", instrument_name=PERP)) == 2
