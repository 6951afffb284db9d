"""A Kalshi server broken in its multivariate reads, for proving the kit's checks of them can fail: the mock, with
its defects wired in front of the three reads.

- `GET /multivariate_event_collections`: each collection's `size_min` is a string, not an integer.
- `GET /multivariate_event_collections/{collection_ticker}`: each associated event lacks `is_yes_only` (required).
- `GET /events/multivariate`: the `cursor` is missing (required).
"""

from __future__ import annotations

from typing import Any

import orjson
from broken_server import capture, send_bytes

COLLECTIONS = "/trade-api/v2/multivariate_event_collections"
EVENTS = "/trade-api/v2/events/multivariate"


class BrokenMultivariate:
    """ASGI middleware that breaks the wrapped mock's multivariate reads as listed above."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or scope["method"] != "GET" or not path.startswith((COLLECTIONS, EVENTS)):
            await self.app(scope, receive, send)
            return
        status, headers, body = await capture(self.app, scope, receive)
        if status == 200:
            body = orjson.dumps(_broken(path, orjson.loads(body)))
        await send_bytes(send, status, headers, body)


def _broken(path: str, data: dict[str, Any]) -> dict[str, Any]:
    if path == COLLECTIONS:
        for collection in data["multivariate_contracts"]:
            collection["size_min"] = str(collection["size_min"])
    elif path.startswith(COLLECTIONS):
        for event in data["multivariate_contract"]["associated_events"]:
            del event["is_yes_only"]
    else:
        del data["cursor"]
    return data
