"""The routes of an FCM member's desk (fcm.py, fcm_lists.py; GET /fcm/positions is positions.py's): one route per
path, its methods dispatched to their operations, each through routes.py's endpoint (authentication, rate limits,
Kalshi's error bodies); an operation that takes a body has it read first, within its bound (bodies.py)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from mockexchange.venues.kalshi import fcm, fcm_lists
from mockexchange.venues.kalshi.context import KalshiContext
from mockexchange.venues.kalshi.errors import KalshiError
from mockexchange.venues.kalshi.fcm_bodies import read_json

Operation = Callable[..., Any]
Endpoint = Callable[[KalshiContext, Operation, str], Callable[[Request], Any]]

# path -> method -> (operation, operationId, whether it takes a JSON body)
TABLE: dict[str, dict[str, tuple[Operation, str, bool]]] = {
    "/fcm/fills": {"GET": (fcm_lists.get_fcm_fills, "GetFCMFills", False)},
    "/fcm/orders": {"GET": (fcm_lists.get_fcm_orders, "GetFCMOrders", False)},
    "/fcm/subtraders": {
        "GET": (fcm.list_subtraders, "ListFCMSubtraders", False),
        "POST": (fcm.create_subtrader, "CreateFCMSubtrader", True),
    },
    "/fcm/subtraders/event_contract_daily_cap": {
        "GET": (fcm.get_daily_cap, "GetFCMEventContractDailyCap", False),
        "PUT": (fcm.update_daily_cap, "UpdateFCMEventContractDailyCap", True),
        "DELETE": (fcm.delete_daily_cap, "DeleteFCMEventContractDailyCap", False),
    },
    "/fcm/subtraders/blocked_categories": {
        "GET": (fcm.get_blocked_categories, "GetFCMSubtraderBlockedCategories", False),
        "PUT": (fcm.update_blocked_categories, "UpdateFCMSubtraderBlockedCategories", True),
    },
    "/fcm/positions/transfers": {"POST": (fcm.create_position_transfer, "CreateFCMPositionTransfer", True)},
}

# What only an FCM member may call: the desk, its positions and the total resting order value (routes.py checks the
# access level first, fcm.require_member).
MEMBER_OPERATIONS = frozenset(
    {"GetFCMPositions", "GetPortfolioRestingOrderTotalValue"}
    | {operation_id for methods in TABLE.values() for _, operation_id, _ in methods.values()}
)


def _with_body(ctx: KalshiContext, endpoint: Endpoint, operation: Operation, operation_id: str) -> Callable[..., Any]:
    async def handle(request: Request) -> Response:
        try:
            raw = await read_json(request)
        except KalshiError as exc:
            return exc.response()
        return await endpoint(ctx, partial(operation, body=raw), operation_id)(request)

    return handle


def _dispatch(handlers: dict[str, Callable[[Request], Any]]) -> Callable[[Request], Any]:
    async def dispatch(request: Request) -> Response:
        return await handlers[request.method](request)

    return dispatch


def routes(ctx: KalshiContext, endpoint: Endpoint, prefix: str) -> list[BaseRoute]:
    found: list[BaseRoute] = []
    for path, methods in TABLE.items():
        handlers = {
            method: (_with_body(ctx, endpoint, op, op_id) if body else endpoint(ctx, op, op_id))
            for method, (op, op_id, body) in methods.items()
        }
        found.append(Route(prefix + path, _dispatch(handlers), methods=list(handlers)))
    return found
