"""Hostile integers, over real sockets: every number the mock reads from a request (a header, a query string, a
JSON-RPC param, a scope, a cursor, a websocket command) is refused in the venue's own shape, never with a 500, and
the mock keeps serving. The reader behind them all, `mockexchange.core.numbers.parse_int`, is property-tested."""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Iterator
from contextlib import nullcontext

import orjson
import pytest
from hostile_wire import KALSHI_WS, UPGRADE, Answer, journal, rpc, send
from hypothesis import given
from hypothesis import strategies as st
from websockets.sync.client import connect

from mockexchange.core.numbers import (
    INT64_MAX,
    INT64_MIN,
    IntegerError,
    NotAnInteger,
    OutOfRange,
    bounded,
    is_integer,
    parse_int,
)
from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiSigner

POSITIONS = "/trade-api/v2/portfolio/positions"
EXPIRED = {"error": {"code": "header_timestamp_expired", "message": "header timestamp expired"}}
DERIBIT_POSITIONS = "/api/v2/private/get_positions"
NINES_400, NINES_5000 = "9" * 400, "9" * 5000
U64_MAX = 2**64 - 1


@pytest.fixture(scope="module")
def mock() -> Iterator[MockServer]:
    # One mock for the module: every case here is refused, so none changes what the next one sees.
    with MockServer() as server:
        server.create_account("alice", balance_cents=100_000)
        server.create_deribit_account("bob", balances={"BTC": "10"})
        server.create_deribit_key("bob", client_id="BobKey", client_secret="bob-secret")
        yield server


@pytest.fixture(scope="module")
def signer(mock: MockServer) -> KalshiSigner:
    key = mock.create_key("alice")
    return KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])


# -- the reader -------------------------------------------------------------------------------------------------------

RANGES = [(INT64_MIN, INT64_MAX), (0, INT64_MAX), (1, 1000), (0, 63), (-5, 5)]
SIGNS = ["", "-", "+-"]
# Text near the grammar as well as anywhere: signs, ASCII and other digits, long runs of digits and zeros.
TEXTS = st.one_of(
    st.text(),
    st.from_regex(r"\A[+-]?[0-9]{1,30}\Z"),
    st.text(alphabet="0123456789+-_ ²¹１٣\u0660e.", max_size=40),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.builds(lambda zeros, n: "0" * zeros + str(n), st.integers(0, 5000), st.integers(0, 10**25)),
)


def expected(text: str, minimum: int, maximum: int, signs: str) -> int | None:
    """The oracle: Go's strconv grammar with the signs allowed, read by Python once it is known to be short."""
    grammar = f"[{re.escape(signs)}]?[0-9]+" if signs else "[0-9]+"
    if not re.fullmatch(grammar, text, re.ASCII):
        return None
    value = int(text.lstrip("+-").lstrip("0") or "0") * (-1 if text.startswith("-") else 1)
    return value if minimum <= value <= maximum else None


@given(TEXTS, st.sampled_from(RANGES), st.sampled_from(SIGNS))
def test_any_text_is_a_value_in_range_or_a_value_error(text, bounds, signs):
    minimum, maximum = bounds
    try:
        value = parse_int(text, minimum, maximum, signs=signs)
    except IntegerError as refusal:  # nothing but IntegerError (a ValueError) may come out
        assert isinstance(refusal, ValueError)
        assert expected(text, minimum, maximum, signs) is None
        assert isinstance(refusal, OutOfRange) == is_integer(text, signs=signs)
        assert len(str(refusal)) < 200  # the message quotes an excerpt, never the whole text
        return
    assert minimum <= value <= maximum
    assert value == expected(text, minimum, maximum, signs)


@given(st.integers(), st.sampled_from(RANGES))
def test_bounded_keeps_a_value_in_range_and_refuses_the_rest(value, bounds):
    minimum, maximum = bounds
    try:
        assert bounded(value, minimum, maximum) == value
    except OutOfRange as refusal:
        assert not minimum <= value <= maximum
        assert refusal.above == (value > maximum)


@pytest.mark.parametrize(
    "text",
    ["9" * 100_000, "-" + "9" * 100_000, "0" * 100_000 + "7", "9" * 99_999 + "x", "²" * 100_000, "1" + " " * 100_000],
)
def test_a_hundred_thousand_characters_are_refused_or_read_at_once(text):
    started = time.perf_counter()
    with pytest.raises(IntegerError) if not text.startswith("0") else nullcontext():
        parse_int(text, signs="-")
    assert time.perf_counter() - started < 0.5  # one scan; int() over 100,000 digits would refuse or take seconds


def test_what_python_would_take_and_go_would_not():
    for text in ["１２３", "1_000", " 1", "1 ", "+1", "0x10", "1e3", "²"]:
        with pytest.raises(NotAnInteger):
            parse_int(text)
    assert parse_int("+1", signs="+-") == 1 and parse_int("-0", signs="-") == 0
    assert parse_int("000000000000000000000000000042") == 42  # Go allows leading zeros; they cost no range


# -- Kalshi: the signed headers ---------------------------------------------------------------------------------------

BAD_TIMESTAMPS = [
    pytest.param(NINES_400.encode(), id="400 digits"),  # was a 500: OverflowError dividing the skew
    pytest.param(NINES_5000.encode(), id="5000 digits"),  # was a 500: int() refuses 4,300 digits
    pytest.param(b"1\xb2", id="superscript two"),  # '1²': isdigit() passes it, int() refused it: a 500
    pytest.param(b"\xb9\xb2\xb3", id="superscripts"),
    pytest.param("１７００".encode(), id="fullwidth digits in UTF-8"),
    pytest.param(b"-1700000000000", id="negative"),
    pytest.param(b"+1700000000000", id="plus sign"),
    pytest.param(b"1_700_000_000_000", id="underscores"),
    pytest.param(b"1.7e12", id="exponent"),
]


@pytest.mark.parametrize("timestamp", BAD_TIMESTAMPS)
def test_a_timestamp_that_is_no_int64_is_kalshis_expired_401(mock, signer, timestamp):
    headers: dict[str, str | bytes] = {**signer.headers("GET", POSITIONS), "KALSHI-ACCESS-TIMESTAMP": timestamp}
    answer = send(mock, "GET", POSITIONS, headers)
    assert (answer.status, answer.json()) == (401, EXPIRED)
    assert "timestamp" in answer.headers["X-Mockexchange-Auth"]
    assert len(answer.headers["X-Mockexchange-Auth"]) < 200  # the diagnosis quotes an excerpt


@pytest.mark.parametrize("timestamp", BAD_TIMESTAMPS)
def test_the_websocket_upgrade_refuses_it_the_same_way(mock, signer, timestamp):
    headers = {**UPGRADE, **signer.headers("GET", KALSHI_WS), "KALSHI-ACCESS-TIMESTAMP": timestamp}
    answer = send(mock, "GET", KALSHI_WS, headers)
    assert (answer.status, answer.json()) == (401, EXPIRED)


# -- Kalshi: query integers -------------------------------------------------------------------------------------------


def binder_error(operation: str, name: str, value: str, cause: str) -> dict[str, str]:
    return {
        "msg": f"Parameter validation failed for {operation}: Invalid format for parameter {name}: "
        f'error binding string parameter: strconv.ParseInt: parsing "{value}": {cause}'
    }


RANGE, SYNTAX = "value out of range", "invalid syntax"
FILLS, BALANCE = "/trade-api/v2/portfolio/fills", "/trade-api/v2/portfolio/balance"


@pytest.mark.parametrize(
    ("path", "name", "sent", "read", "cause"),
    [
        (POSITIONS, "limit", NINES_5000, NINES_5000, RANGE),  # was a 500: int() refuses 4,300 digits
        (POSITIONS, "limit", "9223372036854775808", "9223372036854775808", RANGE),
        (POSITIONS, "subaccount", "-9223372036854775809", "-9223372036854775809", RANGE),
        (FILLS, "min_ts", NINES_400, NINES_400, RANGE),
        (BALANCE, "exchange_index", "-99999999999999999999", "-99999999999999999999", RANGE),
        (POSITIONS, "limit", "%C2%B2", "²", SYNTAX),
        (POSITIONS, "limit", "%EF%BC%91", "１", SYNTAX),  # a fullwidth 1, which Python's int() takes
        (POSITIONS, "limit", "1_0", "1_0", SYNTAX),
        (POSITIONS, "limit", "%201", " 1", SYNTAX),
    ],
)
def test_a_query_integer_is_refused_as_gos_binder_refuses_it(mock, signer, path, name, sent, read, cause):
    operation = {POSITIONS: "GetPositions", FILLS: "GetFills", BALANCE: "GetBalance"}[path]
    answer = send(mock, "GET", f"{path}?{name}={sent}", signer.headers("GET", path))
    assert (answer.status, answer.json()) == (400, binder_error(operation, name, read, cause))


def test_an_int64_past_a_bound_is_the_validators_range_tag(mock, signer):
    answer = send(mock, "GET", f"{POSITIONS}?limit=9223372036854775807", signer.headers("GET", POSITIONS))
    assert (answer.status, answer.json()) == (
        400,
        {
            "msg": "Parameter validation failed for GetPositions: Key: 'GetPositionsParams.Limit' "
            "Error:Field validation for 'Limit' failed on the 'lte' tag"
        },
    )


def test_a_forged_cursor_with_a_hostile_key_is_kalshis_cursor_400(mock, signer):
    # A history cursor is base64url JSON of the last key and the filters: forge one with the right filters.
    path = "/trade-api/v2/portfolio/fills"
    filters = {"op": "GetFills", "owner": "alice", "ticker": None, "order_id": None, "min_ts": None, "max_ts": None,
               "subaccount": None, "exchange_index": None}  # fmt: skip
    for key in (["1²", "1"], [NINES_5000, "1"], ["-1", "1"]):
        payload = orjson.dumps({"v": 1, "k": key, "f": filters}, option=orjson.OPT_SORT_KEYS)
        cursor = base64.urlsafe_b64encode(payload).rstrip(b"=").decode()
        answer = send(mock, "GET", f"{path}?cursor={cursor}", signer.headers("GET", path))
        assert (answer.status, answer.json()) == (
            400,
            {
                "msg": "Parameter validation failed for GetFills: Key: 'GetFillsParams.Cursor' "
                "Error:Field validation for 'Cursor' failed on the 'cursor' tag"
            },
        ), answer.headers.get("X-Mockexchange-Diagnosis")
        assert answer.headers["X-Mockexchange-Diagnosis"] == "cursor is not one this server issued (bad key)"


def test_a_hostile_generated_responses_seed_is_a_400(mock, signer):
    headers: dict[str, str | bytes] = {**signer.headers("GET", POSITIONS), "X-Mockexchange-Generate": NINES_5000}
    answer = send(mock, "GET", POSITIONS, headers)
    assert (answer.status, answer.json()) == (400, {"error": {"code": "bad_request", "message": "bad request"}})


def test_an_unsigned_request_with_a_hostile_integer_leaves_the_journal_readable(mock):
    answer = send(mock, "GET", f"{POSITIONS}?limit={NINES_5000}")
    assert (answer.status, answer.json()) == (
        401,
        {"error": {"code": "key_is_missing_from_headers", "message": "key is missing from headers"}},
    )
    assert journal(mock)  # was a 400 "Exceeds the limit (4300 digits)" on every read until the journal was cleared
    assert journal(mock, invalid="true")


# -- Kalshi: websocket commands (JSON integers: orjson holds them to 64 bits, the rest is not JSON to it) ---------


def test_hostile_integers_in_websocket_commands_get_kalshis_errors_and_the_connection_lives(mock, signer):
    commands = [
        ('{"id": 18446744073709551616, "cmd": "list_subscriptions"}', 1),  # past u64: a float to the parser
        ('{"id": -1, "cmd": "list_subscriptions"}', 1),
        (f'{{"id": 1{"0" * 400}, "cmd": "list_subscriptions"}}', 1),  # not JSON to a 64-bit parser
        ('{"id": 2, "cmd": "unsubscribe", "params": {"sids": [18446744073709551615]}}', 7),
        ('{"id": 3, "cmd": "unsubscribe", "params": {"sids": [-9223372036854775808]}}', 7),
        ('{"id": 4, "cmd": "update_subscription", "params": {"sid": 1.5, "action": "add_markets"}}', 1),
    ]
    with connect(mock.kalshi_ws_url, additional_headers=signer.headers("GET", KALSHI_WS), open_timeout=5) as ws:
        for command, code in commands:
            ws.send(command)
            frame = json.loads(ws.recv(timeout=5))
            assert frame["type"] == "error" and frame["msg"]["code"] == code, (command, frame)
        ws.send('{"id": 5, "cmd": "list_subscriptions"}')
        frame = json.loads(ws.recv(timeout=5))
        assert (frame["type"], frame["id"], frame["msg"]) == ("ok", 5, [])
    assert len(journal(mock, transport="ws", operation="unsubscribe")) >= 2


# -- Deribit ----------------------------------------------------------------------------------------------------------


def rpc_error(code: int, message: str, diagnosis: str, data: dict | None = None, request_id: int | None = None) -> dict:
    error: dict = {"code": code, "message": message}
    if data is not None:
        error["data"] = data
    error["mockexchange_diagnosis"] = diagnosis
    body: dict = {"jsonrpc": "2.0"}
    if request_id is not None:
        body["id"] = request_id
    return {**body, "error": error, "testnet": True}


def hmac_header(ts: str | bytes) -> bytes:
    text = ts.encode("latin-1") if isinstance(ts, str) else ts
    return b"deri-hmac-sha256 id=BobKey,ts=" + text + b",sig=00,nonce=1"


def shown(text: str) -> str:
    """How a diagnosis quotes a long text: its first 40 characters and its length."""
    return f"{text[:40]!r}... ({len(text)} characters)"


FAR = "is far outside any time window"
NOT_MS = "is not an integer number of milliseconds"


@pytest.mark.parametrize(
    ("ts", "code", "message", "diagnosis"),
    [
        (NINES_400, 13009, "unauthorized", f"timestamp {shown(NINES_400)} {FAR}"),  # was a 500 (OverflowError)
        (NINES_5000, 13009, "unauthorized", f"timestamp {shown(NINES_5000)} {FAR}"),
        (b"1\xb2", 10000, "authorization_required", f"ts '1²' {NOT_MS}"),  # was a 500 (int() refused '1²')
        ("-1554883365000", 10000, "authorization_required", f"ts '-1554883365000' {NOT_MS}"),
    ],
)
def test_a_deri_hmac_timestamp_that_is_no_int64(mock, ts, code, message, diagnosis):
    answer = send(mock, "GET", DERIBIT_POSITIONS, {"Authorization": hmac_header(ts)})
    assert (answer.status, answer.rpc_error()) == (401, rpc_error(code, message, diagnosis))


def client_signature(timestamp: object) -> dict:
    return {"grant_type": "client_signature", "client_id": "BobKey", "timestamp": timestamp, "signature": "00"}


@pytest.mark.parametrize(
    ("params", "status", "body"),
    [
        (
            client_signature(NINES_400),
            401,
            rpc_error(13004, "invalid_credentials", f"timestamp {shown(NINES_400)} {FAR}", None, 7),
        ),
        (
            client_signature("1²"),
            401,
            rpc_error(13004, "invalid_credentials", f"timestamp '1²' {NOT_MS}", None, 7),
        ),
        (
            client_signature(U64_MAX),
            401,
            rpc_error(13004, "invalid_credentials", f"timestamp '{U64_MAX}' {FAR}", None, 7),
        ),
        *[
            (
                {"grant_type": "client_credentials", "client_id": "BobKey", "client_secret": "bob-secret", "scope": s},
                400,
                rpc_error(
                    -32602,
                    "Invalid params",
                    f"scope {shown}: expires takes a number of seconds from 1 to 2147483647",
                    {"reason": "wrong format", "param": "scope"},
                    7,
                ),
            )
            for s, shown in [
                ("expires:²", "'expires:²'"),
                ("expires:0", "'expires:0'"),
                ("expires:2147483648", "'expires:2147483648'"),
                (f"expires:{NINES_400}", shown(f"expires:{NINES_400}")),
            ]
        ],
    ],
)
def test_public_auth_refuses_hostile_numbers(mock, params, status, body):
    answer = rpc(mock, "public/auth", params)
    assert (answer.status, answer.rpc_error()) == (status, body)


def test_the_longest_expires_is_granted():
    with MockServer() as server:
        server.create_deribit_account("bob")
        server.create_deribit_key("bob", client_id="BobKey", client_secret="bob-secret")
        params = {"grant_type": "client_credentials", "client_id": "BobKey", "client_secret": "bob-secret"}
        answer = rpc(server, "public/auth", {**params, "scope": "expires:2147483647"})
        assert answer.status == 200 and answer.json()["result"]["expires_in"] == 2147483647


BASIC = "Basic " + base64.b64encode(b"BobKey:bob-secret").decode()
MUST_BE_AN_INTEGER = {"reason": "must be an integer", "param": "subaccount_id"}
OUT_OF_RANGE = {"reason": "out of range", "param": "subaccount_id"}
INT64_RANGE = f"-9223372036854775808..{INT64_MAX}"


@pytest.mark.parametrize(
    ("query", "data", "diagnosis"),
    [
        ("subaccount_id=%C2%B2", MUST_BE_AN_INTEGER, "subaccount_id: '²' is not an integer"),
        ("subaccount_id=--5", MUST_BE_AN_INTEGER, "subaccount_id: '--5' is not an integer"),
        ("subaccount_id=%2B5", MUST_BE_AN_INTEGER, "subaccount_id: '+5' is not an integer"),
        (
            f"subaccount_id={NINES_5000}",
            OUT_OF_RANGE,
            f"subaccount_id: {shown(NINES_5000)} is out of the range {INT64_RANGE}",
        ),
        (
            "subaccount_id=-9223372036854775809",
            OUT_OF_RANGE,
            f"subaccount_id: '-9223372036854775809' is out of the range {INT64_RANGE}",
        ),
    ],
)
def test_a_query_integer_is_deribits_invalid_params(mock, query, data, diagnosis):
    answer = send(mock, "GET", f"{DERIBIT_POSITIONS}?{query}", {"Authorization": BASIC})
    assert (answer.status, answer.rpc_error()) == (400, rpc_error(-32602, "Invalid params", diagnosis, data))


def test_a_json_integer_past_int64_is_deribits_invalid_params(mock):
    answer = rpc(mock, "private/get_positions", {"subaccount_id": U64_MAX}, {"Authorization": BASIC})
    diagnosis = f"subaccount_id: '{U64_MAX}' is out of the range {INT64_RANGE}"
    assert (answer.status, answer.rpc_error()) == (400, rpc_error(-32602, "Invalid params", diagnosis, OUT_OF_RANGE, 7))


def test_a_heartbeat_interval_past_int64_over_the_websocket(mock):
    heartbeat = {"jsonrpc": "2.0", "id": 1, "method": "public/set_heartbeat", "params": {"interval": U64_MAX}}
    with connect(mock.deribit_ws_url, open_timeout=5) as ws:
        ws.send(json.dumps(heartbeat))
        reply = json.loads(ws.recv(timeout=5))
        assert reply["error"]["code"] == -32602
        assert reply["error"]["data"] == {"reason": "out of range", "param": "interval"}
        for huge in (10**15, INT64_MAX):  # (within int64: taken, a beat that never comes in a test's life)
            heartbeat["params"] = {"interval": huge}
            ws.send(json.dumps(heartbeat))
            assert json.loads(ws.recv(timeout=5))["result"] == "ok"
        ws.send(json.dumps({"jsonrpc": "2.0", "id": 2, "method": "public/test", "params": {}}))
        assert json.loads(ws.recv(timeout=5))["result"] == {"version": "1.2.26"}


@pytest.mark.parametrize(
    ("ts", "code", "diagnosis"),
    [
        (NINES_400, 13009, f"timestamp {shown(NINES_400)} {FAR}"),
        (b"1\xb2", 10000, f"Signalplus-API-Timestamp '1²' {NOT_MS}"),
    ],
)
def test_a_signalplus_timestamp_that_is_no_int64(mock, ts, code, diagnosis):
    headers: dict[str, str | bytes] = {
        "Authorization": "Bearer BobKey",
        "Signalplus-API-Timestamp": ts,
        "Signalplus-API-Nonce": "n",
        "Signalplus-API-Signature": "c2ln",
    }
    answer = send(mock, "POST", "/api", headers, json.dumps({"rid": "r1", "method": "private/get_positions"}).encode())
    assert answer.status == 401
    message = {13009: "unauthorized", 10000: "authorization_required"}[code]
    assert answer.json() == {
        "rid": "r1",
        "error": {"code": code, "message": message, "mockexchange_diagnosis": diagnosis},
        "result": None,
    }


def test_the_mock_still_serves_after_all_of_it(mock, signer):
    assert send(mock, "GET", POSITIONS, signer.headers("GET", POSITIONS)).status == 200
    answer: Answer = send(mock, "GET", f"{DERIBIT_POSITIONS}?currency=BTC", {"Authorization": BASIC})
    assert answer.status == 200 and answer.json()["result"] == []
    assert all(entry["status"] != 500 for entry in journal(mock))
