"""The `exchange-data` and `live-data` cells can fail: a server answering each of their reads with one field wrong (well
formed, so the client parses it) fails each check, naming the field. One client (kalshi_python_sync 3.34.0, the
cheapest to import), both scenes in one run of its script, as the matrix runs them; and the legacy client's
announcements (the one check the 3.34 client has no read for)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from broken_answers import BreakingAnswers, breaking_reads, each, serving_through

from mockexchange.contract.clients.matrix import CLIENTS_BY_NAME
from mockexchange.contract.clients.plans import run_plan
from mockexchange.contract.clients.scenes import exchange_data, live_data
from mockexchange.contract.clients.scenes.scene import judge, plan, problems

pytestmark = [pytest.mark.clients, pytest.mark.slow]  # slow: conftest.py


def _break(tail: str, data: dict[str, Any]) -> None:
    """One field of each read's answer made wrong, well formed (by the path after /trade-api/v2)."""
    parts = tail.strip("/").split("/")
    last = parts[-1]
    if parts == ["multivariate_event_collections"]:
        each(data["multivariate_contracts"], title="broken")
    elif parts[0] == "multivariate_event_collections":
        data["multivariate_contract"]["size_max"] = 9
    elif parts == ["events", "multivariate"]:
        each(data["events"], title="broken")
    elif last == "schedule":
        each(data["schedule"]["maintenance_windows"], end_datetime="2026-04-01T03:00:00Z")
    elif last == "user_data_timestamp":
        data["as_of_time"] = "2020-01-01T00:00:00Z"
    elif parts == ["series", "fee_changes"]:
        each(data["series_fee_change_arr"], fee_multiplier=3)
    elif parts == ["events", "fee_changes"]:
        each(data["event_fee_changes"], fee_type_override="flat")
    elif last == "metadata":
        data["competition"] = "broken"
    elif last == "candlesticks" and parts[0] == "series":
        for candles in data["market_candlesticks"]:
            each(candles, volume_fp="99.00")
    elif last == "forecast_percentile_history":
        for point in data["forecast_history"]:
            each(point["percentile_points"], numerical_forecast=9)
    elif parts == ["historical", "markets"]:
        each(data["markets"], volume_fp="99.00")
    elif parts[:2] == ["historical", "markets"] and last == "candlesticks":
        each(data["candlesticks"], volume="99.00")
    elif parts[:2] == ["historical", "markets"]:
        data["market"]["volume_fp"] = "99.00"
    elif parts == ["historical", "trades"]:
        each(data["trades"], count_fp="99.00")
    elif last == "tags_by_categories":
        data["tags_by_categories"]["Sports"] = ["broken"]
    elif last == "filters_by_sport":
        data["sport_ordering"] = ["broken"]
    elif parts == ["milestones"]:
        each(data["milestones"], title="broken")
    elif parts[0] == "milestones":
        data["milestone"]["title"] = "broken"
    elif last == "batch":
        each(data["live_datas"], details={"broken": True})
    elif last == "game_stats":
        data["pbp"]["periods"] = []
    elif parts[:2] == ["live_data", "events"]:
        data["live_data"]["default_range"] = "1d"
    elif parts[:2] == ["live_data", "weather"] and last == "calibrations":
        each(data["calibrations"], city_reference_c=99)
    elif parts[:2] == ["live_data", "weather"]:
        each(data["timeseries"], v=1)
    elif parts[0] == "live_data":
        data["live_data"]["details"] = {"broken": True}
    elif parts == ["structured_targets"]:
        each(data["structured_targets"], name="broken")
    elif parts[0] == "structured_targets":
        data["structured_target"]["source_id"] = "broken"
    elif parts == ["incentive_programs"]:
        each(data["incentive_programs"], period_reward=1)


_broken_mock = serving_through(breaking_reads(_break))


def test_a_wrong_field_fails_each_check_naming_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    row = CLIENTS_BY_NAME["kalshi-python-sync"]
    assert row.spec is not None and row.dialect is not None
    scenes = (exchange_data.EXCHANGE_DATA, live_data.LIVE_DATA)
    for module in (exchange_data, live_data):
        monkeypatch.setattr(module, "MockServer", _broken_mock)
    stages, calls = [], []
    try:
        for scene in scenes:
            (tmp_path / scene.capability).mkdir()
            stages.append(scene.seed(tmp_path / scene.capability, row.profile))
            calls += plan(scene, row.dialect, stages[-1], prefix=f"{scene.capability}/")
        outcomes = run_plan(row.spec, stages[0], calls, tmp_path)
        failed = {}
        for scene, stage in zip(scenes, stages, strict=True):
            failed |= problems(judge(scene, row.dialect, stage, outcomes, prefix=f"{scene.capability}/"))
    finally:
        for stage in stages:
            stage.mock.stop()
    named = {
        "a combo made": "combo_events: ", "collections": "title", "the schedule": "maintenance windows",
        "the user data timestamp": "as_of_time", "series fee changes": "fee_multiplier",
        "event fee changes": "fee_type_override", "event metadata": "metadata",
        "event candlesticks": "volume_fp", "the forecast": "forecast", "historical markets": "volume_fp",
        "historical candlesticks": "volume", "historical trades": "count_fp", "search": "tags_by_categories",
        "milestones": "title", "live data": "details", "live data by milestone": "details",
        "an event's live data": "default_range", "the weather index": "v ", "structured targets": "name",
        "incentive programs": "period_reward",
    }  # fmt: skip
    assert set(failed) == set(named) == {c.name for scene in scenes for c in scene.checks_for(row.dialect)}, failed
    for check, field in named.items():
        assert any(field in problem for problem in failed[check]), (check, failed[check])


@pytest.mark.parametrize("broken", [None, "status", "order"])
def test_the_legacy_clients_announcements_check_fails_on_a_wrong_list(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, broken: str | None
) -> None:
    """kalshi_python_sync 3.2.0 (the legacy profile's client, the one with the read): the check passes on the mock as
    it is, and fails where a withdrawn announcement reads active or the list comes oldest first."""
    row = CLIENTS_BY_NAME["kalshi-python-sync-3.2.0"]
    assert row.spec is not None and row.dialect is not None

    class Broken(BreakingAnswers):  # type: ignore[misc]
        def covers(self, scope: dict[str, Any]) -> bool:
            return scope["path"].endswith("/exchange/announcements")

        def broken(self, path: str, data: Any) -> None:
            if broken == "status":
                each(data["announcements"], status="active")
            elif broken == "order":
                data["announcements"].reverse()

    monkeypatch.setattr(exchange_data, "MockServer", serving_through(Broken))
    scene = exchange_data.EXCHANGE_DATA
    stage = scene.seed(tmp_path, row.profile)
    try:
        calls = [call for call in plan(scene, row.dialect, stage) if call["id"] == "announcements"]
        outcomes = run_plan(row.spec, stage, calls, tmp_path)
        [found] = [j for name, j in judge(scene, row.dialect, stage, outcomes).items() if name == "announcements"]
    finally:
        stage.mock.stop()
    if broken is None:
        assert found.problems == []
    else:
        words = {"status": "status 'active'", "order": "latest delivered first"}[broken]
        assert any(words in problem for problem in found.problems), found.problems
