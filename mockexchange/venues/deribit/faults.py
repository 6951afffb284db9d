"""Deribit's answer to a fault rule's HTTP status (docs/misbehaving.md): the JSON-RPC error whose code says what the
status says, in Deribit's envelope (`usIn`, `usOut`, `testnet`, the request's id echoed when its body names one) with
that HTTP status; over the websocket, the call's reply; at the SignalPlus gateway, in the gateway's shape.

| HTTP status | Deribit error (legacy "RPC Error Codes" table) |
|---|---|
| 400, and any 4xx not below | 11050 `bad_request` |
| 401 | 13009 `unauthorized` |
| 403 | 13021 `forbidden` |
| 404 | 13020 `not_found` |
| 408, 504 | 13888 `timed_out` |
| 429 | 10028 `too_many_requests` |
| 500, and any 5xx not below | 10001 `error` |
| 502, 503 | 10040 `retry` ("retry later"; ccxt's ExchangeNotAvailable, a network error it may retry) |
"""

from __future__ import annotations

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import Receive, Scope

from mockexchange.journal.middleware import client_gone
from mockexchange.venues.deribit import signalplus
from mockexchange.venues.deribit.context import API_PREFIX, DeribitContext
from mockexchange.venues.deribit.envelope import epoch_us, failed_request_id, read_limited_body, reply
from mockexchange.venues.deribit.errors import (
    BAD_REQUEST,
    ERROR,
    FORBIDDEN,
    NOT_FOUND,
    RETRY,
    TIMED_OUT,
    TOO_MANY_REQUESTS,
    UNAUTHORIZED,
    RpcError,
)
from mockexchange.web.answers import DIAGNOSIS_HEADER, header_safe, json_response

_FOR_STATUS = {
    400: BAD_REQUEST,
    401: UNAUTHORIZED,
    403: FORBIDDEN,
    404: NOT_FOUND,
    408: TIMED_OUT,
    429: TOO_MANY_REQUESTS,
    500: ERROR,
    502: RETRY,
    503: RETRY,
    504: TIMED_OUT,
}


def status_error(status: int, diagnosis: str) -> RpcError:
    return RpcError(_FOR_STATUS.get(status, BAD_REQUEST if status < 500 else ERROR), diagnosis)


def call_path(method: str) -> str:
    """The path a fault rule names to reach a JSON-RPC call over the websocket: `/api/v2/private/get_positions`."""
    return f"{API_PREFIX}/{method}"


def operation(path: str) -> str | None:
    """The JSON-RPC method an HTTP path names (`/api/v2/public/test` -> `public/test`), for the journal; None for
    `POST /api/v2` (the method is in the body, which a faulted request never has read)."""
    method = path.removeprefix(API_PREFIX + "/") if path.startswith(API_PREFIX + "/") else ""
    return method if method.count("/") == 1 and all(method.split("/")) else None


async def http_answer(
    ctx: DeribitContext, scope: Scope, receive: Receive, status: int, diagnosis: str, *, gateway: bool
) -> Response:
    """The answer to an HTTP request (or a websocket upgrade) at `status`; `gateway`: the SignalPlus dialect's."""
    us_in = epoch_us(ctx.wall_clock)
    error = status_error(status, diagnosis)
    raw = b""
    if scope["type"] == "http":
        try:  # the body, within the venue's limit, only to echo the request's id
            raw = await read_limited_body(Request(scope, receive), ctx.max_body_bytes)
        except RpcError:
            raw = b""
        except ClientDisconnect as exc:  # the client hung up mid-body: recorded as such, as the app records it
            return await client_gone(Request(scope, receive), exc)
    if gateway:
        return signalplus.error_response(raw, error, status)
    body = reply(failed_request_id(raw), us_in=us_in, us_out=epoch_us(ctx.wall_clock), testnet=ctx.testnet, error=error)
    return json_response(body, status, {DIAGNOSIS_HEADER: header_safe(diagnosis)})
