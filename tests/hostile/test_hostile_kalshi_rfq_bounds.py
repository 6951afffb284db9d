"""One Kalshi user must not grow the mock without end through its RFQs, quotes and block trade proposals, over signed
HTTP: a flood of RFQs created and deleted, of quotes replaced, of proposals made, keeps only the user's latest ended
ones (the ended orders' bound, set small here), what is forgotten answers 404 and breaks nothing that named it, and
another user's records and reads are untouched; the caps on live quotes and pending proposals refuse in Kalshi's shape
and change nothing; a restart from the state file keeps the same records."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from kalshi_http import ok
from kalshi_orders import T0, M, N, client_of, fresh, module_server, refused, signed, state
from state_sql import sql

from mockexchange.core.clock import ManualClock
from mockexchange.core.kalshi import block_trades as block_trades_module
from mockexchange.core.kalshi import communications as communications_module
from mockexchange.core.kalshi import rfq_batches as rfq_batches_module
from mockexchange.server import MockServer

KEPT = 3  # ended records of each kind a user keeps, in this module's mock
RFQS, QUOTES = "/communications/rfqs", "/communications/quotes"
PROPOSALS, BATCHES = "/communications/block-trade-proposals", "/communications/rfq_batches"

server_fixture = module_server(kalshi_ended_orders=KEPT)


@pytest.fixture
def mock(server: MockServer) -> MockServer:
    fresh(server).create_account("carol", balance_cents=10_000)
    return server


alice_client, bob_client, carol_client = client_of("alice"), client_of("bob"), client_of("carol")


def ask(c: httpx.Client, ticker: str = M) -> str:
    r = c.post(RFQS, json={"market_ticker": ticker, "contracts_fp": "10.00", "rest_remainder": False})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def quote(c: httpx.Client, rfq_id: str, yes_bid: str = "0.40") -> httpx.Response:
    return c.post(QUOTES, json={"rfq_id": rfq_id, "yes_bid": yes_bid, "no_bid": "0.55", "rest_remainder": False})


def quoted(c: httpx.Client, rfq_id: str, yes_bid: str = "0.40") -> str:
    r = quote(c, rfq_id, yes_bid)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def kept(mock: MockServer, user: str) -> tuple[int, int, int, int]:
    """What the ledger keeps of the user's: closed RFQs (indexed, and held by id), ended quotes (likewise)."""
    comms = mock.ledger.state.communications
    return (
        comms.closed_rfqs.count(user), sum(r.user_id == user and r.status == "closed" for r in comms.rfqs.values()),
        comms.ended_quotes.count(user), sum(q.user_id == user and q.status != "open" for q in comms.quotes.values()),
    )  # fmt: skip


def test_a_flood_of_rfqs_created_and_deleted_keeps_the_users_latest_and_touches_no_one_else(mock, alice, bob, carol):
    """Bob asks an RFQ; Alice creates and deletes twice her bound of RFQs: she keeps her latest closed ones (404 for
    the older, from every list too), and Bob's RFQ, read by Carol, and his list stay as they were."""
    bobs = ask(bob, N)
    before = ok(carol, f"{RFQS}/{bobs}")
    made = []
    for _ in range(2 * KEPT):
        mock.advance_clock(seconds=1)
        made.append(ask(alice))
        assert alice.delete(f"{RFQS}/{made[-1]}").status_code == 204
    gone, latest = made[:KEPT], made[KEPT:]
    assert kept(mock, "alice")[:2] == (KEPT, KEPT)
    for rfq_id in gone:
        assert carol.get(f"{RFQS}/{rfq_id}").status_code == 404
    assert ok(carol, f"{RFQS}/{latest[0]}")["rfq"]["status"] == "closed"
    assert [r["id"] for r in ok(alice, RFQS, creator_user_id="alice")["rfqs"]] == list(reversed(latest))
    assert ok(carol, f"{RFQS}/{bobs}") == before
    assert [r["id"] for r in ok(carol, RFQS, creator_user_id="bob")["rfqs"]] == [bobs]


def test_quotes_replaced_keep_the_makers_latest_and_a_forgotten_rfq_breaks_none_of_its_quotes(mock, alice, bob, carol):
    """Bob replaces his quote on Alice's RFQ twice his bound of times: he keeps his live quote and his latest ended
    ones, the older 404; Carol's quote on it stays open. Alice's RFQ executes Bob's quote, then Alice's flood forgets
    the RFQ: Bob's executed quote and his cancelled one still read (the executed quote's order too) and list by the
    RFQ's id."""
    rfq_id = ask(alice)
    carols = quoted(carol, rfq_id, "0.30")
    bobs = []
    for step in range(2 * KEPT + 1):
        mock.advance_clock(seconds=1)
        bobs.append(quoted(bob, rfq_id, f"0.{31 + step}"))
    assert kept(mock, "bob")[2:] == (KEPT, KEPT)
    for quote_id in bobs[:KEPT]:
        assert bob.get(f"{QUOTES}/{quote_id}").status_code == 404
    assert ok(bob, f"{QUOTES}/{bobs[KEPT]}")["quote"]["status"] == "cancelled"
    assert ok(carol, f"{QUOTES}/{carols}")["quote"]["status"] == "open"
    live = bobs[-1]
    path = f"{RFQS}/{rfq_id}/quotes/{live}"
    assert alice.put(f"{path}/accept", json={"accepted_side": "yes"}).status_code == 204
    assert bob.put(f"{path}/confirm").status_code == 204
    mock.advance_clock(seconds=15)  # the execution timer: the quote executes, the RFQ closes
    for _ in range(KEPT):
        mock.advance_clock(seconds=1)
        assert alice.delete(f"{RFQS}/{ask(alice)}").status_code == 204
    assert alice.get(f"{RFQS}/{rfq_id}").status_code == 404
    executed = ok(bob, f"{QUOTES}/{live}")["quote"]
    assert executed["status"] == "executed" and ok(alice, f"{QUOTES}/{live}")["quote"]["rfq_id"] == rfq_id
    assert ok(bob, f"/portfolio/orders/{executed['creator_order_id']}")["order"]["status"] == "executed"
    assert ok(carol, f"{QUOTES}/{carols}")["quote"]["status"] == "cancelled"
    listed = [q["id"] for q in ok(bob, QUOTES, rfq_id=rfq_id, quote_creator_user_id="bob")["quotes"]]
    assert listed == list(reversed(bobs[-KEPT:]))


def test_the_live_quotes_cap_refuses_in_kalshis_shape_only_the_maker_that_reaches_it(mock, alice, bob, carol,
                                                                                      monkeypatch):  # fmt: skip
    """With 2 live quotes a maker: Bob's third quote is refused (409), changing nothing, while his quote replacing his
    own is taken and Carol still quotes; once Bob deletes one he quotes again."""
    monkeypatch.setattr(communications_module, "MAX_LIVE_QUOTES", 2)
    on_m, on_n, carols = ask(alice, M), ask(alice, N), ask(carol, M)
    first = quoted(bob, on_m)
    quoted(bob, on_n)
    before = state(mock)
    refused(quote(bob, carols), 409, "too_many_quotes")
    assert state(mock) == before
    replaced = quoted(bob, on_m, "0.41")
    quoted(carol, on_m)
    assert bob.delete(f"{QUOTES}/{replaced}").status_code == 204
    quoted(bob, carols)
    assert bob.get(f"{QUOTES}/{first}").status_code == 200


def propose(c: httpx.Client, buyer: str, seller: str, mock: MockServer, seconds: int = 1) -> httpx.Response:
    """A proposal of 1 of M at 0.40 between `buyer` and `seller`, expiring `seconds` from the mock's now."""
    expires = mock.ledger.state.clock.now() + timedelta(seconds=seconds)
    return c.post(PROPOSALS, json={
        "buyer_user_id": buyer, "seller_user_id": seller, "market_ticker": M, "price_centi_cents": 4000,
        "centicount": 100, "maker_side": "yes", "expiration_ts": expires.isoformat().replace("+00:00", "Z"),
    })  # fmt: skip


def proposed(c: httpx.Client, buyer: str, seller: str, mock: MockServer, seconds: int = 1) -> str:
    r = propose(c, buyer, seller, mock, seconds)
    assert r.status_code == 201, r.text
    return r.json()["block_trade_proposal_id"]


def listed(c: httpx.Client, **params: object) -> list[str]:
    return [p["id"] for p in ok(c, PROPOSALS, **params)["block_trade_proposals"]]


def test_a_flood_of_proposals_keeps_the_proposers_latest_ended_and_touches_no_one_else(mock, alice, bob, carol):
    """Bob proposes to Carol; Alice proposes to Bob twice her bound of times, each expiring, the last accepted and
    executed: she keeps her latest ended ones (the older gone from both parties' lists, an accept of one 404), and a
    cursor into her list stays good across a forgetting; Bob's proposal to Carol stays as it was."""
    bobs = proposed(bob, "carol", "bob", mock, 3600)
    before = ok(carol, PROPOSALS)
    made = []
    for _ in range(2 * KEPT - 1):
        made.append(proposed(alice, "alice", "bob", mock))
        mock.advance_clock(seconds=2)  # it expires
    page = ok(alice, PROPOSALS, limit=1)
    made.append(proposed(alice, "alice", "bob", mock, 60))
    assert bob.post(f"{PROPOSALS}/{made[-1]}/accept", json={}).status_code == 204
    blocks = mock.ledger.state.block_trades
    assert blocks.ended.count("alice") == KEPT
    assert sum(p.proposer_user_id == "alice" for p in blocks.proposals.values()) == KEPT
    latest = list(reversed(made[KEPT:]))
    assert listed(alice) == latest and listed(bob) == [*latest, bobs]
    assert ok(alice, PROPOSALS, status="executed")["block_trade_proposals"][0]["id"] == made[-1]
    refused(bob.post(f"{PROPOSALS}/{made[0]}/accept", json={}), 404, "not_found")
    assert listed(alice, cursor=page["cursor"]) == list(reversed(made[KEPT : 2 * KEPT - 2]))
    assert ok(carol, PROPOSALS) == before and listed(bob, status="pending") == [bobs]


def test_the_pending_proposals_cap_refuses_in_kalshis_shape_only_the_proposer_that_reaches_it(
    mock, alice, bob, carol, monkeypatch
):
    """With 2 pending proposals a proposer: Alice's third is refused (409), changing nothing, while Bob still
    proposes to her; once one of hers expires she proposes again."""
    monkeypatch.setattr(block_trades_module, "MAX_PENDING", 2)
    proposed(alice, "alice", "bob", mock, 10)
    proposed(alice, "alice", "carol", mock, 60)
    before = state(mock)
    refused(propose(alice, "alice", "bob", mock, 60), 409, "too_many_block_trade_proposals")
    assert state(mock) == before
    proposed(bob, "alice", "bob", mock, 60)
    mock.advance_clock(seconds=10)
    proposed(alice, "alice", "bob", mock, 60)


def batch(c: httpx.Client) -> dict:
    """A batch of a child on M and one on N, 10 contracts each."""
    r = c.post(BATCHES, json={"children": [{"market_ticker": M}, {"market_ticker": N}], "contracts_fp": "10"})
    assert r.status_code == 201, r.text
    return r.json()["rfq_batch"]


def bid(c: httpx.Client, on: dict, yes_bid: str = "0.40") -> httpx.Response:
    quotes = [{"rfq_id": child["id"], "yes_bid": yes_bid, "no_bid": "0"} for child in on["rfqs"]]
    return c.post(f"{BATCHES}/{on['id']}/quotes", json={"quotes": quotes, "rest_remainder": False})


def bidded(c: httpx.Client, on: dict, yes_bid: str = "0.40") -> str:
    r = bid(c, on, yes_bid)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def batch_quotes(c: httpx.Client, on: dict) -> list[str]:
    return [made["id"] for made in ok(c, f"{BATCHES}/{on['id']}/quotes")["batch_quotes"]]


def test_a_flood_of_batches_made_and_deleted_keeps_the_users_latest_and_touches_no_one_else(mock, alice, bob, carol):
    """Carol's batch is quoted by Bob; Alice makes twice her bound of batches, each quoted by Bob and deleted: she
    keeps her latest closed batches with their children and batch quotes (the older, and their children, 404; a
    cursor into her list stays good across a forgetting); Carol's batch and Bob's quote on it stay as they were."""
    carols = batch(carol)
    bobs = bidded(bob, carols)
    before = ok(alice, f"{BATCHES}/{carols['id']}")
    made, pages = [], []
    for _ in range(2 * KEPT):
        mock.advance_clock(seconds=1)
        made.append(batch(alice))
        bidded(bob, made[-1])
        assert alice.delete(f"{BATCHES}/{made[-1]['id']}").status_code == 204
        pages.append(ok(alice, BATCHES, user_filter="self", limit=1))
    kept = mock.ledger.state.rfq_batches
    assert kept.closed.count("alice") == KEPT and sum(b.user_id == "alice" for b in kept.batches.values()) == KEPT
    assert kept.ended_quotes.count("bob") == KEPT and len(kept.batch_quotes) == KEPT + 1
    children = mock.ledger.state.communications.rfqs
    for gone in made[:KEPT]:
        assert carol.get(f"{BATCHES}/{gone['id']}").status_code == 404
        assert all(carol.get(f"{RFQS}/{child['id']}").status_code == 404 for child in gone["rfqs"])
        assert not any(child["id"] in children for child in gone["rfqs"])
    latest = made[KEPT:]
    assert [b["id"] for b in ok(alice, BATCHES, user_filter="self")["rfq_batches"]] == [b["id"] for b in latest][::-1]
    assert len(batch_quotes(bob, latest[0])) == 1 and ok(carol, f"{RFQS}/{latest[0]['rfqs'][0]['id']}")
    after = ok(alice, BATCHES, user_filter="self", cursor=pages[-2]["cursor"])["rfq_batches"]
    assert [b["id"] for b in after] == [latest[0]["id"]]
    assert ok(alice, f"{BATCHES}/{carols['id']}") == before and batch_quotes(bob, carols) == [bobs]


def test_batch_quotes_replaced_keep_the_makers_latest(mock, alice, bob, carol):
    """Bob replaces his batch quote on Alice's batch twice his bound of times: he keeps his live one and his latest
    ended ones; Carol's stays open."""
    on = batch(alice)
    carols = bidded(carol, on, "0.30")
    bobs = []
    for step in range(2 * KEPT + 1):
        mock.advance_clock(seconds=1)
        bobs.append(bidded(bob, on, f"0.{31 + step}"))
    assert mock.ledger.state.rfq_batches.ended_quotes.count("bob") == KEPT
    assert batch_quotes(bob, on) == bobs[-KEPT - 1 :]
    assert batch_quotes(carol, on) == [carols]


def test_the_live_batch_quotes_cap_refuses_in_kalshis_shape_only_the_maker_that_reaches_it(mock, alice, bob, carol,
                                                                                            monkeypatch):  # fmt: skip
    """With 1 live batch quote a maker: Bob's second is refused (409), changing nothing, while his batch quote
    replacing his own is taken and Carol still quotes; once Bob deletes his, he quotes again."""
    monkeypatch.setattr(rfq_batches_module, "MAX_LIVE_BATCH_QUOTES", 1)
    alices, carols = batch(alice), batch(carol)
    bidded(bob, alices)
    before = state(mock)
    refused(bid(bob, carols), 409, "too_many_quotes")
    assert state(mock) == before
    replaced = bidded(bob, alices, "0.41")
    bidded(carol, alices)
    assert bob.delete(f"{BATCHES}/{alices['id']}/quotes/{replaced}").status_code == 204
    bidded(bob, carols)


def _flood(mock: MockServer) -> None:
    """alice's RFQs created and deleted, bob's quotes replaced on carol's RFQ: past the bound."""
    for user in ("alice", "bob", "carol"):
        mock.create_account(user, balance_cents=10_000)
    mock.create_market(M)
    carols = mock.create_rfq("carol", M, rest_remainder=False, contracts="10")["rfq_id"]
    for step in range(2 * KEPT):
        mock.advance_clock(seconds=1)
        rfq_id = mock.create_rfq("alice", M, rest_remainder=False, contracts="10")["rfq_id"]
        mock.delete_rfq("alice", rfq_id)
        mock.create_quote("bob", carols, yes_bid=f"0.{31 + step}", no_bid="0.55", rest_remainder=False)
    mock.create_market(N)
    with signed(mock, "alice") as alice, signed(mock, "bob") as bob:
        for _ in range(2 * KEPT):
            proposed(alice, "alice", "bob", mock)
            mock.advance_clock(seconds=2)
            made = batch(alice)
            bidded(bob, made)
            assert alice.delete(f"{BATCHES}/{made['id']}").status_code == 204


def _kept_ids(mock: MockServer) -> tuple[list[str], ...]:
    comms, blocks, batches = (
        mock.ledger.state.communications,
        mock.ledger.state.block_trades,
        mock.ledger.state.rfq_batches,
    )
    return (
        list(comms.rfqs),
        list(comms.quotes),
        list(blocks.proposals),
        list(batches.batches),
        list(batches.batch_quotes),
    )


@pytest.mark.parametrize("snapshot", [True, False], ids=["snapshot", "commands"])
def test_a_restart_from_the_state_file_keeps_the_same_records(tmp_path: Path, snapshot: bool) -> None:
    path = tmp_path / "state.db"
    with MockServer(state=str(path), clock=ManualClock(T0), kalshi_ended_orders=KEPT) as first:
        _flood(first)
        expected = _kept_ids(first)
    assert [len(ids) for ids in expected] == [KEPT + 1 + 2 * KEPT, KEPT + 1, KEPT, KEPT, KEPT]
    if not snapshot:
        sql(path, "DELETE FROM snapshots")
    with MockServer(state=str(path), kalshi_ended_orders=KEPT) as again:
        assert _kept_ids(again) == expected


def test_the_clock_set_back_still_forgets_the_oldest(mock, alice):
    """Closed RFQs are kept by when they closed: one closed after the clock was set back is the oldest, and goes
    first."""
    made = []
    for back in (0, 10, 0, 0):
        mock.ledger.state.clock.set(T0 + timedelta(seconds=20 - back + len(made)))
        made.append(ask(alice))
        assert alice.delete(f"{RFQS}/{made[-1]}").status_code == 204
    assert alice.get(f"{RFQS}/{made[1]}").status_code == 404
    assert all(alice.get(f"{RFQS}/{rfq_id}").status_code == 200 for rfq_id in (made[0], *made[2:]))
