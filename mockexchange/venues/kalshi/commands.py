"""The control plane's commands a Kalshi route runs (`KalshiContext.commands`): in a worker thread (a command may
generate a key pair, or wait on the state file), its refusal in Kalshi's shape."""

from __future__ import annotations

from typing import Any

import anyio.to_thread

from mockexchange.venues.kalshi.context import KalshiContext
from mockexchange.venues.kalshi.errors import KalshiError, internal_error, not_found
from mockexchange.venues.kalshi.json_body import body_error


async def run_command(ctx: KalshiContext, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """What the command answers; a refusal as Kalshi words it: 404 not found, other 4xx a bad request naming the field,
    anything else (the state file cannot keep it) a 500."""
    if ctx.commands is None:
        raise internal_error("this mock's Kalshi venue was built without the control plane's commands")
    command = getattr(ctx.commands, name)
    try:
        return await anyio.to_thread.run_sync(lambda: command(**arguments))
    except ValueError as exc:
        status = getattr(exc, "status", 400)
        if status == 404:
            raise not_found(str(exc)) from None
        if 400 <= status < 500:
            raise KalshiError(status, body_error(str(exc)).body, str(exc)) from None
        raise internal_error(f"{name} was refused with {status}: {exc}") from None
