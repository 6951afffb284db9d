"""Both venues' websockets under hostile clients, over real sockets: a command nested hundreds of levels deep (or not
JSON at all) gets the venue's error frame and the connection goes on, journal on or off; subscriptions, market tickers
and Deribit channels per connection are capped with the venue's error; and a client that stops reading gets error 25
and the close within seconds (written behind what is already on its way), is cut off if it never reads them, and holds
no other client up meanwhile (Deribit's: the close 1008, then cut off too)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import plain_http
import pytest
from hostile_sockets import DeribitRaw, RawClient, checked_frame, wait_closed
from websockets.sync.client import ClientConnection, connect

from mockexchange.core.bounded_json import MAX_JSON_DEPTH
from mockexchange.server import MockServer
from mockexchange.server.tls import client_context, self_signed
from mockexchange.testing.signing import KalshiSigner

WS_PATH = "/trade-api/ws/v2"
FED = "KXFED-26DEC-T4.00"


def deep(levels: int) -> str:
    return "[" * levels + "]" * levels


@contextmanager
def serving(**settings: Any) -> Iterator[MockServer]:
    with MockServer(**settings) as server:
        server.create_account("alice", balance_cents=10_000_000)
        yield server


def signer_for(mock: MockServer) -> KalshiSigner:
    key = mock.create_key("alice")
    return KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])


class Kalshi:
    """Every reply is checked against the AsyncAPI slice (errors 26 and 27 included)."""

    def __init__(self, ws: ClientConnection, profile: str) -> None:
        self.ws = ws
        self.profile = profile

    def ask(self, command: Any, replies: int = 1) -> list[dict[str, Any]]:
        self.ws.send(command if isinstance(command, str) else json.dumps(command))
        return [checked_frame(self.ws.recv(timeout=10), self.profile) for _ in range(replies)]


@contextmanager
def kalshi(mock: MockServer, signer: KalshiSigner) -> Iterator[Kalshi]:
    with connect(mock.kalshi_ws_url, additional_headers=signer.headers("GET", WS_PATH), open_timeout=10) as ws:
        yield Kalshi(ws, mock.app.settings.profile)


def code(reply: dict[str, Any]) -> int | None:
    return reply["msg"]["code"] if reply["type"] == "error" else None


# -- depth and malformed commands -----------------------------------------------------------------------------------


@pytest.mark.parametrize("journal_size", [10_000, 0])
def test_a_deep_kalshi_command_gets_error_1_and_the_connection_goes_on(journal_size):
    with serving(journal_size=journal_size) as mock, kalshi(mock, signer_for(mock)) as ws:
        for levels in (MAX_JSON_DEPTH + 1, 400, 5_000):
            for text in (
                f'{{"id": 5, "cmd": "subscribe", "params": {{"channels": {deep(levels)}}}}}',
                f'{{"id": 5, "cmd": "list_subscriptions", "x": {deep(levels)}}}',  # deep where nothing reads it
            ):
                [reply] = ws.ask(text)
                assert code(reply) == 1 and "id" not in reply  # refused before a field of it is read
                assert "nested deeper" in reply["mockexchange_diagnosis"]
                [ok] = ws.ask({"id": 6, "cmd": "list_subscriptions"})
                assert ok["type"] == "ok" and ok["id"] == 6
        [reply] = ws.ask("[" * 5_000)  # not JSON, and an opening bracket bomb
        assert code(reply) == 1
        assert [r["type"] for r in ws.ask({"id": 7, "cmd": "subscribe", "params": {"channels": ["fill"]}})] == [
            "subscribed"
        ]
        at_the_limit = {"id": 8, "cmd": "list_subscriptions", "x": json.loads(deep(MAX_JSON_DEPTH - 1))}
        assert ws.ask(at_the_limit)[0]["type"] == "ok"  # the command object is level 1
    if journal_size:  # the journal's schema check survived them too, and says why it did not check them
        judged = [e["problems"] for e in mock.requests(transport="ws") if "[[[[" in (e["command"] or "")]
        too_deep = [p for p in judged if p == [{"rule": "command.json", "detail": "nested deeper than 64 levels: "
                                                 "not checked"}]]  # fmt: skip
        assert len(too_deep) == 7  # 3 depths x 2 commands, and the bracket bomb


def test_a_deep_deribit_frame_gets_32700_and_the_connection_goes_on():
    with serving() as mock, connect(mock.deribit_ws_url, open_timeout=10) as ws:
        for frame in (
            f'{{"jsonrpc": "2.0", "id": 1, "method": "public/test", "params": {{"x": {deep(400)}}}}}',
            deep(5_000),
            '{"jsonrpc": "2.0", "id": 1, "method": ',
        ):
            ws.send(frame)
            reply = json.loads(ws.recv(timeout=10))
            assert reply["error"]["code"] == -32700 and reply["error"]["message"] == "Parse error"
            ws.send(json.dumps({"jsonrpc": "2.0", "id": 2, "method": "public/test"}))
            assert json.loads(ws.recv(timeout=10))["result"] == {"version": "1.2.26"}
        ws.send(deep(400))
        assert "nested deeper" in json.loads(ws.recv(timeout=10))["error"]["mockexchange_diagnosis"]


def test_a_deep_deribit_http_body_gets_32700():
    with serving() as mock:
        body = f'{{"jsonrpc": "2.0", "id": 1, "method": "public/test", "params": {{"x": {deep(400)}}}}}'
        answer = plain_http.post(f"{mock.base_url}/api/v2", content=body, timeout=10)
        assert answer.status_code == 400 and answer.json()["error"]["code"] == -32700


# -- caps per connection --------------------------------------------------------------------------------------------


def test_kalshi_subscriptions_per_connection_are_capped_with_error_27():
    with serving(ws_max_subscriptions=3) as mock, kalshi(mock, signer_for(mock)) as ws:
        assert [r["msg"]["sid"] for r in ws.ask({"id": 1, "cmd": "subscribe", "params": {"channels": ["fill"]}})] == [1]
        both = {"id": 2, "cmd": "subscribe", "params": {"channels": ["fill", "market_positions"]}}
        assert [r["msg"]["sid"] for r in ws.ask(both, 2)] == [2, 3]
        [refused] = ws.ask({"id": 3, "cmd": "subscribe", "params": {"channels": ["fill"]}})
        assert (code(refused), refused["id"], refused["msg"]["msg"]) == (27, 3, "Too many requests")
        assert "ws_max_subscriptions" in refused["mockexchange_diagnosis"]
        ws.ask({"id": 4, "cmd": "unsubscribe", "params": {"sids": [1]}})
        [refused] = ws.ask({**both, "id": 5})  # two more with one slot free: all or nothing
        assert code(refused) == 27
        assert [s["sid"] for s in ws.ask({"id": 6, "cmd": "list_subscriptions"})[0]["msg"]] == [2, 3]
        assert ws.ask({"id": 7, "cmd": "subscribe", "params": {"channels": ["fill"]}})[0]["msg"]["sid"] == 4


def test_kalshi_market_tickers_per_connection_are_capped_with_error_26():
    with serving(ws_max_markets=5) as mock, kalshi(mock, signer_for(mock)) as ws:
        tickers = [f"KXT-{i}" for i in range(4)]
        fill = {"id": 1, "cmd": "subscribe", "params": {"channels": ["fill"], "market_tickers": tickers[:3]}}
        [subscribed] = ws.ask(fill)
        sid = subscribed["msg"]["sid"]
        [refused] = ws.ask({**fill, "id": 2, "params": {**fill["params"], "channels": ["market_positions"]}})
        assert (code(refused), refused["msg"]["msg"]) == (26, "Subscription market limit exceeded")
        assert "ws_max_markets" in refused["mockexchange_diagnosis"]

        def update(command_id: int, action: str, names: list[str]) -> dict[str, Any]:
            params = {"sid": sid, "action": action, "market_tickers": names}
            return ws.ask({"id": command_id, "cmd": "update_subscription", "params": params})[0]

        assert update(3, "add_markets", ["KXT-0", "KXT-3", "KXT-4"])["type"] == "ok"  # 2 new: 5 held
        assert code(update(4, "add_markets", ["KXT-5"])) == 26
        assert update(5, "add_markets", ["KXT-1"])["type"] == "ok"  # held already: nothing new
        assert update(6, "delete_markets", ["KXT-0", "KXT-1"])["type"] == "ok"  # 3 held
        assert update(7, "add_markets", ["KXT-5", "KXT-6"])["type"] == "ok"  # 5 held
        ws.ask({"id": 8, "cmd": "unsubscribe", "params": {"sids": [sid]}})
        five = {"id": 9, "cmd": "subscribe", "params": {"channels": ["market_positions"], "market_tickers": tickers}}
        assert ws.ask(five)[0]["type"] == "subscribed"  # unsubscribing gave them back


def test_deribit_channels_per_connection_are_capped_with_32602():
    with serving(ws_max_subscriptions=2) as mock, connect(mock.deribit_ws_url, open_timeout=10) as ws:
        mock.create_deribit_account("alice", balances={"BTC": "10"})
        mock.create_deribit_key("alice", client_id="AliceKey", client_secret="alice-secret")

        def call(method: str, params: dict[str, Any]) -> dict[str, Any]:
            ws.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}))
            return json.loads(ws.recv(timeout=10))

        grant = {"grant_type": "client_credentials", "client_id": "AliceKey", "client_secret": "alice-secret"}
        assert "result" in call("public/auth", grant)
        two = ["user.trades.any.any.raw", "user.portfolio.btc"]
        assert call("private/subscribe", {"channels": two})["result"] == two
        assert json.loads(ws.recv(timeout=10))["params"]["channel"] == "user.portfolio.btc"  # its first
        assert call("private/subscribe", {"channels": two[:1]})["result"] == two[:1]  # held already: no new one
        refused = call("private/subscribe", {"channels": ["user.changes.any.any.raw"]})["error"]
        assert refused["code"] == -32602 and refused["data"] == {"reason": "too many channels", "param": "channels"}
        call("private/unsubscribe", {"channels": two[:1]})
        assert call("private/subscribe", {"channels": ["user.changes.any.any.raw"]})["result"] == [
            "user.changes.any.any.raw"
        ]


# -- a client that stops reading ------------------------------------------------------------------------------------


def _fill_while_a_good_client_reads(mock: MockServer, good: Kalshi, fills: int, batch: int = 20) -> float:
    """`fills` fills in batches, the good client reading each batch's messages; the longest wait for one."""
    longest = 0.0
    for start in range(0, fills, batch):
        for i in range(batch):
            mock.fill("alice", FED, "yes", "buy" if (start + i) % 2 else "sell", "1", "0.50")
        began = time.monotonic()
        for _ in range(batch):
            message = json.loads(good.ws.recv(timeout=10))
            assert message["type"] == "fill"
        longest = max(longest, time.monotonic() - began)
    return longest


def test_a_client_that_stops_reading_gets_error_25_and_the_close_within_seconds_while_others_go_on():
    # The close timeout (the ping timeout) is long here: the slow client reads what it was sent at the end.
    with serving(ws_queue_size=100, ws_ping_interval_s=60, ws_ping_timeout_s=60) as mock:
        signer = signer_for(mock)
        slow = RawClient(mock, signer, rcvbuf=4096)
        try:
            slow.send_json({"id": 1, "cmd": "subscribe", "params": {"channels": ["fill", "market_positions"]}})
            with kalshi(mock, signer) as good:
                good.ask({"id": 1, "cmd": "subscribe", "params": {"channels": ["fill"]}})
                started_ms = time.time() * 1000
                # The slow client's buffers (its 4 KiB, the mock's bounded send buffers) and outbox (100) fill
                # after a few hundred fills; 1,500 are ample.
                longest = _fill_while_a_good_client_reads(mock, good, 1_500)
            reading_ms = time.time() * 1000
            data, errors = slow.overflowed()
        finally:
            slow.close()
    assert longest < 5  # the good client was never held up for long (each batch of 20 arrived promptly)
    # Error 25 was written while the client was not reading, within seconds of the first fill.
    assert started_ms <= errors[0]["sending_ts_ms"] <= reading_ms
    assert errors[0]["sending_ts_ms"] - started_ms < 30_000
    assert 0 < len(data) < 2 * 1_500
    assert all(m["type"] in ("fill", "market_position") for m in data)


@pytest.mark.slow
def test_a_client_that_never_reads_is_cut_off_after_the_close_timeout_while_others_go_on():
    with serving(ws_queue_size=100, ws_ping_interval_s=60, ws_ping_timeout_s=2) as mock:
        signer = signer_for(mock)
        slow = RawClient(mock, signer, rcvbuf=4096)
        try:
            slow.send_json({"id": 1, "cmd": "subscribe", "params": {"channels": ["fill", "market_positions"]}})
            with kalshi(mock, signer) as good:
                good.ask({"id": 1, "cmd": "subscribe", "params": {"channels": ["fill"]}})
                longest = _fill_while_a_good_client_reads(mock, good, 1_500)
                # Overflowed by now; the close timeout (2 s) ends the connection it cannot close gracefully.
                waited = wait_closed(slow.sock, timeout=30)
                assert _fill_while_a_good_client_reads(mock, good, 20) < 5  # the good one goes on
        finally:
            slow.close()
    assert longest < 5 and waited < 30


@pytest.mark.slow
@pytest.mark.parametrize("tls", [False, True], ids=["plain", "tls"])
def test_a_deribit_client_that_never_reads_is_closed_and_cut_off_while_the_server_goes_on(tls, tmp_path):
    # Behind TLS what waits for the client is the TLS layer's: the bound must hold through it too.
    cert, key = self_signed(tmp_path) if tls else (None, None)
    files = {"tls_certfile": str(cert), "tls_keyfile": str(key)} if tls else {}
    with serving(ws_queue_size=50, ws_ping_interval_s=60, ws_ping_timeout_s=2, **files) as mock:
        mock.create_deribit_account("alice", balances={"BTC": "1000"})
        mock.create_deribit_key("alice", client_id="AliceKey", client_secret="alice-secret")
        trusted = client_context(cert) if cert else None
        slow = DeribitRaw(mock, trusted)
        try:
            grant = {"grant_type": "client_credentials", "client_id": "AliceKey", "client_secret": "alice-secret"}
            assert "result" in slow.call("public/auth", grant)
            assert slow.call("private/subscribe", {"channels": ["user.changes.any.any.raw"]})["result"]
            for i in range(2_000):  # it reads nothing from now on; a few hundred fills overflow it
                mock.deribit_fill("alice", "BTC-PERPETUAL", "buy" if i % 2 else "sell", "10", "60000")
            waited = wait_closed(slow.sock, timeout=30)
        finally:
            slow.sock.close()
        with connect(mock.deribit_ws_url, open_timeout=10, ssl=trusted) as ws:  # the server goes on
            ws.send(json.dumps({"jsonrpc": "2.0", "id": 2, "method": "public/test"}))
            assert "result" in json.loads(ws.recv(timeout=10))
    assert waited < 30
