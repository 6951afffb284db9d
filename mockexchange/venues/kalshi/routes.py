"""Kalshi's REST routes, mounted under /trade-api/v2. Each route: authenticate, run one operation, render JSON."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from mockexchange.auth.keys import ApiKey
from mockexchange.venues.kalshi import positions
from mockexchange.venues.kalshi.context import KalshiContext, authenticated_key
from mockexchange.venues.kalshi.errors import KalshiError, internal_error
from mockexchange.web import json_response

API_PREFIX = "/trade-api/v2"
log = logging.getLogger(__name__)

Operation = Callable[[KalshiContext, ApiKey, Any], dict[str, Any]]


def _endpoint(ctx: KalshiContext, operation: Operation) -> Callable[[Request], Any]:
    async def handle(request: Request) -> Response:
        try:
            key = authenticated_key(request, ctx)
            return json_response(operation(ctx, key, request.query_params))
        except KalshiError as exc:
            return exc.response()
        except Exception as exc:  # a bug of ours: answer in Kalshi's 500 shape and say what broke
            log.exception("unhandled error in %s", request.url.path)
            return internal_error(f"{type(exc).__name__}: {exc}").response()

    return handle


def routes(ctx: KalshiContext) -> list[BaseRoute]:
    return [
        Route(f"{API_PREFIX}/portfolio/positions", _endpoint(ctx, positions.get_positions), methods=["GET"]),
        Route(f"{API_PREFIX}/fcm/positions", _endpoint(ctx, positions.get_fcm_positions), methods=["GET"]),
    ]
