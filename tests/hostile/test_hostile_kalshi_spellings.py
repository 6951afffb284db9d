"""Spellings of a Kalshi write body that Go's decoder reads otherwise than a plain key lookup does, over real signed
HTTP, in both wire profiles. A key names its field whatever its case, as Go folds it (`PRICE`, `Client_Order_Id`,
`ſide` with a long s), the last key naming a field counting: a refused value behind a good one is refused, as Kalshi
refuses it, where the mock took the good one. A UUID is read as google/uuid reads one: 35 characters with a dash left
out is refused by its length, and one UUID in any of its spellings (upper case, without dashes, `urn:uuid:`, braces)
is one client_transfer_id, written back in lower case with its dashes. A key spelt twice in one object counts where it
stands the second time, as Go reads each key in turn: a JSON reader that keeps one value a key took a key's last value
at the place of its first, so `{"price": "0.30", "Price": "0.40", "price": "+0.30"}` was placed at 0.40 (in an order
and in a batch's item) where Kalshi refuses "+0.30", and a later `null` of a required key spelt twice unset it."""

from __future__ import annotations

import json

import httpx
import pytest
from kalshi_http import signed
from kalshi_orders import T0, M, client_of, fresh, module_server, order, refused, state

from mockexchange.core.clock import ManualClock
from mockexchange.server import MockServer

ORDERS = "/portfolio/events/orders"
TRANSFERS = "/portfolio/intra_exchange_instance_transfer"
UUID = "abcdef01-2345-6789-abcd-ef0123456789"


server_fixture = module_server()
alice_client = client_of("alice")


@pytest.fixture
def mock(server: MockServer) -> MockServer:
    return fresh(server)


def test_a_key_in_another_case_names_its_field_and_the_last_counts(mock: MockServer, alice: httpx.Client) -> None:
    before = state(mock)
    for body, code in [
        ({**order(), "PRICE": "+0.30"}, "invalid_price"),
        ({**order(), "Price": " 0.30"}, "invalid_price"),
        ({**order(), "Client_Order_Id": "a\x00b"}, "bad_request"),
        ({**order(), "COUNT": "1e0"}, "bad_request"),
    ]:
        refused(alice.post(ORDERS, json=body), 400, code)
    r = alice.post(ORDERS, json={**order(), "\u017fide": "sell"})  # a long s: Go folds it to "s"
    assert (r.status_code, r.json()["code"]) == (400, "bad_request"), r.text
    assert "'Side' failed on the 'oneof' tag" in r.json()["details"]
    assert state(mock) == before
    r = alice.post(ORDERS, json={**order(price="+0.30"), "Price": "0.31", "Client_Order_Id": "c-1"})
    assert r.status_code == 201, r.text
    placed = alice.get(f"/portfolio/orders/{r.json()['order_id']}").json()["order"]
    assert (placed["yes_price_dollars"], placed["client_order_id"]) == ("0.3100", "c-1")
    r = alice.post(ORDERS, json={**order(), "Price": None})  # a null leaves a required field as it was
    assert r.status_code == 201, r.text


def test_a_uuid_is_read_as_go_reads_one_and_written_back_in_lower_case(mock: MockServer, alice: httpx.Client) -> None:
    before = state(mock)
    for spelled, details in [
        (UUID[:23] + UUID[24:], "invalid UUID length: 35"),
        (UUID[:8] + UUID[9:], "invalid UUID length: 35"),
        ("urn:uuix:" + UUID, 'invalid urn prefix: "urn:uuix:"'),
        ("g" + UUID[1:], "invalid UUID format"),
        (UUID.replace("-", "+"), "invalid UUID format"),
    ]:
        body = {"client_transfer_id": spelled, "source": "event_contract", "destination": "margined", "amount": 1}
        r = alice.post(TRANSFERS, json=body)
        assert (r.status_code, r.json()) == (400, {"code": "bad_request", "message": "bad request", "details": details})
    assert state(mock) == before
    first = {"source": "event_contract", "destination": "margined", "amount": 1}
    assert alice.post(TRANSFERS, json={**first, "client_transfer_id": UUID.upper()}).status_code == 200
    for again in (UUID.replace("-", ""), f"urn:UUID:{UUID}", f"{{{UUID}}}", f"x{UUID}y"):  # the same UUID
        refused(alice.post(TRANSFERS, json={**first, "client_transfer_id": again}), 409, "conflict")
    (row,) = alice.get("/portfolio/intra_exchange_instance_transfers").json()["transfers"]
    assert row["client_transfer_id"] == UUID


def test_the_legacy_profile_reads_its_keys_as_go_does() -> None:
    with MockServer(clock=ManualClock(T0), profile="legacy") as mock:
        fresh(mock)
        body = {"ticker": M, "side": "yes", "action": "buy", "count": 1, "yes_price_dollars": "0.30"}
        with signed(mock, "alice") as alice:
            before = state(mock)
            refused(alice.post("/portfolio/orders", json={**body, "Yes_Price_Dollars": "+0.30"}), 400, "invalid_price")
            refused(alice.post("/portfolio/orders", json={**body, "CLIENT_ORDER_ID": "a b"}), 400, "bad_request")
            assert state(mock) == before
            assert alice.post("/portfolio/orders", json={**body, "COUNT": 2}).json()["order"]["initial_count"] == 2


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
