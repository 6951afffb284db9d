"""The control plane over HTTP: `POST /_admin/<operation>` with a JSON object, answered with JSON.

Each route is one `Control` method; the body's fields are its arguments. A few reads (`GET /_admin/scenario`,
`GET /_admin/clock`) take no arguments. The request journal is read with `GET /_admin/requests?<filters>` and
emptied with `POST /_admin/requests/clear` (or `DELETE /_admin/requests`). Errors are `{"error": "..."}` (plus
`"errors": [...]` when a scenario has several problems) with 400 (bad input), 404 (unknown user, market or file),
409 (conflict) or 403 (admin asked from outside loopback). `GET /_admin/health` says the mock serves, and its
version, to every client.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from mockexchange.control import Control, ControlError
from mockexchange.journal import Journal
from mockexchange.scenario.operations import Scenarios
from mockexchange.version import __version__
from mockexchange.web import json_response

ADMIN_PREFIX = "/_admin"
_LOOPBACK = ("127.", "::1", "localhost")
MAX_BODY = 1 << 20


def _error(message: str, status: int, errors: list[str] | None = None) -> Response:
    return json_response({"error": message, "errors": errors} if errors else {"error": message}, status)


def _refused(request: Request, open_to_all: bool) -> Response | None:
    client = request.client.host if request.client else ""
    if not open_to_all and not client.startswith(_LOOPBACK):
        return _error("the admin API answers loopback clients only (serve with --admin-open to change that)", 403)
    return None


def _operation(method: Callable[..., dict[str, Any]], open_to_all: bool) -> Callable[[Request], Any]:
    # Keyword-only parameters are Python-only (callables, flags): they are not fields of the body.
    parameters = {
        n: p for n, p in inspect.signature(method).parameters.items() if p.kind is not inspect.Parameter.KEYWORD_ONLY
    }
    accepted = set(parameters)
    required = {n for n, p in parameters.items() if p.default is inspect.Parameter.empty}

    async def handle(request: Request) -> Response:
        if (refused := _refused(request, open_to_all)) is not None:
            return refused
        if request.method == "GET":
            if request.query_params:
                return _error(f"unknown query parameter(s): {', '.join(sorted(request.query_params))}", 400)
            try:
                return json_response(method())
            except ControlError as exc:
                return _error(str(exc), exc.status)
        raw = await request.body()
        if len(raw) > MAX_BODY:
            return _error("body too large", 413)
        try:
            body = orjson.loads(raw) if raw.strip() else {}
        except orjson.JSONDecodeError as exc:
            return _error(f"body is not JSON: {exc}", 400)
        if not isinstance(body, dict):
            return _error("body must be a JSON object", 400)
        unknown = sorted(set(body) - accepted)
        missing = sorted(required - set(body))
        if unknown or missing:
            parts = [f"unknown field(s): {', '.join(unknown)}"] if unknown else []
            parts += [f"missing field(s): {', '.join(missing)}"] if missing else []
            return _error("; ".join(parts) + f"; accepted: {', '.join(parameters) or 'none'}", 400)
        try:
            return json_response(method(**body))
        except ControlError as exc:
            return _error(str(exc), exc.status, getattr(exc, "errors", None))

    return handle


async def _health(request: Request) -> Response:
    # Answers every client, unlike the operations: a container's HEALTHCHECK and testcontainers' wait strategies ask
    # from outside loopback, and it tells nothing but the version. Answering at all means the mock serves.
    return json_response({"status": "ok", "version": __version__})


# The journal's filters and how a query string value becomes each one's argument.
_JOURNAL_FILTERS: dict[str, Callable[[str], Any]] = {
    "venue": str,
    "transport": str,
    "operation": str,
    "key_id": str,
    "status": int,
    "since": int,
    "limit": int,
    "invalid": lambda text: {"true": True, "false": False}[text],
}


def _journal_routes(journal: Journal, open_to_all: bool) -> list[BaseRoute]:
    async def clear(request: Request) -> Response:
        if (refused := _refused(request, open_to_all)) is not None:
            return refused
        journal.clear()
        return json_response({"cleared": True, "last_seq": journal.last_seq})

    async def read(request: Request) -> Response:
        if request.method == "DELETE":
            return await clear(request)
        if (refused := _refused(request, open_to_all)) is not None:
            return refused
        filters: dict[str, Any] = {}
        for name, value in request.query_params.multi_items():
            parse = _JOURNAL_FILTERS.get(name)
            if parse is None:
                return _error(f"unknown query parameter {name!r}; accepted: {', '.join(_JOURNAL_FILTERS)}", 400)
            if name in filters:
                return _error(f"{name} is given more than once", 400)
            try:
                filters[name] = parse(value)
            except (KeyError, ValueError):
                kind = "true or false" if name == "invalid" else "an integer"
                return _error(f"{name} must be {kind}, not {value!r}", 400)
        try:
            return json_response(journal.read(**filters))
        except ValueError as exc:
            return _error(str(exc), 400)

    return [
        Route(f"{ADMIN_PREFIX}/requests", read, methods=["GET", "DELETE"]),
        Route(f"{ADMIN_PREFIX}/requests/clear", clear, methods=["POST"]),
    ]


def routes(control: Control, scenarios: Scenarios, journal: Journal, *, open_to_all: bool = False) -> list[BaseRoute]:
    table = {
        "reset": control.reset,
        "accounts": control.create_account,
        "keys": control.create_key,
        "markets": control.create_market,
        "fills": control.fill,
        "settlements": control.settle,
        "orders": control.create_order,
        "orders/cancel": control.cancel_order,
        "deposits": control.deposit,
        "withdrawals": control.withdrawal,
        "scenario": scenarios.load_scenario,
        "scenario/step": scenarios.step,
        "scenario/play": scenarios.play_scenario,
        "clock": control.advance_clock,
        "deribit/accounts": control.create_deribit_account,
        "deribit/subaccounts": control.create_deribit_subaccount,
        "deribit/keys": control.create_deribit_key,
        "deribit/fills": control.deribit_fill,
        "deribit/deposits": control.deribit_deposit,
        "deribit/instruments": control.list_instrument,
        "deribit/index_prices": control.set_index_price,
        "deribit/mark_prices": control.set_mark_price,
        "deribit/volatility": control.set_volatility,
    }
    reads = {"scenario": scenarios.scenario_status, "clock": control.clock}
    found: list[BaseRoute] = [
        Route(f"{ADMIN_PREFIX}/{name}", _operation(method, open_to_all), methods=["POST"])
        for name, method in table.items()
        if name not in reads
    ]
    for name, read in reads.items():
        # One path, two methods: GET reads, POST acts; each a Control method.
        post, get = _operation(table[name], open_to_all), _operation(read, open_to_all)

        async def either(request: Request, post: Any = post, get: Any = get) -> Response:
            return await (get if request.method == "GET" else post)(request)

        found.append(Route(f"{ADMIN_PREFIX}/{name}", either, methods=["GET", "POST"]))
    found.append(Route(f"{ADMIN_PREFIX}/health", _health, methods=["GET"]))
    return found + _journal_routes(journal, open_to_all)
