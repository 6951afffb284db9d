"""A deliberately broken Deribit server for testing `contract check-deribit`: the mock, with defects wired in front of
its HTTP JSON-RPC (the websocket passes untouched).

- `private/get_positions`: every row lacks `instrument_name` (a required field dropped).
- `private/get_account_summary`: `balance` is a JSON string, not a number.
- `public/get_instruments`: an error reply is in the wrong shape (`{"code": "-32602", "msg": ...}`).
- `private/get_transfers`: answered `Method not found`, as a server that does not serve it.
"""

from __future__ import annotations

from typing import Any

import orjson
from broken_server import capture, send_json, serving_through

from mockexchange.server import MockServer


class BrokenDeribit:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/v2"):
            await self.app(scope, receive, send)
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        raw = b"".join(chunks)
        request = orjson.loads(raw) if raw.strip() else {}
        method = str(request.get("method", "")).lstrip("/") or scope["path"].removeprefix("/api/v2/")
        if method == "private/get_transfers":
            error = {"code": -32601, "message": "Method not found"}
            await send_json(send, 400, {"jsonrpc": "2.0", "id": request.get("id"), "error": error, **_times()})
            return
        replayed = False

        async def replay() -> dict[str, Any]:
            nonlocal replayed
            if replayed:
                return {"type": "http.disconnect"}
            replayed = True
            return {"type": "http.request", "body": raw, "more_body": False}

        status, _, body = await capture(self.app, scope, replay)
        reply = orjson.loads(body)
        if method == "private/get_positions" and isinstance(reply.get("result"), list):
            for row in reply["result"]:
                row.pop("instrument_name", None)
        elif method == "private/get_account_summary" and isinstance(reply.get("result"), dict):
            reply["result"]["balance"] = str(reply["result"]["balance"])
        elif method == "public/get_instruments" and "error" in reply:
            reply["error"] = {"code": str(reply["error"]["code"]), "msg": reply["error"]["message"]}
        await send_json(send, status, reply)


def _times() -> dict[str, Any]:
    return {"usIn": 1, "usOut": 2, "usDiff": 1, "testnet": True}


def broken_deribit() -> MockServer:
    """A `MockServer` (not started) whose Deribit HTTP answers go through `BrokenDeribit`."""
    return serving_through(BrokenDeribit)
