"""A city's weather index, declared once (core/commands.py): the minute points of Kalshi's temperature index and its
configuration timeline (calibrations), told to the exchange from outside. The admin API, the Python API, scenario
steps and set-up sections and the state file build it; the ledger's `weather` part (weather_index.py) keeps it.

A point is one event minute (`t`, Unix milliseconds on the exchange clock, a whole minute): its published value in
Fahrenheit to 0.01 (`v`; none on an `incomplete` minute, still inside its receipt deadline), its status, how many
stations backed it and, for the detailed read, each member station's reading. A calibration governs the minutes from
its `effective_at_ms` until the next one: its stations' weights and offsets (Celsius; the city reference is their
weight-dot-offset sum, worked out, not given). A point or a calibration given again for its minute or its effective
time replaces the one there. Temperatures, weights and offsets are decimal strings ("72.35"), never floats.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, NamedTuple

from mockexchange.core.commands import Command, value
from mockexchange.core.kalshi.market_values import Exact
from mockexchange.core.values import LATEST_SECONDS, TEXT, Choice, Entries, Integer, Refused, Text

MAX_CITIES = 100  # cities the mock keeps an index of
MAX_WEATHER_POINTS = 100_000  # points over every city (beyond, the oldest minutes are dropped)
MAX_CALIBRATIONS = 1_000  # a city's calibrations (its timeline is never trimmed: one beyond is refused)
MAX_STATIONS = 64  # member stations of a point or a calibration
MAX_POINTS_SET = 10_080  # points one command sets (a week of minutes)
MAX_CALIBRATIONS_SET = 100
MINUTE_MS = 60_000

CITY = Text(64)
MS = Integer(0, LATEST_SECONDS * 1000 - 1)  # Unix milliseconds
POINT_STATUSES = ("normal", "degraded", "incomplete")
STATION_CODES = ("ok", "missing", "late", "range", "rate_spatial", "extreme", "pending")
SOURCES = ("hf_asos", "metar")
FAHRENHEIT = Exact(2, lambda t: -200 <= t <= 200, "from -200 to 200 degrees, at most 2 places")
RAW_FAHRENHEIT = Exact(6, lambda t: -200 <= t <= 200, "from -200 to 200 degrees, at most 6 places")
WEIGHT = Exact(6, lambda w: 0 <= w <= 1, "from 0 to 1, at most 6 places")
CELSIUS = Exact(6, lambda c: -100 <= c <= 100, "from -100 to 100 degrees, at most 6 places")
CONTRIBUTORS = Integer(0, MAX_STATIONS)


class StationReading(NamedTuple):
    """A member station's reading of one minute, as the detailed read shows it."""

    station_id: str
    code: str
    source: str | None = None
    temp_f: Decimal | None = None
    obs_time_ms: int | None = None
    received_at_ms: int | None = None
    primary_code: str | None = None


class WeatherPoint(NamedTuple):
    """One minute of the index."""

    t: int
    status: str
    v: Decimal | None = None
    contributors: int | None = None
    receipt_basis: str | None = None
    stations: tuple[StationReading, ...] | None = None


class CalibrationStation(NamedTuple):
    """A configured member station of a calibration."""

    station_id: str
    weight: Decimal
    offset_c: Decimal
    update_note: str | None = None


class Calibration(NamedTuple):
    """One record of a city's configuration timeline."""

    config_version: str
    effective_at_ms: int
    stations: tuple[CalibrationStation, ...]
    published_at_ms: int | None = None
    change_reason: str | None = None
    calibration_window_start_ms: int | None = None
    calibration_window_end_ms: int | None = None

    @property
    def city_reference_c(self) -> Decimal:
        """The city reference (Celsius): its stations' weight-dot-offset sum."""
        return sum((station.weight * station.offset_c for station in self.stations), Decimal(0))


READINGS = Entries(StationReading, {
    "station_id": TEXT, "code": Choice(STATION_CODES), "source": Choice(SOURCES), "temp_f": RAW_FAHRENHEIT,
    "obs_time_ms": MS, "received_at_ms": MS, "primary_code": TEXT,
}, MAX_STATIONS, "station readings", least=0)  # fmt: skip
POINTS = Entries(WeatherPoint, {
    "t": MS, "status": Choice(POINT_STATUSES), "v": FAHRENHEIT, "contributors": CONTRIBUTORS, "receipt_basis": TEXT,
    "stations": READINGS,
}, MAX_POINTS_SET, "points", least=0)  # fmt: skip
CALIBRATION_STATIONS = Entries(
    CalibrationStation, {"station_id": TEXT, "weight": WEIGHT, "offset_c": CELSIUS, "update_note": TEXT},
    MAX_STATIONS, "stations",
)  # fmt: skip
CALIBRATIONS = Entries(Calibration, {
    "config_version": TEXT, "effective_at_ms": MS, "stations": CALIBRATION_STATIONS, "published_at_ms": MS,
    "change_reason": TEXT, "calibration_window_start_ms": MS, "calibration_window_end_ms": MS,
}, MAX_CALIBRATIONS_SET, "calibrations", least=0)  # fmt: skip


@dataclass(frozen=True, slots=True)
class SetWeatherIndex(Command):
    """Points and calibrations of the weather index of `city` (an index city id, `miami`), each replacing the one
    of its minute or effective time."""

    name: ClassVar[str] = "set_weather_index"
    city: str = value(CITY)
    points: tuple[WeatherPoint, ...] = value(POINTS, ())
    calibrations: tuple[Calibration, ...] = value(CALIBRATIONS, ())

    def check(self) -> None:
        if not self.points and not self.calibrations:
            raise Refused("give points, calibrations or both")
        for i, point in enumerate(self.points):
            _check_point(point, f"points[{i}]")
        if len({point.t for point in self.points}) < len(self.points):
            raise Refused("points must be of different minutes (t)")
        for i, calibration in enumerate(self.calibrations):
            start, end = calibration.calibration_window_start_ms, calibration.calibration_window_end_ms
            if start is not None and end is not None and end <= start:
                raise Refused(f"calibrations[{i}].calibration_window_end_ms must be after its start")
        if len({c.effective_at_ms for c in self.calibrations}) < len(self.calibrations):
            raise Refused("calibrations must be of different effective times (effective_at_ms)")


def _check_point(point: WeatherPoint, where: str) -> None:
    if point.t % MINUTE_MS:
        raise Refused(f"{where}.t must be a whole minute (a multiple of {MINUTE_MS} ms), not {point.t}")
    if point.status == "incomplete":
        if point.v is not None or point.contributors is not None:
            raise Refused(f"{where}: an incomplete minute has no value (v) nor contributors yet")
    elif point.v is None:
        raise Refused(f"{where}.v is required on a {point.status} minute")
