"""The sandbox inspector in a real headless Firefox: Debian's `firefox-esr` (scripts/test installs it with apt-get where
it is missing), driven over WebDriver BiDi (`tests/bidi_firefox.py`) with real key and mouse input.

The same sandbox as the Chromium tests (`test_inspector_browser.py`): a seeded account's positions and roll-ups with the
numbers REST serves, a request refused for a signed query string showing that diagnosis as it happens, Step (the button
and `s`) advancing the scenario with the page following without a reload, an account's details (subaccounts, transfers,
keys, what the historical cutoff moved) as REST serves them and a client's transfer and a moved cutoff shown as they
happen, the markets and a book as REST serves them with a book change and a pause shown as they happen, a Deribit
wallet's open orders and book (its own levels marked) following a counterparty's trade, its wide tables scrolling inside
the middle column at 1500 px with their captions whole, and a quiet console. Screenshots go to `test-artifacts/`. Never
skipped: without Firefox they fail, saying what to install.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import httpx
import inspector_account_details as details
import inspector_markets as markets
import inspector_orders as orders
import plain_http
import pytest
from bidi_firefox import Firefox, firefox_path
from test_inspector_browser import (  # noqa: F401  (fixtures)
    ARTIFACTS,
    POSITIONS,
    account_details,
    markets_sandbox,
    sandbox,
    shown,
    signed_with_the_query,
)
from test_inspector_deribit_browser import BOOK_ROWS, EVERYTHING, OVERFLOWING, PERP, deribit_trading

from mockexchange.core.clock import ManualClock
from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiAuth

pytestmark = pytest.mark.slow  # conftest.py: outside the inner loop's subset


@pytest.fixture(scope="module")
def firefox() -> Iterator[Firefox]:
    executable = firefox_path()
    if executable is None:
        pytest.fail("the inspector's Firefox tests need Debian's firefox-esr: apt-get install firefox-esr "
                    "(scripts/test installs it where it is missing)")  # fmt: skip
    browser = Firefox(executable)
    yield browser
    browser.close()


@pytest.fixture
def page(firefox: Firefox) -> Iterator[Firefox]:
    firefox.log.clear()
    yield firefox
    firefox.goto("about:blank")
    assert firefox.noise() == [], "the page must stay quiet"


def open_inspector(page: Firefox, mock: MockServer) -> None:
    page.goto(f"{mock.base_url}/_inspector")
    page.wait_for("document.querySelector('#live')?.textContent === 'live'")
    page.wait_for("document.querySelector('.account-button') !== null")


def select_account(page: Firefox, key: str) -> None:
    selector = f'[data-key="{key}"]'
    page.click(selector)
    page.wait_for(f"document.querySelector({json.dumps(selector)}).getAttribute('aria-current') === 'true'")


def table(page: Firefox, table_id: str) -> list[dict[str, str]]:
    return page.evaluate(f"""(() => {{
        const table = document.getElementById({json.dumps(table_id)});
        const names = [...table.querySelectorAll("thead th")].map((th) => th.textContent);
        return [...table.querySelectorAll("tbody tr")].map((tr) =>
            Object.fromEntries([...tr.children].map((td, i) => [names[i], td.textContent])));
    }})()""")


def keep_screenshot(page: Firefox, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    path = page.screenshot(ARTIFACTS / f"{name}.png")
    print(f"inspector screenshot (Firefox {page.version}): {path}")
    assert path.stat().st_size > 10_000


def test_a_seeded_account_and_its_positions_show_the_numbers_rest_serves(sandbox, page: Firefox) -> None:  # noqa: F811
    mock, signer = sandbox
    open_inspector(page, mock)
    assert "10 BTC" in page.text('[data-key="deribit:1001:dan"]')
    assert page.text('[data-key="kalshi:0:fcm-arnold-sub-1"]') is not None  # nested under its FCM member
    select_account(page, "kalshi:0:alice")
    page.wait_for("document.querySelector('#positions-table tbody tr') !== null")
    with httpx.Client(base_url=mock.base_url, auth=KalshiAuth(signer), timeout=10) as client:
        rest = client.get(POSITIONS).json()
        balance = client.get("/trade-api/v2/portfolio/balance").json()
    assert rest["market_positions"]
    for name, table_id in (("market_positions", "positions-table"), ("event_positions", "events-table")):
        on_page = table(page, table_id)
        assert on_page == [{field: shown(value) for field, value in served.items()} for served in rest[name]], name
    assert page.text("#kalshi-balance") == "$" + balance["balance_dollars"]
    assert page.evaluate("document.querySelectorAll('#account figure.market').length") == 1
    select_account(page, "deribit:1001:dan")
    page.wait_for("document.querySelector('#deribit-positions-table')?.textContent.includes('BTC-PERPETUAL')")
    keep_screenshot(page, "inspector-firefox-account")


def test_a_request_refused_for_a_signed_query_string_shows_that_diagnosis(sandbox, page: Firefox) -> None:  # noqa: F811
    mock, signer = sandbox
    open_inspector(page, mock)
    headers = signed_with_the_query(signer, POSITIONS + "?limit=5")
    assert plain_http.get(mock.base_url + POSITIONS + "?limit=5", headers=headers, timeout=10).status_code == 401
    row = "[...document.querySelectorAll('#requests-body tr.entry')].find((tr) => tr.textContent.includes('401'))"
    text = page.wait_for(f"{row}?.textContent")
    assert "signed the query string; sign the path without it" in text
    assert POSITIONS + "?limit=5" in text and "alice" in text
    page.click("#requests-body tr.entry")
    detail = page.wait_for("document.querySelector('#requests-body tr.detail')?.textContent")
    assert "auth diagnosis" in detail and "auth.signature" in detail


def test_step_advances_the_scenario_and_the_page_follows_without_a_reload(sandbox, page: Firefox) -> None:  # noqa: F811
    mock, signer = sandbox
    open_inspector(page, mock)
    page.evaluate("window.notReloaded = true")
    select_account(page, "kalshi:0:alice")
    page.wait_for("document.querySelector('#positions-table tbody tr') !== null")
    assert page.text("#scenario-position") == "step 0 of 11"
    assert "KXFED-26DEC-T4.25" not in page.text("#positions-table")
    page.click("#scenario-step")  # fed-decision's first step: alice buys 50 KXFED-26DEC-T4.25
    page.wait_for("document.querySelector('#scenario-position').textContent === 'step 1 of 11'")
    page.wait_for("document.querySelector('#positions-table').textContent.includes('KXFED-26DEC-T4.25')")
    with httpx.Client(base_url=mock.base_url, auth=KalshiAuth(signer), timeout=10) as client:
        rest = client.get(POSITIONS).json()["market_positions"]
    new = next(row for row in table(page, "positions-table") if row["ticker"] == "KXFED-26DEC-T4.25")
    assert new == {field: shown(value) for field, value in rest[1].items()}
    page.press("s")  # the second step waits 600 s: the exchange clock moves
    page.wait_for("document.querySelector('#scenario-position').textContent === 'step 2 of 11'")
    page.wait_for("document.querySelector('#clock').textContent === '2026-12-09 18:10:00 UTC'")
    assert page.evaluate("window.notReloaded") is True
    keep_screenshot(page, "inspector-firefox-stepped")


def test_an_accounts_details_are_what_rest_serve_and_change_live(account_details, page: Firefox) -> None:  # noqa: F811
    found = account_details
    mock, user = found.mock, found.user
    open_inspector(page, mock)
    page.evaluate("window.notReloaded = true")
    select_account(page, f"kalshi:0:{details.USER}")
    page.wait_for("document.querySelector('#subaccounts-table tbody tr') !== null")
    assert table(page, "subaccounts-table") == details.expected_subaccounts(user)
    assert table(page, "keys-table") == details.expected_keys(user)
    assert page.text("#historical-moved") == details.moved_text(user)
    page.click("#tab-subaccount-transfers")
    page.wait_for("document.querySelector('#subaccount-transfers-table tbody tr') !== null")
    assert table(page, "subaccount-transfers-table") == details.expected_subaccount_transfers(user)
    page.press("\ue014")  # ArrowRight, as WebDriver names it: the focused tab's arrow selects the next tab
    page.wait_for("document.querySelector('#tab-instance-transfers').getAttribute('aria-selected') === 'true'")
    assert table(page, "instance-transfers-table") == details.expected_instance_transfers(user)
    body = {"client_transfer_id": "9a3e1f7c-2b4d-4c6e-8f10-a2b3c4d5e6f7", "from_subaccount": 0, "to_subaccount": 2,
            "amount_cents": 1_999}  # fmt: skip
    assert user.post("/portfolio/subaccounts/transfer", json=body).status_code == 200
    page.click("#tab-subaccount-transfers")
    page.wait_for("document.querySelector('#tab-subaccount-transfers').textContent === 'Subaccount transfers (3)'")
    # (the count comes with the feed's event; the table is drawn again from the account's read after it)
    page.wait_for("document.querySelectorAll('#subaccount-transfers-table tbody tr').length === 3")
    assert table(page, "subaccount-transfers-table") == details.expected_subaccount_transfers(user)
    mock.set_historical_cutoff(at=(details.T0 + timedelta(minutes=30)).isoformat())  # the live fill moves too
    page.wait_for("document.querySelector('#historical-moved').textContent.includes('3 fills')")
    assert page.text("#historical-moved") == details.moved_text(user)
    assert page.evaluate("window.notReloaded") is True
    keep_screenshot(page, "inspector-firefox-insides")


def test_the_markets_and_a_book_are_what_rest_serves_and_follow_changes_live(markets_sandbox, page: Firefox) -> None:  # noqa: F811
    mock, fed = markets_sandbox, markets.FED
    open_inspector(page, mock)
    page.evaluate("window.notReloaded = true")
    page.wait_for("document.querySelectorAll('#markets-body tr').length === 3")
    assert table(page, "markets-table") == markets.expected_rows(mock)
    page.click(f'.market-button[data-ticker="{fed}"]')  # a real mouse click
    page.wait_for("document.querySelector('#yes-bids-table tbody tr') !== null")

    def sides() -> tuple[list[list[str]], list[list[str]]]:
        yes, no = table(page, "yes-bids-table"), table(page, "no-bids-table")
        assert {row["owner"] for row in yes + no} == {"house"}
        return [[r["price"], r["count"]] for r in yes], [[r["price"], r["count"]] for r in no]

    assert sides() == markets.expected_sides(mock, fed)
    assert page.text("#market-book-clock") == "1"
    markets.post(mock, "books", {"ticker": fed, "yes": [["0.43", "7"]]})
    page.wait_for("document.querySelector('#market-book-clock')?.textContent === '2'")
    assert sides() == markets.expected_sides(mock, fed)
    markets.post(mock, "markets/pause", {"ticker": fed})
    page.wait_for("document.querySelector('#market-status-badge')?.textContent === 'inactive'")
    cell = f'#markets-body tr[data-ticker="{fed}"] td[data-field="status"]'
    page.wait_for(f"document.querySelector({json.dumps(cell)})?.textContent === 'inactive'")
    assert table(page, "markets-table") == markets.expected_rows(mock)
    assert page.evaluate("window.notReloaded") is True
    keep_screenshot(page, "inspector-firefox-markets")


def test_a_deribit_wallets_orders_and_book_follow_live_and_wide_tables_scroll(page: Firefox) -> None:  # noqa: F811
    with MockServer(clock=ManualClock(orders.T0)) as mock:
        _, bid, ask = deribit_trading(mock)
        open_inspector(page, mock)
        select_account(page, "deribit:1001:dan")
        page.wait_for("document.querySelector('#deribit-book-table tr.own') !== null")
        assert [(row["order_id"], row["price"]) for row in table(page, "deribit-open-orders-table")] == [
            (ask["order"]["order_id"], "61000"),
            (bid["order"]["order_id"], "59000"),
        ]
        book = f"({BOOK_ROWS})()"
        assert page.evaluate(book) == [
            ["ask", "61000", "50", "50", True],
            ["bid", "59000", "100", "100", True],
            ["bid", "58500", "200", "", False],
        ]
        assert page.evaluate(f"({OVERFLOWING})('deribit-open-orders-table')") == EVERYTHING
        mock.deribit_place_order("eve", PERP, "sell", "10", price="59000")  # the other side of dan's trade
        page.wait_for("document.querySelector('#deribit-book-table tr.own.bid td[data-field=own_amount]')"
                      "?.textContent === '90'")  # fmt: skip
        assert page.evaluate(book)[1] == ["bid", "59000", "90", "90", True]
        keep_screenshot(page, "inspector-firefox-deribit-orders")
