"""What Kalshi's exchange is told from outside, beyond the wire's reads (test_kalshi_live_data_http.py): a state file's
restart answers the same reads, a scenario's set-up sections and steps set it, each kind is bounded (the weather
index dropping its oldest minutes), and the legacy profile adds an incentive program's whole `target_size`. Each mock
is in-process: what is judged is the state and its answers, not the transport."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from state_sql import sql

from mockexchange.app import MockApp, build_app
from mockexchange.control.errors import ControlError
from mockexchange.core.clock import ManualClock
from mockexchange.core.kalshi import incentive_programs, milestones, structured_targets, weather_index
from mockexchange.settings import Settings
from mockexchange.testing.in_process import InProcess

T0 = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
EVENT = "KXNFLGAME-26NOV02BUFKC"
MARKET = f"{EVENT}-KC"
READS = ("/milestones?limit=10", "/live_data/milestone/m1", "/live_data/milestone/m1/game_stats",
         f"/live_data/events/{EVENT}", "/structured_targets", "/incentive_programs",
         "/live_data/weather/miami?from=0&to=99999999999999", "/live_data/weather/miami/calibrations")  # fmt: skip


def answers(app: MockApp) -> dict[str, Any]:
    with httpx.Client(transport=InProcess(app.asgi), base_url="http://127.0.0.1/trade-api/v2") as client:
        return {path: client.get(path).json() for path in READS}


def told(app: MockApp) -> None:
    """One of each kind, on the mock's market and event."""
    control = app.control
    control.create_market(MARKET, EVENT)
    control.set_milestone("Sports", "football_game", "2026-11-02T18:00:00Z", "m1", related_event_tickers=[EVENT])
    control.set_live_data("m1", details={"status": "live"}, game_stats=[{"events": [{"play": 1}]}])
    control.set_structured_target("Chiefs", "football_team", details={"league": "NFL"})  # (its id drawn)
    control.set_incentive_program(MARKET, "volume", T0.isoformat(), "2026-11-03T00:00:00Z", 10_000)
    control.set_weather_index(
        "miami", points=[{"t": 60_000, "status": "normal", "v": "70.5"}],
        calibrations=[{"config_version": "v1", "effective_at_ms": 0, "stations": [
            {"station_id": "KMIA", "weight": "1", "offset_c": "0.3"}]}],
    )  # fmt: skip


@pytest.mark.parametrize("snapshot", [True, False], ids=["from-a-snapshot", "from-the-commands"])
def test_a_state_files_restart_answers_the_same_reads(tmp_path: Path, snapshot: bool) -> None:
    path = tmp_path / "state.db"
    app = build_app(Settings(state=str(path)), clock=ManualClock(T0))
    told(app)
    before = answers(app)
    app.close()
    if not snapshot:
        sql(path, "DELETE FROM snapshots")
    again = build_app(Settings(state=str(path)), clock=ManualClock(T0))
    try:
        assert answers(again) == before
        assert before["/incentive_programs"]["incentive_programs"][0]["period_reward"] == 10_000
        assert before["/live_data/weather/miami/calibrations"]["calibrations"][0]["city_reference_c"] == 0.3
    finally:
        again.close()


SCENARIO = f"""
scenario: game-day
settings: {{start: "{T0.isoformat()}"}}
events: [{{event_ticker: {EVENT}, markets: [{MARKET}]}}]
milestones:
  - {{milestone_id: m1, category: Sports, type: football_game, start_date: "2026-11-02T18:00:00Z",
     primary_event_tickers: [{EVENT}]}}
live_data: [{{milestone_id: m1, details: {{status: none}}}}]
structured_targets: [{{structured_target_id: t1, name: Chiefs, type: football_team}}]
incentive_programs:
  - {{market_ticker: {MARKET}, incentive_type: liquidity, start_date: "2026-11-02T16:00:00Z",
     end_date: "2026-11-03T00:00:00Z", period_reward: 500, target_size_fp: "100"}}
weather: [{{city: miami, points: [{{t: 0, status: normal, v: "70"}}]}}]
steps:
  - wait: 3600
  - live_data: {{milestone_id: m1, details: {{status: live, home_points: 7}}}}
  - structured_target: {{structured_target_id: t1, name: Kansas City Chiefs, type: football_team}}
"""


def test_a_scenarios_set_up_and_steps_set_them_on_its_clock() -> None:
    app = build_app(clock=ManualClock(T0))
    try:
        app.scenarios.load_scenario(document=SCENARIO)
        first = answers(app)
        assert first[f"/live_data/events/{EVENT}"]["live_data"]["details"] == {"status": "none"}
        assert first["/incentive_programs"]["incentive_programs"][0]["target_size_fp"] == "100.00"
        for _ in range(3):  # an hour on (the program starts within it), then the two steps
            app.scenarios.step()
        after = answers(app)
        assert after["/live_data/milestone/m1"]["live_data"]["details"] == {"status": "live", "home_points": 7}
        assert after["/structured_targets"]["structured_targets"][0]["name"] == "Kansas City Chiefs"
        with httpx.Client(transport=InProcess(app.asgi), base_url="http://127.0.0.1/trade-api/v2") as client:
            active = client.get("/incentive_programs", params={"status": "active"}).json()["incentive_programs"]
        assert len(active) == 1
    finally:
        app.close()


def test_each_kind_is_bounded_and_the_weather_index_drops_its_oldest_minutes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(milestones, "MAX_MILESTONES", 2)
    monkeypatch.setattr(structured_targets, "MAX_STRUCTURED_TARGETS", 1)
    monkeypatch.setattr(incentive_programs, "MAX_INCENTIVE_PROGRAMS", 1)
    monkeypatch.setattr(weather_index, "MAX_WEATHER_POINTS", 3)
    monkeypatch.setattr(weather_index, "MAX_CALIBRATIONS", 1)
    monkeypatch.setattr(weather_index, "MAX_CITIES", 2)
    app = build_app(clock=ManualClock(T0))
    control = app.control
    control.create_market(MARKET, EVENT)
    for milestone_id in ("a", "b"):
        control.set_milestone("Sports", "x", T0.isoformat(), milestone_id)
    control.set_milestone("Sports", "x", T0.isoformat(), "a", title="replaced: no new one")
    calibration = {"config_version": "v2", "effective_at_ms": 1, "stations": [{"station_id": "K", "weight": "1",
                                                                               "offset_c": "0"}]}  # fmt: skip
    refusals = [
        lambda: control.set_milestone("Sports", "x", T0.isoformat(), "c"),
        lambda: control.set_structured_target("Two", "team"),
        lambda: control.set_incentive_program(MARKET, "volume", T0.isoformat(), "2027-01-01T00:00:00Z", 1),
        lambda: control.set_weather_index("miami", calibrations=[calibration]),
        lambda: control.set_weather_index("oslo", points=[{"t": 0, "status": "normal", "v": "1"}]),
    ]
    control.set_structured_target("One", "team")
    control.set_incentive_program(MARKET, "volume", T0.isoformat(), "2027-01-01T00:00:00Z", 1)
    point = {"status": "normal", "v": "70"}
    control.set_weather_index("miami", points=[{"t": t * 60_000} | point for t in (5, 7)], calibrations=[
        {"config_version": "v1", "effective_at_ms": 0, "stations": [{"station_id": "K", "weight": "1",
                                                                      "offset_c": "0"}]}])  # fmt: skip
    control.set_weather_index("tampa", points=[{"t": t * 60_000} | point for t in (6, 8)])
    for refused in refusals:
        with pytest.raises(ControlError, match="at most"):
            refused()
    weather = app.ledger.state.weather
    # four points over two cities, three kept: the oldest minute (miami's 5) dropped; miami keeps its calibration
    assert [list(weather.points[city]) for city in ("miami", "tampa")] == [[420_000], [360_000, 480_000]]
    control.set_weather_index("tampa", points=[{"t": t * 60_000} | point for t in (9, 10)])  # 6 and 7 go
    assert "miami" not in weather.points and weather.known("miami") and weather.count == 3
    app.close()


def test_the_legacy_profile_adds_an_incentive_programs_whole_target_size() -> None:
    app = build_app(Settings(profile="legacy"), clock=ManualClock(T0))
    control = app.control
    control.create_market(MARKET, EVENT)
    control.set_incentive_program(MARKET, "liquidity", T0.isoformat(), "2027-01-01T00:00:00Z", 1,
                                  target_size_fp="250.75")  # fmt: skip
    (program,) = answers(app)["/incentive_programs"]["incentive_programs"]
    assert (program["target_size_fp"], program["target_size"]) == ("250.75", 250)
    app.close()
