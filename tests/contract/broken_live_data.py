"""A Kalshi server broken in its reads of what the exchange is told from outside, for proving the kit's checks of them
can fail: the mock, with defects in front of four of the twelve reads (the discovery's reads pass untouched: they
are signed by the kit, its cases drawn by schemathesis' user agent).

- `GET /milestones`: every milestone's `start_date` is Unix seconds (a JSON number), not an RFC 3339 string.
- `GET /live_data/milestone/{milestone_id}`: the live data lacks `milestone_id` (a required field).
- `GET /incentive_programs`: every program's `period_reward` is a string.
- `GET /live_data/weather/{city}`: every point's `t` is a string.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from broken_server import BreakingAnswers


class BrokenLiveData(BreakingAnswers):
    """The wrapped mock's answers to the kit's drawn cases broken as listed above."""

    def covers(self, scope: dict[str, Any]) -> bool:
        return dict(scope["headers"]).get(b"user-agent", b"").startswith(b"schemathesis")

    def broken(self, path: str, data: Any) -> None:
        _broken(path.split("/trade-api/v2", 1)[-1], data)


def _broken(path: str, data: Any) -> None:
    parts = path.split("/")
    if path == "/milestones":
        for milestone in data["milestones"]:
            milestone["start_date"] = int(datetime.fromisoformat(milestone["start_date"]).timestamp())
    elif parts[1:3] == ["live_data", "milestone"] and len(parts) == 4:
        del data["live_data"]["milestone_id"]
    elif path == "/incentive_programs":
        for program in data["incentive_programs"]:
            program["period_reward"] = str(program["period_reward"])
    elif parts[1:3] == ["live_data", "weather"] and len(parts) == 4:
        for point in data["timeseries"]:
            point["t"] = str(point["t"])
