"""The perps exchange's risk limits over real HTTP: a user's notional limits and usage computed at the marks, an
order that would pass a market's or the account's limit refused (changing nothing), a lowered limit cancelling resting
orders, and an FCM member's operations: its subtraders, their initial margin caps (enforced on their orders) and its own
account limit under Kalshi's. Every answer is checked against the spec's schema (perps_http.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from perps_fixtures import alice_client, bob_client, fresh, module_server  # noqa: F401  (fixtures)
from perps_http import BTC, T0, check, order, placed, ready, signed, whole

from mockexchange.control.errors import ControlError
from mockexchange.core.clock import ManualClock, epoch_ms
from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiSigner


def limits(client: httpx.Client) -> dict:
    answer = client.get("/margin/notional_risk_limit")
    assert answer.status_code == 200, answer.text
    return answer.json()


def refused(client: httpx.Client, code: str, **body: object) -> None:
    answer = client.post("/margin/orders", json=body)
    assert answer.status_code == 400 and answer.json()["error"]["code"] == code, answer.text


def test_notional_limits_are_read_at_the_marks_and_enforced(
    mock: MockServer, alice: httpx.Client, bob: httpx.Client
) -> None:
    assert limits(alice) == {"default_notional_value_risk_limit": "10000000.0000",
                             "notional_value_risk_limits_by_market_ticker": {}, "total_current_usage": "0.000000",
                             "current_usage_by_market_ticker": {}}  # fmt: skip
    placed(bob, **order(BTC, "ask", "0.05", "100000"))
    placed(alice, **order(BTC, "bid", "0.05", "100000"))  # long 0.05 at the mark 100,000: 5,000
    placed(alice, **order(BTC, "bid", "0.02", "99000", client_order_id="rest"))  # + 1,980 of bids
    assert limits(alice)["current_usage_by_market_ticker"] == {BTC: "6980.000000"}
    mock.set_perp_marks(BTC, mark_price="110000")  # the position at the new mark: 5,500
    assert limits(alice)["total_current_usage"] == "7480.000000"
    # a market's own limit: an order past it is refused and changes nothing; one that lowers the usage is not
    mock.set_perps_notional_limit("alice", "8000", level="market", ticker=BTC)
    before = whole(mock)
    refused(alice, "notional_risk_limit_exceeded", **order(BTC, "bid", "0.01", "99000", client_order_id="more"))
    assert whole(mock) == before
    placed(alice, **order(BTC, "bid", "0.01", "50000", client_order_id="fits"))  # 7,980
    assert limits(alice)["notional_value_risk_limits_by_market_ticker"] == {BTC: "8000.0000"}
    # lowered below the usage, the resting orders are cancelled newest first until it is within
    mock.set_perps_notional_limit("alice", "7000", level="market", ticker=BTC)
    rows = {o["client_order_id"]: o for o in alice.get("/margin/orders").json()["orders"]}
    assert rows["fits"]["remaining_count"] == rows["rest"]["remaining_count"] == "0.00"
    assert limits(alice)["total_current_usage"] == "5500.000000"
    # the account's limit binds the sum over markets
    mock.set_perps_notional_limit("alice", None, level="market", ticker=BTC)
    mock.set_perps_notional_limit("alice", "6000", level="account")
    assert limits(alice)["effective_account_notional_value_risk_limit"] == "6000.0000"
    refused(alice, "notional_risk_limit_exceeded", **order(BTC, "bid", "0.01", "99000", client_order_id="x"))
    mock.set_perps_enabled("alice", False)
    assert alice.get("/margin/notional_risk_limit").status_code == 403


def test_an_fcm_members_subtraders_caps_and_own_limit(mock: MockServer, alice: httpx.Client) -> None:
    mock.create_account("fcm", fcm_member=True)
    with signed(mock, "fcm") as fcm:
        made = fcm.post("/margin/fcm/subtraders", json={"subtrader_suffix": "s1", "require_category_cap": False})
        assert made.status_code == 201 and made.json() == {"subtrader_id": "fcm_s1"}
        again = fcm.post("/margin/fcm/subtraders", json={"subtrader_suffix": "s1", "require_category_cap": False})
        assert again.status_code == 409
        denied = alice.post("/margin/fcm/subtraders", json={"subtrader_suffix": "s2", "require_category_cap": True})
        assert denied.status_code == 403
        cap = {"subtrader_id": "fcm_s1", "market_ticker": BTC, "im_cap": "100"}
        assert fcm.put("/margin/fcm/subtraders/risk_controls", json=cap).json() == {}
        mock.deposit("fcm_s1", 100_000)
        mock.intra_exchange_transfer("fcm_s1", "event_contract", "margined", 10_000_000)  # $1,000 of perps cash
        # 0.01 at 99,000 needs 99 of initial margin: within the cap of 100; 0.02 more would pass it
        mock.place_perp_order("fcm_s1", BTC, "bid", "0.01", "99000", "c1")
        with pytest.raises(ControlError, match="cap"):
            mock.place_perp_order("fcm_s1", BTC, "bid", "0.02", "99000", "c2")
        controls = fcm.get("/margin/fcm/subtraders/risk_controls", params={"subtrader_id": "fcm_s1"}).json()
        assert controls == {"risk_controls": [{"subtrader_id": "fcm_s1", "market_ticker": BTC, "im_cap": "100.0000",
                                               "current_im": "99.000000"}], "notional_limits": []}  # fmt: skip
        mock.set_perps_notional_limit("fcm_s1", "2000", level="account")
        asked = {"subtrader_id": "fcm_s1", "asset_class": "Crypto"}
        notional = fcm.get("/margin/fcm/subtraders/risk_controls", params=asked).json()
        assert notional == {
            "risk_controls": [],
            "notional_limits": [
                {"subtrader_id": "fcm_s1", "notional_value_risk_limit": "2000.0000", "current_notional": "990.000000"}
            ],
        }
        assert alice.get("/margin/fcm/subtraders/risk_controls", params={"subtrader_id": "fcm_s1"}).status_code == 403
        gone = fcm.delete("/margin/fcm/subtraders/risk_controls", params={"subtrader_id": "fcm_s1",
                                                                           "market_ticker": BTC})  # fmt: skip
        assert gone.status_code == 200 and gone.json() == {}
        assert fcm.delete("/margin/fcm/subtraders/risk_controls", params={"subtrader_id": "fcm_s1"}).status_code == 404
        # the member's own account limit: at most Kalshi's, the smaller one enforced
        mock.set_perps_notional_limit("fcm", "4000", level="account")
        assert fcm.put("/margin/fcm/notional_risk_limit", json={"notional_value_risk_limit": "5000"}).status_code == 400
        assert fcm.put("/margin/fcm/notional_risk_limit", json={"notional_value_risk_limit": "3000.5"}).json() == {}
        read = limits(fcm)
        assert (read["member_notional_value_risk_limit"], read["effective_account_notional_value_risk_limit"]) == (
            "3000.5000", "3000.5000")  # fmt: skip
        assert fcm.delete("/margin/fcm/notional_risk_limit").json() == {}
        read = limits(fcm)
        assert "member_notional_value_risk_limit" not in read
        assert read["effective_account_notional_value_risk_limit"] == "4000.0000"
        assert alice.put("/margin/fcm/notional_risk_limit", json={"notional_value_risk_limit": "1"}).status_code == 403
        for bad in ({"notional_value_risk_limit": "1.23456"}, {"notional_value_risk_limit": "-1"}, {}):
            assert fcm.put("/margin/fcm/notional_risk_limit", json=bad).status_code == 400, bad
        # the spec's pattern (digits, up to 4 places, no sign) and its 20 characters, on both amounts
        for text in ("+1", "1.", ".5", " 1", "-0", "1e3", "\uff11", "0" * 20 + "1", "1" * 16 + ".1234"):
            put = fcm.put("/margin/fcm/notional_risk_limit", json={"notional_value_risk_limit": text})
            assert put.status_code == 400 and put.json()["error"]["code"] == "bad_request", text
            cap = {"subtrader_id": "fcm_s1", "im_cap": text}
            assert fcm.put("/margin/fcm/subtraders/risk_controls", json=cap).status_code == 400, text
        assert (
            fcm.put("/margin/fcm/notional_risk_limit", json={"notional_value_risk_limit": "0" * 19 + "1"}).json() == {}
        )
        # a read's scope is a market or an asset class, not both; a delete names its subtrader
        both = {"subtrader_id": "fcm_s1", "market_ticker": BTC, "asset_class": "Crypto"}
        answer = fcm.get("/margin/fcm/subtraders/risk_controls", params=both)
        assert answer.status_code == 400 and answer.json()["error"]["code"] == "invalid_parameters", answer.text
        answer = fcm.delete("/margin/fcm/subtraders/risk_controls")
        assert answer.status_code == 400 and "'SubtraderId' failed on the 'required' tag" in answer.text, answer.text


class _WallAuth(httpx.Auth):
    """Kalshi's signature at the time of the mock's wall clock (a ManualClock: its buckets refill only when moved)."""

    def __init__(self, signer: KalshiSigner, wall: ManualClock) -> None:
        self.signer, self.wall = signer, wall

    def auth_flow(self, request: httpx.Request) -> Iterator[httpx.Request]:
        request.headers.update(self.signer.headers(request.method, request.url.raw_path.decode(), epoch_ms(self.wall)))
        yield request


def test_perps_requests_spend_the_margined_instances_own_buckets() -> None:
    """Under the basic tier each request costs 10 tokens: 20 reads a second and 10 writes, apart from Kalshi's; the
    limiters read the mock's wall clock, a ManualClock here, so no bucket refills while the test runs."""
    wall = ManualClock(datetime.now(UTC))
    with MockServer(clock=ManualClock(T0), wall_clock=wall) as mock:
        ready(mock)

        def client(user_id: str) -> httpx.Client:
            key = mock.create_key(user_id)
            auth = _WallAuth(KalshiSigner.from_pem(key["key_id"], key["private_key_pem"]), wall)
            return httpx.Client(base_url=mock.kalshi_url, auth=auth, timeout=10, event_hooks={"response": [check]})

        with client("alice") as alice:
            limits = alice.get("/account/limits/perps").json()
            assert (limits["usage_tier"], limits["grants"]) == ("basic", [])
            mock.grant_api_usage_level("alice", "premier", exchange_instance="margined")
            limits = alice.get("/account/limits/perps").json()
            assert limits["usage_tier"] == "premier" and limits["write"] == {
                "refill_rate": 1000,
                "bucket_capacity": 2000,
            }
            assert [g["exchange_instance"] for g in limits["grants"]] == ["margined"]
        mock.set_rate_limit_tier("basic")
        with client("bob") as bob:
            answers = [bob.delete("/margin/orders").status_code for _ in range(11)]
            assert answers[:10] == [204] * 10 and answers[10] == 429
            assert bob.delete("/margin/orders").json() == {"error": "too many requests"}
            assert bob.get("/margin/balance").status_code == 200  # (the read bucket is its own)
            wall.advance(0.1)  # one write's tokens back
            assert [bob.delete("/margin/orders").status_code for _ in range(2)] == [204, 429]


def test_the_margin_balance_costs_5_tokens_and_50_computing_the_available_balance() -> None:
    """GetMarginBalance's note: 5 tokens a request, 50 with `compute_available_balance=true` (every other request 10):
    under the basic tier's read bucket of 200 tokens, 40 reads and then a 429; refilled, 4 computing ones."""
    wall = ManualClock(datetime.now(UTC))
    with MockServer(clock=ManualClock(T0), wall_clock=wall, rate_limit_tier="basic") as mock:
        ready(mock)
        key = mock.create_key("alice")
        auth = _WallAuth(KalshiSigner.from_pem(key["key_id"], key["private_key_pem"]), wall)
        with httpx.Client(base_url=mock.kalshi_url, auth=auth, timeout=10) as alice:
            answers = [alice.get("/margin/balance").status_code for _ in range(41)]
            assert answers == [200] * 40 + [429]
            wall.advance(1)  # (the bucket full again)
            computing = [alice.get("/margin/balance?compute_available_balance=true").status_code for _ in range(5)]
            assert computing == [200] * 4 + [429]
            wall.advance(1)
            assert [alice.get("/margin/positions").status_code for _ in range(21)] == [200] * 20 + [429]
