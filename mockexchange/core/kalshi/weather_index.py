"""The weather index of each city (weather_commands.py): the ledger's `weather` part, which keeps a city's minute
points and its calibrations (`LedgerState.weather`, a `WeatherState`), each in time order. At most
`MAX_WEATHER_POINTS` points are kept over every city: beyond, the oldest minutes (of any city) are dropped, as a feed's
past ages out; a city's calibrations are never dropped (the timeline is complete), so one beyond `MAX_CALIBRATIONS` is
refused, as is a city beyond `MAX_CITIES`."""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sortedcontainers import SortedDict

from mockexchange.core.kalshi.checks import LedgerError
from mockexchange.core.kalshi.weather_commands import (
    MAX_CALIBRATIONS,
    MAX_CITIES,
    MAX_WEATHER_POINTS,
    Calibration,
    SetWeatherIndex,
    WeatherPoint,
)


@dataclass(eq=False)
class WeatherState:
    points: dict[str, SortedDict] = field(default_factory=dict)  # city -> {t (ms): WeatherPoint}
    calibrations: dict[str, SortedDict] = field(default_factory=dict)  # city -> {effective_at_ms: Calibration}
    count: int = 0  # points over every city

    def clear(self) -> None:
        self.points.clear()
        self.calibrations.clear()
        self.count = 0

    def known(self, city: str) -> bool:
        return city in self.points or city in self.calibrations

    def window(self, city: str, start_ms: int, end_ms: int) -> Iterator[WeatherPoint]:
        """The city's points from `start_ms` to `end_ms` (both inclusive), in time order."""
        points = self.points.get(city)
        if points is not None:
            yield from (points[t] for t in points.irange(start_ms, end_ms))

    def timeline(self, city: str) -> list[Calibration]:
        """The city's calibrations, ascending by effective time."""
        return list(self.calibrations.get(city, {}).values())

    def governing(self, city: str, t: int) -> Calibration | None:
        """The calibration the minute `t` is computed under: the last one effective at or before it."""
        timeline = self.calibrations.get(city)
        if not timeline:
            return None
        at = timeline.bisect_right(t)
        return timeline.peekitem(at - 1)[1] if at else None


class WeatherIndex:
    """Weather index points and calibrations set (`ledger.weather`), under the ledger's lock."""

    def __init__(self, state: Any) -> None:
        self.state = state  # the ledger's (ledger_state.py's `LedgerState`, which holds this part's state)

    def set_index(self, command: SetWeatherIndex) -> dict[str, Any]:
        """Keep the points and calibrations (each replacing the one of its minute or effective time); answers how
        many the city holds then."""
        state = self.state
        with state.lock:
            kept = state.weather
            city = command.city
            if not kept.known(city) and len(kept.points.keys() | kept.calibrations.keys()) >= MAX_CITIES:
                raise LedgerError(f"the mock keeps the weather index of at most {MAX_CITIES} cities")
            timeline = kept.calibrations.get(city, {})
            new = sum(1 for c in command.calibrations if c.effective_at_ms not in timeline)
            if len(timeline) + new > MAX_CALIBRATIONS:
                raise LedgerError(f"a city keeps at most {MAX_CALIBRATIONS} calibrations (its timeline is kept whole)")
            if command.calibrations:
                timeline = kept.calibrations.setdefault(city, SortedDict())
                timeline.update((c.effective_at_ms, c) for c in command.calibrations)
            if command.points:
                points = kept.points.setdefault(city, SortedDict())
                before = len(points)
                points.update((point.t, point) for point in command.points)
                kept.count += len(points) - before
                self._age(kept)
            return {"city": city, "points": len(kept.points.get(city, ())), "calibrations": len(timeline)}

    def _age(self, kept: WeatherState) -> None:
        """Drop the oldest minutes, of any city, past `MAX_WEATHER_POINTS` (a city left with none keeps its
        calibrations, if it has any; else it is forgotten)."""
        over = kept.count - MAX_WEATHER_POINTS
        if over <= 0:
            return
        firsts = [(points.peekitem(0)[0], city) for city, points in kept.points.items() if points]
        heapq.heapify(firsts)
        for _ in range(over):
            _, city = heapq.heappop(firsts)
            points = kept.points[city]
            points.popitem(0)
            if points:
                heapq.heappush(firsts, (points.peekitem(0)[0], city))
            else:
                del kept.points[city]
        kept.count = MAX_WEATHER_POINTS
