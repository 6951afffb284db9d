"""How the admin API answers a request: behind its access rules (`guarded`), an operation run in a worker thread
(`off_the_loop`) and its refusal in the admin API's shape; a path parameter read whole (`path_named`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from mockexchange.admin.guard import AdminGuard, error
from mockexchange.control import ControlError
from mockexchange.web.answers import json_line_response

Handler = Callable[[Request], Awaitable[Response]]
# What a `POST /_admin/<name>` calls: its answer is JSON-ready (a command's `answer` renders the core's objects)
Operation = Callable[..., Any]


def path_named(request: Request, name: str) -> str | None:
    """The path parameter `name`, or None when the path names something else: Starlette's match ends in `$`, which
    matches before a trailing newline, so `/_admin/accounts/alice%0A` would otherwise read alice."""
    value = request.path_params[name]
    return value if request.scope["path"].endswith(value) else None


def guarded(guard: AdminGuard, handler: Handler, changed: Callable[[], None] | None = None) -> Handler:
    """`handler` behind the access rules; `changed` is told after an operation (not a GET) that answered 200."""

    async def handle(request: Request) -> Response:
        return await guarded_answer(request, guard, handler, changed)

    return handle


async def guarded_answer(
    request: Request, guard: AdminGuard, handler: Handler, changed: Callable[[], None] | None
) -> Response:
    """What `guarded(guard, handler, changed)` answers `request`."""
    if (refused := guard.refusal(request)) is not None:
        return refused
    response = await handler(request)
    if changed is not None and request.method not in ("GET", "HEAD") and response.status_code == 200:
        changed()
    return response


def answer(method: Operation, arguments: dict[str, Any]) -> Response:
    """The operation's answer, or its refusal; run in a worker thread."""
    try:
        return json_line_response(method(**arguments))
    except ControlError as exc:
        return error(str(exc), exc.status, errors=getattr(exc, "errors", None))


async def off_the_loop(method: Operation, arguments: dict[str, Any]) -> Response:
    """Run an operation in a worker thread (Starlette's thread pool, as it runs a sync endpoint): a long one (a
    scenario's burst, a batch of fills, generated keys) holds only the locks of the state it changes, while the loop
    goes on serving the other venue, the health check and the websockets' heartbeats."""
    return await run_in_threadpool(answer, method, arguments)
