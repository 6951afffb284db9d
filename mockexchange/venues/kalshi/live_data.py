"""GET /live_data/...: the live data of milestones as the control plane set it (core/kalshi/milestones.py), public.

A milestone's live data is its scoreboard (`details`, as set; with `include_player_stats=true`, the player stats set
beside it under `details.player_stats`) under its type (the milestone's unless set). The legacy path's `{type}` must
be that type. The batch read answers the live data of each milestone named that has some, in the order named (each
once; one unknown or without live data is left out). The play-by-play is `pbp` when set, else the answer is `{}` (the
spec's "null" for a game without it). An event's live data is that of its first milestone with live data, those whose
primary events name it before those that only relate to it (each in start order); a `range` is taken and the details
answered whole (the mock's live data has no timeseries to cut). Weather reads: weather.py.
"""

from __future__ import annotations

from typing import Any

from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.kalshi.milestones import MilestoneRecord
from mockexchange.core.values import FLAG
from mockexchange.venues.kalshi.context import KalshiContext
from mockexchange.venues.kalshi.errors import not_found, param_error
from mockexchange.venues.kalshi.live_data_render import event_live_data, live_data, play_by_play
from mockexchange.venues.kalshi.params import Param, parse_query

GET_LIVE_DATA_BY_MILESTONE, GET_LIVE_DATA, GET_LIVE_DATAS = "GetLiveDataByMilestone", "GetLiveData", "GetLiveDatas"
GET_GAME_STATS, GET_EVENT_LIVE_DATA = "GetGameStats", "GetEventLiveData"
PLAYER_STATS = [Param("include_player_stats", "IncludePlayerStats", FLAG, default=False)]
RANGE = [Param("range", "Range")]
MAX_MILESTONE_IDS = 100  # of a batch read


def _live(ledger: Ledger, milestone_id: str, player_stats: bool) -> dict[str, Any] | None:
    kept = ledger.state.milestones
    live = kept.live.get(milestone_id)
    return None if live is None else live_data(kept.records[milestone_id], live, player_stats)


def _one(ctx: KalshiContext, operation: str, values: Any, path_type: str | None = None) -> dict[str, Any]:
    player_stats = parse_query(operation, PLAYER_STATS, values)["include_player_stats"]
    milestone_id = values["milestone_id"]
    with ctx.ledger.reading() as ledger:
        row = _live(ledger, milestone_id, player_stats)
        if row is None:
            raise not_found(f"no live data of milestone {milestone_id!r}")
        if path_type is not None and row["type"] != path_type:
            raise not_found(f"milestone {milestone_id!r}'s live data is of type {row['type']!r}, not {path_type!r}")
        return {"live_data": row}


def get_live_data_by_milestone(ctx: KalshiContext, key: Any, values: Any) -> dict[str, Any]:
    return _one(ctx, GET_LIVE_DATA_BY_MILESTONE, values)


def get_live_data(ctx: KalshiContext, key: Any, values: Any) -> dict[str, Any]:
    return _one(ctx, GET_LIVE_DATA, values, values["type"])


def get_live_datas(ctx: KalshiContext, key: Any, values: Any) -> dict[str, Any]:
    player_stats = parse_query(GET_LIVE_DATAS, PLAYER_STATS, values)["include_player_stats"]
    asked = values.every("milestone_ids")
    if not asked:
        raise param_error(GET_LIVE_DATAS, "MilestoneIds", "required", "milestone_ids is required (milestone_ids=A&...)")
    if len(asked) > MAX_MILESTONE_IDS:
        raise param_error(GET_LIVE_DATAS, "MilestoneIds", "max", f"milestone_ids takes at most {MAX_MILESTONE_IDS}")
    with ctx.ledger.reading() as ledger:
        found = (_live(ledger, milestone_id, player_stats) for milestone_id in dict.fromkeys(asked))
        return {"live_datas": [row for row in found if row is not None]}


def get_game_stats(ctx: KalshiContext, key: Any, values: Any) -> dict[str, Any]:
    milestone_id = values["milestone_id"]
    with ctx.ledger.reading() as ledger:
        kept = ledger.state.milestones
        if milestone_id not in kept.records:
            raise not_found(f"no milestone {milestone_id!r}")
        live = kept.live.get(milestone_id)
        return {} if live is None or live.game_stats is None else {"pbp": play_by_play(live.game_stats)}


def _event_order(event_ticker: str, record: MilestoneRecord) -> tuple[bool, tuple[int, str]]:
    return event_ticker not in record.milestone.primary_event_tickers, record.key


def get_event_live_data(ctx: KalshiContext, key: Any, values: Any) -> dict[str, Any]:
    parse_query(GET_EVENT_LIVE_DATA, RANGE, values)
    event_ticker = values["event_ticker"]
    with ctx.ledger.reading() as ledger:
        kept = ledger.state.milestones
        milestones = sorted(kept.of_event(event_ticker), key=lambda record: _event_order(event_ticker, record))
        for record in milestones:
            live = kept.live.get(record.milestone_id)
            if live is not None:
                return {"live_data": event_live_data(record, live)}
        raise not_found(f"no live data of event {event_ticker!r} (none of its milestones has any)")
