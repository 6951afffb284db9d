"""The perps exchange's reads of what the control plane sets, over real HTTP: the fee rates of a user's tier in each
market and the schedule's tiers, the corporate action notices (their terms by type, changed in place, filtered by
market). Every answer is checked against the spec's schema (perps_http.py)."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from perps_fixtures import alice_client, fresh, module_server  # noqa: F401  (fixtures)
from perps_http import BTC, ETH, T0, order, placed, public, ready, signed, whole

from mockexchange.control.errors import ControlError
from mockexchange.core.clock import ManualClock
from mockexchange.core.perps import corporate_actions
from mockexchange.server import MockServer


def test_fee_reads_follow_the_users_tier(mock: MockServer, alice: httpx.Client) -> None:
    tiers = alice.get("/margin/fee_tiers").json()
    assert tiers == {"maker_fee_rates": {BTC: 0.0002, ETH: 0.0002}, "taker_fee_rates": {BTC: 0.0005, ETH: 0.0005}}
    mock.set_perps_fee_tier("alice", 2)
    tiers = alice.get("/margin/fee_tiers").json()
    assert tiers == {"maker_fee_rates": {BTC: 0, ETH: 0}, "taker_fee_rates": {BTC: 0.0003, ETH: 0.0003}}
    rates = alice.get("/margin/fee_tier_rates").json()["fee_tier_rates"]
    assert [(r["fee_schedule"], r["tier"], r["maker_fee_rate"], r["taker_fee_rate"]) for r in rates] == [
        ("kalshi_prime", 0, 0.0002, 0.0005), ("kalshi_prime", 1, 0.0001, 0.0004), ("kalshi_prime", 2, 0, 0.0003),
    ]  # fmt: skip
    # a fill pays its user's tier: alice's taker fill at 3 bps, bob's maker fill at tier 0's 2 bps
    placed(signed(mock, "bob"), **order(BTC, "ask", "0.01", "100000"))
    taken = placed(alice, **order(BTC, "bid", "0.01", "100000"))
    assert taken["average_fee_paid"] == "30.000000"  # 0.0003 x 1,000 over 0.01
    assert signed(mock, "bob").get("/margin/fills").json()["fills"][0]["fees"] == "0.200000"
    mock.set_perps_enabled("alice", False)
    refused = alice.get("/margin/fee_tier_rates")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "margin_not_enabled"


def test_corporate_actions_are_what_the_control_plane_set(mock: MockServer) -> None:
    anyone = public(mock)
    assert anyone.get("/margin/corporate_actions").json() == {"corporate_actions": []}
    split = mock.set_perp_corporate_action(BTC, "stock_split", ratio_old="1", ratio_new="2", ex_date="2026-12-01",
                                           execution_time="2026-12-01T14:30:00Z")  # fmt: skip
    mock.app.control.parts.clock.set(T0 + timedelta(minutes=5))
    mock.set_perp_corporate_action(ETH, "cash_dividend", action_id="div-1", cash_per_share="0.56")
    btc_id = mock.app.control.perps.state.markets[BTC].market_id
    rows = anyone.get("/margin/corporate_actions").json()["corporate_actions"]
    assert rows == [
        {"id": split["action_id"], "market_id": btc_id, "market_ticker": BTC, "type": "stock_split",
         "status": "scheduled", "updated_ts": "2026-11-02T15:00:00.000000Z",
         "execution_time": "2026-12-01T14:30:00.000000Z",
         "split": {"ratio_old": "1", "ratio_new": "2", "ex_date": "2026-12-01"}},
        {"id": "div-1", "market_id": rows[1]["market_id"], "market_ticker": ETH, "type": "cash_dividend",
         "status": "scheduled", "updated_ts": "2026-11-02T15:05:00.000000Z", "cash": {"cash_per_share": "0.5600"}},
    ]  # fmt: skip
    assert [r["id"] for r in anyone.get("/margin/corporate_actions", params={"ticker": ETH}).json()[
        "corporate_actions"]] == ["div-1"]  # fmt: skip
    by_id = anyone.get("/margin/corporate_actions", params={"market_id": btc_id}).json()["corporate_actions"]
    assert [r["id"] for r in by_id] == [split["action_id"]]
    # the same id changes the notice in place: cancelled, it has no terms
    mock.set_perp_corporate_action(ETH, "cash_dividend", action_id="div-1", status="cancelled")
    cancelled = anyone.get("/margin/corporate_actions", params={"ticker": ETH}).json()["corporate_actions"]
    assert [(r["status"], "cash" in r) for r in cancelled] == [("cancelled", False)]
    # two notices without an ex-date updated at one instant are in the order of their ids; another market's id is
    # refused
    mock.set_perp_corporate_action(BTC, "stock_split", action_id=split["action_id"], status="cancelled")
    rows = anyone.get("/margin/corporate_actions").json()["corporate_actions"]
    assert [r["id"] for r in rows] == sorted(["div-1", split["action_id"]])
    before = whole(mock)
    with pytest.raises(ControlError) as taken:
        mock.set_perp_corporate_action(BTC, "cash_dividend", action_id="div-1", cash_per_share="1")
    assert (taken.value.status, str(taken.value)) == (409, "corporate action 'div-1' is another market's")
    assert whole(mock) == before
    # terms not of the type, or missing, are refused and change nothing
    for wrong in (
        {"type": "stock_split", "ratio_old": "1"},
        {"type": "spin_off", "cash_per_share": "1"},
        {"type": "cash_dividend", "ex_date": "2026-13-01"},
        {"type": "ticker_change", "old_ticker": "A"},
    ):
        with pytest.raises(ControlError):
            mock.set_perp_corporate_action(BTC, **wrong)
    assert whole(mock) == before


def test_the_notices_kept_are_the_newest(mock: MockServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(corporate_actions, "MAX_NOTICES", 2)
    for n in (1, 2, 3):
        mock.set_perp_corporate_action(BTC, "cash_dividend", action_id=f"div-{n}", cash_per_share="0.5")
    rows = public(mock).get("/margin/corporate_actions").json()["corporate_actions"]
    assert [r["id"] for r in rows] == ["div-2", "div-3"]


def test_each_user_and_market_keeps_a_bounded_past() -> None:
    """With perps_history_size 3: a user's newest 3 fills and ended orders, a market's newest 3 trades; its resting
    orders always; a forgotten order's id is 404 and it leaves its group."""
    with MockServer(clock=ManualClock(T0), perps_history_size=3) as mock:
        ready(mock)
        with signed(mock, "alice") as alice, signed(mock, "bob") as bob:
            group_id = alice.post("/margin/order_groups/create", json={"contracts_limit": 100}).json()["order_group_id"]
            rest = placed(alice, **order(ETH, "bid", "1", "2900", client_order_id="rest"))["order_id"]
            ids = []
            for n in range(5):
                ids.append(placed(alice, **order(ETH, "bid", "1", "3000", client_order_id=f"b{n}",
                                                 order_group_id=group_id))["order_id"])  # fmt: skip
                placed(bob, **order(ETH, "ask", "1", "3000", client_order_id=f"a{n}"))
            orders = [o["order_id"] for o in alice.get("/margin/orders").json()["orders"]]
            assert orders == [*reversed(ids[2:]), rest]
            assert alice.get(f"/margin/orders/{ids[1]}").status_code == 404
            assert alice.get(f"/margin/order_groups/{group_id}").json()["orders"] == ids[2:]
            assert [f["order_id"] for f in alice.get("/margin/fills").json()["fills"]] == list(reversed(ids[2:]))
            assert len(public(mock).get("/margin/trades", params={"ticker": ETH}).json()["trades"]) == 3
            # the market's own figures count every trade
            assert public(mock).get(f"/margin/markets/{ETH}").json()["market"]["volume"] == "5.00"
            # an order cancelled as it is placed (reduce-only, with nothing to close) is an ended one too
            nothing = {"reduce_only": True, "time_in_force": "immediate_or_cancel"}
            bob_ids = [placed(bob, **order(BTC, "bid", "0.01", "1", client_order_id=f"r{n}", **nothing))["order_id"]
                       for n in range(4)]  # fmt: skip
            assert [o["order_id"] for o in bob.get("/margin/orders").json()["orders"]] == list(reversed(bob_ids[1:]))


def test_candlesticks_are_the_markets_trades_and_book_moves(mock: MockServer) -> None:
    clock = mock.app.control.parts.clock
    with signed(mock, "alice") as alice, signed(mock, "bob") as bob:
        placed(alice, **order(BTC, "bid", "0.10", "99000"))
        placed(bob, **order(BTC, "ask", "0.20", "101000"))
        clock.set(T0 + timedelta(seconds=30))
        placed(bob, **order(BTC, "ask", "0.10", "99000", client_order_id="hit"))  # takes the bid whole
        clock.set(T0 + timedelta(seconds=90))
        placed(alice, **order(BTC, "bid", "0.05", "101000", client_order_id="lift"))
        start = int(T0.timestamp())
        asked = {"start_ts": start, "end_ts": start + 3600, "period_interval": 1}
        answer = public(mock).get(f"/margin/markets/{BTC}/candlesticks", params=asked).json()
    assert answer["ticker"] == BTC
    opening, first, second = answer["candlesticks"]  # (the orders rested at the start: the period ending then)
    assert (opening["end_period_ts"], opening["bid"]["close"], opening["price"]["close"]) == (start, "99000.0000", None)
    assert first == {
        "end_period_ts": start + 60,
        "bid": {"open": "99000.0000", "low": "0.0000", "high": "99000.0000", "close": "0.0000"},
        "ask": {"open": "101000.0000", "low": "101000.0000", "high": "101000.0000", "close": "101000.0000"},
        "price": {"open": "99000.0000", "low": "99000.0000", "high": "99000.0000", "close": "99000.0000",
                  "mean": "99000.0000", "previous": None},
        "volume": "0.10", "volume_notional_value_dollars": "9900.000000", "open_interest": "0.10",
        "open_interest_notional_value_dollars": "9900.000000",
    }  # fmt: skip
    assert (second["end_period_ts"], second["price"]["close"], second["price"]["previous"]) == (
        start + 120, "101000.0000", "99000.0000")  # fmt: skip
    assert (second["volume"], second["open_interest"]) == ("0.05", "0.15")
    # the latest candle before a start is moved to it, its prices null; a bad interval is 400, an unknown market 404
    later = public(mock).get(f"/margin/markets/{BTC}/candlesticks", params=asked | {
        "start_ts": start + 600, "include_latest_before_start": "true"}).json()["candlesticks"]  # fmt: skip
    assert [(c["end_period_ts"], c["price"]["close"], c["price"]["previous"]) for c in later] == [
        (start + 600, None, "101000.0000")]  # fmt: skip
    assert (later[0]["volume"], later[0]["volume_notional_value_dollars"]) == ("0.00", "0.000000")  # (no trade)
    assert later[0]["open_interest"] == second["open_interest"]
    assert (
        public(mock).get(f"/margin/markets/{BTC}/candlesticks", params=asked | {"period_interval": 5}).status_code
        == 400
    )
    assert public(mock).get("/margin/markets/NOPE/candlesticks", params=asked).status_code == 404


def test_corporate_actions_are_the_scheduled_and_the_weeks_by_ex_date(mock: MockServer) -> None:
    """The spec: the scheduled notices and those updated in the last seven days, by ex-date (execution_time) earliest
    first, those without one last, ties by updated_ts then id."""
    clock = mock.app.control.parts.clock

    def split(action_id: str, when: str | None, **terms: str) -> None:
        timing = {"execution_time": f"{when}T14:30:00Z", "ex_date": when} if when else {}
        mock.set_perp_corporate_action(BTC, "stock_split", action_id=action_id, ratio_old="1", ratio_new="2",
                                       **timing, **terms)  # fmt: skip

    split("old-applied", "2026-11-03", status="applied")
    split("old-scheduled", "2026-12-10")
    clock.set(T0 + timedelta(days=10))
    split("b-later", "2026-12-20")
    split("z-none", None)
    split("a-earlier", "2026-12-01")
    split("a-tie", "2026-12-01")
    rows = public(mock).get("/margin/corporate_actions").json()["corporate_actions"]
    assert [row["id"] for row in rows] == ["a-earlier", "a-tie", "old-scheduled", "b-later", "z-none"]
