"""A router that finds a request's route among the few whose pattern matches its path, not by trying every route.

Starlette's `Router` matches a request against each route in order: the mock serves some 300 (both venues and the
admin API), and a request paid a regular expression for each route before its own (an admin request about 0.2 ms, a
Deribit one, whose route follows Kalshi's table, about 0.07). This router keeps, for each path asked (a bounded number),
the routes whose pattern matches it, in the table's order, and tries only those: the same route answers as a walk of
the whole table would find. A method none of them takes, or a path none matches, is left to Starlette's walk (which
answers the 405, the redirect or the 404).

A venue's table of routes is the same for every mock a process builds (a test suite builds thousands): it is made once
and shared, and each endpoint finds its own mock's parts in the request (`context_of`: the app it came in by keeps
them, by their type, in its state).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from starlette._utils import get_route_path
from starlette.requests import HTTPConnection
from starlette.routing import BaseRoute, Match, Mount, Route, Router, WebSocketRoute
from starlette.types import Receive, Scope, Send

T = TypeVar("T")

# The paths whose routes are kept: at most so many, each at most so long (what a client names is not kept without
# bound: past the count the lot is forgotten, and a longer path's routes are found again at each request).
KEPT_PATHS = 4096
KEPT_PATH_LENGTH = 256


class IndexedRouter(Router):
    """`Router`, with the routes each path's pattern matches kept (`_by_path`), found by the path's first request (a
    mock that answers a few requests pays nothing more). Only tables of routes matched by their path's pattern alone
    (`Route`, `WebSocketRoute`, `Mount`) are kept: with any other route, every request walks the table."""

    def __init__(self, routes: Sequence[BaseRoute]) -> None:
        super().__init__(routes=list(routes))
        self._by_path: dict[str, tuple[BaseRoute, ...]] = {}
        self._keeps = all(type(route) in (Route, WebSocketRoute, Mount) for route in self.routes)

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        candidates = self._candidates(scope)
        for route in candidates:
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                scope.setdefault("router", self)
                scope["route"] = route
                scope.update(child_scope)
                await route.handle(scope, receive, send)
                return
        # (no route takes this path and method: Starlette's walk answers its 405, its redirect or its 404)
        await super().app(scope, receive, send)

    def _candidates(self, scope: Scope) -> tuple[BaseRoute, ...]:
        """The routes whose pattern matches the request's path, in the table's order (none kept: none)."""
        if scope["type"] == "lifespan" or not self._keeps:
            return ()
        path = get_route_path(scope)
        found = self._by_path.get(path)
        if found is None:
            found = tuple(route for route in self.routes if _pattern(route).match(path))
            if len(path) <= KEPT_PATH_LENGTH:
                if len(self._by_path) >= KEPT_PATHS:
                    self._by_path.clear()
                self._by_path[path] = found
        return found


def _pattern(route: BaseRoute) -> re.Pattern[str]:
    assert isinstance(route, (Route, WebSocketRoute, Mount))
    return route.path_regex


def keep_contexts(app: Any, contexts: Mapping[type, Any]) -> None:
    """Give a Starlette `app` the parts its shared routes serve, by their type (one of each: `context_of`)."""
    app.state.contexts = dict(contexts)


def context_of(connection: HTTPConnection, kind: type[T]) -> T:
    """The part of type `kind` of the mock whose app the request (or websocket) came in by (`keep_contexts`)."""
    found: T = connection.app.state.contexts[kind]
    return found
