"""A websocket's reads, sends and closes, as both venues' connections, the proxy's and the inspector's feed use them:
the next message, a text frame (past a full buffer when it is a connection's last), a close that cannot wait on a
client that does not read, a dropped connection, and a connection's tasks run until the first ends."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketDisconnected

from mockexchange.web.extensions import DROPPED, UNTHROTTLED

# What a send raises once the client has gone away.
GONE = (WebSocketDisconnect, WebSocketDisconnected, OSError)


async def next_message(websocket: Any) -> str | bytes | None:
    """The next text or binary message a websocket client sent; None once it has disconnected."""
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return None
        data = message.get("text")
        if data is None:
            data = message.get("bytes")
        if data is not None:
            return data


async def send_text(websocket: WebSocket, text: str, *, unthrottled: bool = False) -> None:
    """One text frame; `unthrottled`: written even if the client is not reading (the connection's last frames)."""
    await websocket.send({"type": "websocket.send", "text": text, UNTHROTTLED: unthrottled})


async def close_now(websocket: WebSocket, code: int, reason: str) -> None:
    """The close frame, written even if the client is not reading (the server cuts off a client that does not answer
    it within its close timeout); nothing happens if the client has gone already."""
    with contextlib.suppress(*GONE, RuntimeError):  # RuntimeError: closed already
        await websocket.send({"type": "websocket.close", "code": code, "reason": reason, UNTHROTTLED: True})


async def drop_now(websocket: WebSocket) -> None:
    """End an accepted websocket as a dropped connection would (no close frame; see extensions.DROPPED); nothing
    happens if the client has gone already."""
    with contextlib.suppress(*GONE, RuntimeError):  # RuntimeError: closed already
        message = {"type": "websocket.close", "code": 1001, "reason": "", DROPPED: True, UNTHROTTLED: True}
        await websocket.send(message)


async def until_first_ends(*coroutines: Coroutine[Any, Any, Any]) -> BaseException | None:
    """Run the coroutines as tasks until one ends, then cancel the others. The first exception one of them raised,
    other than the client going away; None if none did. Cancelled from outside, it cancels them all."""
    tasks = [asyncio.create_task(c) for c in coroutines]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
    failure: BaseException | None = None
    for task in tasks:
        try:
            await task
        except (asyncio.CancelledError, *GONE):
            pass
        except Exception as exc:
            failure = failure or exc
    current = asyncio.current_task()
    if current is not None and current.cancelling():
        raise asyncio.CancelledError  # cancelled from outside while the tasks wound down: not swallowed
    return failure
