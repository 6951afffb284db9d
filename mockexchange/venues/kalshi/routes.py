"""Kalshi's routes: REST under /trade-api/v2 (each route: authenticate, run one operation, render JSON), and the
websocket at /trade-api/ws/v2 (`websocket.py`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anyio.to_thread
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from mockexchange.auth.kalshi.keys import ApiKey
from mockexchange.venues.kalshi import (
    account_routes,
    balance,
    fcm,
    fcm_routes,
    historical,
    history,
    instance_transfers,
    positions,
    rate_limits,
    subaccounts,
    websocket,
)
from mockexchange.venues.kalshi.bodies import MAX_BODY, bad_request
from mockexchange.venues.kalshi.context import KalshiContext
from mockexchange.venues.kalshi.handling import handled, handled_public
from mockexchange.venues.kalshi.params import first_values
from mockexchange.web import BodyTooLarge, json_response, read_body

API_PREFIX = "/trade-api/v2"

# An operation answers a JSON-ready value: a dict, or a whole page already rendered (an `orjson.Fragment`).
Operation = Callable[[KalshiContext, ApiKey, Any], Any]
# A write takes the request's body (bytes) instead of its query and answers (status, JSON-ready value); it runs in a
# worker thread, as it may wait on the state file. Writes answer from the ledger in generated mode too.
Write = Callable[[KalshiContext, ApiKey, bytes], tuple[int, Any]]


async def _write(ctx: KalshiContext, request: Request, key: ApiKey, operation: Write) -> Response:
    try:
        raw = await read_body(request, MAX_BODY)
    except BodyTooLarge as exc:
        raise bad_request("http: request body too large", str(exc)) from None
    status, body = await anyio.to_thread.run_sync(operation, ctx, key, raw)
    return json_response(body, status)


def _endpoint(
    ctx: KalshiContext, operation: Operation, operation_id: str, write: bool = False
) -> Callable[[Request], Any]:
    async def answer(request: Request, key: ApiKey) -> Response:
        rate_limits.charge(ctx, key.user_id, operation_id)  # after auth: refused ones cost nothing
        if operation_id in fcm_routes.MEMBER_OPERATIONS:
            fcm.require_member(ctx, key)
        if write:
            return await _write(ctx, request, key, operation)
        if request.path_params:  # a record named in the path: its operation reads the path, not the query
            return json_response(operation(ctx, key, request.path_params))
        seed = ctx.generated.seed_for(request.headers) if ctx.generated is not None else None
        if ctx.generated is None or seed is None or request.method != "GET":  # a write always changes the ledger
            query = first_values(request.scope["query_string"])  # a plain string without Starlette's parser
            answered = operation(ctx, key, request.query_params if query is None else query)
            return answered if isinstance(answered, Response) else json_response(answered)  # (a 201 is a Response)
        # Generated mode: the request is checked as in ledger mode (parameters, scope, permissions) and only
        # the body is generated; the generator reads its own cursors, the ledger would refuse them.
        operation(ctx, key, QueryParams([(k, v) for k, v in request.query_params.multi_items() if k != "cursor"]))
        return ctx.generated.respond(operation_id, seed, request.query_params)

    return handled(ctx, answer)


def _by_method(handlers: dict[str, Callable[[Request], Any]]) -> Callable[[Request], Any]:
    if len(handlers) == 1:
        return next(iter(handlers.values()))

    async def handle(request: Request) -> Response:
        return await handlers["GET" if request.method == "HEAD" else request.method](request)

    return handle


def _cutoff(ctx: KalshiContext) -> Callable[[Request], Any]:
    """GET /historical/cutoff: the spec asks no signature of it (and documents no 401)."""

    async def answer(request: Request) -> Response:
        return json_response(historical.get_historical_cutoff(ctx, None, request.query_params))  # type: ignore[arg-type]

    return handled_public(answer)


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
        **subaccounts.READS,
        **instance_transfers.READS,
        "/historical/positions": (historical.get_historical_positions, "GetHistoricalPositions"),
        "/historical/fills": (historical.get_fills_historical, "GetFillsHistorical"),
        "/historical/orders": (historical.get_historical_orders, "GetHistoricalOrders"),
    }  # fmt: skip
    handlers: dict[str, dict[str, Callable[[Request], Any]]] = {}
    for path, (op, operation_id) in table.items():
        handlers.setdefault(path, {})["GET"] = _endpoint(ctx, op, operation_id)
    for (path, method), (op, operation_id) in {**subaccounts.WRITES, **instance_transfers.WRITES}.items():
        handlers.setdefault(path, {})[method] = _endpoint(ctx, op, operation_id, write=True)
    # One route a path, so that a 405 lists every method the path takes (its `Allow` header).
    rest = [Route(API_PREFIX + path, _by_method(by), methods=list(by)) for path, by in handlers.items()]
    rest.append(Route(API_PREFIX + "/historical/cutoff", _cutoff(ctx), methods=["GET"]))  # public, as in the spec
    rest += account_routes.routes(ctx, API_PREFIX)  # AccountApi and ApiKeysApi: several methods a path
    rest += fcm_routes.routes(ctx, _endpoint, API_PREFIX)  # an FCM member's desk
    return [*rest, websocket.route(ctx)]
