"""Deribit's funding, platform status, hello and announcements over real HTTP (and the websocket): a perpetual's funding
rate set through the admin API along a path and read as what it accrued (public/get_funding_rate_value, _history,
get_funding_chart_data, the ticker); the platform's locks and announcements; defaults, empty answers and bad params in
Deribit's -32602. Then a scenario that sets these on the exchange clock, read at times of a manual clock, and a state
file that keeps them across a restart (with its snapshot, and from its commands alone)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import websockets
from deribit_public import START, admin, error, move_clock, ms, refused, result, started
from deribit_rpc import Deribit, DeribitWs
from state_sql import sql

from mockexchange.core.clock import ManualClock
from mockexchange.server import MockServer

PERP = "BTC-PERPETUAL"
HOUR = timedelta(hours=1)
# The BTC index and the perpetual's rate over the 10 hours before `START`: the rate 0.0001 from 04:00, -0.0002 from
# 08:00; the index 60000 from 02:00, 61000 from 10:00
INDEX_PATH = [{"seconds": -36000, "price": "60000"}, {"seconds": -7200, "price": "61000"}]
RATES = [{"seconds": -28800, "rate": "0.0001"}, {"seconds": -14400, "rate": "-0.0002"}]


@pytest.fixture
def mock():
    with started() as server:
        yield server


def set_funding(mock: MockServer) -> None:
    admin(mock, "deribit/index_paths", {"index_name": "btc_usd", "path": INDEX_PATH})
    made = admin(mock, "deribit/funding_rates", {"instrument_name": PERP, "path": RATES})
    assert made == {"instrument_name": PERP, "rate": "-0.0002", "points": [
        {"at": (START - 8 * HOUR).isoformat(), "rate": "0.0001"},
        {"at": (START - 4 * HOUR).isoformat(), "rate": "-0.0002"},
    ]}  # fmt: skip


def span(start: timedelta, end: timedelta) -> dict[str, int]:
    return {"start_timestamp": ms(start), "end_timestamp": ms(end)}


# -- funding -----------------------------------------------------------------------------------------------------------


def test_a_funding_rate_accrues_over_a_span_as_a_share_of_8_hours(mock):
    set_funding(mock)
    value = result(mock, "public/get_funding_rate_value", instrument_name=PERP, **span(-8 * HOUR, timedelta(0)))
    assert value == Decimal("-0.00005")  # 4 hours at 0.0001 and 4 at -0.0002, over 8
    assert result(mock, "public/get_funding_rate_value", instrument_name=PERP, **span(-HOUR, HOUR)) == Decimal(
        "-0.000025"
    )  # (up to now: the exchange clock's)
    assert result(mock, "public/get_funding_rate_value", instrument_name=PERP, **span(-10 * HOUR, -9 * HOUR)) == 0


def test_the_funding_history_is_hourly_with_the_index_then(mock):
    set_funding(mock)
    rows = result(mock, "public/get_funding_rate_history", instrument_name=PERP, **span(-9 * HOUR, timedelta(0)))
    assert [row["timestamp"] for row in rows] == [ms(-h * HOUR) for h in range(8, -1, -1)]  # from the rate's start
    assert rows[0] == {"timestamp": ms(-8 * HOUR), "index_price": 60000, "prev_index_price": 60000,
                       "interest_1h": 0, "interest_8h": 0}  # fmt: skip
    assert rows[1]["interest_1h"] == rows[1]["interest_8h"] == Decimal("0.0000125")
    assert rows[6] == {"timestamp": ms(-2 * HOUR), "index_price": 61000, "prev_index_price": 60000,
                       "interest_1h": Decimal("-0.000025"), "interest_8h": Decimal("0")}  # fmt: skip
    assert rows[-1] == {"timestamp": ms(START), "index_price": 61000, "prev_index_price": 61000,
                        "interest_1h": Decimal("-0.000025"), "interest_8h": Decimal("-0.00005")}  # fmt: skip
    assert result(mock, "public/get_funding_rate_history", instrument_name=PERP, **span(-3 * HOUR, -2 * HOUR)) == [
        rows[5], rows[6],
    ]  # fmt: skip


def test_a_rate_accrues_over_days_to_the_millisecond(mock):
    """0.0001 held for 50 hours less half a second: 0.0001 x 179,999,500 ms / 28,800,000 ms, to Deribit's 16 places."""
    admin(mock, "deribit/funding_rates", {"instrument_name": PERP, "path": [{"seconds": -60 * 3600, "rate": "0.0001"}]})
    start = ms(-50 * HOUR) + 500
    value = result(
        mock, "public/get_funding_rate_value", instrument_name=PERP, start_timestamp=start, end_timestamp=ms(START)
    )
    assert value == Decimal("0.0006249982638889")


def test_the_funding_history_answers_the_newest_1000_hours_of_a_longer_span(mock):
    index, rates = [{"seconds": -1200 * 3600, "price": "60000"}], [{"seconds": -1100 * 3600, "rate": "0.0001"}]
    admin(mock, "deribit/index_paths", {"index_name": "btc_usd", "path": index})
    admin(mock, "deribit/funding_rates", {"instrument_name": PERP, "path": rates})
    rows = result(mock, "public/get_funding_rate_history", instrument_name=PERP, **span(-1100 * HOUR, timedelta(0)))
    assert [rows[0]["timestamp"], rows[-1]["timestamp"], len(rows)] == [ms(-999 * HOUR), ms(START), 1000]


def test_the_funding_chart_and_the_ticker_show_the_rate_now_and_its_last_8_hours(mock):
    set_funding(mock)
    chart = result(mock, "public/get_funding_chart_data", instrument_name=PERP, length="8h")
    assert (chart["current_interest"], chart["interest_8h"]) == (Decimal("-0.0002"), Decimal("-0.00005"))
    assert len(chart["data"]) == 97  # every 5 minutes over 8 hours, both ends
    assert chart["data"][0] == {"timestamp": ms(-8 * HOUR), "index_price": 60000, "interest_8h": 0}
    assert chart["data"][-1] == {"timestamp": ms(START), "index_price": 61000, "interest_8h": Decimal("-0.00005")}
    ticker = result(mock, "public/ticker", instrument_name=PERP)
    assert (ticker["current_funding"], ticker["funding_8h"]) == (Decimal("-0.0002"), Decimal("-0.00005"))
    (summary,) = result(mock, "public/get_book_summary_by_instrument", instrument_name=PERP)
    assert (summary["current_funding"], summary["funding_8h"]) == (Decimal("-0.0002"), Decimal("-0.00005"))
    admin(mock, "deribit/funding_rates", {"instrument_name": PERP, "path": [{"seconds": 3600, "rate": "0.0003"}]})
    move_clock(mock, 3600)
    ticker = result(mock, "public/ticker", instrument_name=PERP)  # the last 8 hours: 3 at 0.0001, 5 at -0.0002
    assert (ticker["current_funding"], ticker["funding_8h"]) == (Decimal("0.0003"), Decimal("-0.0000875"))
    month = result(mock, "public/get_funding_chart_data", instrument_name=PERP, length="1m")
    assert [point["timestamp"] for point in month["data"]] == [ms(-4 * HOUR)]  # at 00:00, 08:00, 16:00, once set


def test_the_funding_chart_begins_on_its_grid_within_its_span_once_the_rate_is_set(mock):
    """The index is priced from 10 hours before, the rate from 8: the 24-hour chart's points begin at the rate's
    first; 90 seconds later, off the 5-minute grid, the 8-hour chart's first point is the grid's first in the span."""
    set_funding(mock)
    day = result(mock, "public/get_funding_chart_data", instrument_name=PERP, length="24h")["data"]
    assert (day[0]["timestamp"], len(day)) == (ms(-8 * HOUR), 8 * 4 + 1)  # every 15 minutes
    move_clock(mock, 90)
    data = result(mock, "public/get_funding_chart_data", instrument_name=PERP, length="8h")["data"]
    assert (data[0]["timestamp"], data[-1]["timestamp"]) == (ms(-8 * HOUR + timedelta(minutes=5)), ms(START))


def test_no_funding_set_reads_zero_and_no_rows(mock):
    for name in ("ETH-PERPETUAL", next(i.instrument_name for i in mock.exchange.market.instruments("BTC", "future")
                                       if not i.is_perpetual)):  # fmt: skip
        assert result(mock, "public/get_funding_rate_value", instrument_name=name, **span(-HOUR, timedelta(0))) == 0
        assert result(mock, "public/get_funding_rate_history", instrument_name=name, **span(-HOUR, timedelta(0))) == []
        assert result(mock, "public/get_funding_chart_data", instrument_name=name, length="24h") == {
            "current_interest": 0, "interest_8h": 0, "data": [],
        }  # fmt: skip
    ticker = result(mock, "public/ticker", instrument_name="ETH-PERPETUAL")
    assert (ticker["current_funding"], ticker["funding_8h"]) == (0, 0)


def test_only_a_perpetual_takes_a_funding_rate(mock):
    weekly = next(i.instrument_name for i in mock.exchange.market.instruments("BTC", "future") if not i.is_perpetual)
    status, why = refused(mock, "deribit/funding_rates", {"instrument_name": weekly, "path": [{"rate": "0.0001"}]})
    assert status == 400 and "not a perpetual" in why
    assert refused(mock, "deribit/funding_rates", {"instrument_name": "BTC-1JAN99", "path": [{"rate": "0"}]})[0] == 404
    assert refused(mock, "deribit/funding_rates", {"instrument_name": PERP, "path": [{"rate": "1.5"}]})[0] == 400


@pytest.mark.parametrize(
    ("method", "params", "data"),
    [
        ("public/get_funding_rate_value", {"end_timestamp": 1},
         {"reason": "must be present", "param": "start_timestamp"}),
        ("public/get_funding_rate_history", {"start_timestamp": 0},
         {"reason": "must be present", "param": "end_timestamp"}),
        ("public/get_funding_rate_history", {"start_timestamp": "x", "end_timestamp": 1},
         {"reason": "must be an integer", "param": "start_timestamp"}),
        ("public/get_funding_chart_data", {"length": "2h"}, {"reason": "invalid length", "param": "length"}),
        ("public/get_funding_chart_data", {}, {"reason": "must be present", "param": "length"}),
        ("public/get_funding_chart_data", {"length": "8h", "instrument_name": "BTC-1JAN99"},
         {"reason": "instrument not found", "param": "instrument_name"}),
    ],
)  # fmt: skip
def test_bad_funding_params_are_refused(mock, method, params, data):
    assert error(mock, method, **({"instrument_name": PERP} | params)) == (-32602, data)


# -- the platform: status, hello, announcements ------------------------------------------------------------------------


def test_the_platform_status_reports_the_indices_locked(mock):
    assert result(mock, "public/status") == {"locked": "false", "locked_indices": []}
    made = admin(mock, "deribit/platform_status", {"locked_indices": ["BTC_USD", "btc_usd"]})
    assert made == {"locked": "partial", "locked_indices": ["btc_usd"]}
    assert result(mock, "public/status") == made
    every = ["btc_usd", "btc_usdc", "eth_usd", "eth_usdc"]
    assert admin(mock, "deribit/platform_status", {"locked_indices": every}) == {
        "locked": "true",
        "locked_indices": every,
    }
    assert result(mock, "public/status") == {"locked": "true", "locked_indices": every}
    admin(mock, "deribit/platform_status", {"locked_indices": []})
    assert result(mock, "public/status") == {"locked": "false", "locked_indices": []}
    assert refused(mock, "deribit/platform_status", {"locked_indices": "btc_usd"})[0] == 400


def test_a_locked_index_takes_no_order_on_its_instruments_until_unlocked(mock):
    mock.create_deribit_account("alice", balances={"BTC": "10", "ETH": "100"})
    alice = Deribit(mock, mock.create_deribit_key("alice"))
    admin(mock, "deribit/platform_status", {"locked_indices": ["btc_usd"]})
    buy = {"instrument_name": PERP, "amount": 10, "type": "limit", "price": 50_000}
    locked = alice.rpc("private/buy", **buy)
    assert (locked["error"]["code"], locked["error"]["message"]) == (10019, "locked_by_admin"), locked
    assert alice.result("private/get_open_orders") == []  # nothing taken
    placed = alice.result("private/buy", instrument_name="ETH-PERPETUAL", amount=1, type="limit", price=2_000)
    assert placed["order"]["order_state"] == "open"  # another index trades on
    admin(mock, "deribit/platform_status", {"locked_indices": []})
    assert alice.result("private/buy", **buy)["order"]["order_state"] == "open"


def test_a_locked_index_takes_no_edit_that_enters_an_order_again(mock):
    """An edit to a new price or a larger amount enters the order again, as one placed: refused while its index is
    locked (nothing traded, the order as it was); made smaller at its price it keeps its place, and is taken."""
    for user in ("alice", "bob"):
        mock.create_deribit_account(user, balances={"BTC": "10"})
    alice, bob = (Deribit(mock, mock.create_deribit_key(user)) for user in ("alice", "bob"))
    bid = alice.result("private/buy", instrument_name=PERP, amount=20, type="limit", price=50_000)["order"]
    bob.result("private/sell", instrument_name=PERP, amount=10, type="limit", price=50_500)
    admin(mock, "deribit/platform_status", {"locked_indices": ["btc_usd"]})
    for amount, price in ((20, 50_500), (30, 50_000)):
        edited = alice.rpc("private/edit", order_id=bid["order_id"], amount=amount, price=price)
        assert (edited["error"]["code"], edited["error"]["message"]) == (10019, "locked_by_admin"), edited
    assert alice.result("private/get_user_trades_by_instrument", instrument_name=PERP)["trades"] == []
    [still] = alice.result("private/get_open_orders")
    assert (still["amount"], still["price"]) == (20, 50_000)
    smaller = alice.result("private/edit", order_id=bid["order_id"], amount=10, price=50_000)["order"]
    assert (smaller["amount"], smaller["order_state"]) == (10, "open")


def test_hello_answers_the_version_over_http_and_the_websocket(mock):
    assert result(mock, "public/hello", client_name="bot", client_version="1.0") == {"version": "1.2.26"}
    assert error(mock, "public/hello", client_name="bot") == (
        -32602, {"reason": "must be present", "param": "client_version"},
    )  # fmt: skip

    async def over_the_websocket() -> list[dict]:
        async with websockets.connect(mock.deribit_ws_url) as ws:
            client = DeribitWs(ws)
            return [
                await client.call("public/hello", {"client_name": "bot", "client_version": "1.0"}),
                await client.call("public/status"),
                await client.call("public/get_index_price", {"index_name": "btc_usd"}),
            ]

    hello, status, index = asyncio.run(over_the_websocket())
    assert hello["result"] == {"version": "1.2.26"}
    assert status["result"] == {"locked": "false", "locked_indices": []}
    assert index["result"] == {"index_price": 60000, "estimated_delivery_price": 60000}


def test_announcements_are_read_newest_first_by_their_publication_time(mock):
    assert result(mock, "public/get_announcements") == []
    earlier = admin(mock, "deribit/announcements", {"title": "Earlier", "body": "<p>a</p>",
                                                    "publication_time": (START - 2 * HOUR).isoformat()})  # fmt: skip
    assert earlier == {"id": 1, "title": "Earlier", "body": "<p>a</p>", "important": False, "confirmation": False,
                       "publication_time": (START - 2 * HOUR).isoformat()}  # fmt: skip
    admin(mock, "deribit/announcements", {"title": "Now", "body": "b", "important": True, "confirmation": True})
    admin(
        mock, "deribit/announcements", {"title": "Later", "body": "c", "publication_time": (START + HOUR).isoformat()}
    )
    found = result(mock, "public/get_announcements")
    assert found == [
        {"title": "Now", "publication_timestamp": ms(START), "important": True, "id": 2, "confirmation": True,
         "body": "b"},
        {"title": "Earlier", "publication_timestamp": ms(-2 * HOUR), "important": False, "id": 1, "confirmation": False,
         "body": "<p>a</p>"},
    ]  # fmt: skip
    assert result(mock, "public/get_announcements", count=1) == found[:1]
    assert result(mock, "public/get_announcements", start_timestamp=ms(-HOUR)) == found[1:]
    move_clock(mock, 3600)
    assert [item["title"] for item in result(mock, "public/get_announcements")] == ["Later", "Now", "Earlier"]
    for params, reason in (({"count": 0}, "out of range"), ({"count": 51}, "out of range"),
                           ({"start_timestamp": "soon"}, "must be an integer")):  # fmt: skip
        assert error(mock, "public/get_announcements", **params) == (-32602, {"reason": reason, "param": [*params][0]})


# -- a scenario on the exchange clock; a state file -------------------------------------------------------------------

SCENARIO = f"""
settings:
  start: "{START.isoformat()}"
steps:
  - index_path:
      index_name: btc_usd
      path:
        - {{seconds: -3600, price: "59000"}}
        - {{price: "60000"}}
        - {{seconds: 60, price: "61000"}}
        - {{at: "{(START + 2 * HOUR).isoformat()}", price: "63000"}}
  - deribit_funding_rate:
      instrument_name: {PERP}
      path: [{{seconds: -3600, rate: "0.0008"}}, {{seconds: 3600, rate: "0"}}]
  - deribit_historical_volatility: {{currency: BTC, path: [{{seconds: -3600, volatility: "42"}}]}}
  - deribit_apr: {{currency: steth, path: [{{seconds: -172800, apr: "2.75"}}]}}
  - deribit_platform_status: {{locked_indices: [eth_usd]}}
  - deribit_announcement: {{title: Maintenance, body: "<b>soon</b>", important: true}}
  - wait: 30
"""


def test_a_scenario_sets_the_paths_on_the_exchange_clock(mock):
    loaded = mock.load_scenario(document=SCENARIO, run=True)
    assert loaded["error"] is None and loaded["steps_left"] == 0
    assert result(mock, "public/get_index_price", index_name="btc_usd")["index_price"] == 60000  # at START + 30 s
    assert result(mock, "public/get_funding_rate_value", instrument_name=PERP, **span(-HOUR, HOUR)) == Decimal(
        "0.0001008333333333"
    )  # 3630 s at 0.0008, up to now
    move_clock(mock, 30)
    assert result(mock, "public/get_index_price", index_name="btc_usd")["index_price"] == 61000
    move_clock(mock, 2 * 3600)
    assert result(mock, "public/get_index_price", index_name="btc_usd")["index_price"] == 63000
    assert result(mock, "public/ticker", instrument_name=PERP)["current_funding"] == 0
    assert result(mock, "public/get_historical_volatility", currency="BTC") == [[ms(-HOUR), 42]]
    assert [day["apr"] for day in result(mock, "public/get_apr_history", currency="steth")["data"]] == [
        Decimal("2.75"), Decimal("2.75"),
    ]  # fmt: skip
    assert result(mock, "public/status") == {"locked": "partial", "locked_indices": ["eth_usd"]}
    assert [item["title"] for item in result(mock, "public/get_announcements")] == ["Maintenance"]


READS = [
    ("public/get_index_price", {"index_name": "btc_usd"}),
    ("public/get_index_price_names", {}),
    ("public/get_funding_rate_history", {"instrument_name": PERP, **span(-3 * HOUR, 3 * HOUR)}),
    ("public/get_funding_chart_data", {"instrument_name": PERP, "length": "24h"}),
    ("public/ticker", {"instrument_name": PERP}),
    ("public/get_historical_volatility", {"currency": "BTC"}),
    ("public/get_apr_history", {"currency": "steth"}),
    ("public/get_volatility_index_data", {"currency": "BTC", "resolution": "60", **span(-HOUR, 3 * HOUR)}),
    ("public/status", {}),
    ("public/get_announcements", {"count": 50}),
]


def _answers(mock: MockServer) -> dict[str, object]:
    return {method: result(mock, method, **params) for method, params in READS}


@pytest.mark.parametrize("snapshot", [True, False])
def test_a_restart_answers_what_was_set(tmp_path: Path, snapshot: bool) -> None:
    path = tmp_path / "state.db"
    with MockServer(state=str(path), clock=ManualClock(START)) as mock:
        mock.load_scenario(document=SCENARIO, run=True)
        admin(mock, "deribit/index_paths", {"index_name": "btcdvol_usdc", "path": [
            {"seconds": -600, "price": "51"}, {"price": "52"}, {"seconds": 7200, "price": "53"}]})  # fmt: skip
        admin(
            mock,
            "deribit/announcements",
            {"title": "Later", "body": "x", "publication_time": (START + HOUR).isoformat()},
        )
        before = _answers(mock)
    kept = {name for (name,) in sql(path, "SELECT name FROM commands")}
    assert {"set_index_path", "set_deribit_funding_rate", "set_deribit_historical_volatility", "set_deribit_apr",
            "set_deribit_platform_status", "add_deribit_announcement"} <= kept  # fmt: skip
    assert before["public/get_volatility_index_data"]["data"]  # something to compare
    if not snapshot:
        sql(path, "DELETE FROM snapshots")
    with MockServer(state=str(path)) as again:
        assert _answers(again) == before
        move_clock(again, 2 * 3600 + 60)  # what was set for later comes due after the restart too
        assert result(again, "public/get_index_price", index_name="btc_usd")["index_price"] == 63000
        assert result(again, "public/get_index_price", index_name="btcdvol_usdc")["index_price"] == 53
        assert len(result(again, "public/get_announcements")) == 2
