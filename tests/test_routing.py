"""The mock's router (mockexchange/web/routing.py) picks, for every request, the route Starlette's own router picks:
for each path of the mock's whole table (both venues, the admin API, the inspector) and each method, the same route,
the same 405 and the same 404; on a table where a route with parameters comes before a path without, and where one
path's methods are split over several routes, too. And through the app: an admin path answers, another method there
is the 405 it was."""

from __future__ import annotations

import asyncio
import copy
from typing import Any

import httpx
import pytest
from starlette.exceptions import HTTPException
from starlette.responses import PlainTextResponse
from starlette.routing import BaseRoute, Route, Router, WebSocketRoute

from mockexchange.app import build_app
from mockexchange.settings import Settings
from mockexchange.web import routing
from mockexchange.web.routing import IndexedRouter

METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH")


def _picked(router: Router, scope: dict[str, Any]) -> object:
    """The route `router` hands `scope` to (each route's `handle` records itself instead of running), or the status
    it refuses with. (Nothing on this road waits: the router's coroutine is run to its end by one step.)"""
    try:
        router.app(scope, _nothing, _nothing).send(None)
    except StopIteration:
        return None
    except HTTPException as exc:
        return exc.status_code
    raise AssertionError("the router waited")


async def _nothing(*_: Any) -> Any:
    return {"type": "http.request", "body": b""}


def _recording(routes: list[BaseRoute]) -> list[BaseRoute]:
    """Copies of `routes` whose `handle` records itself (the mock's tables are shared by every mock of the process:
    the tests change copies)."""
    copies = [copy.copy(route) for route in routes]
    for route in copies:

        async def record(scope: dict[str, Any], receive: Any, send: Any, route: BaseRoute = route) -> None:
            scope["picked"] = route
            raise _Picked(route)

        route.handle = record  # type: ignore[method-assign]
    return copies


class _Picked(Exception):
    def __init__(self, route: BaseRoute) -> None:
        self.route = route


def _pick(router: Router, path: str, method: str, kind: str = "http") -> object:
    scope = {"type": kind, "path": path, "root_path": "", "method": method, "headers": [], "query_string": b""}
    # (in an app, a path no route takes is an HTTPException(404), as the mock's handler gets it)
    scope["app"] = object()
    try:
        return _picked(router, scope)
    except _Picked as picked:
        return (picked.route, scope.get("path_params"))


def _paths(routes: list[BaseRoute]) -> list[str]:
    paths = [getattr(route, "path", "") for route in routes]
    # each path as routes name it, one a parameter fills in, and one no route has
    return [p for p in paths if "{" not in p] + ["/_admin/accounts/someone", "/trade-api/v2/markets/KX-1", "/none"]


def _same_picks(routes: list[BaseRoute], paths: list[str]) -> None:
    routes = _recording(routes)
    plain, indexed = Router(routes=routes), IndexedRouter(routes)
    for path in paths:
        for method in METHODS:
            assert _pick(indexed, path, method) == _pick(plain, path, method), (method, path)
        assert _pick(indexed, path, "GET", "websocket") == _pick(plain, path, "GET", "websocket"), path


def test_every_path_of_the_mocks_table_gets_the_route_starlette_would_pick() -> None:
    app = build_app(Settings(journal_size=0))
    routes = list(app.asgi.routes)
    assert isinstance(app.asgi.router, IndexedRouter) and len(routes) > 300
    _same_picks(routes, _paths(routes))


def test_a_route_with_parameters_before_a_path_and_methods_over_several_routes_pick_as_starlette_does() -> None:
    def answer(text: str) -> Any:
        return lambda request: PlainTextResponse(text)

    routes: list[BaseRoute] = [
        Route("/things/{name}", answer("any thing"), methods=["GET"]),  # shadows the next one's GET
        Route("/things/special", answer("special"), methods=["GET", "POST"]),
        Route("/only", answer("get"), methods=["GET"]),
        Route("/only", answer("put"), methods=["PUT"]),
        WebSocketRoute("/only", answer("socket")),
    ]
    _same_picks(routes, ["/things/special", "/things/x", "/only", "/only/", "/nothing"])


@pytest.mark.parametrize("method, status", [("GET", 200), ("POST", 405)])
def test_an_admin_path_answers_and_another_method_there_is_refused_through_the_app(method: str, status: int) -> None:
    async def ask() -> httpx.Response:
        app = build_app(Settings(journal_size=0))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app.asgi), base_url="http://mock") as client:
            return await client.request(method, "/_admin/health")

    assert asyncio.run(ask()).status_code == status


def test_the_paths_kept_are_bounded_in_number_and_length() -> None:
    routes: list[BaseRoute] = [Route("/things/{name}", lambda request: PlainTextResponse("thing"), methods=["GET"])]
    routes = _recording(routes)
    router = IndexedRouter(routes)
    for n in range(routing.KEPT_PATHS + 10):
        assert _pick(router, f"/things/t{n}", "GET") == (routes[0], {"name": f"t{n}"})
    long = "/things/" + "x" * routing.KEPT_PATH_LENGTH
    assert _pick(router, long, "GET") == (routes[0], {"name": "x" * routing.KEPT_PATH_LENGTH})
    assert 0 < len(router._by_path) <= routing.KEPT_PATHS and long not in router._by_path
