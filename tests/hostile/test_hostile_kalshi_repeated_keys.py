"""A key a Kalshi write body repeats, over real signed HTTP: Go's decoder reads an object's keys in the body's order,
each in turn, so the last one naming a field counts, wherever its first spelling stood. A JSON reader that keeps one
value a key took the value of a key's last spelling at the place of its first: `{"price": "0.30", "Price": "0.40",
"price": "+0.30"}` was placed at 0.40, where Kalshi refuses "+0.30", in an order and in a batch's item alike; and a
later `null` of a required key spelt twice unset what Go leaves as it was."""

from __future__ import annotations

import json

import httpx
import pytest
from kalshi_orders import M, client_of, fresh, module_server, order, refused, state

from mockexchange.server import MockServer

ORDERS = "/portfolio/events/orders"

server_fixture = module_server()
alice_client = client_of("alice")


@pytest.fixture
def mock(server: MockServer) -> MockServer:
    return fresh(server)


def spelt(fields: dict, *repeated: tuple[str, object]) -> str:
    """The JSON text of `fields` with each (key, value) of `repeated` after them, a key again where it is already."""
    return (
        json.dumps(fields)[:-1] + "".join(f", {json.dumps(key)}: {json.dumps(value)}" for key, value in repeated) + "}"
    )


def post(client: httpx.Client, path: str, text: str) -> httpx.Response:
    return client.post(path, content=text, headers={"Content-Type": "application/json"})


def test_the_last_of_a_key_spelt_twice_counts_in_the_bodys_order(mock: MockServer, alice: httpx.Client) -> None:
    before = state(mock)
    for repeated, code in [
        ((("Price", "0.40"), ("price", "+0.30")), "invalid_price"),
        ((("COUNT", "1"), ("count", "1e0")), "bad_request"),
        ((("client_order_id", "c-1"), ("Client_Order_Id", "c-2"), ("client_order_id", "a\x00b")), "bad_request"),
    ]:
        refused(post(alice, ORDERS, spelt(order(), *repeated)), 400, code)
    assert state(mock) == before
    r = post(alice, ORDERS, spelt(order(), ("Price", "+0.30"), ("price", "0.31"), ("ticker", None)))
    assert r.status_code == 201, r.text  # the last price counts; a null leaves the required ticker as it was
    placed = alice.get(f"{ORDERS.replace('/events', '')}/{r.json()['order_id']}").json()["order"]
    assert (placed["ticker"], placed["yes_price_dollars"]) == (M, "0.3100")


def test_a_batch_item_reads_a_key_spelt_twice_as_go_does(mock: MockServer, alice: httpx.Client) -> None:
    items = [
        spelt(order(), ("Price", "0.40"), ("price", "+0.30")),
        spelt(order(), ("Price", "+0.30"), ("price", "0.31")),
    ]
    r = post(alice, f"{ORDERS}/batched", '{"orders": [' + ", ".join(items) + "]}")
    assert r.status_code == 201, r.text
    rows = r.json()["orders"]
    assert [row["error"] and row["error"]["code"] for row in rows] == ["invalid_price", None]
    (resting,) = alice.get("/portfolio/orders").json()["orders"]
    assert resting["yes_price_dollars"] == "0.3100"
