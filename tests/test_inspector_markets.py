"""The inspector's markets over real HTTP (docs/admin-api.md, docs/inspector.md): GET /_admin/markets (rows the fields
GET /markets serves, paged in ticker order, searched, a read's scan bounded, 10,000 markets read a small page at a
time), GET /_admin/markets/{ticker} (the market, its orderbook, event and series byte for byte what REST serves, in
both profiles, and the YES book it is read from with the house's levels and the book's clock), a hostile query or
ticker refused in the admin shape (never a 500), and the live feed's `markets` event: a book change, a pause and the
clock opening a market named as they happen, a flood of book changes a few small events."""

from __future__ import annotations

import time
from urllib.parse import quote

import httpx
import orjson
import plain_http
import pytest
from inspector_markets import CPI, FED, LATER, START, rest, seed
from test_inspector_api import Events

from mockexchange.admin import feed as feed_module
from mockexchange.admin.kalshi import markets as kalshi_markets
from mockexchange.core.clock import ManualClock
from mockexchange.server import MockServer


@pytest.fixture
def mock():
    with MockServer(clock=ManualClock(START)) as server:
        seed(server)
        yield server


def admin(mock: MockServer, path: str, **params: str) -> httpx.Response:
    return plain_http.get(f"{mock.base_url}/_admin/{path}", params=params, timeout=10)


# -- the list ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("profile", ["3.34", "legacy"])
def test_the_list_is_fields_of_the_markets_rest_serves(profile: str) -> None:
    with MockServer(clock=ManualClock(START), profile=profile) as mock:
        seed(mock)
        mock.pause_market(CPI)
        answer = admin(mock, "markets")
        served = {m["ticker"]: m for m in rest(mock, "/markets", limit="1000").json()["markets"]}
        exchange = rest(mock, "/exchange/status").json()
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert [row["ticker"] for row in body["markets"]] == sorted(served) == [CPI, FED, LATER]
    for row in body["markets"]:
        market = served[row["ticker"]]
        assert {name: row[name] for name in kalshi_markets.ROW_FIELDS} == {
            name: market.get(name) for name in kalshi_markets.ROW_FIELDS
        }
    rows = {row["ticker"]: row for row in body["markets"]}
    assert rows[FED]["yes_bid_dollars"] == "0.4000" and rows[FED]["yes_ask_dollars"] == "0.4500"
    assert rows[FED]["volume_fp"] == "10.00" and rows[FED]["book_clock"] == 1
    assert (rows[FED]["series_ticker"], rows[CPI]["series_ticker"]) == ("KXFED", "KXCPI")
    assert rows[LATER]["status"] == "initialized"
    assert rows[CPI]["status"] == ("inactive" if profile == "3.34" else "closed")  # the 3.2.0 SDK's word
    assert body["counts"] == {"markets": 3, "events": 2, "series": 2}
    assert body["exchange"] == exchange and body["cursor"] == "" and body["profile"] == profile


def test_pages_walk_every_market_in_ticker_order(mock: MockServer) -> None:
    for i in range(120):
        mock.create_market(f"KXPAGE-26-M{i:03d}")
    seen, cursor, pages = [], "", 0
    while True:
        body = admin(mock, "markets", limit="50", **({"cursor": cursor} if cursor else {})).json()
        seen += [row["ticker"] for row in body["markets"]]
        pages += 1
        cursor = body["cursor"]
        if not cursor:
            break
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == 123
    assert pages == 3
    assert admin(mock, "markets", cursor="ZZZ").json()["markets"] == []  # past the last ticker: nothing


def test_a_search_and_a_status_narrow_the_list(mock: MockServer) -> None:
    def tickers(**params: str) -> list[str]:
        return [row["ticker"] for row in admin(mock, "markets", **params).json()["markets"]]

    assert tickers(search="t4.25") == [LATER]  # any case
    assert tickers(search="kxfed") == [FED, LATER]  # the series (and event) ticker
    assert tickers(search="above 4.00") == [FED]  # the title
    assert tickers(status="initialized") == [LATER]
    assert tickers(status="active", search="KXFED") == [FED]
    assert tickers(search="nothing like it") == []


def test_a_read_looks_at_a_bounded_number_of_markets(mock: MockServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kalshi_markets, "MAX_SCANNED", 2)
    first = admin(mock, "markets", search=LATER).json()
    assert first["markets"] == [] and first["cursor"] == FED  # looked at KXCPI and FED, found none: go on after FED
    second = admin(mock, "markets", search=LATER, cursor=first["cursor"]).json()
    assert [row["ticker"] for row in second["markets"]] == [LATER] and second["cursor"] == ""


@pytest.mark.slow
def test_ten_thousand_markets_are_read_a_small_page_at_a_time() -> None:
    with MockServer(clock=ManualClock(START)) as mock:
        for i in range(10_000):
            mock.create_market(f"KXBIG{i % 10}-26-E{i % 100:02d}-M{i:05d}")
        mock.set_book("KXBIG0-26-E00-M00000", yes=[["0.40", "100"]], no=[["0.55", "20"]])
        began = time.perf_counter()
        first = admin(mock, "markets")
        took = time.perf_counter() - began
        searched = admin(mock, "markets", search="M09999")
    body = first.json()
    assert len(body["markets"]) == kalshi_markets.DEFAULT_LIMIT and body["counts"]["markets"] == 10_000
    print(f"first read of 10,000 markets: {len(first.content)} bytes, {took * 1000:.1f} ms")
    assert len(first.content) < 40_000, "a page, not the sandbox"
    assert [row["ticker"] for row in searched.json()["markets"]] == ["KXBIG9-26-E99-M09999"]


# -- one market -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("profile", ["3.34", "legacy"])
def test_one_market_is_what_rest_serves_with_the_book_it_is_read_from(profile: str) -> None:
    with MockServer(clock=ManualClock(START), profile=profile) as mock:
        seed(mock)
        answer = admin(mock, f"markets/{FED}")
        market = rest(mock, f"/markets/{FED}")
        orderbook = rest(mock, f"/markets/{FED}/orderbook")
        event = rest(mock, "/events/KXFED-26DEC", exclude_markets="true").json()["event"]
        series = rest(mock, "/series/KXFED").json()["series"]
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert orjson.dumps(body["orderbook"]) == orderbook.content, "the orderbook's bytes, as REST serves them"
    assert body["market"] == market.json()["market"]
    assert (body["event"], body["series"], body["series_ticker"]) == (event, series, "KXFED")
    assert body["queries"]["orderbook"] == f"GET /trade-api/v2/markets/{FED}/orderbook"
    book = body["book"]
    assert book["clock"] == 1
    assert book["bids"] == [
        {"yes_price_dollars": "0.4000", "no_price_dollars": "0.6000", "count_fp": "100.00",
         "owners": [{"owner": "house", "count_fp": "100.00"}]},
        {"yes_price_dollars": "0.3900", "no_price_dollars": "0.6100", "count_fp": "5.50",
         "owners": [{"owner": "house", "count_fp": "5.50"}]},
    ]  # fmt: skip
    assert book["asks"] == [
        {"yes_price_dollars": "0.4500", "no_price_dollars": "0.5500", "count_fp": "20.00",
         "owners": [{"owner": "house", "count_fp": "20.00"}]},
    ]  # fmt: skip
    kalshi = orderbook.json()["orderbook_fp" if profile == "3.34" else "orderbook"]
    assert kalshi["yes_dollars"] == [[b["yes_price_dollars"], b["count_fp"]] for b in reversed(book["bids"])]
    assert kalshi["no_dollars"] == [[a["no_price_dollars"], a["count_fp"]] for a in reversed(book["asks"])]


def test_a_market_without_a_book_has_empty_sides(mock: MockServer) -> None:
    body = admin(mock, f"markets/{LATER}").json()
    assert body["book"] == {"clock": 0, "bids": [], "asks": []}
    assert body["orderbook"] == {"orderbook_fp": {"yes_dollars": [], "no_dollars": []}}


# -- refusals ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    ["limit=0", "limit=201", "limit=-1", "limit=1.5", "limit=\uff11", "limit=" + "9" * 5000, "limit=", "status=ACTIVE",
     "status=open", "status=", "search=" + "x" * 257, "cursor=" + "x" * 257, "what=1", "limit=1&limit=1",
     "search=a&search=b"],
)  # fmt: skip
def test_a_hostile_markets_query_is_a_400_not_a_500(mock: MockServer, query: str) -> None:
    answer = plain_http.get(f"{mock.base_url}/_admin/markets?{query}", timeout=10)
    assert answer.status_code == 400, answer.text
    assert set(answer.json()) == {"error"}


@pytest.mark.parametrize(
    "query", ["search=%00%ff\u4e2d", "cursor=%00", "search=%25%2F..%2F", "cursor=" + "\uffff" * 10]
)
def test_odd_text_in_a_markets_query_is_just_text(mock: MockServer, query: str) -> None:
    answer = plain_http.get(f"{mock.base_url}/_admin/markets?{query}", timeout=10)
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize(
    "ticker", ["nobody", "a/b", "../../etc/passwd", "%00", "\u00e9\u4e2d", "x" * 5000, " ", "pause"]
)
def test_an_unknown_or_hostile_ticker_is_a_404_in_the_admin_shape(mock: MockServer, ticker: str) -> None:
    answer = plain_http.get(f"{mock.base_url}/_admin/markets/{quote(ticker, safe='')}", timeout=10)
    assert answer.status_code == 404, answer.text
    assert set(answer.json()) == {"error"} and "unknown market" in answer.json()["error"]


def test_one_market_takes_no_query(mock: MockServer) -> None:
    answer = plain_http.get(f"{mock.base_url}/_admin/markets/{FED}?depth=1", timeout=10)
    assert answer.status_code == 400 and "depth" in answer.json()["error"]


def test_the_market_reads_are_guarded_like_the_admin_api() -> None:
    with MockServer(admin_token="sesame") as mock:
        mock.create_market(FED)
        for path in ("markets", f"markets/{FED}"):
            assert admin(mock, path).status_code == 401
            allowed = plain_http.get(f"{mock.base_url}/_admin/{path}", headers={"Authorization": "Bearer sesame"})
            assert allowed.status_code == 200
        assert plain_http.post(f"{mock.base_url}/_admin/markets", json={"ticker": "X-1"}).status_code == 401


# -- the live feed ----------------------------------------------------------------------------------------------------


def named(ticker: str):
    return lambda data: data["tickers"] is not None and ticker in data["tickers"]


@pytest.mark.slow
def test_the_feed_names_a_market_whose_book_or_status_moved(mock: MockServer) -> None:
    events = Events(mock)
    try:
        events.wait_for("hello")
        mock.set_book(FED, yes=[["0.41", "7"]])  # the Python API: only the bus tells the feed
        events.wait_for("markets", named(FED))
        time.sleep(3 * feed_module.COALESCE_S)
        assert not [data for name, data in events.got if name == "state"], "a book is no account's"
        events.got.clear()
        plain_http.post(f"{mock.base_url}/_admin/markets/pause", json={"ticker": FED}, timeout=10)
        events.wait_for("markets", named(FED))
        events.got.clear()
        mock.advance_clock(seconds=86_400)  # LATER opens: the clock's transition, with no lifecycle event of Kalshi's
        events.wait_for("markets", named(LATER))
        assert admin(mock, f"markets/{LATER}").json()["market"]["status"] == "active"
        events.got.clear()
        mock.fill("u", FED.replace("T4.00", "T4.50"), "yes", "buy", "1", "0.50")  # a new market, and a trade
        events.wait_for("markets", named("KXFED-26DEC-T4.50"))
        events.wait_for("state", lambda data: data["users"] is not None and data["users"]["kalshi"] == ["u"])
    finally:
        events.close()


def test_a_flood_of_book_changes_is_a_few_small_events(mock: MockServer) -> None:
    events = Events(mock)
    try:
        events.wait_for("hello")
        for i in range(300):
            mock.set_book(FED, yes=[["0.30", str(i + 1)]])
        events.wait_for("markets", named(FED))
        time.sleep(3 * feed_module.COALESCE_S)
        sent = [data for name, data in events.got if name == "markets"]
        assert 1 <= len(sent) < 60 and all(data == {"tickers": [FED]} for data in sent)
    finally:
        events.close()


def test_more_markets_than_it_names_are_every_market(mock: MockServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(feed_module, "MAX_MARKETS_NAMED", 3)
    events = Events(mock)
    try:
        events.wait_for("hello")
        mock.fills([{"user_id": "u", "ticker": f"KXMANY-26-M{i}", "side": "yes", "action": "buy", "count": "1",
                     "price": "0.5"} for i in range(5)])  # fmt: skip
        events.wait_for("markets", lambda data: data["tickers"] is None)
        events.got.clear()
        mock.reset()
        events.wait_for("markets", lambda data: data["tickers"] is None)
    finally:
        events.close()
