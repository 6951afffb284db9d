"""Each exchange the proxy passes on, judged against the venue's published schema: Kalshi's whole OpenAPI 3.34.0
and AsyncAPI documents (package data, `schema/published/kalshi/`), Deribit's committed JSON-RPC slice.

The checks are the kit's and the journal's own (`schema/requests.py` for a query and a command, `schema/fields.py` for
a body, `schema/frames.py` for a Kalshi frame, `schema/deribit/rpc.py` for Deribit); this module only says which
applies and words what they find as journal problems, each naming its field: `{"rule": "reply.schema", "field":
"market_positions[0].position_fp", "detail": ...}`. What no schema covers (an operation, a command, a frame type,
a method or channel the documents do not have, a status they give no body for) is not judged, and the verdict says
so: it never passes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from mockexchange.journal.entries import JournalNote
from mockexchange.schema.deribit import rpc as deribit_rpc
from mockexchange.schema.fields import REQUEST, documents, field_path, request_errors, response_errors
from mockexchange.schema.frames import NO_MESSAGE, validate_ws_frame
from mockexchange.schema.requests import Problem, problem, published_command_rules, published_rest_rules
from mockexchange.schema.specs import load_published_kalshi

KALSHI_SPEC = "Kalshi's OpenAPI 3.34.0"
DERIBIT_SPEC = "Deribit's JSON-RPC slice"
_UNKNOWN_OPERATION = ("operation.unknown", "operation.method")
NOT_JSON = object()  # a body that is there but no JSON (`Body.value` of text or bytes)


@dataclass(slots=True)
class ProxyVerdict:
    operation: str | None = None
    problems: list[Problem] = field(default_factory=list)
    unjudged: list[str] = field(default_factory=list)

    def add(self, rule: str, lines: Iterable[str]) -> None:
        """Problems from a checker's `field: message` lines."""
        for line in lines:
            where, _, _ = line.partition(": ")
            self.problems.append({"rule": rule, "field": where, "detail": line})

    def note(self, key_id: str | None) -> JournalNote:
        return JournalNote(self.operation, key_id, self.problems, not_judged="; ".join(self.unjudged) or None)


def kalshi_exchange(
    method: str, path: str, query: Sequence[tuple[str, str]], sent: Any, status: int | None, answered: Any
) -> ProxyVerdict:
    """A Kalshi REST request (its JSON body, `NOT_JSON`, or None when empty) and its answer (None: none came)."""
    rules = published_rest_rules()
    operation_id, problems = rules.check(method, path, query)
    if operation_id is None:
        unknown = [p["detail"] for p in problems if p["rule"] in _UNKNOWN_OPERATION]
        return ProxyVerdict(
            None, [p for p in problems if p["rule"] not in _UNKNOWN_OPERATION], [f"{KALSHI_SPEC}: {u}" for u in unknown]
        )
    operation = rules.operation(method, path)
    assert operation is not None
    document = load_published_kalshi("openapi.yaml")
    verdict = ProxyVerdict(operation_id, problems)
    if documents(document, operation.path, method, REQUEST) and sent is not None:
        if sent is NOT_JSON:
            verdict.problems.append(problem("request.json", f"{operation_id} takes a JSON body; this one is not JSON"))
        else:
            verdict.add("request.schema", request_errors(document, operation.path, method, sent))
    if status is None or answered is None:
        return verdict
    if not documents(document, operation.path, method, status):
        verdict.unjudged.append(f"reply {status}: {operation_id} documents no JSON body for it")
    elif answered is NOT_JSON:
        verdict.problems.append(problem("reply.json", f"{operation_id} answers {status} with JSON; this is not"))
    else:
        verdict.add("reply.schema", response_errors(document, operation.path, method, status, answered))
    return verdict


def kalshi_client_frame(text: str) -> ProxyVerdict:
    name, problems = published_command_rules().check(text)
    if name is None and problems and problems[0]["rule"] == "command.unknown":
        return ProxyVerdict(None, [], [f"Kalshi's AsyncAPI: {problems[0]['detail']}"])
    return ProxyVerdict(name, problems)


def kalshi_upstream_frame(frame: Any) -> ProxyVerdict:
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


def deribit_call(method: str | None, params: Any, reply: Any) -> ProxyVerdict:
    """A Deribit JSON-RPC call (over HTTP, or a request frame and its reply frame; `reply` None: not yet or none)."""
    if method is None:
        return ProxyVerdict(None, [], [f"{DERIBIT_SPEC}: a request without a method"])
    if method not in deribit_rpc.load()["methods"]:
        return ProxyVerdict(method, [], [f"{DERIBIT_SPEC}: no method {method}"])
    verdict = ProxyVerdict(method)
    if params is not None:
        verdict.add("request.schema", deribit_rpc.params_problems(method, params))
    if reply is NOT_JSON:
        verdict.problems.append(problem("reply.json", f"{method}: Deribit answers JSON; this is not"))
    elif reply is not None:
        verdict.add("reply.schema", deribit_rpc.reply_problems(method, reply))
    return verdict


def deribit_notification(frame: Any) -> ProxyVerdict:
    channel, lines = deribit_rpc.notification_problems(frame)
    if channel is None:
        what = frame.get("method") if isinstance(frame, dict) else None
        return ProxyVerdict(
            None, [], [f"{DERIBIT_SPEC}: no notification or reply it describes ({what or 'no method'})"]
        )
    verdict = ProxyVerdict(channel)
    verdict.add("frame.schema", lines)
    return verdict
