"""The shipped scenario `moving-book`, stepped over real HTTP and a real websocket: a market listed before it opens,
its book moving on the exchange clock, two trades, the close at its close time, its result and the payout when its
settlement timer ends. At every step REST's market and book agree with what an `orderbook_delta` client holds; the
`trade`, `ticker` and `market_lifecycle_v2` channels tell what happened; the money is the file's comments' figures."""

from __future__ import annotations

from decimal import Decimal

import httpx
from market_client import ClientBook, reading, subscribe

from mockexchange.core.clock import ManualClock
from mockexchange.registry import GRAMMAR
from mockexchange.scenario.schema import load_file
from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiAuth, KalshiSigner

TICKER = "KXHIGHNY-26JUN15-B85"
# The market's status after each of the twelve steps.
STATUSES = ["active"] * 8 + ["closed", "closed", "determined", "finalized"]
# (YES bids, NO bids) as REST's book lists them after each step that moves it.
BOOKS = {
    2: ([["0.2900", "250.00"], ["0.3000", "100.00"]], [["0.6500", "80.00"]]),
    5: ([["0.3300", "200.00"], ["0.3400", "150.00"]], [["0.6200", "60.00"]]),
    8: ([["0.3300", "200.00"], ["0.3400", "150.00"]], [["0.5700", "90.00"], ["0.5800", "40.00"]]),
    9: ([], []),
}


def book_of(client: httpx.Client) -> tuple[list, list]:
    book = client.get(f"/markets/{TICKER}/orderbook").json()["orderbook_fp"]
    return book["yes_dollars"], book["no_dollars"]


def as_levels(side: list) -> dict[Decimal, Decimal]:
    return {Decimal(price): Decimal(count) for price, count in side}


def test_the_market_opens_its_book_moves_it_closes_and_settles_on_the_clock():
    scenario = load_file("moving-book", grammar=GRAMMAR)
    with MockServer(clock=ManualClock(scenario.start), profile=scenario.profile) as mock:
        loaded = mock.load_scenario(path="moving-book", run=False)
        key = next(k for k in loaded["keys"] if k["key_id"] == "alice-key")
        signer = KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])
        rest = httpx.Client(base_url=mock.kalshi_url, auth=KalshiAuth(signer), timeout=10)
        market = rest.get(f"/markets/{TICKER}").json()["market"]
        assert (market["status"], market["open_time"], market["close_time"]) == (
            "initialized", "2026-06-15T13:00:00.000000Z", "2026-06-15T16:00:00.000000Z"
        )  # fmt: skip
        assert (market["floor_strike"], market["cap_strike"], market["strike_type"]) == (85, 86, "between")
        with reading(mock, signer) as ws:
            ws.ask(subscribe(["orderbook_delta"], market_tickers=[TICKER]), 2)  # subscribed, the (empty) snapshot
            ws.ask(subscribe(["trade", "ticker"], command_id=2, market_tickers=[TICKER]), 2)
            ws.ask(subscribe(["market_lifecycle_v2"], command_id=3), 1)
            for step, status in enumerate(STATUSES, start=1):
                mock.step()
                market = rest.get(f"/markets/{TICKER}").json()["market"]
                assert market["status"] == status, (step, market["status"])
                clock = mock.ledger.state.markets[TICKER].book_clock
                frames = ws.wait(lambda f, c=clock: ClientBook().apply_all(f).clocks.get(TICKER) == c)
                client_book = ClientBook().apply_all(frames)
                assert client_book.gaps == [], step
                yes, no = book_of(rest)
                assert client_book.books[TICKER] == {"yes": as_levels(yes), "no": as_levels(no)}, step
                if step in BOOKS:
                    assert (yes, no) == BOOKS[step], step
            ws.wait(lambda f: [x["msg"]["event_type"] for x in f if x["type"] == "market_lifecycle_v2"][-1:]
                    == ["settled"])  # fmt: skip
            frames = ws.frames
        # The clock opened and closed it (Kalshi's channel says nothing of those); the result and the payout are told.
        lifecycle = [(f["msg"]["event_type"], f["msg"]["market_ticker"]) for f in frames
                     if f["type"] == "market_lifecycle_v2"]  # fmt: skip
        assert lifecycle == [("determined", TICKER), ("settled", TICKER)]
        trades = [(f["msg"]["count_fp"], f["msg"]["yes_price_dollars"], f["msg"]["taker_outcome_side"])
                  for f in frames if f["type"] == "trade"]  # fmt: skip
        assert trades == [("20.00", "0.3500", "yes"), ("10.00", "0.3800", "no")]
        last_ticker = [f["msg"] for f in frames if f["type"] == "ticker"][-1]
        assert (last_ticker["volume_fp"], last_ticker["price_dollars"]) == ("30.00", "0.3800")

        market = rest.get(f"/markets/{TICKER}").json()["market"]
        assert (market["result"], market["settlement_value_dollars"], market["settlement_ts"]) == (
            "yes", "1.0000", "2026-06-15T16:40:00.000000Z"
        )  # fmt: skip
        assert (market["yes_bid_dollars"], market["yes_ask_dollars"], market["volume_fp"]) == ("0.0000", "1.0000",
                                                                                               "30.00")  # fmt: skip
        settlement = rest.get("/portfolio/settlements").json()["settlements"][0]
        assert (settlement["ticker"], settlement["market_result"], settlement["revenue"]) == (TICKER, "yes", 2000)
        assert rest.get("/portfolio/balance").json()["balance_dollars"] == "1012.6815"
        assert mock.ledger.state.account("bob").balance() == Decimal("993.635")
        hours = rest.get(f"/series/KXHIGHNY/markets/{TICKER}/candlesticks",
                         params={"start_ts": 0, "end_ts": 2_000_000_000, "period_interval": 60}).json()  # fmt: skip
        ends = [candle["end_period_ts"] for candle in hours["candlesticks"]]
        assert ends == [1781528400, 1781532000, 1781535600, 1781539200]  # 13:00 to 16:00: the book's and trades' hours
        rest.close()
