"""The sandbox inspector's Kalshi perps panel in a real headless Chromium (the fixtures of test_inspector_browser.py):
a perps trade between two users shows in both accounts as the venue serves them (each position's figures as GET
/margin/positions and /margin/risk serve them, the balance as GET /margin/balance does, the resting orders and fills),
and without a reload: the trade itself, a mark set through the admin API (the mark, the unrealized P&L, the
liquidation price and the margin move) and a transfer out of the margined cash on Kalshi's side."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import plain_http
import pytest
from perps_http import BTC, T0, order, placed, ready, signed
from test_inspector_browser import (  # noqa: F401  (fixtures)
    WAIT_MS,
    browser,
    keep_screenshot,
    open_inspector,
    page,
    select_account,
    table,
)

from mockexchange.core.clock import ManualClock
from mockexchange.server import MockServer

try:
    from playwright.sync_api import Page, expect
except ImportError:  # test_inspector_browser.py's `browser` fixture fails, saying what to install
    Page = object  # type: ignore[assignment,misc]

pytestmark = pytest.mark.slow  # conftest.py: outside the inner loop's subset

BALANCE = ("account_equity", "position_value", "maintenance_margin", "initial_margin", "resting_orders_margin",
           "available_balance")  # fmt: skip


def served_position(client: httpx.Client) -> dict[str, Any]:
    """The user's one BTC-PERP position as the venue serves it: GET /margin/positions' row and /margin/risk's."""
    (position,) = client.get("/margin/positions").json()["positions"]
    (risk,) = client.get("/margin/risk").json()["positions"]
    return position | risk


def quotient(numerator: str, denominator: str) -> str:
    """A ratio of two decimal strings to 4 places, a tie to the even one."""
    return str((Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.0001")))


def assert_shows_as_served(tab: Page, client: httpx.Client) -> dict[str, str]:
    """The shown account's position and balance are, field by field, what the venue serves its user now; its margin
    ratio is the equity over the maintenance margin, a position's leverage its notional over its margin."""
    served = served_position(client)
    (shown,) = table(tab, "perps-positions-table")
    for name in ("market_ticker", "position", "entry_price", "unrealized_pnl", "margin_used", "fees", "mark_price",
                 "position_notional", "estimated_liquidation_price"):  # fmt: skip
        assert shown[name] == served[name], name
    assert shown["position_leverage"] == quotient(served["position_notional"], served["margin_used"])
    (balance,) = client.get("/margin/balance", params={"compute_available_balance": "true"}).json()[
        "subaccount_balances"
    ]
    for name in BALANCE:
        expect(tab.locator(f"#perps-{name}")).to_have_text(f"${balance[name]}")
    ratio = quotient(balance["account_equity"], balance["maintenance_margin"])
    expect(tab.locator("#perps-margin_ratio")).to_have_text(ratio)
    return shown


def test_a_perps_trade_and_a_mark_move_show_live(page: Page) -> None:  # noqa: F811
    with MockServer(clock=ManualClock(T0)) as mock:
        ready(mock)
        shows_a_trade_and_a_mark_move(page, mock)


def shows_a_trade_and_a_mark_move(page: Page, mock: MockServer) -> None:  # noqa: F811
    with signed(mock, "alice") as alice, signed(mock, "bob") as bob:
        resting = placed(alice, **order(BTC, "bid", "0.5", "100000"))["order_id"]
        other = placed(alice, **order(BTC, "bid", "0.1", "99000"))["order_id"]
        open_inspector(page, mock)
        select_account(page, "perps:0:alice")
        expect(page.locator("#perps-orders-table tbody tr")).to_have_count(2)
        assert [r["order_id"] for r in table(page, "perps-orders-table")] == [other, resting]  # newest placed first
        expect(page.locator("#perps-positions-table")).to_have_text("none")

        placed(bob, **order(BTC, "ask", "0.5", "100000"))  # takes alice's first bid: both hold a position
        expect(page.locator("#perps-positions-table td[data-field=position]")).to_have_text("0.50")
        assert [r["order_id"] for r in table(page, "perps-orders-table")] == [other]
        assert [(r["side"], r["count"], r["is_taker"]) for r in table(page, "perps-fills-table")] == [
            ("bid", "0.50", "false")
        ]
        shown = assert_shows_as_served(page, alice)
        assert (shown["realized_pnl"], shown["unrealized_pnl"]) == ("0.000000", "0.000000")

        select_account(page, "perps:0:bob")
        expect(page.locator("#perps-positions-table td[data-field=position]")).to_have_text("-0.50")
        before = assert_shows_as_served(page, bob)

        bracket = {"stop_loss_price": "105000", "take_profit_price": "90000"}  # out of the move's reach
        assert bob.put(f"/margin/cross/positions/{BTC}/exit_trigger", json=bracket).status_code == 200
        answer = plain_http.post(
            f"{mock.base_url}/_admin/perps/markets/marks", json={"ticker": BTC, "mark_price": "98000"}, timeout=10
        )
        assert answer.status_code == 200, answer.text
        expect(page.locator("#perps-positions-table td[data-field=mark_price]")).to_have_text("98000.0000")
        expect(page.locator("#perps-positions-table td[data-field=unrealized_pnl]")).to_have_text("1000.000000")
        after = assert_shows_as_served(page, bob)
        assert after["exit_triggers"] == (
            "cross bracket (active): count 0.00, stop_loss_price 105000.0000, take_profit_price 90000.0000"
        )
        assert after["estimated_liquidation_price"] == before["estimated_liquidation_price"]  # equity and size alike
        assert after["margin_used"] != before["margin_used"]
        keep_screenshot(page, "inspector-perps")

        # an ask below the index (the listing's mark) makes a premium below 0: at the funding time the short pays
        placed(bob, **order(BTC, "ask", "0.1", "99500"))
        mock.advance_clock(seconds=3600)
        day = str(T0.date())
        paid = bob.get("/margin/funding_history", params={"start_date": day, "end_date": day}).json()
        (payment,) = paid["funding_history"]
        assert Decimal(payment["funding_amount"]) < 0
        expect(page.locator("#perps-positions-table td[data-field=funding]")).to_have_text(payment["funding_amount"])

        cash = page.locator("#perps-cash").text_content()
        mock.intra_exchange_transfer("bob", "margined", "event_contract", 1_000_000)  # $100 out, on Kalshi's side
        expect(page.locator("#perps-cash")).not_to_have_text(cash or "")
        assert_shows_as_served(page, bob)
