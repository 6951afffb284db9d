"""Deribit through the proxy (what its registration's `Proxied` names): its clients' paths (`/api/...`, `/ws/api/...`),
the key a call names (its `client_id`), each JSON-RPC call (over HTTP, or a request frame and the reply its `id` asks)
and each notification judged against Deribit's committed JSON-RPC slice (`schema/deribit/rpc.py`), and Deribit's
JSON-RPC errors for what the proxy or a replay answers itself, and what a replay's match leaves out."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from mockexchange.schema.deribit import rpc as deribit_rpc
from mockexchange.schema.requests import problem
from mockexchange.venues.deribit import envelope
from mockexchange.venues.deribit.errors import BAD_REQUEST, ERROR, NOT_FOUND, TOO_LARGE, RpcError
from mockexchange.venues.proxied import NOT_JSON, Exchange, ProxyVerdict, query_value

DERIBIT_SPEC = "Deribit's JSON-RPC slice"
LIVE_DERIBIT = "www.deribit.com"
# An auth's timestamp and nonce, made afresh each run, and who asks (a replay in CI signs with another key than the
# recording did): never part of a replay's match.
IGNORED = frozenset({"timestamp", "nonce", "client_id"})
PENDING_CALLS = 10_000  # request ids waiting for their reply, per connection (the oldest forgotten first)
_ERRORS = {400: BAD_REQUEST, 404: NOT_FOUND, 413: TOO_LARGE}  # else 10001 `error`, a 502


def serves(path: str) -> bool:
    return path == "/api" or path.startswith(("/api/", "/ws/api/"))


def call(seen: Exchange) -> tuple[str | None, Any]:
    """An HTTP request's method and params: `/api/v2/<method>` with a query (its values read as JSON where they are,
    as Deribit reads them: `depth=5` is 5), or a JSON-RPC body."""
    body = seen.sent if isinstance(seen.sent, dict) else None
    method = seen.path.removeprefix("/api/v2/") if seen.path.startswith("/api/v2/") else None
    if body is not None:
        method = body.get("method") if isinstance(body.get("method"), str) else method
        return (method.lstrip("/") if method else None), body.get("params", {})
    return method, {name: query_value(value) for name, value in seen.query}


def exchange(seen: Exchange) -> ProxyVerdict:
    method, params = call(seen)
    return rpc_call(method, params, seen.answered)


def key_id(headers: list[tuple[bytes, bytes]], seen: Exchange | None) -> str | None:
    """The `client_id` a call over HTTP names (a websocket names none at its upgrade)."""
    if seen is None:
        return None
    _, params = call(seen)
    client_id = params.get("client_id") if isinstance(params, dict) else None
    return client_id if isinstance(client_id, str) else None


def rpc_call(method: str | None, params: Any, reply: Any) -> ProxyVerdict:
    """A JSON-RPC call (over HTTP, or a request frame and its reply frame; `reply` None: not yet or none)."""
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


def notification(frame: Any) -> ProxyVerdict:
    channel, lines = deribit_rpc.notification_problems(frame)
    if channel is None:
        what = frame.get("method") if isinstance(frame, dict) else None
        return ProxyVerdict(
            None, [], [f"{DERIBIT_SPEC}: no notification or reply it describes ({what or 'no method'})"]
        )
    verdict = ProxyVerdict(channel)
    verdict.add("frame.schema", lines)
    return verdict


class DeribitFrames:
    """One websocket's frames judged: a request frame's method kept by its id, so its reply is judged by it."""

    def __init__(self) -> None:
        self.pending: OrderedDict[Any, str] = OrderedDict()

    def __call__(self, direction: str, frame: Any, text: str) -> ProxyVerdict:
        if not isinstance(frame, dict):
            return ProxyVerdict(None, [], ["Deribit's JSON-RPC: a frame that is no JSON object"])
        if direction == "client":
            method = frame.get("method") if isinstance(frame.get("method"), str) else None
            if "id" in frame and method is not None:
                self.pending[_hashable(frame["id"])] = method.lstrip("/")
                while len(self.pending) > PENDING_CALLS:
                    self.pending.popitem(last=False)
            return rpc_call(method.lstrip("/") if method else None, frame.get("params", {}), None)
        method = self.pending.pop(_hashable(frame.get("id")), None) if "id" in frame else None
        if method is not None:
            return rpc_call(method, None, frame)
        return notification(frame)


def refuse(status: int, why: str, request_id: Any, now_us: int, testnet: bool) -> tuple[int, dict[str, Any]]:
    """Deribit's JSON-RPC error with `error.data.reason` why: 11050 `bad_request` (400), -32600 with 413 for a body over
    the bound, 13020 `not_found` (404: a request not on a tape), else 10001 `error` (502)."""
    error = RpcError(_ERRORS.get(status, ERROR), why, {"reason": why})
    return status, envelope.reply(request_id, us_in=now_us, us_out=now_us, testnet=testnet, error=error)


def refuse_frame(request_id: Any, why: str, now_us: int, testnet: bool) -> dict[str, Any]:
    return refuse(404, why, request_id, now_us, testnet)[1]


def _hashable(value: Any) -> Any:
    return value if isinstance(value, int | str) else repr(value)
