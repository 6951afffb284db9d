"""The control plane's reads of RFQs, quotes, RFQ batches and RFQ makers' rules over the admin API (real HTTP): each
answers an object holding its list, as every admin read does (the admin OpenAPI's 200), and an argument of the wrong
type is the admin API's 400 naming it, never a read that quietly finds nothing."""

from __future__ import annotations

import json

import plain_http
import pytest
from kalshi_orders import T0, M, N
from module_mocks import fresh, module_mock

from mockexchange.server import MockServer

THIRD = "KXORD-26NOV-C"  # (a batch has two children at least)

server_fixture = module_mock("server", T0)


@pytest.fixture
def mock(server: MockServer) -> MockServer:
    """An RFQ of req's on M quoted by mk, a batch of req's (its children on N and THIRD) quoted by mk too; desk's maker
    rule."""
    mock = fresh(server, T0)
    for user in ("req", "mk", "desk"):
        mock.create_account(user, balance_cents=100_000)
    mock.create_market(M)
    mock.create_market(N)
    mock.create_market(THIRD)
    rfq = mock.create_rfq("req", M, False, contracts="2")["rfq_id"]
    mock.create_quote("mk", rfq, "0.40", "0.55", rest_remainder=False)
    children = [{"market_ticker": N, "rfq_id": "child"}, {"market_ticker": THIRD, "rfq_id": "other"}]
    mock.create_rfq_batch("req", children, contracts="1", rest_remainder=False, rfq_batch_id="b1")
    bids = [{"rfq_id": child, "yes_bid": "0.41", "no_bid": "0.5"} for child in ("child", "other")]
    mock.create_batch_quote("mk", "b1", bids, rest_remainder=False)
    mock.set_rfq_maker("desk", "fed", markets=[M])
    return mock


def post(mock: MockServer, path: str, body: object) -> tuple[int, object]:
    r = plain_http.post(f"{mock.base_url}/_admin/{path}", content=json.dumps(body).encode(),
                        headers={"Content-Type": "application/json"}, timeout=10)  # fmt: skip
    return r.status_code, r.json()


# (path, a valid body, the list's key, its rows)
READS = [
    ("rfqs/show", {}, "rfqs", 3),
    ("rfqs/show", {"user_id": "req", "subaccount": 0, "status": "open", "market_ticker": M}, "rfqs", 1),
    ("quotes/show", {"user_id": "req"}, "quotes", 1),
    ("rfq_batches/show", {"user_id": "req"}, "rfq_batches", 1),
    ("batch_quotes/show", {"rfq_batch_id": "b1", "user_id": "mk"}, "batch_quotes", 1),
]


@pytest.mark.parametrize("path,body,key,rows", READS, ids=[f"{p}:{len(b)}" for p, b, _, _ in READS])
def test_a_read_answers_an_object_holding_its_list(mock, path, body, key, rows):
    status, answer = post(mock, path, body)
    assert status == 200 and isinstance(answer, dict) and list(answer) == [key], answer
    assert len(answer[key]) == rows


def test_the_rfq_makers_rules_are_an_object_over_http_and_in_python(mock):
    got = plain_http.get(f"{mock.base_url}/_admin/rfq_makers", timeout=10)
    assert got.status_code == 200 and [rule["rule"] for rule in got.json()["rfq_makers"]] == ["fed"]
    assert mock.rfq_makers() == got.json()


# (path, body, the field the 400 names): each argument of the wrong type in turn
MISTYPED = [
    ("rfqs/show", {"subaccount": {}}, "subaccount"),
    ("rfqs/show", {"subaccount": "0"}, "subaccount"),
    ("rfqs/show", {"status": 1}, "status"),
    ("rfqs/show", {"market_ticker": []}, "market_ticker"),
    ("rfqs/show", {"event_ticker": True}, "event_ticker"),
    ("rfqs/show", {"user_id": {}}, "user_id"),
    ("quotes/show", {"user_id": 7}, "user_id"),
    ("quotes/show", {"user_id": "req", "rfq_id": {}}, "rfq_id"),
    ("quotes/show", {"user_id": "req", "status": ["open"]}, "status"),
    ("quotes/show", {"user_id": "req", "min_ts": "0"}, "min_ts"),
    ("rfq_batches/show", {"status": None, "user_id": {}}, "user_id"),
    ("rfq_batches/show", {"status": 0}, "status"),
    ("rfq_batches/best_quotes/show", {"rfq_batch_id": {}}, "rfq_batch_id"),
    ("batch_quotes/show", {"rfq_batch_id": 1, "user_id": "mk"}, "rfq_batch_id"),
    ("batch_quotes/show", {"rfq_batch_id": "b1", "user_id": []}, "user_id"),
]


@pytest.mark.parametrize("path,body,name", MISTYPED, ids=[f"{p}:{n}:{v[n]!r}" for p, v, n in MISTYPED])
def test_an_argument_of_the_wrong_type_is_a_400_naming_it(mock, path, body, name):
    status, answer = post(mock, path, body)
    assert status == 400 and name in answer["error"], answer
