"""Kalshi's block trade proposals over real HTTP with signed requests between two users: proposed by one side,
accepted by the other and executed as a fill of each (positions, fills, balances), listed to the parties only with the
other party's ids empty, paged, expired on the exchange clock, failed when a side cannot pay; every refusal a 4xx in
Kalshi's shape that changes nothing; each answer in the spec's schema."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from kalshi_http import ok
from kalshi_orders import T0, M, N, fresh, refused, state
from module_mocks import client_of, forget, module_mock, signed

from mockexchange.contract.kalshi.slicing import parsed_once
from mockexchange.schema.fields import response_errors
from mockexchange.schema.specs import kalshi_slice_path
from mockexchange.server import MockServer

PROPOSALS = "/communications/block-trade-proposals"
SLICE = parsed_once(kalshi_slice_path("openapi.yaml"))

server_fixture = module_mock("server", T0)


@pytest.fixture
def mock(server: MockServer) -> MockServer:
    """alice and bob ($100 each), markets M and N with no book, the clock at T0."""
    forget(fresh(server))
    return server


alice_client, bob_client = client_of("alice"), client_of("bob")


def in_schema(r: httpx.Response, template: str) -> Any:
    body = r.json() if r.content else None
    if body is not None:
        assert response_errors(SLICE, template, r.request.method, r.status_code, body) == []
    return body


def terms(**fields: Any) -> dict[str, Any]:
    """alice buys 10 of M from bob at 0.40, alice the maker, expiring in an hour; `fields` over it."""
    return {"buyer_user_id": "alice", "seller_user_id": "bob", "market_ticker": M, "price_centi_cents": 4000,
            "centicount": 1000, "maker_side": "yes",
            "expiration_ts": (T0 + timedelta(hours=1)).isoformat().replace("+00:00", "Z"), **fields}  # fmt: skip


def propose(client: httpx.Client, **fields: Any) -> str:
    r = client.post(PROPOSALS, json=terms(**fields))
    assert r.status_code == 201, r.text
    return in_schema(r, PROPOSALS)["block_trade_proposal_id"]


def accept(client: httpx.Client, proposal_id: str, **body: Any) -> httpx.Response:
    return client.post(f"{PROPOSALS}/{proposal_id}/accept", json=body)


def listed(client: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    r = client.get(PROPOSALS, params=params)
    assert r.status_code == 200, r.text
    return in_schema(r, PROPOSALS)["block_trade_proposals"]


def money(client: httpx.Client) -> tuple[int, list[tuple[str, str]], list[tuple[str, str, str, bool, str]]]:
    """The caller's balance (cents), its positions in M and its fills (order id, side, action, taker, fee)."""
    balance = ok(client, "/portfolio/balance")["balance"]
    rows = ok(client, "/portfolio/positions")["market_positions"]
    fills = ok(client, "/portfolio/fills")["fills"]
    return (
        balance,
        [(row["ticker"], row["position_fp"]) for row in rows],
        [(f["order_id"], f["side"], f["action"], f["is_taker"], f["fee_cost"]) for f in fills],
    )


# -- the whole flow ----------------------------------------------------------------------------------------------------


def test_a_proposal_accepted_by_the_other_side_trades_a_fill_of_each(mock, alice, bob):
    proposal_id = propose(alice)
    (row,) = listed(alice)
    assert row["status"] == "pending" and (row["buyer_accepted"], row["seller_accepted"]) == (True, False)
    assert row["buyer_accepted_ts"] == "2026-11-02T15:00:00.000000Z" and "seller_accepted_ts" not in row
    mock.ledger.state.clock.advance(5)
    r = accept(bob, proposal_id)
    assert (r.status_code, r.content) == (204, b"")
    (row,) = listed(alice)
    assert row["status"] == "executed" and row["executed_ts"] == "2026-11-02T15:00:05.000000Z"
    assert row["buyer_accepted"] and row["seller_accepted"]
    buyer_order, seller_order = row["buyer_order_id"], row["seller_order_id"]
    assert buyer_order and seller_order and buyer_order != seller_order
    assert listed(bob)[0]["buyer_order_id"] == buyer_order
    # alice bought 10 YES at 0.40 as the maker (no maker fee); bob sold them, as the taker, paying the taker fee
    assert money(alice) == (10_000 - 400, [(M, "10.00")], [(buyer_order, "yes", "buy", False, "0.000000")])
    balance, positions, fills = money(bob)  # the taker fee: 0.07 x 10 x 0.4 x 0.6
    assert positions == [(M, "-10.00")] and fills == [(seller_order, "yes", "sell", True, "0.168000")]
    assert balance == 10_000 - 600 - 17  # (cents, toward zero: $93.832)
    # off the book, printed on the public feed as a block trade: bob took it, selling YES
    (trade,) = ok(alice, "/markets/trades", ticker=M)["trades"]
    assert (trade["is_block_trade"], trade["taker_outcome_side"], trade["count_fp"], trade["yes_price_dollars"]) == (
        True, "no", "10.00", "0.4000"
    )  # fmt: skip
    assert ok(alice, "/markets/trades", is_block_trade="true")["trades"] == [trade]
    assert ok(alice, "/markets/trades", ticker=M, is_block_trade="false")["trades"] == []
    assert ok(alice, f"/markets/{M}")["market"]["volume_fp"] == "10.00"


def test_the_maker_side_no_makes_the_seller_the_maker(mock, alice, bob):
    proposal_id = propose(bob, maker_side="no")
    assert accept(alice, proposal_id).status_code == 204
    assert money(bob)[2][0][3:] == (False, "0.000000") and money(alice)[2][0][3:] == (True, "0.168000")
    (trade,) = ok(alice, "/markets/trades", ticker=M)["trades"]
    assert trade["taker_outcome_side"] == "yes"  # alice took it, buying YES


def test_a_proposal_accepted_once_its_market_closed_fails_and_moves_nothing(mock, alice, bob):
    proposal_id = propose(alice)
    before = money(alice), money(bob)
    mock.close_market(M)
    assert accept(bob, proposal_id).status_code == 204
    assert listed(alice)[0]["status"] == "failed"
    assert (money(alice), money(bob)) == before


# -- who sees what -----------------------------------------------------------------------------------------------------


def test_each_party_sees_its_own_ids_and_not_the_others(mock, alice, bob):
    proposal_id = propose(alice)
    (mine,) = listed(alice)
    (theirs,) = listed(bob)
    assert mine["id"] == theirs["id"] == proposal_id
    assert (mine["buyer_user_id"], mine["seller_user_id"]) == ("alice", "")
    assert (theirs["buyer_user_id"], theirs["seller_user_id"]) == ("", "bob")
    assert mine["proposer_user_id"] == theirs["proposer_user_id"] == "alice"
    mock.create_account("carol", balance_cents=10_000)
    with signed(mock, "carol") as carol:
        assert listed(carol) == []
        before = state(mock)
        refused(accept(carol, proposal_id), 404, "not_found")
        assert state(mock) == before


# -- pages and filters -------------------------------------------------------------------------------------------------


def test_the_list_pages_newest_first_and_filters_by_market_and_status(mock, alice, bob):
    made = [propose(alice, market_ticker=M if i % 2 else N) for i in range(5)]
    assert [row["id"] for row in listed(alice)] == made[::-1]
    assert [row["id"] for row in listed(alice, market_ticker=M)] == [made[3], made[1]]
    assert accept(bob, made[0]).status_code == 204
    assert [row["id"] for row in listed(bob, status="executed")] == [made[0]]
    seen, cursor = [], None
    while True:
        r = alice.get(PROPOSALS, params={"limit": 2, **({"cursor": cursor} if cursor else {})})
        page = in_schema(r, PROPOSALS)
        seen += [row["id"] for row in page["block_trade_proposals"]]
        cursor = page.get("cursor")
        if not cursor:
            break
    assert seen == made[::-1]
    refused_cursor = alice.get(PROPOSALS, params={"cursor": "garbage", "limit": 2})
    assert refused_cursor.status_code == 400
    assert alice.get(PROPOSALS, params={"limit": 0}).status_code == 400
    assert alice.get(PROPOSALS, params={"limit": 101}).status_code == 400


# -- expiry ------------------------------------------------------------------------------------------------------------


def test_a_proposal_expires_on_the_exchange_clock_and_cannot_be_accepted_then(mock, alice, bob):
    proposal_id = propose(alice)
    mock.ledger.state.clock.advance(3600)
    (row,) = listed(bob)
    assert row["status"] == "expired" and row["updated_ts"] == "2026-11-02T16:00:00.000000Z"
    assert [r["id"] for r in listed(bob, status="expired")] == [proposal_id] and listed(bob, status="pending") == []
    before = state(mock)
    refused(accept(bob, proposal_id), 400, "invalid_parameters")
    assert state(mock) == before
    assert listed(alice)[0]["status"] == "expired"


# -- failure -----------------------------------------------------------------------------------------------------------


def test_a_side_that_cannot_pay_fails_the_proposal_and_moves_nothing(mock, alice, bob):
    proposal_id = propose(alice, centicount=30_000)  # 300 contracts at 0.40: $120, alice has $100
    before = money(alice), money(bob)
    assert accept(bob, proposal_id).status_code == 204
    assert listed(alice)[0]["status"] == "failed" and listed(alice)[0]["buyer_order_id"] == ""
    assert (money(alice), money(bob)) == before


# -- refusals ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "status", "code"),
    [
        ({"buyer_user_id": "carol", "seller_user_id": "bob"}, 403, "forbidden"),  # the proposer is neither
        ({"seller_user_id": "alice"}, 400, "invalid_parameters"),  # the same user on both sides
        ({"seller_user_id": "nobody"}, 400, "invalid_parameters"),
        ({"market_ticker": "KXNONE-1"}, 400, "invalid_parameters"),
        ({"expiration_ts": "2026-11-02T14:00:00Z"}, 400, "invalid_parameters"),  # past
        ({"expiration_ts": "2026-11-04T15:00:00Z"}, 400, "invalid_parameters"),  # more than a day ahead
        ({"buyer_subaccount": 5}, 400, "invalid_parameters"),  # a subaccount alice has not made
        ({"buyer_subtrader_id": "bob"}, 400, "invalid_parameters"),  # not a subtrader of alice
    ],
)
def test_a_proposal_refused_changes_nothing(mock, alice, fields, status, code):
    before = state(mock)
    r = alice.post(PROPOSALS, json=terms(**fields))
    refused(r, status, code)
    in_schema(r, PROPOSALS)
    assert state(mock) == before


@pytest.mark.parametrize(
    "body",
    [
        {"centicount": 0},
        {"price_centi_cents": 0},
        {"price_centi_cents": 10_000},
        {"price_centi_cents": "4000"},
        {"maker_side": "both"},
        {"expiration_ts": "tomorrow"},
        {"expiration_ts": None},
        {"buyer_subaccount": 64},
        {"buyer_subaccount": 1, "buyer_subtrader_id": "x"},
        {"centicount": 2**70},
        {"market_ticker": ["M"]},
        # blanks: no validator tag of Go's checks them, so the command refuses them (they once failed an assertion: 500)
        {"buyer_user_id": " "},
        {"seller_user_id": "\t"},
        {"market_ticker": " "},
    ],
)
def test_a_hostile_body_is_a_400_in_kalshis_shape(mock, alice, body):
    before = state(mock)
    r = alice.post(PROPOSALS, json=terms(**body))
    assert r.status_code == 400, r.text
    answer = r.json()
    assert set(answer.get("error", answer)) >= {"code", "message"}  # (the body reader's flat 400, or the exchange's)
    assert state(mock) == before


def test_accepting_twice_or_ones_own_side_is_refused(mock, alice, bob):
    proposal_id = propose(alice)
    before = state(mock)
    refused(accept(alice, proposal_id), 400, "invalid_parameters")  # alice's side is accepted as she proposed
    refused(accept(bob, "no-such-proposal"), 404, "not_found")
    refused(accept(bob, proposal_id, subaccount=3), 400, "invalid_parameters")  # not the side the proposal names
    assert accept(bob, proposal_id, subtrader_id="x", subaccount=0).status_code == 400
    assert accept(bob, proposal_id, subtrader_id="x" * 257).status_code == 400  # no subtrader id is that long
    assert state(mock) == before
    # an empty subtrader id is none (Go's field is no pointer), with a subaccount or alone
    assert accept(bob, proposal_id, subtrader_id="", subaccount=0).status_code == 204
    refused(accept(bob, proposal_id), 400, "invalid_parameters")


def test_a_subaccount_named_trades_there(mock, alice, bob):
    mock.create_subaccount("alice")
    mock.subaccount_transfer("alice", from_subaccount=0, to_subaccount=1, amount_cents=5_000, client_transfer_id="t1")
    proposal_id = propose(alice, buyer_subaccount=1)
    assert accept(bob, proposal_id).status_code == 204
    rows = ok(alice, "/portfolio/positions", subaccount=1)["market_positions"]
    assert [(row["ticker"], row["position_fp"]) for row in rows] == [(M, "10.00")]


def test_the_block_trade_scopes_grant_the_list_and_the_accept_alone(mock, alice):
    proposal_id = propose(alice)
    with signed(mock, "bob", scopes=["read::block_trade_accept"]) as reader:
        assert [row["id"] for row in listed(reader)] == [proposal_id]
        before = state(mock)
        assert accept(reader, proposal_id).status_code == 403
        assert reader.post(PROPOSALS, json=terms(buyer_user_id="bob", seller_user_id="alice")).status_code == 403
        assert state(mock) == before
    with signed(mock, "bob", scopes=["write::block_trade_accept"]) as acceptor:
        assert acceptor.get(PROPOSALS).status_code == 403
        assert accept(acceptor, proposal_id).status_code == 204
