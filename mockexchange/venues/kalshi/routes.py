"""Kalshi's routes: REST under /trade-api/v2 (each route: authenticate, run one operation, render JSON), and the
websocket at /trade-api/ws/v2 (`websocket.py`)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from mockexchange.auth.keys import ApiKey
from mockexchange.venues.kalshi import balance, history, positions, websocket
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
    table: dict[str, Operation] = {
        "/portfolio/positions": positions.get_positions,
        "/fcm/positions": positions.get_fcm_positions,
        "/portfolio/balance": balance.get_balance,
        "/portfolio/summary/total_resting_order_value": balance.get_resting_order_value,
        "/portfolio/fills": history.get_fills,
        "/portfolio/settlements": history.get_settlements,
        "/portfolio/deposits": history.get_deposits,
        "/portfolio/withdrawals": history.get_withdrawals,
    }
    rest = [Route(API_PREFIX + path, _endpoint(ctx, op), methods=["GET"]) for path, op in table.items()]
    return [*rest, websocket.route(ctx)]
