"""Kalshi's market data over real HTTP, in both wire profiles: GET /markets (every filter, cursor pages), a market,
its book (and several), the tape, events, series, candlesticks and the exchange's status. Public: no signature asked,
but charged (rate limits) and subject to the fault rules; bad parameters are Kalshi's 400 naming the field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import plain_http
import pytest

from mockexchange.core.clock import ManualClock, unix_seconds
from mockexchange.server import MockServer

START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
FED = "KXFED-26DEC-T4.00"


def get(mock: MockServer, path: str, **params) -> httpx.Response:
    return plain_http.get(mock.kalshi_url + path, params=params, timeout=10)


def seeded(profile: str = "3.34") -> MockServer:
    mock = MockServer(clock=ManualClock(START), profile=profile, seed=7).start()
    mock.create_account("u", balance_cents=1_000_000)
    mock.create_account("v", balance_cents=1_000_000)
    mock.set_series("KXFED", title="Fed", category="Economics", categories=["Economics", "Rates"], tags=["Fed"],
                    fee_multiplier="0.1")  # fmt: skip
    mock.set_event("KXFED-26DEC", title="December", collateral_return_type="MECNET")
    mock.create_market(FED, floor_strike="4.00", strike_type="greater", rules_primary="If the rate...")
    mock.create_market("KXFED-26DEC-T4.25", open_time="2026-03-03T00:00:00Z", close_time="2026-12-01T00:00:00Z")
    mock.set_book(FED, yes=[["0.40", "100"], ["0.39", "5.5"]], no=[["0.55", "20"]])
    mock.fill("u", FED, "yes", "buy", "10", "0.45")
    mock.fill("v", FED, "no", "buy", "4", "0.55", is_taker=False)
    mock.fill("u", "KXCPI-26MAR-T3.0", "yes", "buy", "1", "0.30")  # lists KXCPI by itself
    return mock


@pytest.fixture(scope="module")
def mock():
    server = seeded()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def legacy():
    server = seeded("legacy")
    yield server
    server.stop()


def test_a_market_reads_as_kalshi_writes_it_and_no_signature_is_asked(mock):
    market = get(mock, f"/markets/{FED}").json()["market"]
    assert (market["status"], market["event_ticker"], market["floor_strike"]) == ("active", "KXFED-26DEC", 4)
    assert (market["yes_bid_dollars"], market["yes_ask_dollars"]) == ("0.4000", "0.4500")  # ask: 1 - the NO bid
    assert (market["no_bid_dollars"], market["no_ask_dollars"]) == ("0.5500", "0.6000")
    assert (market["yes_bid_size_fp"], market["yes_ask_size_fp"]) == ("100.00", "20.00")
    assert (market["last_price_dollars"], market["volume_fp"], market["open_interest_fp"]) == (
        "0.4500",
        "14.00",
        "10.00",
    )
    assert market["price_ranges"] == [{"start": "0.0000", "end": "1.0000", "step": "0.0100"}]
    assert market["price_level_structure"] == "linear_cent" and market["result"] == "" and market["rules_primary"]
    assert market["close_time"] == "2036-02-28T12:00:00.000000Z"  # ten years after it was listed
    later = get(mock, "/markets/KXFED-26DEC-T4.25").json()["market"]
    assert (later["status"], later["yes_bid_dollars"], later["yes_ask_dollars"]) == ("initialized", "0.0000", "1.0000")
    missing = get(mock, "/markets/NOPE")
    assert missing.status_code == 404 and missing.json() == {"error": {"code": "not_found", "message": "not found"}}


def test_markets_are_paged_in_ticker_order_through_their_cursor_and_filtered(mock):
    tickers, cursor = [], None
    while True:
        page = get(mock, "/markets", limit=1, **({"cursor": cursor} if cursor else {})).json()
        tickers += [m["ticker"] for m in page["markets"]]
        cursor = page["cursor"]
        if not cursor:
            break
    assert tickers == sorted(tickers) == ["KXCPI-26MAR-T3.0", FED, "KXFED-26DEC-T4.25"]
    assert [m["ticker"] for m in get(mock, "/markets", series_ticker="KXFED").json()["markets"]] == tickers[1:]
    assert [m["ticker"] for m in get(mock, "/markets", event_ticker="KXCPI-26MAR").json()["markets"]] == tickers[:1]
    assert [m["ticker"] for m in get(mock, "/markets", tickers=f"{FED},NOPE").json()["markets"]] == [FED]
    assert [m["ticker"] for m in get(mock, "/markets", status="unopened").json()["markets"]] == tickers[2:]
    assert [m["ticker"] for m in get(mock, "/markets", status="open").json()["markets"]] == tickers[:2]
    assert get(mock, "/markets", mve_filter="only").json() == {"markets": [], "cursor": ""}
    assert len(get(mock, "/markets", limit=0).json()["markets"]) == 3  # 0: the default page
    late = unix_seconds(datetime(2026, 6, 1, tzinfo=UTC))
    closing = get(mock, "/markets", max_close_ts=late + 365 * 86400).json()["markets"]
    assert [m["ticker"] for m in closing] == ["KXFED-26DEC-T4.25"]
    first = get(mock, "/markets", limit=1, status="open").json()
    assert get(mock, "/markets", cursor="garbage", status="open").json()["markets"][0]["ticker"] == tickers[0]
    other = get(mock, "/markets", cursor=first["cursor"], status="unopened")  # issued for other filters: page 1
    assert [m["ticker"] for m in other.json()["markets"]] == tickers[2:]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 1001}, "Limit"),
        ({"status": "gone"}, "Status"),
        ({"min_created_ts": 1, "max_close_ts": 2}, "MinCloseTs"),
        ({"min_close_ts": 1, "status": "open"}, "MinCloseTs"),
        ({"min_updated_ts": 1, "tickers": FED}, "MinUpdatedTs"),
        ({"min_updated_ts": 1, "series_ticker": "KXFED"}, "MinUpdatedTs"),
        ({"event_ticker": "A,B"}, "EventTicker"),
        ({"min_settled_ts": "soon"}, "min_settled_ts"),
        ({"tickers": "A,,B"}, "Tickers"),
    ],
)
def test_bad_market_filters_are_kalshis_400(mock, params, field):
    answer = get(mock, "/markets", **params)
    assert answer.status_code == 400 and field in answer.json()["msg"], answer.text


def test_the_book_reads_as_bids_of_each_side_ascending_and_at_depth(mock):
    book = get(mock, f"/markets/{FED}/orderbook").json()["orderbook_fp"]
    assert book == {"yes_dollars": [["0.3900", "5.50"], ["0.4000", "100.00"]], "no_dollars": [["0.5500", "20.00"]]}
    assert get(mock, f"/markets/{FED}/orderbook", depth=1).json()["orderbook_fp"]["yes_dollars"] == [
        ["0.4000", "100.00"]
    ]
    assert get(mock, f"/markets/{FED}/orderbook", depth=101).status_code == 400
    both = plain_http.get(
        f"{mock.kalshi_url}/markets/orderbooks?tickers={FED}&tickers=KXCPI-26MAR-T3.0", timeout=10
    ).json()
    assert [(b["ticker"], b["orderbook_fp"]["yes_dollars"]) for b in both["orderbooks"]] == [
        (FED, book["yes_dollars"]), ("KXCPI-26MAR-T3.0", [])
    ]  # fmt: skip
    assert get(mock, "/markets/orderbooks").status_code == 400
    assert get(mock, "/markets/orderbooks", tickers="NOPE").status_code == 404


def test_a_books_depth_cuts_both_sides_to_their_best_levels():
    with MockServer() as fresh:
        fresh.create_market(FED)
        fresh.set_book(FED, yes=[["0.40", "1"], ["0.39", "2"]], no=[["0.55", "3"], ["0.50", "4"], ["0.45", "5"]])
        book = get(fresh, f"/markets/{FED}/orderbook", depth=2).json()["orderbook_fp"]
    assert book == {"yes_dollars": [["0.3900", "2.00"], ["0.4000", "1.00"]],
                    "no_dollars": [["0.5000", "4.00"], ["0.5500", "3.00"]]}  # fmt: skip


def test_the_tape_is_newest_first_with_its_filters(mock):
    trades = get(mock, "/markets/trades").json()["trades"]
    assert [(t["ticker"], t["count_fp"], t["yes_price_dollars"], t["taker_outcome_side"]) for t in trades] == [
        ("KXCPI-26MAR-T3.0", "1.00", "0.3000", "yes"), (FED, "4.00", "0.4500", "yes"), (FED, "10.00", "0.4500", "yes")
    ]  # fmt: skip
    assert trades[1]["taker_book_side"] == "bid" and trades[1]["no_price_dollars"] == "0.5500"
    assert trades[0]["trade_id"] == mock.ledger.state.fills[2].fill_id and trades[0]["is_block_trade"] is False
    assert len(get(mock, "/markets/trades", ticker=FED).json()["trades"]) == 2
    page = get(mock, "/markets/trades", limit=2).json()
    assert (
        len(page["trades"]) == 2 and get(mock, "/markets/trades", cursor=page["cursor"]).json()["trades"] == trades[2:]
    )
    assert get(mock, "/markets/trades", is_block_trade="true").json() == {"trades": [], "cursor": ""}
    assert get(mock, "/markets/trades", min_ts=unix_seconds(START) + 1).json()["trades"] == []
    assert get(mock, "/markets/trades", is_block_trade="maybe").status_code == 400


def test_events_and_series(mock):
    events = get(mock, "/events", with_nested_markets="true").json()
    fed = next(e for e in events["events"] if e["event_ticker"] == "KXFED-26DEC")
    assert (fed["title"], fed["mutually_exclusive"], fed["series_ticker"]) == ("December", True, "KXFED")
    assert [m["ticker"] for m in fed["markets"]] == [FED, "KXFED-26DEC-T4.25"]
    assert [e["event_ticker"] for e in get(mock, "/events", status="open").json()["events"]] == [
        "KXCPI-26MAR", "KXFED-26DEC"
    ]  # fmt: skip
    one = get(mock, "/events/KXFED-26DEC").json()
    assert "markets" not in one["event"] and len(one["markets"]) == 2
    assert get(mock, "/events/KXFED-26DEC", exclude_markets="true").json()["markets"] == []
    assert get(mock, "/events/KXFED-26DEC", exclude_markets="true", with_nested_markets="true").status_code == 400
    assert get(mock, "/events/NOPE").status_code == 404
    series = get(mock, "/series/KXFED", include_volume="true").text
    assert '"fee_multiplier":0.1,' in series and '"volume_fp":"14.00"' in series  # the decimal's digits, exact
    listed = get(mock, "/series", category="Rates").json()["series"]
    assert [s["ticker"] for s in listed] == ["KXFED"] and get(mock, "/series", tags="Other").json() == {"series": []}
    assert get(mock, "/series/NOPE").status_code == 404


def test_the_exchange_status_follows_the_control_plane():
    with MockServer(clock=ManualClock(START)) as mock:
        mock.create_market("X-1", exchange_index=3)
        assert get(mock, "/exchange/status").json()["exchange_index_statuses"][1]["exchange_index"] == 3
        mock.set_exchange_status(trading_active=False, exchange_estimated_resume_time="2026-03-02T13:00:00Z")
        status = get(mock, "/exchange/status").json()
        assert (status["exchange_active"], status["trading_active"]) == (True, False)
        assert status["exchange_estimated_resume_time"] == "2026-03-02T13:00:00.000000Z"


def test_candlesticks_from_the_tape_and_the_books_moves():
    with MockServer(clock=ManualClock(START)) as mock:
        mock.create_account("u", balance_cents=1_000_000)
        mock.create_market(FED)
        mock.set_book(FED, yes=[["0.40", "10"]])
        mock.fill("u", FED, "yes", "buy", "2", "0.45")
        mock.advance_clock(seconds=90)
        mock.set_book(FED, yes=[["0.42", "10"]], no=[["0.50", "1"]])
        mock.fill("u", FED, "yes", "buy", "1", "0.47")
        mock.fill("u", FED, "yes", "sell", "1", "0.49")
        start = unix_seconds(START)
        query = {"start_ts": start, "end_ts": start + 3600, "period_interval": 1}
        candles = get(mock, f"/series/KXFED/markets/{FED}/candlesticks", **query).json()["candlesticks"]
        assert [c["end_period_ts"] for c in candles] == [start, start + 120]  # a period ends at its last instant
        second = candles[1]
        assert second["price"]["open_dollars"] == "0.4700" and second["price"]["close_dollars"] == "0.4900"
        assert second["price"]["previous_dollars"] == "0.4500" and second["price"]["mean_dollars"] == "0.4800"
        assert second["yes_bid"] == {"open_dollars": "0.4000", "low_dollars": "0.4000", "high_dollars": "0.4200",
                                     "close_dollars": "0.4200"}  # fmt: skip
        assert (second["volume_fp"], second["open_interest_fp"]) == ("2.00", "2.00")
        # the market's candles whatever series the path names (pmxt names the market's event there)
        event = FED.rsplit("-", 1)[0]
        assert get(mock, f"/series/{event}/markets/{FED}/candlesticks", **query).json()["candlesticks"] == candles
        assert get(mock, f"/series/KXFED/markets/{FED}-NONE/candlesticks", **query).status_code == 404
        batch = get(mock, "/markets/candlesticks", market_tickers=FED, **{**query, "period_interval": 60}).json()
        assert [len(m["candlesticks"]) for m in batch["markets"]] == [2]  # the hours ending 12:00 and 13:00


def _range(*values: str) -> dict[str, str]:
    return dict(zip(("open_dollars", "low_dollars", "high_dollars", "close_dollars"), values, strict=True))


def test_a_candle_is_its_periods_book_moves_and_trades_worked_by_hand():
    """Minute candles of a book that moves three times in the first minute (at 12:00:10, :30, :40) and at the minute's
    last instant (12:01:00, which is the first minute's close and the second's open), and trades in both minutes."""
    with MockServer(clock=ManualClock(START)) as mock:
        mock.create_account("u", balance_cents=1_000_000)
        mock.create_market(FED)
        for seconds, book in ((10, {"yes": [["0.40", "10"]], "no": [["0.55", "5"]]}),  # bid 0.40, ask 0.45
                              (20, None),
                              (30, {"yes": [["0.38", "10"]], "no": [["0.60", "5"]]}),  # 0.38, 0.40
                              (40, {"yes": [["0.41", "10"]], "no": [["0.58", "5"]]}),  # 0.41, 0.42
                              (60, {"yes": [["0.39", "10"]]}),  # 0.39, the ask as it was
                              (90, None),
                              (120, {"yes": [["0.44", "10"]], "no": []})):  # 0.44, no ask: 1.00  # fmt: skip
            mock.advance_clock(to=(START + timedelta(seconds=seconds)).isoformat())
            if book is not None:
                mock.set_book(FED, **book)
            elif seconds == 20:
                mock.fill("u", FED, "yes", "buy", "2", "0.44")
            else:
                mock.fill("u", FED, "yes", "buy", "1", "0.46")
                mock.fill("u", FED, "yes", "sell", "2", "0.48")
        start = unix_seconds(START)
        path = f"/series/KXFED/markets/{FED}/candlesticks"
        candles = get(mock, path, start_ts=start, end_ts=start + 3600, period_interval=1).json()["candlesticks"]
        latest = get(mock, path, start_ts=start + 600, end_ts=start + 3600, period_interval=1,
                     include_latest_before_start="true").json()["candlesticks"]  # fmt: skip
        # a trade a microsecond into a minute is that minute's, which ends at its last instant
        mock.advance_clock(to="2026-03-02T12:03:00.000001Z")
        mock.fill("u", FED, "yes", "buy", "1", "0.50")
        ends = [c["end_period_ts"] for c in get(mock, path, start_ts=start, end_ts=start + 3600,
                                                period_interval=1).json()["candlesticks"]]  # fmt: skip
        assert ends == [start + 60, start + 120, start + 240]
        # the latest before a start, of a minute with no trade (the book moved): its last price is the one before it
        mock.advance_clock(to="2026-03-02T12:05:30Z")
        mock.set_book(FED, yes=[["0.45", "10"]])
        [moved] = get(mock, path, start_ts=start + 600, end_ts=start + 3600, period_interval=1,
                      include_latest_before_start="true").json()["candlesticks"]  # fmt: skip
        assert (moved["end_period_ts"], moved["price"]["previous_dollars"], moved["volume_fp"]) == (
            start + 600, "0.5000", "0.00")  # fmt: skip
        assert moved["yes_bid"] == _range("0.4400", "0.4400", "0.4500", "0.4500")
    first = {
        "end_period_ts": start + 60,
        "yes_bid": _range("0.0000", "0.0000", "0.4100", "0.3900"),  # (no bid when it opened)
        "yes_ask": _range("1.0000", "0.4000", "1.0000", "0.4200"),  # (no ask when it opened)
        "price": {**_range("0.4400", "0.4400", "0.4400", "0.4400"), "mean_dollars": "0.4400",
                  "previous_dollars": None, "min_dollars": "0.4400", "max_dollars": "0.4400"},
        "volume_fp": "2.00", "open_interest_fp": "2.00",
    }  # fmt: skip
    second = {
        "end_period_ts": start + 120,
        "yes_bid": _range("0.3900", "0.3900", "0.4400", "0.4400"),
        "yes_ask": _range("0.4200", "0.4200", "1.0000", "1.0000"),
        # (1 x 0.46 + 2 x 0.48) / 3 = 0.473333...
        "price": {**_range("0.4600", "0.4600", "0.4800", "0.4800"), "mean_dollars": "0.4733",
                  "previous_dollars": "0.4400", "min_dollars": "0.4600", "max_dollars": "0.4800"},
        "volume_fp": "3.00", "open_interest_fp": "1.00",  # (2 + 1 - 2 held by u)
    }  # fmt: skip
    assert candles == [first, second]
    # the latest before 12:10, moved to it: the book as the second minute left it, no trade, the last price before
    nothing = dict.fromkeys(("open_dollars", "low_dollars", "high_dollars", "close_dollars", "mean_dollars",
                             "min_dollars", "max_dollars"))  # fmt: skip
    assert latest == [{**second, "end_period_ts": start + 600, "price": {**nothing, "previous_dollars": "0.4800"},
                       "volume_fp": "0.00"}]  # fmt: skip


def test_the_legacy_profile_adds_the_integer_twins_and_its_own_words(legacy):
    market = get(legacy, f"/markets/{FED}").json()["market"]
    assert (market["yes_bid"], market["yes_ask"], market["last_price"], market["volume"]) == (40, 45, 45, 14)
    assert (market["response_price_units"], market["category"], market["notional_value"]) == (
        "usd_cent",
        "Economics",
        100,
    )
    assert market["liquidity_dollars"] == "53.1450" and market["liquidity"] == 5314  # 40 + 2.145 + 20 x 0.45
    book = get(legacy, f"/markets/{FED}/orderbook").json()
    assert book["orderbook"]["yes"] == [[39, 5], [40, 100]] and book["orderbook"]["no_dollars"] == [["0.5500", "20.00"]]
    # 3.34's book beside it (the profile carries every 3.34 field): the same levels, as the default profile answers
    modern = {name: book["orderbook"][name] for name in ("yes_dollars", "no_dollars")}
    assert set(book) == {"orderbook", "orderbook_fp"} and book["orderbook_fp"] == modern
    trade = get(legacy, "/markets/trades").json()["trades"][0]
    assert (trade["count"], trade["yes_price"], trade["price"]) == (1, 30, 0.3)
    assert get(legacy, "/markets/orderbooks", tickers=FED).status_code == 404  # the 3.2.0 client has no such call
    legacy.pause_market("KXCPI-26MAR-T3.0")
    assert get(legacy, "/markets/KXCPI-26MAR-T3.0").json()["market"]["status"] == "closed"  # 3.2.0 knows no inactive
    legacy.resume_market("KXCPI-26MAR-T3.0")


def test_market_data_is_charged_to_the_key_it_names_or_the_address_and_obeys_the_fault_rules():
    wall = ManualClock(START)
    with MockServer(clock=ManualClock(START), wall_clock=wall, rate_limit_tier="basic") as mock:
        mock.create_market(FED)
        answers = [get(mock, "/markets").status_code for _ in range(25)]
        assert answers[:20] == [200] * 20 and answers[-1] == 429  # 200 tokens, 10 a read: the address's bucket
        mock.create_account("u")
        key = mock.create_key("u", key_type="ed25519")
        named = plain_http.get(f"{mock.kalshi_url}/markets", headers={"KALSHI-ACCESS-KEY": key["key_id"]}, timeout=10)
        assert named.status_code == 200  # the user's own bucket, unsigned as the read is public
        mock.set_rate_limit_tier("off")
        mock.add_fault(path="/trade-api/v2/markets", status=503, times=1)
        assert get(mock, "/markets").status_code == 503 and get(mock, "/markets").status_code == 200


def test_a_read_sees_a_transition_due_and_the_figures_as_time_passes():
    with MockServer(clock=ManualClock(START)) as mock:
        mock.create_account("u", balance_cents=100_000)
        mock.create_market(FED, close_time="2026-03-03T00:00:00Z", settlement_timer_seconds=60)
        fee = Decimal(mock.fill("u", FED, "yes", "buy", "3", "0.45")["fee"])
        mock.ledger.state.clock.set(datetime(2026, 3, 3, 1, tzinfo=UTC))  # moved by hand: the read finds the close due
        market = get(mock, f"/markets/{FED}").json()["market"]
        assert (market["status"], market["previous_price_dollars"]) == ("closed", "0.4500")
        assert get(mock, "/markets", status="closed").json()["markets"][0]["ticker"] == FED
        mock.ledger.state.clock.set(datetime(2026, 3, 4, 1, tzinfo=UTC))
        assert get(mock, f"/markets/{FED}").json()["market"]["volume_24h_fp"] == "0.00"
        mock.determine_market(FED, "yes")
        mock.ledger.state.clock.set(datetime(2026, 3, 4, 1, 1, tzinfo=UTC))
        settled = get(mock, "/markets", status="settled").json()["markets"]
        assert settled[0]["status"] == "finalized" and settled[0]["settlement_value_dollars"] == "1.0000"
        assert mock.ledger.state.account("u").balance() == Decimal("1000") - Decimal("1.35") - fee + 3
        mock.set_historical_cutoff(market_settled_ts="2026-03-05T00:00:00Z")
        assert get(mock, "/markets").json()["markets"] == []  # settled before the cutoff: /historical/markets'
