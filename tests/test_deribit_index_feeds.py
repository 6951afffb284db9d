"""Deribit's price indices over real HTTP: an index's price path set through the admin API and read at each time of a
manual clock (public/get_index_price, the ticker, what a stop order and an expiry see), the index names; defaults and
bad params in Deribit's -32602."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from deribit_public import START, admin, error, move_clock, refused, result, started
from deribit_rpc import Deribit

from mockexchange.server import MockServer

PERP = "BTC-PERPETUAL"
MINUTE, HOUR = timedelta(minutes=1), timedelta(hours=1)


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
