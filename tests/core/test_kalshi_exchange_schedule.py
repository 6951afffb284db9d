"""The exchange's schedule in the core (core/kalshi/exchange_schedule.py): sessions in New York time, across midnight
and daylight saving, weeks and windows in force from their start to before their end, when what it says next
changes, and the refusals of its set-up."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mockexchange.core.commands import read
from mockexchange.core.kalshi.exchange import ExchangeStatus
from mockexchange.core.kalshi.exchange_schedule import HOURS, ExchangeSchedule
from mockexchange.core.kalshi.market_commands import SetExchangeSchedule
from mockexchange.core.values import Refused


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def week(**days: list[tuple[str, str]]) -> dict:
    sessions = {day: [{"open_time": o, "close_time": c} for o, c in held] for day, held in days.items()}
    return {"start_time": "2026-03-01T00:00:00Z", "end_time": "2026-04-01T00:00:00Z", **sessions}


def test_a_session_holds_new_york_minutes_and_one_closing_before_it_opens_runs_into_the_next_day():
    schedule = ExchangeSchedule(HOURS.read([week(friday=[("20:00", "02:00")], monday=[("05:00", "00:00")])], "h"))
    # Friday 6 March 2026, EST (UTC-5): 20:00 New York is 01:00 UTC on Saturday; the session ends 02:00 Saturday
    assert [schedule.open_at(utc(2026, 3, 7, h, m)) for h, m in ((0, 59), (1, 0), (6, 59), (7, 0))] == [
        False, True, True, False
    ]  # fmt: skip
    # Monday 9 March, EDT (UTC-4) since Sunday: 05:00 to midnight New York is 09:00 to 04:00 UTC
    assert [schedule.open_at(utc(2026, 3, 9, 8, 59)), schedule.open_at(utc(2026, 3, 9, 9, 0))] == [False, True]
    assert [schedule.open_at(utc(2026, 3, 10, 3, 59)), schedule.open_at(utc(2026, 3, 10, 4, 0))] == [True, False]
    assert not schedule.open_at(utc(2026, 4, 3, 2, 0))  # a Friday night past the week's end


def test_what_the_schedule_says_next_changes_at_a_session_a_week_or_a_window():
    windows = [{"start_datetime": "2026-03-02T10:00:00Z", "end_datetime": "2026-03-02T11:00:00Z"}]
    schedule = read(SetExchangeSchedule, {"standard_hours": [week(monday=[("08:00", "17:00")])],
                                          "maintenance_windows": windows})  # fmt: skip
    assert schedule.standard_hours is not None and schedule.maintenance_windows is not None
    made = ExchangeSchedule(schedule.standard_hours, schedule.maintenance_windows)
    assert made.next_change(utc(2026, 2, 1)) == utc(2026, 3, 1)  # the week begins
    assert made.next_change(utc(2026, 3, 2, 9)) == utc(2026, 3, 2, 10)  # the window, before the 13:00 opening
    assert made.next_change(utc(2026, 3, 2, 11)) == utc(2026, 3, 2, 13)  # 08:00 EST
    assert made.next_change(utc(2026, 3, 30, 21)) == utc(2026, 4, 1)  # the week ends
    assert made.next_change(utc(2026, 4, 1)) is None
    assert ExchangeSchedule().next_change(utc(2026, 3, 2)) is None  # always open
    status = ExchangeStatus(schedule=made)
    assert status.at(utc(2026, 3, 2, 10, 30)) == (False, False, utc(2026, 3, 2, 11))
    assert status.at(utc(2026, 3, 2, 13)) == (True, True, None)
    assert status.refusal(utc(2026, 3, 2, 12)) == (
        "trading is closed: the time is outside the exchange's trading hours (GET /exchange/schedule)"
    )


@pytest.mark.parametrize(
    ("hours", "says"),
    [
        ([week(monday=[("8:00", "17:00")])], "standard_hours[0].monday[0].open_time must be a time of day in ET"),
        ([week(monday=[("08:00", "24:00")])], "close_time must be a time of day in ET as HH:MM"),
        ([{**week(), "end_time": "2026-03-01T00:00:00Z"}], "standard_hours[0].end_time must be after its start_time"),
        ([{**week(), "holiday": []}], "standard_hours[0] must be an object of start_time, end_time, monday"),
        ([week()] * 17, "standard_hours must be a list of at most 16 weekly schedules"),
    ],
)
def test_a_schedule_its_kinds_do_not_take_is_refused_naming_the_field(hours, says):
    with pytest.raises(Refused, match=says.replace("[", r"\[").replace("]", r"\]")):
        read(SetExchangeSchedule, {"standard_hours": hours})
