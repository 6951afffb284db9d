"""Raw requests for the hostile-input tests: header values as bytes (httpx refuses non-ASCII ones; a client on the wire
need not), a websocket upgrade by hand, and the journal read over HTTP as any client reads it."""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from typing import Any

import plain_http

from mockexchange.server import MockServer

KALSHI_WS = "/trade-api/ws/v2"
UPGRADE = {
    "Connection": "Upgrade",
    "Upgrade": "websocket",
    "Sec-WebSocket-Version": "13",
    "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
}


@dataclass(frozen=True)
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def rpc_error(self) -> dict[str, Any]:
        """A JSON-RPC reply with the wall-clock fields (`usIn`, `usOut`, `usDiff`) left out: all else is exact."""
        body = self.json()
        for name in ("usIn", "usOut", "usDiff"):
            body.pop(name)
        return body


def send(
    mock: MockServer, method: str, target: str, headers: dict[str, str | bytes] | None = None, body: bytes = b""
) -> Answer:
    """One request as written: `target` untouched, each header value as given (str values sent as latin-1 bytes,
    which is how the server reads them back)."""
    connection = http.client.HTTPConnection(mock.host, mock.port, timeout=10)
    try:
        connection.putrequest(method, target, skip_host=False, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            connection.putheader(name, value.encode("latin-1") if isinstance(value, str) else value)
        if body or method == "POST":
            connection.putheader("Content-Type", "application/json")
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body or None)
        response = connection.getresponse()
        return Answer(response.status, response.headers, response.read())
    finally:
        connection.close()


def rpc(mock: MockServer, method: str, params: dict[str, Any], headers: dict[str, str | bytes] | None = None) -> Answer:
    """A JSON-RPC request to `POST /api/v2`."""
    document = {"jsonrpc": "2.0", "id": 7, "method": method, "params": params}
    return send(mock, "POST", "/api/v2", headers, json.dumps(document).encode())


def journal(mock: MockServer, **filters: object) -> list[dict[str, Any]]:
    """`GET /_admin/requests`: it must answer 200 whatever the mock was sent before."""
    answer = plain_http.get(f"{mock.base_url}/_admin/requests", params=filters, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()["requests"]
