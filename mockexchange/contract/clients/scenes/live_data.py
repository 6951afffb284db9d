"""The `live-data` scene: a client reads what the exchange is told from outside: milestones (walked by cursor, and
one), their live data (by type, by milestone, a batch, an event's, a game's play-by-play), a city's weather index and
its calibrations, structured targets (walked by cursor, and one) and incentive programs (walked by cursor). Every
value is compared with the ledger's records of what the control plane set (its milestones, live data, targets,
programs and weather index), field by field, never with the mock's wire.

Seeded, on a manual exchange clock so every time is known: three milestones on two events (two with live data, one
with a play-by-play), three structured targets, three incentive programs (ended, running and upcoming on the clock),
and a quarter hour of a city's weather index with two calibrations.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

from mockexchange.contract.clients.checks import start_mock
from mockexchange.contract.clients.dialects import Field
from mockexchange.contract.clients.portfolio import Key
from mockexchange.contract.clients.scenes.exchange_data import exchange_data, listed, must_differ
from mockexchange.contract.clients.scenes.markets import record
from mockexchange.contract.clients.scenes.scene import Check, Judge, Scene, SceneCall, Stage
from mockexchange.core.clock import ManualClock, unix_ms
from mockexchange.core.kalshi.incentive_programs import status
from mockexchange.core.kalshi.units import contracts
from mockexchange.server import MockServer

TRADER = "trader"
T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
EVENTS = ("KXLIVE-26A", "KXLIVE-26B")
MARKETS = tuple(f"{event}-T1" for event in EVENTS)
MILESTONES = ("kit-milestone-0", "kit-milestone-1", "kit-milestone-2")
LIVE = MILESTONES[:2]  # the milestones with live data
TYPE = "football_game"
TARGETS = ("kit-target-0", "kit-target-1", "kit-target-2")
PROGRAMS = ("kit-program-0", "kit-program-1", "kit-program-2")
CITY = "miami"


def seed(key_dir: Path, profile: str) -> Stage:
    mock = start_mock(MockServer(profile=profile, clock=ManualClock(T0)))
    try:
        mock.create_account(TRADER, balance_cents=100_000)
        keys = {"trader": Key.create(mock, key_dir, "live-trader", TRADER)}
        for event, ticker in zip(EVENTS, MARKETS, strict=True):
            mock.create_market(ticker, event)
        for i, milestone_id in enumerate(MILESTONES):
            mock.set_milestone(
                "Sports", TYPE if i < 2 else "basketball_game", (T0 + timedelta(hours=i)).isoformat(), milestone_id,
                title=f"Kit game {i}", end_date=(T0 + timedelta(hours=i + 3)).isoformat(),
                primary_event_tickers=[EVENTS[i % 2]], related_event_tickers=list(EVENTS[: i + 1]),
                source_ids={"sportradar": f"sr:match:{i}"}, details={"competition": "Pro Football", "week": i},
            )  # fmt: skip
        for i, milestone_id in enumerate(LIVE):
            mock.set_live_data(
                milestone_id, details={"status": "live", "home_points": 7 * i, "away_points": 3},
                game_stats=[{"events": [{"play": f"kickoff {i}"}]}, {"events": []}] if i == 0 else None,
                is_historical=False, default_range="1h", range_options=["15min", "1h"],
            )  # fmt: skip
        for i, target_id in enumerate(TARGETS):
            mock.set_structured_target(f"Kit team {i}", ("football_team", "player")[i % 2], target_id,
                                       details={"league": "NFL", "rank": i}, source_id=f"sr:team:{i}")  # fmt: skip
        for i, (start, days) in enumerate(((-2, 1), (-1, 30), (1, 7))):  # ended, running, upcoming
            mock.set_incentive_program(
                MARKETS[i % 2], ("liquidity", "volume")[i % 2], (T0 + timedelta(days=start)).isoformat(),
                (T0 + timedelta(days=start + days)).isoformat(), 1_000_000 * (i + 1), PROGRAMS[i],
                incentive_description=f"Kit incentive {i}", paid_out=i == 0, discount_factor_bps=500 + i,
                target_size_fp=f"{100 + i}.5", max_reward_per_account=50_000,
            )  # fmt: skip
        _weather(mock)
        return Stage(mock, keys, profile)
    except BaseException:
        mock.stop()
        raise


def _weather(mock: MockServer) -> None:
    minute = unix_ms(T0) // 60_000 * 60_000
    reading = {"station_id": "KMIA", "code": "ok", "source": "hf_asos", "temp_f": "81.2345"}
    points = [{"t": minute - m * 60_000, "status": "normal", "v": f"{80 + m / 100:.2f}", "contributors": 2,
               "stations": [reading]} for m in range(1, 13)]  # fmt: skip
    stations = [{"station_id": "KMIA", "weight": "0.6", "offset_c": "0.1"},
                {"station_id": "KFLL", "weight": "0.4", "offset_c": "-0.2"}]  # fmt: skip
    mock.set_weather_index(CITY, points=points, calibrations=[
        {"config_version": "miami-v1.0", "effective_at_ms": 0, "stations": stations},
        {"config_version": "miami-v1.1", "effective_at_ms": minute - 6 * 60_000, "published_at_ms": minute - 6 * 60_000,
         "change_reason": "weekly calibration", "stations": stations},
    ])  # fmt: skip


def calls(stage: Stage) -> list[SceneCall]:
    one = {"milestone_id": LIVE[0]}
    return [
        SceneCall("milestones", "GetMilestones", {"limit": 2}, "pages", "milestones"),
        SceneCall("milestone", "GetMilestone", {"milestone_id": MILESTONES[2]}),
        SceneCall("typed", "GetLiveData", one | {"type": TYPE}),
        SceneCall("by_milestone", "GetLiveDataByMilestone", one),
        SceneCall("batch", "GetLiveDatas", {"milestone_ids": list(MILESTONES)}),
        SceneCall("event_live", "GetEventLiveData", {"event_ticker": EVENTS[0]}),
        SceneCall("game", "GetGameStats", one),
        SceneCall("weather", "GetWeatherIndex", {"city": CITY, "last_sec": 3600}),
        SceneCall("calibrations", "GetWeatherIndexCalibrations", {"city": CITY}),
        SceneCall("targets", "GetStructuredTargets", {"page_size": 2}, "pages", "structured_targets"),
        SceneCall("target", "GetStructuredTarget", {"structured_target_id": TARGETS[1]}),
        SceneCall("programs", "GetIncentivePrograms", {"limit": 2}, "pages", "incentive_programs"),
    ]


def _milestones(j: Judge, ids: tuple[str, ...] = MILESTONES) -> list[SimpleNamespace]:
    with j.ledger.reading() as ledger:
        records = [r for r in ledger.state.milestones.listed() if r.milestone_id in ids]
    names = ("category", "type", "start_date", "end_date", "title", "related_event_tickers", "primary_event_tickers",
             "source_ids", "details")  # fmt: skip
    return [SimpleNamespace(**{name: getattr(r.milestone, name) for name in names}, milestone_id=r.milestone_id,
                            last_updated=r.last_updated) for r in records]  # fmt: skip


def milestones(j: Judge) -> None:
    expected, fields = _milestones(j), exchange_data(j).milestone
    j.rows("milestones", j.listed("milestones"), expected, fields)
    j.walked("milestones", len(expected), 2)
    j.rows("milestone", [record(j, "milestone", "milestone")], _milestones(j, MILESTONES[2:]), fields)
    must_differ(j, "milestones: types", [m.type for m in expected])


_LIVE: tuple[Field, ...] = (("milestone_id", "milestone_id", "text"), ("type", "type", "text"),
                            ("details", "details", "json"))  # fmt: skip


def _live(j: Judge, ids: tuple[str, ...]) -> list[SimpleNamespace]:
    with j.ledger.reading() as ledger:
        kept = ledger.state.milestones
        found = [(kept.records[i], kept.live[i]) for i in ids if i in kept.live]
    return [SimpleNamespace(milestone_id=r.milestone_id, type=live.type or r.milestone.type, details=live.details,
                            is_historical=live.is_historical, default_range=live.default_range,
                            range_options=live.range_options, game_stats=live.game_stats)
            for r, live in found]  # fmt: skip


def live_data(j: Judge) -> None:
    j.rows("typed", [record(j, "typed", "live_data")], _live(j, LIVE[:1]), _LIVE)
    every = _live(j, MILESTONES)
    j.rows("batch", listed(j, "batch", "live_datas"), every, _LIVE)
    j.same("batch: in the order named", [row.get("milestone_id") for row in listed(j, "batch", "live_datas")],
           [live.milestone_id for live in every])  # fmt: skip
    must_differ(j, "batch: details", [live.details for live in every])


def by_milestone(j: Judge) -> None:
    j.rows("by_milestone", [record(j, "by_milestone", "live_data")], _live(j, LIVE[:1]), _LIVE)


def event_live_data(j: Judge) -> None:
    fields: tuple[Field, ...] = (("type", "type", "text"), ("details", "details", "json"),
                                 ("is_historical", "is_historical", "text"), ("default_range", "default_range", "text"),
                                 ("range_options", "range_options", "json"))  # fmt: skip
    first = [live for live in _live(j, LIVE) if live.milestone_id == LIVE[0]]  # EVENTS[0]'s primary milestone
    j.rows("event_live", [record(j, "event_live", "live_data")], first, fields)
    [live] = first
    j.same("game: play-by-play", (j.answer("game").get("pbp") or {}).get("periods"),
           [{"events": list(period.events)} for period in live.game_stats or ()])  # fmt: skip
    if not live.game_stats:
        j.problems.append("game: the scene set no play-by-play (the check could not fail)")


def weather(j: Judge) -> None:
    got = j.answer("weather")
    with j.ledger.reading() as ledger:
        held = ledger.state.weather
        now = unix_ms(ledger.state.clock.now())
        points = [p for p in held.window(CITY, now - 3_600_000, now) if p.status != "incomplete"]
        calibrations = list(held.timeline(CITY))
    point: tuple[Field, ...] = (("t", "t", "text"), ("v", "v", "number"), ("status", "status", "text"),
                                ("contributors", "contributors", "text"))  # fmt: skip
    j.rows("weather", got.get("timeseries") or [], points, point)
    j.same("weather: city", got.get("city"), CITY)
    calibration: tuple[Field, ...] = (
        ("config_version", "config_version", "text"), ("effective_at_ms", "effective_at_ms", "text"),
        ("published_at_ms", "published_at_ms", "text"), ("city_reference_c", "city_reference_c", "number"),
        ("change_reason", "change_reason", "text"),
    )  # fmt: skip
    j.rows("calibrations", j.answer("calibrations").get("calibrations") or [], calibrations, calibration)
    must_differ(j, "weather: values", [p.v for p in points])


def targets(j: Judge) -> None:
    with j.ledger.reading() as ledger:
        records = list(ledger.state.structured_targets.listed())
    expected = [SimpleNamespace(structured_target_id=r.structured_target_id, name=r.target.target_name,
                                type=r.target.type, details=r.target.details or {}, source_id=r.target.source_id,
                                last_updated=r.last_updated) for r in records]  # fmt: skip
    fields = exchange_data(j).target
    j.rows("targets", j.listed("targets"), expected, fields)
    j.walked("targets", len(expected), 2)
    j.rows("target", [record(j, "target", "structured_target")], expected[1:2], fields)
    must_differ(j, "targets: types", [t.type for t in expected])


def programs(j: Judge) -> None:
    with j.ledger.reading() as ledger:
        now = ledger.state.clock.now()
        held = [(p, ledger.state.markets[p.market_ticker].market_id, status(p, now))
                for p in ledger.state.incentive_programs.listed()]  # fmt: skip
    fields = exchange_data(j).program
    expected = [SimpleNamespace(**{name: getattr(p, name) for name, _, _ in fields if hasattr(p, name)},
                                market_id=market_id, target_size=contracts(p.target_size_fp))
                for p, market_id, _ in held]  # fmt: skip
    j.rows("programs", j.listed("programs"), expected, fields)
    j.walked("programs", len(expected), 2)
    must_differ(j, "programs: statuses", [s for _, _, s in held])


LIVE_DATA = Scene(
    "live-data",
    seed,
    calls,
    (
        Check("milestones", ("GetMilestones", "GetMilestone"), milestones),
        Check("live data", ("GetLiveData", "GetLiveDatas"), live_data),
        Check("live data by milestone", ("GetLiveDataByMilestone",), by_milestone),
        Check("an event's live data", ("GetEventLiveData", "GetGameStats"), event_live_data),
        Check("the weather index", ("GetWeatherIndex", "GetWeatherIndexCalibrations"), weather),
        Check("structured targets", ("GetStructuredTargets", "GetStructuredTarget"), targets),
        Check("incentive programs", ("GetIncentivePrograms",), programs),
    ),
)
