"""The JSON-RPC 2.0 envelope of Deribit API v2: reading a request (from a body, or a path and query string) and
writing a reply with Deribit's extra fields `usIn`, `usOut`, `usDiff` (microseconds, wall clock) and `testnet`.

Deribit accepts named params only (an object) and no batches; a body that is not JSON (or nested deeper than the mock
reads) is -32700, JSON that is not a request object (an array, `params` not an object, `method` not a string,
`jsonrpc` other than "2.0") is 11050 `bad_request` (the mock's reading of "request has not been parsed properly"). An
HTTP body is read within the venue's limit (-32600 as soon as it passes it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson
from starlette.requests import Request

from mockexchange.core.bounded_json import MAX_JSON_DEPTH, JsonTooDeep, parse_json
from mockexchange.core.clock import Clock, unix_us
from mockexchange.venues.deribit.errors import BAD_REQUEST, PARSE_ERROR, TOO_LARGE, RpcError
from mockexchange.web.request_body import BodyTooLarge, read_body

JsonId = int | str | None


def epoch_us(clock: Clock) -> int:
    """Microseconds since the epoch, without a float in between."""
    return unix_us(clock.now())


@dataclass(slots=True)
class RpcRequest:
    method: str | None  # "private/get_positions": no leading slash
    params: dict[str, Any] = field(default_factory=dict)
    id: JsonId = None
    has_id: bool = False


async def read_limited_body(request: Request, limit: int) -> bytes:
    """The body of an HTTP request, refused with -32600 as soon as it passes `limit` bytes (before a byte is read
    when its Content-Length says so): an oversize body is never held whole."""
    try:
        return await read_body(request, limit)
    except BodyTooLarge as exc:
        raise RpcError(TOO_LARGE, f"{exc}; Deribit takes at most {limit}") from None


def load_json(raw: bytes | str) -> Any:
    try:
        return parse_json(raw)
    except JsonTooDeep:
        depth = f"the JSON is nested deeper than {MAX_JSON_DEPTH} levels; the mock reads no deeper"
        raise RpcError(PARSE_ERROR, depth) from None
    except orjson.JSONDecodeError as exc:
        raise RpcError(PARSE_ERROR, f"the body is not JSON: {exc}") from None


def failed_request_id(raw: bytes) -> int | str | None:
    """The id of a request that failed, when its body (read within the limit) says one (echoed even on errors, as
    JSON-RPC asks)."""
    if not raw.strip():
        return None
    try:
        document = load_json(raw)
    except RpcError:
        return None
    found = document.get("id") if isinstance(document, dict) else None
    return found if isinstance(found, int | str) and not isinstance(found, bool) else None


def read_request(document: Any) -> RpcRequest:
    """A parsed JSON document as one request."""
    if isinstance(document, list):
        raise RpcError(BAD_REQUEST, "batch requests (a JSON array) are not supported; send one object")
    if not isinstance(document, dict):
        raise RpcError(BAD_REQUEST, "a request is a JSON object {jsonrpc, id, method, params}")
    jsonrpc = document.get("jsonrpc", "2.0")
    if jsonrpc != "2.0":
        raise RpcError(BAD_REQUEST, f'jsonrpc must be "2.0", not {jsonrpc!r}')
    request_id = document.get("id")
    if request_id is not None and (isinstance(request_id, bool) or not isinstance(request_id, int | str)):
        raise RpcError(BAD_REQUEST, "id must be an integer or a string")
    method = document.get("method")
    if method is not None and not isinstance(method, str):
        raise RpcError(BAD_REQUEST, "method must be a string such as private/get_positions")
    params = document.get("params", {})
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise RpcError(BAD_REQUEST, "params must be an object: Deribit takes named params only")
    return RpcRequest(normalize_method(method), params, request_id, "id" in document)


def normalize_method(method: str | None) -> str | None:
    # Some clients send "/private/get_positions" in POST /api/v2 bodies.
    return method.lstrip("/") if method is not None else None


def reply(
    request_id: JsonId,
    *,
    us_in: int,
    us_out: int,
    testnet: bool,
    result: Any = None,
    error: RpcError | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {"jsonrpc": "2.0"}
    if request_id is not None:
        body["id"] = request_id
    if error is not None:
        body["error"] = error.body()
    else:
        body["result"] = result
    body["usIn"] = us_in
    body["usOut"] = us_out
    body["usDiff"] = us_out - us_in
    body["testnet"] = testnet
    return body


def notification(method: str, params: dict[str, Any]) -> dict[str, Any]:
    """A server-sent message: no id (`subscription`, `heartbeat`)."""
    return {"jsonrpc": "2.0", "method": method, "params": params}
