"""Kalshi's RFQs and quotes over real HTTP with signed requests, every answer checked against the committed slice's
schema: an RFQ asked by alice, quoted by bob, accepted, confirmed and executed on the exchange clock (fills on GET
/portfolio/fills with the quote's order ids); who sees what (a third user reads the RFQ without its private fields
and gets 404 on the quote); the lists' filters and cursors; hostile input a 400 in Kalshi's shape, never a 500, and
a refusal changing nothing."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from kalshi_orders import T0, M, N, fresh, state
from module_mocks import forget, module_mock

from mockexchange.contract.kalshi.slicing import parsed_once
from mockexchange.core.kalshi.rfq_records import OBSCURED_ID
from mockexchange.schema.fields import response_errors
from mockexchange.schema.specs import kalshi_slice_path
from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiAuth, KalshiSigner

SLICE = parsed_once(kalshi_slice_path("openapi.yaml"))
TEMPLATES = [
    (re.compile("^/trade-api/v2" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"), path) for path in SLICE["paths"]
]
RFQS, QUOTES = "/communications/rfqs", "/communications/quotes"
UNKNOWN = "0b0e6f43-5d1c-4a8f-9c3e-2f1a6b7d8e90"

server_fixture = module_mock("server", T0)


def check(response: httpx.Response) -> None:
    """Every answer as the slice's schema says (its documented body for its status); none a 500."""
    response.read()
    assert response.status_code < 500, response.text
    request = response.request
    if not response.content:
        assert response.status_code == 204, response.status_code
        return
    path = next(spec for pattern, spec in TEMPLATES if pattern.match(request.url.path))
    problems = response_errors(SLICE, path, request.method, response.status_code, response.json())
    assert problems == [], f"{request.method} {request.url.path} -> {response.status_code}: {problems}"


@pytest.fixture
def mock(server: MockServer) -> MockServer:
    """alice, bob and carol ($100 each; carol a third party), markets M and N with no book."""
    forget(fresh(server))
    server.create_account("carol", balance_cents=10_000)
    return server


def client(mock: MockServer, user: str) -> httpx.Client:
    key = mock.create_key(user)
    signer = KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])
    return httpx.Client(base_url=mock.kalshi_url, auth=KalshiAuth(signer), timeout=10,
                        event_hooks={"response": [check]})  # fmt: skip


@pytest.fixture
def users(mock: MockServer) -> Any:
    made = [client(mock, user) for user in ("alice", "bob", "carol")]
    yield made
    for each in made:
        each.close()


def ask(c: httpx.Client, **body: Any) -> str:
    r = c.post(RFQS, json={"market_ticker": M, "contracts_fp": "10.00", "rest_remainder": False, **body})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def quote(c: httpx.Client, rfq_id: str, **body: Any) -> str:
    r = c.post(QUOTES, json={"rfq_id": rfq_id, "yes_bid": "0.40", "no_bid": "0.55", "rest_remainder": False, **body})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def got(c: httpx.Client, path: str, **params: Any) -> Any:
    r = c.get(path, params=params)
    assert r.status_code == 200, r.text
    return r.json()


def kalshi_400(r: httpx.Response) -> None:
    """A 400 in one of Kalshi's shapes (a parameter's `msg`, a body's flat `bad_request`, an exchange error)."""
    assert r.status_code == 400, r.text
    body = r.json()
    assert "msg" in body or body.get("code") == "bad_request" or "code" in body.get("error", {}), body


# -- the whole flow ---------------------------------------------------------------------------------------------------


def test_an_rfq_is_quoted_accepted_confirmed_and_executes_as_fills_of_both(mock, users):
    alice, bob, _ = users
    rfq_id = ask(alice)
    quote_id = quote(bob, rfq_id)
    path = f"{RFQS}/{rfq_id}/quotes/{quote_id}"
    assert alice.put(f"{path}/accept", json={"accepted_side": "yes"}).status_code == 204
    assert got(bob, path)["quote"]["status"] == "accepted"
    assert bob.put(f"{path}/confirm").status_code == 204
    assert got(alice, path)["quote"]["status"] == "confirmed"
    mock.advance_clock(seconds=15)  # the execution timer
    made = got(alice, path)["quote"]
    assert made["status"] == "executed" and made["accepted_side"] == "yes" and "executed_ts" in made
    assert got(alice, f"{RFQS}/{rfq_id}")["rfq"]["status"] == "closed"
    # each side's order id is its own to see; its fills carry it
    maker_order = got(bob, path)["quote"]["creator_order_id"]
    requester_order = made["rfq_creator_order_id"]
    assert "creator_order_id" not in made and "rfq_creator_order_id" not in got(bob, path)["quote"]
    bob_fills = got(bob, "/portfolio/fills")["fills"]
    alice_fills = got(alice, "/portfolio/fills")["fills"]
    assert [f["order_id"] for f in bob_fills] == [maker_order]
    assert [f["order_id"] for f in alice_fills] == [requester_order]
    assert bob_fills[0]["count_fp"] == alice_fills[0]["count_fp"] == "10.00"


def test_the_deprecated_routes_answer_the_same_by_the_quote_alone(mock, users):
    alice, bob, _ = users
    rfq_id = ask(alice)
    quote_id = quote(bob, rfq_id)
    assert got(bob, f"{QUOTES}/{quote_id}") == got(bob, f"{RFQS}/{rfq_id}/quotes/{quote_id}")
    assert alice.put(f"{QUOTES}/{quote_id}/accept", json={"accepted_side": "no"}).status_code == 204
    assert bob.put(f"{QUOTES}/{quote_id}/confirm", json={}).status_code == 204
    assert got(alice, f"{QUOTES}/{quote_id}")["quote"]["status"] == "confirmed"
    other = quote(bob, ask(alice, market_ticker=N))
    assert bob.delete(f"{QUOTES}/{other}").status_code == 204
    assert got(bob, f"{QUOTES}/{other}")["quote"]["status"] == "cancelled"


def test_an_rfq_is_deleted_by_its_creator_only_and_its_quotes_end(mock, users):
    alice, bob, carol = users
    rfq_id = ask(alice)
    quote_id = quote(bob, rfq_id)
    assert carol.delete(f"{RFQS}/{rfq_id}").status_code == 404
    assert alice.delete(f"{RFQS}/{rfq_id}").status_code == 204
    assert got(alice, f"{RFQS}/{rfq_id}")["rfq"]["status"] == "closed"
    assert got(bob, f"{QUOTES}/{quote_id}")["quote"]["status"] == "cancelled"


# -- who sees what ----------------------------------------------------------------------------------------------------


def test_everyone_reads_an_rfq_but_its_private_fields_and_a_quote_is_its_two_parties_alone(mock, users):
    alice, bob, carol = users
    rfq_id = ask(alice)
    own = got(alice, f"{RFQS}/{rfq_id}")["rfq"]
    assert own["creator_user_id"] == "alice" and own["creator_subaccount"] == 0
    assert own["creator_id"] == got(alice, "/communications/id")["communications_id"]
    assert re.fullmatch("[0-9a-f]{32}", own["creator_id"])
    seen = got(carol, f"{RFQS}/{rfq_id}")["rfq"]
    assert {k: v for k, v in own.items() if k not in ("creator_user_id", "creator_subaccount")} == seen
    quote_id = quote(bob, rfq_id)
    path = f"{RFQS}/{rfq_id}/quotes/{quote_id}"
    assert carol.get(path).status_code == 404
    assert carol.get(f"{QUOTES}/{quote_id}").status_code == 404
    assert got(carol, QUOTES)["quotes"] == []
    maker, requester = got(bob, path)["quote"], got(alice, path)["quote"]
    assert maker["creator_user_id"] == "bob" and "rfq_creator_user_id" not in maker and maker["post_only"] is False
    assert requester["rfq_creator_user_id"] == "alice" and "creator_user_id" not in requester
    assert "post_only" not in requester
    assert maker["yes_bid_dollars"] == "0.4000" and maker["no_bid_dollars"] == "0.5500"
    assert maker["yes_contracts_fp"] == maker["no_contracts_fp"] == maker["contracts_fp"] == "10.00"
    # a quote on another RFQ of the path's: 404
    assert alice.get(f"{RFQS}/{ask(alice, market_ticker=N)}/quotes/{quote_id}").status_code == 404


def test_an_obscured_creator_is_the_placeholder_to_others(mock, users):
    alice, bob, carol = users
    rfq_id = ask(alice, obscure_creator_id=True)
    assert got(carol, f"{RFQS}/{rfq_id}")["rfq"]["creator_id"] == OBSCURED_ID
    assert got(alice, f"{RFQS}/{rfq_id}")["rfq"]["creator_id"] != OBSCURED_ID
    quote_id = quote(bob, rfq_id)
    assert got(bob, f"{QUOTES}/{quote_id}")["quote"]["rfq_creator_id"] == OBSCURED_ID
    assert got(alice, f"{QUOTES}/{quote_id}")["quote"]["rfq_creator_id"] != OBSCURED_ID


# -- lists ------------------------------------------------------------------------------------------------------------


def test_the_lists_filter_and_page_newest_first_with_a_cursor_round_trip(mock, users):
    alice, bob, carol = users
    mine = [ask(alice), ask(alice, market_ticker=N)]
    theirs = ask(carol)
    everyone = got(bob, RFQS)
    assert [r["id"] for r in everyone["rfqs"]] == [theirs, *reversed(mine)] and everyone["cursor"] == ""
    assert [r["id"] for r in got(alice, RFQS, user_filter="self")["rfqs"]] == list(reversed(mine))
    assert [r["id"] for r in got(bob, RFQS, market_ticker=N)["rfqs"]] == [mine[1]]
    assert [r["id"] for r in got(bob, RFQS, creator_user_id="carol")["rfqs"]] == [theirs]
    assert got(bob, RFQS, status="closed")["rfqs"] == []
    first = got(bob, RFQS, limit=2)
    assert len(first["rfqs"]) == 2 and first["cursor"]
    rest = got(bob, RFQS, limit=2, cursor=first["cursor"])
    assert [r["id"] for r in first["rfqs"] + rest["rfqs"]] == [r["id"] for r in everyone["rfqs"]]
    assert rest["cursor"] == ""
    kalshi_400(bob.get(RFQS, params={"limit": 2, "cursor": first["cursor"], "market_ticker": M}))  # other filters
    quotes = [quote(bob, mine[0]), quote(bob, mine[1]), quote(bob, theirs)]
    assert [q["id"] for q in got(alice, QUOTES)["quotes"]] == list(reversed(quotes[:2]))
    assert [q["id"] for q in got(bob, QUOTES, user_filter="self")["quotes"]] == list(reversed(quotes))
    assert [q["id"] for q in got(bob, QUOTES, rfq_id=mine[0])["quotes"]] == [quotes[0]]
    page = got(bob, QUOTES, limit=1)
    assert [q["id"] for q in got(bob, QUOTES, limit=5, cursor=page["cursor"])["quotes"]] == list(reversed(quotes))[1:]


# -- hostile input ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("params", [
    {"limit": 101}, {"limit": 0}, {"limit": "x"}, {"cursor": "garbage"}, {"user_filter": "everyone"},
    {"creator_user_id": "not-a-uuid"}, {"subaccount": -1},
])  # fmt: skip
def test_bad_rfq_list_parameters_are_400(mock, users, params):
    kalshi_400(users[0].get(RFQS, params=params))


@pytest.mark.parametrize("params", [{"limit": 501}, {"rfq_id": "123"}, {"min_ts": "yesterday"},
                                    {"rfq_user_filter": "me"}])  # fmt: skip
def test_bad_quote_list_parameters_are_400(mock, users, params):
    kalshi_400(users[0].get(QUOTES, params=params))


def test_malformed_ids_are_400_and_unknown_ones_404(mock, users):
    alice = users[0]
    for path in (f"{RFQS}/nope", f"{RFQS}/nope/quotes/{UNKNOWN}", f"{RFQS}/{UNKNOWN}/quotes/x", f"{QUOTES}/1"):
        kalshi_400(alice.get(path))
    for path in (f"{RFQS}/{UNKNOWN}", f"{QUOTES}/{UNKNOWN}", f"{RFQS}/{UNKNOWN}/quotes/{UNKNOWN}"):
        assert alice.get(path).status_code == 404
    kalshi_400(alice.delete(f"{RFQS}/nope"))
    kalshi_400(alice.put(f"{QUOTES}/nope/accept", json={"accepted_side": "yes"}))


@pytest.mark.parametrize("body", [
    {"rest_remainder": False},  # no market
    {"market_ticker": M},  # no rest_remainder
    {"market_ticker": M, "rest_remainder": "no", "contracts": 5},  # a string for a bool
    {"market_ticker": M, "rest_remainder": False, "contracts": "5"},  # a string for an integer
    {"market_ticker": M, "rest_remainder": False},  # no size
    {"market_ticker": M, "rest_remainder": False, "contracts": 5, "contracts_fp": "6.00"},  # disagreeing
    {"market_ticker": M, "rest_remainder": False, "contracts": 5, "target_cost_dollars": "3"},  # both sizes
    {"market_ticker": M, "rest_remainder": False, "contracts_fp": "1.234"},  # 3 places
    {"market_ticker": M, "rest_remainder": False, "target_cost_dollars": "abc"},
    {"market_ticker": M, "rest_remainder": False, "target_cost_dollars": "3", "target_cost_centi_cents": 1},
])  # fmt: skip
def test_bad_rfq_bodies_are_400_and_make_nothing(mock, users, body):
    before = state(mock)
    kalshi_400(users[0].post(RFQS, json=body))
    assert state(mock) == before


def test_the_rfq_sizes_agree_and_a_target_cost_shows_on_the_rfq_and_its_quotes(mock, users):
    alice, bob, _ = users
    by_both = ask(alice, contracts=7, contracts_fp="7.00")
    assert got(alice, f"{RFQS}/{by_both}")["rfq"]["contracts_fp"] == "7.00"
    by_cost = ask(alice, market_ticker=N, contracts_fp=None, target_cost_centi_cents=50_000)  # $5
    rfq = got(alice, f"{RFQS}/{by_cost}")["rfq"]
    assert rfq["target_cost_dollars"] == "5.000000" and rfq["contracts_fp"] == "0.00"
    made = got(bob, f"{QUOTES}/{quote(bob, by_cost)}")["quote"]
    assert made["rfq_target_cost_dollars"] == "5.000000" and made["target_cost_excludes_fees"] is False
    assert made["yes_contracts_fp"] != "0.00" and made["no_contracts_fp"] != "0.00"


@pytest.mark.parametrize("body", [
    {"yes_bid": "0", "no_bid": "0"},  # neither side
    {"yes_bid": "0.60", "no_bid": "0.50"},  # over a dollar
    {"yes_bid": "0.123456"},  # too many places
    {"yes_bid": 0.4},  # a number for a string
    {"rfq_id": "nope"},  # malformed
    {"rest_remainder": None},  # missing
])  # fmt: skip
def test_bad_quotes_are_400_and_make_nothing(mock, users, body):
    rfq_id = ask(users[0])
    before = state(mock)
    r = users[1].post(QUOTES, json={"rfq_id": rfq_id, "yes_bid": "0.40", "no_bid": "0.55", "rest_remainder": False,
                                    **body})  # fmt: skip
    kalshi_400(r)
    assert state(mock) == before


def test_refusals_of_the_flow_are_kalshis_and_change_nothing(mock, users):
    alice, bob, carol = users
    rfq_id = ask(alice)
    assert alice.post(RFQS, json={"market_ticker": M, "contracts": 1, "rest_remainder": False}).status_code == 409
    own = {"rfq_id": rfq_id, "yes_bid": "0.4", "no_bid": "0.5", "rest_remainder": False}
    assert alice.post(QUOTES, json=own).status_code == 400  # its own RFQ: a self trade
    quote_id = quote(bob, rfq_id)
    before = state(mock)
    kalshi_400(alice.put(f"{QUOTES}/{quote_id}/accept", json={"accepted_side": "maybe"}))
    kalshi_400(alice.put(f"{QUOTES}/{quote_id}/accept", json={}))
    assert carol.put(f"{QUOTES}/{quote_id}/accept", json={"accepted_side": "yes"}).status_code == 404
    assert bob.put(f"{QUOTES}/{quote_id}/confirm").status_code == 409  # not accepted
    assert state(mock) == before
