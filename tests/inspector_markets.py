"""The markets sandbox the inspector's market tests share (test_inspector_markets.py over HTTP, and the page in
Chromium and Firefox): a series, an event of two markets (one open with the house's book, one opening a day after
START), a market a fill listed by itself, and what REST serves of them, as the page's tables show it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import plain_http

from mockexchange.admin.kalshi import markets as kalshi_markets
from mockexchange.server import MockServer

START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
FED = "KXFED-26DEC-T4.00"
LATER = "KXFED-26DEC-T4.25"  # opens a day after START
CPI = "KXCPI-26MAR-T3.0"
BOOK = {"ticker": FED, "yes": [["0.40", "100"], ["0.39", "5.5"]], "no": [["0.55", "20"]]}


def seed(mock: MockServer) -> None:
    """The markets, the book set through the admin API (as a client developer's fixture would), a fill."""
    mock.create_account("u", balance_cents=1_000_000)
    mock.set_series("KXFED", title="Fed", category="Economics", fee_multiplier="0.1")
    mock.set_event("KXFED-26DEC", title="December", collateral_return_type="MECNET")
    mock.create_market(FED, title="Fed above 4.00", floor_strike="4.00", strike_type="greater")
    mock.create_market(LATER, open_time=(START + timedelta(days=1)).isoformat(), close_time="2026-12-01T00:00:00Z")
    post(mock, "books", BOOK)
    mock.fill("u", FED, "yes", "buy", "10", "0.45")
    mock.fill("u", CPI, "yes", "buy", "1", "0.30")  # lists KXCPI by itself


def post(mock: MockServer, operation: str, body: dict) -> dict:
    answer = plain_http.post(f"{mock.base_url}/_admin/{operation}", json=body, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def rest(mock: MockServer, path: str, **params: str) -> httpx.Response:
    answer = plain_http.get(mock.kalshi_url + path, params=params, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer


def text(value: object) -> str:
    """A value as the page's cells show it (– for none)."""
    return "\u2013" if value is None or value == "" else str(value)


def expected_rows(mock: MockServer) -> list[dict[str, str]]:
    """The markets table: each market's fields as GET /markets serves them, in ticker order."""
    served = rest(mock, "/markets", limit="1000").json()["markets"]
    hidden = ("title", "yes_bid_size_fp", "yes_ask_size_fp")  # the ticker's tooltip; sizes are in the book
    columns = [name for name in kalshi_markets.ROW_FIELDS if name not in hidden]
    return [{name: text(m[name]) for name in columns} for m in sorted(served, key=lambda m: m["ticker"])]


def expected_sides(mock: MockServer, ticker: str) -> tuple[list[list[str]], list[list[str]]]:
    """GET /markets/{ticker}/orderbook's YES bids and NO bids as [price, count], in the order it lists them."""
    book = rest(mock, f"/markets/{ticker}/orderbook").json()["orderbook_fp"]
    return book["yes_dollars"], book["no_dollars"]
