"""Kalshi's historical API, over real HTTP: the cutoff's four timestamps, and the fills, orders and positions it moves
from the live reads to /historical/fills, /historical/orders and /historical/positions; seeding from the Python API,
the admin API and a scenario; bad input; the legacy profile, which has no historical API (its market data reads'
own tests are test_kalshi_historical_markets.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import plain_http
import pytest
from kalshi_http import ok
from module_mocks import profile_mocks, signed

from mockexchange.control import ControlError

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
EPOCH = "1970-01-01T00:00:00.000000Z"


modern_server, legacy_server, modern, legacy, mock = profile_mocks(T0)


def walk(client, path, list_name, **params):
    rows, cursor = [], None
    while True:
        body = ok(client, path, **params, **({"cursor": cursor} if cursor else {}))
        rows += body[list_name]
        cursor = body["cursor"]
        if not cursor:
            return rows


def at(minutes: int) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat()


def fills_at(mock, *minutes: int, ticker="EV-A", subaccount=0) -> list[str]:
    """A fill at each of these minutes after T0; their ids."""
    ids = []
    for minute in minutes:
        mock.ledger.state.clock.set(T0 + timedelta(minutes=minute))
        ids.append(mock.fill("u", ticker, "yes", "buy", "1", "0.50", subaccount=subaccount)["fill_id"])
    return ids


# -- the cutoff -------------------------------------------------------------------------------------------------------


def test_the_default_cutoff_is_the_epoch_and_moves_nothing(modern):
    modern.create_account("u", balance_cents=10_000)
    client = signed(modern, "u")
    ids = fills_at(modern, 1, 2)
    modern.create_order("u", "EV-B", "yes", "buy", "1", "0.40", order_id="o1")
    modern.cancel_order("o1")
    modern.settle("EV-A", "yes")
    assert ok(client, "/historical/cutoff") == {
        "market_settled_ts": EPOCH,
        "trades_created_ts": EPOCH,
        "orders_updated_ts": EPOCH,
        "market_positions_last_updated_ts": EPOCH,
    }
    assert [f["fill_id"] for f in walk(client, "/portfolio/fills", "fills")] == ids[::-1]
    assert ok(client, "/historical/fills") == {"fills": [], "cursor": ""}
    assert ok(client, "/historical/orders") == {"orders": [], "cursor": ""}
    assert ok(client, "/historical/positions") == {"market_positions": [], "event_positions": [], "cursor": ""}
    assert len(ok(client, "/portfolio/positions", settlement_status="settled")["market_positions"]) == 1


def test_the_cutoff_is_set_from_python_and_the_admin_api_on_the_exchange_clock(modern):
    client = signed(modern, modern.create_account("u")["user_id"])
    answer = modern.set_historical_cutoff(at="2026-11-01T13:00:00+01:00", trades_created_ts="2026-10-01T00:00:00.5Z")
    assert answer["market_settled_ts"] == "2026-11-01T12:00:00+00:00"
    assert answer["trades_created_ts"] == "2026-10-01T00:00:00.500000+00:00"
    assert ok(client, "/historical/cutoff") == {
        "market_settled_ts": "2026-11-01T12:00:00.000000Z",
        "trades_created_ts": "2026-10-01T00:00:00.500000Z",
        "orders_updated_ts": "2026-11-01T12:00:00.000000Z",
        "market_positions_last_updated_ts": "2026-11-01T12:00:00.000000Z",
    }
    admin = plain_http.post(
        f"{modern.base_url}/_admin/historical/cutoff", json={"orders_updated_ts": "2027-01-01T00:00:00Z"}
    )
    assert admin.status_code == 200, admin.text
    read = plain_http.get(f"{modern.base_url}/_admin/historical/cutoff").json()
    assert read["orders_updated_ts"] == "2027-01-01T00:00:00+00:00"
    assert read["trades_created_ts"] == "2026-10-01T00:00:00.500000+00:00"  # the others stay
    assert ok(client, "/historical/cutoff")["orders_updated_ts"] == "2027-01-01T00:00:00.000000Z"


@pytest.mark.parametrize(
    "arguments",
    [
        {},
        {"at": "2026-11-01T12:00:00"},  # no timezone
        {"at": "yesterday"},
        {"at": 1_700_000_000},
        {"trades_created_ts": "1969-12-31T23:59:59Z"},
        {"orders_updated_ts": "9999-06-01T00:00:00Z"},
        {"market_positions_last_updated_ts": ["2026-11-01T12:00:00Z"]},
        {"at": "2026-11-01T12:00:00Z" + " " * 100},
    ],
)
def test_a_bad_cutoff_is_refused_and_changes_nothing(modern, arguments):
    before = modern.historical_cutoff()
    with pytest.raises(ControlError):
        modern.set_historical_cutoff(**arguments)
    admin = plain_http.post(f"{modern.base_url}/_admin/historical/cutoff", json=arguments)
    assert admin.status_code == 400, admin.text
    assert modern.historical_cutoff() == before


def test_a_scenario_step_sets_the_cutoff(modern):
    step = {"at": "2026-11-01T12:00:00Z", "trades_created_ts": "2026-12-01T00:00:00Z"}
    modern.load_scenario(
        document={
            "scenario": "history",
            "settings": {"start": "2026-11-01T12:00:00Z"},
            "users": [{"user_id": "u", "balance_cents": 1000}],
            "steps": [{"historical_cutoff": step}],
        },
        run=True,
    )
    cutoff = modern.historical_cutoff()
    assert cutoff["trades_created_ts"] == "2026-12-01T00:00:00+00:00"
    assert cutoff["market_settled_ts"] == "2026-11-01T12:00:00+00:00"


# -- fills ------------------------------------------------------------------------------------------------------------


def test_fills_before_the_cutoff_move_to_the_historical_fills(modern):
    modern.create_account("u", balance_cents=100_000)
    client = signed(modern, "u")
    old = fills_at(modern, 1, 2, 3)
    new = fills_at(modern, 10, 11)
    assert len(ok(client, "/portfolio/fills")["fills"]) == 5  # the same read, before and after the cutoff moves
    modern.set_historical_cutoff(trades_created_ts=at(10))  # a fill at the cutoff itself stays live
    assert [f["fill_id"] for f in ok(client, "/portfolio/fills")["fills"]] == new[::-1]
    assert [f["fill_id"] for f in walk(client, "/portfolio/fills", "fills", limit=1)] == new[::-1]
    historical = walk(client, "/historical/fills", "fills", limit=2)
    assert [f["fill_id"] for f in historical] == old[::-1]
    live_shape = ok(client, "/portfolio/fills")["fills"][0]
    assert set(historical[0]) == set(live_shape)  # the same Fill, rendered as the live reads render it
    # Moved forward, the rest follow; back to the epoch, every fill is live again.
    modern.set_historical_cutoff(trades_created_ts=at(60))
    assert ok(client, "/portfolio/fills") == {"fills": [], "cursor": ""}
    assert len(walk(client, "/historical/fills", "fills")) == 5
    modern.set_historical_cutoff(trades_created_ts="1970-01-01T00:00:00Z")
    assert len(walk(client, "/portfolio/fills", "fills")) == 5
    assert ok(client, "/historical/fills")["fills"] == []


def test_historical_fills_filter_by_ticker_subaccount_and_time(modern):
    modern.create_account("u", balance_cents=100_000)
    client = signed(modern, "u")
    a = fills_at(modern, 1, 2)
    b = fills_at(modern, 3, ticker="EV-B", subaccount=2)
    modern.set_historical_cutoff(trades_created_ts=at(30))
    ids = lambda **q: [f["fill_id"] for f in ok(client, "/historical/fills", **q)["fills"]]  # noqa: E731
    assert ids(ticker="EV-A") == a[::-1]
    assert ids(ticker="EV-B") == b
    assert ids(subaccount=2) == b
    assert ids(subaccount=0) == a[::-1]
    assert ids(min_ts=int((T0 + timedelta(minutes=2)).timestamp())) == (b + [a[1]])
    assert ids(max_ts=int((T0 + timedelta(minutes=1)).timestamp())) == [a[0]]
    locked = signed(modern, "u", subaccount=2)
    assert [f["fill_id"] for f in ok(locked, "/historical/fills")["fills"]] == b
    r = locked.get("/historical/fills", params={"subaccount": 0})
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"


def test_a_cursor_of_the_live_fills_is_refused_by_the_historical_ones(modern):
    modern.create_account("u", balance_cents=100_000)
    client = signed(modern, "u")
    fills_at(modern, 1, 2, 3, 4)
    modern.set_historical_cutoff(trades_created_ts=at(3))
    live = ok(client, "/portfolio/fills", limit=1)["cursor"]
    historical = ok(client, "/historical/fills", limit=1)["cursor"]
    assert live and historical
    for path, cursor in (("/historical/fills", live), ("/portfolio/fills", historical)):
        r = client.get(path, params={"cursor": cursor, "limit": 1})
        assert r.status_code == 400 and "Cursor" in r.json()["msg"], r.text


# -- orders -----------------------------------------------------------------------------------------------------------


def test_orders_ended_before_the_cutoff_are_historical_orders(modern):
    modern.create_account("u", balance_cents=100_000)
    client = signed(modern, "u")
    modern.create_order("u", "EV-A", "no", "buy", "3", "0.35", order_id="cancelled", subaccount=1)
    modern.create_order("u", "EV-B", "yes", "sell", "2", "0.60", order_id="settled-away")
    modern.create_order("u", "EV-B", "yes", "buy", "1", "0.10", order_id="resting")
    modern.ledger.state.clock.set(T0 + timedelta(minutes=5))
    modern.cancel_order("cancelled")
    modern.ledger.state.clock.set(T0 + timedelta(minutes=7))
    modern.fill("u", "EV-B", "yes", "buy", "1", "0.50")
    modern.settle("EV-B", "no")  # cancels both its orders
    modern.set_historical_cutoff(orders_updated_ts=at(6))
    assert [o["order_id"] for o in ok(client, "/historical/orders")["orders"]] == ["cancelled"]
    modern.set_historical_cutoff(orders_updated_ts=at(8))
    orders = walk(client, "/historical/orders", "orders", limit=1)
    assert [o["order_id"] for o in orders] == ["resting", "settled-away", "cancelled"]  # newest first, then by sequence
    assert orders[2] == {
        "order_id": "cancelled",
        "user_id": "u",
        "client_order_id": "",
        "ticker": "EV-A",
        "side": "no",
        "action": "buy",
        "outcome_side": "no",
        "book_side": "ask",
        "type": "limit",
        "status": "canceled",
        "yes_price_dollars": "0.6500",
        "no_price_dollars": "0.3500",
        "fill_count_fp": "0.00",
        "remaining_count_fp": "0.00",
        "initial_count_fp": "3.00",
        "taker_fill_cost_dollars": "0.000000",
        "maker_fill_cost_dollars": "0.000000",
        "taker_fees_dollars": "0.000000",
        "maker_fees_dollars": "0.000000",
        "expiration_time": None,
        "created_time": "2026-11-01T12:00:00.000000Z",
        "last_update_time": "2026-11-01T12:05:00.000000Z",
        "self_trade_prevention_type": None,
        "order_group_id": None,
        "cancel_order_on_pause": False,
        "subaccount_number": 1,
        "exchange_index": 0,
    }
    assert orders[1]["outcome_side"] == "no" and orders[1]["yes_price_dollars"] == "0.6000"
    assert [o["order_id"] for o in ok(client, "/historical/orders", ticker="EV-A")["orders"]] == ["cancelled"]
    assert [o["order_id"] for o in ok(client, "/historical/orders", subaccount=0)["orders"]] == [
        "resting",
        "settled-away",
    ]
    other = signed(modern, modern.create_account("v")["user_id"])
    assert ok(other, "/historical/orders")["orders"] == []


# -- positions --------------------------------------------------------------------------------------------------------


def test_a_wholly_settled_event_moves_to_the_historical_positions(modern):
    modern.create_account("u", balance_cents=100_000)
    client = signed(modern, "u")
    modern.fill("u", "EV-A", "yes", "buy", "2", "0.40")
    modern.fill("u", "EV-B", "no", "buy", "1", "0.30")
    modern.fill("u", "OTHER-X", "yes", "buy", "1", "0.70")
    modern.set_historical_cutoff(market_positions_last_updated_ts=at(60))
    modern.ledger.state.clock.set(T0 + timedelta(minutes=1))
    modern.settle("EV-A", "yes")  # EV-B still trades: the event stays live
    settled = lambda: ok(client, "/portfolio/positions", settlement_status="settled")  # noqa: E731
    assert [p["ticker"] for p in settled()["market_positions"]] == ["EV-A"]
    assert ok(client, "/historical/positions")["market_positions"] == []
    modern.settle("EV-B", "yes")  # the whole event settled before the cutoff: it moves
    modern.settle("OTHER-X", "no")
    live_before_move = settled()
    assert [p["ticker"] for p in live_before_move["market_positions"]] == []
    historical = ok(client, "/historical/positions")
    assert [p["ticker"] for p in historical["market_positions"]] == ["EV-A", "EV-B", "OTHER-X"]
    assert [e["event_ticker"] for e in historical["event_positions"]] == ["EV", "OTHER"]
    assert ok(client, "/portfolio/positions", settlement_status="all")["market_positions"] == []
    assert [p["ticker"] for p in walk(client, "/historical/positions", "market_positions", limit=1)] == [
        "EV-A", "EV-B", "OTHER-X",
    ]  # fmt: skip
    assert [p["ticker"] for p in ok(client, "/historical/positions", event_ticker="EV")["market_positions"]] == [
        "EV-A", "EV-B",
    ]  # fmt: skip
    assert [p["ticker"] for p in ok(client, "/historical/positions", ticker="EV-B")["market_positions"]] == ["EV-B"]
    # The cutoff moved back before the settlements: the events are live again, rows and roll-ups as they were.
    modern.set_historical_cutoff(market_positions_last_updated_ts=at(1))
    live = settled()
    assert [p["ticker"] for p in live["market_positions"]] == ["EV-A", "EV-B", "OTHER-X"]
    assert live["market_positions"] == historical["market_positions"]
    assert live["event_positions"] == historical["event_positions"]
    assert ok(client, "/historical/positions")["market_positions"] == []


def test_the_historical_reads_are_not_lagged(modern):
    modern.create_account("u", balance_cents=100_000)
    client = signed(modern, "u")
    modern.set_rest_lag(60_000)
    try:
        modern.fill("u", "EV-A", "yes", "buy", "2", "0.40")
        modern.ledger.state.clock.set(T0 + timedelta(seconds=1))
        modern.settle("EV-A", "yes")
        modern.set_historical_cutoff(at=at(60))
        assert [p["ticker"] for p in ok(client, "/historical/positions")["market_positions"]] == ["EV-A"]
        assert len(ok(client, "/historical/fills")["fills"]) == 1
    finally:
        modern.set_rest_lag(0)


def test_historical_positions_are_the_subaccounts_own(modern):
    modern.create_account("u", balance_cents=100_000)
    client = signed(modern, "u")
    modern.fill("u", "EV-A", "yes", "buy", "2", "0.40", subaccount=3)
    modern.settle("EV-A", "no")
    modern.set_historical_cutoff(market_positions_last_updated_ts=at(60))
    assert ok(client, "/historical/positions")["market_positions"] == []  # the primary's (the default)
    assert [p["ticker"] for p in ok(client, "/historical/positions", subaccount=3)["market_positions"]] == ["EV-A"]
    locked = signed(modern, "u", subaccount=3)
    assert [p["ticker"] for p in ok(locked, "/historical/positions")["market_positions"]] == ["EV-A"]


# -- bad input over HTTP ----------------------------------------------------------------------------------------------


def _go(op, field, tag):
    return (
        f"Parameter validation failed for {op}: Key: '{op}Params.{field}' "
        f"Error:Field validation for '{field}' failed on the '{tag}' tag"
    )


@pytest.mark.parametrize(
    "path, op",
    [
        ("/historical/fills", "GetFillsHistorical"),
        ("/historical/orders", "GetHistoricalOrders"),
        ("/historical/positions", "GetHistoricalPositions"),
    ],
)
@pytest.mark.parametrize(
    "params, field, tag",
    [
        ({"limit": "0"}, "Limit", "min"),
        ({"limit": "1001"}, "Limit", "max"),
        ({"subaccount": "64"}, "Subaccount", "lte"),
        ({"subaccount": "-1"}, "Subaccount", "gte"),
        ({"cursor": "not-a-cursor"}, "Cursor", "cursor"),
    ],
)
def test_bad_parameters_get_kalshis_400_naming_them(modern, path, op, params, field, tag):
    client = signed(modern, modern.create_account("u")["user_id"])
    r = client.get(path, params=params)
    assert r.status_code == 400, r.text
    assert r.json() == {"msg": _go(op, field, tag)}


@pytest.mark.parametrize("path", ["/historical/fills", "/historical/orders", "/historical/positions"])
@pytest.mark.parametrize("params", [{"limit": "ten"}, {"limit": "9" * 30}, {"subaccount": "1e3"}])
def test_unparsable_integers_get_the_binders_400(modern, path, params):
    client = signed(modern, modern.create_account("u")["user_id"])
    r = client.get(path, params=params)
    assert r.status_code == 400, r.text
    assert "Invalid format for parameter" in r.json()["msg"]


@pytest.mark.parametrize("path", ["/historical/fills", "/historical/orders"])
@pytest.mark.parametrize("name", ["min_ts", "max_ts"])
def test_unparsable_times_get_the_binders_400(modern, path, name):
    client = signed(modern, modern.create_account("u")["user_id"])
    r = client.get(path, params={name: "2026-11-01"})
    assert r.status_code == 400 and f"parameter {name}" in r.json()["msg"], r.text


def test_historical_positions_take_a_single_event_ticker(modern):
    client = signed(modern, modern.create_account("u")["user_id"])
    r = client.get("/historical/positions", params={"event_ticker": "EV,OTHER"})
    assert r.status_code == 400 and r.json() == {"msg": _go("GetHistoricalPositions", "EventTicker", "excludes")}


@pytest.mark.parametrize("path", ["/historical/fills", "/historical/orders", "/historical/positions"])
def test_unsigned_requests_are_refused(mock, path):
    r = plain_http.get(mock.kalshi_url + path)
    assert r.status_code == 401 and "error" in r.json()


def test_the_cutoff_is_public_as_the_spec_says(mock):
    """The spec asks no signature of GET /historical/cutoff and documents no 401."""
    r = plain_http.get(mock.kalshi_url + "/historical/cutoff")
    assert r.status_code in (200, 404) and ("trades_created_ts" in r.json() or r.status_code == 404)


# -- the legacy profile -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/historical/cutoff", "/historical/fills", "/historical/orders", "/historical/positions", "/historical/markets",
     "/historical/markets/EV-A", "/historical/markets/EV-A/candlesticks", "/historical/trades"],
)  # fmt: skip
def test_the_legacy_profile_has_no_historical_api(legacy, path):
    client = signed(legacy, legacy.create_account("u")["user_id"])
    r = client.get(path)
    assert r.status_code == 404 and r.json() == {"error": {"code": "not_found", "message": "not found"}}


def test_the_legacy_profiles_live_fills_and_trades_ignore_the_cutoff(legacy):
    legacy.create_account("u", balance_cents=100_000)
    client = signed(legacy, "u")
    ids = fills_at(legacy, 1, 2)
    legacy.settle("EV-A", "yes")
    legacy.set_historical_cutoff(at=at(60))
    assert [f["fill_id"] for f in ok(client, "/portfolio/fills")["fills"]] == ids[::-1]
    assert [t["trade_id"] for t in ok(client, "/markets/trades")["trades"]] == ids[::-1]
    assert [m["ticker"] for m in ok(client, "/markets")["markets"]] == ["EV-A"]
