"""Kalshi's historical market data over real HTTP: GET /historical/markets, /historical/markets/{ticker}, its
candlesticks and GET /historical/trades, against the live reads they split the state with. Pages walked to the end
hold what the cutoff moved, and the live reads the rest, as the cutoff moves forth and back; the filters; a historical
market read as GET /markets/{ticker} reads it, its candles as the live read made them; block trades marked as such.
(The legacy profile's 404s are test_kalshi_historical.py's, beside the other historical reads'.)"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import plain_http
import pytest
from module_mocks import fresh, module_mock

from mockexchange.server import MockServer

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
A1, A2, B1, C1 = "KXH-A-1", "KXH-A-2", "KXH-B-1", "KXO-C-1"  # series KXH (events KXH-A, KXH-B) and KXO
CANDLES = {"start_ts": 0, "end_ts": 2_000_000_000, "period_interval": 60}
EPOCH = "1970-01-01T00:00:00Z"

server = module_mock("server", T0)


@pytest.fixture
def mock(server: MockServer) -> MockServer:
    return fresh(server, T0)


def at(minutes: int) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat()


def get(mock: MockServer, path: str, **params: Any) -> httpx.Response:
    return plain_http.get(mock.kalshi_url + path, params=params, timeout=10)


def ok(mock: MockServer, path: str, **params: Any) -> Any:
    r = get(mock, path, **params)
    assert r.status_code == 200, r.text
    return r.json()


def walk(mock: MockServer, path: str, name: str, **params: Any) -> list[dict[str, Any]]:
    rows, cursor = [], None
    while True:
        page = ok(mock, path, **params, **({"cursor": cursor} if cursor else {}))
        rows += page[name]
        cursor = page["cursor"]
        if not cursor:
            return rows


def tickers(rows: list[dict[str, Any]]) -> list[str]:
    return [row["ticker"] for row in rows]


def listed(mock: MockServer) -> None:
    """Four markets, each traded (A1's book set too): A1 settled at +10 minutes, B1 at +20, A2 at +30; C1 open."""
    mock.create_account("u", balance_cents=100_000)
    for minute, ticker in enumerate((A1, A2, B1, C1), 1):
        mock.ledger.state.clock.set(T0 + timedelta(minutes=minute))
        mock.fill("u", ticker, "yes", "buy", str(minute), f"0.{20 + minute}")
    mock.set_book(A1, yes=[["0.15", "3"]], no=[["0.70", "2"]])
    for minute, ticker in ((10, A1), (20, B1), (30, A2)):
        mock.ledger.state.clock.set(T0 + timedelta(minutes=minute))
        mock.settle(ticker, "yes")


def test_walked_to_the_end_the_historical_and_live_markets_split_them_as_the_cutoff_moves(mock):
    listed(mock)
    every = [A1, A2, B1, C1]
    for minute, moved in ((15, [A1]), (25, [A1, B1]), (40, [A1, A2, B1]), (10, []), (0, [])):
        mock.set_historical_cutoff(market_settled_ts=at(minute))
        historical = walk(mock, "/historical/markets", "markets", limit=1)
        assert tickers(historical) == moved, minute
        assert tickers(walk(mock, "/markets", "markets", limit=1)) == [t for t in every if t not in moved]
        for row in historical:  # one renderer: the historical market is GET /markets/{ticker}'s (which still reads it)
            assert row == ok(mock, f"/historical/markets/{row['ticker']}")["market"]
            assert row == ok(mock, f"/markets/{row['ticker']}")["market"]
    live = get(mock, f"/historical/markets/{A1}")  # settled at the cutoff itself: still live
    assert live.status_code == 404 and live.json() == {"error": {"code": "not_found", "message": "not found"}}
    assert get(mock, "/historical/markets/KXNONE-1").status_code == 404


def test_the_historical_markets_take_one_filter_at_a_time(mock):
    listed(mock)
    mock.set_historical_cutoff(market_settled_ts=at(40))
    assert tickers(ok(mock, "/historical/markets", tickers=f"{B1},{C1},{A1}")["markets"]) == [A1, B1]
    assert tickers(ok(mock, "/historical/markets", event_ticker="KXH-A")["markets"]) == [A1, A2]
    assert tickers(ok(mock, "/historical/markets", series_ticker="KXH")["markets"]) == [A1, A2, B1]
    assert tickers(ok(mock, "/historical/markets", series_ticker="KXO")["markets"]) == []
    assert tickers(ok(mock, "/historical/markets", mve_filter="exclude")["markets"]) == [A1, A2, B1]
    both = get(mock, "/historical/markets", tickers=A1, series_ticker="KXH")
    assert both.status_code == 400 and both.json() == {
        "msg": "Parameter validation failed for GetHistoricalMarkets: Key: 'GetHistoricalMarketsParams.SeriesTicker' "
        "Error:Field validation for 'SeriesTicker' failed on the 'excluded_with' tag"
    }
    assert "'oneof' tag" in get(mock, "/historical/markets", mve_filter="only").json()["msg"]
    assert "'lte' tag" in get(mock, "/historical/markets", limit=1001).json()["msg"]


def test_a_historical_markets_candles_are_the_ones_the_live_read_made(mock):
    listed(mock)
    live_path = f"/series/KXH/markets/{A1}/candlesticks"
    before = ok(mock, live_path, **CANDLES)["candlesticks"]
    assert [(c["price"]["close_dollars"], c["yes_bid"]["high_dollars"]) for c in before] == [("0.2100", "0.1500")]
    mock.set_historical_cutoff(market_settled_ts=at(40))
    assert get(mock, live_path, **CANDLES).status_code == 404  # the historical API's now
    assert get(mock, "/markets/candlesticks", market_tickers=f"{C1},{A1}", **CANDLES).status_code == 404
    historical = ok(mock, f"/historical/markets/{A1}/candlesticks", **CANDLES)
    assert historical["ticker"] == A1
    assert historical["candlesticks"] == [renamed(candle) for candle in before]
    assert get(mock, f"/historical/markets/{C1}/candlesticks", **CANDLES).status_code == 404  # open: live
    refused = {"oneof": {**CANDLES, "period_interval": 5}, "required": {"end_ts": 1, "period_interval": 1}}
    for tag, query in refused.items():
        assert f"'{tag}' tag" in get(mock, f"/historical/markets/{A1}/candlesticks", **query).json()["msg"]


def renamed(candle: dict[str, Any]) -> dict[str, Any]:
    """A live candle in the historical API's names: no `_dollars` or `_fp`, no `min` and `max` of its prices."""
    prices = {
        k.removesuffix("_dollars"): v for k, v in candle["price"].items() if k not in ("min_dollars", "max_dollars")
    }
    return {
        "end_period_ts": candle["end_period_ts"], "price": prices, "volume": candle["volume_fp"],
        "open_interest": candle["open_interest_fp"],
        **{side: {k.removesuffix("_dollars"): v for k, v in candle[side].items()} for side in ("yes_bid", "yes_ask")},
    }  # fmt: skip


def test_walked_to_the_end_the_historical_and_live_trades_split_them_as_the_cutoff_moves(mock):
    for user in ("u", "v"):
        mock.create_account(user, balance_cents=100_000)
    made = []  # (trade id, ticker, minute), oldest first
    for minute, ticker in enumerate((A1, C1, A1, C1, A1), 1):
        mock.ledger.state.clock.set(T0 + timedelta(minutes=minute))
        made.append((mock.fill("u", ticker, "yes", "buy", "1", "0.40")["fill_id"], ticker, minute))
    mock.ledger.state.clock.set(T0 + timedelta(minutes=6))
    proposal = mock.propose_block_trade("u", "u", "v", C1, 4500, 200, "yes", at(60))["block_trade_proposal_id"]
    mock.accept_block_trade_proposal("v", proposal)
    (block,) = ok(mock, "/markets/trades", is_block_trade="true")["trades"]
    made.append((block["trade_id"], C1, 6))
    newest_first = [trade_id for trade_id, _, _ in reversed(made)]
    for minute in (3, 7, 6, 0, 1):
        mock.set_historical_cutoff(trades_created_ts=at(minute))
        live = [t["trade_id"] for t in walk(mock, "/markets/trades", "trades", limit=2)]
        historical = walk(mock, "/historical/trades", "trades", limit=2)
        assert live + [t["trade_id"] for t in historical] == newest_first, minute
        assert len(historical) == sum(m < minute for _, _, m in made)  # a trade at the cutoff itself stays live
    mock.set_historical_cutoff(trades_created_ts=at(7))
    assert ok(mock, "/markets/trades") == {"trades": [], "cursor": ""}
    of_a1 = walk(mock, "/historical/trades", "trades", ticker=A1, limit=1)
    assert [t["trade_id"] for t in of_a1] == [t for t, ticker, _ in reversed(made) if ticker == A1]
    assert ok(mock, "/historical/trades", is_block_trade="true")["trades"] == [block]
    assert block["is_block_trade"] is True and block["count_fp"] == "2.00" and block["yes_price_dollars"] == "0.4500"
    plain = ok(mock, "/historical/trades", is_block_trade="false")["trades"]
    assert [t["trade_id"] for t in plain] == newest_first[1:] and not any(t["is_block_trade"] for t in plain)
    window = ok(mock, "/historical/trades", min_ts=int((T0 + timedelta(minutes=2)).timestamp()),
                max_ts=int((T0 + timedelta(minutes=4)).timestamp()))["trades"]  # fmt: skip
    assert [t["trade_id"] for t in window] == [made[3][0], made[2][0], made[1][0]]  # as /markets/trades: both ends in
    assert "'lte' tag" in get(mock, "/historical/trades", limit=1001).json()["msg"]
    assert "strconv.ParseBool" in get(mock, "/historical/trades", is_block_trade="maybe").json()["msg"]


def test_the_historical_combo_markets_are_left_out_by_mve_filter_exclude(mock):
    """A combo market settled with its leg is historical past the cutoff as any market; `mve_filter=exclude` leaves
    it out."""
    listed_at = T0 + timedelta(minutes=1)
    mock.ledger.state.clock.set(listed_at)
    mock.create_account("u", balance_cents=100_000)
    mock.create_market(A1)
    mock.set_multivariate_collection("KXMVEH-R", [{"ticker": "KXH-A"}], size_min=1)
    combo = mock.create_market_in_collection(
        "u", "KXMVEH-R", [{"market_ticker": A1, "event_ticker": "KXH-A", "side": "yes"}])["market_ticker"]  # fmt: skip
    mock.ledger.state.clock.set(T0 + timedelta(minutes=10))
    mock.settle(A1, "yes")
    mock.set_historical_cutoff(market_settled_ts=at(40))
    assert set(tickers(ok(mock, "/historical/markets")["markets"])) == {A1, combo}
    assert tickers(ok(mock, "/historical/markets", mve_filter="exclude")["markets"]) == [A1]
