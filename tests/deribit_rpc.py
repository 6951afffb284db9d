"""A Deribit client for tests over real HTTP: JSON-RPC calls with a key's Basic credentials, the reply whole (with its
HTTP status), its result, or its numbers read as Decimals (the wire's exact digits)."""

from __future__ import annotations

import base64
import json
from decimal import Decimal
from typing import Any

import httpx
import orjson

from mockexchange.server import MockServer


class Deribit:
    def __init__(self, mock: MockServer, key: dict[str, Any]) -> None:
        self.mock = mock
        token = base64.b64encode(f"{key['client_id']}:{key['client_secret']}".encode()).decode()
        self.headers = {"Authorization": f"Basic {token}"}

    def rpc(self, method: str, **params: Any) -> dict[str, Any]:
        body = {"jsonrpc": "2.0", "id": 7, "method": method, "params": params}
        r = httpx.post(self.mock.deribit_url + "/api/v2", content=json.dumps(body), headers=self.headers, timeout=10)
        return orjson.loads(r.content) | {"_status": r.status_code}

    def result(self, method: str, **params: Any) -> Any:
        answer = self.rpc(method, **params)
        assert "result" in answer, answer
        return answer["result"]

    def query(self, method: str, query: str) -> httpx.Response:
        return httpx.get(f"{self.mock.deribit_url}/api/v2/{method}?{query}", headers=self.headers, timeout=10)

    def decimal(self, method: str, **params: Any) -> Any:
        """The result with its numbers read as Decimals (the wire's exact digits)."""
        body = {"jsonrpc": "2.0", "id": 7, "method": method, "params": params}
        r = httpx.post(self.mock.deribit_url + "/api/v2", content=json.dumps(body), headers=self.headers, timeout=10)
        return json.loads(r.text, parse_float=Decimal)["result"]
