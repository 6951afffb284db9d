"""The perps exchange's risk limits rule by rule over real HTTP (core/perps/risk_limits.py): a user's default limit for
every market (its own, not another user's), a usage that reaches a limit exactly, an order that leaves a usage above
a limit where it was, the usage of every subaccount of the user counted together, an account limit lowered below the
usage, an FCM member's own limit at Kalshi's exactly, and initial margin caps scoped to every market, to one market or
to an asset class; each refusal's code on the wire and its words in the diagnosis."""

from __future__ import annotations

import httpx
import pytest
from perps_fixtures import alice_client, bob_client, fresh, module_server  # noqa: F401  (fixtures)
from perps_http import BTC, ETH, open_subaccount, order, placed, refusal, signed

from mockexchange.server import MockServer

SOL = "SOL-PERP"  # listed with an asset class, Crypto


def limits(client: httpx.Client) -> dict:
    answer = client.get("/margin/notional_risk_limit")
    assert answer.status_code == 200, answer.text
    return answer.json()


def resting(client: httpx.Client) -> list[str]:
    orders = client.get("/margin/orders").json()["orders"]
    return sorted(o["client_order_id"] for o in orders if o["remaining_count"] != "0.00")


def test_a_users_default_limit_binds_each_market_without_its_own_up_to_the_limit_exactly(
    mock: MockServer, alice: httpx.Client, bob: httpx.Client
) -> None:
    mock.set_perps_notional_limit("alice", "3000", level="default")
    mock.set_perps_notional_limit("alice", "5000", level="market", ticker=ETH)
    assert limits(alice)["default_notional_value_risk_limit"] == "3000.0000"
    assert limits(bob)["default_notional_value_risk_limit"] == "10000000.0000"  # (another user's default)
    placed(alice, **order(ETH, "bid", "1", "2000"))  # ETH has its own limit: 2,000 twice is within it
    placed(alice, **order(ETH, "bid", "1", "2000", client_order_id="eth-2"))
    placed(alice, **order(BTC, "bid", "0.03", "100000"))  # 3,000: the default exactly
    answer = alice.post("/margin/orders", json=order(BTC, "bid", "0.01", "99000"))  # (BTC's usage alone counts)
    assert "notional in BTC-PERP past the limit" in refusal(answer, 400, "notional_risk_limit_exceeded")
    placed(bob, **order(BTC, "bid", "0.05", "90000"))  # 4,500: bob's default is the exchange's


def test_an_order_that_leaves_a_usage_above_its_limit_where_it_was_is_placed(
    mock: MockServer, alice: httpx.Client, bob: httpx.Client
) -> None:
    """Alice is long 0.05 (5,000 at the mark); limits lowered to 4,000 leave her over them. An ask above the book
    adds nothing to her larger side: placed, under the market's limit and the account's."""
    placed(bob, **order(BTC, "ask", "0.05", "100000"))
    placed(alice, **order(BTC, "bid", "0.05", "100000"))
    mock.set_perps_notional_limit("alice", "4000", level="market", ticker=BTC)
    placed(alice, **order(BTC, "ask", "0.01", "120000", client_order_id="ask-1"))
    mock.set_perps_notional_limit("alice", None, level="market", ticker=BTC)
    mock.set_perps_notional_limit("alice", "4000", level="account")
    placed(alice, **order(BTC, "ask", "0.01", "121000", client_order_id="ask-2"))
    answer = alice.post("/margin/orders", json=order(BTC, "bid", "0.01", "90000"))
    assert "account's notional past its limit" in refusal(answer, 400, "notional_risk_limit_exceeded")


def test_every_subaccount_of_the_user_counts_toward_its_limits(
    mock: MockServer, alice: httpx.Client, bob: httpx.Client
) -> None:
    """Subaccount 2 holds 0.01 long (1,000), subaccount 1 bids 0.01 (990), the primary 0.01 (1,000): 2,990 in all;
    with the market's limit at 3,000 a bid from any of them is refused."""
    open_subaccount(alice, 1, 200_000)
    open_subaccount(alice, 2, 200_000)
    placed(bob, **order(BTC, "ask", "0.01", "100000"))
    placed(alice, **order(BTC, "bid", "0.01", "100000", subaccount=2, client_order_id="sub2-long"))
    placed(alice, **order(BTC, "bid", "0.01", "99000", subaccount=1, client_order_id="sub1-bid"))
    placed(alice, **order(BTC, "bid", "0.01", "100000", client_order_id="main-bid"))
    assert limits(alice)["current_usage_by_market_ticker"] == {BTC: "2990.000000"}
    mock.set_perps_notional_limit("alice", "3000", level="market", ticker=BTC)
    for subaccount in (0, 1, 2):
        answer = alice.post("/margin/orders", json=order(BTC, "bid", "0.01", "90000", subaccount=subaccount))
        refusal(answer, 400, "notional_risk_limit_exceeded")
    assert resting(alice) == ["main-bid", "sub1-bid"]


def test_an_order_is_counted_once_beside_its_own_subaccounts_orders(mock: MockServer, alice: httpx.Client) -> None:
    """With a subaccount opened, a second bid of the primary's takes its market to 2,000, within 2,500."""
    open_subaccount(alice, 1, 100_000)
    placed(alice, **order(BTC, "bid", "0.01", "100000", client_order_id="one"))
    mock.set_perps_notional_limit("alice", "2500", level="market", ticker=BTC)
    placed(alice, **order(BTC, "bid", "0.01", "100000", client_order_id="two"))
    assert limits(alice)["current_usage_by_market_ticker"] == {BTC: "2000.000000"}


def test_a_limit_lowered_below_the_usage_cancels_the_newest_orders_until_within(
    mock: MockServer, alice: httpx.Client
) -> None:
    placed(alice, **order(BTC, "bid", "0.01", "100000", client_order_id="first"))
    placed(alice, **order(ETH, "bid", "1", "2000", client_order_id="second"))
    placed(alice, **order(BTC, "bid", "0.01", "100000", client_order_id="third"))  # 4,000 in all, 2,000 in BTC
    mock.set_perps_notional_limit("alice", "2000", level="market", ticker=BTC)  # exactly: nothing cancelled
    mock.set_perps_notional_limit("alice", "4000", level="account")  # exactly: nothing cancelled
    assert resting(alice) == ["first", "second", "third"]
    mock.set_perps_notional_limit("alice", "2500", level="account")  # the two newest go: 1,000 left
    assert resting(alice) == ["first"]
    placed(alice, **order(ETH, "bid", "1", "1500", client_order_id="fourth"))  # 2,500: the account's limit exactly


def test_a_members_own_limit_may_equal_kalshis_and_no_more(mock: MockServer, alice: httpx.Client) -> None:
    mock.create_account("fcm", fcm_member=True)
    mock.set_perps_notional_limit("fcm", "4000", level="account")
    with signed(mock, "fcm") as fcm:
        assert fcm.put("/margin/fcm/notional_risk_limit", json={"notional_value_risk_limit": "4000"}).json() == {}
        answer = fcm.put("/margin/fcm/notional_risk_limit", json={"notional_value_risk_limit": "4000.0001"})
        why = refusal(answer, 400, "invalid_parameters")
        assert "may not be above Kalshi's account limit (4000.0000 dollars)" in why
    answer = alice.put("/margin/fcm/notional_risk_limit", json={"notional_value_risk_limit": "1"})
    assert "'alice' is not an FCM member" in refusal(answer, 403, "forbidden")


@pytest.fixture
def subtrader(mock: MockServer) -> str:
    """fcm's subtrader fcm_s1 with $1,000 of perps cash; SOL-PERP listed as Crypto at 100 (BTC and ETH have no
    asset class)."""
    mock.create_account("fcm", fcm_member=True)
    mock.create_fcm_subtrader("fcm", "s1")
    mock.deposit("fcm_s1", 100_000)
    mock.intra_exchange_transfer("fcm_s1", "event_contract", "margined", 10_000_000)
    mock.list_perp_market(SOL, "100", asset_class="Crypto")
    return "fcm_s1"


def test_an_initial_margin_cap_on_an_asset_class_binds_its_markets_alone(mock: MockServer, subtrader: str) -> None:
    with signed(mock, "fcm") as fcm:
        cap = {"subtrader_id": subtrader, "asset_class": "Crypto", "im_cap": "20"}
        assert fcm.put("/margin/fcm/subtraders/risk_controls", json=cap).json() == {}
        mock.place_perp_order(subtrader, SOL, "bid", "2", "100", "sol-1")  # 20 of initial margin: the cap exactly
        with signed(mock, subtrader) as own:
            answer = own.post("/margin/orders", json=order(SOL, "bid", "1", "90"))
            assert "initial margin past its cap" in refusal(answer, 400, "im_cap_exceeded")
            placed(own, **order(BTC, "bid", "0.01", "90000"))  # 90: BTC is of no asset class
        controls = fcm.get("/margin/fcm/subtraders/risk_controls", params={"subtrader_id": subtrader}).json()
        assert controls["risk_controls"] == [
            {"subtrader_id": subtrader, "asset_class": "Crypto", "im_cap": "20.0000", "current_im": "20.000000"}
        ]


def test_an_initial_margin_cap_over_every_market_binds_them_all(mock: MockServer, subtrader: str) -> None:
    with signed(mock, "fcm") as fcm:
        assert (
            fcm.put("/margin/fcm/subtraders/risk_controls", json={"subtrader_id": subtrader, "im_cap": "100"}).json()
            == {}
        )
        mock.place_perp_order(subtrader, SOL, "bid", "2", "100", "sol-1")  # 20
        with signed(mock, subtrader) as own:
            refusal(own.post("/margin/orders", json=order(BTC, "bid", "0.01", "90000")), 400, "im_cap_exceeded")
            placed(own, **order(BTC, "bid", "0.01", "80000"))  # 80: 100 in all
        row = fcm.get("/margin/fcm/subtraders/risk_controls", params={"subtrader_id": subtrader}).json()
        assert row["risk_controls"] == [{"subtrader_id": subtrader, "im_cap": "100.0000", "current_im": "100.000000"}]


def test_a_cap_names_a_listed_market_a_subtrader_of_the_member_and_one_it_set(mock: MockServer, subtrader: str) -> None:
    mock.create_account("other", fcm_member=True)
    mock.create_fcm_subtrader("other", "s9")
    with signed(mock, "fcm") as fcm:
        unknown = {"subtrader_id": subtrader, "market_ticker": "NOPE-PERP", "im_cap": "10"}
        answer = fcm.put("/margin/fcm/subtraders/risk_controls", json=unknown)
        assert "market 'NOPE-PERP' not found" in refusal(answer, 404, "not_found")
        answer = fcm.delete("/margin/fcm/subtraders/risk_controls", params={"subtrader_id": subtrader})
        assert f"an initial margin cap of {subtrader!r} there not found" in refusal(answer, 404, "not_found")
        answer = fcm.get("/margin/fcm/subtraders/risk_controls", params={"subtrader_id": "other_s9"})
        assert "subtrader 'other_s9' of 'fcm' not found" in refusal(answer, 404, "not_found")


def test_a_member_lowering_its_own_limit_cancels_its_newest_orders_and_an_unset_limit_removes_quietly(
    mock: MockServer,
) -> None:
    mock.create_account("fcm", fcm_member=True)
    mock.deposit("fcm", 100_000)
    mock.intra_exchange_transfer("fcm", "event_contract", "margined", 10_000_000)
    mock.set_perps_notional_limit("fcm", None, level="account")  # none set: nothing to remove, nothing refused
    with signed(mock, "fcm") as fcm:
        placed(fcm, **order(BTC, "bid", "0.01", "100000", client_order_id="older"))
        placed(fcm, **order(BTC, "bid", "0.01", "100000", client_order_id="newer"))
        assert fcm.put("/margin/fcm/notional_risk_limit", json={"notional_value_risk_limit": "1500"}).json() == {}
        assert resting(fcm) == ["older"]
