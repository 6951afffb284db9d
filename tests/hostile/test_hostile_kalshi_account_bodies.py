"""Hostile bodies on the Kalshi account writes, over real HTTP: every field of every new body with a value of the wrong
JSON type, out of range, missing, or the body not JSON at all, too deep or too large. Each is a 400 in Kalshi's flat
body shape naming the field, and nothing changes: not the account's reads, not the state file's commands. A client
hanging up mid-body is its own disconnect, never a mock bug."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import httpx
import pytest
from hostile_sockets import connect, request_head
from hostile_wire import journal
from test_hostile_request_bodies import errors_logged  # noqa: F401 (a fixture)

from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiAuth, KalshiSigner

SUBACCOUNTS = "/portfolio/subaccounts"
TRANSFER = "/portfolio/subaccounts/transfer"
NETTING = "/portfolio/subaccounts/netting"
INSTANCE = "/portfolio/intra_exchange_instance_transfer"
ALLOCATION = "/portfolio/target_balance_allocation"
READS = [
    "/portfolio/subaccounts/balances",
    "/portfolio/subaccounts/transfers",
    NETTING,
    "/portfolio/intra_exchange_instance_transfers",
    ALLOCATION,
    "/portfolio/balance",
]
GOOD = {
    ("POST", TRANSFER): {"client_transfer_id": str(uuid.UUID(int=1)), "from_subaccount": 0, "to_subaccount": 1,
                         "amount_cents": 100, "exchange_index": 0},  # fmt: skip
    ("PUT", NETTING): {"subaccount_number": 1, "enabled": False},
    ("POST", INSTANCE): {"source": "event_contract", "destination": "margined", "amount": 100,
                         "client_transfer_id": str(uuid.UUID(int=2)), "source_exchange_shard": 0,
                         "destination_exchange_shard": 0, "source_subaccount": 0, "destination_subaccount": 0},
    ("POST", ALLOCATION): {"allocations": [{"exchange_index": 0, "percent": 100}], "resting_margin_reservation": "max"},
    ("POST", SUBACCOUNTS): {"exchange_index": 0},
}  # fmt: skip
INTEGERS = {
    "from_subaccount", "to_subaccount", "amount_cents", "exchange_index", "subaccount_number", "amount",
    "source_exchange_shard", "destination_exchange_shard", "source_subaccount", "destination_subaccount",
}  # fmt: skip
# Beyond each integer's range (the mock's bounds, or the spec's).
TOO_BIG = {"from_subaccount": 64, "to_subaccount": 64, "subaccount_number": 64, "amount_cents": 10**14 + 1,
           "amount": 10**16 + 1, "source_exchange_shard": 101, "destination_exchange_shard": 101,
           "source_subaccount": 64, "destination_subaccount": 64, "exchange_index": 2**31}  # fmt: skip
REQUIRED = {
    TRANSFER: ("client_transfer_id", "from_subaccount", "to_subaccount", "amount_cents"),
    NETTING: ("subaccount_number", "enabled"),
    INSTANCE: ("source", "destination", "amount"),
    ALLOCATION: ("allocations",),
    SUBACCOUNTS: (),
}


@pytest.fixture(scope="module")
def mock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockServer]:
    state = tmp_path_factory.mktemp("state") / "state.db"
    with MockServer(state=str(state)) as server:
        server.create_account("h", balance_cents=10_000)
        server.create_subaccount("h")
        yield server


@pytest.fixture(scope="module")
def key(mock: MockServer) -> dict:
    return mock.create_key("h")


@pytest.fixture(scope="module")
def client(mock: MockServer, key: dict) -> Iterator[httpx.Client]:
    signer = KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])
    with httpx.Client(base_url=mock.kalshi_url, auth=KalshiAuth(signer), timeout=10) as c:
        yield c


@pytest.fixture(scope="module")
def untouched(mock: MockServer, client: httpx.Client) -> tuple:
    """What the account reads, and the commands the state file holds, before any case: the same before each, for
    every case is refused and changes nothing (each holds the mock to it after its request)."""
    return _seen(mock, client)


def _seen(mock: MockServer, client: httpx.Client) -> tuple:
    reads = tuple(client.get(path).content for path in READS)
    return reads, mock.app.persistence.status()["commands"]  # type: ignore[union-attr]


def _cases() -> Iterator[tuple[str, str, object, str]]:
    """(method, path, body, the field the refusal names)."""
    for (method, path), good in GOOD.items():
        for name in good:
            wrong_types = ["1", 1.5, True, [], {}] if name in INTEGERS else [1, True, [], {}]
            if name == "enabled":
                wrong_types = ["true", 1, []]
            if name == "allocations":
                wrong_types = ["x", 1, {}]
            for value in wrong_types:
                yield method, path, {**good, name: value}, name
            if name in TOO_BIG:
                yield method, path, {**good, name: TOO_BIG[name]}, name
            if name in INTEGERS:
                yield method, path, {**good, name: -1}, name
        for name in REQUIRED[path]:
            yield method, path, {k: v for k, v in good.items() if k != name}, name
    yield "POST", TRANSFER, {**GOOD[("POST", TRANSFER)], "client_transfer_id": "not-a-uuid"}, "UUID"
    yield "POST", INSTANCE, {**GOOD[("POST", INSTANCE)], "source": "spot"}, "Source"
    yield "POST", ALLOCATION, {"allocations": [{"exchange_index": 0}]}, "Percent"
    yield "POST", ALLOCATION, {"allocations": [{"exchange_index": 0, "percent": 101}]}, "Percent"
    yield "POST", ALLOCATION, {"allocations": [{"exchange_index": "0", "percent": 100}]}, "exchange_index"
    yield "POST", ALLOCATION, {"allocations": [{"exchange_index": 0, "percent": 1}] * 102}, "Allocations"
    yield "POST", ALLOCATION, {**GOOD[("POST", ALLOCATION)], "resting_margin_reservation": "all"}, "Reservation"


CASES = list(_cases())


@pytest.mark.parametrize(("method", "path", "body", "field"), CASES, ids=[f"{c[1]}:{c[3]}:{c[2]!r:.40}" for c in CASES])
def test_a_bad_field_is_a_400_naming_it_and_changes_nothing(mock, client, untouched, method, path, body, field):
    r = client.request(method, path, json=body)
    assert r.status_code == 400, r.text
    answer = r.json()
    assert set(answer) == {"code", "message", "details"} and answer["code"] == "bad_request", answer
    assert field.lower().replace("_", "") in answer["details"].lower().replace("_", ""), answer
    assert _seen(mock, client) == untouched


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        (b"{", "invalid character"),
        (b"not json", "invalid character"),
        (b"[1, 2]", "cannot unmarshal array into Go value"),
        (b'"x"', "cannot unmarshal string into Go value"),
        (b"[" * 100 + b"]" * 100, "invalid character"),  # deeper than the mock reads
        (b"", "EOF"),
    ],
)
@pytest.mark.parametrize(("method", "path"), [("POST", TRANSFER), ("PUT", NETTING), ("POST", INSTANCE),
                                              ("POST", ALLOCATION)])  # fmt: skip
def test_a_body_that_is_not_a_json_object_is_a_400(mock, client, untouched, method, path, raw, says):
    r = client.request(method, path, content=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and says in r.json()["details"], r.text
    assert _seen(mock, client) == untouched


def test_a_body_too_large_is_refused_before_it_is_read(mock, client, untouched):
    r = client.post(ALLOCATION, content=b" " * (64 * 1024 + 1), headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["details"] == "http: request body too large"
    assert _seen(mock, client) == untouched


def test_a_client_hanging_up_mid_body_is_its_disconnect_not_a_mock_bug(mock, key, errors_logged):  # noqa: F811
    since = max((e["seq"] for e in journal(mock)), default=0)
    signer = KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])
    signed = signer.headers("POST", "/trade-api/v2" + ALLOCATION)
    head = request_head("POST", "/trade-api/v2" + ALLOCATION, {**signed, "Content-Length": "100"})
    with connect(mock, head + b'{"allocations": '):
        time.sleep(0.05)  # the mock is reading the body when the client hangs up
    deadline = time.monotonic() + 5
    while not (entries := [e for e in journal(mock) if e["seq"] > since]) and time.monotonic() < deadline:
        time.sleep(0.02)
    [entry] = entries
    assert entry["status"] == 499
    assert [record.getMessage() for record in errors_logged] == []
