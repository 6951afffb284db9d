"""A router that finds a request's route without trying every route in turn when its path has no parameters.

Starlette's `Router` matches a request against each route in order: the mock serves some 300 (both venues and the
admin API), and a request for one near the end of the table paid a regular expression for each route before it (an
admin request, about 0.2 ms). Most requests name a path without parameters (`/trade-api/v2/portfolio/balance`,
`/_admin/fill`), so this router keeps, for each such path, the routes whose pattern matches it, in the table's order,
and tries only those: the same route answers as a walk of the whole table would find. A method none of them takes, and
a path it does not keep (one with a ticker in it, say), are left to Starlette's walk (which answers the 405 or the 404).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from starlette._utils import get_route_path
from starlette.routing import BaseRoute, Match, Mount, Route, Router, WebSocketRoute
from starlette.types import Receive, Scope, Send


class IndexedRouter(Router):
    """`Router`, with the routes each parameter-free path's pattern matches kept (`_by_path`), found by the path's first
    request (a mock that answers a few requests pays nothing more). Only routes matched by their path's pattern alone
    (`Route`, `WebSocketRoute`, `Mount`) are kept: with any other, every request walks the table."""

    def __init__(self, routes: Sequence[BaseRoute]) -> None:
        super().__init__(routes=list(routes))
        self._by_path: dict[str, tuple[BaseRoute, ...]] = {}
        self._kept: frozenset[str] = frozenset()
        if all(type(route) in (Route, WebSocketRoute, Mount) for route in self.routes):
            self._kept = frozenset(
                route.path
                for route in self.routes
                if isinstance(route, (Route, WebSocketRoute)) and not route.param_convertors
            )

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = get_route_path(scope) if scope["type"] != "lifespan" else ""
        candidates = self._by_path.get(path)
        if candidates is None and path in self._kept:
            candidates = self._by_path[path] = tuple(r for r in self.routes if _pattern(r).match(path))
        for route in candidates or ():
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                scope.setdefault("router", self)
                scope["route"] = route
                scope.update(child_scope)
                await route.handle(scope, receive, send)
                return
        # (no route of the path takes this method: Starlette's walk finds the same routes and answers their 405)
        await super().app(scope, receive, send)


def _pattern(route: BaseRoute) -> re.Pattern[str]:
    assert isinstance(route, (Route, WebSocketRoute, Mount))
    return route.path_regex
