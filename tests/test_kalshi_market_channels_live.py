"""The market data channels fed by the ledger itself (not the stand-in): the house's book set over the control plane
reaches `orderbook_delta` clients as the REST book reads it, a fill reaches `trade` and `ticker` (subscribed by ticker
or by market id), and the lifecycle commands reach `market_lifecycle_v2`, over real websockets and HTTP; and what time
alone moves in a market's stats as REST reads them: the 24-hour volume, trade by trade, and the previous day's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import plain_http
from market_client import ClientBook, bare, reading, signer_for, subscribe

from mockexchange.core.clock import ManualClock
from mockexchange.server import MockServer

START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
FED = "KXFED-26DEC-T4.00"


def rest_book(mock: MockServer, ticker: str) -> dict[str, dict[Decimal, Decimal]]:
    book = plain_http.get(f"{mock.kalshi_url}/markets/{ticker}/orderbook", timeout=10).json()["orderbook_fp"]
    return {side: {Decimal(p): Decimal(c) for p, c in book[f"{side}_dollars"]} for side in ("yes", "no")}


def test_the_house_book_reaches_orderbook_clients_as_rest_reads_it():
    with MockServer(clock=ManualClock(START)) as mock:
        mock.create_account("alice", balance_cents=1_000_000)
        mock.create_market(FED)
        mock.set_book(FED, yes=[["0.40", "100"], ["0.39", "5.5"]], no=[["0.55", "20"]])
        with reading(mock, signer_for(mock, "alice")) as client:
            replies = client.ask(subscribe(["orderbook_delta"], market_tickers=[FED]), 2)
            assert replies[0]["type"] == "subscribed"
            snapshot = bare(replies[1])
            assert snapshot["msg"]["market_id"] == mock.ledger.state.markets[FED].market_id
            assert snapshot["msg"]["yes_dollars_fp"] == [["0.3900", "5.50"], ["0.4000", "100.00"]]
            mock.set_book(FED, yes=[["0.41", "7"]])  # the YES side replaced: three levels move in one action
            mock.set_book(FED, no=[])
            frames = client.wait(lambda f: len(f) >= 2 + 4)
            book = ClientBook().apply_all(frames[1:])
            assert book.gaps == []
            assert book.books[FED] == {k: v for k, v in rest_book(mock, FED).items()}
            assert book.books[FED] == {"yes": {Decimal("0.4100"): Decimal("7.00")}, "no": {}}
            clocks = [f["msg"]["clock"] for f in frames[2:]]
            assert clocks == sorted(clocks) and clocks[0] == snapshot["msg"]["clock"] + 1


def test_a_fill_reaches_trade_and_ticker_and_the_lifecycle_commands_reach_market_lifecycle():
    with MockServer(clock=ManualClock(START)) as mock:
        mock.create_account("alice", balance_cents=1_000_000)
        mock.create_market(FED)
        with reading(mock, signer_for(mock, "alice")) as client:
            client.ask(subscribe(["trade"], market_tickers=[FED]), 1)
            client.ask(subscribe(["market_lifecycle_v2"], command_id=2), 1)
            client.ask(subscribe(["ticker"], command_id=3, market_tickers=[FED]), 1)
            mock.fill("alice", FED, "yes", "buy", "3", "0.45")
            mock.pause_market(FED)
            mock.resume_market(FED)
            mock.determine_market(FED, "yes")

            def seen(frames):
                kinds = [f["type"] for f in frames]
                return "trade" in kinds and "ticker" in kinds and kinds.count("market_lifecycle_v2") >= 4

            frames = client.wait(seen)
            trade = next(f["msg"] for f in frames if f["type"] == "trade")
            assert (trade["market_ticker"], trade["count_fp"], trade["yes_price_dollars"]) == (FED, "3.00", "0.4500")
            rest = plain_http.get(f"{mock.kalshi_url}/markets/trades", params={"ticker": FED}, timeout=10).json()[
                "trades"
            ]
            assert trade["trade_id"] == rest[0]["trade_id"]
            events = [f["msg"]["event_type"] for f in frames if f["type"] == "market_lifecycle_v2"]
            # determining an open market closes it first
            assert events[:4] == ["deactivated", "activated", "close_date_updated", "determined"]
            ticker = [f["msg"] for f in frames if f["type"] == "ticker"][-1]
            assert ticker["market_ticker"] == FED and ticker["volume_fp"] == "3.00"


def test_a_trade_that_closes_both_sides_brings_one_ticker_with_the_open_interest_after_both():
    gtc = {"time_in_force": "good_till_canceled", "self_trade_prevention_type": "taker_at_cross"}
    ioc = {"time_in_force": "immediate_or_cancel", "self_trade_prevention_type": "taker_at_cross"}
    with MockServer(clock=ManualClock(START)) as mock:
        for user in ("alice", "bob"):
            mock.create_account(user, balance_cents=1_000_000)
        mock.create_market(FED)
        mock.fill("alice", FED, "yes", "buy", "5", "0.40")  # alice +5 YES, bob 5 NO: an open interest of 5
        mock.fill("bob", FED, "no", "buy", "5", "0.60")
        mock.place_order("bob", FED, "bid", "3", "0.45", **gtc)  # bob's bid closes 3 of his NO when it fills
        with reading(mock, signer_for(mock, "alice")) as client:
            client.ask(subscribe(["ticker"], market_tickers=[FED]), 1)
            mock.place_order("alice", FED, "ask", "3", "0.45", **ioc)  # alice sells 3 YES into it: both close 3
            mock.place_order("bob", FED, "bid", "1", "0.50", **gtc)  # a better bid: the next ticker
            frames = client.wait(lambda f: any(x.get("msg", {}).get("yes_bid_dollars") == "0.5000" for x in f))
        tickers = [f["msg"] for f in frames if f["type"] == "ticker"]
        market = plain_http.get(f"{mock.kalshi_url}/markets/{FED}", timeout=10).json()["market"]
        # the trade's one ticker shows the market after both sides, as REST does; then the new bid's
        assert [(t["volume_fp"], t["open_interest_fp"], t["last_trade_size_fp"]) for t in tickers] == [
            ("13.00", "2.00", "3.00"),
            ("13.00", "2.00", "3.00"),
        ]
        assert market["open_interest_fp"] == "2.00" and market["volume_fp"] == "13.00"


def test_ticker_subscribed_by_market_id_follows_that_market_of_the_ledger_alone():
    cpi = "KXCPI-26JUN-T3.0"
    with MockServer(clock=ManualClock(START)) as mock:
        mock.create_account("alice", balance_cents=1_000_000)
        mock.create_market(FED)
        mock.create_market(cpi)
        fed_id = mock.ledger.state.markets[FED].market_id
        with reading(mock, signer_for(mock, "alice")) as client:
            [refused] = client.ask(subscribe(["ticker"], market_ids=["00000000-0000-4000-8000-000000000000"]), 1)
            assert (refused["type"], refused["msg"]["code"]) == ("error", 11)  # (an id that names no market)
            [ok] = client.ask(subscribe(["ticker"], command_id=2, market_ids=[fed_id]), 1)
            assert ok["type"] == "subscribed"
            mock.fill("alice", cpi, "yes", "buy", "2", "0.30")  # first: its ticker would come first if it came
            mock.fill("alice", FED, "yes", "buy", "3", "0.45")
            tickers = [f["msg"] for f in client.wait(lambda f: any(x["type"] == "ticker" for x in f)) if
                       f["type"] == "ticker"]  # fmt: skip
            assert (tickers[0]["market_ticker"], tickers[0]["market_id"], tickers[0]["volume_fp"]) == (
                FED, fed_id, "3.00")  # fmt: skip


def volumes(mock: MockServer) -> tuple[str, str]:
    """The market's volume and 24-hour volume, read alone and in a page (each must read the same: a page is kept whole
    until time alone would move one of its markets)."""
    market = plain_http.get(f"{mock.kalshi_url}/markets/{FED}", timeout=10).json()["market"]
    [listed] = plain_http.get(f"{mock.kalshi_url}/markets", params={"tickers": FED}, timeout=10).json()["markets"]
    assert (listed["volume_fp"], listed["volume_24h_fp"]) == (market["volume_fp"], market["volume_24h_fp"])
    return market["volume_fp"], market["volume_24h_fp"]


def test_the_24_hour_volume_lets_each_trade_go_as_its_day_passes():
    with MockServer(clock=ManualClock(START)) as mock:
        mock.create_account("alice", balance_cents=1_000_000)
        mock.create_market(FED)
        for count in ("1", "2", "4"):  # an hour apart
            mock.fill("alice", FED, "yes", "buy", count, "0.45")
            mock.advance_clock(3600)
        assert volumes(mock) == ("7.00", "7.00")
        for hours, left in ((24.5, "6.00"), (25.5, "4.00"), (26.5, "0.00")):  # each read after one more trade aged
            mock.advance_clock(to=(START + timedelta(hours=hours)).isoformat())
            assert volumes(mock) == ("7.00", left), hours


def test_a_page_read_before_a_trade_ages_is_read_again_once_it_has_even_with_the_day_still_ahead():
    with MockServer(clock=ManualClock(START)) as mock:
        mock.create_account("alice", balance_cents=1_000_000)
        mock.create_market(FED)
        mock.fill("alice", FED, "yes", "buy", "1", "0.45")  # ages at 12:00 the next day
        mock.advance_clock(to="2026-03-03T06:00:00Z")
        mock.set_book(FED, yes=[["0.40", "1"]])  # a change that day: its end, midnight, is ahead of the aging
        assert volumes(mock) == ("1.00", "1.00")
        mock.advance_clock(to="2026-03-03T13:00:00Z")
        assert volumes(mock) == ("1.00", "0.00")


def test_a_page_of_two_markets_is_read_again_when_the_first_of_their_trades_ages():
    later = "KXZZZ-26DEC-T1"  # (after FED in the page's ticker order, and traded after it)
    with MockServer(clock=ManualClock(START)) as mock:
        mock.create_account("alice", balance_cents=1_000_000)
        mock.fill("alice", FED, "yes", "buy", "1", "0.45")
        mock.advance_clock(3600)
        mock.fill("alice", later, "yes", "buy", "2", "0.45")

        def page() -> list[tuple[str, str]]:
            listed = plain_http.get(f"{mock.kalshi_url}/markets", params={"tickers": f"{FED},{later}"}, timeout=10)
            return [(m["ticker"], m["volume_24h_fp"]) for m in listed.json()["markets"]]

        mock.advance_clock(to="2026-03-03T06:00:00Z")  # (their day has ended: only the agings are ahead)
        assert page() == [(FED, "1.00"), (later, "2.00")]
        mock.advance_clock(to="2026-03-03T12:30:00Z")  # FED's trade has aged, the later one's not yet
        assert page() == [(FED, "0.00"), (later, "2.00")]


def test_the_previous_days_stats_are_the_days_end_from_the_first_microsecond_of_the_next_day():
    with MockServer(clock=ManualClock(START)) as mock:
        mock.create_account("alice", balance_cents=1_000_000)
        mock.create_market(FED)
        mock.set_book(FED, yes=[["0.40", "1"]], no=[["0.45", "1"]])  # (YES bid 0.40, ask 0.55)
        mock.fill("alice", FED, "yes", "buy", "1", "0.45")

        def previous() -> tuple[str, str, str]:
            market = plain_http.get(f"{mock.kalshi_url}/markets/{FED}", timeout=10).json()["market"]
            return (
                market["previous_price_dollars"],
                market["previous_yes_bid_dollars"],
                market["previous_yes_ask_dollars"],
            )

        assert previous() == ("0.0000", "0.0000", "1.0000")  # (the day it traded in has not ended: no ask then)
        mock.advance_clock(to="2026-03-03T00:00:00Z")
        assert previous() == ("0.4500", "0.4000", "0.5500")
        # changes at that very microsecond: the day rolls first, so the previous day's stats stay its end's
        mock.set_book(FED, yes=[["0.42", "1"]], no=[["0.40", "1"]])
        assert previous() == ("0.4500", "0.4000", "0.5500")
        mock.fill("alice", FED, "yes", "buy", "1", "0.60")
        assert previous() == ("0.4500", "0.4000", "0.5500")
