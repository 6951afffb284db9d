"""What Kalshi's exchange is told from outside (docs/kalshi.md, "Live data, milestones, structured targets, incentive
programs"): milestones and their live data, structured targets, incentive programs and a city's weather index, set
over the admin API and read over real HTTP from the public routes, one mock for the module: each read equals what
was set, the filters and pages, an incentive program's status moving with the exchange clock, the weather window,
the refusals (Kalshi's at the routes, the admin API's for what does not link to the mock's markets), and each read
charged as the market data reads are."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from module_mocks import fresh, module_http, module_mock

from mockexchange.core.clock import ManualClock, unix_ms
from mockexchange.server import MockServer

T0 = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
EVENT, OTHER_EVENT = "KXNFLGAME-26NOV02BUFKC", "KXNFLTOTAL-26NOV02BUFKC"
MARKET = f"{EVENT}-KC"

server_fixture = module_mock("server", T0, wall_clock=ManualClock(T0))  # (the rate buckets refill on it: never)

http_fixture = module_http()


@pytest.fixture
def mock(server: MockServer) -> MockServer:
    mock = fresh(server, T0)
    mock.create_market(MARKET, EVENT)
    mock.create_market(f"{OTHER_EVENT}-T45", OTHER_EVENT)
    return mock


def admin(http: httpx.Client, path: str, body: dict[str, Any]) -> httpx.Response:
    return http.post(f"/_admin/{path}", content=json.dumps(body), headers={"Content-Type": "application/json"})


def done(http: httpx.Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = admin(http, path, body)
    assert answer.status_code == 200, answer.text
    return answer.json()


def read(http: httpx.Client, path: str, expect: int = 200, **params: Any) -> Any:
    answer = http.get(f"/trade-api/v2{path}", params=params)
    assert answer.status_code == expect, answer.text
    return answer.json()


def milestone(http: httpx.Client, milestone_id: str, start: str, **fields: Any) -> dict[str, Any]:
    body = {"milestone_id": milestone_id, "category": "Sports", "type": "football_game", "start_date": start}
    return done(http, "milestones", body | fields)


def ids(rows: list[dict[str, Any]]) -> list[str]:
    return [row["id"] for row in rows]


# -- milestones -------------------------------------------------------------------------------------------------------


def test_a_milestone_reads_as_set_and_the_list_filters_and_pages(mock: MockServer, http: httpx.Client) -> None:
    kc = milestone(
        http, "m-kc", "2026-11-02T18:00:00Z", end_date="2026-11-02T21:30:00.5Z", title="Buffalo at Kansas City",
        notification_message="BUF @ KC", related_event_tickers=[EVENT, OTHER_EVENT], primary_event_tickers=[EVENT],
        source_id="sr:match:1", source_ids={"sportradar": "sr:match:1"}, details={"competition": "Pro Football"},
    )  # fmt: skip
    assert kc["milestone_id"] == "m-kc" and kc["last_updated_ts"] == T0.isoformat()
    assert read(http, "/milestones/m-kc") == {"milestone": {
        "id": "m-kc", "category": "Sports", "type": "football_game", "start_date": "2026-11-02T18:00:00Z",
        "end_date": "2026-11-02T21:30:00.5Z", "related_event_tickers": [EVENT, OTHER_EVENT],
        "title": "Buffalo at Kansas City", "notification_message": "BUF @ KC", "source_id": "sr:match:1",
        "source_ids": {"sportradar": "sr:match:1"}, "details": {"competition": "Pro Football"},
        "primary_event_tickers": [EVENT], "last_updated_ts": "2026-11-02T15:00:00.000000Z",
    }}  # fmt: skip
    mock.advance_clock(seconds=10)
    drawn = milestone(http, None, "2026-11-01T12:00:00+01:00", type="basketball_game")["milestone_id"]
    milestone(http, "m-late", "2026-11-03T00:00:00Z", category="Elections", related_event_tickers=[OTHER_EVENT])
    listed = read(http, "/milestones", limit=10)
    assert ids(listed["milestones"]) == [drawn, "m-kc", "m-late"] and listed["cursor"] == ""  # by start, then id
    assert read(http, f"/milestones/{drawn}")["milestone"]["start_date"] == "2026-11-01T11:00:00Z"
    assert read(http, f"/milestones/{drawn}")["milestone"]["end_date"] is None
    for params, found in (
        ({"category": "Elections"}, ["m-late"]), ({"type": "basketball_game"}, [drawn]),
        ({"competition": "Pro Football"}, ["m-kc"]), ({"source_id": "sr:match:1"}, ["m-kc"]),
        ({"related_event_ticker": OTHER_EVENT}, ["m-kc", "m-late"]), ({"related_event_ticker": "KXNONE"}, []),
        ({"minimum_start_date": "2026-11-02T18:00:00Z"}, ["m-kc", "m-late"]),
        ({"minimum_start_date": "2026-11-02"}, ["m-kc", "m-late"]),
        ({"min_updated_ts": int(T0.timestamp())}, [drawn, "m-late"]),  # (set after that second)
    ):  # fmt: skip
        assert ids(read(http, "/milestones", limit=10, **params)["milestones"]) == found, params
    pages, cursor = [], None
    while cursor != "":
        page = read(http, "/milestones", limit=2, **({"cursor": cursor} if cursor else {}))
        pages.append(ids(page["milestones"]))
        cursor = page["cursor"]
    assert pages == [[drawn, "m-kc"], ["m-late"]]
    # GET /events shows the milestones of its page's events
    events = read(http, "/events", with_milestones="true", series_ticker="KXNFLGAME")
    assert ids(events["milestones"]) == ["m-kc"]
    # set again: replaced whole, its time moved
    mock.advance_clock(seconds=5)
    milestone(http, "m-kc", "2026-11-02T18:00:00Z", title="moved")
    again = read(http, "/milestones/m-kc")["milestone"]
    assert again["title"] == "moved" and again["related_event_tickers"] == [] and again["details"] == {}
    assert again["last_updated_ts"] == "2026-11-02T15:00:15.000000Z"
    assert ids(read(http, "/milestones", limit=10, related_event_ticker=EVENT)["milestones"]) == []


def test_milestone_refusals(mock: MockServer, http: httpx.Client) -> None:
    assert read(http, "/milestones/nope", 404) == {"error": {"code": "not_found", "message": "not found"}}
    required = read(http, "/milestones", 400)["msg"]
    assert required.endswith("Field validation for 'Limit' failed on the 'required' tag")
    assert "failed on the 'max' tag" in read(http, "/milestones", 400, limit=501)["msg"]
    bad_time = read(http, "/milestones", 400, limit=5, minimum_start_date="noon")["msg"]
    assert "Invalid format for parameter minimum_start_date: error parsing 'noon' as RFC3339" in bad_time
    unknown = admin(http, "milestones", {"category": "Sports", "type": "x", "start_date": "2026-11-02T18:00:00Z",
                                         "primary_event_tickers": ["KXNONE"]})  # fmt: skip
    assert unknown.status_code == 404 and "unknown event 'KXNONE'" in unknown.json()["error"]
    backwards = {"category": "Sports", "type": "x", "start_date": "2026-11-02T18:00:00Z",
                 "end_date": "2026-11-01T00:00:00Z"}  # fmt: skip
    assert admin(http, "milestones", backwards).status_code == 400
    assert admin(http, "live_data", {"milestone_id": "nope"}).status_code == 404


# -- live data --------------------------------------------------------------------------------------------------------


def test_live_data_reads_as_set_by_milestone_in_batches_and_by_event(mock: MockServer, http: httpx.Client) -> None:
    milestone(http, "m-kc", "2026-11-02T18:00:00Z", related_event_tickers=[OTHER_EVENT], primary_event_tickers=[EVENT])
    milestone(http, "m-early", "2026-11-02T17:00:00Z", related_event_tickers=[EVENT])
    milestone(http, "m-none", "2026-11-02T19:00:00Z")
    assert read(http, "/live_data/milestone/m-kc", 404)["error"]["code"] == "not_found"  # nothing set yet
    assert read(http, "/live_data/milestone/m-kc/game_stats") == {}  # the spec's null play-by-play
    board = {"status": "live", "home_points": 14, "away_points": 10, "widgetLiveText": "Q3 4:12"}
    plays = [{"events": [{"type": "touchdown", "team": "KC"}]}, {"events": []}]
    done(http, "live_data", {"milestone_id": "m-kc", "details": board, "player_stats": {"mahomes": {"yds": "201"}},
                             "game_stats": plays, "is_historical": False, "range_options": ["1h", "1d"]})  # fmt: skip
    done(http, "live_data", {"milestone_id": "m-early", "type": "pregame", "details": {"status": "none"}})
    kc = {"type": "football_game", "details": board, "milestone_id": "m-kc"}
    assert read(http, "/live_data/milestone/m-kc") == {"live_data": kc}
    with_players = read(http, "/live_data/milestone/m-kc", include_player_stats="true")["live_data"]["details"]
    assert with_players == board | {"player_stats": {"mahomes": {"yds": "201"}}}
    assert read(http, "/live_data/football_game/milestone/m-kc") == {"live_data": kc}  # the legacy path, its type
    assert read(http, "/live_data/pregame/milestone/m-kc", 404)["error"]["code"] == "not_found"
    batch = read(http, "/live_data/batch", milestone_ids=["m-early", "nope", "m-none", "m-kc", "m-early"])
    assert [row["milestone_id"] for row in batch["live_datas"]] == ["m-early", "m-kc"]
    assert batch["live_datas"][0] == {"type": "pregame", "details": {"status": "none"}, "milestone_id": "m-early"}
    assert "'required' tag" in read(http, "/live_data/batch", 400)["msg"]
    assert "'max' tag" in read(http, "/live_data/batch", 400, milestone_ids=[f"m{i}" for i in range(101)])["msg"]
    assert read(http, "/live_data/milestone/m-kc/game_stats") == {"pbp": {"periods": plays}}
    assert read(http, "/live_data/milestone/nope/game_stats", 404)["error"]["code"] == "not_found"
    # an event's: the milestone whose primary events name it first, then those that relate to it, in start order
    by_event = read(http, f"/live_data/events/{EVENT}", range="1h")
    assert by_event == {"live_data": {"type": "football_game", "details": board, "is_historical": False,
                                      "range_options": ["1h", "1d"]}}  # fmt: skip
    assert read(http, f"/live_data/events/{OTHER_EVENT}")["live_data"]["details"] == board
    assert read(http, "/live_data/events/KXNONE", 404)["error"]["code"] == "not_found"
    done(http, "live_data", {"milestone_id": "m-kc", "details": {"status": "finished"}})  # replaced whole
    assert read(http, "/live_data/milestone/m-kc/game_stats") == {}
    assert read(http, f"/live_data/events/{EVENT}")["live_data"] == {"type": "football_game",
                                                                     "details": {"status": "finished"}}  # fmt: skip


# -- structured targets -----------------------------------------------------------------------------------------------


def test_structured_targets_read_as_set_filtered_and_paged(mock: MockServer, http: httpx.Client) -> None:
    chiefs = done(http, "structured_targets", {
        "structured_target_id": "t-kc", "name": "Kansas City Chiefs", "type": "football_team",
        "details": {"league": "NFL", "conference": "AFC"}, "source_id": "sr:team:1", "source_ids": {"sr": "team:1"},
    })  # fmt: skip
    assert chiefs["name"] == "Kansas City Chiefs" and chiefs["last_updated_ts"] == T0.isoformat()
    done(http, "structured_targets", {"structured_target_id": "t-mahomes", "name": "Patrick Mahomes",
                                      "type": "football_player", "details": {"leagues": ["NFL", "NFLPA"]}})  # fmt: skip
    done(http, "structured_targets", {"structured_target_id": "t-scheffler", "name": "Scottie Scheffler",
                                      "type": "golfer", "details": {"tour": "PGA"}})  # fmt: skip
    assert read(http, "/structured_targets/t-kc") == {"structured_target": {
        "id": "t-kc", "name": "Kansas City Chiefs", "type": "football_team",
        "details": {"league": "NFL", "conference": "AFC"}, "source_id": "sr:team:1", "source_ids": {"sr": "team:1"},
        "last_updated_ts": "2026-11-02T15:00:00.000000Z",
    }}  # fmt: skip
    assert read(http, "/structured_targets/nope", 404)["error"]["code"] == "not_found"
    for params, found in (
        ({}, ["t-kc", "t-mahomes", "t-scheffler"]), ({"type": "golfer"}, ["t-scheffler"]),
        ({"competition": "NFL"}, ["t-kc", "t-mahomes"]), ({"competition": "AFC"}, ["t-kc"]),
        ({"competition": "PGA"}, ["t-scheffler"]), ({"ids": ["t-scheffler", "nope", "t-kc"]}, ["t-kc", "t-scheffler"]),
    ):  # fmt: skip
        answer = read(http, "/structured_targets", **params)
        assert ids(answer["structured_targets"]) == found and answer["cursor"] == "", params
    first = read(http, "/structured_targets", page_size=2)
    assert ids(first["structured_targets"]) == ["t-kc", "t-mahomes"] and first["cursor"]
    rest = read(http, "/structured_targets", page_size=2, cursor=first["cursor"])
    assert ids(rest["structured_targets"]) == ["t-scheffler"] and rest["cursor"] == ""
    assert "'max' tag" in read(http, "/structured_targets", 400, page_size=2001)["msg"]
    assert "'max' tag" in read(http, "/structured_targets", 400, ids=[str(i) for i in range(2001)])["msg"]


# -- incentive programs -----------------------------------------------------------------------------------------------


def program(http: httpx.Client, program_id: str, start: datetime, days: int, **fields: Any) -> dict[str, Any]:
    body = {"incentive_program_id": program_id, "market_ticker": MARKET, "incentive_type": "liquidity",
            "start_date": start.isoformat(), "end_date": (start + timedelta(days=days)).isoformat(),
            "period_reward": 5_000_000}  # fmt: skip
    return done(http, "incentive_programs", body | fields)


def statuses(http: httpx.Client, **params: Any) -> dict[str, list[str]]:
    found = {}
    for status in ("active", "upcoming", "closed", "paid_out"):
        found[status] = ids(read(http, "/incentive_programs", status=status, **params)["incentive_programs"])
    return found


def test_an_incentive_programs_status_follows_the_exchange_clock(mock: MockServer, http: httpx.Client) -> None:
    program(http, "p-now", T0, 1, incentive_description="Liquidity on KC", discount_factor_bps=2500,
            target_size_fp="250.5", max_reward_per_account=100_000)  # fmt: skip
    program(http, "p-next", T0 + timedelta(days=1), 7, incentive_type="volume")
    market_id = mock.ledger.state.markets[MARKET].market_id
    assert read(http, "/incentive_programs")["incentive_programs"][0] == {
        "id": "p-now", "market_id": market_id, "market_ticker": MARKET, "incentive_type": "liquidity",
        "incentive_description": "Liquidity on KC", "start_date": "2026-11-02T15:00:00Z",
        "end_date": "2026-11-03T15:00:00Z", "period_reward": 5_000_000, "paid_out": False,
        "discount_factor_bps": 2500, "target_size_fp": "250.50", "max_reward_per_account": 100_000,
    }  # fmt: skip
    assert statuses(http) == {"active": ["p-now"], "upcoming": ["p-next"], "closed": [], "paid_out": []}
    mock.advance_clock(seconds=86_400)  # p-now has ended, p-next starts
    assert statuses(http) == {"active": ["p-next"], "upcoming": [], "closed": ["p-now"], "paid_out": []}
    program(http, "p-now", T0, 1, paid_out=True)  # paid, once over
    assert statuses(http) == {"active": ["p-next"], "upcoming": [], "closed": [], "paid_out": ["p-now"]}
    assert ids(read(http, "/incentive_programs", type="volume")["incentive_programs"]) == ["p-next"]
    assert ids(read(http, "/incentive_programs", incentive_description="Liquidity")["incentive_programs"]) == []
    first = read(http, "/incentive_programs", limit=1)
    assert ids(first["incentive_programs"]) == ["p-now"] and first["next_cursor"]
    rest = read(http, "/incentive_programs", limit=1, cursor=first["next_cursor"])
    assert ids(rest["incentive_programs"]) == ["p-next"] and rest["next_cursor"] == ""
    early = admin(http, "incentive_programs", {"incentive_program_id": "p-next", "market_ticker": MARKET,
                                               "incentive_type": "volume", "start_date": T0.isoformat(),
                                               "end_date": "2027-01-01T00:00:00Z", "period_reward": 1,
                                               "paid_out": True})  # fmt: skip
    assert early.status_code == 400 and "only after its end_date" in early.json()["error"]
    unknown = admin(http, "incentive_programs", {"market_ticker": "KXNONE", "incentive_type": "volume",
                                                 "start_date": T0.isoformat(), "end_date": "2027-01-01T00:00:00Z",
                                                 "period_reward": 1})  # fmt: skip
    assert unknown.status_code == 404 and "unknown market 'KXNONE'" in unknown.json()["error"]
    assert "'oneof' tag" in read(http, "/incentive_programs", 400, status="finished")["msg"]
    assert "'max' tag" in read(http, "/incentive_programs", 400, limit=10_001)["msg"]


# -- the weather index ------------------------------------------------------------------------------------------------

NOW_MS = unix_ms(T0)
MINUTE = 60_000


def test_the_weather_index_reads_its_window_and_its_calibrations(mock: MockServer, http: httpx.Client) -> None:
    station = {"station_id": "KMIA", "code": "ok", "source": "hf_asos", "temp_f": "81.23456", "received_at_ms": 1}
    points = [
        {"t": NOW_MS - 25 * 60 * MINUTE, "status": "normal", "v": "80.1", "contributors": 3},  # before the day
        {"t": NOW_MS - 2 * MINUTE, "status": "degraded", "v": "81.25", "contributors": 2,
         "stations": [station, {"station_id": "KFLL", "code": "missing"}]},
        {"t": NOW_MS - MINUTE, "status": "normal", "v": "81.3", "contributors": 3, "receipt_basis": "synoptic_latency"},
        {"t": NOW_MS, "status": "incomplete"},
        {"t": NOW_MS + MINUTE, "status": "normal", "v": "82"},  # after now
    ]  # fmt: skip
    calibrations = [
        {"config_version": "miami-v1.0-cal", "effective_at_ms": NOW_MS - MINUTE, "published_at_ms": NOW_MS,
         "change_reason": "weekly", "calibration_window_start_ms": 0, "calibration_window_end_ms": NOW_MS,
         "stations": [{"station_id": "KMIA", "weight": "0.6", "offset_c": "0.25", "update_note": "updated"},
                      {"station_id": "KFLL", "weight": "0.4", "offset_c": "-0.1"}]},
        {"config_version": "miami-v1.0", "effective_at_ms": 0, "stations": [{"station_id": "KMIA", "weight": "1",
                                                                             "offset_c": "0"}]},
    ]  # fmt: skip
    assert done(http, "weather", {"city": "miami", "points": points, "calibrations": calibrations}) == {
        "city": "miami", "points": 5, "calibrations": 2}  # fmt: skip
    day = read(http, "/live_data/weather/miami")  # the 24 hours to now, no incomplete minute
    assert day == {"city": "miami", "config_version": "miami-v1.0-cal", "units": "fahrenheit", "timeseries": [
        {"t": NOW_MS - 2 * MINUTE, "v": 81.25, "status": "degraded", "contributors": 2},
        {"t": NOW_MS - MINUTE, "v": 81.3, "status": "normal", "contributors": 3, "receipt_basis": "synoptic_latency"},
    ]}  # fmt: skip
    detailed = read(http, "/live_data/weather/miami", detailed="true", last_sec=120)
    assert [p["t"] for p in detailed["timeseries"]] == [NOW_MS - 2 * MINUTE, NOW_MS - MINUTE, NOW_MS]
    assert detailed["timeseries"][0]["stations"] == [  # sorted by station id
        {"station_id": "KFLL", "code": "missing"},
        {"station_id": "KMIA", "code": "ok", "source": "hf_asos", "temp_f": 81.23456, "received_at_ms": 1},
    ]
    assert detailed["timeseries"][2] == {"t": NOW_MS, "status": "incomplete", "stations": []}
    early = read(http, "/live_data/weather/miami", **{"from": 0, "to": NOW_MS - 2 * MINUTE})
    assert [p["v"] for p in early["timeseries"]] == [80.1, 81.25] and early["config_version"] == "miami-v1.0"
    assert read(http, "/live_data/weather/miami", to=0) == {
        "city": "miami", "config_version": "", "units": "fahrenheit", "timeseries": []}  # fmt: skip
    mock.advance_clock(seconds=60)  # the next minute is in the window now
    assert read(http, "/live_data/weather/miami", last_sec=0)["timeseries"] == [{"t": NOW_MS + MINUTE, "v": 82,
                                                                                "status": "normal"}]  # fmt: skip
    timeline = read(http, "/live_data/weather/miami/calibrations")
    assert timeline == {"city": "miami", "units": "celsius", "calibrations": [
        {"config_version": "miami-v1.0", "effective_at_ms": 0, "city_reference_c": 0,
         "stations": [{"station_id": "KMIA", "weight": 1, "offset_c": 0}]},
        {"config_version": "miami-v1.0-cal", "published_at_ms": NOW_MS, "effective_at_ms": NOW_MS - MINUTE,
         "change_reason": "weekly", "calibration_window_start_ms": 0, "calibration_window_end_ms": NOW_MS,
         "city_reference_c": 0.11, "stations": [
             {"station_id": "KMIA", "weight": 0.6, "offset_c": 0.25, "update_note": "updated"},
             {"station_id": "KFLL", "weight": 0.4, "offset_c": -0.1}]},
    ]}  # fmt: skip


def test_weather_refusals(mock: MockServer, http: httpx.Client) -> None:
    unknown = read(http, "/live_data/weather/paris", 400)
    assert unknown == {"error": {"code": "bad_request", "message": "bad request"}}
    assert read(http, "/live_data/weather/paris/calibrations", 400) == unknown
    done(http, "weather", {"city": "miami", "points": [{"t": 0, "status": "normal", "v": "70"}]})
    for params, tag in (({"from": 0}, "required_with"), ({"last_sec": 60, "to": 0}, "excluded_with"),
                        ({"from": 10, "to": 0}, "ltefield"), ({"last_sec": -1}, "gte")):  # fmt: skip
        assert f"'{tag}' tag" in read(http, "/live_data/weather/miami", 400, **params)["msg"], params
    assert "strconv.ParseInt" in read(http, "/live_data/weather/miami", 400, to="now")["msg"]
    for body, says in (
        ({"city": "miami", "points": [{"t": 1, "status": "normal", "v": "70"}]}, "whole minute"),
        ({"city": "miami", "points": [{"t": 0, "status": "normal"}]}, "v is required"),
        ({"city": "miami", "points": [{"t": 0, "status": "incomplete", "v": "1"}]}, "incomplete minute has no value"),
        ({"city": "miami", "points": [{"t": 0, "status": "normal", "v": 70.5}]}, "decimal string"),
        ({"city": "miami"}, "give points, calibrations or both"),
    ):  # fmt: skip
        refused = admin(http, "weather", body)
        assert refused.status_code == 400 and says in refused.json()["error"], body


# -- rate limits ------------------------------------------------------------------------------------------------------

EVERY_READ = ("/milestones?limit=1", "/milestones/m", "/live_data/milestone/m", "/live_data/x/milestone/m",
              "/live_data/batch?milestone_ids=m", "/live_data/milestone/m/game_stats", f"/live_data/events/{EVENT}",
              "/live_data/weather/miami", "/live_data/weather/miami/calibrations", "/structured_targets",
              "/structured_targets/t", "/incentive_programs")  # fmt: skip


def test_each_read_is_charged_as_the_market_data_reads_are(mock: MockServer, http: httpx.Client) -> None:
    mock.set_rate_limit_tier("basic")  # 200 read tokens, 10 a read, none refilled on the manual clock's second
    try:
        answers = [http.get(f"/trade-api/v2{EVERY_READ[i % 12]}").status_code for i in range(21)]
        assert 429 not in answers[:20] and answers[20] == 429, answers  # each of the twelve paid its ten tokens
    finally:
        mock.set_rate_limit_tier("off")
