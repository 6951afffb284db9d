"""JSON that is never closed, over real HTTP and websockets: a string left open that holds thousands of escaped quotes
(and brackets) is read once by the depth check every venue, the journal and the redaction share
(`bounded_json.parse_json`), and refused as no JSON at once, where it was read again from each escaped quote: a 60 KB
Kalshi command held the event loop, every client and the health check with it, for about 15 s, a 30 KB Deribit
body for 4 s."""

from __future__ import annotations

import json
import time

from hostile_wire import KALSHI_WS, send
from websockets.sync.client import connect

from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiSigner

BOUND_S = 1.5  # what the reply may take on a loaded machine; it takes a few milliseconds


def never_closed(start: str, size: int) -> str:
    """`start` and a string that is opened and never closed, holding escaped quotes and brackets, `size` long."""
    return start + '"' + '{\\"b\\": [\\"' * (size // 11)


def test_an_unterminated_string_of_escaped_quotes_is_refused_at_once() -> None:
    with MockServer() as mock:
        mock.create_account("alice", balance_cents=100_000)
        key = mock.create_key("alice", key_type="ed25519")
        signer = KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])
        started = time.monotonic()
        answer = send(
            mock, "POST", "/api/v2", {}, never_closed('{"jsonrpc": "2.0", "id": 1, "params": ', 30_000).encode()
        )
        took = time.monotonic() - started
        assert (answer.status, answer.json()["error"]["message"]) == (400, "Parse error")
        assert took < BOUND_S, took
        with connect(mock.kalshi_ws_url, additional_headers=signer.headers("GET", KALSHI_WS), open_timeout=10) as ws:
            started = time.monotonic()
            ws.send(never_closed('{"id": 1, "cmd": "subscribe", "params": ', 60_000))
            reply = json.loads(ws.recv(timeout=30))
            took = time.monotonic() - started
            assert reply["type"] == "error" and reply["msg"]["code"] == 1
            assert took < BOUND_S, took
            ws.send(json.dumps({"id": 2, "cmd": "list_subscriptions"}))
            assert json.loads(ws.recv(timeout=10))["type"] == "ok"
