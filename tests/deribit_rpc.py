"""A Deribit client for tests over real HTTP: JSON-RPC calls with a key's Basic credentials, the reply whole (with its
HTTP status), its result, or its numbers read as Decimals (the wire's exact digits); and one over a websocket
(`DeribitWs`): calls, the notifications that arrive meanwhile, `public/auth` by signature."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from decimal import Decimal
from typing import Any

import httpx
import orjson
import plain_http

from mockexchange.server import MockServer


def public_rpc(mock: MockServer, method: str, params: dict[str, Any]) -> dict[str, Any]:
    """A call with no credentials, POSTed to the method's own path, its numbers read as Decimals: the reply whole (a
    result answers 200, an error 400)."""
    body = {"jsonrpc": "2.0", "id": 7, "method": method, "params": params}
    response = plain_http.post(f"{mock.deribit_url}/api/v2/{method}", json=body, timeout=10)
    reply = json.loads(response.text, parse_float=Decimal)
    assert response.status_code == (200 if "result" in reply else 400), response.text
    return reply


class Deribit:
    def __init__(self, mock: MockServer, key: dict[str, Any]) -> None:
        self.mock = mock
        token = base64.b64encode(f"{key['client_id']}:{key['client_secret']}".encode()).decode()
        self.headers = {"Authorization": f"Basic {token}"}

    def rpc(self, method: str, **params: Any) -> dict[str, Any]:
        body = {"jsonrpc": "2.0", "id": 7, "method": method, "params": params}
        r = plain_http.post(
            self.mock.deribit_url + "/api/v2", content=json.dumps(body), headers=self.headers, timeout=10
        )
        return orjson.loads(r.content) | {"_status": r.status_code}

    def result(self, method: str, **params: Any) -> Any:
        answer = self.rpc(method, **params)
        assert "result" in answer, answer
        return answer["result"]

    def query(self, method: str, query: str) -> httpx.Response:
        return plain_http.get(f"{self.mock.deribit_url}/api/v2/{method}?{query}", headers=self.headers, timeout=10)

    def decimal(self, method: str, **params: Any) -> Any:
        """The result with its numbers read as Decimals (the wire's exact digits)."""
        body = {"jsonrpc": "2.0", "id": 7, "method": method, "params": params}
        r = plain_http.post(
            self.mock.deribit_url + "/api/v2", content=json.dumps(body), headers=self.headers, timeout=10
        )
        return json.loads(r.text, parse_float=Decimal)["result"]


class DeribitWs:
    """JSON-RPC over an open websocket (`websockets`' client): each reply by its id, the notifications that arrive
    before it kept in order; every fraction read as a Decimal (`decimals=False`: as a float)."""

    def __init__(self, ws: Any, *, decimals: bool = True) -> None:
        self.ws = ws
        self.next_id = 0
        self.notifications: list[dict] = []
        self.parse_float: Any = Decimal if decimals else float

    async def call(self, method: str, params: dict | None = None) -> dict:
        self.next_id += 1
        await self.ws.send(json.dumps({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params or {}}))
        while True:
            message = json.loads(await asyncio.wait_for(self.ws.recv(), 5), parse_float=self.parse_float)
            if message.get("id") == self.next_id:
                return message
            self.notifications.append(message)

    async def notification(self, timeout: float = 5) -> dict:
        if self.notifications:
            return self.notifications.pop(0)
        return json.loads(await asyncio.wait_for(self.ws.recv(), timeout), parse_float=self.parse_float)

    async def quiet(self, timeout: float = 0.3) -> bool:
        """True when no notification arrives within `timeout` seconds."""
        try:
            await self.notification(timeout)
        except TimeoutError:
            return True
        return False

    async def auth(self, client_id: str, secret: str) -> dict:
        """`public/auth` with `client_signature`: the reply."""
        ts = int(time.time() * 1000)
        signature = hmac.new(secret.encode(), f"{ts}\n{ts}\n".encode(), hashlib.sha256).hexdigest()
        return await self.call("public/auth", {
            "grant_type": "client_signature", "client_id": client_id, "timestamp": ts, "nonce": str(ts), "data": "",
            "signature": signature,
        })  # fmt: skip
