"""The sandbox inspector in a real headless Chromium: Debian's `chromium` (scripts/test installs it with apt-get where
it is missing), driven by Playwright for Python through `executable_path` (Playwright never downloads a browser here).

What a client developer sees: a seeded account and its positions with the numbers REST serves; a request refused for a
signed query string, with that diagnosis, as it happens; "step" advancing a scenario and the page following without a
reload; an account's subaccounts, transfers, keys, historical cutoff and FCM desk as REST serves them, and a client's
changes to them shown as they happen; the request filters; the keyboard. The console stays quiet: any error or warning
the page logs fails the test.
Screenshots are kept under `test-artifacts/` (ignored by git) and their paths printed; with
MOCKEXCHANGE_INSPECTOR_SCREENSHOT=PATH the busy sandbox's screenshot is also written there (how docs/inspector.png is
made). These tests are never skipped: without chromium or Playwright they fail, saying what to install.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import inspector_account_details as details
import inspector_markets as markets
import inspector_orders as orders
import plain_http
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from kalshi_http import signed
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from test_proxy import serving
from waits import HANG_MS
from websockets.sync.client import connect

from mockexchange.auth.kalshi.signature import KEY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER
from mockexchange.core.clock import ManualClock
from mockexchange.proxy.runner import ProxyServer
from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiAuth, KalshiSigner

pytestmark = pytest.mark.slow  # conftest.py: outside the inner loop's subset

try:
    from playwright.sync_api import Browser, Page, expect, sync_playwright
except ImportError:  # failed on below, with what to install: a browser test is never skipped
    sync_playwright = None

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
POSITIONS = "/trade-api/v2/portfolio/positions"
WAIT_MS = HANG_MS  # a page change may take this long before the test calls it a hang (waits.py)
if sync_playwright is not None:
    expect.set_options(timeout=WAIT_MS)  # every expect of the browser tests, those that name no timeout too


def chromium_path() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail(
            "the inspector's browser tests need Debian's chromium on PATH: apt-get install chromium "
            "(scripts/test installs it where it is missing)"
        )
    return found


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if sync_playwright is None:
        pytest.fail("the inspector's browser tests need Playwright for Python: pip install -e '.[test]'")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def sandbox() -> Iterator[tuple[MockServer, KalshiSigner]]:
    """fed-decision loaded (alice and bob, their opening positions, 11 steps), an FCM member with a subtrader, and a
    Deribit account with a subaccount and a trade."""
    with MockServer(clock=ManualClock()) as mock:
        loaded = mock.load_scenario(path="fed-decision")
        alice = next(key for key in loaded["keys"] if key["user_id"] == "alice")
        mock.create_account("fcm-arnold", balance_cents=250_000, fcm_member=True)
        mock.create_account("fcm-arnold-sub-1", balance_cents=10_000, subtrader_of="fcm-arnold")
        mock.create_deribit_account("dan", balances={"BTC": "10", "USDC": "50000"})
        mock.create_deribit_subaccount("dan", balances={"ETH": "5"})
        mock.create_deribit_key("dan", client_id="DanKey", client_secret="dan-secret")
        mock.deribit_fill("dan", "BTC-PERPETUAL", "buy", "1000", "60000")
        yield mock, KalshiSigner.from_pem(alice["key_id"], alice["private_key_pem"])


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1500, "height": 1000}, color_scheme="light")
    context.set_default_timeout(WAIT_MS)  # an action's wait (a click's target), as every expect's below
    opened = context.new_page()
    noise: list[str] = []
    opened.on("console", lambda message: noise.append(f"console {message.type}: {message.text}")
              if message.type in ("error", "warning") else None)  # fmt: skip
    opened.on("pageerror", lambda error: noise.append(f"page error: {error}"))
    yield opened
    context.close()
    assert noise == [], "the page must stay quiet"


def open_inspector(page: Page, mock: MockServer) -> None:
    page.goto(f"{mock.base_url}/_inspector")
    expect(page.locator("#live")).to_have_text("live", timeout=WAIT_MS)
    expect(page.locator(".account-button").first).to_be_visible(timeout=WAIT_MS)


def select_account(page: Page, key: str) -> None:
    page.locator(f'[data-key="{key}"]').click()
    expect(page.locator(f'[data-key="{key}"]')).to_have_attribute("aria-current", "true")


def table(page: Page, table_id: str) -> list[dict[str, str]]:
    """A table of the page as its rows: column name (the wire field) -> the cell's text, once the page has drawn it
    (an account's panels are drawn when its read answers, after the click that chose it)."""
    page.locator(f"#{table_id}").wait_for(state="attached")
    # Found and read in one task: the live page may re-render it between two steps of Playwright's.
    return page.evaluate(
        """(id) => {
            const table = document.getElementById(id);
            const names = [...table.querySelectorAll("thead th")].map((th) => th.textContent);
            return [...table.querySelectorAll("tbody tr")].map((tr) =>
                Object.fromEntries([...tr.children].map((td, i) => [names[i], td.textContent])));
        }""",
        table_id,
    )


def shown(value: Any) -> str:
    return "\u2013" if value is None else json.dumps(value) if isinstance(value, (dict, list, bool)) else str(value)


def keep_screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"inspector screenshot: {path}")
    return path


def signed_with_the_query(signer: KalshiSigner, target: str) -> dict[str, str]:
    """The headers of a client that signed the query string too (the mistake; Kalshi signs the path alone)."""
    ts = str(int(time.time() * 1000))
    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)
    raw = signer.private_key.sign(f"{ts}GET{target}".encode(), pss, hashes.SHA256())  # type: ignore[call-arg]
    return {KEY_HEADER: signer.key_id, TIMESTAMP_HEADER: ts, SIGNATURE_HEADER: base64.b64encode(raw).decode()}


def rows(page: Page) -> list[dict[str, str]]:
    return table(page, "requests-table")


# -- what the page shows ----------------------------------------------------------------------------------------------


def test_a_seeded_account_and_its_positions_show_the_numbers_rest_serves(sandbox, page: Page) -> None:
    mock, signer = sandbox
    open_inspector(page, mock)
    expect(page.locator('[data-key="kalshi:0:fcm-arnold-sub-1"]')).to_be_visible()  # nested under its FCM member
    expect(page.locator('[data-key="deribit:1001:dan"]')).to_contain_text("10 BTC")
    select_account(page, "kalshi:0:alice")
    expect(page.locator("#positions-table")).to_be_visible(timeout=WAIT_MS)
    with httpx.Client(base_url=mock.base_url, auth=KalshiAuth(signer), timeout=10) as client:
        rest = client.get(POSITIONS).json()
        balance = client.get("/trade-api/v2/portfolio/balance").json()
    assert rest["market_positions"], "fed-decision opens alice's position"
    for name, table_id in (("market_positions", "positions-table"), ("event_positions", "events-table")):
        on_page = table(page, table_id)
        assert len(on_page) == len(rest[name])
        for served, row in zip(rest[name], on_page, strict=True):
            assert row == {field: shown(value) for field, value in served.items()}, name
    expect(page.locator("#kalshi-balance")).to_have_text("$" + balance["balance_dollars"])
    expect(page.locator("#account figure.market")).to_have_count(1)  # the picture of the market it holds
    select_account(page, "deribit:1001:dan")
    expect(page.locator("#deribit-positions-table")).to_contain_text("BTC-PERPETUAL", timeout=WAIT_MS)
    keep_screenshot(page, "inspector-account")


def test_a_request_refused_for_a_signed_query_string_shows_that_diagnosis(sandbox, page: Page) -> None:
    mock, signer = sandbox
    open_inspector(page, mock)
    headers = signed_with_the_query(signer, POSITIONS + "?limit=5")
    assert plain_http.get(mock.base_url + POSITIONS + "?limit=5", headers=headers, timeout=10).status_code == 401
    row = page.locator("#requests-body tr.entry").filter(has_text="401")
    expect(row).to_contain_text("signed the query string; sign the path without it", timeout=WAIT_MS)
    expect(row).to_contain_text(POSITIONS + "?limit=5")
    expect(row).to_contain_text("alice")  # the user its key belongs to
    row.click()
    detail = page.locator("#requests-body tr.detail")
    expect(detail).to_contain_text("auth diagnosis")
    expect(detail).to_contain_text("auth.signature")


def test_a_proxys_inspector_shows_what_passes_live_judged_by_field(page: Page) -> None:
    def balance(request: Request) -> JSONResponse:
        return JSONResponse({"balance": "lots", "portfolio_value": 5, "updated_ts": 1})  # balance: not an integer

    def anything(request: Request) -> JSONResponse:
        return JSONResponse({"fine": True})

    upstream = Starlette(
        routes=[Route("/trade-api/v2/portfolio/balance", balance), Route("/trade-api/v2/{rest:path}", anything)]
    )
    with serving(upstream) as base, ProxyServer(base + "/trade-api/v2") as proxy:
        page.goto(f"{proxy.base_url}/_inspector")
        expect(page.locator("#live")).to_have_text("live", timeout=WAIT_MS)
        expect(page.locator("#proxy")).to_have_text(f"proxy to kalshi {base}/trade-api/v2", timeout=WAIT_MS)
        for hidden in ("#accounts", "#scenario", "#venue-panels"):  # a proxy has none of these
            expect(page.locator(hidden)).to_be_hidden()
        assert plain_http.get(proxy.kalshi_url + "/portfolio/balance", timeout=10).status_code == 200
        row = page.locator("#requests-body tr.entry").filter(has_text="/portfolio/balance")
        expect(row).to_contain_text("balance", timeout=WAIT_MS)
        expect(row).to_have_class("entry flagged")
        row.click()
        detail = page.locator("#requests-body tr.detail")
        expect(detail).to_contain_text("reply.schema")
        expect(detail.locator("li.problem").filter(has=page.locator("code.field", has_text="balance"))).to_contain_text(
            "reply.schema balance"
        )
        assert plain_http.get(proxy.kalshi_url + "/no/such/operation", timeout=10).status_code == 200
        unknown = page.locator("#requests-body tr.entry").filter(has_text="/no/such/operation")
        expect(unknown).to_contain_text("not judged: Kalshi's OpenAPI 3.34.0", timeout=WAIT_MS)
        expect(unknown).to_contain_text("no operation of the schema has this path")
        expect(unknown).to_have_class("entry")  # not flagged, and not passed either: said so
        keep_screenshot(page, "proxy-inspector")


def test_step_advances_the_scenario_and_the_page_follows_without_a_reload(sandbox, page: Page) -> None:
    mock, signer = sandbox
    open_inspector(page, mock)
    page.evaluate("window.notReloaded = true")
    select_account(page, "kalshi:0:alice")
    expect(page.locator("#positions-table")).to_be_visible(timeout=WAIT_MS)
    expect(page.locator("#scenario-position")).to_have_text("step 0 of 11")
    expect(page.locator("#positions-table")).not_to_contain_text("KXFED-26DEC-T4.25")
    page.locator("#scenario-step").click()  # fed-decision's first step: alice buys 50 KXFED-26DEC-T4.25
    expect(page.locator("#scenario-position")).to_have_text("step 1 of 11", timeout=WAIT_MS)
    expect(page.locator("#positions-table")).to_contain_text("KXFED-26DEC-T4.25", timeout=WAIT_MS)
    with httpx.Client(base_url=mock.base_url, auth=KalshiAuth(signer), timeout=10) as client:
        rest = client.get(POSITIONS).json()["market_positions"]
    new = next(row for row in table(page, "positions-table") if row["ticker"] == "KXFED-26DEC-T4.25")
    assert new == {field: shown(value) for field, value in rest[1].items()}
    expect(page.locator("#tab-fills")).to_have_text("Fills (2)")
    page.keyboard.press("s")  # the second step waits 600 s: the exchange clock moves
    expect(page.locator("#scenario-position")).to_have_text("step 2 of 11", timeout=WAIT_MS)
    expect(page.locator("#clock")).to_have_text("2026-12-09 18:10:00 UTC", timeout=WAIT_MS)
    assert page.evaluate("window.notReloaded") is True
    keep_screenshot(page, "inspector-stepped")


@pytest.fixture
def account_details() -> Iterator[details.AccountDetails]:
    """carol's subaccounts, transfers, keys and historical cutoff, and fcm-arnold's desk
    (inspector_account_details.py)."""
    clock = ManualClock()
    with MockServer(clock=clock) as mock, details.seed(mock, clock) as found:
        yield found


def test_an_accounts_details_are_what_rest_serve_and_change_live(account_details, page: Page) -> None:
    found = account_details
    mock, user = found.mock, found.user
    open_inspector(page, mock)
    page.evaluate("window.notReloaded = true")
    select_account(page, f"kalshi:0:{details.USER}")
    expect(page.locator("#subaccounts-table")).to_be_visible(timeout=WAIT_MS)
    assert table(page, "subaccounts-table") == details.expected_subaccounts(user)
    page.locator("#tab-subaccount-transfers").click()
    assert table(page, "subaccount-transfers-table") == details.expected_subaccount_transfers(user)
    page.locator("#tab-instance-transfers").press("ArrowLeft")  # the tabs' arrows: back to the subaccounts'
    expect(page.locator("#tab-subaccount-transfers")).to_be_focused()
    page.keyboard.press("ArrowRight")
    expect(page.locator("#tab-instance-transfers")).to_have_attribute("aria-selected", "true")
    assert table(page, "instance-transfers-table") == details.expected_instance_transfers(user)
    allocation = details.served(user, "/portfolio/target_balance_allocation")
    assert table(page, "allocation-table") == details.rows(allocation["allocations"])
    expect(page.locator("#allocation-reservation")).to_have_text(allocation["resting_margin_reservation"])
    assert table(page, "keys-table") == details.expected_keys(user)
    for name, when in details.served(user, "/historical/cutoff").items():
        expect(page.locator(f"#cutoff-{name}")).to_have_text(when)
    expect(page.locator("#historical-moved")).to_have_text(details.moved_text(user))
    records = page.get_by_role("tablist", name="historical records")
    historical = {
        "positions": ("/historical/positions", {"subaccount": 0}, "market_positions"),
        "fills": ("/historical/fills", {}, "fills"),
        "orders": ("/historical/orders", {}, "orders"),
    }
    for name, (path, params, listed) in historical.items():
        records.get_by_role("tab", name=f"{name.title()} (").click()
        served = details.served(user, path, limit=100, **params)[listed]
        details.shown_as(table(page, f"historical-{name}-table"), served)
    select_account(page, f"kalshi:0:{details.FCM}")
    expect(page.locator("#fcm-table")).to_be_visible(timeout=WAIT_MS)
    assert table(page, "fcm-table") == details.expected_fcm_desk(found.fcm)
    keep_screenshot(page, "inspector-fcm-desk")

    # Live: a client's own writes and a moved cutoff appear without a reload.
    cap = {"subtrader_id": f"{details.FCM}_B", "limit": "75.5"}
    assert found.fcm.put("/fcm/subtraders/event_contract_daily_cap", json=cap).status_code == 200
    expect(page.locator("#fcm-table tbody tr").nth(1)).to_contain_text("75.500000", timeout=WAIT_MS)
    assert table(page, "fcm-table") == details.expected_fcm_desk(found.fcm)
    select_account(page, f"kalshi:0:{details.USER}")
    page.locator("#tab-subaccount-transfers").click()
    body = {"client_transfer_id": "9a3e1f7c-2b4d-4c6e-8f10-a2b3c4d5e6f7", "from_subaccount": 0, "to_subaccount": 2,
            "amount_cents": 1_999}  # fmt: skip
    assert user.post("/portfolio/subaccounts/transfer", json=body).status_code == 200
    expect(page.locator("#tab-subaccount-transfers")).to_have_text("Subaccount transfers (3)", timeout=WAIT_MS)
    expect(page.locator("#subaccount-transfers-table tbody tr").first).to_contain_text("$19.99")
    assert table(page, "subaccount-transfers-table") == details.expected_subaccount_transfers(user)
    assert table(page, "subaccounts-table") == details.expected_subaccounts(user)
    assert user.delete(f"/api_keys/{found.bound_key_id}").status_code == 204
    expect(page.locator("#keys-table tbody tr")).to_have_count(1, timeout=WAIT_MS)
    assert table(page, "keys-table") == details.expected_keys(user)
    mock.set_historical_cutoff(at=(details.T0 + timedelta(minutes=30)).isoformat())  # the live fill moves too
    expect(page.locator("#historical-moved")).to_contain_text("3 fills", timeout=WAIT_MS)
    expect(page.locator("#historical-moved")).to_have_text(details.moved_text(user))
    assert page.evaluate("window.notReloaded") is True
    keep_screenshot(page, "inspector-insides")


@pytest.fixture
def markets_sandbox() -> Iterator[MockServer]:
    """Two series' markets, one with the house's book, one opening a day on (inspector_markets.py)."""
    with MockServer(clock=ManualClock(markets.START)) as mock:
        markets.seed(mock)
        yield mock


def market_cell(page: Page, ticker: str, field: str) -> Any:
    return page.locator(f'#markets-body tr[data-ticker="{ticker}"] td[data-field="{field}"]')


def book_sides(page: Page) -> tuple[list[list[str]], list[list[str]], set[str]]:
    """The page's YES bids and NO bids as [price, count], and the owners it names."""
    yes, no = table(page, "yes-bids-table"), table(page, "no-bids-table")
    owners = {row["owner"] for row in yes + no}
    return [[r["price"], r["count"]] for r in yes], [[r["price"], r["count"]] for r in no], owners


def test_the_markets_and_a_book_are_what_rest_serves_and_follow_changes_live(markets_sandbox, page: Page) -> None:
    mock, fed = markets_sandbox, markets.FED
    open_inspector(page, mock)
    page.evaluate("window.notReloaded = true")
    expect(page.locator("#markets-body tr")).to_have_count(3, timeout=WAIT_MS)
    assert table(page, "markets-table") == markets.expected_rows(mock)
    expect(page.locator("#exchange-status")).to_contain_text("2 series, 2 events, 3 markets")
    page.locator(f'.market-button[data-ticker="{fed}"]').click()
    expect(page.locator("#yes-book-table")).to_be_visible(timeout=WAIT_MS)
    assert book_sides(page) == (*markets.expected_sides(mock, fed), {"house"})
    ladder = [(row["side"], row.get("yes_price_dollars"), row.get("owner")) for row in table(page, "yes-book-table")]
    assert ladder == [("ask", "0.4500", "house"), ("best bid 0.4000, best ask 0.4500", None, None),
                      ("bid", "0.4000", "house"), ("bid", "0.3900", "house")]  # fmt: skip
    expect(page.locator("#market-book-clock")).to_have_text("1")

    markets.post(mock, "books", {"ticker": fed, "yes": [["0.43", "7"]]})  # the book moves: the page follows
    expect(page.locator("#market-book-clock")).to_have_text("2", timeout=WAIT_MS)
    assert book_sides(page) == (*markets.expected_sides(mock, fed), {"house"})
    expect(market_cell(page, fed, "yes_bid_dollars")).to_have_text("0.4300", timeout=WAIT_MS)
    orders_follow_live(page, mock, fed)
    markets.post(mock, "markets/pause", {"ticker": fed})  # and its status
    expect(page.locator("#market-status-badge")).to_have_text("inactive", timeout=WAIT_MS)
    expect(market_cell(page, fed, "status")).to_have_text("inactive", timeout=WAIT_MS)
    expect(market_cell(page, markets.LATER, "status")).to_have_text("initialized")
    markets.post(mock, "clock", {"seconds": 86_400})  # the clock opens the other market
    expect(market_cell(page, markets.LATER, "status")).to_have_text("active", timeout=WAIT_MS)
    assert table(page, "markets-table") == markets.expected_rows(mock)
    assert page.evaluate("window.notReloaded") is True
    keep_screenshot(page, "inspector-markets")

    page.locator("#filter-venue").focus()
    page.keyboard.press("Escape")
    page.keyboard.press("m")  # the markets' search
    expect(page.locator("#market-search")).to_be_focused()
    page.keyboard.type("4.25")
    expect(page.locator("#markets-body tr")).to_have_count(1, timeout=WAIT_MS)
    page.select_option("#market-status", "finalized")
    expect(page.locator("#markets-page")).to_have_text("no market found", timeout=WAIT_MS)


def orders_follow_live(page: Page, mock: MockServer, fed: str) -> None:
    """In the same page: u's order placed, partly filled by v and cancelled over signed HTTP; u's resting and ended
    orders and the book's owners follow each change without a reload."""
    mock.create_account("v", balance_cents=10_000)
    select_account(page, "kalshi:0:u")
    expect(page.locator("#resting-orders-table")).to_have_text("none", timeout=WAIT_MS)
    level = page.locator('#yes-book-table tr.bid:has(td[data-field="yes_price_dollars"]:text-is("0.4400"))')
    with signed(mock, "u") as u, signed(mock, "v") as v:
        made = orders.place(u, ticker=fed, count="3", price="0.44", client_order_id="page-1")  # above the house's bid
        expect(page.locator("#resting-orders-table tbody tr")).to_have_count(1, timeout=WAIT_MS)
        assert table(page, "resting-orders-table") == orders.page_rows(mock, "u", "resting")
        expect(level.locator('td[data-field="owner"]')).to_have_text(f"u order {made['order_id']} 3.00",
                                                                     timeout=WAIT_MS)  # fmt: skip
        orders.place(v, ticker=fed, side="ask", count="1", price="0.44")  # fills 1 of u's 3
        remaining = page.locator('#resting-orders-table td[data-field="remaining_count_fp"]')
        expect(remaining).to_have_text("2.00", timeout=WAIT_MS)
        assert table(page, "resting-orders-table") == orders.page_rows(mock, "u", "resting")
        expect(level.locator('td[data-field="owner"]')).to_have_text(f"u order {made['order_id']} 2.00",
                                                                     timeout=WAIT_MS)  # fmt: skip
        orders.cancel(u, made["order_id"])
    expect(page.locator("#resting-orders-table")).to_have_text("none", timeout=WAIT_MS)
    expect(page.locator("#ended-orders-table tbody tr")).to_have_count(1, timeout=WAIT_MS)
    assert table(page, "ended-orders-table") == orders.page_rows(mock, "u", "ended")
    assert table(page, "ended-orders-table")[0]["status"] == "canceled"
    expect(level).to_have_count(0, timeout=WAIT_MS)


def test_an_accounts_order_groups_show_beside_its_orders_and_follow_live(markets_sandbox, page: Page) -> None:
    """u's order group made, filled into, triggered, reset and deleted through the admin API and signed HTTP: the
    page's group table is what REST serves and the inspector counts after each change, without a reload."""
    mock, fed = markets_sandbox, markets.FED
    open_inspector(page, mock)
    page.evaluate("window.notReloaded = true")
    select_account(page, "kalshi:0:u")
    groups = page.locator("#order-groups-table")
    expect(groups).to_have_text("none", timeout=WAIT_MS)
    gid = markets.post(mock, "order_groups", {"user_id": "u", "contracts_limit": 2})["order_group_id"]
    expect(groups.locator("tbody tr")).to_have_count(1, timeout=WAIT_MS)
    assert table(page, "order-groups-table") == orders.group_rows(mock, "u")

    def cell(field: str):
        return groups.locator(f'td[data-field="{field}"]')

    with signed(mock, "u") as u:
        resting = orders.place(u, ticker=fed, count="1", price="0.30", order_group_id=gid)
        orders.place(u, ticker=fed, count="2", price="0.45", order_group_id=gid)  # takes 2 of the house's ask
    expect(cell("matched_fp")).to_have_text("2.00", timeout=WAIT_MS)  # not past 2: not triggered
    expect(cell("orders_count")).to_have_text("2", timeout=WAIT_MS)
    assert table(page, "order-groups-table") == orders.group_rows(mock, "u")
    assert table(page, "order-groups-table")[0]["orders"].startswith(resting["order_id"])
    assert table(page, "order-groups-table")[0]["resting_count"] == "1"
    markets.post(mock, "order_groups/trigger", {"user_id": "u", "order_group_id": gid})
    expect(cell("is_auto_cancel_enabled")).to_have_text("true", timeout=WAIT_MS)
    expect(cell("resting_count")).to_have_text("0", timeout=WAIT_MS)  # its resting order cancelled
    expect(page.locator("#resting-orders-table")).to_have_text("none", timeout=WAIT_MS)
    assert table(page, "order-groups-table") == orders.group_rows(mock, "u")
    keep_screenshot(page, "inspector-order-groups")
    markets.post(mock, "order_groups/reset", {"user_id": "u", "order_group_id": gid})
    expect(cell("is_auto_cancel_enabled")).to_have_text("false", timeout=WAIT_MS)
    expect(cell("matched_fp")).to_have_text("0.00", timeout=WAIT_MS)
    assert table(page, "order-groups-table") == orders.group_rows(mock, "u")
    markets.post(mock, "order_groups/delete", {"user_id": "u", "order_group_id": gid})
    expect(groups).to_have_text("none", timeout=WAIT_MS)
    assert page.evaluate("window.notReloaded") is True


def test_a_fast_moving_book_is_read_a_few_times_a_second(markets_sandbox, page: Page) -> None:
    mock, fed = markets_sandbox, markets.FED
    open_inspector(page, mock)
    page.locator(f'.market-button[data-ticker="{fed}"]').click()
    expect(page.locator("#yes-book-table")).to_be_visible(timeout=WAIT_MS)
    reads = {"book": 0, "list": 0}

    def count(request: Any) -> None:
        if request.url.endswith(f"/_admin/markets/{fed}"):
            reads["book"] += 1
        elif "/_admin/markets" in request.url:
            reads["list"] += 1

    page.on("request", count)
    began, moves = time.monotonic(), 0
    while time.monotonic() - began < 2:
        moves += 1
        mock.set_book(fed, yes=[["0.30", str(moves)]])  # the Python API: as fast as the ledger takes them
    expect(page.locator("#yes-bids-table")).to_contain_text(f"{moves}.00", timeout=WAIT_MS)
    took = time.monotonic() - began
    print(f"{moves} book changes in 2 s: the page read the book {reads['book']} times, the list {reads['list']}")
    assert moves > 100
    assert 1 <= reads["book"] <= took / 0.25 + 2 and reads["list"] <= took / 0.5 + 2


def test_the_filters_narrow_the_requests(sandbox, page: Page) -> None:
    mock, signer = sandbox
    open_inspector(page, mock)
    with httpx.Client(base_url=mock.base_url, timeout=10) as client:
        client.get(POSITIONS, auth=KalshiAuth(signer))
        client.get("/trade-api/v2/portfolio/balance", auth=KalshiAuth(signer))
        client.get(POSITIONS + "?limit=5000", auth=KalshiAuth(signer))  # 400
        client.get("/trade-api/v2/portfolio/fills")  # unsigned: 401, no user
        client.get("/api/v2/public/test")  # Deribit
    expect(page.locator("#requests-body tr.entry")).to_have_count(5, timeout=WAIT_MS)
    page.select_option("#filter-venue", "deribit")
    expect(page.locator("#requests-body tr.entry")).to_have_count(1)
    assert [row["venue"] for row in rows(page)] == ["deribit"]
    page.select_option("#filter-venue", "")
    page.select_option("#filter-status", "refused")
    expect(page.locator("#requests-body tr.entry")).to_have_count(2)
    assert sorted(row["status"] for row in rows(page)) == ["400", "401"]
    page.select_option("#filter-status", "")
    page.select_option("#filter-user", "alice")
    expect(page.locator("#requests-body tr.entry")).to_have_count(3)
    assert {row["user"] for row in rows(page)} == {"alice"}
    page.fill("#filter-text", "balance")
    expect(page.locator("#requests-body tr.entry")).to_have_count(1)
    assert rows(page)[0]["path"] == "/trade-api/v2/portfolio/balance"
    expect(page.locator("#rate-caption")).to_contain_text("1 requests in the last 5 minutes (filtered)")


def test_the_page_is_driven_from_the_keyboard(sandbox, page: Page) -> None:
    mock, signer = sandbox
    open_inspector(page, mock)
    plain_http.get(mock.base_url + POSITIONS, auth=KalshiAuth(signer), timeout=10)
    plain_http.get(mock.base_url + "/trade-api/v2/portfolio/balance", auth=KalshiAuth(signer), timeout=10)
    expect(page.locator("#requests-body tr.entry")).to_have_count(2, timeout=WAIT_MS)
    keyboard = page.keyboard
    keyboard.press("Tab")  # the first stop skips to the requests
    expect(page.locator(":focus")).to_have_text("Skip to the requests")
    keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_id("help-button")
    keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_attribute("data-key", "kalshi:0:alice")  # then the accounts
    keyboard.press("?")
    expect(page.locator("#help")).to_have_attribute("open", "")
    expect(page.locator("#help")).to_contain_text("step the scenario")
    keyboard.press("Escape")
    expect(page.locator("#help")).not_to_have_attribute("open", "")
    keyboard.press("j")
    expect(page.locator('[data-key="kalshi:0:alice"]')).to_have_attribute("aria-current", "true")
    expect(page.locator("#positions-table")).to_be_visible(timeout=WAIT_MS)
    keyboard.press("j")
    expect(page.locator('[data-key="kalshi:0:bob"]')).to_have_attribute("aria-current", "true")
    keyboard.press("k")
    expect(page.locator('[data-key="kalshi:0:alice"]')).to_be_focused()
    keyboard.press("ArrowDown")  # arrows move through the accounts, Enter picks one
    expect(page.locator('[data-key="kalshi:0:bob"]')).to_be_focused()
    keyboard.press("Enter")
    expect(page.locator("#account-title")).to_contain_text("bob", timeout=WAIT_MS)
    keyboard.press("/")
    expect(page.locator("#filter-text")).to_be_focused()
    keyboard.type("positions")
    expect(page.locator("#requests-body tr.entry")).to_have_count(1)
    keyboard.press("Escape")  # a search field: Escape empties it, and the page leaves it
    expect(page.locator("#requests-body tr.entry")).to_have_count(2)
    expect(page.locator("#filter-text")).not_to_be_focused()
    keyboard.press("r")
    expect(page.locator("#requests-body tr.entry").first).to_be_focused()
    keyboard.press("Enter")  # the newest request opens: what it was, what the mock found
    expect(page.locator("#requests-body tr.detail")).to_contain_text("GetBalance")
    keyboard.press("ArrowDown")
    expect(page.locator("#requests-body tr.entry").nth(1)).to_be_focused()
    keyboard.press("Enter")
    expect(page.locator("#requests-body tr.detail").nth(1)).to_contain_text("GetPositions")
    keyboard.press("s")
    expect(page.locator("#scenario-position")).to_have_text("step 1 of 11", timeout=WAIT_MS)


def test_a_screenshot_of_a_busy_sandbox_is_kept(sandbox, page: Page) -> None:
    mock, signer = sandbox
    mock.step(count=5)  # up to alice's sale
    with httpx.Client(base_url=mock.base_url, timeout=10) as client:
        for path in (POSITIONS, "/trade-api/v2/portfolio/balance", "/trade-api/v2/portfolio/fills"):
            client.get(path, auth=KalshiAuth(signer))
        client.get(POSITIONS + "?limit=5000", auth=KalshiAuth(signer))
        client.get(POSITIONS + "?limit=5", headers=signed_with_the_query(signer, POSITIONS + "?limit=5"))
        client.get("/api/v2/public/test")
    mock.add_fault(path="/trade-api/v2/portfolio/settlements", status=503, times=3)
    with connect(mock.kalshi_ws_url, additional_headers=signer.headers("GET", "/trade-api/ws/v2")) as ws:
        for sid, channel in enumerate(("market_positions", "fill"), start=1):
            ws.send(json.dumps({"id": sid, "cmd": "subscribe", "params": {"channels": [channel]}}))
            ws.recv(5)
        open_inspector(page, mock)
        select_account(page, "kalshi:0:alice")
        expect(page.locator("#positions-table")).to_be_visible(timeout=WAIT_MS)
        mock.step(count=1)  # a fill of alice's, live: to the page and down the websocket
        ws.recv(5)
        expect(page.locator("#scenario-position")).to_have_text("step 6 of 11", timeout=WAIT_MS)
        expect(page.locator("#connection-list")).to_contain_text("market_position", timeout=WAIT_MS)
        expect(page.locator("#requests-body tr.entry")).to_have_count(9, timeout=WAIT_MS)  # 6, the upgrade, 2 commands
        mock.set_book("KXFED-26DEC-T4.00", yes=[["0.56", "250"], ["0.55", "400"]], no=[["0.42", "300"], ["0.41", "50"]])
        page.locator('.market-button[data-ticker="KXFED-26DEC-T4.00"]').click()  # the market alice trades, its book
        expect(page.locator("#yes-book-table")).to_contain_text("0.5800", timeout=WAIT_MS)
        page.evaluate("window.scrollTo(0, 0)")  # the sticky header at the top of the picture
        path = keep_screenshot(page, "inspector")
    wanted = os.environ.get("MOCKEXCHANGE_INSPECTOR_SCREENSHOT")
    if wanted:
        shutil.copyfile(path, wanted)
        print(f"inspector screenshot copied to {wanted}")
    assert path.stat().st_size > 10_000
