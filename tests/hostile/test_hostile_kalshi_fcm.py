"""Hostile bodies and fields on an FCM member's desk, over real sockets: a declared or streamed body past 64 KiB is
refused with Kalshi's flat 400 (`http: request body too large`) before it is read whole, a body that is no JSON,
nested without end, or holds numbers past int64 is a flat 400, and any JSON object on any write gets a 2xx or
Kalshi's 4xx, never a 500; what is refused changes nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from hostile_sockets import connect, read_response, request_head
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kalshi_accounts import open_fcm_desk

from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiSigner

API = "/trade-api/v2"
WRITES = {
    ("POST", "/fcm/subtraders"): ("subtrader_suffix",),
    ("PUT", "/fcm/subtraders/event_contract_daily_cap"): ("subtrader_id", "limit"),
    ("PUT", "/fcm/subtraders/blocked_categories"): ("subtrader_id", "category", "blocked"),
    ("POST", "/fcm/positions/transfers"): (
        "source_subtrader_id", "target_subtrader_id", "market_ticker", "position_centicount", "price_centicents",
    ),
}  # fmt: skip


@pytest.fixture(scope="module")
def mock() -> Iterator[tuple[MockServer, KalshiSigner]]:
    with MockServer() as server:
        open_fcm_desk(server)
        key = server.create_key("fcm", key_type="ed25519")
        yield server, KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])


@pytest.fixture(scope="module")
def client(mock) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=mock[0].base_url, timeout=10) as shared:  # one client: a new one costs ~50 ms
        yield shared


def desk_state(server: MockServer) -> tuple:
    ledger = server.app.ledger
    with ledger.reading():
        rows = sorted((r.user_id, r.ticker, ledger.state.positions.cells(r)) for r in ledger.state.positions.all_rows())
        accounts = sorted(
            (a.user_id, sorted(a.cash.items()), tuple(a.subtraders)) for a in ledger.state.accounts.values()
        )
        fcm = ledger.fcm
        return rows, accounts, dict(fcm.caps), {k: sorted(v) for k, v in fcm.blocked.items()}, sorted(fcm.transfers)


def raw(server: MockServer, signer: KalshiSigner, method: str, path: str, head: dict[str, str], body: bytes):
    headers = {"Content-Type": "application/json", **signer.headers(method, API + path), **head}
    sock = connect(server, request_head(method, API + path, headers) + body)
    try:
        return read_response(sock, timeout=10)
    finally:
        sock.close()


def test_a_declared_huge_body_is_refused_before_it_is_sent(mock):
    server, signer = mock
    before = desk_state(server)
    answer = raw(server, signer, "POST", "/fcm/subtraders", {"Content-Length": str(400 * 1024 * 1024)}, b"{")
    assert answer.status == 400
    assert json.loads(answer.body) == {
        "code": "bad_request", "message": "bad request", "details": "http: request body too large"
    }  # fmt: skip
    assert desk_state(server) == before


def test_a_streamed_body_past_the_bound_is_refused(mock):
    server, signer = mock
    before = desk_state(server)
    chunk = b" " * 40_000
    stream = b"".join(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n" for _ in range(3))
    answer = raw(server, signer, "PUT", "/fcm/subtraders/blocked_categories", {"Transfer-Encoding": "chunked"}, stream)
    assert answer.status == 400 and json.loads(answer.body)["details"] == "http: request body too large"
    assert desk_state(server) == before


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 20_000 + b"]" * 20_000,
        b'{"subtrader_suffix": "\xff\xfe"}',
        b'{"subtrader_suffix": "A"',
        b'{"position_centicount": 100000000000000000000000000000}',
        b'{"limit": Infinity}',  # the literals Python's own json takes and JSON has not
        b'{"limit": NaN}',
        b'{"limit": 1e999}',  # a number past a double's range
        b"",
        b"null",
        b'"text"',
    ],
)
def test_a_body_that_is_no_usable_json_is_a_flat_400(mock, body):
    server, signer = mock
    before = desk_state(server)
    for (method, path), _ in WRITES.items():
        answer = raw(server, signer, method, path, {"Content-Length": str(len(body))}, body)
        assert answer.status == 400, (path, answer.body)
        assert json.loads(answer.body)["code"] == "bad_request"
    assert desk_state(server) == before


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)  # (JSON has no infinity: the raw bodies above send its literals)
    | st.text(max_size=120),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)
LIKELY = {
    "subtrader_suffix": st.sampled_from(["A", "B9", "fcm_A", "x" * 16, "é"]),
    "subtrader_id": st.sampled_from(["fcm_A", "err_E", "fcm", "nobody"]),
    "source_subtrader_id": st.sampled_from(["fcm_A", "err_E", "fcm"]),
    "target_subtrader_id": st.sampled_from(["err_E", "err_N1", "fcm_A", "err_"]),
    "market_ticker": st.sampled_from(["KXH-1", "KXNONE"]),
    "position_centicount": st.sampled_from([100, -100, 150, 0, 2**63 - 1, -(2**63)]),
    "price_centicents": st.sampled_from([0, 100, 5000, 10_000, 10_100, -100]),
    "limit": st.sampled_from(["0", "10.5", "1.00001", "-1", "99999999999999999999"]),
    "category": st.sampled_from(["Sports", "", "x" * 101, "\x00"]),
    "blocked": st.booleans(),
}


@st.composite
def write(draw):
    (method, path), fields = draw(st.sampled_from(sorted(WRITES.items())))
    body = {}
    for name in fields:
        if draw(st.booleans()):
            body[name] = draw(LIKELY[name] | JSON_VALUES)
    return method, path, body


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(case=write())
def test_fuzz_the_desk_writes_over_http(mock, client, case):
    server, signer = mock
    method, path, body = case
    before = desk_state(server)
    answer = client.request(method, API + path, json=body, headers=signer.headers(method, API + path))
    assert answer.status_code in (200, 201, 400, 403, 404, 409), (case, answer.text)
    error = answer.json()
    if answer.status_code >= 400:
        assert error.get("code") == "bad_request" or set(error) == {"error"}, error
        assert desk_state(server) == before
