"""Kalshi's routes: REST under /trade-api/v2 (each route: authenticate, run one operation, render JSON), and the
websocket at /trade-api/ws/v2 (`websocket.py`)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from mockexchange.auth.kalshi.keys import ApiKey
from mockexchange.venues.kalshi import balance, fcm_routes, history, positions, rate_limits, websocket
from mockexchange.venues.kalshi.context import KalshiContext, authenticated_key
from mockexchange.venues.kalshi.errors import KalshiError, internal_error
from mockexchange.venues.kalshi.params import first_values
from mockexchange.web import AUTH_DIAGNOSIS_HEADER, header_safe, json_response

API_PREFIX = "/trade-api/v2"
log = logging.getLogger(__name__)

# An operation answers a JSON-ready value: a dict, or a whole page already rendered (an `orjson.Fragment`).
Operation = Callable[[KalshiContext, ApiKey, Any], Any]


def _endpoint(ctx: KalshiContext, operation: Operation, operation_id: str) -> Callable[[Request], Any]:
    async def answer(request: Request, key: ApiKey) -> Response:
        rate_limits.charge(ctx.rate_limits, key.user_id, operation_id)  # after auth: refused ones cost nothing
        seed = ctx.generated.seed_for(request.headers) if ctx.generated is not None else None
        if ctx.generated is None or seed is None or request.method != "GET":  # a write always changes the ledger
            query = first_values(request.scope["query_string"])  # a plain string without Starlette's parser
            answered = operation(ctx, key, request.query_params if query is None else query)
            return answered if isinstance(answered, Response) else json_response(answered)  # (a 201 is a Response)
        # Generated mode: the request is checked as in ledger mode (parameters, scope, permissions) and only
        # the body is generated; the generator reads its own cursors, the ledger would refuse them.
        operation(ctx, key, QueryParams([(k, v) for k, v in request.query_params.multi_items() if k != "cursor"]))
        return ctx.generated.respond(operation_id, seed, request.query_params)

    async def handle(request: Request) -> Response:
        note = None
        try:
            signed = await authenticated_key(request, ctx)
            note = signed.note
            response = await answer(request, signed.key)
        except KalshiError as exc:
            response = exc.response()
        except Exception as exc:  # a bug of ours: answer in Kalshi's 500 shape and say what broke
            log.exception("unhandled error in %s", request.url.path)
            response = internal_error(f"{type(exc).__name__}: {exc}").response()
        if note is not None:  # accepted, though not as Kalshi documents (an RSA-PSS salt length other than 32)
            response.headers[AUTH_DIAGNOSIS_HEADER] = header_safe(note)
        return response

    return handle


def routes(ctx: KalshiContext) -> list[BaseRoute]:
    table: dict[str, tuple[Operation, str]] = {
        "/portfolio/positions": (positions.get_positions, "GetPositions"),
        "/fcm/positions": (positions.get_fcm_positions, "GetFCMPositions"),
        "/portfolio/balance": (balance.get_balance, "GetBalance"),
        "/portfolio/summary/total_resting_order_value": (
            balance.get_resting_order_value, "GetPortfolioRestingOrderTotalValue"
        ),
        "/portfolio/fills": (history.get_fills, "GetFills"),
        "/portfolio/settlements": (history.get_settlements, "GetSettlements"),
        "/portfolio/deposits": (history.get_deposits, "GetDeposits"),
        "/portfolio/withdrawals": (history.get_withdrawals, "GetWithdrawals"),
    }  # fmt: skip
    rest = [
        Route(API_PREFIX + path, _endpoint(ctx, op, operation_id), methods=["GET"])
        for path, (op, operation_id) in table.items()
    ]
    rest += fcm_routes.routes(ctx, _endpoint, API_PREFIX)  # an FCM member's desk
    return [*rest, websocket.route(ctx)]
