"""The request journal over real sockets: each REST request and websocket command the mock received, with the rules of
the schema slices it breaks, read through `GET /_admin/requests`, the Python API and the pytest plugin's strict mode."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import plain_http
import pytest
from module_mocks import key_pair
from user_suite import run_user_suite_here
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from mockexchange.core.clock import ManualClock
from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiAuth, KalshiSigner

pytest_plugins = ["pytester"]

POSITIONS = "/trade-api/v2/portfolio/positions"
WS_PATH = "/trade-api/ws/v2"


# A mock of each test's own (the journal's sequence numbers start at 1 with it), alice's key made once.
ALICE_KEY = "alice-key"


@pytest.fixture
def mock() -> Iterator[MockServer]:
    with MockServer() as server:
        server.create_account("alice", balance_cents=100_000)
        yield server


@pytest.fixture
def signer(mock: MockServer) -> KalshiSigner:
    return key_pair(ALICE_KEY).register(mock, "alice")


@pytest.fixture
def client(mock: MockServer, signer: KalshiSigner) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=mock.base_url, auth=KalshiAuth(signer), timeout=10) as c:
        yield c


def journal(mock: MockServer, **filters: object) -> dict:
    r = plain_http.get(f"{mock.base_url}/_admin/requests", params=filters, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def only_entry(mock: MockServer) -> dict:
    [entry] = journal(mock)["requests"]
    return entry


def rules(entry: dict) -> list[str]:
    return [p["rule"] for p in entry["problems"]]


# -- REST -------------------------------------------------------------------------------------------------------------


def test_a_valid_request_is_journaled_with_no_problems() -> None:
    wall = ManualClock(datetime(2026, 3, 2, 14, 30, 5, 250_000, tzinfo=UTC))
    with MockServer(wall_clock=wall) as mock:
        mock.create_account("alice", balance_cents=100_000)
        signer = key_pair(ALICE_KEY).register(mock, "alice")
        ts = int(wall.now().timestamp() * 1000)
        r = plain_http.get(
            mock.base_url + POSITIONS + "?limit=5&settlement_status=all", headers=signer.headers("GET", POSITIONS, ts)
        )
        assert r.status_code == 200
        body = journal(mock)
    latency = body["requests"][0].pop("latency_us")
    assert isinstance(latency, int) and 0 <= latency < 10_000_000, "from arrival to the response's start, in us"
    assert body == {
        "requests": [
            {
                "seq": 1,
                "time": "2026-03-02T14:30:05.250Z",
                "venue": "kalshi",
                "transport": "rest",
                "method": "GET",
                "path": POSITIONS,
                "query": [["limit", "5"], ["settlement_status", "all"]],
                "operation": "GetPositions",
                "key_id": signer.key_id,
                "status": 200,
                "auth": None,
                "command": None,
                "replies": None,
                "problems": [],
                "truncated": False,
                "fault": None,
                "refusal": None,
                "diagnosis": None,
            }
        ],
        "last_seq": 1,
    }


@pytest.mark.parametrize(
    ("query", "status", "rule", "detail"),
    [
        ("foo=1", 200, "parameter.unknown", "foo: GetPositions has no query parameter 'foo'"),
        ("limit=5000", 400, "parameter.maximum", "limit=5000 exceeds maximum 1000 (GetPositions)"),
        ("limit=abc", 400, "parameter.type", "limit=abc is not an integer (GetPositions)"),
        ("limit=", 400, "parameter.type", "limit='' is not an integer (GetPositions)"),
        ("limit=0", 400, "parameter.minimum", "limit=0 is below minimum 1 (GetPositions)"),
        ("limit=5&limit=6", 200, "parameter.repeated", "limit is given 2 times (GetPositions)"),
        ("settlement_status=foo", 400, "parameter.enum", "settlement_status=foo is not one of 'unsettled', 'settled'"),
        ("exchange_index=3000000000", 400, "parameter.format", "exchange_index=3000000000 is outside the int32 range"),
    ],
)
def test_what_the_published_schema_forbids_is_named_by_its_rule(mock, client, query, status, rule, detail) -> None:
    assert client.get(f"{POSITIONS}?{query}").status_code == status
    entry = only_entry(mock)
    assert entry["status"] == status and entry["operation"] == "GetPositions"
    [found] = entry["problems"]
    assert found["rule"] == rule
    assert found["detail"].startswith(detail), found["detail"]


@pytest.mark.parametrize(
    ("path", "query", "rule", "detail"),
    [
        (POSITIONS, "subaccount=64", "kalshi.parameter.maximum", "subaccount=64 exceeds maximum 63 (GetPositions)"),
        (POSITIONS, "count_filter=volume", "kalshi.parameter.pattern", "count_filter=volume does not match"),
        (POSITIONS, "event_ticker=A,B", "kalshi.parameter.pattern", "event_ticker=A,B does not match"),
        (
            "/trade-api/v2/portfolio/balance",
            "exchange_index=-1",
            "kalshi.parameter.minimum",
            "exchange_index=-1 is below minimum 0 (GetBalance)",
        ),
    ],
)
def test_what_only_kalshis_server_refuses_is_told_apart(mock, client, path, query, rule, detail) -> None:
    assert client.get(f"{path}?{query}").status_code == 400  # the mock refuses it as Kalshi does
    [found] = only_entry(mock)["problems"]
    assert found["rule"] == rule
    assert found["detail"].startswith(detail) and "; Kalshi: " in found["detail"], found["detail"]


def test_an_integer_beyond_int64_is_kalshis_rule(mock, client) -> None:
    # The published schema sets no upper bound on subaccount; Kalshi's Go server parses every integer as an int64.
    assert client.get("/trade-api/v2/portfolio/settlements?subaccount=9223372036854775808").status_code == 400
    [found] = only_entry(mock)["problems"]
    assert found["rule"] == "kalshi.parameter.format"
    assert found["detail"].startswith("subaccount=9223372036854775808 is outside the int64 range (GetSettlements)")


def test_a_settlement_status_the_schema_forbids_but_kalshi_reads_as_absent(mock, client) -> None:
    assert client.get(f"{POSITIONS}?settlement_status=").status_code == 200
    assert rules(only_entry(mock)) == ["parameter.enum"]


def test_a_cursor_is_not_judged_from_the_request_alone(mock, client) -> None:
    # Whether a cursor is real depends on what the server issued: the journal says nothing, the status says it all.
    assert client.get(f"{POSITIONS}?cursor=made-up").status_code == 400
    entry = only_entry(mock)
    assert entry["status"] == 400 and entry["problems"] == []


def test_a_bad_signature_is_journaled_with_the_mocks_diagnosis(mock, signer) -> None:
    headers = signer.headers("GET", "/trade-api/v2/portfolio/balance")  # signed for another path
    r = plain_http.get(mock.base_url + POSITIONS, headers=headers)
    assert r.status_code == 401
    diagnosis = r.headers["X-Mockexchange-Auth"]
    assert diagnosis
    entry = only_entry(mock)
    assert entry["key_id"] == signer.key_id and entry["operation"] == "GetPositions"
    assert entry["problems"] == [{"rule": "auth.signature", "detail": diagnosis}]


def test_an_unsigned_request_is_journaled_without_a_key(mock) -> None:
    assert plain_http.get(mock.base_url + POSITIONS).status_code == 401
    entry = only_entry(mock)
    assert entry["key_id"] is None and rules(entry) == ["auth.signature"]
    assert "KALSHI-ACCESS" in entry["problems"][0]["detail"]


def test_an_unknown_path_and_an_unknown_method(mock, client) -> None:
    assert client.get("/trade-api/v2/widgets?status=resting").status_code == 404
    assert client.post(POSITIONS).status_code == 405
    unknown, method = journal(mock)["requests"]
    assert unknown["operation"] is None and unknown["status"] == 404
    assert unknown["query"] == [["status", "resting"]]
    assert unknown["problems"] == [
        {
            "rule": "operation.unknown",
            "detail": "GET /trade-api/v2/widgets: no operation of the schema has this path",
        }
    ]
    assert method["method"] == "POST" and method["status"] == 405 and rules(method) == ["operation.method"]
    assert "GET (GetPositions)" in method["problems"][0]["detail"]


def test_admin_requests_and_other_paths_are_not_journaled(mock, client) -> None:
    plain_http.post(f"{mock.base_url}/_admin/accounts", json={"user_id": "bob"})
    plain_http.get(f"{mock.base_url}/_admin/clock")
    plain_http.get(f"{mock.base_url}/elsewhere")
    assert journal(mock) == {"requests": [], "last_seq": 0}


# -- websocket --------------------------------------------------------------------------------------------------------


def ws_exchange(mock: MockServer, signer: KalshiSigner, *messages: str, replies: int = 1) -> list[dict]:
    """Send each message on one connection and read `replies` frames after each; the frames read."""
    received = []
    headers = signer.headers("GET", WS_PATH)
    with connect(mock.kalshi_ws_url, additional_headers=headers, open_timeout=5) as ws:
        for message in messages:
            ws.send(message)
            received += [json.loads(ws.recv(timeout=5)) for _ in range(replies)]
    return received


def test_a_valid_subscribe_is_journaled_after_its_upgrade(mock, signer) -> None:
    command = '{"id": 1, "cmd": "subscribe", "params": {"channels": ["fill", "market_positions"]}}'
    assert [f["type"] for f in ws_exchange(mock, signer, command, replies=2)] == ["subscribed", "subscribed"]
    upgrade, subscribe = journal(mock)["requests"]
    assert upgrade["transport"] == "ws" and upgrade["method"] == "GET" and upgrade["path"] == WS_PATH
    assert upgrade["status"] == 101 and upgrade["key_id"] == signer.key_id and upgrade["problems"] == []
    assert subscribe["transport"] == "ws" and subscribe["method"] is None and subscribe["status"] is None
    assert subscribe["operation"] == "subscribe" and subscribe["command"] == command
    assert subscribe["replies"] == ["subscribed", "subscribed"] and subscribe["key_id"] == signer.key_id
    assert subscribe["problems"] == []


@pytest.mark.parametrize(
    ("command", "reply", "rule", "detail"),
    [
        ('{"id": 1, "cmd": "subscribe_all"}', "error 5", "command.unknown", "cmd 'subscribe_all' is not a command"),
        ('{"id": 1, "cmd": "subscribe", ', "error 1", "command.json", "not JSON: "),
        ('["subscribe"]', "error 1", "command.json", "a command is a JSON object, not an array"),
        (
            '{"id": 1, "cmd": "subscribe", "params": {"channels": "fill"}}',
            "error 1",
            "command.type",
            'subscribe: /params/channels: "fill" is not of type "array"',
        ),
        (
            '{"id": 1, "cmd": "unsubscribe", "params": {"sids": ["1"]}}',
            "error 1",
            "command.type",
            'unsubscribe: /params/sids/0: "1" is not of type "integer"',
        ),
        (
            '{"id": 1, "cmd": "subscribe", "params": {"channels": ["fills"]}}',
            "error 8",
            "command.enum",
            "subscribe: /params/channels/0: ",
        ),
        ('{"cmd": "list_subscriptions"}', "ok", "command.required", 'list_subscriptions: /: "id" is a required'),
    ],
)
@pytest.mark.slow
def test_a_command_the_schema_does_not_allow(mock, signer, command, reply, rule, detail) -> None:
    ws_exchange(mock, signer, command)
    _, entry = journal(mock)["requests"]
    assert entry["command"] == command and entry["replies"] == [reply]
    [found] = entry["problems"]
    assert found["rule"] == rule
    assert found["detail"].startswith(detail), found["detail"]


def test_a_refused_upgrade_is_journaled_with_the_diagnosis(mock, signer) -> None:
    headers = signer.headers("GET", "/trade-api/ws/v1")
    with pytest.raises(InvalidStatus) as info, connect(mock.kalshi_ws_url, additional_headers=headers):
        pass
    assert info.value.response.status_code == 401
    entry = only_entry(mock)
    assert entry["transport"] == "ws" and entry["status"] == 401 and rules(entry) == ["auth.signature"]
    assert entry["problems"][0]["detail"] == info.value.response.headers["X-Mockexchange-Auth"]


def test_a_websocket_upgrade_at_an_unknown_path(mock, signer) -> None:
    headers = signer.headers("GET", "/trade-api/ws/v3")
    with (
        pytest.raises(InvalidStatus),
        connect(f"ws://{mock.host}:{mock.port}/trade-api/ws/v3", additional_headers=headers),
    ):
        pass
    entry = only_entry(mock)
    assert entry["status"] == 403 and rules(entry) == ["operation.unknown"]


# -- reading the journal ----------------------------------------------------------------------------------------------


def test_filters_since_and_limit(mock, client, signer) -> None:
    client.get(f"{POSITIONS}?limit=10")  # 1: valid
    client.get(f"{POSITIONS}?limit=5000")  # 2: 400
    client.get("/trade-api/v2/portfolio/balance")  # 3: valid
    plain_http.get(mock.base_url + POSITIONS)  # 4: 401, no key
    ws_exchange(mock, signer, '{"id": 1, "cmd": "list_subscriptions"}')  # 5: upgrade, 6: command

    def seqs(**filters: object) -> list[int]:
        return [e["seq"] for e in journal(mock, **filters)["requests"]]

    assert seqs() == [1, 2, 3, 4, 5, 6]
    assert seqs(transport="rest") == [1, 2, 3, 4]
    assert seqs(transport="ws") == [5, 6]
    assert seqs(operation="GetPositions") == [1, 2, 4]
    assert seqs(operation="list_subscriptions") == [6]
    assert seqs(status=401) == [4]
    assert seqs(invalid="true") == [2, 4]
    assert seqs(invalid="false") == [1, 3, 5, 6]
    assert seqs(key_id=signer.key_id) == [1, 2, 3, 5, 6]
    assert seqs(since=4) == [5, 6]
    assert seqs(limit=2) == [5, 6]
    assert seqs(operation="GetPositions", invalid="false", since=0, limit=5) == [1]
    assert journal(mock, since=6) == {"requests": [], "last_seq": 6}


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("colour=red", "unknown query parameter 'colour'"),
        ("status=ok", "status must be an integer, not 'ok'"),
        ("invalid=yes", "invalid must be true or false, not 'yes'"),
        ("transport=grpc", "transport must be one of rest, ws"),
        ("limit=-1", "limit must be >= 0"),
        ("since=1&since=2", "since is given more than once"),
    ],
)
def test_a_bad_filter_is_a_400(mock, query, error) -> None:
    r = plain_http.get(f"{mock.base_url}/_admin/requests?{query}")
    assert r.status_code == 400
    assert error in r.json()["error"]


def test_clearing_keeps_the_sequence_going(mock, client) -> None:
    client.get(POSITIONS)
    client.get(POSITIONS)
    assert plain_http.post(f"{mock.base_url}/_admin/requests/clear").json() == {"cleared": True, "last_seq": 2}
    assert journal(mock) == {"requests": [], "last_seq": 2}
    client.get(POSITIONS)
    assert [e["seq"] for e in journal(mock)["requests"]] == [3]
    assert plain_http.delete(f"{mock.base_url}/_admin/requests").json() == {"cleared": True, "last_seq": 3}
    assert journal(mock)["requests"] == []


def test_the_journal_keeps_the_newest_journal_size_entries() -> None:
    with MockServer(journal_size=3) as mock:
        for limit in range(1, 6):
            plain_http.get(f"{mock.base_url}{POSITIONS}?limit={limit}")
        body = journal(mock)
    assert [e["seq"] for e in body["requests"]] == [3, 4, 5] and body["last_seq"] == 5
    assert [e["query"] for e in body["requests"]] == [[["limit", "3"]], [["limit", "4"]], [["limit", "5"]]]


def test_a_journal_of_size_0_is_off_and_the_mock_answers_as_with_one() -> None:
    # journal_size=0 records nothing (no entry, no seq taken: last_seq stays 0) and answers every request alike.
    subscribe = '{"id": 1, "cmd": "subscribe", "params": {"channels": ["fill"]}}'
    rpc = '{"jsonrpc": "2.0", "id": 3, "method": "public/test"}'
    answers = {}
    for size in (10_000, 0):
        with MockServer(journal_size=size, clock=ManualClock(datetime(2026, 3, 2, tzinfo=UTC))) as mock:
            mock.create_account("alice", balance_cents=100_000)
            mock.fill("alice", "KXFED-26DEC-T4.00", "yes", "buy", "10", "0.56")
            signer = key_pair(ALICE_KEY).register(mock, "alice")
            with httpx.Client(base_url=mock.base_url, auth=KalshiAuth(signer), timeout=10) as client:
                page, refused = client.get(POSITIONS), client.get(f"{POSITIONS}?limit=5000")
            unsigned = plain_http.get(mock.base_url + POSITIONS, timeout=10)
            with connect(mock.deribit_ws_url, open_timeout=5) as ws:
                ws.send(rpc)
                deribit = json.loads(ws.recv(timeout=5))
            answers[size] = (
                (page.status_code, page.content), (refused.status_code, refused.content), unsigned.status_code,
                [f["type"] for f in ws_exchange(mock, signer, subscribe)], (deribit["id"], deribit["result"]),
            )  # fmt: skip
            read, kept = journal(mock), mock.requests()
            assert (read["last_seq"], len(kept)) == ((0, 0) if size == 0 else (7, 7)), (size, read, kept)
            assert read["requests"] == kept
    assert answers[0] == answers[10_000]
    assert [a if isinstance(a, int | list) else a[0] for a in answers[0]] == [200, 400, 401, ["subscribed"], 3]


def test_the_admin_journal_answers_loopback_only(mock) -> None:
    # The same guard as every admin route: a client that is not loopback is refused.
    async def remote_calls() -> list[int]:
        transport = httpx.ASGITransport(mock.app.asgi, client=("10.1.2.3", 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://mock") as remote:
            calls = [remote.get("/_admin/requests"), remote.post("/_admin/requests/clear")]
            return [(await call).status_code for call in calls]

    assert asyncio.run(remote_calls()) == [403, 403]


def test_the_python_api(mock, client) -> None:
    client.get(f"{POSITIONS}?limit=5000")
    client.get(f"{POSITIONS}?limit=5")
    [bad] = mock.requests(invalid=True)
    assert bad == journal(mock, invalid="true")["requests"][0]
    assert bad["problems"][0]["rule"] == "parameter.maximum"
    assert [e["query"] for e in mock.requests(operation="GetPositions", limit=1)] == [[["limit", "5"]]]
    [entry] = mock.app.journal.entries(status=200)
    assert entry.describe() == f"GET {POSITIONS}?limit=5 -> 200"
    mock.clear_requests()
    assert mock.requests() == []


# -- the pytest plugin ------------------------------------------------------------------------------------------------

USER_TESTS = """
import pytest

def test_clean(mockexchange, kalshi_user):
    assert kalshi_user.client.get("/portfolio/positions", params={"limit": 5}).status_code == 200

def test_unknown_parameter(mockexchange, kalshi_user):
    assert kalshi_user.client.get("/portfolio/positions", params={"page_size": 5}).status_code == 200

@pytest.mark.mockexchange(strict_requests=False)
def test_opted_out(mockexchange, kalshi_user):
    kalshi_user.client.get("/portfolio/positions", params={"page_size": 5})
"""


@pytest.mark.slow
def test_strict_requests_fails_a_test_whose_client_broke_the_schema(pytester) -> None:
    pytester.makepyfile(USER_TESTS)
    result = run_user_suite_here(pytester, "--mockexchange-strict-requests")
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_unknown_parameter*",
            "*the client sent 1 request(s) the schema does not allow:",
            "*GET /trade-api/v2/portfolio/positions?page_size=5 -> 200",
            "*parameter.unknown: page_size: GetPositions has no query parameter 'page_size'",
        ]
    )


@pytest.mark.slow
def test_strict_requests_is_off_unless_asked(pytester) -> None:
    pytester.makepyfile(
        USER_TESTS
        + """
@pytest.mark.mockexchange(strict_requests=True)
def test_opted_in(mockexchange, kalshi_user):
    kalshi_user.client.get("/portfolio/positions", params={"limit": 5000})
"""
    )
    result = run_user_suite_here(pytester)
    result.assert_outcomes(passed=4, errors=1)
    result.stdout.fnmatch_lines(
        ["*ERROR at teardown of test_opted_in*", "*parameter.maximum: limit=5000 exceeds maximum 1000 (GetPositions)"]
    )
