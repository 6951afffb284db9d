"""A Kalshi server broken in its exchange and event reads, for proving the kit's checks of them can fail: the mock,
with one defect in front of each read.

- `GET /exchange/schedule`: each week of hours lacks `monday` (a required field).
- `GET /exchange/user_data_timestamp`: `as_of_time` is Unix seconds, a number, where the schema says a date-time.
- `GET /series/fee_changes`: each change's `fee_multiplier` is a string, not a number.
- `GET /events/fee_changes`: the page lacks `cursor` (required).
- `GET /events/{event_ticker}/metadata`: `image_url` is a number.
- `GET /series/{series_ticker}/events/{ticker}/candlesticks`: `adjusted_end_ts` is a string.
- `GET /series/{series_ticker}/events/{ticker}/forecast_percentile_history`: `forecast_history` is an object.
"""

from __future__ import annotations

from typing import Any

from broken_server import BreakingAnswers


def _break(tail: str, data: dict[str, Any]) -> None:
    if tail == "/exchange/schedule":
        for week in data["schedule"]["standard_hours"]:
            del week["monday"]
    elif tail == "/exchange/user_data_timestamp":
        data["as_of_time"] = 1_700_000_000
    elif tail == "/series/fee_changes":
        for change in data["series_fee_change_arr"]:
            change["fee_multiplier"] = str(change["fee_multiplier"])
    elif tail == "/events/fee_changes":
        del data["cursor"]
    elif tail.endswith("/metadata"):
        data["image_url"] = 7
    elif tail.endswith("/candlesticks") and "/events/" in tail:
        data["adjusted_end_ts"] = str(data["adjusted_end_ts"])
    elif tail.endswith("/forecast_percentile_history"):
        data["forecast_history"] = {"points": data["forecast_history"]}


class BrokenExchangeEvents(BreakingAnswers):
    """The exchange and event reads broken as listed above."""

    def covers(self, scope: dict[str, Any]) -> bool:
        return True

    def broken(self, path: str, data: Any) -> None:
        _break(path.split("/trade-api/v2", 1)[-1], data)
