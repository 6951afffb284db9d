"""The control plane over HTTP: `POST /_admin/<operation>` with a JSON object, answered with JSON.

Each route is one `Control` method; the body's fields are its arguments. Errors are `{"error": "..."}` with 400
(bad input), 404 (unknown user or market), 409 (conflict) or 403 (admin asked from outside loopback).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from mockexchange.control import Control, ControlError
from mockexchange.web import json_response

ADMIN_PREFIX = "/_admin"
_LOOPBACK = ("127.", "::1", "localhost")
MAX_BODY = 1 << 20


def _error(message: str, status: int) -> Response:
    return json_response({"error": message}, status)


def _operation(method: Callable[..., dict[str, Any]], open_to_all: bool) -> Callable[[Request], Any]:
    signature = inspect.signature(method)
    accepted = set(signature.parameters)
    required = {n for n, p in signature.parameters.items() if p.default is inspect.Parameter.empty}

    async def handle(request: Request) -> Response:
        client = request.client.host if request.client else ""
        if not open_to_all and not client.startswith(_LOOPBACK):
            return _error("the admin API answers loopback clients only (serve with --admin-open to change that)", 403)
        raw = await request.body()
        if len(raw) > MAX_BODY:
            return _error("body too large", 413)
        try:
            body = orjson.loads(raw) if raw.strip() else {}
        except orjson.JSONDecodeError as exc:
            return _error(f"body is not JSON: {exc}", 400)
        if not isinstance(body, dict):
            return _error("body must be a JSON object", 400)
        unknown = sorted(set(body) - accepted)
        missing = sorted(required - set(body))
        if unknown or missing:
            parts = [f"unknown field(s): {', '.join(unknown)}"] if unknown else []
            parts += [f"missing field(s): {', '.join(missing)}"] if missing else []
            return _error("; ".join(parts) + f"; accepted: {', '.join(signature.parameters)}", 400)
        try:
            return json_response(method(**body))
        except ControlError as exc:
            return _error(str(exc), exc.status)

    return handle


def routes(control: Control, *, open_to_all: bool = False) -> list[BaseRoute]:
    table = {
        "reset": control.reset,
        "accounts": control.create_account,
        "keys": control.create_key,
        "markets": control.create_market,
        "fills": control.fill,
        "settlements": control.settle,
        "orders": control.create_order,
        "orders/cancel": control.cancel_order,
        "deposits": control.deposit,
        "withdrawals": control.withdrawal,
    }
    return [
        Route(f"{ADMIN_PREFIX}/{name}", _operation(method, open_to_all), methods=["POST"])
        for name, method in table.items()
    ]
