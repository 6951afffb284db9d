"""A Kalshi server broken in its multivariate reads, for proving the kit's checks of them can fail: the mock, with
its defects wired in front of the three reads.

- `GET /multivariate_event_collections`: each collection's `size_min` is a string, not an integer.
- `GET /multivariate_event_collections/{collection_ticker}`: each associated event lacks `is_yes_only` (required).
- `GET /events/multivariate`: the `cursor` is missing (required).
"""

from __future__ import annotations

from typing import Any

from broken_server import BreakingAnswers

COLLECTIONS = "/trade-api/v2/multivariate_event_collections"
EVENTS = "/trade-api/v2/events/multivariate"


class BrokenMultivariate(BreakingAnswers):
    """The wrapped mock's multivariate reads broken as listed above."""

    def covers(self, scope: dict[str, Any]) -> bool:
        return scope["method"] == "GET" and scope["path"].startswith((COLLECTIONS, EVENTS))

    def broken(self, path: str, data: Any) -> None:
        _broken(path, data)


def _broken(path: str, data: dict[str, Any]) -> None:
    if path == COLLECTIONS:
        for collection in data["multivariate_contracts"]:
            collection["size_min"] = str(collection["size_min"])
    elif path.startswith(COLLECTIONS):
        for event in data["multivariate_contract"]["associated_events"]:
            del event["is_yes_only"]
    else:
        del data["cursor"]
