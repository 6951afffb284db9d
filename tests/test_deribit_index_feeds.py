"""Deribit's price indices and volatility over real HTTP: an index's price path set through the admin API and read at
each time of a manual clock (public/get_index_price, the ticker, what a stop order and an expiry see), the index names,
the volatility index's candles (its price index `btcdvol_usdc`), an option's mark history (the ticker's marks), the
historical volatility and a yield token's APR; defaults, empty histories and bad params in Deribit's -32602."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from deribit_public import START, admin, error, move_clock, ms, refused, result, rpc, started
from deribit_rpc import Deribit

from mockexchange.server import MockServer

PERP = "BTC-PERPETUAL"
MINUTE, HOUR, DAY = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)


@pytest.fixture
def mock():
    with started() as server:
        yield server


def index_price(mock: MockServer, name: str = "btc_usd") -> Decimal:
    return result(mock, "public/get_index_price", index_name=name)["index_price"]


# -- an index's price over the exchange clock ------------------------------------------------------------------------


def test_an_index_path_is_read_at_each_time_of_the_clock(mock):
    made = admin(mock, "deribit/index_paths", {"index_name": "BTC_USD", "path": [
        {"seconds": -3600, "price": "59000"}, {"price": "60000.5"}, {"seconds": 60, "price": "61000"},
        {"at": (START + 5 * MINUTE).isoformat(), "price": "62000"},
    ]})  # fmt: skip
    assert made == {"index_name": "btc_usd", "price": "60000.5", "points": [
        {"at": (START - HOUR).isoformat(), "price": "59000"}, {"at": START.isoformat(), "price": "60000.5"},
        {"at": (START + MINUTE).isoformat(), "price": "61000"},
        {"at": (START + 5 * MINUTE).isoformat(), "price": "62000"},
    ]}  # fmt: skip
    assert result(mock, "public/get_index_price", index_name="btc_usd") == {
        "index_price": Decimal("60000.5"), "estimated_delivery_price": Decimal("60000.5"),
    }  # fmt: skip
    move_clock(mock, 59)
    assert index_price(mock) == Decimal("60000.5")  # a point shows from its time on, not before
    move_clock(mock, 1)
    assert index_price(mock) == 61000
    ticker = result(mock, "public/ticker", instrument_name=PERP)
    assert ticker["index_price"] == ticker["mark_price"] == 61000  # the future's mark follows its index
    move_clock(mock, 240)
    assert index_price(mock) == 62000
    assert index_price(mock, "eth_usd") == 3000  # the others as they were


def test_an_index_price_set_now_ends_the_points_set_for_later(mock):
    admin(mock, "deribit/index_paths", {"index_name": "btc_usd", "path": [{"seconds": 60, "price": "70000"}]})
    assert index_price(mock) == 60000  # the default, until the point's time
    admin(mock, "deribit/index_prices", {"index_name": "btc_usd", "price": "65000"})
    move_clock(mock, 120)
    assert index_price(mock) == 65000


def test_a_path_that_starts_later_leaves_a_new_index_without_a_price_until_then(mock):
    made = admin(mock, "deribit/index_paths", {"index_name": "sol_usdc", "path": [{"seconds": 30, "price": "150"}]})
    assert made["price"] is None
    assert error(mock, "public/get_index_price", index_name="sol_usdc") == (
        -32602, {"reason": "invalid index_name", "param": "index_name"},
    )  # fmt: skip
    assert "sol_usdc" not in [row["name"] for row in result(mock, "public/get_index_price_names")]
    move_clock(mock, 30)
    assert index_price(mock, "sol_usdc") == 150
    assert "sol_usdc" in [row["name"] for row in result(mock, "public/get_index_price_names")]


def test_the_index_names_are_those_with_a_price(mock):
    names = ["btc_usd", "btc_usdc", "eth_usd", "eth_usdc"]  # a fresh mock's defaults
    assert result(mock, "public/get_index_price_names") == [{"name": name} for name in names]
    assert result(mock, "public/get_index_price_names", extended=True) == [
        {"name": name, "future_combo_creation_enabled": False, "option_combo_creation_enabled": False} for name in names
    ]
    assert result(mock, "public/get_index_price", index_name="ETH_USDC")["index_price"] == 3000


@pytest.mark.parametrize(
    ("params", "data"),
    [
        ({}, {"reason": "must be present", "param": "index_name"}),
        ({"index_name": "doge_usdc"}, {"reason": "invalid index_name", "param": "index_name"}),
        ({"index_name": 7}, {"reason": "must be a string", "param": "index_name"}),
    ],
)
def test_a_bad_index_name_is_refused(mock, params, data):
    assert error(mock, "public/get_index_price", **params) == (-32602, data)


def test_a_bad_path_is_refused_by_the_admin_api(mock):
    status, why = refused(mock, "deribit/index_paths", {"index_name": "btc_usd", "path": []})
    assert status == 400 and "1 to 10000 points" in why
    status, why = refused(mock, "deribit/index_paths", {"index_name": "btc_usd", "path": [{"seconds": 1}]})
    assert status == 400 and '"price"' in why
    at_once = [{"seconds": 5, "price": "1"}, {"at": (START + timedelta(seconds=5)).isoformat(), "price": "2"}]
    status, why = refused(mock, "deribit/index_paths", {"index_name": "btc_usd", "path": at_once})
    assert status == 400 and "two points at" in why
    assert refused(mock, "deribit/index_paths", {"index_name": "btc_usd", "path": [{"price": "0"}]})[0] == 400
    status, why = refused(
        mock, "deribit/index_paths", {"index_name": "btc_usd", "path": [{"price": "1"}, {"price": "x"}]}
    )
    assert status == 400 and why.startswith("path[1].price is not a decimal number: 'x';")


def test_a_stop_order_fires_when_the_clock_reaches_a_point_of_its_index(mock):
    mock.create_deribit_account("alice", balances={"BTC": "10"})
    alice = Deribit(mock, mock.create_deribit_key("alice"))
    order = mock.deribit_order("alice", PERP, "sell", "100", "57000", order_type="stop_limit", trigger="index_price",
                               trigger_price="58000")  # fmt: skip
    admin(mock, "deribit/index_paths", {"index_name": "btc_usd", "path": [{"seconds": 60, "price": "57500"}]})
    move_clock(mock, 59)
    assert alice.result("private/get_order_state", order_id=order["order_id"])["order_state"] == "untriggered"
    move_clock(mock, 1)
    state = alice.result("private/get_order_state", order_id=order["order_id"])
    assert (state["order_state"], state["triggered"]) == ("open", True)


def test_an_expiry_delivers_at_the_index_in_force_when_it_expired(mock):
    weekly = next(i for i in mock.exchange.market.instruments("BTC", "future") if not i.is_perpetual)
    assert weekly.expiration is not None
    mock.create_deribit_account("alice", balances={"BTC": "10"})
    alice = Deribit(mock, mock.create_deribit_key("alice"))
    mock.deribit_fill("alice", weekly.instrument_name, "buy", "1000", "60000")
    expires = weekly.expiration - START
    admin(mock, "deribit/index_paths", {"index_name": "btc_usd", "path": [
        {"seconds": int((expires - HOUR).total_seconds()), "price": "64000"},
        {"seconds": int((expires + HOUR).total_seconds()), "price": "50000"},
    ]})  # fmt: skip
    move_clock(mock, (expires + 2 * HOUR).total_seconds())
    [settled] = alice.result("private/get_settlement_history_by_currency", currency="BTC")["settlements"]
    assert (settled["instrument_name"], settled["index_price"]) == (weekly.instrument_name, 64000)


# -- the volatility index --------------------------------------------------------------------------------------------


def dvol(mock: MockServer, **params: object) -> dict:
    return result(mock, "public/get_volatility_index_data", currency="BTC", **params)


def test_the_volatility_index_is_read_as_candles_of_its_price_index(mock):
    admin(mock, "deribit/index_paths", {"index_name": "btcdvol_usdc", "path": [
        {"seconds": -120, "price": "50"}, {"seconds": -90, "price": "55.5"}, {"seconds": -30, "price": "45"},
        {"price": "48"}, {"seconds": 30, "price": "99"},
    ]})  # fmt: skip
    found = dvol(mock, start_timestamp=ms(-2 * MINUTE), end_timestamp=ms(START), resolution="60")
    assert found == {"data": [
        [ms(-2 * MINUTE), 50, Decimal("55.5"), 50, Decimal("55.5")],
        [ms(-MINUTE), Decimal("55.5"), Decimal("55.5"), 45, 45],
        [ms(START), 48, 48, 48, 48],  # (its later point not reached yet)
    ], "continuation": None}  # fmt: skip
    assert dvol(mock, start_timestamp=0, end_timestamp=ms(DAY), resolution=60) == found  # a number, and nothing before
    daily = dvol(mock, start_timestamp=0, end_timestamp=ms(START), resolution="1D")
    assert daily == {"data": [[ms(-12 * HOUR), 50, Decimal("55.5"), 45, 48]], "continuation": None}
    assert index_price(mock, "btcdvol_usdc") == 48  # one price index: the same value


def test_volatility_index_candles_page_back_by_their_continuation(mock):
    admin(mock, "deribit/index_paths", {"index_name": "btcdvol_usdc", "path": [
        {"seconds": -1500, "price": "40"}, {"seconds": -1200, "price": "41"}]})  # fmt: skip
    first = dvol(mock, start_timestamp=ms(-HOUR), end_timestamp=ms(START), resolution=1)
    assert len(first["data"]) == 1000 and first["data"][-1][0] == ms(START)
    assert first["continuation"] == ms(-1000 * timedelta(seconds=1))
    rest = dvol(mock, start_timestamp=ms(-HOUR), end_timestamp=first["continuation"], resolution=1)
    assert rest["continuation"] is None and len(rest["data"]) == 501  # from -1500 s to -1000 s
    assert rest["data"][0] == [ms(timedelta(seconds=-1500)), 40, 40, 40, 40]
    assert rest["data"][-1][0] + 1000 == first["data"][0][0]


def test_no_volatility_index_set_reads_no_candles(mock):
    assert dvol(mock, start_timestamp=0, end_timestamp=ms(START), resolution="3600") == {
        "data": [], "continuation": None,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("params", "data"),
    [
        ({"resolution": "5"}, {"reason": "invalid resolution", "param": "resolution"}),
        ({"resolution": True}, {"reason": "invalid resolution", "param": "resolution"}),
        ({}, {"reason": "must be present", "param": "resolution"}),
        ({"resolution": "60", "currency": "XRP"}, {"reason": "invalid currency", "param": "currency"}),
        ({"resolution": "60", "start_timestamp": -1}, {"reason": "out of range", "param": "start_timestamp"}),
        ({"resolution": "60", "end_timestamp": None}, {"reason": "must be present", "param": "end_timestamp"}),
    ],
)
def test_bad_volatility_index_params_are_refused(mock, params, data):
    given = {"currency": "BTC", "start_timestamp": 0, "end_timestamp": ms(START), **params}
    assert error(mock, "public/get_volatility_index_data", **{k: v for k, v in given.items() if v is not None}) == (
        -32602, data,
    )  # fmt: skip


# -- an option's mark history ----------------------------------------------------------------------------------------


def test_an_options_mark_history_is_the_marks_its_ticker_showed(mock):
    call = next(i.instrument_name for i in mock.exchange.market.instruments("BTC", "option"))
    marks = [result(mock, "public/ticker", instrument_name=call)["mark_price"]]
    for price in ("62000", "58000"):
        move_clock(mock, 300)
        admin(mock, "deribit/index_prices", {"index_name": "btc_usd", "price": price})
        marks.append(result(mock, "public/ticker", instrument_name=call)["mark_price"])
    history = result(mock, "public/get_mark_price_history", instrument_name=call, start_timestamp=ms(START),
                     end_timestamp=ms(HOUR))  # fmt: skip
    assert history == [[ms(10 * MINUTE), marks[2]], [ms(5 * MINUTE), marks[1]], [ms(START), marks[0]]]
    assert len(set(marks)) == 3
    admin(mock, "deribit/mark_prices", {"instrument_name": call, "price": "0.1"})  # pinned: from its time on
    move_clock(mock, 300)
    pinned = result(mock, "public/get_mark_price_history", instrument_name=call, start_timestamp=ms(START),
                    end_timestamp=ms(HOUR))  # fmt: skip
    assert pinned == [[ms(15 * MINUTE), Decimal("0.1")], [ms(10 * MINUTE), Decimal("0.1")], *history[1:]]


def test_a_futures_mark_history_is_empty_as_deribit_keeps_none(mock):
    move_clock(mock, 3600)
    assert result(mock, "public/get_mark_price_history", instrument_name=PERP, start_timestamp=0,
                  end_timestamp=ms(DAY)) == []  # fmt: skip
    code, data = error(mock, "public/get_mark_price_history", instrument_name="BTC-1JAN99", start_timestamp=0,
                       end_timestamp=1)  # fmt: skip
    assert (code, data) == (-32602, {"reason": "instrument not found", "param": "instrument_name"})
    assert error(mock, "public/get_mark_price_history", instrument_name=PERP, start_timestamp=0) == (
        -32602, {"reason": "must be present", "param": "end_timestamp"},
    )  # fmt: skip


# -- historical volatility and APR -----------------------------------------------------------------------------------


def test_historical_volatility_reads_back_what_was_set_up_to_now(mock):
    assert result(mock, "public/get_historical_volatility", currency="BTC") == []
    made = admin(mock, "deribit/historical_volatility", {"currency": "btc", "path": [
        {"seconds": -7200, "volatility": "45.5"}, {"seconds": -3600, "volatility": "46.25"},
        {"seconds": 3600, "volatility": "50"},
    ]})  # fmt: skip
    assert made["currency"] == "BTC" and made["volatility"] == "46.25"
    assert result(mock, "public/get_historical_volatility", currency="btc") == [
        [ms(-2 * HOUR), Decimal("45.5")], [ms(-HOUR), Decimal("46.25")],
    ]  # fmt: skip
    move_clock(mock, 3600)
    assert result(mock, "public/get_historical_volatility", currency="BTC")[-1] == [ms(HOUR), 50]
    assert result(mock, "public/get_historical_volatility", currency="ETH") == []
    assert error(mock, "public/get_historical_volatility") == (
        -32602,
        {"reason": "must be present", "param": "currency"},
    )
    assert error(mock, "public/get_historical_volatility", currency="any") == (
        -32602, {"reason": "invalid currency", "param": "currency"},
    )  # fmt: skip


def test_apr_history_is_each_full_days_apr_newest_first(mock):
    today = (START - datetime(1970, 1, 1, tzinfo=UTC)).days
    assert result(mock, "public/get_apr_history", currency="usde") == {"data": [], "continuation": None}
    admin(mock, "deribit/apr", {"currency": "usde", "path": [
        {"seconds": -3 * 86400, "apr": "3.5"}, {"seconds": -86400, "apr": "4.125"}, {"apr": "9"},
    ]})  # fmt: skip
    days = result(mock, "public/get_apr_history", currency="USDE")
    assert days == {"data": [
        {"day": today - 1, "apr": Decimal("4.125")}, {"day": today - 2, "apr": Decimal("3.5")},
        {"day": today - 3, "apr": Decimal("3.5")},
    ], "continuation": None}  # fmt: skip
    page = result(mock, "public/get_apr_history", currency="usde", limit=2)
    assert page == {"data": days["data"][:2], "continuation": today - 2}
    assert result(mock, "public/get_apr_history", currency="usde", limit=2, before=page["continuation"]) == {
        "data": days["data"][2:], "continuation": None,
    }  # fmt: skip
    move_clock(mock, 86400)
    assert result(mock, "public/get_apr_history", currency="usde", limit=1)["data"] == [{"day": today, "apr": 9}]
    assert result(mock, "public/get_apr_history", currency="steth")["data"] == []


@pytest.mark.parametrize(
    ("params", "data"),
    [
        ({}, {"reason": "must be present", "param": "currency"}),
        ({"currency": "BTC"}, {"reason": "invalid currency", "param": "currency"}),
        ({"currency": "usde", "limit": 0}, {"reason": "out of range", "param": "limit"}),
        ({"currency": "usde", "limit": 366}, {"reason": "out of range", "param": "limit"}),
        ({"currency": "usde", "before": "soon"}, {"reason": "must be an integer", "param": "before"}),
    ],
)
def test_bad_apr_params_are_refused(mock, params, data):
    assert error(mock, "public/get_apr_history", **params) == (-32602, data)


def test_an_apr_for_a_token_deribit_does_not_list_is_refused_by_the_admin_api(mock):
    assert refused(mock, "deribit/apr", {"currency": "btc", "path": [{"apr": "1"}]})[0] == 400
    assert rpc(mock, "public/get_apr_history", currency="usde")["result"]["data"] == []
