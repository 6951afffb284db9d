"""The SignalPlus gateway dialect of Deribit: `POST {prefix}` (default `/api`) with `{"rid", "method", "params"}`,
authenticated by `Authorization: Bearer <ApiKey>` and the `Signalplus-API-Signature|Nonce|Timestamp` headers.
Replies are `{"rid", "error": {"code", "message"}, "result"}`: code 0 and message "" on success (the gateway's "a
non-zero code means an error"), camelCase position fields with `side` for `direction` and `totalprofitLoss` spelt as
SignalPlus spells it, and numbers as strings as its example shows (`leverage` stays an integer). Params arrive in
camelCase (`subaccountId`). Inferred details are listed in docs/deribit.md.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import orjson
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from mockexchange.auth.deribit.errors import AuthFailure
from mockexchange.journal.refusal import DIAGNOSIS_FIELD
from mockexchange.venues.deribit import journaling, rate_limits
from mockexchange.venues.deribit.context import DeribitContext
from mockexchange.venues.deribit.envelope import load_json, read_limited_body
from mockexchange.venues.deribit.errors import BAD_REQUEST, ERROR, METHOD_NOT_FOUND, RpcError, from_auth
from mockexchange.venues.deribit.methods import RpcCall, answer
from mockexchange.venues.deribit.params import Params
from mockexchange.venues.deribit.table import METHODS
from mockexchange.web.answers import DIAGNOSIS_HEADER, header_safe, json_response

log = logging.getLogger(__name__)

# Deribit's field -> SignalPlus's (reference §1.2); fields not listed are camelCased.
_RENAMED = {"direction": "side", "total_profit_loss": "totalprofitLoss"}
_PARAMS = {"subaccountId": "subaccount_id", "instrumentName": "instrument_name"}
SERVED = ("private/get_positions", "private/get_position")


def camel(name: str) -> str:
    if name in _RENAMED:
        return _RENAMED[name]
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _param(name: str) -> str:
    """A param's Deribit name (SignalPlus's are camel case)."""
    return _PARAMS.get(name, name)


def position(row: dict[str, Any]) -> dict[str, Any]:
    """Deribit's rendering, renamed, every number a string written from its exact digits (`leverage` stays an int)."""
    exact = json.loads(orjson.dumps(row), parse_float=str, parse_int=str)  # the Decimals' digits, no float between
    return {camel(k): int(v) if k == "leverage" else v for k, v in exact.items()}


def _call(ctx: DeribitContext, request: Request, raw: bytes, seen: dict[str, Any]) -> tuple[Any, str, RpcCall]:
    """(rid, method, call) of a request, authenticated and charged."""
    document = load_json(raw) if raw.strip() else None
    if not isinstance(document, dict):
        raise RpcError(BAD_REQUEST, 'the body is {"rid": <long>, "method": "private/get_positions", "params": {...}}')
    rid = document.get("rid")
    method_name = document.get("method")
    params = document.get("params") or {}
    if not isinstance(method_name, str) or not isinstance(params, dict):
        raise RpcError(BAD_REQUEST, "method must be a string and params an object")
    method_name = method_name.lstrip("/")
    seen["method"] = method_name
    if method_name not in SERVED:
        raise RpcError(METHOD_NOT_FOUND, f"the mock's SignalPlus dialect serves {', '.join(SERVED)}")
    api_key = request.headers.get("authorization", "").partition(" ")[2].strip()
    seen["key_id"] = api_key if ctx.auth.registry.get(api_key) else None  # an ApiKey no key has may be a token
    caller = ctx.auth.authenticate_signalplus(request.headers)
    if isinstance(caller, AuthFailure):
        raise from_auth(caller)
    seen["key_id"] = caller.credential.client_id
    rate_limits.charge(ctx.rate_limits, method_name, rate_limits.subject_of(caller, None))
    translated = {_param(k): v for k, v in params.items()}
    return rid, method_name, RpcCall(ctx, Params(translated), caller)


def route(ctx: DeribitContext) -> Route:
    async def handle(request: Request) -> Response:
        raw = b""  # read within the limit
        rid = None
        seen: dict[str, Any] = {}  # what the journal learns: the method, the client id once authenticated
        try:
            raw = await read_limited_body(request, ctx.max_body_bytes)
            rid, method_name, call = _call(ctx, request, raw, seen)
            answered = await answer(METHODS[method_name], call)  # (the table's way: beside a long command)
            result = (
                [position(row) for row in answered] if method_name == "private/get_positions" else position(answered)
            )
            journaling.note(request.scope, seen.get("method"), seen.get("key_id"), None)
            return json_response({"rid": rid, "error": {"code": 0, "message": ""}, "result": result})
        except RpcError as error:
            journaling.note(request.scope, seen.get("method"), seen.get("key_id"), error)
            return error_response(raw, error, error.http_status)
        except ClientDisconnect:
            raise  # the client hung up mid-body: no bug of ours; the app's handler records it (web.BodyCut)
        except Exception as exc:  # a bug of ours
            log.exception("unhandled error in the SignalPlus dialect")
            journaling.note(request.scope, seen.get("method"), seen.get("key_id"), None)
            body = {"rid": _rid(raw), "error": {"code": ERROR[0], "message": f"{type(exc).__name__}: {exc}"}}
            return json_response(body, 500)

    return Route(ctx.signalplus_prefix, handle, methods=["POST"])


def error_response(raw: bytes, error: RpcError, status: int) -> Response:
    """The gateway's error reply to the request whose body was `raw` (its `rid` echoed when it can be read)."""
    body: dict[str, Any] = {"rid": _rid(raw), "error": {"code": error.code, "message": error.message}, "result": None}
    if error.data is not None:
        body["error"]["data"] = error.data
    body["error"][DIAGNOSIS_FIELD] = error.diagnosis
    return json_response(body, status, {DIAGNOSIS_HEADER: header_safe(error.diagnosis)})


def _rid(raw: bytes) -> Any:
    try:
        document = load_json(raw)
    except RpcError:
        return None
    return document.get("rid") if isinstance(document, dict) else None
