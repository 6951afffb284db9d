"""The request journal judges the order routes (issue 28) against the slice: each is named by its operation, a valid
request has no problem, and what the published schema or Kalshi's unstated rules forbid in a query is named."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import plain_http
import pytest

from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiAuth, KalshiSigner

ORDERS = "/trade-api/v2/portfolio/events/orders"
READS = "/trade-api/v2/portfolio/orders"
MARKET = "KXJOURNAL-26-T1"


@pytest.fixture(scope="module")
def mock() -> Iterator[MockServer]:
    with MockServer() as server:
        server.create_account("alice", balance_cents=100_000)
        server.create_market(MARKET, "KXJOURNAL-26")
        server.set_book(MARKET, yes=[["0.40", "10"]], no=[["0.55", "10"]])
        yield server


@pytest.fixture(scope="module")
def client(mock: MockServer) -> Iterator[httpx.Client]:
    key = mock.create_key("alice")
    signer = KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])
    with httpx.Client(base_url=mock.base_url, auth=KalshiAuth(signer), timeout=10) as c:
        yield c


def _entries(mock: MockServer, since: int) -> list[dict]:
    r = plain_http.get(f"{mock.base_url}/_admin/requests", params={"since": since}, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()["requests"]


def _last_seq(mock: MockServer) -> int:
    return plain_http.get(f"{mock.base_url}/_admin/requests", params={"limit": 1}, timeout=10).json()["last_seq"]


def test_every_order_route_is_judged_by_its_operation(mock, client) -> None:
    since = _last_seq(mock)
    bid = {"ticker": MARKET, "side": "bid", "count": "2", "price": "0.30", "time_in_force": "good_till_canceled",
           "self_trade_prevention_type": "taker_at_cross"}  # fmt: skip
    made = client.post(ORDERS, json=bid)
    assert made.status_code == 201, made.text
    order_id = made.json()["order_id"]
    answers = [
        client.post(f"{ORDERS}/batched", json={"orders": [bid, {**bid, "price": "0.41"}]}),  # the second takes 0.40
        client.post(
            f"{ORDERS}/{order_id}/amend", json={"ticker": MARKET, "side": "bid", "price": "0.31", "count": "3"}
        ),
        client.post(f"{ORDERS}/{order_id}/decrease", json={"reduce_by": "1"}),
        client.get(READS, params={"status": "resting", "limit": 5}),
        client.get(f"{READS}/{order_id}"),
        client.get(f"{READS}/queue_positions", params={"market_tickers": MARKET}),
        client.get(f"{READS}/{order_id}/queue_position"),
        client.delete(f"{ORDERS}/{order_id}"),
        client.request("DELETE", f"{ORDERS}/batched", json={"orders": [{"order_id": order_id}]}),
        client.delete(ORDERS, params={"subaccount": 0}),
    ]
    assert [a.status_code for a in answers] == [201, 200, 200, 200, 200, 200, 200, 200, 200, 204], [
        a.text for a in answers
    ]
    entries = _entries(mock, since)
    assert [(e["operation"], e["problems"]) for e in entries] == [
        (operation, [])
        for operation in (
            "CreateOrderV2", "BatchCreateOrdersV2", "AmendOrderV2", "DecreaseOrderV2", "GetOrders", "GetOrder",
            "GetOrderQueuePositions", "GetOrderQueuePosition", "CancelOrderV2", "BatchCancelOrdersV2",
            "CancelAllOrders",
        )
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("path", "query", "rule", "detail"),
    [
        (READS, "status=open", "kalshi.parameter.enum", "status=open is not one of 'resting', 'canceled', 'executed'"),
        (READS, "limit=0", "parameter.minimum", "limit=0 is below minimum 1 (GetOrders)"),
        (READS, "subaccount=64", "kalshi.parameter.maximum", "subaccount=64 exceeds maximum 63 (GetOrders)"),
        (READS, "event_ticker=A,,B", "kalshi.parameter.pattern", "event_ticker=A,,B does not match"),
        (f"{READS}/queue_positions", "market_tickers=,", "kalshi.parameter.pattern", "market_tickers=, does not match"),
        (f"{ORDERS}/unknown-id", "exchange_index=-2", "kalshi.parameter.minimum",
         "exchange_index=-2 is below minimum -1 (CancelOrderV2)"),
    ],
)  # fmt: skip
def test_what_an_order_route_refuses_in_its_query_is_named(mock, client, path, query, rule, detail) -> None:
    since = _last_seq(mock)
    method = "DELETE" if path.startswith(ORDERS) else "GET"
    assert client.request(method, f"{path}?{query}").status_code == 400  # the mock refuses it as Kalshi does
    [entry] = _entries(mock, since)
    [found] = entry["problems"]
    assert found["rule"] == rule and found["detail"].startswith(detail), found
