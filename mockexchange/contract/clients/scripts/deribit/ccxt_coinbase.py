"""ccxt's `coinbaseinternational` (PyPI `ccxt`, unmodified: `ccxt.pro.coinbaseinternational`, which holds its REST
class too), run inside ccxt's own venv against the mock's Coinbase dialect of Deribit (docs/coinbase.md). Its urls are
pointed at the mock the documented way (`urls['api']`: `rest`, `ws`, `wsPrivate`); its credentials are a CDP key's
name and private key, so it signs a CDP JWT (`create_auth_token`) and calls `public/auth` with coinbase_cdp.

ccxt 4.5.90's REST `public/auth` cannot be sent: its `sign` extends the headers of a POST with None (`requestHeaders`
is set for private calls only) and raises TypeError before any request. So the private calls here are ccxt.pro's over
the websocket (`*_ws`), which authenticate there; a plan may still name a REST call, to show that failure.

Plan (a JSON file named by argv[1]):
  {"rest_url": "http://127.0.0.1:PORT/coinbase/api/v2", "ws_url": "ws://127.0.0.1:PORT/coinbase/ws/api/v2",
   "key_name": "organizations/.../apiKeys/...", "private_key": "-----BEGIN EC PRIVATE KEY-----...",
   "calls": [{"id", "method", "args"?}]}
An arg "$<call id>" is that earlier call's order id.

Prints one JSON line: {"event": "rest", "client": version, "calls": {id: outcome}, "received": [...]}: an outcome is
{"ok": true, "result": ...} or {"ok": false, "error": {"type", "message"}}, with "requests": the HTTP requests the
call made ({"method", "path", "status", "body"}); `received` is every websocket message, as ccxt decoded it.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import json
import sys
from typing import Any
from urllib.parse import urlsplit

import ccxt.pro


class RecordingCoinbase(ccxt.pro.coinbaseinternational):
    """ccxt.pro.coinbaseinternational, noting every HTTP exchange and websocket message (it changes nothing)."""

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        self.noted: list[dict[str, Any]] = []
        self.received: list[Any] = []

    def on_rest_response(self, code: Any, reason: Any, url: str, method: str, *rest: Any) -> Any:
        self.noted.append({"method": method, "path": urlsplit(url).path, "status": code, "body": rest[1]})
        return super().on_rest_response(code, reason, url, method, *rest)

    def handle_message(self, client: Any, message: Any) -> Any:
        self.received.append(message)
        return super().handle_message(client, message)


async def run(plan: dict[str, Any]) -> dict[str, Any]:
    client = RecordingCoinbase({"apiKey": plan["key_name"], "secret": plan["private_key"], "timeout": 10000})
    client.urls["api"].update({"rest": plan["rest_url"], "ws": plan["ws_url"], "wsPrivate": plan["ws_url"]})
    outcomes: dict[str, Any] = {}
    try:
        for call in plan["calls"]:
            args = [_earlier(arg, outcomes) for arg in call.get("args", [])]
            client.noted = []
            try:
                result = await getattr(client, call["method"])(*args)
                outcome: dict[str, Any] = {"ok": True, "result": json.loads(json.dumps(result, default=str))}
            except Exception as exc:  # what ccxt would not take (or could not send): the test reads it
                outcome = {"ok": False, "error": {"type": type(exc).__name__, "message": str(exc)[:3000]}}
            outcomes[call["id"]] = {**outcome, "requests": client.noted}
    finally:
        await client.close()
    version = importlib.metadata.version("ccxt")
    return {"event": "rest", "client": version, "calls": outcomes, "received": client.received}


def _earlier(arg: Any, outcomes: dict[str, Any]) -> Any:
    if isinstance(arg, str) and arg.startswith("$"):
        return (outcomes[arg[1:]].get("result") or {}).get("id")
    return arg


if __name__ == "__main__":
    with open(sys.argv[1]) as plan_file:
        done = asyncio.run(run(json.load(plan_file)))
    sys.stdout.write(json.dumps(done, default=str) + "\n")
