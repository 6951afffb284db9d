"""The perps venue's routes: REST under /trade-api/v2/margin, one Starlette route a path, built from the table. A
signed request is authenticated as Kalshi's are (Kalshi's venue's handling: the same keys, window and error bodies);
each operation runs under the exchange's lock (the margined cash's), a write in a worker thread when a state file
is kept (its commit may wait)."""

from __future__ import annotations

import functools
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from mockexchange.auth.kalshi.keys import ApiKey
from mockexchange.venues import admission
from mockexchange.venues.kalshi import bodies
from mockexchange.venues.kalshi.handling import handled, handled_public
from mockexchange.venues.kalshi.params import Query
from mockexchange.venues.kalshi.routes import API_PREFIX, Endpoint
from mockexchange.venues.kalshi.routes import _by_method as by_method
from mockexchange.venues.perps import rate_limits
from mockexchange.venues.perps.context import PerpsContext
from mockexchange.venues.perps.table import OPERATIONS, PerpOperation
from mockexchange.web.answers import json_response
from mockexchange.web.routing import context_of


def _response(operation: PerpOperation, answered: Any) -> Response:
    if answered is None:
        return Response(status_code=operation.status)
    return json_response(answered, operation.status)


def _endpoint(operation: PerpOperation) -> Endpoint:
    """The operation's endpoint, for every mock of the process: it runs on the context of the request's mock."""
    answer, body = operation.answer, operation.body

    async def answered(request: Request, key: ApiKey | None, _kalshi: object = None) -> Response:
        ctx = context_of(request, PerpsContext)
        query = Query(request.query_params, request.path_params)
        cost = operation.cost(query)
        if key is None:
            rate_limits.charge_public(ctx, request.headers, request.client, cost)
        else:
            rate_limits.charge(ctx, key.user_id, operation.write, cost)
        if body is None:
            call = lambda: answer(ctx, key, query)  # noqa: E731
        else:
            decoded = bodies.decode(body, await bodies.read(request, body))
            call = lambda: answer(ctx, key, query, decoded)  # noqa: E731
        run = admission.in_worker if operation.write and ctx.kalshi.writes_in_worker else admission.inline
        return _response(operation, await run(ctx.exchange.lock, admission.everything, call))

    if not operation.signed:
        return handled_public(lambda request: answered(request, None))
    return handled(answered)  # (the Kalshi context it signs with is the perps context's own)


@functools.cache  # every mock serves the same: made once a process, each request runs on its own mock
def routes() -> tuple[BaseRoute, ...]:
    by_path: dict[str, dict[str, Endpoint]] = {}
    for operation in OPERATIONS:
        by_path.setdefault(operation.path, {})[operation.method] = _endpoint(operation)
    # (a named segment before the parameter that would take it: /margin/markets/orderbooks before {ticker})
    return tuple(
        Route(API_PREFIX + path, by_method(handlers), methods=list(handlers)) for path, handlers in by_path.items()
    )
