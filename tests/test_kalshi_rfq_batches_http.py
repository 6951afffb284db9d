"""Kalshi's RFQ batches over real HTTP with signed requests, every answer checked against the committed slice's schema
(test_kalshi_rfqs_http.py's `check`): alice's batch quoted by bob and carol, each winning a child, both confirming and
the children trading (fills, balances); a best bid moved below min_bids (409, nothing changed); a missed confirmation
(nothing trades); the 30 s eligibility; who sees what (dave a bystander); pages bounded by batches and children; hostile
input a 400 in Kalshi's shape, never a 500."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from kalshi_orders import T0, M, N, fresh
from module_mocks import forget, module_mock
from rfq_combos import combos
from test_kalshi_rfqs_http import UNKNOWN, check, got, kalshi_400

from mockexchange.core.kalshi.rfq_records import OBSCURED_ID
from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiAuth, KalshiSigner

BATCHES = "/communications/rfq_batches"
server_fixture = module_mock("server", T0)


@pytest.fixture
def mock(server: MockServer) -> MockServer:
    """alice (the requester), bob and carol (makers), dave (a bystander), $100 each; markets M and N."""
    forget(fresh(server))
    for user in ("carol", "dave"):
        server.create_account(user, balance_cents=10_000)
    return server


@pytest.fixture
def users(mock: MockServer) -> Any:
    made = []
    for user in ("alice", "bob", "carol", "dave"):
        key = mock.create_key(user)
        signer = KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])
        made.append(httpx.Client(base_url=mock.kalshi_url, auth=KalshiAuth(signer), timeout=10,
                                 event_hooks={"response": [check]}))  # fmt: skip
    yield made
    for each in made:
        each.close()


def ask(c: httpx.Client, *tickers: str, **body: Any) -> dict:
    children = [{"market_ticker": ticker} for ticker in tickers or (M, N)]
    r = c.post(BATCHES, json={"children": children, "contracts_fp": "10", **body})
    assert r.status_code == 201, r.text
    return r.json()["rfq_batch"]


def bid(c: httpx.Client, batch: dict, *yes_bids: str) -> str:
    quotes = [{"rfq_id": child["id"], "yes_bid": price, "no_bid": "0"}
              for child, price in zip(batch["rfqs"], yes_bids, strict=True)]  # fmt: skip
    r = c.post(f"{BATCHES}/{batch['id']}/quotes", json={"quotes": quotes, "rest_remainder": False})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def accept(c: httpx.Client, batch: dict, *least: str, **body: Any) -> httpx.Response:
    mins = [{"rfq_id": child["id"], "bid_dollars": price} for child, price in zip(batch["rfqs"], least, strict=True)]
    return c.put(f"{BATCHES}/{batch['id']}/accept", json={"accepted_side": "yes", "min_bids": mins, **body})


def test_two_makers_win_a_child_each_confirm_and_the_children_trade(mock, users):
    alice, bob, carol, _ = users
    batch = ask(alice)
    one, two = bid(bob, batch, "0.46", "0.30"), bid(carol, batch, "0.45", "0.31")
    best = got(alice, f"{BATCHES}/{batch['id']}/best_quotes")["best_quotes"]
    assert [row["yes_bid_dollars"] for row in best["rfqs"]] == ["0.4600", "0.3100"]
    assert best["yes_complete"] and not best["no_complete"] and best["version"] == 2
    r = accept(alice, batch, "0.46", "0.31")
    assert r.status_code == 200, r.text
    assert [row["rfq_id"] for row in r.json()["quotes"]] == [child["id"] for child in batch["rfqs"]]
    assert got(alice, f"{BATCHES}/{batch['id']}")["rfq_batch"]["status"] == "accepted"
    [mine] = got(bob, f"{BATCHES}/{batch['id']}/quotes")["batch_quotes"]
    assert (mine["id"], mine["status"], [q["market_ticker"] for q in mine["quotes"]]) == (one, "accepted", [M])
    assert alice.delete(f"{BATCHES}/{batch['id']}").status_code == 409  # accepted: it cannot be deleted
    assert bob.put(f"{BATCHES}/{batch['id']}/quotes/{one}/confirm").status_code == 204
    assert carol.put(f"{BATCHES}/{batch['id']}/quotes/{two}/confirm", json={}).status_code == 204
    mock.advance_clock(seconds=15)
    done = got(alice, f"{BATCHES}/{batch['id']}")["rfq_batch"]
    assert (done["status"], done["close_reason"]) == ("closed", "executed")
    [bobs] = got(bob, f"{BATCHES}/{batch['id']}/quotes")["batch_quotes"]
    assert bobs["status"] == "executed"
    bob_fills, carol_fills = got(bob, "/portfolio/fills")["fills"], got(carol, "/portfolio/fills")["fills"]
    assert [f["order_id"] for f in bob_fills] == [bobs["quotes"][0]["creator_order_id"]]
    assert [(f["ticker"], f["count_fp"]) for f in carol_fills] == [(N, "10.00")]
    assert sorted(f["ticker"] for f in got(alice, "/portfolio/fills")["fills"]) == [M, N]
    assert got(bob, "/portfolio/balance")["balance"] == 10_000 - 460
    # the creator sees the winners' batch quotes once accepted, each with the children it won
    assert {row["id"] for row in got(alice, f"{BATCHES}/{batch['id']}/quotes")["batch_quotes"]} == {one, two}


def test_an_accept_retried_with_its_client_order_id_answers_the_first_accept(mock, users):
    alice, bob, carol, _ = users
    batch = ask(alice)
    one, two = bid(bob, batch, "0.46", "0.30"), bid(carol, batch, "0.45", "0.31")
    first = accept(alice, batch, "0.46", "0.31", client_order_id="take-1")
    assert first.status_code == 200, first.text
    assert accept(alice, batch, "0.46", "0.31").status_code == 409  # no key: the batch is accepted already
    assert accept(alice, batch, "0.46", "0.31", client_order_id="take-2").status_code == 409
    other_terms = accept(alice, batch, "0.40", "0.31", client_order_id="take-1")
    assert other_terms.status_code == 409 and other_terms.json()["error"]["code"] == "conflict"
    assert accept(alice, batch, "0.46", "0.31", client_order_id="take-1").json() == first.json()
    assert bob.put(f"{BATCHES}/{batch['id']}/quotes/{one}/confirm").status_code == 204
    assert carol.put(f"{BATCHES}/{batch['id']}/quotes/{two}/confirm").status_code == 204
    again = accept(alice, batch, "0.46", "0.31", client_order_id="take-1")
    assert (again.status_code, again.json()) == (200, first.json())
    mock.advance_clock(seconds=15)
    assert got(alice, f"{BATCHES}/{batch['id']}")["rfq_batch"]["close_reason"] == "executed"
    fills, balance = got(alice, "/portfolio/fills")["fills"], got(alice, "/portfolio/balance")["balance"]
    # min_bids in another order are the same terms; the retry after execution trades nothing again
    reversed_batch = {"id": batch["id"], "rfqs": batch["rfqs"][::-1]}
    again = accept(alice, reversed_batch, "0.31", "0.46", client_order_id="take-1")
    assert (again.status_code, again.json()) == (200, first.json())
    assert [row["status"] for row in again.json()["quotes"]] == ["accepted", "accepted"]
    assert got(alice, "/portfolio/fills")["fills"] == fills and got(alice, "/portfolio/balance")["balance"] == balance
    # the key is the batch's: on another batch it is that batch's own accept
    later = ask(alice)
    bid(bob, later, "0.40", "0.30")
    r = accept(alice, later, "0.40", "0.30", client_order_id="take-1")
    assert r.status_code == 200 and r.json()["quotes"][0]["rfq_id"] == later["rfqs"][0]["id"]


def test_a_best_bid_moved_below_min_bids_refuses_the_accept_and_changes_nothing(mock, users):
    alice, bob, _, _ = users
    batch = ask(alice)
    bid(bob, batch, "0.46", "0.30")
    bid(bob, batch, "0.46", "0.28")  # N's bid moved down
    before = got(alice, f"{BATCHES}/{batch['id']}")
    r = accept(alice, batch, "0.46", "0.30")
    assert r.status_code == 409 and r.json()["error"]["code"] == "rfq_batch_quotes_changed"
    assert got(alice, f"{BATCHES}/{batch['id']}") == before
    assert accept(alice, batch, "0.46", "0.28").status_code == 200


def test_a_missed_confirmation_closes_the_batch_and_nothing_trades(mock, users):
    alice, bob, carol, _ = users
    batch = ask(alice)
    one = bid(bob, batch, "0.46", "0.30")
    bid(carol, batch, "0.45", "0.31")
    assert accept(alice, batch, "0.46", "0.31").status_code == 200
    assert bob.put(f"{BATCHES}/{batch['id']}/quotes/{one}/confirm").status_code == 204
    mock.advance_clock(seconds=30)
    done = got(alice, f"{BATCHES}/{batch['id']}")["rfq_batch"]
    assert (done["status"], done["close_reason"]) == ("closed", "confirmation window expired")
    assert got(alice, "/portfolio/fills")["fills"] == [] and got(alice, "/portfolio/balance")["balance"] == 10_000


def test_a_batch_quote_counts_for_30_seconds_after_it_was_sent(mock, users):
    alice, bob, _, _ = users
    batch = ask(alice)
    bid(bob, batch, "0.46", "0.30")
    mock.advance_clock(seconds=29)
    bid(bob, batch, "0.46", "0.30")  # resent: counts 30 s more
    mock.advance_clock(seconds=29)
    assert got(alice, f"{BATCHES}/{batch['id']}/best_quotes")["best_quotes"]["yes_complete"]
    mock.advance_clock(seconds=1)
    best = got(alice, f"{BATCHES}/{batch['id']}/best_quotes")["best_quotes"]
    assert not best["yes_complete"] and "yes_bid_dollars" not in best["rfqs"][0]
    assert accept(alice, batch, "0.46", "0.30").status_code == 409


def test_who_sees_what(mock, users):
    alice, bob, carol, dave = users
    batch = ask(alice, obscure_creator_id=True, client_batch_id="round-robin-1")
    assert batch["client_batch_id"] == "round-robin-1" and batch["creator_user_id"] == "alice"
    shown = got(dave, f"{BATCHES}/{batch['id']}")["rfq_batch"]
    assert shown["creator_id"] == OBSCURED_ID and shown["rfqs"][0]["creator_id"] == OBSCURED_ID
    assert not {"creator_user_id", "creator_subaccount", "client_batch_id", "updated_ts"} & shown.keys()
    assert dave.get(f"{BATCHES}/{batch['id']}/best_quotes").status_code == 403
    bid(bob, batch, "0.46", "0.30")
    assert got(carol, f"{BATCHES}/{batch['id']}/quotes")["batch_quotes"] == []
    assert got(alice, f"{BATCHES}/{batch['id']}/quotes")["batch_quotes"] == []  # open: the best quotes only
    [mine] = got(bob, f"{BATCHES}/{batch['id']}/quotes")["batch_quotes"]
    assert mine["rfq_creator_id"] == OBSCURED_ID and mine["creator_user_id"] == "bob"
    assert "rfq_creator_user_id" not in mine and len(mine["quotes"]) == 2
    assert dave.get(f"{BATCHES}/{UNKNOWN}").status_code == 404


def test_pages_hold_at_most_limit_batches_and_stop_before_100_children(mock, users):
    alice, bob, _, _ = users
    tickers = combos(mock, "dave", 40)  # (a batch of more than 6 children asks on combos)
    made = [ask(alice, *tickers)["id"], ask(bob, *tickers)["id"], ask(alice, M, N)["id"], ask(bob, *tickers[:30])["id"]]
    pages, cursor = [], ""
    while True:
        page = got(alice, BATCHES, limit=20, **({"cursor": cursor} if cursor else {}))
        pages.append([row["id"] for row in page["rfq_batches"]])
        assert sum(len(row["rfqs"]) for row in page["rfq_batches"]) <= 100
        cursor = page["cursor"]
        if not cursor:
            break
    assert [batch_id for page in pages for batch_id in page] == made[::-1]
    assert pages == [made[::-1][:3], made[::-1][3:]]  # 30 + 2 + 40 children, then 40 (not 112 on one page)
    assert [row["id"] for row in got(alice, BATCHES, limit=1, user_filter="self")["rfq_batches"]] == [made[2]]
    assert got(alice, BATCHES, status="closed")["rfq_batches"] == []


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", f"{BATCHES}/not-a-uuid", None),
        ("GET", f"{BATCHES}?limit=21", None),
        ("GET", f"{BATCHES}?status=pending", None),
        ("GET", f"{BATCHES}?cursor=nope", None),
        ("POST", BATCHES, b"not json"),
        ("POST", BATCHES, {"children": "M"}),
        ("POST", BATCHES, {"children": []}),
        ("POST", BATCHES, {"children": [{"market_ticker": M}]}),  # no size
        ("POST", BATCHES, {"children": [{"market_ticker": M}, {"market_ticker": M}], "contracts_fp": "1"}),
        ("POST", BATCHES, {"children": [{"market_ticker": M}], "contracts_fp": "1", "rest_remainder": True}),
        ("POST", BATCHES, {"children": [{"market_ticker": M}], "contracts_fp": "abc"}),
        ("POST", BATCHES, {"children": [{"market_ticker": M, "selected_markets": []}], "contracts_fp": "1"}),
        ("POST", BATCHES, {"children": [{}], "contracts_fp": "1"}),
        ("POST", BATCHES, {"children": [{"market_ticker": M}], "contracts_fp": "1", "client_batch_id": "x" * 65}),
        ("PUT", f"{BATCHES}/{UNKNOWN}/accept", {"accepted_side": "maybe", "min_bids": []}),
        ("PUT", f"{BATCHES}/{UNKNOWN}/accept", {"accepted_side": "yes", "min_bids": [{"rfq_id": "x"}]}),
        ("PUT", f"{BATCHES}/{UNKNOWN}/accept", {"accepted_side": "yes", "min_bids": "all"}),
        (
            "POST",
            f"{BATCHES}/{UNKNOWN}/quotes",
            {"quotes": [{"rfq_id": UNKNOWN, "yes_bid": "one", "no_bid": "0"}], "rest_remainder": False},
        ),
        ("POST", f"{BATCHES}/{UNKNOWN}/quotes", {"quotes": [], "rest_remainder": "no"}),
        ("DELETE", f"{BATCHES}/{UNKNOWN}/quotes/not-a-uuid", None),
    ],
)
def test_hostile_input_is_a_400_in_kalshis_shape(mock, users, method, path, body):
    alice = users[0]
    content = body if isinstance(body, bytes) else None
    r = alice.request(method, path, json=None if content is not None else body, content=content)
    kalshi_400(r)


def test_a_child_by_its_legs_is_refused_as_an_unknown_collection_and_client_batch_ids_are_unique(mock, users):
    alice = users[0]
    legs = [{"market_ticker": M, "event_ticker": "KXORD-26NOV", "side": "yes"}]
    r = alice.post(BATCHES, json={"children": [{"selected_markets": legs}, {"market_ticker": N}], "contracts_fp": "1",
                                  "mve_collection_ticker": "KXMVE"})  # fmt: skip
    assert r.status_code == 404
    ask(alice, client_batch_id="once")
    children = [{"market_ticker": M}, {"market_ticker": N}]
    r = alice.post(BATCHES, json={"children": children, "contracts_fp": "1", "client_batch_id": "once"})
    assert r.status_code == 409


def test_a_batch_holds_2_to_57_children_on_6_legs_and_a_user_2_open_batches(mock, users):
    """The spec's rules over HTTP: 1 or 58 children the flat 400 on the `min` or `max` tag (a batch quote's and an
    accept's lists too); seven distinct legs, or two exchange indexes, 400 `invalid_parameters`; a third open batch
    409 `too_many_rfqs` (single RFQs count apart), `replace_existing` closing the oldest instead. Nothing made."""
    alice, bob, _, _ = users
    tickers = combos(mock, "dave")
    mock.create_market("KXTWO-26NOV-A", exchange_index=1)
    plain = [f"KXLEG-26NOV-{i}" for i in range(7)]
    for ticker in plain:
        mock.create_market(ticker)

    def asked(*children: str, **body: Any) -> httpx.Response:
        rows = [{"market_ticker": ticker} for ticker in children]
        return alice.post(BATCHES, json={"children": rows, "contracts_fp": "1", **body})

    for children, tag in (([M], "min"), (tickers + [M], "max")):
        r = asked(*children)
        assert (r.status_code, r.json()["code"]) == (400, "bad_request") and f"'{tag}' tag" in r.json()["details"]
    for children in (plain, [M, "KXTWO-26NOV-A"]):
        r = asked(*children)
        assert (r.status_code, r.json()["error"]["code"]) == (400, "invalid_parameters"), r.text
    both = [{"market_ticker": ticker, "contracts_fp": "10", "target_cost_dollars": "5"} for ticker in (M, N)]
    r = alice.post(BATCHES, json={"children": both})
    assert (r.status_code, r.json()["error"]["code"]) == (400, "bad_request"), r.text  # (a child sized two ways)
    assert got(alice, BATCHES)["rfq_batches"] == []
    r = alice.post("/communications/rfqs", json={"market_ticker": M, "contracts": 1, "rest_remainder": False})
    assert r.status_code == 201, r.text  # (a single RFQ: counted apart)
    whole = ask(alice, *tickers)
    assert len(whole["rfqs"]) == 57
    quotes = [{"rfq_id": whole["rfqs"][0]["id"], "yes_bid": "0.40", "no_bid": "0"}]
    r = bob.post(f"{BATCHES}/{whole['id']}/quotes", json={"quotes": quotes, "rest_remainder": False})
    assert (r.status_code, r.json()["code"]) == (400, "bad_request") and "'min' tag" in r.json()["details"]
    second = ask(alice, *plain[:6])
    r = asked(M, N)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "too_many_rfqs"), r.text
    third = ask(alice, M, N, replace_existing=True)
    shown = {row["id"]: row["status"] for row in got(alice, BATCHES)["rfq_batches"]}
    assert shown == {whole["id"]: "closed", second["id"]: "open", third["id"]: "open"}
