"""The wire shapes of what Kalshi's exchange is told from outside (spec 3.34.0's schemas): a milestone, its live data
and play-by-play, an event's live data, a structured target, an incentive program (and its legacy twin), a weather
index point and a calibration. Field names, units and decimal places are decided here; profiles.py picks the
incentive program's per profile.

Times given to the mock (a milestone's start, a program's period) print as Go's RFC3339Nano does (trailing zeros of
the fraction dropped), a record's `last_updated_ts` with microseconds as the catalogue's do; the weather index's are
Unix milliseconds. Temperatures, weights and offsets are JSON numbers written from their decimal digits.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from mockexchange.core.kalshi.incentive_commands import SetIncentiveProgram
from mockexchange.core.kalshi.milestone_commands import Period, SetLiveData
from mockexchange.core.kalshi.milestones import MilestoneRecord
from mockexchange.core.kalshi.structured_targets import TargetRecord
from mockexchange.core.kalshi.units import contracts
from mockexchange.core.kalshi.weather_commands import Calibration, StationReading, WeatherPoint
from mockexchange.core.money import to_whole_contracts
from mockexchange.venues.kalshi.render import Row, count_fp, omitempty, rfc3339
from mockexchange.web.answers import json_number


def given_time(when: datetime) -> str:
    """A time as Go's RFC3339Nano prints it: UTC, `Z`, the fraction's trailing zeros dropped."""
    return when.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds").rstrip("0").rstrip(".") + "Z"


def milestone(record: MilestoneRecord) -> Row:
    m = record.milestone
    return {
        "id": record.milestone_id,
        "category": m.category,
        "type": m.type,
        "start_date": given_time(m.start_date),
        "end_date": None if m.end_date is None else given_time(m.end_date),
        "related_event_tickers": list(m.related_event_tickers),
        "title": m.title,
        "notification_message": m.notification_message,
        "source_id": m.source_id,
        "source_ids": m.source_ids or {},
        "details": m.details or {},
        "primary_event_tickers": list(m.primary_event_tickers),
        "last_updated_ts": rfc3339(record.last_updated),
    }


def details(live: SetLiveData, player_stats: bool) -> dict[str, Any]:
    """The scoreboard as set; a player's stats under `player_stats` when asked for and set."""
    shown = dict(live.details or {})
    if player_stats and live.player_stats is not None:
        shown["player_stats"] = live.player_stats
    return shown


def live_data(record: MilestoneRecord, live: SetLiveData, player_stats: bool) -> Row:
    return {
        "type": live.type or record.milestone.type,
        "details": details(live, player_stats),
        "milestone_id": record.milestone_id,
    }


def event_live_data(record: MilestoneRecord, live: SetLiveData) -> Row:
    row: Row = {"type": live.type or record.milestone.type, "details": details(live, False)}
    omitempty(row, "is_historical", live.is_historical)
    omitempty(row, "default_range", live.default_range)
    if live.range_options:
        row["range_options"] = list(live.range_options)
    return row


def play_by_play(periods: tuple[Period, ...]) -> Row:
    return {"periods": [{"events": list(period.events)} for period in periods]}


def structured_target(record: TargetRecord) -> Row:
    target = record.target
    row: Row = {
        "id": record.structured_target_id,
        "name": target.target_name,
        "type": target.type,
        "details": target.details or {},
    }
    omitempty(row, "source_id", target.source_id)
    omitempty(row, "source_ids", target.source_ids)
    row["last_updated_ts"] = rfc3339(record.last_updated)
    return row


def incentive_program(program: SetIncentiveProgram, market_id: str) -> Row:
    size = program.target_size_fp
    return {
        "id": program.incentive_program_id,
        "market_id": market_id,
        "market_ticker": program.market_ticker,
        "incentive_type": program.incentive_type,
        "incentive_description": program.incentive_description,
        "start_date": given_time(program.start_date),
        "end_date": given_time(program.end_date),
        "period_reward": program.period_reward,
        "paid_out": program.paid_out,
        "discount_factor_bps": program.discount_factor_bps,
        "target_size_fp": None if size is None else count_fp(contracts(size)),
        "max_reward_per_account": program.max_reward_per_account,
    }


def incentive_program_legacy(program: SetIncentiveProgram, market_id: str) -> Row:
    """3.34's fields and the integer twin the official SDK 3.2.0 parses: `target_size` in whole contracts (cut
    toward zero)."""
    row = incentive_program(program, market_id)
    size = program.target_size_fp
    row["target_size"] = None if size is None else to_whole_contracts(contracts(size))
    return row


def _station(reading: StationReading) -> Row:
    row: Row = {"station_id": reading.station_id, "code": reading.code}
    omitempty(row, "source", reading.source)
    if reading.temp_f is not None:
        row["temp_f"] = json_number(reading.temp_f)
    omitempty(row, "obs_time_ms", reading.obs_time_ms)
    omitempty(row, "received_at_ms", reading.received_at_ms)
    omitempty(row, "primary_code", reading.primary_code)
    return row


def weather_point(point: WeatherPoint, detailed: bool) -> Row:
    row: Row = {"t": point.t}
    if point.v is not None:
        row["v"] = json_number(point.v)
    row["status"] = point.status
    omitempty(row, "contributors", point.contributors)
    omitempty(row, "receipt_basis", point.receipt_basis)
    if detailed:
        row["stations"] = [_station(s) for s in sorted(point.stations or (), key=lambda s: s.station_id)]
    return row


def calibration(record: Calibration) -> Row:
    row: Row = {"config_version": record.config_version}
    omitempty(row, "published_at_ms", record.published_at_ms)
    row["effective_at_ms"] = record.effective_at_ms
    omitempty(row, "change_reason", record.change_reason)
    omitempty(row, "calibration_window_start_ms", record.calibration_window_start_ms)
    omitempty(row, "calibration_window_end_ms", record.calibration_window_end_ms)
    row["city_reference_c"] = json_number(record.city_reference_c)
    row["stations"] = [
        {"station_id": s.station_id, "weight": json_number(s.weight), "offset_c": json_number(s.offset_c)}
        | ({} if s.update_note is None else {"update_note": s.update_note})
        for s in record.stations
    ]
    return row
