"""GET /live_data/weather/{city} and its calibrations: a city's weather index as the control plane set it
(core/kalshi/weather_index.py), public.

A city is known once points or calibrations were set for it; another is a 400. The window is on the exchange clock,
in Unix milliseconds, both ends inclusive: `from` and `to` (`to` alone: the 24 hours before it; neither: the 24 hours
to now), or `last_sec`, the seconds to now, alone (with `from` or `to`: a 400, as `from` without `to` is, and a window
that ends before it starts). An `incomplete` minute is served with `detailed=true` only, with each point's member
stations. `config_version` is that of the calibration governing the newest point served ("" when none is served, or
none governs it).
"""

from __future__ import annotations

from typing import Any

from mockexchange.core.clock import unix_ms
from mockexchange.core.kalshi.weather_index import WeatherState
from mockexchange.core.values import FLAG
from mockexchange.venues.kalshi.context import KalshiContext
from mockexchange.venues.kalshi.errors import bad_request, param_error
from mockexchange.venues.kalshi.live_data_render import calibration, weather_point
from mockexchange.venues.kalshi.params import INT64, Param, parse_query

GET_WEATHER_INDEX, GET_WEATHER_INDEX_CALIBRATIONS = "GetWeatherIndex", "GetWeatherIndexCalibrations"
WEATHER_PARAMS = [Param("from", "From", INT64), Param("to", "To", INT64), Param("last_sec", "LastSec", INT64),
                  Param("detailed", "Detailed", FLAG, default=False)]  # fmt: skip
DAY_MS = 86_400_000


def _window(values: dict[str, Any], now_ms: int) -> tuple[int, int]:
    """(from, to) in Unix milliseconds, or Kalshi's 400 for a window it does not take."""
    start, end, last = values["from"], values["to"], values["last_sec"]
    if last is not None:
        if start is not None or end is not None:
            raise param_error(GET_WEATHER_INDEX, "LastSec", "excluded_with", "last_sec excludes from and to")
        if last < 0:
            raise param_error(GET_WEATHER_INDEX, "LastSec", "gte", "last_sec must be >= 0")
        return now_ms - last * 1000, now_ms
    if start is not None and end is None:
        raise param_error(GET_WEATHER_INDEX, "To", "required_with", "from must be paired with to")
    end = now_ms if end is None else end
    start = end - DAY_MS if start is None else start
    if start > end:
        raise param_error(GET_WEATHER_INDEX, "From", "ltefield", "from must not be after to")
    return start, end


def _known(weather: WeatherState, city: str) -> None:
    if not weather.known(city):
        raise bad_request(f"unknown city {city!r}: the mock has no weather index for it (POST /_admin/weather)")


def get_weather_index(ctx: KalshiContext, key: Any, values: Any) -> dict[str, Any]:
    asked = parse_query(GET_WEATHER_INDEX, WEATHER_PARAMS, values)
    city, detailed = values["city"], asked["detailed"]
    with ctx.ledger.reading() as ledger:
        weather = ledger.state.weather
        _known(weather, city)
        start, end = _window(asked, unix_ms(ledger.state.clock.now()))
        points = [p for p in weather.window(city, start, end) if detailed or p.status != "incomplete"]
        governing = weather.governing(city, points[-1].t) if points else None
        return {
            "city": city,
            "config_version": "" if governing is None else governing.config_version,
            "units": "fahrenheit",
            "timeseries": [weather_point(point, detailed) for point in points],
        }


def get_weather_index_calibrations(ctx: KalshiContext, key: Any, values: Any) -> dict[str, Any]:
    city = values["city"]
    with ctx.ledger.reading() as ledger:
        weather = ledger.state.weather
        _known(weather, city)
        return {"city": city, "units": "celsius", "calibrations": [calibration(c) for c in weather.timeline(city)]}
