"""What the request journal learns from a Deribit request: which venue a path belongs to, the JSON-RPC method, the
client id when known, and the problems named by what the venue refused and by what its reply breaks. The venue's own
validation judges the request: an answered request has no problems of its own, a refused one has one problem per
refusal, by Deribit error code:

- -32700 `jsonrpc.parse`; 11050 and -32600 `jsonrpc.request`; -32601 `method.unknown`;
- -32602 `parameter.<reason>` (`data.reason` in snake case, e.g. `parameter.invalid_currency`) naming `data.param`;
- 10000, 13004, 13009 `auth.token` (a token that is unknown, expired, rotated, of another connection, or missing on a
  websocket) or `auth.signature` (any other refused credentials); 13021 `auth.scope`. The detail is the diagnosis.

Other errors (`not_found` for an unknown instrument, the mock's own 500s) are answers, not problems of the request.

The reply of a method the committed JSON-RPC slice describes (`schema/deribit/rpc.py`) is judged against it as it
goes out, over HTTP and the websocket: each field of a result or error that breaks the slice is a `reply.schema`
problem naming the method and the field (`private/get_positions: result[0].size: "3" is not of type "number"`).
Replies over `REPLY_CHECKED_BYTES` are not judged: the check runs on every request, and a large one (a thousand
positions) would cost milliseconds where a small one costs microseconds.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from starlette.types import Scope

from mockexchange.auth.deribit.authentication import Authenticated, header
from mockexchange.auth.deribit.errors import Reason
from mockexchange.auth.deribit.keys import DeribitCredential
from mockexchange.auth.deribit.signature import decode_basic
from mockexchange.core.faults import Fault
from mockexchange.journal.entries import JournalNote
from mockexchange.journal.journal import Journal
from mockexchange.journal.middleware import JOURNAL_NOTE
from mockexchange.journal.refusal import refused
from mockexchange.schema.deribit import rpc as deribit_rpc
from mockexchange.schema.requests import Problem, problem
from mockexchange.schema.specs import SpecError
from mockexchange.venues.deribit.context import (
    API_PREFIX,
    COINBASE_API_PREFIX,
    COINBASE_WS_PATH,
    WS_PATH,
    DeribitContext,
)
from mockexchange.venues.deribit.errors import (
    AUTHORIZATION_REQUIRED,
    BAD_REQUEST,
    FORBIDDEN,
    INVALID_CREDENTIALS,
    INVALID_PARAMS,
    METHOD_NOT_FOUND,
    PARSE_ERROR,
    TOO_LARGE,
    UNAUTHORIZED,
    RpcError,
)

Known = Callable[[str], DeribitCredential | None]  # the key of a client id, if any (the registry's `get`)
_TOKEN_REASONS = {
    reason.value
    for reason in (Reason.UNKNOWN_TOKEN, Reason.EXPIRED_TOKEN, Reason.ROTATED_TOKEN, Reason.OTHER_CONNECTION)
}
_AUTH_CODES = {AUTHORIZATION_REQUIRED[0], INVALID_CREDENTIALS[0], UNAUTHORIZED[0]}
_RULES = {
    PARSE_ERROR[0]: "jsonrpc.parse",
    BAD_REQUEST[0]: "jsonrpc.request",
    TOO_LARGE[0]: "jsonrpc.request",
    METHOD_NOT_FOUND[0]: "method.unknown",
    FORBIDDEN[0]: "auth.scope",
}


# The name the journal gives a request of the SignalPlus gateway's (its registration's dialect), beside "deribit".
SIGNALPLUS = "signalplus"
# And the Coinbase gateway's (coinbase.py), at its own paths.
COINBASE = "coinbase"


def venue_of(ctx: DeribitContext, scope: Scope) -> str | None:
    """The venue of a request: `deribit` (the native API and its websocket), `signalplus` (the gateway), or None."""
    path = scope["path"]
    if scope["type"] == "websocket":
        return "deribit" if path == WS_PATH else COINBASE if path == COINBASE_WS_PATH else None
    if path == ctx.signalplus_prefix:
        return SIGNALPLUS
    if path == COINBASE_API_PREFIX or path.startswith(COINBASE_API_PREFIX + "/"):
        return COINBASE
    return "deribit" if path == API_PREFIX or path.startswith(API_PREFIX + "/") else None


def problems(error: RpcError | None, method: str | None) -> list[Problem]:
    if error is None:
        return []
    where = f" ({method})" if method else ""
    if error.code == INVALID_PARAMS[0]:
        data = error.data or {}
        param, reason = str(data.get("param", "")), str(data.get("reason", "invalid"))
        detail = error.diagnosis if error.diagnosis.startswith(param) else f"{param}: {error.diagnosis}"
        rule = "parameter." + (re.sub(r"[^a-z0-9]+", "_", reason.lower()).strip("_") or "invalid")
        return [problem(rule, detail + where)]
    if error.code in _AUTH_CODES:
        token = error.reason in _TOKEN_REASONS or (error.reason is None and error.code == UNAUTHORIZED[0])
        return [problem("auth.token" if token else "auth.signature", error.diagnosis + where)]
    named = _RULES.get(error.code)
    return [problem(named, error.diagnosis + where)] if named else []


def client_id(
    headers: Mapping[str, str], params: Mapping[str, Any], caller: Authenticated | None, known: Known
) -> str | None:
    """Who sent it: the authenticated caller, else what the Authorization header or `client_id` param claims, if a key
    has that id (`known`): an id no key has may be a secret sent in its place, and is not kept."""
    if caller is not None:
        return caller.credential.client_id
    claimed = _claimed(headers, params)
    return claimed if claimed is not None and known(claimed) is not None else None


def _claimed(headers: Mapping[str, str], params: Mapping[str, Any]) -> str | None:
    scheme, _, rest = (header(headers, "Authorization") or "").strip().partition(" ")
    if scheme.lower() == "basic":
        decoded = decode_basic(rest.strip())
        if isinstance(decoded, tuple):
            return decoded[0]
    elif scheme.lower() == "deri-hmac-sha256":
        found = re.search(r"(?:^|,)\s*id\s*=\s*([^,\s]+)", rest, re.IGNORECASE)
        if found:
            return found.group(1)
    claimed = params.get("client_id")
    return claimed if isinstance(claimed, str) and claimed else None


REPLY_CHECKED_BYTES = 32 * 1024


def reply_check(method: str | None) -> Callable[[bytes | str], list[Problem]] | None:
    """The judge of a reply to `method` against the slice; None for a method the slice does not describe."""
    try:
        described = method is not None and method in deribit_rpc.load()["methods"]
    except SpecError as exc:
        unavailable = [problem("schema.unavailable", str(exc))]
        return lambda body: unavailable
    if not described:
        return None
    assert method is not None

    def check(body: bytes | str) -> list[Problem]:
        if len(body) > REPLY_CHECKED_BYTES:
            return []
        found = deribit_rpc.reply_text_problems(method, body)
        return [problem("reply.schema", f"{method}: {line}") for line in found]

    return check


def note(scope: Scope, method: str | None, key_id: str | None, error: RpcError | None) -> None:
    """Leave the journal's note of an HTTP request in its scope (the journal middleware records it, and judges the
    reply's body as it passes: Deribit's own API only, not the SignalPlus gateway's dialect)."""
    path = scope["path"]
    native = path == API_PREFIX or path.startswith(API_PREFIX + "/")
    scope[JOURNAL_NOTE] = JournalNote(method, key_id, problems(error, method), reply_check(method) if native else None)


def message_recorder(
    journal: Journal, known: Known
) -> Callable[[str | None, str | bytes, str | None, RpcError | None, Fault | None], None]:
    """The websocket's `on_message`: one journal entry per JSON-RPC message, its reply `result` or `error <code>`
    (`dropped`: a fault rule dropped the connection instead; a fault rule's error is no problem of the message), an
    error's code and message as its `refusal` and its diagnosis, and the reply's frame as its answer's body. A client
    id no key has (`known`) is not kept, as over HTTP."""

    def record(
        key_id: str | None, text: str | bytes, method: str | None, error: RpcError | None, fault: Fault | None = None
    ) -> None:
        key_id = key_id if key_id is not None and known(key_id) is not None else None
        if fault is not None and fault.drop:
            replies = ["dropped"]
        else:
            replies = [f"error {error.code}" if error is not None else "result"]
        if fault is not None:  # a fault rule's answer is the rule's, not the venue's
            note = JournalNote(method, key_id, [])
        else:
            note = JournalNote(method, key_id, problems(error, method), reply_check(method))
        if error is not None:  # as the client is told, a fault rule's too
            note.refusal, note.diagnosis = refused(error.code, error.message), error.diagnosis
        answered = fault is None or not fault.drop
        journal.record_message(
            "deribit",
            WS_PATH,
            key_id,
            text,
            replies,
            note,
            None if fault is None else fault.describe(),
            answered=answered,
        )

    return record
