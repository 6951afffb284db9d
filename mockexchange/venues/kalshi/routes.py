"""Kalshi's routes: REST under /trade-api/v2, built from the one table of operations (table.py), and the websocket at
/trade-api/ws/v2 (websocket.py).

Every REST request takes one road: its signature checked (handling.py), the rate limit charged (after
authentication: a refused signature costs nothing), what the operation needs of the key checked (access.py), then
its body read and decoded (bodies.py) and the operation run on the event loop, but for a write that may take long,
which runs in a worker thread: one whose work grows with its input (a batch, cancelling every order) or that makes a
key pair (`Operation.worker`), every write when a state file is kept (its commit may wait on a snapshot), and an
order that finds it would sweep deep into the book (it runs long: core/stepping.py). Each waits, without holding the
loop, while a long command meets what it reads (`Operation.reach`: venues/admission.py). One
Starlette route a path, so a 405 lists every method the path takes (its `Allow` header); only the operations the
mock's wire profile serves are routed.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from mockexchange.auth.kalshi.keys import ApiKey
from mockexchange.core.stepping import Footprint
from mockexchange.venues import admission
from mockexchange.venues.kalshi import access, bodies, rate_limits, websocket
from mockexchange.venues.kalshi.context import KalshiContext
from mockexchange.venues.kalshi.errors import retired_order_write
from mockexchange.venues.kalshi.handling import handled, handled_public
from mockexchange.venues.kalshi.params import Parts, Query, first_values
from mockexchange.venues.kalshi.table import ACCOUNT, MARKET, OPERATIONS, Operation
from mockexchange.web.answers import json_response
from mockexchange.web.routing import context_of

API_PREFIX = "/trade-api/v2"
Endpoint = Callable[[Request], Awaitable[Response]]


def _query(request: Request) -> Any:
    query = first_values(request.scope["query_string"])  # a plain dict without Starlette's parser
    return request.query_params if query is None else query


def _response(operation: Operation, answered: Any) -> Response:
    if isinstance(answered, Response):
        return answered
    if answered is None:
        return Response(status_code=operation.status)
    return json_response(answered, operation.status)


def _footprint(operation: Operation, key: ApiKey | None, path: dict[str, Any]) -> Callable[[], Footprint]:
    """What the operation reads, for a long command running beside it (table.py's `reach`), worked out if asked."""
    if operation.reach == ACCOUNT and key is not None:
        return lambda: Footprint.of((key.user_id,) if key.subtrader_id is None else (key.user_id, key.subtrader_id))
    if operation.reach == MARKET:
        return lambda: Footprint.of(markets=(path["ticker"],))
    return admission.everything


def _with_body(ctx: KalshiContext, operation: Operation, key: ApiKey, raw: bytes, query: Query | None) -> Any:
    """The operation's answer to its decoded body (and, to one of `parts`, the path's names and the query too); a batch
    pays the rest of its items once they are known (routes charge one item before the body is read)."""
    assert operation.body is not None
    decoded = bodies.decode(operation.body, raw)
    items = decoded.get("orders", decoded.get("ids"))  # a legacy batch cancel names its orders' ids
    if isinstance(items, list) and len(items) > 1:
        rate_limits.charge_items(ctx, key.user_id, operation.operation_id, len(items) - 1)
    return operation.answer(ctx, key, Parts(decoded, query) if query is not None else decoded)


def _endpoint(operation: Operation) -> Endpoint:
    """The operation's endpoint, for every mock of the process: it runs on the context of the request's mock."""
    answer = operation.answer
    if operation.market_data:
        operation_id = operation.operation_id

        async def market_data(request: Request) -> Response:
            # Public: nothing is signed, but the read is charged (rate_limits.charge_public); the path's names and
            # the query are both the operation's (a market's ticker, and its `depth`).
            ctx = context_of(request, KalshiContext)
            rate_limits.charge_public(ctx, request.headers, request.scope.get("client"), operation_id)
            values = Query(request.query_params, request.path_params)
            footprint = _footprint(operation, None, request.path_params)
            lock = ctx.ledger.state.lock
            return _response(operation, await admission.inline(lock, footprint, lambda: answer(ctx, None, values)))

        return handled_public(market_data)
    if operation.public:

        async def public(request: Request) -> Response:
            ctx, query = context_of(request, KalshiContext), _query(request)
            lock = ctx.ledger.state.lock
            answered = await admission.inline(lock, admission.everything, lambda: answer(ctx, None, query))
            return _response(operation, answered)

        return handled_public(public)

    operation_id, body = operation.operation_id, operation.body

    async def signed(request: Request, key: ApiKey, ctx: KalshiContext) -> Response:
        rate_limits.charge(ctx, key.user_id, operation_id)  # after auth: refused ones cost nothing
        access.permit(ctx, operation, key)  # before the parameters and the body
        parts = Query(request.query_params, request.path_params) if operation.parts else None
        path = request.path_params  # a record named in the path: its operation reads that
        footprint = _footprint(operation, key, path)
        # A write's hop to a worker thread and back costs twice what a one-order match does: only a write that may
        # take long goes (its work grows with its input, or a state file's commit or snapshot may hold it).
        in_worker = operation.write and (operation.worker or ctx.writes_in_worker)
        run, lock = admission.in_worker if in_worker else admission.inline, ctx.ledger.state.lock
        if body is not None:
            raw = await bodies.read(request, body)
            return _response(operation, await run(lock, footprint, lambda: _with_body(ctx, operation, key, raw, parts)))
        values = Parts(None, parts) if parts is not None else path or _query(request)
        generated = ctx.generated if operation.generated else None
        seed = generated.seed_for(request.headers) if generated is not None and not path and not in_worker else None
        if seed is None or generated is None:
            return _response(operation, await run(lock, footprint, lambda: answer(ctx, key, values)))
        # Generated mode: the request is checked as in ledger mode (parameters, scope, permissions) and only the body
        # is generated; the generator reads its own cursors, the ledger would refuse them.
        asked = QueryParams([(k, v) for k, v in request.query_params.multi_items() if k != "cursor"])
        await run(lock, footprint, lambda: answer(ctx, key, asked))
        return generated.respond(operation_id, seed, request.query_params)

    return handled(signed)


def _by_method(handlers: dict[str, Endpoint]) -> Endpoint:
    if len(handlers) == 1:
        return next(iter(handlers.values()))

    async def handle(request: Request) -> Response:
        return await handlers["GET" if request.method == "HEAD" else request.method](request)

    return handle


def _shadows(template: str, path: str) -> bool:
    """Whether a route of `template` would take the requests of `path` (`/portfolio/orders/{order_id}` those of
    `/portfolio/orders/batched`): as many segments, each the same or a parameter."""
    ours, theirs = template.split("/"), path.split("/")
    return (
        template != path
        and len(ours) == len(theirs)
        and all(a == b or a.startswith("{") for a, b in zip(ours, theirs, strict=True))
    )


@functools.cache  # a profile's paths are the same for every server: ordered once a process
def _in_route_order(paths: tuple[str, ...]) -> tuple[str, ...]:
    """The table's order (Starlette tries routes in turn: the busiest, first in the table, is matched first), but a
    path a parameter's route would take goes just before that route, so a named segment (`batched`) is never read as
    an id whatever order the table lists them in."""
    ordered: list[str] = []
    for path in paths:
        at = next((i for i, earlier in enumerate(ordered) if _shadows(earlier, path)), len(ordered))
        ordered.insert(at, path)
    return tuple(ordered)


def routes(ctx: KalshiContext) -> list[BaseRoute]:
    """The REST routes of the mock's profile (the process's: `_table`) and its websocket's."""
    return [*_table(ctx.profile.name), websocket.route(ctx)]


def _retired(ctx: KalshiContext, key: Any, values: Any) -> Any:
    raise retired_order_write()


@functools.cache  # every mock of a profile serves the same: made once a process, each request runs on its own mock
def _table(profile: str) -> tuple[BaseRoute, ...]:
    by_path: dict[str, dict[str, Endpoint]] = {}
    for operation in OPERATIONS:
        if operation.served_in(profile):
            by_path.setdefault(operation.path, {})[operation.method] = _endpoint(operation)
        elif profile in operation.retired:  # its route kept, answering Kalshi's 410 once the key's checks pass
            retired = dataclasses.replace(operation, answer=_retired, body=None, parts=False, worker=False)
            by_path.setdefault(operation.path, {})[operation.method] = _endpoint(retired)
    return tuple(
        Route(API_PREFIX + path, _by_method(by_path[path]), methods=list(by_path[path]))
        for path in _in_route_order(tuple(by_path))
    )
