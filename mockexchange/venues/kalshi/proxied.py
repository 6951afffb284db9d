"""Kalshi through the proxy (what its registration's `Proxied` names): its clients' paths (`/trade-api/...`), the key a
request names (`KALSHI-ACCESS-KEY`), each exchange judged against Kalshi's whole published OpenAPI 3.34.0 and AsyncAPI
documents (package data, `schema/published/kalshi/`; the checks are the kit's and the journal's own:
`schema/requests.py` for a query and a command, `schema/fields.py` for a body, `schema/frames.py` for a frame), and
Kalshi's error bodies for what the proxy or a replay answers itself, and what a replay's match leaves out."""

from __future__ import annotations

from typing import Any

from mockexchange.journal.refusal import DIAGNOSIS_FIELD
from mockexchange.schema.fields import REQUEST, documents, field_path, request_errors, response_errors
from mockexchange.schema.frames import NO_MESSAGE, validate_ws_frame
from mockexchange.schema.requests import problem, published_command_rules, published_rest_rules
from mockexchange.schema.specs import load_published_kalshi
from mockexchange.venues.kalshi import errors
from mockexchange.venues.kalshi.bodies import bad_request
from mockexchange.venues.kalshi.journaling import KEY_HEADER
from mockexchange.venues.proxied import NOT_JSON, Exchange, ProxyVerdict
from mockexchange.web.request_body import raw_header

KALSHI_SPEC = "Kalshi's OpenAPI 3.34.0"
# Made by the client afresh each run: never part of a replay's match (its key's header is left out with every header).
IGNORED = frozenset({"client_order_id", "client_transfer_id"})
_UNKNOWN_OPERATION = ("operation.unknown", "operation.method")


def exchange(seen: Exchange) -> ProxyVerdict:
    """A Kalshi REST request and its answer."""
    method, status, answered = seen.method, seen.status, seen.answered
    rules = published_rest_rules()
    operation_id, problems = rules.check(method, seen.path, seen.query)
    if operation_id is None:
        unknown = [p["detail"] for p in problems if p["rule"] in _UNKNOWN_OPERATION]
        return ProxyVerdict(
            None, [p for p in problems if p["rule"] not in _UNKNOWN_OPERATION], [f"{KALSHI_SPEC}: {u}" for u in unknown]
        )
    operation = rules.operation(method, seen.path)
    assert operation is not None
    document = load_published_kalshi("openapi.yaml")
    verdict = ProxyVerdict(operation_id, problems)
    if documents(document, operation.path, method, REQUEST) and seen.sent is not None:
        if seen.sent is NOT_JSON:
            verdict.problems.append(problem("request.json", f"{operation_id} takes a JSON body; this one is not JSON"))
        else:
            verdict.add("request.schema", request_errors(document, operation.path, method, seen.sent))
    if status is None or answered is None:
        return verdict
    if not documents(document, operation.path, method, status):
        verdict.unjudged.append(f"reply {status}: {operation_id} documents no JSON body for it")
    elif answered is NOT_JSON:
        verdict.problems.append(problem("reply.json", f"{operation_id} answers {status} with JSON; this is not"))
    else:
        verdict.add("reply.schema", response_errors(document, operation.path, method, status, answered))
    return verdict


def client_frame(text: str) -> ProxyVerdict:
    name, problems = published_command_rules().check(text)
    if name is None and problems and problems[0]["rule"] == "command.unknown":
        return ProxyVerdict(None, [], [f"Kalshi's AsyncAPI: {problems[0]['detail']}"])
    return ProxyVerdict(name, problems)


def upstream_frame(frame: Any) -> ProxyVerdict:
    """A frame Kalshi sent (parsed; `NOT_JSON` when it is not)."""
    if frame is NOT_JSON:
        return ProxyVerdict(None, [problem("frame.json", "Kalshi's frames are JSON; this one is not")])
    kind = frame.get("type") if isinstance(frame, dict) else None
    lines = validate_ws_frame(frame, published=True)
    if lines and lines[0].startswith(NO_MESSAGE):
        return ProxyVerdict(None, [], [f"Kalshi's AsyncAPI: {lines[0]}"])
    verdict = ProxyVerdict(kind if isinstance(kind, str) else None)
    for line in lines:  # `message: msg/market_positions/0/position_fp: problem`
        _, _, rest = line.partition(": ")
        where, _, _ = rest.partition(": ")
        parts = [int(part) if part.isdigit() else part for part in where.split("/")]
        field_name = field_path(parts) if where != "(frame)" else where
        verdict.problems.append({"rule": "frame.schema", "field": field_name, "detail": line})
    return verdict


def serves(path: str) -> bool:
    return path.startswith("/trade-api/")


def key_id(headers: list[tuple[bytes, bytes]], seen: Exchange | None) -> str | None:
    return raw_header(headers, KEY_HEADER)


def frame(direction: str, value: Any, text: str) -> ProxyVerdict:
    """A frame either way (Kalshi's websocket keeps no state a frame's judging needs)."""
    return client_frame(text) if direction == "client" else upstream_frame(value)


def refuse(status: int, why: str, request_id: Any, now_us: int, testnet: bool) -> tuple[int, dict[str, Any]]:
    """Kalshi's answer to what the proxy or a replay refuses itself: a body over the bound as Kalshi refuses one (400
    `http: request body too large`), a target not forwarded as `bad_request` (400), a request not on a tape as
    `not_found` (404), an upstream that failed as `bad_gateway` (502), each but the first two saying why."""
    if status in (400, 413):
        refused = bad_request("http: request body too large" if status == 413 else why)
        return refused.status, refused.body
    if status == 404:
        return status, errors.not_found().body
    return status, {"error": {"code": "bad_gateway", "message": "bad gateway", "details": why}}


def refuse_frame(request_id: Any, why: str, now_us: int, testnet: bool) -> dict[str, Any]:
    """Kalshi's error frame for a command the replay's tape has not, saying why."""
    message = {"code": 1, "msg": "Unable to process message", DIAGNOSIS_FIELD: why}
    return {"id": request_id, "type": "error", "msg": message}
