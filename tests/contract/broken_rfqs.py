"""A Kalshi server broken in its communications writes, for proving the kit's checks of them can fail: the mock, with
defects in front of the writes schemathesis sends (its user agent's); the kit's own set-up (its RFQs, quotes and
proposal, made before any case is drawn) reaches the mock untouched.

- `quote_no_id`: a quote created is answered 201 without its `id` (a required field).
- `confirm_conflict`: every confirm of a quote is answered 409 `conflict` without reaching the mock: the quote is
  still accepted.
"""

from __future__ import annotations

from typing import Any

import orjson
from broken_server import capture, send_bytes, send_json

DEFECTS = ("quote_no_id", "confirm_conflict")


class BrokenRfqWrites:
    """ASGI middleware that breaks the wrapped mock's communications writes with some of `DEFECTS`."""

    def __init__(self, app: Any, *defects: str) -> None:
        assert defects and set(defects) <= set(DEFECTS), defects
        self.app, self.defects = app, defects

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        path, method = scope.get("path", ""), scope.get("method")
        drawn = scope["type"] == "http" and dict(scope["headers"]).get(b"user-agent", b"").startswith(b"schemathesis")
        if drawn and "confirm_conflict" in self.defects and method == "PUT" and path.endswith("/confirm"):
            await send_json(send, 409, {"error": {"code": "conflict", "message": "conflict", "service": "exchange"}})
            return
        quoting = method == "POST" and path.endswith("/communications/quotes")
        if not (drawn and "quote_no_id" in self.defects and quoting):
            await self.app(scope, receive, send)
            return
        status, headers, body = await capture(self.app, scope, receive)
        if status == 201:
            body = orjson.dumps({name: value for name, value in orjson.loads(body).items() if name != "id"})
        await send_bytes(send, status, headers, body)
