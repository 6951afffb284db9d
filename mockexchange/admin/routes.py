"""The control plane over HTTP: `POST /_admin/<operation>` with a JSON object, answered with JSON.

Each route is one `Control` method; the body's fields are its arguments. A few reads (`GET /_admin/scenario`,
`GET /_admin/clock`, `GET /_admin/rate_limits`, `GET /_admin/rest_lag`, `GET /_admin/faults`) take no arguments;
`DELETE /_admin/faults` clears the fault rules. The request journal is read
with `GET /_admin/requests?<filters>` and emptied with `POST /_admin/requests/clear` (or `DELETE /_admin/requests`).
The inspector's reads (admin/views.py): `GET /_admin/accounts`, `GET /_admin/accounts/{user_id}`,
`GET /_admin/markets`, `GET /_admin/markets/{ticker}`, `GET /_admin/connections`, the live feed `GET /_admin/events`,
and its page `GET /_inspector` (admin/inspector.py).
Errors are `{"error": "..."}` (plus `"errors": [...]` when a scenario has several problems) with 400 (bad input), 404
(unknown user, market or file), 409 (conflict), or the access rules' 401, 403 and 415 (admin/guard.py).
`GET /_admin/health` says the mock serves, and its version, and `GET /_admin/openapi.json` describes the API
(admin/openapi.py), to every client.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from mockexchange.admin import inspector, openapi
from mockexchange.admin.guard import AdminGuard, error
from mockexchange.admin.handling import (
    Handler,
    Operation,
    answer,
    guarded,
    guarded_answer,
    off_the_loop,
    path_named,
)
from mockexchange.admin.paths import AdminPaths
from mockexchange.admin.queries import checked_query
from mockexchange.admin.views import Views
from mockexchange.control import Control, ControlError
from mockexchange.core.bounded_json import parse_json
from mockexchange.core.numbers import excerpt, parse_int
from mockexchange.journal.journal import Journal
from mockexchange.scenario.operations import Scenarios
from mockexchange.settings import Settings
from mockexchange.version import __version__
from mockexchange.web.answers import json_line_response
from mockexchange.web.request_body import BodyTooLarge, read_body
from mockexchange.web.routing import context_of

ADMIN_PREFIX = "/_admin"
MAX_BODY = 1 << 20
LOOP_READS = frozenset({"connections"})  # GETs answered on the loop: they read the connections that live there


# A body's fields: each the operation's parameter's name and whether it must be given (openapi.parameters).
Fields = tuple[tuple[str, bool], ...]
# What a path of the admin API takes: each HTTP method's fields and whether it is answered on the loop.
Verbs = tuple[tuple[str, Fields, bool], ...]


@dataclass(frozen=True)
class AdminDoor:
    """What the admin API's operation routes (shared by the process's mocks: `_operation_routes`) serve one mock's
    requests with: its access rules, what is told of a change that answered 200 (the inspector's feed), and the
    operations of each HTTP method by path (`operations`, `reads`, `removals`)."""

    guard: AdminGuard
    changed: Callable[[], None] | None
    calls: dict[str, dict[str, Operation]]  # "POST", "GET", "DELETE" -> name -> operation


def _fields(method: Operation) -> Fields:
    # Keyword-only parameters are Python-only (callables, flags): they are not fields of the body.
    return tuple((name, p.default is p.empty) for name, p in openapi.parameters(method).items())


async def _answered(request: Request, method: Operation, fields: Fields, on_loop: bool) -> Response:
    """`method`'s answer to the request: a GET's without arguments (`on_loop`: a read of what lives on the server's
    loop, the open connections, answered there), else the JSON body's fields as its arguments."""
    if request.method in ("GET", "HEAD"):
        if request.query_params:
            return error(f"unknown query parameter(s): {', '.join(sorted(request.query_params))}", 400)
        return answer(method, {}) if on_loop else await off_the_loop(method, {})
    try:
        raw = await read_body(request, MAX_BODY)
    except BodyTooLarge as exc:
        return error(f"body too large: {exc}", 413)
    try:
        body = parse_json(raw) if raw.strip() else {}
    except orjson.JSONDecodeError as exc:
        return error(f"body is not JSON: {exc}", 400)
    if not isinstance(body, dict):
        return error("body must be a JSON object", 400)
    unknown = sorted(set(body) - {name for name, _ in fields})
    missing = sorted({name for name, required in fields if required} - set(body))
    if unknown or missing:
        parts = [f"unknown field(s): {', '.join(unknown)}"] if unknown else []
        parts += [f"missing field(s): {', '.join(missing)}"] if missing else []
        return error("; ".join(parts) + f"; accepted: {', '.join(name for name, _ in fields) or 'none'}", 400)
    return await off_the_loop(method, body)


def _shared_endpoint(name: str, verbs: Verbs) -> Handler:
    """The endpoint of `/_admin/<name>` for every mock of the process: behind the request's mock's access rules, its
    operation for the request's method."""
    taken = {verb: (fields, on_loop) for verb, fields, on_loop in verbs}

    async def handle(request: Request) -> Response:
        door = context_of(request, AdminDoor)
        verb = "GET" if request.method == "HEAD" else request.method
        fields, on_loop = taken[verb]
        method = door.calls[verb][name]
        return await guarded_answer(
            request, door.guard, lambda request: _answered(request, method, fields, on_loop), door.changed
        )

    return handle


def _verbs(calls: dict[str, dict[str, Operation]]) -> dict[str, list[str]]:
    """Each path's HTTP methods, the paths in the order the tables name them."""
    found: dict[str, list[str]] = {}
    for verb, table in calls.items():
        for name in table:
            found.setdefault(name, []).append(verb)
    return found


@functools.lru_cache(maxsize=16)  # a process's mocks have a few shapes (their venues, with the inspector or not)
def _operation_routes(shape: tuple[tuple[str, Verbs], ...]) -> tuple[BaseRoute, ...]:
    """The routes of the admin API's operations, one a path (`shape`: each path's name and what it takes), made
    once a process for every mock of that shape."""
    return tuple(
        Route(f"{ADMIN_PREFIX}/{name}", _shared_endpoint(name, verbs), methods=[verb for verb, _, _ in verbs])
        for name, verbs in shape
    )


def _health(warnings: Callable[[], list[str]] | None) -> Handler:
    async def health(request: Request) -> Response:
        # Answers every client, unlike the operations: a container's HEALTHCHECK and testcontainers' wait strategies
        # ask from outside loopback, and it tells nothing but the version and, when there are any, the state file's
        # warnings (what a record beside the command log could not keep; no path). Answering means the mock serves.
        found = warnings() if warnings is not None else []
        return json_line_response({"status": "ok", "version": __version__, **({"warnings": found} if found else {})})

    return health


# The journal's filters and the type of each (a query string value becomes it; the OpenAPI document types it).
_JOURNAL_FILTERS: dict[str, type] = {
    "venue": str,
    "transport": str,
    "operation": str,
    "key_id": str,
    "status": int,
    "since": int,
    "limit": int,
    "invalid": bool,
    "seq": int,  # the one entry of that seq
    "bodies": bool,  # each entry with its request's and answer's bodies
}


def _filter_value(kind: type, text: str) -> Any:
    if kind is bool:
        return {"true": True, "false": False}[text]
    # ASCII digits within int64, as every number a request names (not int(): it reads `１２` and 4,300 digits).
    return parse_int(text, signs="-") if kind is int else text


def journal_routes(journal: Journal, guard: AdminGuard, changed: Callable[[], None] | None = None) -> list[BaseRoute]:
    """`GET|DELETE /_admin/requests` and `POST /_admin/requests/clear` over `journal` (the proxy serves them too)."""

    async def clear(request: Request) -> Response:
        journal.clear()
        return json_line_response({"cleared": True, "last_seq": journal.last_seq})

    async def read(request: Request) -> Response:
        if request.method == "DELETE":
            return await clear(request)
        filters: dict[str, Any] = {}
        for name, value in request.query_params.multi_items():
            kind = _JOURNAL_FILTERS.get(name)
            if kind is None:
                return error(f"unknown query parameter {name!r}; accepted: {', '.join(_JOURNAL_FILTERS)}", 400)
            if name in filters:
                return error(f"{name} is given more than once", 400)
            try:
                filters[name] = _filter_value(kind, value)
            except (KeyError, ValueError):
                expected = "true or false" if kind is bool else "an integer"
                return error(f"{name} must be {expected}, not {excerpt(value)}", 400)
        try:
            return json_line_response(journal.read(**filters))
        except ValueError as exc:
            return error(str(exc), 400)

    return [
        Route(f"{ADMIN_PREFIX}/requests", guarded(guard, read, changed), methods=["GET", "DELETE"]),
        Route(f"{ADMIN_PREFIX}/requests/clear", guarded(guard, clear, changed), methods=["POST"]),
    ]


def operations(control: Control, scenarios: Scenarios, paths: AdminPaths) -> dict[str, Operation]:
    """What each `POST /_admin/<name>` calls; the body's fields are the method's arguments: the mock's own, then each
    venue's (its registration's `admin` paths, control/registration.py)."""
    found: dict[str, Operation] = {
        "reset": control.reset,
        "clock": control.advance_clock,
        "scenario": paths.confined_load(scenarios),
        "scenario/step": scenarios.step,
        "scenario/play": scenarios.play_scenario,
        "scenario/pause": scenarios.pause_scenario,
        "rate_limits": control.set_rate_limit_tier,
        "faults": control.add_fault,
        "faults/remove": control.remove_fault,
        "faults/ws/close": control.close_websockets,
    }
    for venue in control.venues:
        found |= _venue_table(found, venue.name, {path: getattr(control, name) for path, name in venue.admin.items()})
    return found


def reads(
    control: Control, scenarios: Scenarios, views: Views | None = None
) -> dict[str, Callable[..., dict[str, Any]]]:
    """What each `GET /_admin/<name>` calls (no arguments): the mock's own, then each venue's (`admin_reads`)."""
    found: dict[str, Callable[..., dict[str, Any]]] = {
        "scenario": scenarios.scenario_status,
        "clock": control.clock,
        "rate_limits": control.rate_limits,
        "faults": control.faults,
    }
    for venue in control.venues:
        found |= _venue_table(found, venue.name, {path: getattr(control, n) for path, n in venue.admin_reads.items()})
    if views is not None:
        found |= {"accounts": views.accounts.accounts, "connections": views.connections.connections_now}
    return found


def _venue_table(found: dict[str, Any], venue: str, table: dict[str, Any]) -> dict[str, Any]:
    if taken := sorted(found.keys() & table.keys()):
        raise ValueError(f"the venue {venue!r} names admin paths another part has: {', '.join(taken)}")
    return table


def removals(control: Control) -> dict[str, Callable[..., dict[str, Any]]]:
    """What each `DELETE /_admin/<name>` calls (no arguments)."""
    return {"faults": control.clear_faults}


def _account_route(views: Views) -> Handler:
    async def account(request: Request) -> Response:
        user_id = path_named(request, "user_id")
        if user_id is None:
            return error(f"no account is named by the path {excerpt(request.scope['path'])}", 404)
        try:
            query = checked_query(request.query_params.multi_items(), views.accounts.query)
        except ControlError as exc:
            return error(str(exc), exc.status)
        return await off_the_loop(views.accounts.account, {"user_id": user_id, **query})

    return account


def _inspector_routes(views: Views, guard: AdminGuard) -> list[BaseRoute]:
    return [
        Route(f"{ADMIN_PREFIX}/accounts/{{user_id:path}}", guarded(guard, _account_route(views)), methods=["GET"]),
        *(route for panel in views.accounts.panels for route in panel.routes(guard, ADMIN_PREFIX)),
        Route(f"{ADMIN_PREFIX}/events", guarded(guard, views.feed.endpoint), methods=["GET"]),
        *inspector.routes(guard, views.accounts.panels),
    ]


def routes(
    control: Control,
    scenarios: Scenarios,
    journal: Journal,
    settings: Settings,
    views: Views | None = None,
    *,
    warnings: Callable[[], list[str]] | None = None,
) -> tuple[list[BaseRoute], AdminDoor]:
    """The admin API's routes; with `views` (app.py gives them), the inspector's reads, feed and page too; `warnings`:
    what the health check lists besides its status (the state file's). And the door its operation routes, shared by
    the process's mocks, find this mock's operations by (the app keeps it: web/routing.py's `context_of`)."""
    guard = AdminGuard(settings)
    table = operations(control, scenarios, AdminPaths(settings.scenario_dirs, settings.key_dirs))
    gets = reads(control, scenarios, views)
    deletes = removals(control)
    changed = views.feed.changed if views is not None else None
    calls = {"POST": table, "GET": gets, "DELETE": deletes}  # (Starlette serves HEAD beside GET)
    # One path, several methods: GET reads, POST acts, DELETE removes; each a Control method.
    shape = tuple(
        (name, tuple((verb, _fields(calls[verb][name]), verb == "GET" and name in LOOP_READS) for verb in verbs))
        for name, verbs in _verbs(calls).items()
    )
    door = AdminDoor(guard, changed, calls)
    journaled = (journal.read, journal.clear, _JOURNAL_FILTERS)

    @functools.cache
    def document() -> dict[str, Any]:
        # Described when first asked: most servers (a test's, an embedded one) never are, and it is a third of a
        # server's start.
        extra = {}
        if views is not None:
            extra = openapi.inspector_paths(ADMIN_PREFIX, views.accounts.account, views.accounts.query)
            for panel in views.accounts.panels:
                extra |= panel.paths(ADMIN_PREFIX)
        return openapi.document(table, gets, journaled, ADMIN_PREFIX, deletes=deletes, extra=extra)

    async def describe(request: Request) -> Response:
        # Open like health: it says what docs/admin-api.md says, and a browser page cannot read it (no CORS).
        return json_line_response(document())

    found = list(_operation_routes(shape))
    found.append(Route(f"{ADMIN_PREFIX}/health", _health(warnings), methods=["GET"]))
    found.append(Route(f"{ADMIN_PREFIX}/openapi.json", describe, methods=["GET"]))
    inspecting = _inspector_routes(views, guard) if views is not None else []
    return found + journal_routes(journal, guard, changed) + inspecting, door
