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

from collections.abc import Callable, Iterable
from functools import cache
from importlib import resources

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from mockexchange.admin.guard import AdminGuard, error
from mockexchange.admin.panels import CSS, JS, Panel

INSPECTOR_PATH = "/_inspector"
# name -> media type: the page's own; each venue's panel adds the scripts that draw it (admin/panels.py; files of its
# own package's static/ folder), loaded after inspector.js, each registering its venue's section with it
# (`window.inspector.venue`). Nothing else is served under /_inspector/.
ASSETS = {
    "inspector.js": JS,
    "inspector.css": CSS,
    "favicon.svg": "image/svg+xml",
}
PAGE = "inspector.html"
VENUE_SCRIPTS = b"<!-- venue scripts -->\n"  # where the page loads the venues' scripts and style sheets
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


@cache  # the same venues' page for every server of a process
def page_with(assets: tuple[str, ...]) -> bytes:
    """The page, loading each venue's scripts and style sheets (`assets`, by name) where it says."""
    tags = "".join(
        f'<link rel="stylesheet" href="{INSPECTOR_PATH}/{name}">\n' if name.endswith(".css")
        else f'<script src="{INSPECTOR_PATH}/{name}" defer></script>\n'
        for name in assets
    )  # fmt: skip
    return asset(PAGE).replace(VENUE_SCRIPTS, tags.encode())


def routes(guard: AdminGuard, panels: Iterable[type[Panel] | Panel]) -> list[BaseRoute]:
    """The page and its assets, with each venue's panel's scripts (read from the panel's own package)."""
    read: dict[str, Callable[[str], bytes]] = dict.fromkeys(ASSETS, asset)
    served = dict(ASSETS)
    for panel in panels:
        read |= dict.fromkeys(panel.assets, panel.asset)
        served |= panel.assets
    shown = page_with(tuple(name for name in served if name not in ASSETS))

    async def page(request: Request) -> Response:
        if (refused := guard.refusal(request, token=False)) is not None:
            return refused
        return Response(shown, media_type="text/html; charset=utf-8", headers=HEADERS)

    async def static(request: Request) -> Response:
        if (refused := guard.refusal(request, token=False)) is not None:
            return refused
        name = request.path_params["name"]
        media_type = served.get(name)
        if media_type is None:
            return error(f"the inspector has no asset {name[:80]!r}", 404, HEADERS)
        return Response(read[name](name), media_type=media_type, headers=HEADERS)

    return [
        Route(INSPECTOR_PATH, page, methods=["GET"]),
        Route(INSPECTOR_PATH + "/", page, methods=["GET"]),
        Route(INSPECTOR_PATH + "/{name:path}", static, methods=["GET"]),
    ]
