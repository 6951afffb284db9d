"""The sandbox inspector's RFQs and quotes in a real headless Chromium (the fixtures of test_inspector_browser.py):
after a bot's RFQ is quoted by a rule's desk, accepted, confirmed and executed, the bot's account shows its RFQ and
the quote offered to it, the desk's the quote it made, each row what Kalshi's REST serves that user (the page's
`queries` name the request), and the inspector's own read carries the same lists."""

from __future__ import annotations

from datetime import UTC, datetime

import plain_http
import pytest
from kalshi_http import ok, signed
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

T0 = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
M = "KXFED-26NOV-T4.00"
SHOWN = ("id", "status", "market_ticker")  # the cells compared with REST's rows


def cells(rows: list[dict]) -> list[dict[str, str]]:
    return [{name: str(row[name]) for name in SHOWN} for row in rows]


def test_an_accounts_rfqs_and_quotes_show_as_rest_serves_them(page: Page) -> None:  # noqa: F811
    with MockServer(clock=ManualClock(T0)) as mock:
        mock.create_account("bot", balance_cents=100_000)
        mock.create_account("desk", balance_cents=1_000_000)
        mock.create_market(M)
        mock.set_book(M, yes=[["0.40", "10"]], no=[["0.50", "10"]])
        mock.set_rfq_maker("desk", "fed", spread="0.04")
        rfq = mock.create_rfq("bot", M, False, contracts="3")
        mock.advance_clock(seconds=0)
        (quote,) = mock.quotes("bot")["quotes"]
        mock.accept_quote("bot", quote["quote_id"], "yes")
        mock.advance_clock(seconds=15)
        assert mock.quotes("bot")["quotes"][0]["status"] == "executed"
        mock.create_rfq("bot", M, False, contracts="1")  # a second, open, quoted at once
        mock.advance_clock(seconds=0)
        with signed(mock, "bot") as bot, signed(mock, "desk") as desk:
            rfqs = ok(bot, "/communications/rfqs", user_filter="self")["rfqs"]
            offered = ok(bot, "/communications/quotes", rfq_user_filter="self")["quotes"]
            made = ok(desk, "/communications/quotes", user_filter="self")["quotes"]
        assert [row["id"] for row in rfqs][-1] == rfq["rfq_id"] and len(offered) == len(made) == 2
        inspected = plain_http.get(f"{mock.base_url}/_admin/accounts/bot").json()["kalshi"]["communications"]
        assert inspected["rfqs"] == {"rfqs": rfqs, "more": False}
        assert inspected["quotes_offered"] == {"quotes": offered, "more": False}
        open_inspector(page, mock)
        select_account(page, "kalshi:0:bot")
        expect(page.locator("#rfqs-table tbody tr")).to_have_count(2, timeout=WAIT_MS)
        assert [{name: row[name] for name in SHOWN} for row in table(page, "rfqs-table")] == cells(rfqs)
        assert [{name: row[name] for name in SHOWN} for row in table(page, "quotes-offered-table")] == cells(offered)
        assert [row["status"] for row in table(page, "quotes-offered-table")] == ["open", "executed"]
        expect(page.locator("#quotes-made-table")).to_have_text("none", timeout=WAIT_MS)
        keep_screenshot(page, "inspector-rfqs")
        select_account(page, "kalshi:0:desk")
        expect(page.locator("#quotes-made-table tbody tr")).to_have_count(2, timeout=WAIT_MS)
        assert [{name: row[name] for name in SHOWN} for row in table(page, "quotes-made-table")] == cells(made)
        expect(page.locator("#rfqs-table")).to_have_text("none", timeout=WAIT_MS)
