"""Kalshi's exchange and event reads over real HTTP, each equal to the state as the control plane set it or as trades
made it: the exchange's schedule (and its status and trading following it on the exchange clock), the user data
timestamp, the series' and events' fee changes (and the fee charged once one is in force), an event's metadata, its
candlesticks and its forecast's percentile history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import plain_http
from module_mocks import fresh, module_mock, signed

from mockexchange.core.clock import unix_seconds
from mockexchange.server import MockServer

START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # a Monday, 07:00 in New York
EVENT = "KXA-26MAR"
server = module_mock("server", START)


def get(mock: MockServer, path: str, **params) -> httpx.Response:
    return plain_http.get(mock.kalshi_url + path, params=params, timeout=10)


def ok(mock: MockServer, path: str, **params) -> dict:
    answer = get(mock, path, **params)
    assert answer.status_code == 200, answer.text
    return answer.json()


def at(seconds: int) -> str:
    return (START + timedelta(seconds=seconds)).isoformat()


def wire(seconds: int) -> str:
    return (START + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.000000Z")


def strikes(mock: MockServer, *floors: str) -> list[str]:
    """The event's markets, each YES above one floor; user u with $10,000."""
    mock.create_account("u", balance_cents=1_000_000)
    mock.set_series("KXA", title="A")
    tickers = [f"{EVENT}-T{floor}" for floor in floors]
    for ticker, floor in zip(tickers, floors, strict=True):
        mock.create_market(ticker, EVENT, strike_type="greater", floor_strike=floor)
    return tickers


def test_the_schedule_reads_as_set_and_the_status_and_trading_follow_it_on_the_exchange_clock(server):
    mock = fresh(server, START)
    default = ok(mock, "/exchange/schedule")["schedule"]
    every_day = [{"open_time": "00:00", "close_time": "00:00"}]
    assert default["maintenance_windows"] == [] and len(default["standard_hours"]) == 1
    assert default["standard_hours"][0] == {
        "start_time": "1970-01-01T00:00:00.000000Z", "end_time": "9999-01-01T00:00:00.000000Z",
        **dict.fromkeys(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"), every_day),
    }  # fmt: skip
    (ticker,) = strikes(mock, "1")
    week = {"start_time": "2026-03-01T00:00:00Z", "end_time": "2026-04-01T00:00:00Z",
            "monday": [{"open_time": "08:00", "close_time": "17:00"}]}  # fmt: skip
    window = {"start_datetime": "2026-03-03T10:00:00Z", "end_datetime": "2026-03-03T12:00:00Z"}
    mock.set_exchange_schedule(standard_hours=[week], maintenance_windows=[window])
    shown = ok(mock, "/exchange/schedule")["schedule"]
    assert shown["maintenance_windows"] == [
        {"start_datetime": "2026-03-03T10:00:00.000000Z", "end_datetime": "2026-03-03T12:00:00.000000Z"}
    ]
    assert shown["standard_hours"][0]["monday"] == week["monday"] and shown["standard_hours"][0]["friday"] == []
    assert shown["standard_hours"][0]["end_time"] == "2026-04-01T00:00:00.000000Z"

    def status() -> tuple:
        found = ok(mock, "/exchange/status")
        return found["exchange_active"], found["trading_active"], found["exchange_estimated_resume_time"]

    order = {"ticker": ticker, "side": "bid", "count": "1", "price": "0.40", "time_in_force": "good_till_canceled",
             "self_trade_prevention_type": "taker_at_cross", "cancel_order_on_pause": True}  # fmt: skip
    assert status() == (True, False, None)  # 07:00 in New York: before Monday's session
    closed = signed(mock, "u").post("/portfolio/events/orders", json=order)
    assert closed.status_code == 409 and closed.json()["error"]["code"] == "exchange_closed"
    mock.advance_clock(seconds=3600)  # 08:00: the session opens
    assert status() == (True, True, None)
    resting = mock.place_order("u", **order)["order_id"]
    mock.advance_clock(seconds=9 * 3600)  # 17:00: it closes, and the order that asked ends with it
    assert status() == (True, False, None)
    assert signed(mock, "u").get(f"/portfolio/orders/{resting}").json()["order"]["status"] == "canceled"
    mock.advance_clock(to="2026-03-03T11:00:00Z")  # in the maintenance window
    assert status() == (False, False, "2026-03-03T12:00:00.000000Z")


def test_the_user_data_timestamp_is_when_balances_fills_or_orders_last_changed(server):
    mock = fresh(server, START)
    assert ok(mock, "/exchange/user_data_timestamp") == {"as_of_time": wire(0)}  # nothing changed yet: now
    (ticker,) = strikes(mock, "1")  # (the account opens at START)
    mock.advance_clock(seconds=10)
    mock.create_market(f"{EVENT}-X", EVENT)  # the catalogue is no user's data
    assert ok(mock, "/exchange/user_data_timestamp") == {"as_of_time": wire(0)}
    mock.fill("u", ticker, "yes", "buy", "2", "0.40")
    mock.advance_clock(seconds=5)
    assert ok(mock, "/exchange/user_data_timestamp") == {"as_of_time": wire(10)}
    mock.place_order("u", ticker, "ask", "1", "0.90", "good_till_canceled", "taker_at_cross")  # (it holds no cash)
    mock.advance_clock(seconds=5)
    assert ok(mock, "/exchange/user_data_timestamp") == {"as_of_time": wire(15)}
    mock.set_rest_lag(3000)  # lagged reads show the state of 3 s ago
    mock.place_order("u", ticker, "bid", "1", "0.31", "good_till_canceled", "taker_at_cross")
    assert ok(mock, "/exchange/user_data_timestamp") == {"as_of_time": wire(17)}


def test_fee_changes_are_listed_as_scheduled_and_the_fee_charged_changes_at_their_time(server):
    mock = fresh(server, START)
    (ticker,) = strikes(mock, "1")
    mock.set_event("KXA-26APR")
    series = mock.schedule_fee_change(at(60), series_ticker="KXA", fee_type="flat", fee_multiplier="0.5")
    past = mock.schedule_fee_change(at(-60), event_ticker="KXA-26APR", fee_type="flat")
    override = mock.schedule_fee_change(at(120), event_ticker=EVENT, fee_type="quadratic", fee_multiplier="2")
    cleared = mock.schedule_fee_change(at(180), event_ticker=EVENT)
    series_row = {"id": series["id"], "series_ticker": "KXA", "fee_type": "flat", "fee_multiplier": 0.5,
                  "scheduled_ts": wire(60)}  # fmt: skip
    assert ok(mock, "/series/fee_changes") == {"series_fee_change_arr": [series_row]}
    assert ok(mock, "/series/fee_changes", series_ticker="KXB") == {"series_fee_change_arr": []}

    def event_row(change: dict, seconds: int, fee_type: str | None, multiplier: float | None) -> dict:
        return {
            "id": change["id"],
            "event_ticker": change["event_ticker"],
            "series_ticker": "KXA",
            "fee_type_override": fee_type,
            "fee_multiplier_override": multiplier,
            "scheduled_ts": wire(seconds),
        }

    rows, cursor = [], None
    while cursor != "":
        page = ok(mock, "/events/fee_changes", limit=1, **({"cursor": cursor} if cursor else {}))
        rows, cursor = rows + page["event_fee_changes"], page["cursor"]
    assert rows == [event_row(past, -60, "flat", None), event_row(override, 120, "quadratic", 2),
                    event_row(cleared, 180, None, None)]  # fmt: skip
    assert ok(mock, "/events/fee_changes", event_ticker=EVENT)["event_fee_changes"] == rows[1:]
    assert ok(mock, f"/events/{'KXA-26APR'}")["event"]["fee_type_override"] == "flat"  # in force at once

    mock.advance_clock(seconds=61)  # the series' change in force: a flat fee, half a cent a contract
    assert mock.fill("u", ticker, "yes", "buy", "10", "0.40")["fee"] == "0.05"
    assert ok(mock, "/series/KXA")["series"]["fee_type"] == "flat"
    assert ok(mock, "/series/fee_changes") == {"series_fee_change_arr": []}
    assert ok(mock, "/series/fee_changes", show_historical="true") == {"series_fee_change_arr": [series_row]}
    mock.advance_clock(seconds=60)  # the event's override: quadratic, twice the general rate
    assert mock.fill("u", ticker, "yes", "buy", "10", "0.40")["fee"] == "0.336"
    assert ok(mock, f"/events/{EVENT}")["event"]["fee_type_override"] == "quadratic"
    mock.advance_clock(seconds=60)  # cleared: the series' fee again
    assert "fee_type_override" not in ok(mock, f"/events/{EVENT}")["event"]
    assert mock.fill("u", ticker, "yes", "buy", "10", "0.40")["fee"] == "0.05"


def test_an_events_metadata_is_what_its_set_up_gave(server):
    mock = fresh(server, START)
    strikes(mock, "1", "2")
    assert ok(mock, f"/events/{EVENT}/metadata") == {"image_url": "", "market_details": [], "settlement_sources": []}
    details = [{"market_ticker": f"{EVENT}-T2", "image_url": "/m/2.png", "color_code": "#00ff00"},
               {"market_ticker": "KXOTHER-1", "image_url": "/m/o.png", "color_code": "#000000"}]  # fmt: skip
    mock.set_event(
        EVENT, image_url="/e.png", featured_image_url="/f.png", competition="NFL", competition_scope="Game",
        market_details=details, settlement_sources=[{"name": "Kit", "url": "https://example.com"}],
    )  # fmt: skip
    assert ok(mock, f"/events/{EVENT}/metadata") == {
        "image_url": "/e.png", "featured_image_url": "/f.png", "competition": "NFL", "competition_scope": "Game",
        "market_details": details[:1],  # (another event's market is not this event's)
        "settlement_sources": [{"name": "Kit", "url": "https://example.com"}],
    }  # fmt: skip
    missing = get(mock, "/events/KXNOPE/metadata")
    assert missing.status_code == 404 and missing.json() == {"error": {"code": "not_found", "message": "not found"}}


def test_an_events_candlesticks_are_its_markets_as_each_markets_own_read_gives_them(server):
    mock = fresh(server, START)
    low, high = strikes(mock, "1", "2")
    mock.fill("u", low, "yes", "buy", "2", "0.60")
    mock.advance_clock(seconds=3600)
    mock.fill("u", high, "yes", "buy", "1", "0.30")
    mock.fill("u", low, "yes", "buy", "1", "0.70")
    window = {"start_ts": unix_seconds(START) - 3600, "end_ts": unix_seconds(START) + 7200, "period_interval": 60}
    found = ok(mock, f"/series/KXA/events/{EVENT}/candlesticks", **window)
    each = [ok(mock, f"/series/KXA/markets/{t}/candlesticks", **window)["candlesticks"] for t in (low, high)]
    assert found == {"market_tickers": [low, high], "market_candlesticks": each, "adjusted_end_ts": window["end_ts"]}
    assert [len(c) for c in each] == [2, 1] and each[0][1]["price"]["close_dollars"] == "0.7000"
    wide = ok(mock, f"/series/KXA/events/{EVENT}/candlesticks", start_ts=0, end_ts=2**40, period_interval=1440)
    assert wide["adjusted_end_ts"] == (5000 - 1) * 86_400  # 5,000 days of two markets: the 10,000 candles fit
    assert get(mock, f"/series/KXB/events/{EVENT}/candlesticks", **window).status_code == 404
    bad = get(mock, f"/series/KXA/events/{EVENT}/candlesticks", **{**window, "period_interval": 5})
    assert bad.status_code == 400 and "'PeriodInterval' failed on the 'oneof' tag" in bad.json()["msg"]


def test_the_forecast_is_read_off_the_strikes_prices_at_each_period_and_asks_a_signature(server):
    mock = fresh(server, START)
    tickers = strikes(mock, "1", "2", "3.5")
    mock.create_market(f"{EVENT}-X", EVENT)  # no strike: left out
    for ticker, price in zip(tickers, ("0.80", "0.50", "0.20"), strict=True):
        mock.fill("u", ticker, "yes", "buy", "1", price)
    mock.advance_clock(seconds=60)
    mock.fill("u", tickers[1], "yes", "buy", "1", "0.30")  # the median moves down
    mock.advance_clock(seconds=60)
    mock.fill("u", tickers[1], "yes", "buy", "1", "0.85")  # above the lower strike's: P(X <= 2) is held at 0.2
    path = f"/series/KXA/events/{EVENT}/forecast_percentile_history"
    query = {"percentiles": [5000, 2500, 0, 9999], "start_ts": 0, "end_ts": 2**40, "period_interval": 1}
    assert get(mock, path, **query).status_code == 401
    client = signed(mock, "u")
    found = client.get(path, params=query).json()["forecast_history"]
    assert [(f["event_ticker"], f["end_period_ts"], f["period_interval"]) for f in found] == [
        (EVENT, unix_seconds(START) + seconds, 1) for seconds in (0, 60, 120)
    ]
    # P(X <= 1, 2, 3.5) = 0.2, 0.5, 0.8: the median is 2, the lower quartile a sixth of the way from 1 to 2
    first = [(p["percentile"], p["raw_numerical_forecast"], p["numerical_forecast"], p["formatted_forecast"])
             for p in found[0]["percentile_points"]]  # fmt: skip
    assert first == [(5000, 2, 2, "2.0"), (2500, 1.16666667, 1.2, "1.2"), (0, 1, 1, "1.0"), (9999, 3.5, 3.5, "3.5")]
    # then P(X <= 2) = 0.7: the median is 1 + (0.5 - 0.2) / (0.7 - 0.2)
    assert found[1]["percentile_points"][0]["raw_numerical_forecast"] == 1.6
    # then P(X <= 1, 2, 3.5) = 0.2, 0.2 (not 0.15: never below the lower strike's), 0.8: 2 + 1.5 x (0.3 / 0.6)
    assert found[2]["percentile_points"][0]["raw_numerical_forecast"] == 2.75
    none = client.get(f"/series/KXA/events/{EVENT}-NONE/forecast_percentile_history", params=query)
    assert none.status_code == 404
    mock.set_event("KXA-26APR")
    mock.fill("u", "KXA-26APR-Y", "yes", "buy", "1", "0.50")  # a market of no strike
    empty = client.get("/series/KXA/events/KXA-26APR/forecast_percentile_history", params=query)
    assert empty.json() == {"forecast_history": []}
    for floor, price in (("0", "0.20"), ("1", "0.20"), ("2", "0.40")):  # buckets: weights normalised to 1
        bucket = f"KXA-26MAY-B{floor}"
        mock.create_market(bucket, "KXA-26MAY", strike_type="between", floor_strike=floor, cap_strike=f"{floor}.99")
        mock.fill("u", bucket, "yes", "buy", "1", price)
    buckets = client.get("/series/KXA/events/KXA-26MAY/forecast_percentile_history", params=query).json()
    # P(X <= 0.99, 1.99, 2.99) = 0.25, 0.5, 1: the median and the lower quartile at caps, 99.99% nearly the last
    points = buckets["forecast_history"][0]["percentile_points"]
    assert [(p["raw_numerical_forecast"], p["numerical_forecast"]) for p in points] == [
        (1.99, 1.99), (0.99, 0.99), (0.99, 0.99), (2.9898, 2.99)
    ]  # fmt: skip
    for wrong, tag in ((10_000, "lte"), (-1, "gte")):
        refused = client.get(path, params={**query, "percentiles": [wrong]})
        assert refused.status_code == 400 and f"'Percentiles' failed on the '{tag}' tag" in refused.json()["msg"]
    many = client.get(path, params={**query, "percentiles": list(range(11))})
    assert many.status_code == 400 and "'Percentiles' failed on the 'max' tag" in many.json()["msg"]


SCENARIO = """
settings:
  start: "2026-03-02T12:00:00Z"
series:
  - {ticker: KXA, title: A}
events:
  - event_ticker: KXA-26MAR
    markets: [KXA-26MAR-T1]
    image_url: /a.png
    market_details: [{market_ticker: KXA-26MAR-T1, image_url: /t1.png, color_code: "#112233"}]
steps:
  - exchange_schedule:
      maintenance_windows: [{start_datetime: "2026-03-02T12:00:10Z", end_datetime: "2026-03-02T13:00:00Z"}]
  - fee_change: {scheduled_ts: "2026-03-02T12:00:05Z", series_ticker: KXA, fee_type: flat, fee_multiplier: "3"}
  - wait: 20
"""


def test_a_scenario_and_the_admin_api_set_them_as_the_python_api_does(server):
    mock = fresh(server, START)
    loaded = mock.load_scenario(document=SCENARIO, run=True)
    assert loaded["error"] is None and loaded["steps_left"] == 0
    metadata = ok(mock, f"/events/{EVENT}/metadata")
    assert (metadata["image_url"], metadata["market_details"][0]["color_code"]) == ("/a.png", "#112233")
    assert ok(mock, "/exchange/status")["exchange_active"] is False  # 12:00:20, in the window
    assert (ok(mock, "/series/KXA")["series"]["fee_type"], ok(mock, "/series/fee_changes")) == (
        "flat", {"series_fee_change_arr": []}
    )  # fmt: skip
    body = {"scheduled_ts": at(3600), "event_ticker": EVENT, "fee_type": "quadratic_with_maker_fees"}
    made = plain_http.post(f"{mock.base_url}/_admin/fee_changes", json=body, timeout=10).json()
    assert ok(mock, "/events/fee_changes", event_ticker=EVENT)["event_fee_changes"][0]["id"] == made["id"]
    window = {"start_datetime": at(7200), "end_datetime": at(7260)}
    admin = plain_http.post(f"{mock.base_url}/_admin/exchange_schedule", json={"maintenance_windows": [window]})
    assert admin.json()["status"] == {"exchange_active": True, "trading_active": True,
                                      "exchange_estimated_resume_time": None}  # fmt: skip
