"""The admin API as an OpenAPI 3.1 document, generated from the operations the routes serve.

Each `POST /_admin/<name>` takes the JSON object whose fields are its `Control` method's parameters (keyword-only
ones are Python-only), typed from the method's annotations; a read is a `GET` without parameters; the journal's
filters are query parameters. So the document cannot drift from the routes: it is built from the same table
(admin/routes.py). Served at `GET /_admin/openapi.json`.
"""

from __future__ import annotations

import functools
import inspect
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from mockexchange.version import __version__

# What every guarded call may answer besides its own (admin/guard.py): the Host or Origin refused, no or a wrong
# token, a body that is not JSON.
_GUARD_STATUSES = {"401": "no or a wrong admin token", "403": "refused: client address, Host, Origin or a path"}
_OPERATION_STATUSES = {
    "400": "bad input: the fields named, with the accepted ones",
    "404": "unknown user, market, instrument or scenario file",
    "409": "a conflict: already exists, already settled, no scenario loaded, the system clock",
    "413": "body over 1 MiB",
    "415": "a body that is not application/json",
    "507": "with a state file: the operation could not be written (a full disk), and did not run",
}
_ERROR = {"$ref": "#/components/schemas/Error"}


# Each app reads its operations' signatures again (a test suite builds thousands of apps): the fields of a method
# are its function's, whichever instance it is bound to.
_FIELDS: dict[tuple[Callable[..., Any], bool], Mapping[str, inspect.Parameter]] = {}


def parameters(method: Callable[..., Any]) -> Mapping[str, inspect.Parameter]:
    """The body fields of an operation: its method's parameters but the keyword-only ones."""
    # Keyed by what is the same for every app: a wrapper made for one app (paths.py's confined load) is read as what
    # it wraps, and a method as its function; a key held per app would keep that app alive for the whole process.
    inner = inspect.unwrap(method)
    bound = getattr(inner, "__func__", None)
    # A partial carries arguments of its own (deposit, withdrawal): its fields are read each time.
    key = None if isinstance(inner, functools.partial) else (bound or inner, bound is not None)
    fields = _FIELDS.get(key) if key is not None else None
    if fields is None:
        fields = types.MappingProxyType({
            name: p
            for name, p in inspect.signature(method).parameters.items()
            if p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.POSITIONAL_ONLY)
        })  # fmt: skip
        if key is not None:
            _FIELDS[key] = fields
    return fields


def _function(method: Callable[..., Any]) -> Callable[..., Any]:
    """The plain function behind a bound method, a `functools.partial` (deposit, withdrawal) or a wrapper."""
    while True:
        if isinstance(method, functools.partial):
            method = method.func
        elif hasattr(method, "__wrapped__"):
            method = method.__wrapped__
        else:
            return getattr(method, "__func__", method)


def _annotation(method: Callable[..., Any], annotation: Any) -> Any:
    """An annotation as a type; a string one (postponed evaluation) is evaluated as typing would, else Any."""
    if not isinstance(annotation, str):
        return annotation
    namespace = getattr(_function(method), "__globals__", {})
    try:
        return eval(annotation, namespace)  # the module's own annotation text, as typing.get_type_hints does
    except Exception:
        return Any


def json_schema(hint: Any) -> dict[str, Any]:
    """The JSON Schema of a Python type hint (str, int, bool, float, None, unions, mappings, sequences; else any)."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        parts = [json_schema(arg) for arg in typing.get_args(hint)]
        if all(set(part) == {"type"} for part in parts):
            kinds = list(dict.fromkeys(part["type"] for part in parts))
            return {"type": kinds if len(kinds) > 1 else kinds[0]}
        return {"anyOf": parts}
    simple = {bool: "boolean", int: "integer", float: "number", str: "string", type(None): "null"}
    if hint in simple:
        return {"type": simple[hint]}
    if hint in (dict, Mapping) or origin in (dict, Mapping):
        args = typing.get_args(hint)
        return {"type": "object", **({"additionalProperties": json_schema(args[1])} if len(args) == 2 else {})}
    if origin in (list, tuple, Sequence):
        args = typing.get_args(hint)
        return {"type": "array", **({"items": json_schema(args[0])} if args else {})}
    return {}


def body_schema(method: Callable[..., Any]) -> dict[str, Any]:
    fields = parameters(method)
    properties: dict[str, Any] = {}
    for name, p in fields.items():
        schema = json_schema(_annotation(method, p.annotation))
        if p.default is not inspect.Parameter.empty and isinstance(p.default, str | int | float | bool | None):
            schema["default"] = p.default
        properties[name] = schema
    required = [n for n, p in fields.items() if p.default is inspect.Parameter.empty]
    return {"type": "object", "properties": properties, "additionalProperties": False} | (
        {"required": required} if required else {}
    )


def _summary(method: Callable[..., Any]) -> dict[str, str]:
    doc = inspect.getdoc(_function(method)) or ""
    first = " ".join(doc.split("\n\n", 1)[0].split())
    return {"summary": first.split(". ", 1)[0].rstrip(".")[:120], "description": first} if first else {}


def _responses(statuses: Mapping[str, str], answered: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """`answered`: the 200 answer's schema (None: an object)."""
    schema = {"type": "object"} if answered is None else answered
    answer: dict[str, Any] = {"200": {"description": "done", "content": {"application/json": {"schema": schema}}}}
    errors = {
        s: {"description": why, "content": {"application/json": {"schema": _ERROR}}} for s, why in statuses.items()
    }
    return answer | errors


def _operation_id(method: str, path: str) -> str:
    """`post_deribit_accounts` for POST /_admin/deribit/accounts (`get_accounts_user_id` for GET
    /_admin/accounts/{user_id}): unique, and stable while the route is."""
    words = path.split("/", 2)[-1].replace("/", "_").replace(".", "_")
    return f"{method}_{words.replace('{', '').replace('}', '')}"


def _described(
    verb: str, path: str, summary: Mapping[str, str], responses: dict[str, Any], **more: Any
) -> dict[str, Any]:
    """An operation of the document: its id, its summary, what else it states (its body, its parameters), and what it
    answers."""
    return {"operationId": _operation_id(verb, path), **summary, **more, "responses": responses}


def _answered(method: Callable[..., Any]) -> dict[str, Any] | None:
    """The schema of what an operation answers where its annotation says a list (an object otherwise: None)."""
    hint = _annotation(method, inspect.signature(method).return_annotation)
    return json_schema(hint) if typing.get_origin(hint) in (list, tuple, Sequence) else None


def _post(path: str, method: Callable[..., Any]) -> dict[str, Any]:
    body = body_schema(method)
    # A body-less POST acts with no arguments (admin/guard.py), so only a method with required fields needs one.
    request = {"required": "required" in body, "content": {"application/json": {"schema": body}}}
    responses = _responses(_GUARD_STATUSES | _OPERATION_STATUSES, _answered(method))
    return _described("post", path, _summary(method), responses, requestBody=request)


def _get(path: str, method: Callable[..., Any], query: Mapping[str, Any] | None = None) -> dict[str, Any]:
    parameters = {"parameters": [_query(name, json_schema(hint)) for name, hint in query.items()]} if query else {}
    responses = _responses(_GUARD_STATUSES | {"400": "an unknown or malformed query parameter"}, _answered(method))
    return _described("get", path, _summary(method), responses, **parameters)


def _delete(path: str, method: Callable[..., Any]) -> dict[str, Any]:
    # No arguments: a body, if any, must be an empty JSON object.
    refusals = {s: _OPERATION_STATUSES[s] for s in ("400", "413", "415")}
    return _described("delete", path, _summary(method), _responses(_GUARD_STATUSES | refusals))


def _query(name: str, schema: Mapping[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": dict(schema)}


def _named(name: str) -> dict[str, Any]:
    """A path parameter (a user id, a ticker)."""
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def _read(path: str, summary: dict[str, str], parameters: list[Any], responses: dict[str, Any]) -> dict[str, Any]:
    """One of the inspector's GETs: its summary, its path's and query's parameters, what it answers."""
    return {path: {"get": _described("get", path, summary, responses, parameters=parameters)}}


def _open(operation_id: str, summary: str, schema: dict[str, Any]) -> dict[str, Any]:
    # Not guarded: no token, any client (admin/routes.py).
    return {
        "operationId": operation_id,
        "summary": summary,
        "security": [],
        "responses": {"200": {"description": summary, "content": {"application/json": {"schema": schema}}}},
    }


def inspector_paths(
    prefix: str, account: Callable[..., Any], account_query: Mapping[str, Mapping[str, Any]]
) -> dict[str, dict[str, Any]]:
    """The inspector's reads that are not plain GETs: one account (a path parameter and a query, each parameter's
    JSON Schema) and the live feed (server-sent events)."""
    one = [_named("user_id"), *(_query(name, schema) for name, schema in account_query.items())]
    reading = _GUARD_STATUSES | {
        "400": "an unknown or malformed query parameter",
        "404": "no venue has an account of this user id, or no such Deribit wallet or instrument or margin subaccount",
        "409": "the venue refused the read (the inspector's own query)",
    }
    since = _query("since", {"type": "integer", "minimum": 0})
    stream = {
        "description": "server-sent events: hello, state, markets, instruments, cleared, requests, connections, "
        "control (docs/admin-api.md)",
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    }
    streaming = _responses(_GUARD_STATUSES | {"400": "an unknown or malformed query parameter"})
    streaming["200"] = stream
    streaming["406"] = {
        "description": "the request does not accept text/event-stream",
        "content": {"application/json": {"schema": _ERROR}},
    }
    feed = {"summary": "the inspector's live feed: what changes in the mock, as server-sent events"}
    return {
        **_read(f"{prefix}/accounts/{{user_id}}", _summary(account), one, _responses(reading)),
        **_read(f"{prefix}/events", feed, [since], streaming),
    }


def market_paths(
    prefix: str, listed: Callable[..., Any], one: Callable[..., Any], query: Mapping[str, dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """The inspector's reads of Kalshi's markets: a page of them (`query`: each parameter's JSON Schema) and one
    market with its book (a path parameter)."""
    parameters = [_query(name, schema) for name, schema in query.items()]
    paging = _GUARD_STATUSES | {"400": "an unknown, repeated or malformed query parameter"}
    reading = _GUARD_STATUSES | {
        "400": "a query parameter (it takes none)",
        "404": "no market has this ticker",
        "409": "the venue refused the read (the inspector's own query)",
    }
    return {
        **_read(f"{prefix}/markets", _summary(listed), parameters, _responses(paging)),
        **_read(f"{prefix}/markets/{{ticker}}", _summary(one), [_named("ticker")], _responses(reading)),
    }


def document(
    operations: Mapping[str, Callable[..., Any]],
    reads: Mapping[str, Callable[..., Any]],
    journal: tuple[Callable[..., Any], Callable[..., Any], Mapping[str, Any]],
    prefix: str,
    *,
    deletes: Mapping[str, Callable[..., Any]] | None = None,
    extra: Mapping[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The document of the routes: `operations` (POST {prefix}/name), `reads` (GET {prefix}/name), `deletes` (DELETE
    {prefix}/name, no arguments), the journal's (read, clear, its filters' types), and `extra` paths as they are."""
    paths: dict[str, dict[str, Any]] = {}
    tables = (("post", operations, _post), ("get", reads, _get), ("delete", deletes or {}, _delete))
    for verb, table, described in tables:
        for name, method in table.items():
            path = f"{prefix}/{name}"
            paths.setdefault(path, {})[verb] = described(path, method)
    read, clear, filters = journal
    requests, clear_path = f"{prefix}/requests", f"{prefix}/requests/clear"
    # Clearing reads no body, so a body's content type is all it can be refused for besides the guard.
    clearing = {**_summary(clear), "responses": _responses(_GUARD_STATUSES | {"415": _OPERATION_STATUSES["415"]})}
    paths[requests] = {
        "get": _get(requests, read, filters),
        "delete": clearing | {"operationId": _operation_id("delete", requests)},
    }
    paths[clear_path] = {"post": clearing | {"operationId": _operation_id("post", clear_path)}}
    health: dict[str, Any] = {
        "type": "object",
        "required": ["status", "version"],
        "properties": {
            "status": {"const": "ok"},
            "version": {"type": "string"},
            # only when there are any: what the state file's records beside the command log could not keep
            "warnings": {"type": "array", "items": {"type": "string"}},
        },
    }
    for name, summary, schema in [
        ("health", "the mock serves, and its version (any client)", health),
        ("openapi.json", "this document (any client)", {"type": "object"}),
    ]:
        path = f"{prefix}/{name}"
        paths[path] = {"get": _open(_operation_id("get", path), summary, schema)}
    for path, item in (extra or {}).items():
        paths.setdefault(path, {}).update(item)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "mockexchange admin API",
            "version": __version__,
            "description": "The control plane of a mockexchange mock (docs/admin-api.md). Money is never a JSON "
            "number: prices, counts and fees are decimal strings; balances are integer cents.",
        },
        "paths": paths,
        "security": [{}, {"adminToken": []}],  # the token is required only when the mock was given one
        "components": {
            "securitySchemes": {
                "adminToken": {"type": "http", "scheme": "bearer", "description": "serve --admin-token TOKEN"}
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {"type": "string"},
                        "errors": {"type": "array", "items": {"type": "string"}},
                    },
                }
            },
        },
    }
