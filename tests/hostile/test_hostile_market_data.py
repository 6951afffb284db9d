"""Hostile queries to Kalshi's market data over real HTTP, each request line written by hand (so that no client library
cleans it up first): non-ASCII digits, integers of thousands of digits, int64's own bounds, negative and overflowing
depths, limits, timestamps and period intervals, lists of 10,000 items, tickers of 60,000 characters, tampered cursors.
Each is Kalshi's 400 `{"msg"}` naming the parameter, or its 404, or (a cursor it cannot use, a timestamp at int64's
edge) an answer Kalshi gives; never a 500, a hang or a header a client cannot read; every number an answer writes fits
int64; and a filter's cost is its markets', not their product."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import quote, urlencode

import pytest
from hostile_probe import kalshi_number, parse
from hostile_wire import Answer, send

from mockexchange.core.clock import ManualClock
from mockexchange.core.numbers import INT64_MAX, INT64_MIN
from mockexchange.server import MockServer
from mockexchange.web.answers import MAX_HEADER_CHARS

START = datetime(2026, 3, 2, 12, tzinfo=UTC)
FED, CPI = "KXFED-26DEC-T4.00", "KXCPI-26MAR-T3.0"
V2 = "/trade-api/v2"
CANDLES = f"/series/KXFED/markets/{FED}/candlesticks"
ARABIC_3 = quote("٣")  # a digit to Unicode, not to Go's strconv
NINES = "9" * 5000
LONG = "K" * 60_000
PRINTABLE = re.compile(r"[\x20-\x7e\xa0-\xff]*")
CANDLE_RANGE = {"start_ts": 0, "end_ts": 1, "period_interval": 1}


def ten_thousand(prefix: str = "T") -> str:
    """10,000 comma-separated items in under 64 KiB (a request head's bound)."""
    return ",".join(f"{prefix}{n}" for n in range(10_000))


@pytest.fixture(scope="module")
def mock() -> Iterator[MockServer]:
    with MockServer(clock=ManualClock(START)) as server:
        server.create_account("u", balance_cents=1_000_000)
        server.set_series("KXFED", title="Fed", tags=["Rates"])
        server.create_market(FED)
        server.set_book(FED, yes=[["0.40", "10"], ["0.39", "3"]], no=[["0.55", "4"]])
        server.fill("u", FED, "yes", "buy", "2", "0.45")
        server.advance_clock(seconds=120)
        server.set_book(FED, yes=[["0.41", "10"]])
        server.fill("u", FED, "no", "buy", "1", "0.57")
        server.fill("u", CPI, "yes", "buy", "1", "0.30")
        yield server


def get(mock: MockServer, path: str, query: str = "") -> Answer:
    return send(mock, "GET", V2 + path + (f"?{query}" if query else ""))


def assert_readable(answer: Answer) -> None:
    """A diagnosis a client can read: printable, and short enough for any client's header line."""
    diagnosis = answer.headers.get("x-mockexchange-diagnosis", "")
    assert len(diagnosis) <= MAX_HEADER_CHARS and PRINTABLE.fullmatch(diagnosis), diagnosis[:200]


# (path, query, what the 400's msg names)
REFUSED = [
    ("/markets", f"limit={ARABIC_3}", 'parsing \\"٣\\": invalid syntax'),
    ("/markets", f"limit={NINES}", "value out of range"),
    ("/markets", "limit=-1", "'Limit' failed on the 'gte' tag"),
    ("/markets", "limit=1001", "'Limit' failed on the 'lte' tag"),
    ("/markets", f"limit={INT64_MAX + 1}", "value out of range"),
    ("/markets", f"tickers={ten_thousand()}", "'Tickers' failed on the 'max' tag"),
    ("/markets", f"min_close_ts={INT64_MIN - 1}", "parameter min_close_ts"),
    ("/markets", f"max_created_ts={ARABIC_3}", "parameter max_created_ts"),
    ("/markets", "min_settled_ts=1_0", "parameter min_settled_ts"),
    ("/markets", f"event_ticker={quote(','.join(['E'] * 5000))}", "'EventTicker' failed on the 'excludes' tag"),
    ("/markets", "status=open%00", "'Status' failed on the 'oneof' tag"),
    (f"/markets/{FED}/orderbook", "depth=-1", "'Depth' failed on the 'min' tag"),
    (f"/markets/{FED}/orderbook", "depth=101", "'Depth' failed on the 'max' tag"),
    (f"/markets/{FED}/orderbook", f"depth={INT64_MAX + 1}", "value out of range"),
    (f"/markets/{FED}/orderbook", f"depth={ARABIC_3}", "parameter depth"),
    (f"/markets/{FED}/orderbook", f"depth={NINES}", "value out of range"),
    ("/markets/orderbooks", "tickers=" + "K" * 300, "'Tickers[0]' failed on the 'max' tag"),
    ("/markets/orderbooks", "&".join(f"tickers={FED}" for _ in range(101)), "'Tickers' failed on the 'max' tag"),
    ("/markets/orderbooks", "", "'Tickers' failed on the 'required' tag"),
    ("/markets/trades", f"limit={ARABIC_3}", "parameter limit"),
    ("/markets/trades", "limit=-5", "'Limit' failed on the 'gte' tag"),
    ("/markets/trades", f"min_ts={INT64_MIN}0", "value out of range"),
    ("/markets/trades", f"max_ts={NINES}", "value out of range"),
    ("/markets/trades", "is_block_trade=%D9%A3", "strconv.ParseBool"),
    (CANDLES, "start_ts=0&end_ts=1&period_interval=2", "'PeriodInterval' failed on the 'oneof' tag"),
    (CANDLES, f"start_ts=0&end_ts=1&period_interval={ARABIC_3}", "strconv.ParseInt: parsing"),  # (an integer)
    (CANDLES, "start_ts=0&end_ts=1&period_interval=0", "'PeriodInterval' failed on the 'required' tag"),
    (CANDLES, f"start_ts={ARABIC_3}&end_ts=1&period_interval=1", "parameter start_ts"),
    (CANDLES, f"start_ts=0&end_ts={NINES}&period_interval=1", "value out of range"),
    (CANDLES, "end_ts=1&period_interval=1", "'StartTs' failed on the 'required' tag"),
    ("/markets/candlesticks", f"market_tickers={ten_thousand()}&{urlencode(CANDLE_RANGE)}", "'MarketTickers' failed"),
    ("/markets/candlesticks", f"market_tickers={FED}&start_ts=0&end_ts=1&period_interval=0", "'PeriodInterval' fai"),
    ("/markets/candlesticks", f"market_tickers={FED}&start_ts=0&end_ts=1&period_interval={2**31}", "'PeriodInterv"),
    ("/markets/candlesticks", f"market_tickers={FED}&start_ts=0&end_ts=1&period_interval=-1", "'PeriodInterval'"),
    ("/markets/candlesticks", "market_tickers=&start_ts=0&end_ts=1&period_interval=1", "'MarketTickers' failed"),
    ("/events", "limit=0", "'Limit' failed on the 'min' tag"),
    ("/events", "limit=201", "'Limit' failed on the 'max' tag"),
    ("/events", f"limit={ARABIC_3}", "parameter limit"),
    ("/events", f"tickers={ten_thousand()}", "'Tickers' failed on the 'max' tag"),
    ("/events", f"min_close_ts={NINES}", "value out of range"),
    ("/events", "with_nested_markets=yes", "strconv.ParseBool"),
    ("/events/KXFED-26DEC", "exclude_markets=1&with_nested_markets=1", "'ExcludeMarkets' failed on the 'excluded_wi"),
    ("/series", f"tags={ten_thousand()}", "'Tags' failed on the 'max' tag"),
    ("/series", f"min_updated_ts={ARABIC_3}", "parameter min_updated_ts"),
    ("/series/KXFED", "include_volume=2", "strconv.ParseBool"),
]


@pytest.mark.parametrize(("path", "query", "named"), REFUSED, ids=[f"{p} {q[:40]}" for p, q, _ in REFUSED])
def test_a_hostile_parameter_is_kalshis_400_naming_it(mock, path, query, named):
    started = time.monotonic()
    answer = get(mock, path, query)
    assert time.monotonic() - started < 5, "answered at once"
    assert answer.status == 400, answer.body[:300]
    body = answer.json()
    assert list(body) == ["msg"] and body["msg"].startswith("Parameter validation failed for "), body
    assert named in answer.body.decode(), body["msg"][:300]
    assert_readable(answer)


@pytest.mark.parametrize(
    "path",
    [f"/markets/{LONG}", f"/markets/{LONG}/orderbook", f"/events/{LONG}", f"/series/{LONG}",
     f"/series/KXFED/markets/{LONG}/candlesticks?{urlencode(CANDLE_RANGE)}",
     f"/markets/candlesticks?market_tickers={'K' * 5000}&{urlencode(CANDLE_RANGE)}"],
    ids=["market", "orderbook", "event", "series", "candlesticks", "batch"],
)  # fmt: skip
def test_a_ticker_of_thousands_of_characters_is_kalshis_404_with_a_diagnosis_a_client_reads(mock, path):
    """The diagnosis quotes what was asked for, cut: a 60,000-character header line is more than http.client (64 KiB),
    Go's default reader (1 MiB, less with other headers) or nginx (8 KiB) read."""
    answer = get(mock, path)
    assert answer.status == 404 and answer.json() == {"error": {"code": "not_found", "message": "not found"}}
    assert_readable(answer)
    assert "characters in all" in answer.headers["x-mockexchange-diagnosis"]


def test_a_series_of_thousands_of_characters_before_a_markets_candles_is_not_read(mock):
    """A market's candlesticks answer whatever series the path names (as Kalshi's do): a 60,000-character one too,
    the same candles as its own series'."""
    query = urlencode(CANDLE_RANGE)
    answer, own = get(mock, f"/series/{LONG}/markets/{FED}/candlesticks?{query}"), get(mock, f"{CANDLES}?{query}")
    assert (answer.status, answer.json()) == (200, own.json())
    assert_readable(answer)


EXTREMES = [
    ("/markets", {"min_close_ts": INT64_MIN, "max_close_ts": INT64_MAX}, "markets", 2),
    ("/markets", {"min_created_ts": INT64_MAX}, "markets", 0),
    ("/markets", {"max_settled_ts": INT64_MIN, "status": "settled"}, "markets", 0),
    ("/markets", {"min_updated_ts": INT64_MIN, "mve_filter": "exclude"}, "markets", 2),
    ("/markets/trades", {"min_ts": INT64_MIN, "max_ts": INT64_MAX}, "trades", 3),
    ("/markets/trades", {"min_ts": INT64_MAX}, "trades", 0),
    ("/events", {"min_close_ts": INT64_MIN, "min_updated_ts": INT64_MIN}, "events", 2),
    ("/series", {"min_updated_ts": INT64_MIN}, "series", 2),
    (CANDLES, {"start_ts": INT64_MIN, "end_ts": INT64_MAX, "period_interval": 1}, "candlesticks", 2),
    (CANDLES, {"start_ts": INT64_MIN, "end_ts": INT64_MAX, "period_interval": 1440,
               "include_latest_before_start": "true"}, "candlesticks", 1),
    (CANDLES, {"start_ts": INT64_MAX, "end_ts": INT64_MAX, "period_interval": 1,
               "include_latest_before_start": "true"}, "candlesticks", 0),
    ("/markets/candlesticks", {"market_tickers": FED, "start_ts": INT64_MAX, "end_ts": INT64_MAX,
                               "period_interval": 2**31 - 1, "include_latest_before_start": "true"}, "markets", 1),
    ("/markets/candlesticks", {"market_tickers": f"{FED},{CPI}", "start_ts": INT64_MIN, "end_ts": INT64_MAX,
                               "period_interval": 2**31 - 1, "include_latest_before_start": "true"}, "markets", 2),
]  # fmt: skip


@pytest.mark.parametrize(("path", "query", "listed", "count"), EXTREMES, ids=[f"{p} {q}"[:60] for p, q, *_ in EXTREMES])
def test_int64s_edges_are_read_and_every_number_answered_fits_int64(mock, path, query, listed, count):
    """A timestamp at int64's edge is a query like another, and the answer carries no integer past int64: a candle
    whose period would end past it (`include_latest_before_start` near the bound) is not made."""
    answer = get(mock, path, urlencode(query))
    assert answer.status == 200, answer.body[:300]
    body = parse(answer.body.decode(), kalshi_number)  # asserts each integer fits int64
    assert len(body[listed]) == count, body


def _first_page(mock: MockServer, path: str, key: str, query: dict) -> list:
    answer = get(mock, path, urlencode(query))
    assert answer.status == 200, answer.body[:300]
    return answer.json()[key]


@pytest.mark.parametrize(
    ("path", "key", "query"),
    [("/markets", "markets", {"limit": 1}), ("/events", "events", {"limit": 1}),
     ("/markets/trades", "trades", {"limit": 1})],
)  # fmt: skip
def test_a_tampered_cursor_starts_from_the_first_page_as_kalshis_markets_do(mock, path, key, query):
    """Kalshi answers a /markets cursor it cannot use with the first page (docs/known-differences.md); the mock's
    market data reads do so whatever was done to the cursor."""
    first = _first_page(mock, path, key, query)
    issued = get(mock, path, urlencode(query)).json()["cursor"]
    assert issued, "a second page exists"
    other = get(mock, "/events" if path != "/events" else "/markets", "limit=1").json()["cursor"]
    for cursor in (
        "garbage",
        issued[:-3],
        issued[:5] + ("A" if issued[5] != "A" else "B") + issued[6:],
        issued + "x" * 100,
        LONG[:50_000],
        other,
        "%FF%FE%00",
        "e30",
        "W10=",
        quote(json.dumps({"k": ["Z" * 300], "f": {}})),
    ):
        answer = get(mock, path, urlencode(query) + "&cursor=" + (cursor if "%" in cursor else quote(cursor)))
        assert answer.status == 200, (cursor[:40], answer.body[:300])
        assert answer.json()[key] == first, cursor[:40]


def test_an_event_and_series_filter_over_a_large_event_costs_its_markets_not_their_product():
    """GET /markets with `event_ticker` and `series_ticker` of an event of 20,000 markets intersects two sets once:
    read as a list against a set made for each of its items, it took minutes (and held the ledger's lock)."""
    with MockServer(clock=ManualClock(START)) as mock:
        for n in range(20_000):
            mock.ledger.catalogue.list_market(f"KXBIG-26-T{n:05d}")
        query = urlencode({"event_ticker": "KXBIG-26", "series_ticker": "KXBIG", "limit": 2})
        for filters in (query, query + "&tickers=" + ",".join(f"KXBIG-26-T{n:05d}" for n in range(0, 20_000, 20))):
            started = time.monotonic()
            answer = get(mock, "/markets", filters)
            assert answer.status == 200 and [m["ticker"] for m in answer.json()["markets"]] == [
                "KXBIG-26-T00000", "KXBIG-26-T00001" if "tickers" not in filters else "KXBIG-26-T00020"
            ]  # fmt: skip
            assert time.monotonic() - started < 5


def test_a_period_is_read_as_go_reads_an_integer_before_its_oneof(mock):
    """`period_interval` is an integer (`oneof=1 60 1440` checks the number): "060" and "+60" are 60."""
    answers = [
        get(mock, CANDLES, f"start_ts=0&end_ts=100000&period_interval={period}") for period in ("60", "060", "%2B60")
    ]
    assert [answer.status for answer in answers] == [200, 200, 200]
    assert answers[1].json() == answers[0].json() == answers[2].json()
