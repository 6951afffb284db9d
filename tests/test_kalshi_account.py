"""Kalshi's AccountApi over real HTTP: /account/limits (the user's tier from the mock's tier and its grants, with limits
off too), the upgrade (its criteria, its 30 tokens from the write bucket, its grant), the volume progress (the ledger's
fills of the trailing 30 days) and the public endpoint costs (the table the limiter charges by)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import plain_http
import pytest

from mockexchange.control import ControlError
from mockexchange.core.clock import ManualClock, epoch_ms, unix_seconds
from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiSigner
from mockexchange.venues.kalshi import rate_limits as kalshi_limits

START = datetime(2026, 11, 2, 12, tzinfo=UTC)
LIMITS = "/account/limits"
UPGRADE = "/account/api_usage_level/upgrade"
PROGRESS = "/account/api_usage_level/volume_progress"
COSTS = "/account/endpoint_costs"


@pytest.fixture(scope="module")
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture(scope="module")
def mock(clock: ManualClock) -> Iterator[MockServer]:
    # The buckets refill on the wall clock: a manual one, which requests are signed on (no refill while a test runs).
    with MockServer(clock=clock, wall_clock=ManualClock()) as server:
        yield server


class WallClockAuth(httpx.Auth):
    """Signs each request at the mock's wall clock's time."""

    def __init__(self, signer: KalshiSigner, mock: MockServer) -> None:
        self.signer, self.wall = signer, mock.app.kalshi.wall_clock

    def auth_flow(self, request: httpx.Request) -> Iterator[httpx.Request]:
        path = request.url.raw_path.decode("ascii").split("?", 1)[0]
        request.headers.update(self.signer.headers(request.method, path, epoch_ms(self.wall)))
        yield request


@pytest.fixture
def fresh(mock: MockServer) -> Iterator[MockServer]:
    mock.reset()
    mock.set_rate_limit_tier("off")
    yield mock
    mock.set_rate_limit_tier("off")


def client(mock: MockServer, user_id: str) -> httpx.Client:
    if user_id not in mock.ledger.state.accounts:
        mock.create_account(user_id, balance_cents=100_000)
    key = mock.create_key(user_id)
    signer = KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])
    return httpx.Client(base_url=mock.kalshi_url, auth=WallClockAuth(signer, mock), timeout=10)


def test_limits_off_answer_basic_figures_and_the_grants_raise_them(fresh: MockServer, clock: ManualClock):
    expires = unix_seconds(clock.now()) + 60
    with client(fresh, "alice") as alice:
        assert alice.get(LIMITS).json() == {
            "usage_tier": "basic",
            "read": {"refill_rate": 200, "bucket_capacity": 200},
            "write": {"refill_rate": 100, "bucket_capacity": 100},
            "grants": [],
        }
        admin = plain_http.post(
            fresh.base_url + "/_admin/api_usage_levels",
            json={"user_id": "alice", "level": "premier", "expires_ts": expires},
        )
        assert admin.status_code == 200, admin.text
        assert admin.json()["usage_tier"] == "premier"
        assert alice.get(LIMITS).json() == {
            "usage_tier": "premier",
            "read": {"refill_rate": 1000, "bucket_capacity": 1000},
            "write": {"refill_rate": 1000, "bucket_capacity": 2000},
            "grants": [
                {
                    "exchange_instance": "event_contract",
                    "level": "premier",
                    "expires_ts": expires,
                    "source": "manual",
                }
            ],
        }
        fresh.grant_api_usage_level("alice", "prestige", exchange_instance="margined", source="volume")
        assert alice.get(LIMITS).json()["usage_tier"] == "premier"  # a margined grant is another lane's
        clock.advance(delta=datetime.fromtimestamp(expires, UTC) - clock.now())  # gone at its expiry, exchange time
        after = alice.get(LIMITS).json()
        assert after["usage_tier"] == "basic"
        assert after["grants"] == [{"exchange_instance": "margined", "level": "prestige", "source": "volume"}]


def test_a_users_grant_gives_its_own_buckets_under_the_mocks_tier(fresh: MockServer):
    fresh.set_rate_limit_tier("basic")
    with client(fresh, "alice") as alice, client(fresh, "bob") as bob:
        fresh.grant_api_usage_level("bob", "advanced")
        assert [alice.get(LIMITS).status_code for _ in range(21)][-2:] == [200, 429]  # 200 tokens, 10 a read
        assert {bob.get(LIMITS).status_code for _ in range(30)} == {200}  # advanced: 300 tokens
        assert bob.get(LIMITS).json() == {"error": "too many requests"}


def test_a_grant_below_the_mocks_tier_leaves_the_users_tier_the_mocks(fresh: MockServer):
    fresh.set_rate_limit_tier("premier")
    with client(fresh, "alice") as alice:
        fresh.grant_api_usage_level("alice", "advanced")
        assert alice.get(LIMITS).json()["usage_tier"] == "premier"


def test_the_upgrade_needs_an_order_costs_30_write_tokens_and_grants_advanced(fresh: MockServer):
    fresh.set_rate_limit_tier("basic")
    with client(fresh, "alice") as alice:
        refused = alice.post(UPGRADE)
        assert refused.status_code == 403
        assert refused.json() == {
            "error": {
                "code": "forbidden",
                "message": "no API-created order was found in the user's latest 100 Predictions orders",
            }
        }
        assert fresh.api_usage_level("alice")["grants"] == []
        buckets = fresh.rate_limits()["buckets"]["kalshi"]
        assert buckets["alice"] == {"read": 200, "write": 70, "balance": 1}  # a refusal after auth has paid 30
        fresh.fill("alice", "KXT-1", "yes", "buy", "3", "0.40")
        assert alice.post(UPGRADE).status_code == 201
        limits = alice.get(LIMITS).json()
        assert limits["usage_tier"] == "advanced"
        assert limits["grants"] == [{"exchange_instance": "event_contract", "level": "advanced", "source": "manual"}]
        # Advanced's write bucket (600 tokens; a new shape starts full) holds 20 upgrades: a refresh each
        assert [alice.post(UPGRADE).status_code for _ in range(21)] == [201] * 20 + [429]
        assert alice.post(UPGRADE).content == b'{"error":"too many requests"}'
        assert alice.get(LIMITS).status_code == 200  # the read bucket is another
        assert fresh.rate_limits()["buckets"]["kalshi"]["alice"]["read"] == 300 - 2 * 10
        assert len(fresh.api_usage_level("alice")["grants"]) == 1


def test_the_upgrade_answers_201_with_no_body(fresh: MockServer):
    with client(fresh, "alice") as alice:
        fresh.create_order("alice", "KXT-1", "no", "buy", "2", "0.30")
        answer = alice.post(UPGRADE)
        assert (answer.status_code, answer.content) == (201, b"")


def test_volume_progress_counts_the_trailing_30_days_of_fills(fresh: MockServer, clock: ManualClock):
    fresh.create_account("alice", balance_cents=1_000_000)
    fresh.fill("alice", "KXT-1", "yes", "buy", "7", "0.40")  # leaves the window below
    clock.advance(timedelta(days=20).total_seconds())
    fresh.fill("alice", "KXT-1", "yes", "sell", "2.5", "0.45")
    fresh.fill("alice", "KXT-2", "no", "buy", "10", "0.20", subaccount=2)
    fresh.create_account("bob", balance_cents=1_000_000)
    fresh.fill("bob", "KXT-2", "yes", "buy", "99", "0.80")  # another user's
    clock.advance(timedelta(days=11).total_seconds())
    with client(fresh, "alice") as alice:
        body = alice.get(PROGRESS).json()
    [snapshot] = body["volume_progress"]
    assert snapshot["computed_ts"] == unix_seconds(clock.now())
    assert snapshot["trailing_30d_volume_fp"] == "12.50"
    assert [goal["level"] for goal in snapshot["goals"]] == ["expert", "premier", "paragon", "prime", "prestige"]
    assert snapshot["goals"][0] == {
        "level": "expert",
        "earn_volume_goal_fp": "100000.00",
        "keep_volume_goal_fp": "50000.00",
    }


def test_endpoint_costs_are_public_and_are_what_the_limiter_charges(fresh: MockServer):
    answer = plain_http.get(fresh.kalshi_url + COSTS)  # no signature
    assert answer.status_code == 200
    body = answer.json()
    assert body["default_cost"] == 10
    listed = {(row["method"], row["path"]): row["cost"] for row in body["endpoint_costs"]}
    assert listed[("POST", "/account/api_usage_level/upgrade")] == 30
    assert listed[("GET", "/portfolio/orders/{order_id}")] == 2
    assert ("POST", "/portfolio/events/orders/batched") not in listed  # the default, per item
    assert all(cost != 10 for cost in listed.values())
    for operation_id, cost in kalshi_limits.ENDPOINT_COSTS.items():
        if cost.cost != 10:
            assert listed[(cost.method, cost.path)] == kalshi_limits.cost_of(operation_id)
    assert kalshi_limits.cost_of("BatchCancelOrdersV2", items=5) == 10
    assert kalshi_limits.cost_of("GetPositions") == 10
    assert fresh.rate_limits()["buckets"] == {}  # nothing charged


def test_account_routes_refuse_an_unsigned_request(fresh: MockServer):
    for method, path in (("GET", LIMITS), ("POST", UPGRADE), ("GET", PROGRESS)):
        answer = plain_http.request(method, fresh.kalshi_url + path)
        assert answer.status_code == 401
        assert answer.json()["error"]["code"] == "key_is_missing_from_headers"


def test_a_scenario_seeds_a_usage_level_and_named_scoped_keys(fresh: MockServer):
    loaded = fresh.load_scenario(
        document={
            "users": [
                {
                    "user_id": "mm",
                    "balance_cents": 1000,
                    "api_usage_level": "paragon",
                    "keys": [{"name": "quoter", "scopes": ["read", "write::trade"]}],
                },
                {"user_id": "retail", "keys": [{}]},
            ]
        }
    )
    assert fresh.api_usage_level("mm")["usage_tier"] == "paragon"
    assert fresh.api_usage_level("retail")["usage_tier"] == "basic"
    [key] = [k for k in loaded["keys"] if k["user_id"] == "mm"]
    signer = KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])
    with httpx.Client(base_url=fresh.kalshi_url, auth=WallClockAuth(signer, fresh), timeout=10) as mm:
        assert mm.get(LIMITS).json()["read"] == {"refill_rate": 2000, "bucket_capacity": 2000}
        assert mm.get("/api_keys").json()["api_keys"] == [
            {"api_key_id": key["key_id"], "name": "quoter", "scopes": ["read", "write::trade"]}
        ]
    with pytest.raises(ControlError, match="write` scope must include `read"):
        fresh.load_scenario(document={"users": [{"user_id": "x", "keys": [{"scopes": ["write"]}]}]})
    with pytest.raises(ControlError, match="api_usage_level: must be one of 'basic', 'advanced', 'expert'"):
        fresh.load_scenario(document={"users": [{"user_id": "x", "api_usage_level": "gold"}]})
