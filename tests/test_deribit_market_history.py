"""Deribit's public market data derived from what the exchange keeps, over real HTTP (and one method over the
websocket): a trade made through the book in the last trades (by instrument and by currency, paged by count, sequence
numbers, ids and times), in its candle, in the day's volumes and in the book summary; an instrument, its contract size,
the expirations, the book by instrument id; an expiry's delivery price and settlement; hostile params refused with
Deribit's -32602; what a state file's restart answers again."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import websockets
from deribit_rpc import Deribit, DeribitWs, public_rpc

from mockexchange.core.clock import ManualClock
from mockexchange.core.deribit import trading as trading_module
from mockexchange.core.deribit.derivatives import option_greeks
from mockexchange.server import MockServer

START = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
START_MS = int(START.timestamp() * 1000)
MINUTE = 60_000
PERP = "BTC-PERPETUAL"
FUTURE = "BTC-25JAN30"  # expires 25 Jan 2030 08:00 UTC
CALL = "BTC-27DEC30-60000-C"


@pytest.fixture
def mock():
    with MockServer(clock=ManualClock(START)) as server:
        _seed(server)
        yield server


def _seed(server: MockServer) -> None:
    for user in ("alice", "bob"):
        server.create_deribit_account(user, balances={"BTC": "10", "USDC": "100000"})
    server.set_index_price("btc_usd", "50000")
    for name in (PERP, FUTURE, CALL):
        server.list_instrument(name)


rpc = public_rpc


def result(mock: MockServer, method: str, **params: Any) -> Any:
    reply = rpc(mock, method, params)
    assert "result" in reply, reply
    return reply["result"]


def trade(mock: MockServer, price: str, amount: str = "10", *, taker: str = "buy", name: str = PERP) -> None:
    """A trade through the book: bob rests, alice takes (her direction `taker`)."""
    rest = "sell" if taker == "buy" else "buy"
    mock.deribit_order("bob", name, rest, amount, price)
    mock.deribit_order("alice", name, taker, amount, price)


def advance(mock: MockServer, seconds: int) -> None:
    mock.advance_clock(seconds=seconds)


# -- last trades ------------------------------------------------------------------------------------------------------


def test_a_trade_through_the_book_is_in_the_last_trades(mock):
    trade(mock, "50010", "30")
    [made] = result(mock, "public/get_last_trades_by_instrument", instrument_name=PERP)["trades"]
    assert made == {
        "trade_seq": 1, "trade_id": made["trade_id"], "timestamp": START_MS, "tick_direction": 0, "price": 50010,
        "instrument_name": PERP, "direction": "buy", "amount": 30, "contracts": 3, "mark_price": 50000,
        "index_price": 50000,
    }  # fmt: skip
    by_currency = result(mock, "public/get_last_trades_by_currency", currency="BTC")
    assert by_currency == {"trades": [made], "has_more": False}
    alice_side = result_of_user(mock, "alice")
    assert alice_side["trade_id"] == made["trade_id"] and alice_side["tick_direction"] == 0  # one trade, one tick
    assert result(mock, "public/get_last_trades_by_currency", currency="ETH")["trades"] == []


def result_of_user(mock: MockServer, user: str) -> dict:
    """The user's own side of the instrument's newest trade (`private/get_user_trades_by_instrument`)."""
    return Deribit(mock, mock.create_deribit_key(user)).result(
        "private/get_user_trades_by_instrument", instrument_name=PERP
    )["trades"][0]


def test_tick_directions_follow_the_price(mock):
    for price in ("50000", "50010", "50010", "49990", "49990", "50000"):
        trade(mock, price)
    trades = result(mock, "public/get_last_trades_by_instrument", instrument_name=PERP, sorting="asc")["trades"]
    assert [t["tick_direction"] for t in trades] == [0, 0, 1, 2, 3, 0]
    assert [t["trade_seq"] for t in trades] == [1, 2, 3, 4, 5, 6]
    taken = result(mock, "public/get_last_trades_by_instrument", instrument_name=PERP, sorting="asc")
    assert [t["direction"] for t in taken["trades"]] == ["buy"] * 6


def test_last_trades_page_by_count_sequence_ids_and_time(mock):
    for n in range(5):
        trade(mock, str(50000 + 10 * n))
        advance(mock, 60)
    trade(mock, "50100", name=FUTURE)
    newest = result(mock, "public/get_last_trades_by_instrument", instrument_name=PERP, count=2)
    assert [t["trade_seq"] for t in newest["trades"]] == [5, 4] and newest["has_more"] is True
    span = result(mock, "public/get_last_trades_by_instrument", instrument_name=PERP, start_seq=2, end_seq=3)
    assert [t["trade_seq"] for t in span["trades"]] == [3, 2] and span["has_more"] is False
    onwards = result(mock, "public/get_last_trades_by_instrument", instrument_name=PERP, start_seq=4)
    assert [t["trade_seq"] for t in onwards["trades"]] == [4, 5]  # a start without an end: from the start on
    timed = result(
        mock, "public/get_last_trades_by_instrument_and_time", instrument_name=PERP,
        start_timestamp=START_MS + MINUTE, end_timestamp=START_MS + 3 * MINUTE,
    )  # fmt: skip
    assert [t["timestamp"] for t in timed["trades"]] == [
        START_MS + 3 * MINUTE,
        START_MS + 2 * MINUTE,
        START_MS + MINUTE,
    ]
    since = result(mock, "public/get_last_trades_by_instrument_and_time", instrument_name=PERP,
                   start_timestamp=START_MS + 4 * MINUTE)  # fmt: skip
    assert [t["trade_seq"] for t in since["trades"]] == [5]
    every = result(mock, "public/get_last_trades_by_currency", currency="BTC", sorting="asc", count=1000)["trades"]
    assert [t["instrument_name"] for t in every] == [PERP] * 5 + [FUTURE]
    ids = [int(t["trade_id"]) for t in every]
    assert ids == sorted(ids)
    page = result(mock, "public/get_last_trades_by_currency", currency="BTC", start_id=ids[1], end_id=f"BTC-{ids[2]}")
    assert [int(t["trade_id"]) for t in page["trades"]] == [ids[2], ids[1]]
    futures = result(mock, "public/get_last_trades_by_currency", currency="BTC", kind="future", count=3)
    assert [t["instrument_name"] for t in futures["trades"]] == [FUTURE, PERP, PERP] and futures["has_more"] is True
    assert result(mock, "public/get_last_trades_by_currency", currency="BTC", kind="option")["trades"] == []
    and_time = result(mock, "public/get_last_trades_by_currency_and_time", currency="BTC",
                      end_timestamp=START_MS + MINUTE)  # fmt: skip
    assert [t["timestamp"] for t in and_time["trades"]] == [START_MS + MINUTE, START_MS]


def test_the_last_trades_outlive_a_day(mock):
    trade(mock, "50000")
    advance(mock, 3 * 86_400)
    assert len(result(mock, "public/get_last_trades_by_instrument", instrument_name=PERP)["trades"]) == 1
    assert result(mock, "public/ticker", instrument_name=PERP)["stats"]["volume"] is None  # the day's: none


# -- candles, volumes, the book summary -------------------------------------------------------------------------------


def test_a_trade_is_in_its_candle_and_an_empty_minute_repeats_the_close(mock):
    trade(mock, "50000", "100")
    trade(mock, "50100", "50")
    advance(mock, 30)
    trade(mock, "49900", "20", taker="sell")
    advance(mock, 120)  # a minute with no trade, then one more
    trade(mock, "50050", "10")
    first = START_MS - START_MS % MINUTE
    chart = result(mock, "public/get_tradingview_chart_data", instrument_name=PERP, resolution="1",
                   start_timestamp=first - 5 * MINUTE, end_timestamp=first + 10 * MINUTE)  # fmt: skip
    assert chart["status"] == "ok"
    assert chart["ticks"] == [first, first + MINUTE, first + 2 * MINUTE]  # up to the clock's minute
    assert chart["open"] == [50000, 49900, 50050] and chart["close"] == [49900, 49900, 50050]
    assert chart["high"] == [50100, 49900, 50050] and chart["low"] == [49900, 49900, 50050]
    # an inverse future's volume is its USD over the price; its cost the USD
    assert chart["volume"] == [Decimal("0.00339881"), 0, Decimal("0.0001998")]
    assert chart["cost"] == [170, 0, 10]
    hourly = result(mock, "public/get_tradingview_chart_data", instrument_name=PERP, resolution=60,
                    start_timestamp=0, end_timestamp=first + 10 * MINUTE)  # fmt: skip
    assert hourly["ticks"] == [START_MS - START_MS % (60 * MINUTE)] and hourly["cost"] == [180]
    assert hourly["open"] == [50000] and hourly["close"] == [50050]
    empty = result(mock, "public/get_tradingview_chart_data", instrument_name=FUTURE, resolution="1D",
                   start_timestamp=0, end_timestamp=first)  # fmt: skip
    assert empty == {"volume": [], "cost": [], "ticks": [], "status": "no_data", "open": [], "low": [], "high": [],
                     "close": []}  # fmt: skip


def test_a_trade_a_day_old_exactly_is_in_the_days_volume_and_then_leaves_it(mock):
    trade(mock, "50000")
    advance(mock, 86_400)
    assert result(mock, "public/ticker", instrument_name=PERP)["stats"]["volume"] == Decimal("0.0002")
    advance(mock, 1)
    assert result(mock, "public/ticker", instrument_name=PERP)["stats"]["volume"] is None


def test_an_options_candle_counts_its_contracts_and_their_premium(mock):
    """An option's volume is its contracts and its cost their premium (amount x price), where an inverse future's is
    its USD over the price."""
    trade(mock, "0.05", "2", name=CALL)
    trade(mock, "0.06", "3", name=CALL)
    first = START_MS - START_MS % MINUTE
    chart = result(mock, "public/get_tradingview_chart_data", instrument_name=CALL, resolution="1",
                   start_timestamp=first, end_timestamp=first + MINUTE)  # fmt: skip
    assert (chart["volume"], chart["cost"]) == ([5], [Decimal("0.28")])


def test_an_instrument_keeps_its_newest_trades(mock, monkeypatch):
    monkeypatch.setattr(trading_module, "INSTRUMENT_TRADES_SIZE", 3)  # (where a new instrument's trades are kept)
    for price in ("50000", "50010", "50020", "50030", "50040"):
        trade(mock, price)
    kept = result(mock, "public/get_last_trades_by_instrument", instrument_name=PERP, count=10)["trades"]
    assert [row["price"] for row in kept] == [50040, 50030, 50020]
    # the day's volume reads the trades kept: 10 USD at each of the three prices, in BTC (five would be 0.0009996)
    assert result(mock, "public/ticker", instrument_name=PERP)["stats"]["volume"] == Decimal("0.00059964")


def test_a_trade_is_in_the_days_volumes_and_the_book_summary(mock):
    trade(mock, "50000", "100")
    mock.deribit_order("bob", PERP, "buy", "20", "49990")
    mock.deribit_order("bob", PERP, "sell", "30", "50020")
    mock.deribit_order("alice", CALL, "buy", "2", "0.01")
    mock.deribit_order("bob", CALL, "sell", "2", "0.01")
    volumes = result(mock, "public/get_trade_volumes")
    assert volumes == [
        {"currency": "BTC", "calls_volume": 2, "puts_volume": 0, "futures_volume": Decimal("0.002"), "spot_volume": 0},
        {"currency": "ETH", "calls_volume": 0, "puts_volume": 0, "futures_volume": 0, "spot_volume": 0},
    ]
    extended = result(mock, "public/get_trade_volumes", extended=True)[0]
    assert extended["futures_volume_7d"] == extended["futures_volume_30d"] == Decimal("0.002")
    assert extended["calls_volume_30d"] == 2
    summary = {
        row["instrument_name"]: row for row in result(mock, "public/get_book_summary_by_currency", currency="BTC")
    }
    assert summary[PERP] == {
        "volume": Decimal("0.002"), "volume_usd": 100, "quote_currency": "USD", "price_change": 0,
        "open_interest": 100, "mid_price": 50005, "mark_price": 50000, "low": 50000, "last": 50000,
        "instrument_name": PERP, "high": 50000, "estimated_delivery_price": 50000, "creation_timestamp": START_MS,
        "bid_price": 49990, "base_currency": "BTC", "ask_price": 50020, "volume_notional": 100, "current_funding": 0,
        "funding_8h": 0,
    }  # fmt: skip
    ticker = result(mock, "public/ticker", instrument_name=PERP)
    assert summary[PERP]["volume"] == ticker["stats"]["volume"] and summary[PERP]["mark_price"] == ticker["mark_price"]
    assert summary[CALL]["mark_iv"] == 50 and summary[CALL]["last"] == Decimal("0.01") and summary[CALL]["volume"] == 2
    assert summary[FUTURE]["bid_price"] is None and summary[FUTURE]["mid_price"] is None
    assert summary[FUTURE]["volume"] == 0 and summary[FUTURE]["last"] is None and summary[FUTURE]["high"] is None
    assert result(mock, "public/get_book_summary_by_instrument", instrument_name=PERP) == [summary[PERP]]
    options = result(mock, "public/get_book_summary_by_currency", currency="BTC", kind="option")
    assert CALL in {row["instrument_name"] for row in options} and all(r["instrument_name"].endswith(("-C", "-P"))
                                                                      for r in options)  # fmt: skip
    assert result(mock, "public/get_book_summary_by_currency", currency="BTC", kind="spot") == []


def test_a_summary_values_an_option_once_for_unchanged_inputs_and_follows_each_that_moves(mock):
    def marks() -> tuple[Any, Any]:
        row = result(mock, "public/get_book_summary_by_instrument", instrument_name=CALL)[0]
        return row["mark_price"], result(mock, "public/ticker", instrument_name=CALL)["mark_price"]

    seen = marks()
    assert seen[0] == seen[1]
    valued = option_greeks.cache_info().misses
    assert marks() == seen and option_greeks.cache_info().misses == valued  # read again: no Black-76 at all
    for move in (
        lambda: mock.advance_clock(seconds=3600),  # an hour less to expiry
        lambda: mock.set_index_price("btc_usd", "50001"),
        lambda: mock.set_volatility("0.51", currency="BTC"),
    ):
        move()
        moved = marks()
        assert moved[0] == moved[1] != seen[0]
        seen = moved


# -- instruments, expirations, the book by id -------------------------------------------------------------------------


def test_an_instrument_its_contract_size_expirations_and_its_book_by_id(mock):
    listed = {row["instrument_name"]: row for row in result(mock, "public/get_instruments", currency="BTC")}
    assert result(mock, "public/get_instrument", instrument_name=FUTURE) == listed[FUTURE]
    assert result(mock, "public/get_contract_size", instrument_name=FUTURE) == {"contract_size": 10}
    assert result(mock, "public/get_contract_size", instrument_name=CALL) == {"contract_size": 1}
    futures = result(mock, "public/get_expirations", currency="BTC", kind="future")
    assert set(futures) == {"future"} and "25JAN30" in futures["future"] and futures["future"][-1] == "PERPETUAL"
    both = result(mock, "public/get_expirations", currency="any", kind="any")
    assert "27DEC30" in both["option"] and "25JAN30" in both["future"]
    grouped = result(mock, "public/get_expirations", currency="grouped", kind="option", currency_pair="btc_usd")
    assert set(grouped) == {"btc"} and "27DEC30" in grouped["btc"]["option"]
    trade(mock, "50000")
    mock.deribit_order("bob", PERP, "buy", "20", "49990")
    book = result(mock, "public/get_order_book", instrument_name=PERP, depth=5)
    by_id = result(mock, "public/get_order_book_by_instrument_id", instrument_id=listed[PERP]["instrument_id"], depth=5)
    assert by_id == book and by_id["bids"] == [[49990, 20]]


# -- expiry -----------------------------------------------------------------------------------------------------------


def test_an_expiry_shows_in_the_delivery_prices_and_the_settlements(mock):
    trade(mock, "50000", "100", name=FUTURE)  # alice long 100, bob short 100
    mock.set_settlement_price(FUTURE, "51000")
    mock.advance_clock(to="2030-01-25T09:00:00Z")  # past its expiry
    expiry_ms = int(datetime(2030, 1, 25, 8, tzinfo=UTC).timestamp() * 1000)
    prices = result(mock, "public/get_delivery_prices", index_name="btc_usd")
    assert {"date": "2030-01-25", "delivery_price": 51000} in prices["data"]
    assert prices["records_total"] == len(prices["data"]) >= 1
    assert result(mock, "public/get_delivery_prices", index_name="eth_usd") == {"data": [], "records_total": 0}
    settled = result(mock, "public/get_last_settlements_by_instrument", instrument_name=FUTURE)
    assert settled == {"settlements": [{
        "type": "delivery", "timestamp": expiry_ms, "instrument_name": FUTURE, "position": 100, "mark_price": 51000,
        "index_price": 50000, "profit_loss": 0, "session_profit_loss": 0, "funding": 0,
    }], "continuation": None}  # fmt: skip
    by_currency = result(mock, "public/get_last_settlements_by_currency", currency="BTC", count=1)
    assert len(by_currency["settlements"]) == 1 and by_currency["continuation"] is not None
    pages = [by_currency["settlements"][0]]
    while by_currency["continuation"] is not None:
        by_currency = result(mock, "public/get_last_settlements_by_currency", currency="BTC", count=1,
                             continuation=by_currency["continuation"])  # fmt: skip
        pages += by_currency["settlements"]
    assert settled["settlements"][0] in pages
    times = [row["timestamp"] for row in pages]
    assert times == sorted(times, reverse=True)  # newest first
    assert result(mock, "public/get_last_settlements_by_currency", currency="BTC", type="settlement") == {
        "settlements": [], "continuation": None}  # fmt: skip
    assert result(mock, "public/get_last_settlements_by_currency", currency="ETH")["settlements"] == []


# -- bad params -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "params", "param"),
    [
        ("public/get_last_trades_by_instrument", {}, "instrument_name"),
        ("public/get_last_trades_by_instrument", {"instrument_name": "NOT-LISTED"}, "instrument_name"),
        ("public/get_last_trades_by_instrument", {"instrument_name": PERP, "count": 0}, "count"),
        ("public/get_last_trades_by_instrument", {"instrument_name": PERP, "count": 1001}, "count"),
        ("public/get_last_trades_by_instrument", {"instrument_name": PERP, "sorting": "up"}, "sorting"),
        ("public/get_last_trades_by_instrument", {"instrument_name": PERP, "start_seq": "1"}, "start_seq"),
        ("public/get_last_trades_by_instrument_and_time", {"instrument_name": PERP}, "end_timestamp"),
        ("public/get_last_trades_by_currency", {}, "currency"),
        ("public/get_last_trades_by_currency", {"currency": "DOGE"}, "currency"),
        ("public/get_last_trades_by_currency", {"currency": "BTC", "kind": "perp"}, "kind"),
        ("public/get_last_trades_by_currency", {"currency": "BTC", "start_id": "BTC-x"}, "start_id"),
        ("public/get_last_trades_by_currency_and_time", {"currency": "BTC"}, "end_timestamp"),
        (
            "public/get_tradingview_chart_data",
            {"start_timestamp": 0, "end_timestamp": 1, "resolution": "1"},
            "instrument_name",
        ),
        (
            "public/get_tradingview_chart_data",
            {"instrument_name": PERP, "end_timestamp": 1, "resolution": "1"},
            "start_timestamp",
        ),
        (
            "public/get_tradingview_chart_data",
            {"instrument_name": PERP, "start_timestamp": 0, "end_timestamp": 1},
            "resolution",
        ),
        (
            "public/get_tradingview_chart_data",
            {"instrument_name": PERP, "start_timestamp": 0, "end_timestamp": 1, "resolution": "2"},
            "resolution",
        ),
        (
            "public/get_tradingview_chart_data",
            {"instrument_name": PERP, "start_timestamp": 0, "end_timestamp": 1, "resolution": True},
            "resolution",
        ),
        ("public/get_trade_volumes", {"extended": "yes"}, "extended"),
        ("public/get_book_summary_by_currency", {}, "currency"),
        ("public/get_book_summary_by_currency", {"currency": "BTC", "kind": "any"}, "kind"),
        ("public/get_book_summary_by_instrument", {"instrument_name": "BTC-1JAN99"}, "instrument_name"),
        ("public/get_instrument", {}, "instrument_name"),
        ("public/get_contract_size", {"instrument_name": 5}, "instrument_name"),
        ("public/get_expirations", {"kind": "future"}, "currency"),
        ("public/get_expirations", {"currency": "DOGE", "kind": "future"}, "currency"),
        ("public/get_expirations", {"currency": "BTC"}, "kind"),
        ("public/get_expirations", {"currency": "BTC", "kind": "spot"}, "kind"),
        ("public/get_order_book_by_instrument_id", {}, "instrument_id"),
        ("public/get_order_book_by_instrument_id", {"instrument_id": 1}, "instrument_id"),
        ("public/get_order_book_by_instrument_id", {"instrument_id": "x"}, "instrument_id"),
        ("public/get_delivery_prices", {}, "index_name"),
        ("public/get_delivery_prices", {"index_name": "btc_usd", "count": 0}, "count"),
        ("public/get_delivery_prices", {"index_name": "btc_usd", "offset": -1}, "offset"),
        ("public/get_last_settlements_by_currency", {"currency": "BTC", "type": "funding"}, "type"),
        ("public/get_last_settlements_by_currency", {"currency": "BTC", "continuation": "zz"}, "continuation"),
        ("public/get_last_settlements_by_instrument", {}, "instrument_name"),
    ],
)
def test_bad_params_are_deribits_invalid_params(mock, method, params, param):
    error = rpc(mock, method, params)["error"]
    assert error["code"] == -32602 and error["message"] == "Invalid params" and error["data"]["param"] == param


# -- the websocket, a restart -----------------------------------------------------------------------------------------


def test_the_websocket_answers_what_http_does(mock):
    trade(mock, "50000")

    async def over_websocket() -> dict:
        async with websockets.connect(mock.deribit_ws_url) as ws:
            reply = await DeribitWs(ws).call("public/get_last_trades_by_instrument", {"instrument_name": PERP})
            return reply["result"]

    assert asyncio.run(over_websocket()) == result(mock, "public/get_last_trades_by_instrument", instrument_name=PERP)


READS = [
    ("public/get_last_trades_by_currency", {"currency": "BTC", "count": 100}),
    (
        "public/get_tradingview_chart_data",
        {"instrument_name": PERP, "resolution": "1", "start_timestamp": 0, "end_timestamp": START_MS + 10 * MINUTE},
    ),
    ("public/get_trade_volumes", {"extended": True}),
    ("public/get_book_summary_by_currency", {"currency": "BTC", "kind": "future"}),
    ("public/get_delivery_prices", {"index_name": "btc_usd"}),
    ("public/get_last_settlements_by_currency", {"currency": "BTC"}),
]


def test_a_restart_answers_the_same_market_data(tmp_path: Path):
    path = tmp_path / "state.db"
    with MockServer(state=str(path), clock=ManualClock(START)) as first:
        _seed(first)
        for n in range(3):
            trade(first, str(50000 + 10 * n), name=FUTURE)
            trade(first, str(50000 - 10 * n))
            advance(first, 90)
        first.advance_clock(to="2030-01-25T08:30:00Z")  # the future delivered
        before = {method: result(first, method, **params) for method, params in READS}
    assert before["public/get_tradingview_chart_data"]["status"] == "ok"
    assert before["public/get_last_settlements_by_currency"]["settlements"]  # there is something to compare
    with MockServer(state=str(path)) as again:
        assert {method: result(again, method, **params) for method, params in READS} == before


def test_the_clock_moved_further_leaves_the_kept_candles(mock):
    trade(mock, "50000")
    advance(mock, int(timedelta(days=2).total_seconds()))
    daily = result(mock, "public/get_tradingview_chart_data", instrument_name=PERP, resolution="1D",
                   start_timestamp=0, end_timestamp=START_MS + 3 * 86_400_000)  # fmt: skip
    day = START_MS - START_MS % 86_400_000
    assert daily["ticks"] == [day, day + 86_400_000, day + 2 * 86_400_000]
    assert daily["volume"][1:] == [0, 0] and daily["close"] == [50000, 50000, 50000]
