"""The inspector's live feed under connections that hold much and move many frames, over real sockets: a reading
listener is sent what changed (a connection's counts and new frames; its description only when it differs), not the
whole connections document every window, and what it was sent adds up to what `GET /_admin/connections` reads; a
connection's description is bounded whatever its client subscribed to (its first 10 subscriptions and tickers, each
name cut to 256 characters, with how many it holds). And a Kalshi account with 63 subaccounts and 100,000 transfers
costs the feed one small event a window, and the account's read its newest 100 of each kind, with their counts."""

from __future__ import annotations

import json
import threading
import time
from contextlib import ExitStack
from typing import Any

import httpx
import orjson
import plain_http
import pytest
from websockets.sync.client import ClientConnection, connect

from mockexchange.admin.connections import DESCRIBED, NAME_CHARS
from mockexchange.admin.feed import COALESCE_S
from mockexchange.core.clock import ManualClock
from mockexchange.core.kalshi.subaccount_commands import ApplySubaccountTransfer, IntraExchangeInstanceTransfer
from mockexchange.core.kalshi.subaccounts import MAX_KEPT_TRANSFERS
from mockexchange.server import MockServer
from mockexchange.testing.signing import KalshiAuth, KalshiSigner

WS_PATH = "/trade-api/ws/v2"
STREAM = {"Accept": "text/event-stream"}


class Listener:
    """A reader of GET /_admin/events that reads everything at once: its events, and the bytes of its connections
    events."""

    def __init__(self, mock: MockServer) -> None:
        self.bytes = 0
        self.events: list[tuple[str, Any]] = []
        self.client = httpx.Client(timeout=httpx.Timeout(10, read=60))
        request = self.client.build_request("GET", f"{mock.base_url}/_admin/events", headers=STREAM)
        self.response = self.client.send(request, stream=True)
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        buffer = b""
        try:
            for chunk in self.response.iter_bytes():
                buffer += chunk
                *blocks, buffer = buffer.split(b"\n\n")
                for block in blocks:
                    lines = dict(line.split(b": ", 1) for line in block.split(b"\n") if b": " in line)
                    if b"event" in lines:
                        self.events.append((lines[b"event"].decode(), orjson.loads(lines[b"data"])))
                        self.bytes += len(block) if lines[b"event"] == b"connections" else 0
        except httpx.HTTPError:
            pass

    def connections(self) -> list[dict[str, Any]]:
        return [data for name, data in list(self.events) if name == "connections"]

    def close(self) -> None:
        self.response.close()
        self.client.close()


def applied(events: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """The connections as a page has them after applying the feed's changes, as the inspector's page does."""
    rows: dict[int, dict[str, Any]] = {}
    for data in events:
        for gone in data["removed"]:
            del rows[gone]
        for change in data["connections"]:
            row = rows.setdefault(change["id"], {"last_frames": []})
            frames = change.pop("new_frames", [])
            row.update(change)
            row["last_frames"] = (row["last_frames"] + frames)[-20:]
    return rows


def kalshi(mock: MockServer, signer: KalshiSigner) -> ClientConnection:
    return connect(mock.kalshi_ws_url, additional_headers=signer.headers("GET", WS_PATH), open_timeout=10)


def ask(ws: ClientConnection, command: dict[str, Any]) -> dict[str, Any]:
    ws.send(json.dumps(command))
    return json.loads(ws.recv(timeout=10))


def quiet(listener: Listener, test: Any, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        events = listener.connections()
        if events and test(events[-1]):
            time.sleep(0.3)  # a window more: nothing else comes
            return
        time.sleep(0.05)
    raise AssertionError(f"the feed did not settle; last: {listener.connections()[-1:]}")


@pytest.mark.slow
def test_a_reading_listener_is_sent_changes_not_the_whole_document_every_window():
    tickers = [f"KX{i:03d}-" + "T" * (250 - 6) for i in range(200)]  # 200 tickers of 250 characters each
    with MockServer() as mock:
        mock.create_account("alice")
        key = mock.create_key("alice")
        signer = KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])
        listener = Listener(mock)
        with ExitStack() as stack:
            sockets = [stack.enter_context(kalshi(mock, signer)) for _ in range(4)]
            for ws in sockets:
                subscribe = {"channels": ["fill"], "market_tickers": tickers}
                assert ask(ws, {"id": 1, "cmd": "subscribe", "params": subscribe})["type"] == "subscribed"
            started = listener.bytes
            for n in range(12):  # frames move in every window for over a second
                for ws in sockets:
                    assert ask(ws, {"id": 2 + n, "cmd": "list_subscriptions"})["type"] == "ok"
                time.sleep(0.1)
            quiet(listener, lambda data: all(r["frames_received"] == 13 for r in data["connections"]))
            sent = listener.bytes - started
            # Each window's changes: 4 connections' counts and two short frames. The whole document was 4 x 200
            # tickers of 250 characters (200 KB), 10 times a second.
            assert sent < 100_000, f"{sent:,} bytes of connections events for 96 frames of about 100 bytes"
            got = applied(listener.connections())
            read = plain_http.get(f"{mock.base_url}/_admin/connections", timeout=10).json()
            assert read["count"] == len(got) == 4
            for row in read["connections"]:
                assert got[row["id"]] == row, "the changes add up to what GET reads"
                (subscription,) = row["subscriptions"]
                assert subscription["market_tickers"] == tickers[:DESCRIBED] and subscription["market_count"] == 200
        quiet(listener, lambda data: data["count"] == 0)
        assert applied(listener.connections()) == {}, "every ended connection was removed"
        listener.close()


def test_a_connections_description_is_bounded_whatever_it_subscribed_to():
    with MockServer(ws_max_subscriptions=1_000) as mock:
        mock.create_account("alice")
        key = mock.create_key("alice")
        mock.create_deribit_account("dan", balances={"BTC": "10"})
        mock.create_deribit_key("dan", client_id="DanKey", client_secret="dan-secret")
        signer = KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])
        long_channel = "user.changes." + "X" * 30_000 + ".raw"  # within the frame limit of 32 KiB
        with kalshi(mock, signer) as ws, connect(mock.deribit_ws_url, open_timeout=10) as deribit:
            for n in range(30):
                assert ask(ws, {"id": n + 1, "cmd": "subscribe", "params": {"channels": ["fill"]}})["type"]
            auth = {"grant_type": "client_credentials", "client_id": "DanKey", "client_secret": "dan-secret"}
            assert "result" in ask(deribit, {"jsonrpc": "2.0", "id": 1, "method": "public/auth", "params": auth})
            channels = {"channels": [long_channel]}
            subscribe = {"jsonrpc": "2.0", "id": 2, "method": "private/subscribe", "params": channels}
            assert ask(deribit, subscribe)["result"] == [long_channel]
            read = plain_http.get(f"{mock.base_url}/_admin/connections", timeout=10)
        kalshi_row, deribit_row = sorted(read.json()["connections"], key=lambda row: row["venue"] != "kalshi")
        assert len(kalshi_row["subscriptions"]) == DESCRIBED and kalshi_row["subscription_count"] == 30
        (shown,) = deribit_row["subscriptions"]
        assert shown["channel"] == long_channel[:NAME_CHARS] + "..."
        assert len(read.content) < 30_000, "the 30,000-character channel is not repeated in the description"


@pytest.mark.slow
def test_an_account_with_63_subaccounts_and_100000_transfers_is_bounded_on_the_feed_and_in_its_read():
    with MockServer(clock=ManualClock()) as mock:
        mock.create_account("big", balance_cents=1_000_000_000)
        key = mock.create_key("big")
        for _ in range(63):
            mock.create_subaccount("big")
        listener = Listener(mock)
        deadline = time.monotonic() + 10
        while not any(name == "hello" for name, _ in listener.events) and time.monotonic() < deadline:
            time.sleep(0.02)
        ledger = mock.app.ledger  # the ledger's own operations: 100,000 commands of the control plane take longer
        started = time.monotonic()
        for i in range(50_000):
            ledger.subaccounts.subaccount_transfer(ApplySubaccountTransfer("big", f"client-{i}", 0, 1 + i % 63, 1))
            ledger.subaccounts.instance_transfer(
                IntraExchangeInstanceTransfer(
                    "big", "event_contract", "margined", 100, client_transfer_id=f"instance-{i}"
                )
            )
        took = time.monotonic() - started
        time.sleep(3 * COALESCE_S)  # the last window
        states = [data for name, data in list(listener.events) if name == "state"]
        assert states and all(data["users"]["kalshi"] == ["big"] for data in states)
        assert len(states) <= took / COALESCE_S + 5, f"{len(states)} state events in {took:.1f} s: one a window"
        assert max(len(orjson.dumps(data)) for data in states) < 2_000, "an event names the user, not its changes"
        read = plain_http.get(f"{mock.base_url}/_admin/accounts/big", timeout=60)
        listener.close()
        signer = KalshiSigner.from_pem(key["key_id"], key["private_key_pem"])
        with httpx.Client(base_url=mock.kalshi_url, auth=KalshiAuth(signer), timeout=10) as client:
            rest = {
                "subaccount_transfers": client.get("/portfolio/subaccounts/transfers?limit=100").json(),
                "instance_transfers": client.get("/portfolio/intra_exchange_instance_transfers?limit=100").json(),
                "subaccount_balances": client.get("/portfolio/subaccounts/balances").json(),
            }
    assert read.status_code == 200 and len(read.content) < 150_000, f"{len(read.content):,} bytes"
    kalshi = read.json()["kalshi"]
    kept = MAX_KEPT_TRANSFERS  # (of each kind: an account keeps its latest)
    counts = {"subaccount_balances": 64, "netting_configs": 64, "subaccount_transfers": kept,
              "instance_transfers": kept, "api_keys": 1}  # fmt: skip
    assert kalshi["counts"] == counts
    for name, served in rest.items():
        assert kalshi[name] == served, f"{name}: the newest 100, as REST serves them"
    assert len(kalshi["subaccount_transfers"]["transfers"]) == len(kalshi["instance_transfers"]["transfers"]) == 100
