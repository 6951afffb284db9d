"""The answers of Deribit's inputs the mock has no source for (core/deribit/feed_commands.py, and an index's path), in
plain values: a path set (what it is of, its value now, each point at its exchange time), the platform's status, an
announcement."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mockexchange.control.answers import digits, fields
from mockexchange.core.deribit.handlers import Pathed, Status
from mockexchange.core.deribit.records import Announcement


def pathed(key: str, field: str) -> Callable[[Pathed], dict[str, Any]]:
    """A path's answer: `{key: its name, field: its value now (null: none yet), "points": [{"at", field}, ...]}`."""

    def written(made: Pathed) -> dict[str, Any]:
        name, now, points = made
        shown = [{"at": point.timestamp.isoformat(), field: digits(point.value)} for point in points]
        return {key: name, field: None if now is None else digits(now), "points": shown}

    return written


index_path_json = pathed("index_name", "price")
funding_json = pathed("instrument_name", "rate")
historical_volatility_json = pathed("currency", "volatility")
apr_json = pathed("currency", "apr")


def status_json(status: Status) -> dict[str, Any]:
    locked, indices = status
    return {"locked": locked, "locked_indices": indices}


def announcement_json(made: Announcement) -> dict[str, Any]:
    return fields(made, "id title body important confirmation", publication_time=made.published)
