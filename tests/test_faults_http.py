"""Fault rules over real HTTP (docs/misbehaving.md): a status answered in the venue's own error shape, a delay (fixed or
a range) that blocks nothing else, a drop that closes the connection without a byte; `times`, the method and venue
filters, clearing, the journal's view, bad rules refused with 400; the same from the Python API, scenario steps and
the pytest marker."""

from __future__ import annotations

import asyncio
import re
import socket
import time
from collections.abc import Iterator
from typing import Any

import httpx
import plain_http
import pytest
from module_mocks import key_pair
from user_suite import run_user_suite_here

from mockexchange.control import ControlError
from mockexchange.core.clock import ManualClock
from mockexchange.core.faults import MAX_RULES
from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiAuth
from mockexchange.venues.kalshi.subscriptions import FAULT_CHANNELS, PRIVATE_CHANNELS, SERVED_CHANNELS

pytest_plugins = ["pytester"]

POSITIONS = "/trade-api/v2/portfolio/positions"
BALANCE = "/trade-api/v2/portfolio/balance"


def admin(mock: MockServer, method: str, path: str, body: Any = None) -> httpx.Response:
    return plain_http.request(method, f"{mock.base_url}/_admin/{path}", json=body, timeout=10)


def add(mock: MockServer, **rule: Any) -> dict[str, Any]:
    answer = admin(mock, "POST", "faults", rule)
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.fixture(scope="module")
def module_mock() -> Iterator[MockServer]:
    with MockServer() as mock:
        yield mock


@pytest.fixture
def ruleless(module_mock: MockServer) -> MockServer:
    """The module's mock with no fault rule, for the tests that name no rule by its id (ids go on across clears)."""
    module_mock.clear_faults()
    return module_mock


@pytest.fixture
def alice(mockexchange: MockServer) -> httpx.Client:
    """A signed Kalshi client of a user holding one position."""
    mockexchange.create_account("alice", balance_cents=100_000)
    signer = key_pair("alice-key").register(mockexchange, "alice")  # made once in the process
    mockexchange.fill("alice", "KXFED-26DEC-T4.00", "yes", "buy", "10", "0.56")
    with httpx.Client(base_url=mockexchange.base_url, auth=KalshiAuth(signer), timeout=10) as client:
        yield client


# -- status ----------------------------------------------------------------------------------------------------------


def test_a_kalshi_503_fires_twice_then_the_request_is_answered(mockexchange, alice):
    rule = add(mockexchange, path=POSITIONS, status=503, times=2)
    assert rule == {
        "id": 1, "path": POSITIONS, "method": None, "venue": None, "status": 503, "times": 2, "fired": 0,
        "remaining": 2,
    }  # fmt: skip
    for _ in range(2):
        refused = alice.get(POSITIONS)
        assert refused.status_code == 503
        assert refused.json() == {"error": {"code": "service_unavailable", "message": "service unavailable"}}
        assert "fault rule 1" in refused.headers["X-Mockexchange-Diagnosis"]
    answered = alice.get(POSITIONS)
    assert answered.status_code == 200 and answered.json()["market_positions"][0]["position_fp"] == "10.00"
    listed = admin(mockexchange, "GET", "faults").json()
    assert listed == {"faults": [{**rule, "fired": 2, "remaining": 0}]}
    assert mockexchange.faults() == listed


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (400, {"error": {"code": "bad_request", "message": "bad request"}}),
        (401, {"error": {"code": "authentication_error", "message": "authentication_error"}}),
        (403, {"error": {"code": "forbidden", "message": "forbidden"}}),
        (404, {"error": {"code": "not_found", "message": "not found"}}),
        (429, {"error": "too many requests"}),
        (500, {"error": {"code": "internal_server_error", "message": "internal server error"}}),
        (503, {"error": {"code": "service_unavailable", "message": "service unavailable"}}),
        (504, {"error": {"code": "gateway_timeout", "message": "gateway timeout"}}),
        (599, {"error": {"code": "error", "message": "error"}}),
    ],
)
def test_kalshi_statuses_get_kalshis_bodies(ruleless, status, body):
    ruleless.add_fault(path="/trade-api/", status=status)
    answer = plain_http.get(ruleless.base_url + BALANCE, timeout=10)  # unsigned: a fault comes before authentication
    assert (answer.status_code, answer.json()) == (status, body)


def test_deribit_statuses_are_json_rpc_errors_with_the_id_echoed(mockexchange):
    mockexchange.add_fault(path="/api/v2/public/test", status=503)
    mockexchange.add_fault(path="/api/v2/private", status=401, venue="deribit")
    answer = plain_http.post(
        f"{mockexchange.base_url}/api/v2", json={"jsonrpc": "2.0", "id": 42, "method": "public/get_time"}
    )  # no rule names /api/v2 alone: answered
    assert answer.status_code == 200
    answer = plain_http.get(f"{mockexchange.base_url}/api/v2/public/test", timeout=10)
    body = answer.json()
    assert answer.status_code == 503 and body["error"]["code"] == 10040 and body["error"]["message"] == "retry"
    assert body["jsonrpc"] == "2.0" and body["testnet"] is True and body["usDiff"] == body["usOut"] - body["usIn"]
    assert "fault rule 1" in body["error"]["mockexchange_diagnosis"] and "id" not in body
    answer = plain_http.post(
        f"{mockexchange.base_url}/api/v2/private/get_positions",
        json={"jsonrpc": "2.0", "id": 7, "method": "private/get_positions", "params": {"currency": "BTC"}},
    )
    assert answer.status_code == 401
    assert (answer.json()["id"], answer.json()["error"]["code"], answer.json()["error"]["message"]) == (
        7, 13009, "unauthorized",
    )  # fmt: skip
    mockexchange.clear_faults()
    mockexchange.add_fault(path="/api", status=429)  # the SignalPlus gateway, POST /api (and /api/v2 below it)
    answer = plain_http.post(f"{mockexchange.base_url}/api", json={"rid": 5, "method": "private/get_positions"})
    assert answer.status_code == 429
    assert answer.json()["rid"] == 5 and answer.json()["result"] is None
    assert (answer.json()["error"]["code"], answer.json()["error"]["message"]) == (10028, "too_many_requests")


@pytest.mark.parametrize(
    ("status", "code", "message"),
    [(400, 11050, "bad_request"), (403, 13021, "forbidden"), (404, 13020, "not_found"), (408, 13888, "timed_out"),
     (500, 10001, "error"), (502, 10040, "retry"), (504, 13888, "timed_out"), (418, 11050, "bad_request"),
     (599, 10001, "error")],
)  # fmt: skip
def test_the_deribit_code_of_each_status(ruleless, status, code, message):
    ruleless.add_fault(path="/api/v2", status=status)
    answer = plain_http.get(f"{ruleless.base_url}/api/v2/public/get_time", timeout=10)
    assert answer.status_code == status
    assert (answer.json()["error"]["code"], answer.json()["error"]["message"]) == (code, message)


# -- delay -----------------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_delay_delays_the_answer_and_blocks_no_other_request(mockexchange, alice):
    mockexchange.add_fault(path=POSITIONS, delay_ms=600)

    async def both() -> tuple[float, float, list[int]]:
        async with httpx.AsyncClient(base_url=mockexchange.base_url, auth=alice.auth, timeout=10) as client:
            start = time.monotonic()

            async def timed(path: str) -> tuple[float, int]:
                answer = await client.get(path)
                return time.monotonic() - start, answer.status_code

            (slow, slow_status), (quick, quick_status) = await asyncio.gather(timed(POSITIONS), timed(BALANCE))
            return slow, quick, [slow_status, quick_status]

    slow, quick, statuses = asyncio.run(both())
    assert statuses == [200, 200]  # delayed, then answered as usual
    assert slow >= 0.6
    assert quick < slow  # the balance was not held behind the delayed positions


@pytest.mark.slow
def test_a_delay_range_draws_each_delay_within_it(mockexchange, alice):
    mockexchange.add_fault(path=BALANCE, delay_ms=[100, 250], times=4)
    for _ in range(4):
        start = time.monotonic()
        assert alice.get(BALANCE).status_code == 200
        assert time.monotonic() - start >= 0.1
    notes = [entry["fault"] for entry in mockexchange.requests(operation="GetBalance")]
    drawn = [int(re.fullmatch(r"delay (\d+) ms \(fault rule 1\)", note).group(1)) for note in notes]
    assert len(drawn) == 4 and all(100 <= ms <= 250 for ms in drawn)
    assert alice.get(BALANCE).status_code == 200
    assert mockexchange.requests(operation="GetBalance")[-1]["fault"] is None  # times ran out


# -- drop ------------------------------------------------------------------------------------------------------------


def test_a_drop_closes_the_connection_without_a_byte(mockexchange, alice):
    mockexchange.add_fault(path=BALANCE, drop=True, times=2)
    with pytest.raises(httpx.RemoteProtocolError):
        alice.get(BALANCE)
    with socket.create_connection((mockexchange.host, mockexchange.port), timeout=10) as raw:
        raw.sendall(f"GET {BALANCE} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
        assert raw.recv(4096) == b""  # closed, nothing written
    assert alice.get(BALANCE).status_code == 200
    dropped = [e for e in mockexchange.requests(operation="GetBalance") if e["fault"]]
    assert [(e["status"], e["fault"]) for e in dropped] == [(None, "drop (fault rule 1)")] * 2
    [entry] = mockexchange.app.journal.entries(operation="GetBalance", limit=3)[:1]
    assert entry.describe().endswith("-> dropped [drop (fault rule 1)]")


def test_a_drop_on_a_keep_alive_connection_leaves_the_next_one_working(mockexchange, alice):
    assert alice.get(BALANCE).status_code == 200  # the client's connection is open, kept alive
    mockexchange.add_fault(path=BALANCE, drop=True, times=1)
    with pytest.raises(httpx.RemoteProtocolError):
        alice.get(BALANCE)
    assert alice.get(BALANCE).status_code == 200  # a new connection


# -- which requests --------------------------------------------------------------------------------------------------


def test_the_method_and_venue_filters(mockexchange):
    mockexchange.add_fault(path="/api/v2", method="post", status=500)
    mockexchange.add_fault(path="/", venue="deribit", status=503)
    base = mockexchange.base_url
    rpc = {"jsonrpc": "2.0", "id": 1, "method": "public/test"}
    assert plain_http.post(f"{base}/api/v2", json=rpc).status_code == 500  # rule 1: POST
    assert plain_http.get(f"{base}/api/v2/public/test").status_code == 503  # rule 2: GET, any Deribit path
    assert plain_http.get(base + BALANCE).status_code == 401  # Kalshi: no rule; refused as unsigned
    assert [rule["fired"] for rule in mockexchange.faults()["faults"]] == [1, 1]
    assert mockexchange.faults()["faults"][0]["method"] == "POST"


def test_rules_are_tried_in_order_and_one_fires(mockexchange):
    mockexchange.add_fault(path=BALANCE, status=500, times=1)
    mockexchange.add_fault(path="/trade-api", status=503)
    statuses = [plain_http.get(mockexchange.base_url + BALANCE).status_code for _ in range(3)]
    assert statuses == [500, 503, 503]
    assert [rule["fired"] for rule in mockexchange.faults()["faults"]] == [1, 2]


def test_the_admin_api_is_never_faulted_and_delete_clears(mockexchange):
    mockexchange.add_fault(path="/", drop=True)
    assert admin(mockexchange, "GET", "clock").status_code == 200
    assert plain_http.get(f"{mockexchange.base_url}/_admin/health").status_code == 200
    assert plain_http.get(f"{mockexchange.base_url}/nowhere").status_code == 404  # no venue's path: untouched
    with pytest.raises(httpx.RemoteProtocolError):
        plain_http.get(mockexchange.base_url + BALANCE)
    assert admin(mockexchange, "DELETE", "faults").json() == {"cleared": 1}
    assert admin(mockexchange, "GET", "faults").json() == {"faults": []}
    assert plain_http.get(mockexchange.base_url + BALANCE).status_code == 401  # answered again
    assert mockexchange.add_fault(path="/", status=503)["id"] == 2  # ids go on across clears
    assert mockexchange.clear_faults() == {"cleared": 1}


def test_reset_clears_the_rules(mockexchange):
    mockexchange.add_fault(path="/", status=503)
    mockexchange.reset()
    assert mockexchange.faults() == {"faults": []}


def test_the_journal_records_a_faulted_request_with_no_problem_of_its_own(mockexchange):
    mockexchange.add_fault(path=BALANCE, status=401)
    mockexchange.add_fault(path="/api/v2", status=404)
    plain_http.get(mockexchange.base_url + BALANCE)
    plain_http.get(f"{mockexchange.base_url}/api/v2/private/get_positions")
    kalshi, deribit = mockexchange.requests()
    assert (kalshi["status"], kalshi["fault"], kalshi["problems"]) == (401, "status 401 (fault rule 1)", [])
    assert (deribit["status"], deribit["operation"], deribit["problems"]) == (404, "private/get_positions", [])
    assert deribit["fault"] == "status 404 (fault rule 2)"


# -- bad rules -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({}, "exactly one of status, delay_ms and drop"),
        ({"status": 503}, "exactly one of path"),
        ({"path": POSITIONS}, "exactly one of status, delay_ms and drop"),
        ({"path": POSITIONS, "status": 503, "drop": True}, "given: status, drop"),
        ({"path": POSITIONS, "drop": False}, "exactly one of status, delay_ms and drop"),
        ({"path": POSITIONS, "status": 600}, "status must be an integer from 400 to 599"),
        ({"path": POSITIONS, "status": 399}, "status must be an integer from 400 to 599"),
        ({"path": POSITIONS, "status": "503"}, "status must be an integer"),
        ({"path": POSITIONS, "status": True}, "status must be an integer"),
        ({"path": POSITIONS, "delay_ms": 60_001}, "delay_ms must be a whole number of milliseconds from 0 to 60000"),
        ({"path": POSITIONS, "delay_ms": -1}, "delay_ms must be"),
        ({"path": POSITIONS, "delay_ms": 1.5}, "delay_ms must be a whole number"),
        ({"path": POSITIONS, "delay_ms": [300, 100]}, "low <= high"),
        ({"path": POSITIONS, "delay_ms": [1, 2, 3]}, "delay_ms as a range must be [low, high]"),
        ({"path": POSITIONS, "delay_ms": [1, 70_000]}, "delay_ms as a range"),
        ({"path": POSITIONS, "drop": "yes"}, "drop must be true or false"),
        ({"path": POSITIONS, "status": 503, "times": 0}, "times must be an integer from 1"),
        ({"path": POSITIONS, "status": 503, "times": 2.5}, "times must be an integer"),
        ({"path": "trade-api/v2", "status": 503}, "path must be a path prefix starting with '/'"),
        ({"path": "/" + "a" * 1024, "status": 503}, "at most 1024 characters"),
        ({"path": POSITIONS + "?limit=1", "status": 503}, "without a query string"),
        ({"path": "/_admin/reset", "status": 503}, "the admin API is never faulted"),
        ({"path": POSITIONS, "status": 503, "venue": "binance"}, "venue must be one of 'kalshi', 'deribit'"),
        ({"path": POSITIONS, "status": 503, "method": "GE T"}, "method must be one of GET, POST"),
        ({"path": POSITIONS, "status": 503, "method": "GTE"}, "method must be one of GET, POST"),  # never fires
        ({"path": POSITIONS, "status": 503, "method": "ＧＥＴ"}, "method must be one of GET, POST"),
        ({"path": POSITIONS, "channel": "fill", "delay_ms": 5}, "exactly one of path"),
        ({"channel": "fill", "status": 503}, "a channel rule delays messages"),
        ({"channel": "fill", "delay_ms": 5, "method": "GET"}, "method is for path rules"),
        ({"channel": "orderbook_delta", "delay_ms": 5}, "channel must be"),
        ({"channel": "user.portfolio", "venue": "kalshi", "delay_ms": 5}, "channel must be Kalshi's"),
        ({"channel": "fill", "venue": "deribit", "delay_ms": 5}, "channel must be a prefix of a Deribit channel"),
        ({"path": POSITIONS, "status": 503, "colour": "red"}, "unknown field(s): colour"),
    ],
)
def test_a_bad_rule_is_refused_with_400_naming_what_is_wrong(ruleless, body, words):
    answer = admin(ruleless, "POST", "faults", body)
    assert answer.status_code == 400, answer.text
    assert set(answer.json()) == {"error"} and words in answer.json()["error"]
    assert ruleless.faults() == {"faults": []}


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"user_id": "alice"}, "missing field(s): code"),
        ({"code": 4001}, "give user_id or key_id"),
        ({"code": 1005, "user_id": "alice"}, "code must be a websocket close code"),
        ({"code": 5000, "user_id": "alice"}, "code must be a websocket close code"),
        ({"code": "4001", "user_id": "alice"}, "code must be a websocket close code"),
        ({"code": 4001, "user_id": ""}, "user_id must be a non-empty string"),
        ({"code": 4001, "user_id": "alice", "reason": "é" * 62}, "reason must be a string of at most 123 UTF-8"),
        ({"code": 4001, "user_id": "alice", "venue": "ftx"}, "venue must be one of"),
    ],
)
def test_a_bad_websocket_close_is_refused_with_400(ruleless, body, words):
    answer = admin(ruleless, "POST", "faults/ws/close", body)
    assert answer.status_code == 400, answer.text
    assert words in answer.json()["error"]


def test_the_rules_are_bounded(mockexchange):
    for _ in range(MAX_RULES):
        mockexchange.add_fault(path="/trade-api/v2/never", status=503)
    answer = admin(mockexchange, "POST", "faults", {"path": POSITIONS, "status": 503})
    assert answer.status_code == 400 and "limit" in answer.json()["error"]
    with pytest.raises(ControlError):
        mockexchange.add_fault(path=POSITIONS, status=503)
    assert admin(mockexchange, "DELETE", "faults").json() == {"cleared": MAX_RULES}


def test_the_kalshi_channels_a_rule_may_name_are_the_venues():
    # The market data channels are served but not (yet) delayed by fault rules: the control plane names the private
    # ones (docs/misbehaving.md).
    assert [c for c in SERVED_CHANNELS if FAULT_CHANNELS.owns(c)] == list(PRIVATE_CHANNELS)
    assert set(PRIVATE_CHANNELS) < set(SERVED_CHANNELS)


# -- scenarios and the pytest marker ---------------------------------------------------------------------------------

SCENARIO = f"""
users:
  - user_id: alice
steps:
  - fault: {{path: {BALANCE}, status: 503, times: 1}}
  - fault: {{path: /api/v2/public, delay_ms: [0, 5], venue: deribit}}
  - clear_faults:
"""


def test_scenario_steps_add_and_clear_faults():
    with MockServer(clock=ManualClock()) as mock:
        mock.load_scenario(document=SCENARIO)
        assert mock.faults() == {"faults": []}
        [ran] = mock.step()["ran"]
        assert ran["kind"] == "fault" and ran["result"]["status"] == 503
        assert plain_http.get(mock.base_url + BALANCE).status_code == 503
        assert plain_http.get(mock.base_url + BALANCE).status_code == 401
        mock.step()
        assert mock.faults()["faults"][1]["delay_ms"] == [0, 5]
        mock.step()
        assert mock.faults() == {"faults": []}


def test_a_bad_fault_step_is_reported_with_its_line():
    document = "steps:\n  - fault: {path: /x, status: 503}\n  - fault: {path: /y, status: 503, drop: true}\n"
    with MockServer(clock=ManualClock()) as mock, pytest.raises(ControlError) as refused:
        mock.load_scenario(document=document)
    assert refused.value.errors == [
        "<document>:3: steps[1].fault: give exactly one of status, delay_ms and drop (true); given: status, drop"
    ]


@pytest.mark.slow
def test_the_pytest_marker_adds_fault_rules(pytester):
    pytester.makepyfile(
        f"""
        import httpx
        import pytest

        @pytest.mark.mockexchange(faults=[{{"path": "{BALANCE}", "status": 503, "times": 1}}])
        def test_retry(mockexchange, kalshi_user):
            assert kalshi_user.client.get("/portfolio/balance").status_code == 503
            assert kalshi_user.client.get("/portfolio/balance").status_code == 200
            assert mockexchange.faults()["faults"][0]["fired"] == 1

        @pytest.mark.mockexchange(faults=[{{"path": "{BALANCE}"}}])
        def test_bad_rule(mockexchange):
            pass
        """
    )
    result = run_user_suite_here(pytester)
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*give exactly one of status, delay_ms and drop*"])
