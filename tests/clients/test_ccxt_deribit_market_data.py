"""ccxt 4.5.90, unmodified from PyPI in its own venv, reading the mock's Deribit market data over REST in one run of its
script: `fetch_order_book` and `fetch_ticker` (public/get_order_book, public/ticker), `fetch_tickers`
(public/get_book_summary_by_currency), `fetch_ohlcv` (public/get_tradingview_chart_data), `fetch_trades`
(public/get_last_trades_by_instrument and its `_and_time` form), `fetch_option_chain`, `fetch_funding_rate`,
`fetch_funding_rate_history`, `fetch_volatility_history` and `fetch_status`. Every value ccxt parsed equals what the
exchange keeps (ccxt_trading.py's, ccxt_market_data.py's and ccxt_feeds.py's judging, shared with the client matrix's
`markets` cell), a few worked by hand; each judging names a value changed."""

from __future__ import annotations

import copy
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from mockexchange.contract.clients.ccxt_feeds import feeds_problems
from mockexchange.contract.clients.ccxt_market_data import market_data_problems
from mockexchange.contract.clients.ccxt_trading import MarketsPlay, markets_problems, play_markets

pytestmark = [pytest.mark.clients, pytest.mark.slow]  # slow: conftest.py

PERP = "BTC/USD:BTC"  # BTC-PERPETUAL's unified symbol


@pytest.fixture(scope="module")
def played(client_venvs: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> MarketsPlay:
    return play_markets(tmp_path_factory.mktemp("markets"))


def spoiled(played: MarketsPlay, call: str, change: Callable[[Any], None]) -> list[str]:
    """The market data and feeds judging of the play with one value ccxt parsed changed."""
    outcomes = copy.deepcopy(played.outcomes)
    change(outcomes[call]["result"])
    return market_data_problems(outcomes, played.kept) + feeds_problems(outcomes, played.feeds)


def test_the_play_agrees_with_what_the_exchange_keeps(played: MarketsPlay) -> None:
    assert markets_problems(played) == []
    assert played.flagged == []  # every answer met the kit's slice as the journal judged it


def test_fetch_order_book_and_fetch_ticker_equal_the_book(played: MarketsPlay) -> None:
    outcomes, wire = played.outcomes, played.wire
    book, top, ticker = outcomes["book"], outcomes["top"], outcomes["ticker"]
    assert book["requests"][-1]["path"] == "/api/v2/public/get_order_book"
    assert top["requests"][-1]["query"]["depth"] == "1"
    assert wire["bids"] == [[49990, 100], [Decimal("49980.5"), 50]] and wire["asks"] == [[Decimal("50010.5"), 70]]
    assert book["result"]["bids"] == [[49990.0, 100.0], [49980.5, 50.0]] and book["result"]["asks"] == [[50010.5, 70.0]]
    assert ticker["result"]["bid"] == 49990.0 and ticker["result"]["bidVolume"] == 100.0
    assert ticker["result"]["ask"] == 50010.5 and ticker["result"]["askVolume"] == 70.0
    assert ticker["result"]["last"] == 49950.0  # the perpetual's last trade
    lost = copy.deepcopy(outcomes)
    lost["book"]["result"]["bids"][0][1] = 99.0  # a client that lost an amount is named
    named = markets_problems(MarketsPlay(lost, wire, played.kept, played.feeds, []))
    assert named[0].startswith("fetch_order_book: ccxt [[49990.0, 99.0]")
    # an answer the journal found breaking the kit's slice is named too
    broke = 'public/ticker: result: "best_bid_price" is a required property'
    named = markets_problems(MarketsPlay(outcomes, wire, played.kept, played.feeds, [broke]))
    assert named == [f"the answer breaks the slice: {broke}"]


def test_fetch_tickers_reads_every_book_summary(played: MarketsPlay) -> None:
    outcome = played.outcomes["tickers"]
    assert outcome["requests"][-1]["query"] == {"currency": "BTC"}
    tickers = outcome["result"]
    assert len(tickers) == len(played.kept.summaries) > 3  # every BTC instrument listed and not expired
    perp = tickers[PERP]
    # by hand: 1000 USD at 50000, 2000 at 50100.5, 500 at 49950, in BTC: 0.02 + 0.03991976 + 0.01001001
    assert (perp["high"], perp["low"], perp["last"], perp["bid"], perp["ask"]) == (50100.5, 49950.0, 49950.0,
                                                                                    49990.0, 50010.5)  # fmt: skip
    assert perp["baseVolume"] == 0.06992977 and perp["quoteVolume"] == 3500.0
    problems = spoiled(played, "tickers", lambda result: result[PERP].update(last=50000.0))
    assert problems == ["BTC-PERPETUAL ccxt last: 50000.0, kept 49950.00000000"]


def test_fetch_ohlcv_reads_the_candles_kept(played: MarketsPlay) -> None:
    one, five = played.outcomes["ohlcv-1m"], played.outcomes["ohlcv-5m"]
    assert one["requests"][-1]["query"]["resolution"] == "1" and five["requests"][-1]["query"]["resolution"] == "5"
    candles = one["result"]
    start = candles[0][0]
    assert start % 300_000 == 0 and [c[0] - start for c in candles] == [m * 60_000 for m in range(6)]
    assert candles[0][1:] == [50000.0, 50100.5, 50000.0, 50100.5, 0.05991976]  # the first minute's two trades
    assert candles[1][1:] == [50100.5] * 4 + [0.0]  # a minute with no trade: the close before it
    assert candles[2][1:] == [49950.0] * 4 + [0.01001001]
    assert five["result"] == [[start, 50000.0, 50100.5, 49950.0, 49950.0, 0.06992977], [start + 300_000, *[49950.0] * 4,
                                                                                          0.0]]  # fmt: skip
    problems = spoiled(played, "ohlcv-1m", lambda result: result[2].__setitem__(5, 0.01))
    kept = [49950.0] * 4 + [0.01001001]
    assert problems == [f"fetch_ohlcv 1m {start + 120_000} ccxt {[*kept[:4], 0.01]}, kept {kept}"]


def test_fetch_trades_reads_the_last_trades(played: MarketsPlay) -> None:
    latest, since = played.outcomes["trades"], played.outcomes["trades-since"]
    assert latest["requests"][-1]["path"] == "/api/v2/public/get_last_trades_by_instrument"
    assert since["requests"][-1]["path"] == "/api/v2/public/get_last_trades_by_instrument_and_time"
    assert since["requests"][-1]["query"]["count"] == "2" and "end_timestamp" not in since["requests"][-1]["query"]
    assert [(t["side"], t["amount"], t["price"]) for t in latest["result"]] == [
        ("buy", 1000.0, 50000.0), ("sell", 2000.0, 50100.5), ("buy", 500.0, 49950.0)
    ]  # fmt: skip
    assert [t["id"] for t in since["result"]] == [t["id"] for t in latest["result"][1:]]
    assert latest["result"][0]["cost"] == 0.02  # 1000 USD at 50000, in BTC
    problems = spoiled(played, "trades", lambda result: result[1].update(side="buy"))
    assert problems == [f"trade {latest['result'][1]['id']} ccxt side: 'buy', kept 'sell'"]


def test_fetch_option_chain_reads_the_options_summaries(played: MarketsPlay) -> None:
    chain = played.outcomes["chain"]
    assert chain["requests"][-1]["query"] == {"currency": "BTC", "kind": "option"}
    options = [item for item in played.kept.summaries if item.instrument.kind == "option"]
    assert len(chain["result"]) == len(options) > 1
    symbol = played.kept.symbols[played.kept.option]
    traded = chain["result"][symbol]
    assert (traded["bidPrice"], traded["askPrice"], traded["midPrice"], traded["lastPrice"]) == (0.04, 0.05, 0.045,
                                                                                                  0.045)  # fmt: skip
    assert traded["openInterest"] == 0.5 and traded["underlyingPrice"] == 61234.5 and traded["currency"] == "BTC"
    problems = spoiled(played, "chain", lambda result: result[symbol].update(openInterest=5.0))
    assert problems == [f"{played.kept.option} ccxt openInterest: 5.0, kept 0.5"]


def test_fetch_funding_rate_and_its_history_read_the_rate_set(played: MarketsPlay) -> None:
    rate, history = played.outcomes["funding"], played.outcomes["funding-history"]
    query = rate["requests"][-1]["query"]  # ccxt's last 8 hours by its own clock
    assert int(query["end_timestamp"]) - int(query["start_timestamp"]) == 8 * 3_600_000
    assert rate["result"]["symbol"] == PERP and isinstance(rate["result"]["fundingRate"], float)
    # by hand, each whole hour H-6h .. H: 0.0001 for 8 hours from H-10h, -0.0002 from H-3h; the index 60000, then
    # 61000 from H-2h. The 8 hours to H-6h hold 4 at 0.0001: 0.00005; to H: 5 at 0.0001 and 3 at -0.0002
    rows = history["result"]
    hour = rows[0]["timestamp"]
    assert [r["timestamp"] - hour for r in rows] == [h * 3_600_000 for h in range(7)] and hour % 3_600_000 == 0
    assert [r["fundingRate"] for r in rows] == [5e-05, 6.25e-05, 7.5e-05, 8.75e-05, 6.25e-05, 2.5e-05, -1.25e-05]
    assert [r["indexPrice"] for r in rows] == [60000.0] * 4 + [61000.0] * 3
    problems = spoiled(played, "funding-history", lambda result: result[6].update(fundingRate=-1.2e-05))
    assert problems == [f"funding {hour + 6 * 3_600_000} rate ccxt -1.2e-05, kept -0.0000125000000000"]
    problems = spoiled(played, "funding", lambda result: result.update(fundingRate=0.0))
    assert len(problems) == 1 and problems[0].startswith("fetch_funding_rate ccxt 0.0, kept ")


def test_fetch_volatility_history_reads_the_points_set(played: MarketsPlay) -> None:
    points = played.outcomes["volatility"]["result"]
    assert [p["volatility"] for p in points] == [50.0, 55.25, 52.5]
    assert [p["timestamp"] - points[-1]["timestamp"] for p in points] == [-7_200_000, -3_600_000, 0]
    problems = spoiled(played, "volatility", lambda result: result[1].update(volatility=55.0))
    assert problems == [f"volatility {points[1]['timestamp']} ccxt 55.0, kept 55.25000000"]


def test_fetch_status_reads_the_platform_locked(played: MarketsPlay) -> None:
    status = played.outcomes["status"]["result"]
    assert status["status"] == "maintenance"  # locked in btc_usd, not in the other indices with a price: partial
    assert status["info"]["result"] == {"locked": "partial", "locked_indices": ["btc_usd"]}
    problems = spoiled(played, "status", lambda result: result.update(status="ok"))
    assert problems == ["fetch_status 'ok', kept 'maintenance' (locked partial)"]
