"""A Deribit mock whose subscription notifications are changed on the wire before a client reads them: what the
real-client cells must fail on (tests/clients/test_cryptofeed_cells.py, test_ccxt_coinbase_watches.py)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import orjson

from mockexchange.server import MockServer
from mockexchange.web.extensions import FRAME_WRITER

# (channel, the notification's data, how many the channel has sent, this one counted) -> None: changes data in place
Wrong = Callable[[str, Any, int], None]


class WrongNotifications:
    """ASGI middleware: the wrapped mock's Deribit subscription notifications, each changed by `wrong`."""

    def __init__(self, app: Any, wrong: Wrong) -> None:
        self.app = app
        self.wrong = wrong

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "websocket":
            await self.app(scope, receive, send)
            return
        extensions = {k: v for k, v in (scope.get("extensions") or {}).items() if k != FRAME_WRITER}
        sent: dict[str, int] = {}

        async def breaking(message: dict[str, Any]) -> None:
            text = (message.get("text") or "") if message["type"] == "websocket.send" else ""
            if '"method":"subscription"' in text:
                frame = orjson.loads(text)
                channel = frame["params"]["channel"]
                sent[channel] = sent.get(channel, 0) + 1
                self.wrong(channel, frame["params"]["data"], sent[channel])
                message = {**message, "text": orjson.dumps(frame).decode()}
            await send(message)

        await self.app({**scope, "extensions": extensions}, receive, breaking)


def broken(server: MockServer, wrong: Wrong) -> MockServer:
    """`server` (not started yet) behind `WrongNotifications`."""
    server.app = dataclasses.replace(server.app, asgi=WrongNotifications(server.app.asgi, wrong))
    return server
