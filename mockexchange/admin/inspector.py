"""The sandbox inspector: `GET /_inspector`, a page a client developer keeps open beside their code, and its assets.

The page, its script, its style sheet and its icon ship in the package (`admin/static/`, package data, read with
`importlib.resources`): nothing is fetched from another host, and a strict Content-Security-Policy says so to the
browser (`default-src 'self'`, no inline script or style). The page reads the admin API (`/_admin/accounts`,
`/_admin/markets`, `/_admin/connections`, `/_admin/requests`, ...), follows `GET /_admin/events` for what changes, and
acts through the admin operations (scenario step, play and pause, fault rules, rate-limit tier); docs/inspector.md
says what it shows.

The page and its assets pass the admin API's access rules (admin/guard.py) but for the token: they are the package's
own static files and carry no data, and a browser cannot send a token when it opens a page. With `--admin-token`,
every read and operation the page makes carries it (`/_inspector#token=TOKEN`: the fragment never reaches a server).
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from mockexchange.admin.guard import AdminGuard, error

INSPECTOR_PATH = "/_inspector"
# name -> media type; nothing else is served under /_inspector/.
ASSETS = {
    "inspector.js": "text/javascript; charset=utf-8",
    "inspector-kalshi.js": "text/javascript; charset=utf-8",  # a Kalshi account's insides, drawn for inspector.js
    "inspector-deribit.js": "text/javascript; charset=utf-8",  # a Deribit wallet's orders and book, for inspector.js
    "inspector-markets.js": "text/javascript; charset=utf-8",  # Kalshi's markets and their books, for inspector.js
    "inspector.css": "text/css; charset=utf-8",
    "favicon.svg": "image/svg+xml",
}
PAGE = "inspector.html"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",  # revalidated: a newer mock's page is never an older one's
}


@cache
def asset(name: str) -> bytes:
    """A file of `admin/static/`, as the installed package holds it."""
    return resources.files("mockexchange.admin").joinpath("static", name).read_bytes()


def routes(guard: AdminGuard) -> list[BaseRoute]:
    async def page(request: Request) -> Response:
        if (refused := guard.refusal(request, token=False)) is not None:
            return refused
        return Response(asset(PAGE), media_type="text/html; charset=utf-8", headers=HEADERS)

    async def static(request: Request) -> Response:
        if (refused := guard.refusal(request, token=False)) is not None:
            return refused
        name = request.path_params["name"]
        media_type = ASSETS.get(name)
        if media_type is None:
            return error(f"the inspector has no asset {name[:80]!r}", 404, HEADERS)
        return Response(asset(name), media_type=media_type, headers=HEADERS)

    return [
        Route(INSPECTOR_PATH, page, methods=["GET"]),
        Route(INSPECTOR_PATH + "/", page, methods=["GET"]),
        Route(INSPECTOR_PATH + "/{name:path}", static, methods=["GET"]),
    ]
