"""Websocket clients that stop reading cost bytes, not messages, on both venues, over real sockets: connections that
subscribe to many deep books and never read hold at most their bound each (the snapshots are read as they are sent,
not parked whole in memory), and when the changes waiting for them pass `ws_queue_bytes` (the renderings a reading
client's frames keep on a shared change counted too) each is closed with its venue's overflow error, long before
`ws_queue_size` changes wait, while a reading client keeps getting its frames. What the server holds is measured in
process (tracemalloc: the mock runs in a thread of the test's process). And a loop's inbox in the fan-out holds a
key's changes up to their bytes too, and the inspector keeps of a connection's last frames what it shows."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import plain_http
import pytest
from hostile_sockets import DeribitRaw, RawClient, checked_frame
from traced_memory import traced
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from mockexchange.core.clock import ManualClock
from mockexchange.core.events import Change, EventBus
from mockexchange.server import MockServer
from mockexchange.settings import Settings
from mockexchange.venues.fanout import Fanout, HandedChange
from mockexchange.venues.kalshi.websocket import WRITE_BYTES
from mockexchange.web.extensions import frame_writer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from market_client import signer_for  # noqa: E402

WS_PATH = "/trade-api/ws/v2"
SLOW = 3  # connections that never read
SEND_BUFFER = Settings().ws_send_buffer_bytes
# What waits for a connection beside its outbox: its transport's buffer (the send buffer, passed by one write), the
# frames of that write and the frame waiting for the client to read (each at most about a write).
IN_FLIGHT = SEND_BUFFER + 4 * WRITE_BYTES
SMALL_CONSTANT = 512 * 1024  # the rest of the mock while it serves them (a change being fanned out, its renderings)


def allowed(bound: int) -> int:
    """What the slow connections may hold together: `ws_queue_bytes` waiting for each, and what is on its way."""
    return SLOW * (bound + IN_FLIGHT) + SMALL_CONSTANT


def until(done: Callable[[], bool], what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, f"not {what} within {timeout} s"
        time.sleep(0.01)


class Counting:
    """A client that reads everything, in a thread of its own, and keeps only how many frames it got."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.count = 0
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        with contextlib.suppress(ConnectionClosed):
            for _ in self.ws:
                with self._changed:
                    self.count += 1
                    self._changed.notify_all()

    def reaches(self, count: int, timeout: float = 20) -> None:
        with self._changed:
            assert self._changed.wait_for(lambda: self.count >= count, timeout), (self.count, count)


@contextmanager
def counting(url: str, first: dict[str, Any], answers: int, **headers: str) -> Iterator[Counting]:
    """A reading client that sent `first` and has its `answers` frames (so the mock is done with it)."""
    with connect(url, additional_headers=headers, open_timeout=10) as ws:
        ws.send(json.dumps(first))
        reader = Counting(ws)
        reader.reaches(answers)
        yield reader


def deci_cent_levels(count: int, size: int = 100) -> list[list[str]]:
    return [[f"0.{price:03d}", str(size)] for price in range(1, count + 1)]


@pytest.mark.slow  # (tracemalloc runs the mock at half speed)
def test_kalshi_connections_parked_on_deep_books_hold_their_bound_and_overflow_by_bytes():
    bound = 128 * 1024
    tickers = [f"KXDEEP-26-T{n}" for n in range(48)]  # more than a write's worth of snapshots (32 frames)
    with MockServer(ws_queue_bytes=bound, ws_ping_interval_s=60, ws_ping_timeout_s=60) as mock:
        mock.create_account("alice", balance_cents=10_000_000)
        signer = signer_for(mock, "alice")
        for ticker in tickers:  # 400 levels a book
            mock.create_market(ticker, price_level_structure="deci_cent")
            mock.set_book(ticker, yes=deci_cent_levels(200), no=deci_cent_levels(200))
        first = {"id": 1, "cmd": "subscribe", "params": {"channels": ["orderbook_delta"], "market_ticker": tickers[0]}}
        headers = signer.headers("GET", WS_PATH)
        with counting(mock.kalshi_ws_url, first, 2, **headers) as reader, traced() as held:  # subscribed, a snapshot
            slow = [RawClient(mock, signer, rcvbuf=4096) for _ in range(SLOW)]
            try:
                for client in slow:
                    every = {"channels": ["orderbook_delta"], "market_tickers": tickers}
                    client.send_json({"id": 1, "cmd": "subscribe", "params": every})

                def parked() -> bool:  # each slow one's transport over its high-water mark: its sender waits
                    connections = mock.app.connections.listed("kalshi")
                    return len(connections) == 1 + SLOW and not any(
                        frame_writer(c.websocket).can_write() for c in connections[1:]
                    )

                until(parked, "parked")
                most = held()
                assert most <= allowed(bound), most
                moves, frames = 0, 2
                while mock.app.connections.count("kalshi") > 1 and moves < 20:  # 200 levels moved a change
                    moves += 1
                    mock.set_book(tickers[0], yes=deci_cent_levels(200, size=100 + moves))
                    frames += 200
                    reader.reaches(frames)  # (and so rendered the change the slow ones hold)
                    most = max(most, held())
                assert most <= allowed(bound), most
                until(lambda: mock.app.connections.count("kalshi") == 1, "closed by the server", timeout=5)
                mock.set_book(tickers[0], yes=deci_cent_levels(200, size=1))  # the reader goes on
                reader.reaches(frames + 200)
                # (the snapshots they were sent are not checked against the slice here: long, and checked elsewhere)
                endings = [client.read_to_close(timeout=20, checked=False) for client in slow]
            finally:
                for client in slow:
                    client.close()
    assert moves < 10  # far fewer changes than ws_queue_size (1,000) waited
    for texts, close in endings:
        errors = [checked_frame(json.dumps(t), mock.app.settings.profile) for t in texts if t["type"] == "error"]
        assert [(e["sid"], e["msg"]["code"]) for e in errors] == [(1, 25)]
        assert (close.code, close.reason) == (1008, "Subscription buffer overflow")


@pytest.mark.slow  # (tracemalloc runs the mock at half speed)
def test_deribit_connections_that_stop_reading_overflow_by_the_bytes_their_changes_hold():
    bound = 64 * 1024
    names = [f"BTC-27DEC30-{40_000 + 500 * n}-C" for n in range(30)]
    channels = [f"ticker.{name}.100ms" for name in names]
    subscribe = {"channels": channels}
    with MockServer(clock=ManualClock(), ws_queue_bytes=bound, ws_ping_interval_s=60, ws_ping_timeout_s=60) as mock:
        mock.set_index_price("btc_usd", "50000")
        for name in names:
            mock.list_instrument(name)
        first = {"jsonrpc": "2.0", "id": 1, "method": "public/subscribe", "params": subscribe}
        with counting(mock.deribit_ws_url, first, 1 + len(names)) as reader, traced() as held:  # the reply, the tickers
            slow = [DeribitRaw(mock) for _ in range(SLOW)]
            try:
                for client in slow:
                    assert client.call("public/subscribe", subscribe)["result"] == channels
                # Each index move is a ticker of each instrument, rendered once for all the connections and kept on
                # the shared change for those that have not sent it yet.
                moves, frames, most = 0, 1 + len(names), 0
                while mock.app.connections.count("deribit") > 1 and moves < 80:
                    moves += 1
                    mock.set_index_price("btc_usd", str(50_000 + moves))
                    frames += len(names)
                    reader.reaches(frames)  # (and so rendered the change the slow ones hold)
                    most = max(most, held())
                assert most <= allowed(bound), most
                until(lambda: mock.app.connections.count("deribit") == 1, "closed by the server", timeout=5)
                mock.set_index_price("btc_usd", "49000")  # the reader goes on
                reader.reaches(frames + len(names))
                endings = [client.read_to_close() for client in slow]
            finally:
                for client in slow:
                    client.close()
    assert moves < 40  # far fewer changes than ws_queue_size (1,000) waited
    for _, close in endings:
        assert (close.code, close.reason) == (1008, "notification buffer overflow")


def test_a_loops_inbox_keeps_a_keys_changes_up_to_their_bytes():
    """A loop that has not run yet holds at most `limit_bytes` of one key's changes as the venue weighs them (a book
    change that moved a thousand levels weighs a thousand levels), whatever their count: the rest are not kept, and
    the connections they were for overflow."""
    bus = EventBus()
    batches: list[list[HandedChange[str]]] = []
    fanout: Fanout[str] = Fanout(bus, ("fill",), batches.append, 1_000, limit_bytes=100, weigh=lambda c: c.payload)
    loop = asyncio.new_event_loop()
    try:
        fanout.add("a", "a1", loop)
        fanout.add("b", "b1", loop)
        for user, weight in (("a", 40), ("a", 40), ("b", 90), ("a", 30), ("a", 10)):
            bus.publish(Change("fill", user, weight))
        loop.run_until_complete(asyncio.sleep(0))
    finally:
        loop.close()
    # a's third change would pass 100 bytes: neither it nor a lighter one after it is kept (one entry says so).
    assert [(h.change.user_id, h.change.payload, h.kept) for h in batches[0]] == [
        ("a", 40, True), ("a", 40, True), ("b", 90, True), ("a", 10, False),
    ]  # fmt: skip


def test_the_inspectors_last_frames_of_a_connection_hold_what_they_show():
    """Once the mock is inspected, each connection's last frames are kept for the inspector: at most 20 both ways, and
    of a long one only what may be shown (its first 8,000 characters), not the whole frame: of twenty commands of
    60 KB, 160 KB at most, where every byte of the last ten was kept (600 KB)."""
    with MockServer() as mock:
        mock.create_account("alice", balance_cents=10_000_000)
        signer = signer_for(mock, "alice")
        assert plain_http.get(f"{mock.base_url}/_admin/connections").json()["count"] == 0  # frames noted from now on
        first = {"id": 1, "cmd": "list_subscriptions"}
        with counting(mock.kalshi_ws_url, first, 1, **signer.headers("GET", WS_PATH)) as client, traced() as held:
            for n in range(2, 22):  # 20 commands of 60 KB, each answered (an unknown parameter is ignored)
                params = {"note": f"{n:05}" * 12_000}
                client.ws.send(json.dumps({"id": n, "cmd": "list_subscriptions", "params": params}))
            client.reaches(21)
            kept = held()
            [connection] = plain_http.get(f"{mock.base_url}/_admin/connections").json()["connections"]
    assert kept <= 20 * 8_000 + 256 * 1024, kept
    shown = [f["text"] for f in connection["last_frames"] if f["direction"] == "in"]
    assert shown and all(text.startswith('{"id": ') and len(text) == 2_003 for text in shown)  # 2,000 and "..."
