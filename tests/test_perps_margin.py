"""The perps exchange's margin figures over real HTTP, worked by hand (core/perps/margin.py): the estimated liquidation
price of a position beside another market's (the other's maintenance margin counts), of a position so covered that no
positive price liquidates it (none), of one that only a price under a dollar would, and of one only 0 would (none);
resting orders' margin kept per subaccount; and the initial margin of a short position, with and without resting bids,
to the micro-dollar. Every answer is checked against the spec's schema (perps_http.py)."""

from __future__ import annotations

from decimal import Decimal

import httpx
from perps_fixtures import alice_client, bob_client, fresh, module_server  # noqa: F401  (fixtures)
from perps_http import BTC, ETH, fund, open_subaccount, order, placed, signed

from mockexchange.server import MockServer

MICRO = Decimal("1e-6")
RATE = Decimal("0.05")  # the markets' maintenance rate (the default); the initial margin is twice it


def risk_rows(client: httpx.Client) -> dict[str, dict]:
    return {row["market_ticker"]: row for row in client.get("/margin/risk").json()["positions"]}


def balances(client: httpx.Client) -> dict[int, dict]:
    answer = client.get("/margin/balance", params={"compute_available_balance": "true"}).json()
    return {row["subaccount"]: row for row in answer["subaccount_balances"]}


def test_a_liquidation_estimate_counts_the_other_markets_maintenance(
    mock: MockServer, alice: httpx.Client, bob: httpx.Client
) -> None:
    """Long 0.5 BTC and 1 ETH: BTC's mark x where the equity E + 0.5 (x - 100,000) meets the maintenance margin,
    0.5 x 5% plus ETH's 150: x = (150 - E + 50,000) / (0.5 - 0.5 x 5%). ETH's own would be below zero: none."""
    for ticker, count, price in ((BTC, "0.5", "100000"), (ETH, "1", "3000")):
        placed(bob, **order(ticker, "ask", count, price))
        placed(alice, **order(ticker, "bid", count, price))
    equity = Decimal(balances(alice)[0]["account_equity"])
    rows = risk_rows(alice)
    assert rows[ETH]["maintenance_margin_required"] == "150.000000"
    expected = (150 - equity + Decimal(50_000)) / (Decimal("0.5") - Decimal("0.5") * RATE)
    assert Decimal(rows[BTC]["estimated_liquidation_price"]) == expected.quantize(MICRO)
    assert (2500 - equity + 3000) / (1 - RATE) < 0
    assert rows[ETH]["estimated_liquidation_price"] is None


def test_a_liquidation_estimate_under_a_dollar_is_given_and_none_at_zero(mock: MockServer, bob: httpx.Client) -> None:
    """Carol, with $9,001, buys 3 ETH at 3,000 as the maker (fee 2 bps: $1.80): her cash is $0.80 short of what she
    paid, so only a mark of 0.80 / (3 x 0.95) dollars takes her equity to the maintenance margin; Dan, $1.80 richer,
    only at a mark of 0: none is given."""
    fund(mock, "carol", 9_001)
    with signed(mock, "carol") as carol:
        placed(carol, **order(ETH, "bid", "3", "3000"))
        placed(bob, **order(ETH, "ask", "3", "3000"))
        assert balances(carol)[0]["account_equity"] == "8999.200000"
        expected = Decimal("0.8") / (3 * (1 - RATE))
        assert 0 < expected < 1
        assert Decimal(risk_rows(carol)[ETH]["estimated_liquidation_price"]) == expected.quantize(MICRO)
    # Dan, with $9,001.80, holds what he paid: only a mark of 0 would, which is no price.
    mock.create_account("dan", balance_cents=900_180)
    mock.intra_exchange_transfer("dan", "event_contract", "margined", 90_018_000)
    with signed(mock, "dan") as dan:
        placed(dan, **order(ETH, "bid", "3", "3000"))
        placed(bob, **order(ETH, "ask", "3", "3000"))
        assert balances(dan)[0]["account_equity"] == "9000.000000"
        assert risk_rows(dan)[ETH]["estimated_liquidation_price"] is None


def test_resting_orders_hold_margin_in_their_own_subaccount(mock: MockServer, alice: httpx.Client) -> None:
    """A bid resting in subaccount 1, then one in subaccount 0: each subaccount's resting orders' margin is its own
    bid's notional times 10% (5% x 2), the other's not counted."""
    open_subaccount(alice, 1, 200_000)
    placed(alice, **order(BTC, "bid", "0.2", "90000", subaccount=1))  # $18,000: $1,800 of margin
    placed(alice, **order(BTC, "bid", "0.1", "80000", client_order_id="zero"))  # $8,000: $800
    held = balances(alice)
    assert (held[1]["resting_orders_margin"], held[0]["resting_orders_margin"]) == ("1800.000000", "800.000000")
    assert (held[1]["available_balance"], held[0]["available_balance"]) == ("200.000000", "7200.000000")


def test_a_short_positions_initial_margin_to_the_micro_dollar(
    mock: MockServer, alice: httpx.Client, bob: httpx.Client
) -> None:
    """Bob short 0.5 BTC at 100,000 ($50,000: $5,000 of initial margin, exactly), alone and then beside a resting bid
    smaller than the short: the short side is the larger, so the margin is the same to the micro-dollar."""
    placed(alice, **order(BTC, "bid", "0.5", "100000"))
    placed(bob, **order(BTC, "ask", "0.5", "100000"))
    alone = balances(bob)[0]
    assert (alone["initial_margin"], alone["resting_orders_margin"]) == ("5000.000000", "0.000000")
    assert Decimal(alone["available_balance"]) == Decimal(alone["account_equity"]) - 5000
    placed(bob, **order(BTC, "bid", "0.1", "90000"))
    beside = balances(bob)[0]
    assert (beside["initial_margin"], beside["resting_orders_margin"]) == ("5000.000000", "0.000000")
    assert beside["available_balance"] == alone["available_balance"]
