"""Kalshi servers broken in their order writes, for proving the kit's order checks can fail: the mock, with defects
wired in front of its order routes (one, or several on different routes, for one run to find each). The mock
answers first (a request it refuses the key of keeps its 401), then the defect replaces its answer:

- `create_shape`: a create the mock placed is answered with `fill_count` a JSON number (the schema says a string).
- `create_500`: every create is answered 500.
- `takes_bad_price`: a create whose `price` is not a string of whole cents between 0 and 1 (a JSON number, a third
  place, 0, 1, text) is answered 201, as if placed, whatever the mock answered.
- `cancel_not_found`: every cancel of one order is answered 404 `not_found` without reaching the mock: the order
  still rests.
- `trigger_not_found`: every trigger of an order group is answered 404 `not_found` without reaching the mock: the
  group is still there.
"""

from __future__ import annotations

import re
from typing import Any

import orjson
from broken_server import capture, send_bytes, send_json
from broken_writes import _json, _read, _replay

from mockexchange.schema.write_rules import WHOLE_CENTS

CREATE = "/portfolio/events/orders"
DEFECTS = ("create_shape", "create_500", "takes_bad_price", "cancel_not_found", "trigger_not_found")
NOT_FOUND = {"cancel": "cancel_not_found", "trigger": "trigger_not_found"}  # the route each answers 404
PLACED = {"order_id": "00000000-0000-4000-8000-000000000000", "fill_count": "0.00", "remaining_count": "1.00",
          "ts_ms": 0}  # fmt: skip


class BrokenOrders:
    """ASGI middleware that breaks the wrapped mock's order writes with some of `DEFECTS`."""

    def __init__(self, app: Any, *defects: str) -> None:
        assert defects and set(defects) <= set(DEFECTS), defects
        self.app = app
        self.defects = defects

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        route = _route(scope) if scope["type"] == "http" else None
        if route is None:
            await self.app(scope, receive, send)
            return
        if NOT_FOUND.get(route) in self.defects:
            await send_json(send, 404, {"error": {"code": "not_found", "message": "not found"}})
            return
        raw = await _read(receive)
        status, headers, body = await capture(self.app, scope, _replay(raw, receive))
        answers = (_answer(defect, route, status, body, raw) for defect in self.defects if status != 401)
        answer = next((found for found in answers if found is not None), None)
        if answer is not None:
            status, body = answer[0], orjson.dumps(answer[1])
        await send_bytes(send, status, headers, body)


def _route(scope: dict[str, Any]) -> str | None:
    """`create` or `cancel` (of one order), `trigger` (of a group), or None for any other request."""
    path, method = scope["path"], scope["method"]
    if method == "POST" and path.endswith(CREATE):
        return "create"
    if method == "PUT" and "/portfolio/order_groups/" in path and path.endswith("/trigger"):
        return "trigger"
    tail = path.rpartition(f"{CREATE}/")[2] if f"{CREATE}/" in path else ""
    if method == "DELETE" and tail and "/" not in tail and tail != "batched":
        return "cancel"
    return None


def _answer(defect: str, route: str, status: int, body: bytes, raw: bytes) -> tuple[int, dict[str, Any]] | None:
    """The broken answer, or None to keep the mock's."""
    if route == "create" and defect == "create_500":
        return 500, {"error": {"code": "internal_server_error", "message": "internal server error"}}
    if route == "create" and defect == "create_shape" and status == 201:
        placed = orjson.loads(body)
        return 201, {**placed, "fill_count": float(placed["fill_count"])}
    sent = _json(raw)
    if route == "create" and defect == "takes_bad_price" and isinstance(sent, dict) and not _whole_cents(sent):
        return 201, PLACED
    return None


def _whole_cents(body: dict[str, Any]) -> bool:
    price = body.get("price")
    return isinstance(price, str) and re.match(WHOLE_CENTS, price) is not None
