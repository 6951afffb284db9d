"""A synchronous httpx transport that calls an ASGI app in-process (httpx's own ASGI transport is async only): a
plain `httpx.Client` on it reaches the mock without a server, as the mock's own suites do."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx


class InProcess(httpx.BaseTransport):
    """Each request runs to its end on an event loop of its own: the answer is read whole before it is returned."""

    def __init__(self, app: Any) -> None:
        self._asgi = httpx.ASGITransport(app=app)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def send() -> httpx.Response:
            answer = await self._asgi.handle_async_request(request)
            content = await answer.aread()
            return httpx.Response(answer.status_code, headers=answer.headers, content=content)

        return asyncio.run(send())
