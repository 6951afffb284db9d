"""Rate limits over real HTTP and websockets: Kalshi's per-tier token buckets (429 `{"error": "too many requests"}`, no
Retry-After), Deribit's credits (10028 in the JSON-RPC envelope; on the websocket the session ends), the admin API's
view and tier changes, and the buckets' arithmetic. Time is a ManualClock's: no test sleeps for a refill."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import itertools
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import plain_http
import pytest
import websockets
from module_mocks import fresh, key_pair, module_mock
from serve_process import run_serve, serving

from mockexchange.control import ControlError
from mockexchange.core.clock import ManualClock, epoch_ms
from mockexchange.core.kalshi.rate_budgets import kalshi_budgets
from mockexchange.core.rate_limits import RateLimits
from mockexchange.core.token_bucket import Budget, TokenBucket
from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiSigner
from mockexchange.venues.deribit import rate_limits as deribit_limits
from mockexchange.venues.kalshi import rate_limits as kalshi_limits

POSITIONS = "/trade-api/v2/portfolio/positions"
BALANCE = "/trade-api/v2/portfolio/balance"
TOO_MANY = {"error": "too many requests"}
DIAGNOSIS = "x-mockexchange-diagnosis"
BASIC_READS = 20  # 200 tokens, 10 a request
DERIBIT_BURST = 100  # 50,000 credits, 500 a request


WALL = ManualClock()  # the limiters' clock: it refills only when a test moves it, and only forward
# One mock on the Basic tier for the module, reset (every bucket full) and back on Basic before each test.
server = module_mock("server", wall_clock=WALL, rate_limit_tier="basic")


@pytest.fixture
def clock() -> ManualClock:
    return WALL


@pytest.fixture
def mock(server: MockServer) -> MockServer:
    fresh(server).set_rate_limit_tier("basic")
    return server


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as client:
        yield client


def kalshi_signer(mock: MockServer, user_id: str, key_id: str | None = None) -> KalshiSigner:
    """A key of the user's (an account made if need be): one made once in the process under `key_id`, by default
    the user's name and `-key`."""
    if user_id not in mock.ledger.state.accounts:
        mock.create_account(user_id, balance_cents=100_000)
    return key_pair(key_id or f"{user_id}-key").register(mock, user_id)


def kalshi_get(
    http: httpx.Client, mock: MockServer, clock: ManualClock, signer: KalshiSigner, path: str = POSITIONS
) -> httpx.Response:
    return http.get(mock.base_url + path, headers=signer.headers("GET", path, epoch_ms(clock)))


def statuses(responses: list[httpx.Response]) -> list[int]:
    return [r.status_code for r in responses]


def assert_kalshi_429(response: httpx.Response) -> None:
    assert response.status_code == 429
    assert json.loads(response.content) == TOO_MANY
    assert "retry-after" not in response.headers
    assert not [name for name in response.headers if name.lower().startswith("x-ratelimit")]


# -- Kalshi -----------------------------------------------------------------------------------------------------------


def test_a_basic_user_gets_429_once_the_read_budget_is_spent_and_the_clock_refills_it(mock, clock, http):
    signer = kalshi_signer(mock, "alice")
    assert statuses([kalshi_get(http, mock, clock, signer) for _ in range(BASIC_READS)]) == [200] * BASIC_READS
    assert_kalshi_429(kalshi_get(http, mock, clock, signer))
    clock.advance(0.05)  # 200 tokens a second: 10 tokens, one request
    assert kalshi_get(http, mock, clock, signer).status_code == 200
    assert_kalshi_429(kalshi_get(http, mock, clock, signer))
    clock.advance(10)  # full, and no fuller than one second of budget
    assert statuses([kalshi_get(http, mock, clock, signer) for _ in range(BASIC_READS + 1)]) == [200] * BASIC_READS + [
        429
    ]


def test_the_balance_bucket_is_separate_from_the_read_budget(mock, clock, http):
    signer = kalshi_signer(mock, "alice")
    for _ in range(BASIC_READS):
        assert kalshi_get(http, mock, clock, signer).status_code == 200
    assert kalshi_get(http, mock, clock, signer).status_code == 429
    assert kalshi_get(http, mock, clock, signer, BALANCE).status_code == 200  # its own bucket: 1 a second on Basic
    assert_kalshi_429(kalshi_get(http, mock, clock, signer, BALANCE))
    clock.advance(1)
    assert kalshi_get(http, mock, clock, signer, BALANCE).status_code == 200
    state = mock.rate_limits()["buckets"]["kalshi"]["alice"]
    assert state == {"read": 200, "write": 100, "balance": 0}  # a second refilled the reads; balances drew none


def test_users_have_independent_buckets_and_a_users_keys_share_theirs(mock, clock, http):
    alice, bob = kalshi_signer(mock, "alice"), kalshi_signer(mock, "bob")
    for _ in range(BASIC_READS):
        kalshi_get(http, mock, clock, alice)
    assert_kalshi_429(kalshi_get(http, mock, clock, alice))
    assert kalshi_get(http, mock, clock, bob).status_code == 200
    alices_other_key = kalshi_signer(mock, "alice", "alice-other-key")
    assert_kalshi_429(kalshi_get(http, mock, clock, alices_other_key))


def test_a_usage_level_above_the_mocks_tier_gives_its_buckets_and_its_429_names_them(mock, clock, http):
    """Alice's Advanced level under a Basic mock: Advanced's reads (300 tokens, 30 requests), and the 429's diagnosis
    names her tier's bucket, not the mock's."""
    signer = kalshi_signer(mock, "alice")
    mock.grant_api_usage_level("alice", "advanced")
    assert statuses([kalshi_get(http, mock, clock, signer) for _ in range(30)]) == [200] * 30
    refused = kalshi_get(http, mock, clock, signer)
    assert_kalshi_429(refused)
    assert "(advanced tier: 300 tokens at most, 300 a second, 10 a request)" in refused.headers[DIAGNOSIS]


def test_requests_refused_at_authentication_cost_nothing(mock, clock, http):
    for _ in range(30):
        assert http.get(mock.base_url + POSITIONS).status_code == 401
    signer = kalshi_signer(mock, "alice")
    assert statuses([kalshi_get(http, mock, clock, signer) for _ in range(BASIC_READS)]) == [200] * BASIC_READS


def test_tier_off_never_limits(clock, http):
    with MockServer(wall_clock=clock) as mock:
        signer = kalshi_signer(mock, "alice")
        assert statuses([kalshi_get(http, mock, clock, signer) for _ in range(50)]) == [200] * 50
        assert statuses([kalshi_get(http, mock, clock, signer, BALANCE) for _ in range(5)]) == [200] * 5
        assert mock.rate_limits() == {
            "tier": "off",
            "tiers": ["off", "basic", "advanced", "expert", "premier", "paragon", "prime", "prestige"],
            "budgets": {},
            "buckets": {},
        }


def test_the_429_is_journaled(mock, clock, http):
    signer = kalshi_signer(mock, "alice")
    for _ in range(BASIC_READS + 1):
        kalshi_get(http, mock, clock, signer)
    assert [r["status"] for r in mock.requests(status=429)] == [429]


@pytest.mark.mockexchange(rate_limit_tier="prime")
def test_the_pytest_marker_sets_the_tier(mockexchange):
    state = mockexchange.rate_limits()
    assert state["tier"] == "prime"
    read = {"capacity": 4000, "refill_per_second": 4000, "cost": 10, "unit": "tokens"}
    assert state["budgets"]["kalshi"]["read"] == read


# -- Deribit --------------------------------------------------------------------------------------------------------


@pytest.fixture
def alice(mock: MockServer) -> dict[str, str]:
    mock.create_deribit_account("alice", balances={"BTC": "10"})
    return mock.create_deribit_key("alice", client_id="AliceKey", client_secret="alice-secret")


def basic_auth(key: dict[str, str]) -> dict[str, str]:
    token = base64.b64encode(f"{key['client_id']}:{key['client_secret']}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def test_deribit_http_answers_10028_in_the_envelope_once_the_credits_are_spent(mock, clock, http, alice):
    url = mock.deribit_url + "/api/v2/public/test"
    assert statuses([http.get(url) for _ in range(DERIBIT_BURST)]) == [200] * DERIBIT_BURST
    refused = http.post(mock.deribit_url + "/api/v2", json={"jsonrpc": "2.0", "id": 7, "method": "public/test"})
    assert refused.status_code == 429
    body = refused.json()
    assert body["jsonrpc"] == "2.0" and body["id"] == 7 and body["testnet"] is True
    assert {k: body["error"][k] for k in ("code", "message")} == {"code": 10028, "message": "too_many_requests"}
    assert "result" not in body and "retry-after" not in refused.headers
    # The address's credits are spent; an authenticated account pays with its own.
    positions = http.get(mock.deribit_url + "/api/v2/private/get_positions?currency=BTC", headers=basic_auth(alice))
    assert positions.status_code == 200 and positions.json()["result"] == []
    clock.advance(0.05)  # 10,000 credits a second: 500, one request
    assert http.get(url).status_code == 200
    assert http.get(url).status_code == 429
    levels = mock.rate_limits()["buckets"]["deribit"]
    assert levels["alice"]["non_matching_engine"] == 50_000 - 500 + 500  # one request, refilled by the step
    assert levels["ip:127.0.0.1"]["non_matching_engine"] == 0


def test_deribit_accounts_have_independent_credits(mock, clock, http, alice):
    mock.create_deribit_account("bob", balances={"BTC": "1"})
    bob = mock.create_deribit_key("bob", client_id="BobKey", client_secret="bob-secret")
    url = mock.deribit_url + "/api/v2/private/get_positions?currency=BTC"
    for _ in range(DERIBIT_BURST):
        assert http.get(url, headers=basic_auth(alice)).status_code == 200
    assert http.get(url, headers=basic_auth(alice)).json()["error"]["code"] == 10028
    assert http.get(url, headers=basic_auth(bob)).status_code == 200


def test_deribit_orders_spend_the_matching_engine_bucket_and_reads_do_not(mock, clock, http, alice):
    buy = mock.deribit_url + "/api/v2/private/buy?instrument_name=BTC-PERPETUAL&amount=10&price=50000"
    answers = [http.get(buy, headers=basic_auth(alice)).json() for _ in range(21)]  # 20 a burst, 5 a second
    assert ["result" in answer for answer in answers] == [True] * 20 + [False]
    assert answers[-1]["error"]["code"] == 10028
    assert len(http.get(mock.deribit_url + "/api/v2/private/get_open_orders", headers=basic_auth(alice)).json()[
        "result"]) == 20  # the refused order was not placed; a read still passes  # fmt: skip
    levels = mock.rate_limits()["buckets"]["deribit"]["alice"]
    assert levels["matching_engine"] == 0 and levels["non_matching_engine"] == 50_000 - 500
    clock.advance(0.2)  # one order's refill
    assert "result" in http.get(buy, headers=basic_auth(alice)).json()


def signalplus_headers(clock: ManualClock, nonce: str) -> dict[str, str]:
    ts = str(epoch_ms(clock))
    signature = hmac.new(b"alice-secret", f"{ts}\n{nonce}\n".encode(), hashlib.sha256).digest()
    return {
        "Authorization": "Bearer AliceKey",
        "Signalplus-API-Signature": base64.b64encode(signature).decode(),
        "Signalplus-API-Nonce": nonce,
        "Signalplus-API-Timestamp": ts,
    }


def test_the_signalplus_dialect_answers_10028_in_its_envelope(mock, clock, http, alice):
    body = {"rid": 3, "method": "private/get_positions", "params": {"currency": "BTC"}}
    for n in range(DERIBIT_BURST):
        answered = http.post(mock.base_url + "/api", json=body, headers=signalplus_headers(clock, f"n{n}"))
        assert answered.status_code == 200
    refused = http.post(mock.base_url + "/api", json=body, headers=signalplus_headers(clock, "last"))
    assert refused.status_code == 429
    reply = refused.json()
    assert reply["rid"] == 3 and reply["result"] is None
    assert {k: reply["error"][k] for k in ("code", "message")} == {"code": 10028, "message": "too_many_requests"}


class Rpc:
    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.ids = itertools.count(1)

    async def call(self, method: str, params: dict | None = None) -> dict:
        request_id = next(self.ids)
        await self.ws.send(json.dumps({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params or {}}))
        while True:
            message = json.loads(await asyncio.wait_for(self.ws.recv(), 5))
            if message.get("id") == request_id:
                return message

    async def auth(self) -> dict:
        grant = {"grant_type": "client_credentials", "client_id": "AliceKey", "client_secret": "alice-secret"}
        reply = await self.call("public/auth", grant)
        assert "result" in reply, reply
        return reply

    async def closed(self) -> int | None:
        """The close code, once the server has closed the connection (nothing else arrives first)."""
        with pytest.raises(websockets.ConnectionClosed):
            await asyncio.wait_for(self.ws.recv(), 5)
        return self.ws.close_code


def test_deribit_websocket_sends_10028_then_closes_the_session(mock, clock, alice):
    async def go() -> None:
        async with websockets.connect(mock.deribit_ws_url) as ws:
            rpc = Rpc(ws)
            await rpc.auth()  # paid by the address; the connection's account pays from here on
            for _ in range(DERIBIT_BURST):
                assert "result" in await rpc.call("private/get_positions", {"currency": "BTC"})
            refused = await rpc.call("private/get_positions", {"currency": "BTC"})
            assert refused["id"] == DERIBIT_BURST + 2
            assert {k: refused["error"][k] for k in ("code", "message")} == {
                "code": 10028,
                "message": "too_many_requests",
            }
            assert await rpc.closed() == 1008
        # A new session is paid by the same account: still empty until the clock refills it.
        async with websockets.connect(mock.deribit_ws_url) as ws:
            rpc = Rpc(ws)
            await rpc.auth()
            assert (await rpc.call("private/get_positions", {"currency": "BTC"}))["error"]["code"] == 10028
            assert await rpc.closed() == 1008
        clock.advance(0.05)
        async with websockets.connect(mock.deribit_ws_url) as ws:
            rpc = Rpc(ws)
            await rpc.auth()
            assert (await rpc.call("private/get_positions", {"currency": "BTC"}))["result"] == []

    asyncio.run(go())


def test_deribit_subscribe_draws_from_its_own_bucket(mock, clock, alice):
    async def go() -> None:
        async with websockets.connect(mock.deribit_ws_url) as ws:
            rpc = Rpc(ws)
            await rpc.auth()
            for _ in range(10):  # 30,000 credits, 3,000 a subscribe
                reply = await rpc.call("private/subscribe", {"channels": ["user.trades.future.BTC.raw"]})
                assert "result" in reply, reply
            assert "result" in await rpc.call("public/test")  # the non-matching-engine credits are untouched
            assert (await rpc.call("private/subscribe", {"channels": ["user.portfolio.btc"]}))["error"]["code"] == 10028
            assert await rpc.closed() == 1008

    asyncio.run(go())
    levels = mock.rate_limits()["buckets"]["deribit"]["alice"]
    assert levels["subscribe"] == 0 and levels["non_matching_engine"] == 50_000 - 500


def test_deribit_tier_off_never_limits(clock, http):
    with MockServer(wall_clock=clock) as mock:
        url = mock.deribit_url + "/api/v2/public/test"
        assert statuses([http.get(url) for _ in range(DERIBIT_BURST + 20)]) == [200] * (DERIBIT_BURST + 20)


# -- the admin API and the Python API ---------------------------------------------------------------------------------


def test_the_admin_api_reads_the_levels_and_changes_the_tier(mock, clock, http, alice):
    signer = kalshi_signer(mock, "user-1")
    for _ in range(3):
        kalshi_get(http, mock, clock, signer)
    kalshi_get(http, mock, clock, signer, BALANCE)
    http.get(mock.deribit_url + "/api/v2/public/test")
    state = http.get(mock.base_url + "/_admin/rate_limits").json()
    assert state["tier"] == "basic"
    assert state["buckets"]["kalshi"] == {"user-1": {"read": 170, "write": 100, "balance": 0}}
    assert state["buckets"]["deribit"] == {
        "ip:127.0.0.1": {"non_matching_engine": 49_500, "matching_engine": 20, "subscribe": 30_000}
    }
    write = {"capacity": 100, "refill_per_second": 100, "cost": 10, "unit": "tokens"}  # Basic: one second of budget
    assert state["budgets"]["kalshi"]["write"] == write
    assert state["budgets"]["deribit"]["non_matching_engine"]["cost"] == 500

    changed = http.post(mock.base_url + "/_admin/rate_limits", json={"tier": "advanced"})
    assert changed.status_code == 200 and changed.json()["tier"] == "advanced"
    assert changed.json()["buckets"] == {"kalshi": {}, "deribit": {}, "perps": {}}  # a new tier: every bucket full
    assert statuses([kalshi_get(http, mock, clock, signer) for _ in range(31)]) == [200] * 30 + [429]

    assert http.post(mock.base_url + "/_admin/rate_limits", json={"tier": "off"}).json()["tier"] == "off"
    assert statuses([kalshi_get(http, mock, clock, signer) for _ in range(40)]) == [200] * 40
    assert http.get(mock.base_url + "/_admin/rate_limits").json()["buckets"] == {}


@pytest.mark.parametrize(
    "body",
    [{"tier": "gold"}, {"tier": 5}, {"tier": None}, {"tier": ["basic"]}, {"tier": "b" * 5000}, {}, {"level": "basic"}],
)
def test_a_bad_tier_is_refused_with_400(mock, http, body):
    r = http.post(mock.base_url + "/_admin/rate_limits", json=body)
    assert r.status_code == 400
    assert isinstance(r.json()["error"], str)
    assert mock.rate_limits()["tier"] == "basic"


def test_the_routes_are_in_the_openapi_document(mock, http):
    paths = http.get(mock.base_url + "/_admin/openapi.json").json()["paths"]
    post = paths["/_admin/rate_limits"]["post"]
    assert set(paths["/_admin/rate_limits"]) == {"get", "post"}
    assert post["requestBody"]["content"]["application/json"]["schema"]["required"] == ["tier"]


def test_the_python_api(clock):
    with pytest.raises(ValueError, match="unknown rate-limit tier 'gold'; the tiers are off, basic, advanced, "):
        MockServer(rate_limit_tier="gold")
    with pytest.raises(ValueError, match="unknown rate-limit tier 5;"):
        MockServer(rate_limit_tier=5)  # type: ignore[arg-type]  # (a setting read from somewhere untyped)
    assert MockServer(wall_clock=clock, rate_limit_tier="Prime").rate_limits()["tier"] == "prime"
    mock = MockServer(wall_clock=clock)
    assert mock.rate_limits()["tier"] == "off"
    assert mock.set_rate_limit_tier("Premier")["budgets"]["kalshi"]["balance"]["refill_per_second"] == 5
    assert mock.app.rate_limits is not None and mock.app.rate_limits.tier == "premier"
    with pytest.raises(ControlError, match="tier must be one of 'off', 'basic', 'advanced', .*, not 'gold'"):
        mock.set_rate_limit_tier("gold")
    assert mock.rate_limits()["tier"] == "premier"


def test_reset_fills_every_bucket_and_keeps_the_tier(mock, clock, http):
    signer = kalshi_signer(mock, "alice")
    for _ in range(BASIC_READS):
        kalshi_get(http, mock, clock, signer)
    mock.reset()
    signer = kalshi_signer(mock, "alice")
    assert kalshi_get(http, mock, clock, signer).status_code == 200
    assert mock.rate_limits()["tier"] == "basic"


# -- the command line -------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_serve_takes_a_tier_and_says_so_in_the_banner(tmp_path):
    with serving(tmp_path / "keys", "--rate-limit-tier", "Basic") as served:
        assert "Rate limits: Kalshi's basic tier" in served.banner
        assert plain_http.get(served.base_url + "/_admin/rate_limits", timeout=10).json()["tier"] == "basic"


@pytest.mark.slow
def test_serve_refuses_an_unknown_tier_in_its_parser(tmp_path):
    done = run_serve(tmp_path / "keys", "--rate-limit-tier", "gold")
    assert done.returncode == 2 and "argument --rate-limit-tier" in done.stderr and "Traceback" not in done.stderr


# -- the buckets' arithmetic and the venues' tables -------------------------------------------------------------------


def test_a_token_bucket_refills_exactly_and_never_past_its_capacity():
    start = datetime(2026, 1, 1, tzinfo=UTC)
    bucket = TokenBucket(Budget(capacity=200, refill_per_second=200, cost=10), start)
    assert all(bucket.take(10, start) for _ in range(20)) and not bucket.take(10, start)
    left = bucket.level(start + timedelta(microseconds=49_999))
    assert (left, type(left)) == (9, int)  # 9.9998 tokens: not yet a request (whole tokens, no float on the wire)
    assert not bucket.take(10, start + timedelta(microseconds=49_999))
    assert bucket.take(10, start + timedelta(microseconds=50_000))
    assert bucket.level(start + timedelta(hours=1)) == 200
    assert bucket.level(start) == 200  # a clock set back refills nothing and takes nothing back
    assert not bucket.take(201, start + timedelta(hours=2))  # more than it can ever hold
    for shape in ((0, 1, 1), (1, 0, 1), (1, 1, 0)):
        with pytest.raises(ValueError, match="capacity, refill and cost are positive: Budget"):
            Budget(*shape)


def test_the_limiter_forgets_the_least_recently_charged_subject_beyond_its_bound(clock):
    limits = RateLimits(clock, "basic", tables={"kalshi": kalshi_budgets}, max_subjects=2)
    for user in ("a", "b"):
        for _ in range(BASIC_READS):
            assert limits.take("kalshi", user, "read")
    assert not limits.take("kalshi", "a", "read")  # a is the most recent now
    assert limits.take("kalshi", "c", "read")  # b is forgotten
    assert set(limits.state()["buckets"]["kalshi"]) == {"a", "c"}
    assert limits.take("kalshi", "b", "read")  # full again


def test_which_bucket_each_request_draws_from():
    assert kalshi_limits.bucket_of("GetPositions") == "read"
    assert kalshi_limits.bucket_of("GetBalance") == "balance"
    assert kalshi_limits.bucket_of("CreateOrder") == "write"
    assert deribit_limits.bucket_of("private/get_positions") == "non_matching_engine"
    assert deribit_limits.bucket_of("private/buy") == "matching_engine"
    assert deribit_limits.bucket_of("public/subscribe") == "subscribe"
