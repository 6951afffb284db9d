"""Deribit's HTTP routes: `GET|POST /api/v2/{scope}/{method}` (params in the query string and/or a JSON-RPC body) and
`POST /api/v2` (the method in the body, a leading `/` accepted). Each request: read the envelope, find the method,
authenticate a private one, run it, answer with the envelope. 200 on success; errors 400, 401 for the auth family,
413 for an oversize body."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from mockexchange.auth.deribit.authentication import Authenticated
from mockexchange.venues.deribit import journaling, rate_limits, signalplus, websocket
from mockexchange.venues.deribit.context import DeribitContext, http_caller
from mockexchange.venues.deribit.envelope import (
    RpcRequest,
    epoch_us,
    failed_request_id,
    load_json,
    read_limited_body,
    read_request,
    reply,
)
from mockexchange.venues.deribit.errors import BAD_REQUEST, ERROR, METHOD_NOT_FOUND, RpcError
from mockexchange.venues.deribit.methods import WS_ONLY, RpcCall, answer
from mockexchange.venues.deribit.params import Params
from mockexchange.venues.deribit.table import METHODS
from mockexchange.web.answers import DIAGNOSIS_HEADER, header_safe, json_response

log = logging.getLogger(__name__)


def _query_params(query: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name in params:
            raise RpcError(BAD_REQUEST, f"query parameter {name!r} is given more than once")
        params[name] = value
    return params


@dataclass(slots=True)
class _Learned:
    """What the journal learns while a request is answered, however far it got."""

    method: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    caller: Authenticated | None = None
    raw: bytes = b""  # the body, once read within the limit


async def _answer(
    ctx: DeribitContext, request: Request, path_method: str | None, seen: _Learned
) -> tuple[Any, RpcRequest]:
    seen.method = path_method
    raw = seen.raw = await read_limited_body(request, ctx.max_body_bytes)
    rpc = read_request(load_json(raw)) if raw.strip() else RpcRequest(None)
    name = path_method or rpc.method
    seen.method, seen.params = name, rpc.params
    if name is None:
        raise RpcError(BAD_REQUEST, "no method: POST /api/v2 needs a body with method, e.g. private/get_positions")
    query = request.scope.get("query_string", b"").decode("latin-1")
    query_params = _query_params(query)
    params = Params({**query_params, **rpc.params}, from_query=bool(query_params))
    seen.params = dict(params.values)
    table = METHODS if ctx.methods is None else ctx.methods
    if name in WS_ONLY:
        raise RpcError(METHOD_NOT_FOUND, f"{name} is served on the websocket ({ctx.api_prefix} is HTTP)")
    method = table.get(name)
    if method is None:
        raise RpcError(METHOD_NOT_FOUND, f"the mock serves no method {name!r}; {_served(name, table)}")
    call = RpcCall(ctx, params)
    if method.scope is not None:
        raw_path = (request.scope.get("raw_path") or request.scope["path"].encode()).decode("latin-1")
        call.caller = http_caller(
            ctx,
            request.headers,
            request.method,
            raw_path.split("?", 1)[0],
            query,
            raw.decode("utf-8", "replace"),
            params.get("access_token"),
        )
    seen.caller = call.caller
    client = request.client.host if request.client is not None else None
    rate_limits.charge(ctx.rate_limits, name, rate_limits.subject_of(call.caller, client))
    return await answer(method, call), rpc


def _endpoint(ctx: DeribitContext, with_method: bool) -> Any:
    async def handle(request: Request) -> Response:
        us_in = epoch_us(ctx.wall_clock)
        request_id = None
        path_method = None
        if with_method:
            path_method = f"{request.path_params['scope']}/{request.path_params['method']}"
        seen = _Learned()
        try:
            result, rpc = await _answer(ctx, request, path_method, seen)
            request_id = rpc.id
            body = reply(request_id, us_in=us_in, us_out=epoch_us(ctx.wall_clock), testnet=ctx.testnet, result=result)
            _note(ctx, request, seen, None)
            return json_response(body)
        except RpcError as error:
            _note(ctx, request, seen, error)
            return _error(ctx, error, us_in, error.http_status, failed_request_id(seen.raw))
        except ClientDisconnect:
            raise  # the client hung up mid-body: no bug of ours; the app's handler records it (web.BodyCut)
        except Exception as exc:  # a bug of ours: Deribit's shape, and what broke
            log.exception("unhandled error in %s", request.url.path)
            failure = RpcError(ERROR, f"internal error in the mock: {type(exc).__name__}: {exc}")
            _note(ctx, request, seen, failure)
            return _error(ctx, failure, us_in, 500, failed_request_id(seen.raw))

    return handle


def _note(ctx: DeribitContext, request: Request, seen: _Learned, error: RpcError | None) -> None:
    key_id = journaling.client_id(request.headers, seen.params, seen.caller, ctx.auth.registry.get)
    journaling.note(request.scope, seen.method, key_id, error)


def _error(ctx: DeribitContext, error: RpcError, us_in: int, status: int, request_id: Any) -> Response:
    body = reply(request_id, us_in=us_in, us_out=epoch_us(ctx.wall_clock), testnet=ctx.testnet, error=error)
    return json_response(body, status, {DIAGNOSIS_HEADER: header_safe(error.diagnosis)})


def rpc_routes(ctx: DeribitContext) -> list[BaseRoute]:
    """JSON-RPC over HTTP and the websocket at the context's paths (Deribit's, or a dialect's)."""
    return [
        Route(ctx.api_prefix + "/{scope}/{method}", _endpoint(ctx, True), methods=["GET", "POST"]),
        Route(ctx.api_prefix, _endpoint(ctx, False), methods=["GET", "POST"]),
        Route(ctx.api_prefix + "/", _endpoint(ctx, False), methods=["GET", "POST"]),
        websocket.route(ctx),
    ]


def routes(ctx: DeribitContext) -> list[BaseRoute]:
    return [*rpc_routes(ctx), signalplus.route(ctx)]


def _served(name: str, table: Mapping[str, Any]) -> str:
    """The methods served of the scope `name` names (`public/`, `private/`; every one for another), so a diagnosis
    stays short as the table grows."""
    scope = name.split("/", 1)[0] + "/"
    alike = [method for method in table if method.startswith(scope)] or list(table)
    return f"of {scope} it serves {', '.join(alike)}" if len(alike) < len(table) else f"it serves {', '.join(alike)}"
