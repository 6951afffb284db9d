"""One Kalshi account must not exhaust what every account shares, over signed HTTP: an account's flood of ended
orders keeps only its latest (its own bound, set small here), never refusing another account, and what it forgets is
gone from every read; the contracts bounds are each account's own, refusing in Kalshi's shape only the account that
reaches them; so are the orders an account rests, the transfers it keeps, a user's API keys and an FCM member's
subtraders."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from kalshi_http import ok, signed
from kalshi_orders import T0, client_of, fresh, module_server, order, place, refused

from mockexchange.auth.kalshi import keys as keys_module
from mockexchange.core.kalshi import checks as checks_module
from mockexchange.core.kalshi import ledger as ledger_module
from mockexchange.core.kalshi import subaccounts as subaccounts_module
from mockexchange.core.kalshi import trading as trading_module
from mockexchange.server import MockServer

KEPT = 3  # ended orders an account keeps, in this module's mock

server_fixture = module_server(kalshi_ended_orders=KEPT)


@pytest.fixture
def mock(server: MockServer) -> MockServer:
    return fresh(server)


alice_client, bob_client = client_of("alice"), client_of("bob")


def ids(rows: list[dict]) -> list[str]:
    return [row["order_id"] for row in rows]


def test_a_flood_of_ended_orders_keeps_the_accounts_latest_and_refuses_no_one(mock, alice, bob):
    """Alice rests one order, then ends twice her bound of immediate-or-cancel orders (nothing to cross: each ends at
    once); a group names them all. She keeps her resting order and her latest ended ones, on every read; the oldest
    are gone everywhere (by id, from her list, her group's, the historical read), their client order ids free again.
    Bob's orders are taken before and after, and his own ended orders stay."""
    group = alice.post("/portfolio/order_groups/create", json={"contracts_limit": 100}).json()["order_group_id"]
    resting = place(alice, client_order_id="rest", order_group_id=group)["order_id"]
    bobs = place(bob, time_in_force="immediate_or_cancel", client_order_id="b-0")["order_id"]
    ended = []
    for i in range(2 * KEPT):
        mock.ledger.state.clock.advance(seconds=1)
        made = place(alice, time_in_force="immediate_or_cancel", client_order_id=f"a-{i}", order_group_id=group)
        ended.append(made["order_id"])
    bobs = [bobs, place(bob, time_in_force="immediate_or_cancel")["order_id"]]  # taken: his bound is his own
    gone, kept = ended[:KEPT], ended[KEPT:]
    assert ids(ok(alice, "/portfolio/orders")["orders"]) == [*reversed(kept), resting]
    for order_id in gone:
        assert alice.get(f"/portfolio/orders/{order_id}").status_code == 404
    assert ok(alice, f"/portfolio/orders/{kept[0]}")["order"]["status"] == "canceled"
    assert ok(alice, f"/portfolio/order_groups/{group}")["orders"] == [resting, *kept]
    # The client order id of a kept order still names it; a forgotten order's is free (Kalshi: it names no open order).
    refused(alice.post("/portfolio/events/orders", json=_ioc(client_order_id=f"a-{2 * KEPT - 1}")), 409,
            "order_already_exists")  # fmt: skip
    assert alice.post("/portfolio/events/orders", json=_ioc(client_order_id="a-0")).status_code == 201
    # Past the historical cutoff, the historical read serves the same kept orders, newest ended first.
    mock.ledger.state.clock.advance(seconds=1)
    mock.set_historical_cutoff(orders_updated_ts=(T0 + timedelta(hours=1)).isoformat())
    historical = ids(ok(alice, "/historical/orders")["orders"])
    assert len(historical) == KEPT and historical[1:] == list(reversed(kept))[:2] and not set(gone) & set(historical)
    assert ids(ok(alice, "/portfolio/orders")["orders"]) == [resting]
    assert ids(ok(bob, "/historical/orders")["orders"]) == list(reversed(bobs))
    held = mock.ledger
    assert held.state.archive.ended_orders.count("alice") == KEPT and held.state.order_index.count("alice") == KEPT + 1
    assert sum(o.user_id == "alice" for o in held.state.all_orders.values()) == KEPT + 1


def test_each_accounts_contracts_bounds_refuse_only_the_account_that_reaches_them(mock, alice, bob, monkeypatch):
    """With each account's bound at 30 contracts: Alice rests 20, Bob rests 15 (no count shared by both refuses
    him), Bob's sale fills Alice's 20 (each has filled 20); Alice's buy of 11 more would take her past 30 and is refused
    in Kalshi's shape, changing nothing, while Carol still takes what Bob rests."""
    monkeypatch.setattr(checks_module, "MAX_ACCOUNT_CONTRACTS", Decimal(30))
    mock.create_account("carol", balance_cents=10_000)
    bid = place(alice, count="20", price="0.30")["order_id"]
    place(bob, count="15", price="0.20")
    sold = place(bob, side="ask", count="20", price="0.30", time_in_force="immediate_or_cancel")
    assert sold["fill_count"] == "20.00"
    assert ok(alice, f"/portfolio/orders/{bid}")["order"]["status"] == "executed"
    place(bob, side="ask", count="15", price="0.35")
    before = ok(alice, "/portfolio/balance")
    r = alice.post("/portfolio/events/orders", json=_ioc(count="11", price="0.35"))
    refused(r, 400, "bad_request")
    assert "this account's contracts filled" in r.headers["x-mockexchange-diagnosis"]
    assert ok(alice, "/portfolio/balance") == before
    with signed(mock, "carol") as carol:
        assert place(carol, count="10", price="0.35", time_in_force="immediate_or_cancel")["fill_count"] == "10.00"


def _ioc(**fields) -> dict:
    """An immediate-or-cancel bid for 1 of M at 0.30, with `fields` over it."""
    return order(time_in_force="immediate_or_cancel", **fields)


def test_the_orders_an_account_rests_are_bounded_per_account(mock, alice, bob, monkeypatch):
    """With 2 resting orders an account: Alice's third resting order is refused in Kalshi's shape (one that does not
    rest is taken), Bob still rests his; once Alice cancels one she rests again."""
    monkeypatch.setattr(trading_module, "MAX_RESTING_ORDERS", 2)
    first = place(alice, price="0.10")["order_id"]
    place(alice, price="0.11")
    refused(alice.post("/portfolio/events/orders", json=order(price="0.12")), 400, "bad_request")
    assert place(alice, price="0.12", time_in_force="immediate_or_cancel")["fill_count"] == "0.00"
    assert ids(ok(alice, "/portfolio/orders", status="resting")["orders"])[1] == first
    place(bob, price="0.12")
    assert alice.delete(f"/portfolio/events/orders/{first}").status_code == 200
    place(alice, price="0.12")


def test_an_account_keeps_its_latest_transfers_and_their_client_ids(mock, alice, bob, monkeypatch):
    """With each account keeping 2 transfers: Alice's third transfer between her subaccounts (of 1, 2 and 3 cents)
    forgets her first, and its client_transfer_id (sent again, it is a new transfer), while a kept one's still answers
    the transfer it made; Bob's lone transfer stays."""
    monkeypatch.setattr(subaccounts_module, "MAX_KEPT_TRANSFERS", 2)
    sent = [str(uuid.uuid4()) for _ in range(3)]
    for client in (alice, bob):
        assert client.post("/portfolio/subaccounts", json={}).status_code == 201
    for cents, client_transfer_id in enumerate(sent, start=1):
        _transfer(alice, client_transfer_id, cents)
    _transfer(bob, str(uuid.uuid4()), 7)
    assert _cents(alice) == [3, 2] and _cents(bob) == [7]
    _transfer(alice, sent[2], 3)  # kept: the transfer it made, nothing new
    assert _cents(alice) == [3, 2]
    _transfer(alice, sent[0], 1)  # forgotten: a new transfer
    assert _cents(alice) == [1, 3]


def test_a_users_api_keys_and_an_fcm_members_subtraders_are_bounded_per_user(mock, alice, bob, monkeypatch):
    """With 2 keys a user and 1 subtrader a member: Alice's third key is refused in Kalshi's shape while Bob still
    makes his second; an FCM member's second subtrader is refused while another member makes its first."""
    monkeypatch.setattr(keys_module, "MAX_USER_KEYS", 2)
    monkeypatch.setattr(ledger_module, "MAX_SUBTRADERS", 1)
    body = {"name": "more", "key_type": "ed25519"}
    made = alice.post("/api_keys/generate", json=body)
    assert made.status_code == 201
    refused(alice.post("/api_keys/generate", json=body), 400, "bad_request")
    assert bob.post("/api_keys/generate", json=body).status_code == 201
    # a key deleted frees its place, once
    assert alice.delete(f"/api_keys/{made.json()['api_key_id']}").status_code in (200, 204)
    assert alice.post("/api_keys/generate", json=body).status_code == 201
    refused(alice.post("/api_keys/generate", json=body), 400, "bad_request")
    for member in ("fcm1", "fcm2"):
        mock.create_account(member, balance_cents=0, fcm_member=True)
    with signed(mock, "fcm1") as one, signed(mock, "fcm2") as two:
        assert one.post("/fcm/subtraders", json={"subtrader_suffix": "A"}).status_code == 201
        refused(one.post("/fcm/subtraders", json={"subtrader_suffix": "B"}), 400, "bad_request")
        assert two.post("/fcm/subtraders", json={"subtrader_suffix": "A"}).status_code == 201


def _transfer(client, client_transfer_id: str, cents: int) -> None:
    """`cents` from subaccount 0 to 1."""
    body = {"client_transfer_id": client_transfer_id, "from_subaccount": 0, "to_subaccount": 1, "amount_cents": cents}
    r = client.post("/portfolio/subaccounts/transfer", json=body)
    assert r.status_code == 200, r.text


def _cents(client) -> list[int]:
    """The amounts of the account's transfers, newest first."""
    return [row["amount_cents"] for row in ok(client, "/portfolio/subaccounts/transfers")["transfers"]]
