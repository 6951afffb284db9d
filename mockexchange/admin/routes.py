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

from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from mockexchange.admin import inspector, openapi
from mockexchange.admin.guard import AdminGuard, error
from mockexchange.admin.kalshi_markets import MARKETS_QUERY
from mockexchange.admin.paths import AdminPaths
from mockexchange.admin.queries import checked_query
from mockexchange.admin.views import Views
from mockexchange.control import Control, ControlError
from mockexchange.core.bounded_json import parse_json
from mockexchange.core.deribit.bounds import MAX_ACCOUNT_ID, MAX_NAME
from mockexchange.core.kalshi.checks import MAX_SUBACCOUNT
from mockexchange.core.numbers import excerpt, parse_int
from mockexchange.journal.journal import Journal
from mockexchange.scenario.operations import Scenarios
from mockexchange.settings import Settings
from mockexchange.version import __version__
from mockexchange.web.answers import json_line_response
from mockexchange.web.request_body import BodyTooLarge, read_body

ADMIN_PREFIX = "/_admin"
MAX_BODY = 1 << 20
# The query of GET /_admin/accounts/{user_id}, as JSON Schemas: the route checks each value against its own, and the
# OpenAPI document says them.
ACCOUNT_QUERY: dict[str, dict[str, Any]] = {
    "subaccount": {"type": "integer", "minimum": 0, "maximum": MAX_SUBACCOUNT, "default": 0},
    "wallet": {"type": "integer", "minimum": 1, "maximum": MAX_ACCOUNT_ID},
    "instrument": {"type": "string", "maxLength": MAX_NAME},
}
Handler = Callable[[Request], Awaitable[Response]]
# What a `POST /_admin/<name>` calls: its answer is JSON-ready (a command's `answer` renders the core's objects)
Operation = Callable[..., Any]
LOOP_READS = frozenset({"connections"})  # GETs answered on the loop: they read the connections that live there


def _path_named(request: Request, name: str) -> str | None:
    """The path parameter `name`, or None when the path names something else: Starlette's match ends in `$`, which
    matches before a trailing newline, so `/_admin/accounts/alice%0A` would otherwise read alice."""
    value = request.path_params[name]
    return value if request.scope["path"].endswith(value) else None


def guarded(guard: AdminGuard, handler: Handler, changed: Callable[[], None] | None = None) -> Handler:
    """`handler` behind the access rules; `changed` is told after an operation (not a GET) that answered 200."""

    async def handle(request: Request) -> Response:
        if (refused := guard.refusal(request)) is not None:
            return refused
        response = await handler(request)
        if changed is not None and request.method not in ("GET", "HEAD") and response.status_code == 200:
            changed()
        return response

    return handle


def _answer(method: Operation, arguments: dict[str, Any]) -> Response:
    """The operation's answer, or its refusal; run in a worker thread."""
    try:
        return json_line_response(method(**arguments))
    except ControlError as exc:
        return error(str(exc), exc.status, errors=getattr(exc, "errors", None))


async def _off_the_loop(method: Operation, arguments: dict[str, Any]) -> Response:
    """Run an operation in a worker thread (Starlette's thread pool, as it runs a sync endpoint): a long one (a
    scenario's burst, a batch of fills, generated keys) holds only the locks of the state it changes, while the loop
    goes on serving the other venue, the health check and the websockets' heartbeats."""
    return await run_in_threadpool(_answer, method, arguments)


def _operation(method: Operation, on_loop: bool = False) -> Handler:
    """`on_loop`: a read of what lives on the server's loop (the open connections), answered there."""
    # Keyword-only parameters are Python-only (callables, flags): they are not fields of the body.
    parameters = openapi.parameters(method)
    accepted = set(parameters)
    required = {n for n, p in parameters.items() if p.default is p.empty}

    async def handle(request: Request) -> Response:
        if request.method == "GET":
            if request.query_params:
                return error(f"unknown query parameter(s): {', '.join(sorted(request.query_params))}", 400)
            return _answer(method, {}) if on_loop else await _off_the_loop(method, {})
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
        unknown = sorted(set(body) - accepted)
        missing = sorted(required - set(body))
        if unknown or missing:
            parts = [f"unknown field(s): {', '.join(unknown)}"] if unknown else []
            parts += [f"missing field(s): {', '.join(missing)}"] if missing else []
            return error("; ".join(parts) + f"; accepted: {', '.join(parameters) or 'none'}", 400)
        return await _off_the_loop(method, body)

    return handle


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
    """What each `POST /_admin/<name>` calls; the body's fields are the method's arguments."""
    return {
        "reset": control.reset,
        "accounts": control.create_account,
        "keys": control.create_key,
        "markets": control.create_market,
        # Kalshi's markets (control/kalshi_markets.py): series, events, the lifecycle, the house's book, the exchange
        "series": control.set_series,
        "events": control.set_event,
        "markets/update": control.update_market,
        "markets/pause": control.pause_market,
        "markets/resume": control.resume_market,
        "markets/close": control.close_market,
        "markets/close_time": control.set_close_time,
        "markets/determine": control.determine_market,
        "books": control.set_book,
        "exchange_status": control.set_exchange_status,
        "fills": control.fill,
        "fills/batch": control.fills,
        "settlements": control.settle,
        "orders": control.create_order,
        "orders/cancel": control.cancel_order,
        "orders/place": control.place_order,  # a client's order (the other side of a bot's trade): it takes
        # Kalshi's order groups (control/kalshi_order_groups.py); read in GET /_admin/accounts/{user_id}
        "order_groups": control.create_order_group,
        "order_groups/limit": control.set_order_group_limit,
        "order_groups/trigger": control.trigger_order_group,
        "order_groups/reset": control.reset_order_group,
        "order_groups/delete": control.delete_order_group,
        "deposits": control.deposit,
        "withdrawals": control.withdrawal,
        "scenario": paths.confined_load(scenarios),
        "scenario/step": scenarios.step,
        "scenario/play": scenarios.play_scenario,
        "clock": control.advance_clock,
        "deribit/accounts": control.create_deribit_account,
        "deribit/subaccounts": control.create_deribit_subaccount,
        "deribit/keys": control.create_deribit_key,
        "deribit/fills": control.deribit_fill,
        "deribit/orders": control.deribit_order,
        "deribit/orders/cancel": control.deribit_cancel_order,
        "deribit/orders/place": control.deribit_place_order,  # a client's order: it takes, its funds checked
        "deribit/deposits": control.deribit_deposit,
        "deribit/withdrawals": control.deribit_withdraw,
        "deribit/transfers": control.deribit_transfer,
        "deribit/transfers/user": control.deribit_transfer_to_user,
        "deribit/transfers/cancel": control.deribit_cancel_transfer,
        "deribit/withdrawals/cancel": control.deribit_cancel_withdrawal,
        "deribit/subaccounts/name": control.rename_deribit_subaccount,
        "deribit/subaccounts/login": control.set_deribit_subaccount_login,
        "deribit/interuser_transfers": control.set_deribit_interuser_transfers,
        "deribit/deposit_addresses": control.create_deribit_deposit_address,
        "deribit/settlement_prices": control.set_settlement_price,
        "deribit/instruments": control.list_instrument,
        "deribit/index_prices": control.set_index_price,
        "deribit/mark_prices": control.set_mark_price,
        "deribit/volatility": control.set_volatility,
        "rate_limits": control.set_rate_limit_tier,
        "rest_lag": control.set_rest_lag,
        "faults": control.add_fault,
        "faults/remove": control.remove_fault,
        "faults/ws/close": control.close_websockets,
        "scenario/pause": scenarios.pause_scenario,
        # Kalshi's account: usage-level grants and key deletion (control/kalshi_account.py)
        "api_usage_levels": control.grant_api_usage_level,
        "api_usage_levels/show": control.api_usage_level,
        "keys/delete": control.delete_key,
        # An account's insides (control/kalshi_subaccounts.py).
        "subaccounts": control.create_subaccount,
        "subaccounts/transfers": control.subaccount_transfer,
        "subaccounts/netting": control.set_subaccount_netting,
        "intra_exchange_transfers": control.intra_exchange_transfer,
        "intra_exchange_transfers/complete": control.complete_intra_exchange_transfer,
        "target_balance_allocation": control.set_target_balance_allocation,
        "historical/cutoff": control.set_historical_cutoff,
        # An FCM member's desk (control/kalshi_fcm.py)
        "fcm/subtraders": control.create_fcm_subtrader,
        "fcm/daily_caps": control.set_fcm_daily_cap,
        "fcm/blocked_categories": control.set_fcm_blocked_category,
        "fcm/error_accounts": control.set_fcm_error_account,
        "fcm/position_transfers": control.fcm_position_transfer,
    }


def reads(
    control: Control, scenarios: Scenarios, views: Views | None = None
) -> dict[str, Callable[..., dict[str, Any]]]:
    """What each `GET /_admin/<name>` calls (no arguments)."""
    found = {
        "scenario": scenarios.scenario_status,
        "clock": control.clock,
        "rate_limits": control.rate_limits,
        "rest_lag": control.rest_lag,
        "faults": control.faults,
        "historical/cutoff": control.historical_cutoff,
        "exchange_status": control.exchange_status,
    }
    if views is not None:
        found |= {"accounts": views.accounts.accounts, "connections": views.connections.connections_now}
    return found


def removals(control: Control) -> dict[str, Callable[..., dict[str, Any]]]:
    """What each `DELETE /_admin/<name>` calls (no arguments)."""
    return {"faults": control.clear_faults}


def _account_route(views: Views) -> Handler:
    async def account(request: Request) -> Response:
        user_id = _path_named(request, "user_id")
        if user_id is None:
            return error(f"no account is named by the path {excerpt(request.scope['path'])}", 404)
        try:
            values = checked_query(request.query_params.multi_items(), ACCOUNT_QUERY)
        except ControlError as exc:
            return error(str(exc), exc.status)
        arguments = {
            "user_id": user_id,
            "subaccount": values.get("subaccount", 0),
            "wallet_id": values.get("wallet"),
            "instrument": values.get("instrument"),
        }
        return await _off_the_loop(views.accounts.account, arguments)

    return account


def _markets_routes(views: Views) -> tuple[Handler, Handler]:
    """GET /_admin/markets (a page of them, its query checked first) and GET /_admin/markets/{ticker}."""

    async def listed(request: Request) -> Response:
        try:
            arguments = checked_query(request.query_params.multi_items(), MARKETS_QUERY)
        except ControlError as exc:
            return error(str(exc), exc.status)
        return await _off_the_loop(views.markets.markets, arguments)

    async def one(request: Request) -> Response:
        if request.query_params:
            return error(f"unknown query parameter(s): {', '.join(sorted(request.query_params))}", 400)
        ticker = _path_named(request, "ticker")
        if ticker is None:
            return error(f"no market is named by the path {excerpt(request.scope['path'])}", 404)
        return await _off_the_loop(views.markets.market, {"ticker": ticker})

    return listed, one


def _inspector_routes(views: Views, guard: AdminGuard) -> list[BaseRoute]:
    listed, one = _markets_routes(views)
    return [
        Route(f"{ADMIN_PREFIX}/accounts/{{user_id:path}}", guarded(guard, _account_route(views)), methods=["GET"]),
        # Beside POST /_admin/markets (listing one) and the POSTs under it, which keep their paths.
        Route(f"{ADMIN_PREFIX}/markets", guarded(guard, listed), methods=["GET"]),
        Route(f"{ADMIN_PREFIX}/markets/{{ticker:path}}", guarded(guard, one), methods=["GET"]),
        Route(f"{ADMIN_PREFIX}/events", guarded(guard, views.feed.endpoint), methods=["GET"]),
        *inspector.routes(guard),
    ]


def routes(
    control: Control,
    scenarios: Scenarios,
    journal: Journal,
    settings: Settings,
    views: Views | None = None,
    *,
    warnings: Callable[[], list[str]] | None = None,
) -> list[BaseRoute]:
    """The admin API's routes; with `views` (app.py gives them), the inspector's reads, feed and page too; `warnings`:
    what the health check lists besides its status (the state file's)."""
    guard = AdminGuard(settings)
    table = operations(control, scenarios, AdminPaths(settings.scenario_dirs, settings.key_dirs))
    gets = reads(control, scenarios, views)
    deletes = removals(control)
    changed = views.feed.changed if views is not None else None
    found: list[BaseRoute] = [
        Route(f"{ADMIN_PREFIX}/{name}", guarded(guard, _operation(method), changed), methods=["POST"])
        for name, method in table.items()
        if name not in gets and name not in deletes
    ]
    for name in dict.fromkeys([*gets, *deletes]):
        # One path, several methods: GET reads, POST acts, DELETE removes; each a Control method.
        handlers = {"POST": _operation(table[name])} if name in table else {}
        if name in gets:
            handlers["GET"] = handlers["HEAD"] = _operation(gets[name], on_loop=name in LOOP_READS)
        if name in deletes:
            handlers["DELETE"] = _operation(deletes[name])

        async def dispatch(request: Request, handlers: dict[str, Handler] = handlers) -> Response:
            return await handlers[request.method](request)

        methods = [method for method in handlers if method != "HEAD"]  # Starlette serves HEAD beside GET
        found.append(Route(f"{ADMIN_PREFIX}/{name}", guarded(guard, dispatch, changed), methods=methods))
    journaled = (journal.read, journal.clear, _JOURNAL_FILTERS)
    extra = {}
    if views is not None:
        extra = openapi.inspector_paths(ADMIN_PREFIX, views.accounts.account, ACCOUNT_QUERY)
        extra |= openapi.market_paths(ADMIN_PREFIX, views.markets.markets, views.markets.market, MARKETS_QUERY)
    document = openapi.document(table, gets, journaled, ADMIN_PREFIX, deletes=deletes, extra=extra)

    async def describe(request: Request) -> Response:
        # Open like health: it says what docs/admin-api.md says, and a browser page cannot read it (no CORS).
        return json_line_response(document)

    found.append(Route(f"{ADMIN_PREFIX}/health", _health(warnings), methods=["GET"]))
    found.append(Route(f"{ADMIN_PREFIX}/openapi.json", describe, methods=["GET"]))
    inspecting = _inspector_routes(views, guard) if views is not None else []
    return found + journal_routes(journal, guard, changed) + inspecting
