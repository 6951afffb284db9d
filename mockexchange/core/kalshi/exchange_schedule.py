"""The exchange's schedule (`GET /exchange/schedule`): its weekly trading hours and its maintenance windows, what
they say of a time (open or closed, in maintenance or not), when they next say something else, and the kinds of value
their set-up takes.

A week of hours (`WeeklyHours`, Kalshi's WeeklySchedule) is in force from its `start_time` to before its `end_time`;
each day holds its sessions, each opening and closing at a time of day in Eastern Time (Kalshi's "HH:MM in ET"). A
session closing at or before it opens closes on the next day ("08:00" to "03:00"; "00:00" to "00:00" is a whole day,
as "05:00" to "00:00" runs to midnight). Trading is open at a time that one of the weeks in force holds in one of its
sessions. A maintenance window (Kalshi's MaintenanceWindow) takes the exchange out (`exchange_active` false) from its
start to before its end. The default, what a mock starts with, is always open and never in maintenance: one week
from the exchange's first time to its last, every day one session of the whole day.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from mockexchange.core.money import shown
from mockexchange.core.values import EARLIEST_EXCHANGE_TIME, LATEST_EXCHANGE_TIME, IsoTime, Kind, Refused

EASTERN = ZoneInfo("America/New_York")  # the schedule's times of day are Eastern Time
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")  # (datetime's weekday order)
DAY = 24 * 60  # minutes
MAX_WEEKS = 16  # weekly schedules of one exchange schedule
MAX_SESSIONS = 8  # sessions of one day
MAX_WINDOWS = 64  # maintenance windows
_CLOCK = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")  # HH:MM
_TIME = IsoTime()


class Session(NamedTuple):
    """A day's trading session: its opening and closing times of day, in minutes after midnight ET (closing at or
    before it opens: on the next day)."""

    open_time: int
    close_time: int

    def holds(self, minute: int, today: bool) -> bool:
        """Whether the session, begun `today` (else the day before), holds the minute of the day."""
        wraps = self.close_time <= self.open_time
        if today:
            return self.open_time <= minute and (wraps or minute < self.close_time)
        return wraps and minute < self.close_time


class WeeklyHours(NamedTuple):
    start_time: datetime
    end_time: datetime
    days: tuple[tuple[Session, ...], ...]  # Monday's sessions first

    def covers(self, when: datetime) -> bool:
        return self.start_time <= when < self.end_time


class MaintenanceWindow(NamedTuple):
    start_datetime: datetime
    end_datetime: datetime

    def covers(self, when: datetime) -> bool:
        return self.start_datetime <= when < self.end_datetime


WHOLE_WEEK = WeeklyHours(EARLIEST_EXCHANGE_TIME, LATEST_EXCHANGE_TIME, ((Session(0, 0),),) * len(DAYS))


@dataclass(frozen=True, slots=True)
class ExchangeSchedule:
    standard_hours: tuple[WeeklyHours, ...] = (WHOLE_WEEK,)
    maintenance_windows: tuple[MaintenanceWindow, ...] = ()
    # Always open, never in maintenance (the default): nothing to work out at a time (an order's check reads it).
    always: bool = field(init=False, default=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "always", self.standard_hours == (WHOLE_WEEK,) and not self.maintenance_windows)

    def open_at(self, when: datetime) -> bool:
        """Whether one of the weeks in force at `when` holds it in one of its sessions."""
        if self.always:
            return True
        local = when.astimezone(EASTERN)
        minute, day = local.hour * 60 + local.minute, local.weekday()
        for week in self.standard_hours:
            if week.covers(when) and (
                any(s.holds(minute, True) for s in week.days[day])
                or any(s.holds(minute, False) for s in week.days[day - 1])
            ):
                return True
        return False

    def maintenance_at(self, when: datetime) -> MaintenanceWindow | None:
        """The maintenance window `when` is in (None: none)."""
        return next((w for w in self.maintenance_windows if w.covers(when)), None)

    def next_change(self, after: datetime) -> datetime | None:
        """The first time after `after` at which what the schedule says may change (a session's opening or closing, a
        week's or a window's start or end); None: it says the same from now on."""
        if self.always:
            return None
        found = [t for week in self.standard_hours for t in (week.start_time, week.end_time) if t > after]
        found += [t for w in self.maintenance_windows for t in w if t > after]
        start = after.astimezone(EASTERN).date()
        for week in self.standard_hours:
            found += [t for t in _session_times(week, start) if t > after and week.start_time <= t <= week.end_time]
        return min(found, default=None)


def _session_times(week: WeeklyHours, start: date) -> Iterator[datetime]:
    """The openings and closings of the week's sessions begun from the day before `start` to a week after it."""
    for offset in range(-1, len(DAYS) + 1):
        day = start + timedelta(days=offset)
        for session in week.days[day.weekday()]:
            yield _instant(day, session.open_time)
            closes = day + timedelta(days=1) if session.close_time <= session.open_time else day
            yield _instant(closes, session.close_time)


def _instant(day: date, minute: int) -> datetime:
    return datetime.combine(day, time(minute // 60, minute % 60), EASTERN).astimezone(UTC)


DEFAULT = ExchangeSchedule()


# -- the kinds of value its set-up takes (the wire's shapes: WeeklySchedule, DailySchedule, MaintenanceWindow) -----


def clock_text(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _fields(value: Any, name: str, names: tuple[str, ...], required: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(value, dict) or not set(value) <= set(names) or not set(required) <= set(value):
        raise Refused(f"{name} must be an object of {', '.join(names)} ({', '.join(required)} required), not "
                      f"{shown(value)}")  # fmt: skip
    return value


def _listed(value: Any, name: str, most: int, what: str) -> list[Any]:
    if not isinstance(value, list) or len(value) > most:
        raise Refused(f"{name} must be a list of at most {most} {what}, not {shown(value)}")
    return value


def _minute(value: Any, name: str) -> int:
    matched = _CLOCK.fullmatch(value) if isinstance(value, str) else None
    if matched is None:
        raise Refused(f"{name} must be a time of day in ET as HH:MM (00:00 to 23:59), not {shown(value)}")
    return int(matched[1]) * 60 + int(matched[2])


def _span(given: dict[str, Any], name: str, names: tuple[str, str]) -> tuple[datetime, datetime]:
    start, end = (_TIME.read(given[n], f"{name}.{n}") for n in names)
    if end <= start:
        raise Refused(f"{name}.{names[1]} must be after its {names[0]}")
    return start, end


@dataclass(frozen=True, slots=True)
class Hours(Kind[tuple[WeeklyHours, ...]]):
    """Weekly schedules: a list of {"start_time", "end_time", "monday": [{"open_time": "HH:MM", "close_time":
    "HH:MM"}], ... "sunday"} (a day not given has no session)."""

    plain = list[dict[str, Any]]

    def read(self, value: Any, name: str) -> tuple[WeeklyHours, ...]:
        weeks = []
        for i, item in enumerate(_listed(value, name, MAX_WEEKS, "weekly schedules")):
            where = f"{name}[{i}]"
            given = _fields(item, where, ("start_time", "end_time", *DAYS), ("start_time", "end_time"))
            start, end = _span(given, where, ("start_time", "end_time"))
            days = []
            for day in DAYS:
                sessions = _listed(given.get(day, []), f"{where}.{day}", MAX_SESSIONS, "sessions")
                days.append(tuple(self._session(s, f"{where}.{day}[{j}]") for j, s in enumerate(sessions)))
            weeks.append(WeeklyHours(start, end, tuple(days)))
        return tuple(weeks)

    @staticmethod
    def _session(value: Any, name: str) -> Session:
        given = _fields(value, name, ("open_time", "close_time"), ("open_time", "close_time"))
        return Session(
            _minute(given["open_time"], f"{name}.open_time"), _minute(given["close_time"], f"{name}.close_time")
        )

    def write(self, value: tuple[WeeklyHours, ...]) -> list[dict[str, Any]]:
        return [
            {"start_time": _TIME.write(week.start_time), "end_time": _TIME.write(week.end_time),
             **{day: [{"open_time": clock_text(s.open_time), "close_time": clock_text(s.close_time)} for s in sessions]
                for day, sessions in zip(DAYS, week.days, strict=True)}}
            for week in value
        ]  # fmt: skip

    def check(self, value: tuple[WeeklyHours, ...], name: str) -> None:
        if not isinstance(value, tuple) or not all(isinstance(week, WeeklyHours) for week in value):
            raise Refused(f"{name} must be a tuple of weekly hours, not {shown(value)}")
        self.read(self.write(value), name)

    def schema(self) -> dict[str, Any]:
        return {"type": "array", "maxItems": MAX_WEEKS, "items": {"type": "object"}}


@dataclass(frozen=True, slots=True)
class Windows(Kind[tuple[MaintenanceWindow, ...]]):
    """Maintenance windows: a list of {"start_datetime", "end_datetime"}."""

    plain = list[dict[str, str]]

    def read(self, value: Any, name: str) -> tuple[MaintenanceWindow, ...]:
        names = ("start_datetime", "end_datetime")
        return tuple(
            MaintenanceWindow(*_span(_fields(item, f"{name}[{i}]", names, names), f"{name}[{i}]", names))
            for i, item in enumerate(_listed(value, name, MAX_WINDOWS, "maintenance windows"))
        )

    def write(self, value: tuple[MaintenanceWindow, ...]) -> list[dict[str, str]]:
        return [{"start_datetime": _TIME.write(w.start_datetime), "end_datetime": _TIME.write(w.end_datetime)}
                for w in value]  # fmt: skip

    def check(self, value: tuple[MaintenanceWindow, ...], name: str) -> None:
        if not isinstance(value, tuple) or not all(isinstance(window, MaintenanceWindow) for window in value):
            raise Refused(f"{name} must be a tuple of maintenance windows, not {shown(value)}")
        self.read(self.write(value), name)

    def schema(self) -> dict[str, Any]:
        return {"type": "array", "maxItems": MAX_WINDOWS, "items": {"type": "object"}}


HOURS = Hours()
WINDOWS = Windows()
