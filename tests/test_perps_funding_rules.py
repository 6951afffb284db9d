"""Funding's rules at their edges, over real HTTP on a ManualClock (core/perps/funding.py, docs/perps.md): the funding
limits in both units (a cap that clamps the rate, a deadband the premium sits exactly on, one it is beyond), estimated
and paid; a market listed off the hour funded first on the hour; the estimate at a funding time (no whole bar yet: no
premium) and a second later; every holder paid whoever traded first, each position's funding summed over its payments
(the inspector's account), and the inspector's feed told of a payment; a payment that takes an account under the
liquidation threshold liquidates it then; and, in the core alone, the rates and payments kept bounded by the history
size. Every answer is checked against the spec's schema (perps_http.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
from perps_core import OwnCash
from perps_fixtures import alice_client, bob_client, fresh, module_server  # noqa: F401  (fixtures)
from perps_http import BTC, ETH, T0, fund, order, placed, public, signed
from test_inspector_api import Events

from mockexchange.core.clock import ManualClock
from mockexchange.core.events import EventBus
from mockexchange.core.perps.exchange import PerpsExchange
from mockexchange.core.perps.market_commands import ListPerpMarket
from mockexchange.core.perps.order_commands import PlacePerpOrder
from mockexchange.core.perps.risk_limits import NoMembers
from mockexchange.core.perps.units import DOLLAR, PRICE
from mockexchange.server import MockServer

HOUR = timedelta(hours=1)
# Each market at 100,000 with the book 100,100 bid and 100,200 asked: a premium of 0.001 (as test_perps_funding.py's)
LIMITS = {
    "P-CAP": ({"funding_cap": "0.05"}, 0.0005),  # percent: a cap of 0.0005 clamps it
    "P-BAND": ({"funding_deadband": "0.1"}, 0),  # percent: a deadband of 0.001, which the premium sits on: 0
    "D-CAP": ({"funding_limit_unit": "dollar", "funding_cap": "50"}, 0.0005),  # $50 over the mark of 100,000
    "D-BAND": ({"funding_limit_unit": "dollar", "funding_deadband": "100"}, 0),  # $100 over it: 0.001
    "P-OUT": ({"funding_deadband": "0.05"}, 0.001),  # a deadband of 0.0005: the premium is beyond it
    # $50: 0.0005, beyond it too (a cap of $500 over it: the default cap, 4, would be $4 in this unit)
    "D-OUT": ({"funding_limit_unit": "dollar", "funding_deadband": "50", "funding_cap": "500"}, 0.001),
}


def _z(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _with_premium(alice: httpx.Client, bob: httpx.Client, ticker: str) -> None:
    placed(alice, **order(ticker, "bid", "0.01", "100100", client_order_id=f"{ticker}-bid"))
    placed(bob, **order(ticker, "ask", "0.01", "100200", client_order_id=f"{ticker}-ask"))


def _estimate(mock: MockServer, ticker: str) -> dict:
    with public(mock) as anyone:
        return anyone.get("/margin/funding_rates/estimate", params={"ticker": ticker}).json()


def test_funding_limits_clamp_the_rate_in_both_units(mock: MockServer, alice: httpx.Client, bob: httpx.Client) -> None:
    for ticker, (limits, _) in LIMITS.items():
        mock.list_perp_market(ticker, "100000", tick_size="0.5", contract_size="0.001", **limits)
        _with_premium(alice, bob, ticker)
    _with_premium(alice, bob, BTC)  # (the default limits: the premium itself)
    mock.advance_clock(seconds=1200)
    assert {t: _estimate(mock, t)["funding_rate"] for t in [*LIMITS, BTC]} == {
        **{ticker: rate for ticker, (_, rate) in LIMITS.items()}, BTC: 0.001
    }  # fmt: skip
    mock.advance_clock(seconds=2400)  # the funding time: each paid at its clamped rate
    with public(mock) as anyone:
        rates = anyone.get("/margin/funding_rates/historical", params={"start_ts": int((T0 + HOUR).timestamp())})
    paid = {r["market_ticker"]: r["funding_rate"] for r in rates.json()["funding_rates"]}
    assert paid == {**{ticker: rate for ticker, (_, rate) in LIMITS.items()}, BTC: 0.001, ETH: 0}


def test_a_market_listed_off_the_hour_is_first_funded_on_the_hour(mock: MockServer) -> None:
    mock.advance_clock(seconds=20 * 60)
    mock.list_perp_market("SOL-PERP", "150", tick_size="0.01")
    assert _estimate(mock, "SOL-PERP")["next_funding_time"] == _z(T0 + HOUR)
    mock.advance_clock(seconds=40 * 60)
    assert _estimate(mock, "SOL-PERP")["next_funding_time"] == _z(T0 + 2 * HOUR)


def test_the_estimate_at_a_funding_time_has_no_premium_until_a_bar_is_whole(
    mock: MockServer, alice: httpx.Client, bob: httpx.Client
) -> None:
    _with_premium(alice, bob, BTC)
    mock.advance_clock(seconds=3600)  # the funding time itself: the new period has no whole bar
    at_funding = _estimate(mock, BTC)
    assert (at_funding["funding_rate"], at_funding["computed_time"]) == (0, _z(T0 + HOUR))
    assert "premium_index" not in at_funding and "premium_index_ts" not in at_funding
    mock.advance_clock(seconds=1)  # its first bar is whole
    first = _estimate(mock, BTC)
    assert (first["funding_rate"], first["premium_index"], first["premium_index_ts"]) == (0.001, "0.001", _z(T0 + HOUR))


def test_every_holder_is_paid_whoever_traded_first(mock: MockServer, alice: httpx.Client, bob: httpx.Client) -> None:
    """Carol trades ETH before anyone trades BTC: BTC's funding still pays its holders, after her (as the history and
    each position's funding, summed over two payments, show)."""
    fund(mock, "carol", 10_000)
    with signed(mock, "carol") as carol:
        placed(carol, **order(ETH, "bid", "1", "3000"))
        placed(bob, **order(ETH, "ask", "1", "3000"))
    placed(alice, **order(BTC, "bid", "0.1", "100000"))
    placed(bob, **order(BTC, "ask", "0.1", "100000"))
    _with_premium(alice, bob, BTC)
    mock.advance_clock(seconds=2 * 3600)
    asked = {"start_date": "2026-11-02", "end_date": "2026-11-02"}
    for client, user in ((alice, "alice"), (bob, "bob")):
        history = client.get("/margin/funding_history", params=asked).json()["funding_history"]
        btc = [h["funding_amount"] for h in history if h["market_ticker"] == BTC]
        assert len(btc) == 2 and all(amount != "0.000000" for amount in btc), (user, history)
        shown = httpx.get(f"{mock.base_url}/_admin/accounts/{user}", timeout=10).json()["perps"]["positions"]
        (position,) = [p for p in shown if p["market_ticker"] == BTC]
        assert position["funding"] == f"{sum(float(a) for a in btc):.6f}" and btc[0] == btc[1], user


def test_a_funding_payment_tells_the_inspectors_feed_of_its_holders(
    mock: MockServer, alice: httpx.Client, bob: httpx.Client
) -> None:
    placed(alice, **order(BTC, "bid", "0.1", "100000"))
    placed(bob, **order(BTC, "ask", "0.1", "100000"))
    events = Events(mock)
    try:
        events.wait_for("hello")
        mock.advance_clock(seconds=3600)  # (the clock's move names nobody: the payments name their holders)
        events.wait_for("state", lambda d: d["users"] and set(d["users"]["perps"]) == {"alice", "bob"})
    finally:
        events.close()


def test_an_account_a_funding_payment_takes_below_the_threshold_is_liquidated_then(
    mock: MockServer, alice: httpx.Client, bob: httpx.Client
) -> None:
    """Alice long 0.1 BTC pays $10 of funding at 16:00 (a rate of 0.001 at 100,000): the liquidation threshold set
    $5 of equity under her ratio, the payment takes her under it, and she is liquidated at the funding time."""
    placed(alice, **order(BTC, "bid", "0.1", "100000"))
    placed(bob, **order(BTC, "ask", "0.1", "100000"))
    _with_premium(alice, bob, BTC)
    balance = alice.get("/margin/balance").json()["subaccount_balances"][0]
    equity, maintenance = (Decimal(balance[name]) for name in ("account_equity", "maintenance_margin"))
    threshold = ((equity - 5) / maintenance).quantize(Decimal("1e-6"))
    mock.set_perps_risk_parameters(liquidation_margin_ratio_threshold=str(threshold),
                                   queue_entry_margin_ratio_threshold="100")  # fmt: skip
    assert mock.perps_liquidations("alice")["liquidations"] == []
    mock.advance_clock(seconds=3600)
    (record,) = mock.perps_liquidations("alice")["liquidations"]
    assert (record["created"], Decimal(record["equity"])) == ((T0 + HOUR).isoformat(), equity - 10)


def test_the_funding_kept_is_bounded_by_the_history_size() -> None:
    """The exchange's core alone, its history size 2: three funding times keep the newest two rates and payments."""
    exchange = PerpsExchange(ManualClock(T0), EventBus(), lambda: "id", history_size=2)
    cash = OwnCash()
    exchange.use_cash(cash, NoMembers())
    exchange.listing.list_market(ListPerpMarket(ETH, 3000 * PRICE))
    for user, side in (("alice", "bid"), ("bob", "ask")):
        cash.move(user, 10_000 * DOLLAR, 0)
        exchange.trading.place(PlacePerpOrder(user, ETH, side, 100, 3000 * PRICE, f"{user}-1"))
    exchange.state.clock.set(T0 + 3 * HOUR)
    exchange.run_due()
    times = [T0 + 2 * HOUR, T0 + 3 * HOUR]
    assert [rate.funded for rate in exchange.state.funding_rates[ETH]] == times
    assert [paid.funding.funded for paid in exchange.state.funding_payments["alice"]] == times
