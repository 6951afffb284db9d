"""Why a request was refused, in the inspector, in Debian's headless chromium (as tests/test_inspector_browser.py):
a venue's refusal (code and message) and the mock's diagnosis in the row's "why", for Kalshi and Deribit, over REST and
the websocket; the row opened shows the request's and the answer's bodies, a credential in them `[redacted]`
(issue 46)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import httpx
import plain_http
import pytest
import test_inspector_browser as chromium
from playwright.sync_api import Locator, Page, expect
from test_inspector_browser import WAIT_MS, keep_screenshot, open_inspector
from waits import HANG_S
from websockets.sync.client import connect

from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiAuth, KalshiSigner

pytestmark = pytest.mark.slow  # conftest.py: outside the inner loop's subset
browser, page = chromium.browser, chromium.page  # its fixtures: Debian's chromium, a page that must stay quiet

ORDERS = "/trade-api/v2/portfolio/events/orders"
MARKET = "KXWHY-26-T1"
SECRET = "planted-secret-0123456789"


@pytest.fixture
def refusing() -> Iterator[tuple[MockServer, KalshiSigner]]:
    """alice with $1 (an order for $50 is refused) and dan's Deribit key, whose secret is planted in bodies."""
    with MockServer() as mock:
        mock.create_account("alice", balance_cents=100)
        mock.create_market(MARKET, "KXWHY-26")
        key = mock.create_key("alice")
        mock.create_deribit_account("dan", balances={"BTC": "1"})
        mock.create_deribit_key("dan", client_id="DanKey", client_secret=SECRET)
        yield mock, KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])


def why(page: Page, text: str) -> Locator:
    """The row whose "why" says `text`, once it shows."""
    row = page.locator("#requests-body tr.entry").filter(has=page.locator("td.why", has_text=text))
    expect(row).to_have_count(1, timeout=WAIT_MS)
    return row


def test_a_refusal_is_the_rows_why_and_its_bodies_open_from_the_row(refusing, page: Page) -> None:
    mock, signer = refusing
    open_inspector(page, mock)
    order = {"ticker": MARKET, "side": "bid", "count": "100", "price": "0.50", "time_in_force": "good_till_canceled",
             "self_trade_prevention_type": "taker_at_cross"}  # fmt: skip
    with httpx.Client(base_url=mock.base_url, auth=KalshiAuth(signer), timeout=10) as client:
        refused = client.post(ORDERS, json=order)
    assert refused.status_code == 400, refused.text
    with connect(mock.kalshi_ws_url, additional_headers=signer.headers("GET", "/trade-api/ws/v2")) as ws:
        ws.send('{"id": 1, "cmd": "subscribe", "params": {"channels": ["no_such_channel"]}}')
        assert json.loads(ws.recv(timeout=HANG_S))["msg"]["code"] == 8
    bad_amount = {"jsonrpc": "2.0", "id": 2, "method": "private/buy",
                  "params": {"instrument_name": "BTC-PERPETUAL", "amount": "lots", "type": "market"}}  # fmt: skip
    basic = {"Authorization": "Basic " + base64.b64encode(f"DanKey:{SECRET}".encode()).decode()}
    assert plain_http.post(mock.deribit_url + "/api/v2", json=bad_amount, headers=basic, timeout=10).status_code == 400
    with connect(mock.deribit_ws_url) as ws:
        ws.send('{"jsonrpc": "2.0", "id": 3, "method": "public/get_nothing"}')
        assert json.loads(ws.recv(timeout=HANG_S))["error"]["code"] == -32601

    kalshi = why(page, "insufficient_balance: insufficient balance")
    expect(kalshi.locator("td.why")).to_contain_text("mock: insufficient balance: the order needs")
    expect(why(page, "8: Unknown channel name").locator("td.why")).to_contain_text("mock: channel 'no_such_channel'")
    deribit = why(page, "-32602: Invalid params").locator("td.why")
    expect(deribit).to_contain_text("mock: amount")
    expect(deribit).not_to_contain_text("(private/buy)")  # its problem, the same diagnosis, is said once
    expect(why(page, "-32601: Method not found").locator("td.why")).to_contain_text("mock: the mock serves no method")

    kalshi.click()
    detail = page.locator("#requests-body tr.detail")
    expect(detail.locator("pre.request")).to_have_text(json.dumps(order, separators=(",", ":")), timeout=WAIT_MS)
    expect(detail.locator("pre.answer")).to_have_text(refused.text)
    expect(detail).to_contain_text("refused by the venue")
    keep_screenshot(page, "inspector-refusal")


def test_a_secret_in_the_bodies_shows_redacted(refusing, page: Page) -> None:
    mock, _ = refusing
    open_inspector(page, mock)
    auth = {"jsonrpc": "2.0", "id": 1, "method": "public/auth",
            "params": {"grant_type": "client_credentials", "client_id": "DanKey", "client_secret": SECRET}}  # fmt: skip
    answer = plain_http.post(mock.deribit_url + "/api/v2", json=auth, timeout=10).json()["result"]
    row = page.locator("#requests-body tr.entry").filter(has_text="/api/v2")
    expect(row).to_have_count(1, timeout=WAIT_MS)
    row.click()
    detail = page.locator("#requests-body tr.detail")
    expect(detail.locator("pre.request")).to_contain_text('"client_secret":"[redacted]"', timeout=WAIT_MS)
    expect(detail.locator("pre.answer")).to_contain_text('"access_token":"[redacted]"')
    shown = detail.inner_text()
    for secret in (SECRET, answer["access_token"], answer["refresh_token"]):
        assert secret not in shown
