"""The client processes of ws_latency.py (which starts them as `ws_latency.py _clients`): websocket connections, each
recording what arrives when, driven by commands on stdin. See ws_latency.py's docstring for what they measure."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import threading
import time
from array import array
from bisect import bisect_right
from collections import Counter
from pathlib import Path
from typing import Any

from ws_latency_server import CHANNELS, WS_PATH, key_id, raise_nofile, user_id


class Conn:
    """One client connection's record: data messages (channel, which fill, receive time), errors, close."""

    def __init__(self, idx: int, user: int) -> None:
        self.idx = idx
        self.user = user
        self.prefix = f"wsb-{user}-"
        self.uid = user_id(user)
        self.kinds = array("b")  # 0 fill, 1 market_position
        self.ks = array("q")  # which of the user's fills
        self.ts = array("d")  # receive time, time.monotonic()
        self.wrong = 0  # a message about another user's fill
        self.errors: Counter[int] = Counter()
        self.other = 0  # frames of another kind (not text, fragmented, not JSON)
        self.subscribed = 0
        self.close_code: int | None = None
        self.alive = False
        self.handle: Any = None  # the client: websockets' asyncio connection or a SansIOClient
        self.task: asyncio.Task[None] | None = None

    def take(self) -> tuple[array, array, array]:
        taken = self.kinds, self.ks, self.ts
        self.kinds, self.ks, self.ts = array("b"), array("q"), array("d")
        return taken

    def record(self, raw: str | bytes, t: float, loads: Any) -> None:
        try:
            message = loads(raw)
            kind = message.get("type")
            if kind == "fill":
                order_id = message["msg"]["order_id"]
                if not order_id.startswith(self.prefix):
                    self.wrong += 1
                    return
                k, channel = int(order_id[len(self.prefix) :]), 0
            elif kind == "market_position":
                if message["msg"]["user_id"] != self.uid:
                    self.wrong += 1
                    return
                k, channel = int(float(message["msg"]["volume_fp"])), 1
            elif kind == "error":
                self.errors[message["msg"]["code"]] += 1
                return
            elif kind == "subscribed":
                self.subscribed += 1
                return
            else:
                self.other += 1
                return
        except (ValueError, KeyError, TypeError, AttributeError):  # not JSON, or not the shape expected: counted
            self.other += 1
            return
        self.kinds.append(channel)
        self.ks.append(k)
        self.ts.append(t)


class SansIOClient(asyncio.Protocol):
    """websockets' sans-I/O client protocol on an asyncio transport: every frame of a read gets that read's time."""

    def __init__(self, conn: Conn, port: int, headers: dict[str, str], deflate: bool) -> None:
        import orjson
        from websockets.client import ClientProtocol
        from websockets.extensions.permessage_deflate import enable_client_permessage_deflate
        from websockets.uri import parse_uri

        self.conn = conn
        self.loads = orjson.loads
        self.protocol = ClientProtocol(
            parse_uri(f"ws://127.0.0.1:{port}{WS_PATH}"),
            extensions=enable_client_permessage_deflate(None) if deflate else None,
        )
        self.headers = headers
        self.transport: asyncio.Transport | None = None
        loop = asyncio.get_running_loop()
        self.opened: asyncio.Future[Any] = loop.create_future()
        self.lost: asyncio.Future[None] = loop.create_future()
        self.extensions: list[str] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        request = self.protocol.connect()
        request.headers.update(self.headers)
        self.protocol.send_request(request)
        self.flush()

    def flush(self) -> None:
        assert self.transport is not None
        for data in self.protocol.data_to_send():
            if data:
                self.transport.write(data)
            elif self.transport.can_write_eof():
                self.transport.write_eof()

    def send_text(self, text: bytes) -> None:
        self.protocol.send_text(text)
        self.flush()

    def data_received(self, data: bytes) -> None:
        from websockets.frames import Opcode
        from websockets.http11 import Response

        t = time.monotonic()
        self.protocol.receive_data(data)
        conn = self.conn
        for event in self.protocol.events_received():
            if isinstance(event, Response):
                self.extensions = [type(e).__name__ for e in self.protocol.extensions]
                if not self.opened.done():
                    self.opened.set_result(event.status_code)
            elif event.opcode is Opcode.TEXT and event.fin:
                conn.record(event.data, t, self.loads)
            elif event.opcode is Opcode.CLOSE:
                conn.close_code = self.protocol.close_code
            elif event.opcode not in (Opcode.PING, Opcode.PONG):
                conn.other += 1
        self.flush()  # pongs, the close handshake

    def eof_received(self) -> bool:
        self.protocol.receive_eof()
        self.flush()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.conn.alive = False
        if self.conn.close_code is None:
            self.conn.close_code = self.protocol.close_code or -1
        if not self.opened.done():
            self.opened.set_exception(ConnectionError(f"connection lost before the handshake: {exc}"))
        if not self.lost.done():
            self.lost.set_result(None)

    async def close(self) -> None:
        from websockets.protocol import State

        if self.transport is None or self.lost.done():
            return
        if self.protocol.state is State.OPEN:
            self.protocol.send_close(1000)
            self.flush()
        try:
            await asyncio.wait_for(asyncio.shield(self.lost), 5)
        except TimeoutError:
            self.transport.abort()


async def _wait_subscribed(conn: Conn, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while conn.subscribed < len(CHANNELS) and not conn.errors and conn.close_code is None:
        if time.monotonic() > deadline:
            raise TimeoutError("no subscribed reply")
        await asyncio.sleep(0.01)
    if conn.subscribed < len(CHANNELS):
        raise RuntimeError(f"subscribe failed: errors {dict(conn.errors)}, close {conn.close_code}")


async def _connect_sansio(conn: Conn, port: int, signer: Any, deflate: bool) -> list[str]:
    import orjson

    loop = asyncio.get_running_loop()
    client = SansIOClient(conn, port, signer.headers("GET", WS_PATH), deflate)
    await loop.create_connection(lambda: client, "127.0.0.1", port)
    conn.handle = client
    status = await asyncio.wait_for(client.opened, 60)
    if status != 101:
        raise RuntimeError(f"upgrade answered {status}")
    conn.alive = True
    client.send_text(orjson.dumps({"id": 1, "cmd": "subscribe", "params": {"channels": list(CHANNELS)}}))
    await _wait_subscribed(conn, 60)
    return client.extensions


async def _connect_asyncio(conn: Conn, port: int, signer: Any, deflate: bool) -> list[str]:
    import orjson
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    ws = await connect(
        f"ws://127.0.0.1:{port}{WS_PATH}",
        additional_headers=signer.headers("GET", WS_PATH),
        ping_interval=None,  # the mock pings every 10 s; the client answers
        compression="deflate" if deflate else None,
        open_timeout=60,
        close_timeout=5,
    )
    conn.handle = ws
    conn.alive = True

    async def reader() -> None:
        loads, monotonic = orjson.loads, time.monotonic
        try:
            async for raw in ws:
                conn.record(raw, monotonic(), loads)
        except ConnectionClosed as exc:
            conn.close_code = exc.rcvd.code if exc.rcvd is not None else -1
        finally:
            conn.alive = False

    conn.task = asyncio.create_task(reader())
    await ws.send(orjson.dumps({"id": 1, "cmd": "subscribe", "params": {"channels": list(CHANNELS)}}))
    await _wait_subscribed(conn, 60)
    return [type(e).__name__ for e in ws.protocol.extensions]


def _dump(conns: list[Conn], sends_path: str, out_path: str) -> dict[str, Any]:
    """Latency of every message recorded since the last dump, against the step's send log; counts per connection."""
    with open(sends_path) as f:
        sends = json.load(f)["sends"]
    sent_at: dict[int, dict[int, float]] = {}
    times_of: dict[int, list[float]] = {}
    for u, k, t in sends:
        sent_at.setdefault(u, {})[k] = t
        times_of.setdefault(u, []).append(t)
    latencies = array("d")
    out: Counter[str] = Counter()
    max_backlog = 0
    last_recv = 0.0
    for conn in conns:
        kinds, ks, ts = conn.take()
        user_sends = sent_at.get(conn.user, {})
        user_times = times_of.get(conn.user, [])
        first_k = min(user_sends) if user_sends else 0
        seen: set[tuple[int, int]] = set()
        for channel, k, t in zip(kinds, ks, ts, strict=True):
            t_send = user_sends.get(k)
            if t_send is None:
                out["unknown"] += 1  # a late message of an earlier step
                continue
            if (channel, k) in seen:
                out["duplicates"] += 1
                continue
            seen.add((channel, k))
            latencies.append(t - t_send)
            last_recv = max(last_recv, t)
            # this user's fills sent by now and not yet received on this channel (a channel arrives in order)
            max_backlog = max(max_backlog, bisect_right(user_times, t) - (k - first_k + 1))
        expected = len(user_sends) * len(CHANNELS)
        out["messages"] += len(seen)
        out["wrong_user"] += conn.wrong
        out["other_frames"] += conn.other
        conn.wrong = conn.other = 0
        for code, n in conn.errors.items():
            out[f"error_{code}"] += n
        conn.errors.clear()
        if conn.alive:
            out["expected"] += expected
            out["missing"] += expected - len(seen)
            out["connections_alive"] += 1
        else:
            out["expected_closed"] += expected
            out["missing_closed"] += expected - len(seen)
            out["connections_closed"] += 1
            out[f"close_{conn.close_code}"] += 1
    with open(out_path, "wb") as f:
        latencies.tofile(f)
    return {**out, "max_backlog_fills": max_backlog, "last_recv": last_recv}


def stdin_lines() -> asyncio.Queue[str | None]:
    """The lines of stdin as they come (a thread reads them), then None: a client process's commands."""
    loop = asyncio.get_running_loop()
    lines: asyncio.Queue[str | None] = asyncio.Queue()

    def read_stdin() -> None:
        for line in sys.stdin:
            loop.call_soon_threadsafe(lines.put_nowait, line)
        loop.call_soon_threadsafe(lines.put_nowait, None)

    threading.Thread(target=read_stdin, daemon=True).start()
    return lines


async def _clients(args: argparse.Namespace) -> None:
    import orjson  # noqa: F401  (imported before the first message is timed)

    from mockexchange.testing.signing import KalshiSigner

    raise_nofile(args.nofile)
    keys = Path(args.keys)
    signers = {u: KalshiSigner.from_pem(key_id(u), (keys / f"{u}.pem").read_text()) for u in range(args.users)}
    conns = [Conn(i, i % args.users) for i in range(args.first, args.first + args.count)]
    connect = _connect_sansio if args.client == "sansio" else _connect_asyncio
    lines = stdin_lines()

    def answer(obj: Any) -> None:
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

    async def open_one(conn: Conn, sem: asyncio.Semaphore) -> list[str] | str:
        async with sem:
            try:
                return await connect(conn, args.port, signers[conn.user], args.deflate)
            except Exception as exc:  # reported, not raised: a failed connection is a figure
                conn.alive = False
                return f"{type(exc).__name__}: {exc}"

    try:
        while True:
            line = await lines.get()
            if line is None:
                break
            cmd = json.loads(line)
            if cmd["cmd"] == "connect":
                started = time.monotonic()
                sem = asyncio.Semaphore(args.concurrency)
                results = await asyncio.gather(*(open_one(c, sem) for c in conns))
                failures = [r for r in results if isinstance(r, str)]
                answer(
                    {
                        "connected": sum(c.alive for c in conns),
                        "failures": failures[:3],
                        "n_failures": len(failures),
                        "seconds": time.monotonic() - started,
                        "extensions": sorted({e for r in results if isinstance(r, list) for e in r}),
                    }
                )
            elif cmd["cmd"] == "count":
                per_user = {int(u): n for u, n in cmd["per_user"].items()}
                answer(
                    {
                        "received": sum(len(c.ts) for c in conns),
                        "expected": sum(per_user.get(c.user, 0) * len(CHANNELS) for c in conns if c.alive),
                    }
                )
            elif cmd["cmd"] == "dump":
                answer(_dump(conns, cmd["sends"], cmd["out"]))
            elif cmd["cmd"] == "close":
                break
    finally:
        handles = [c.handle for c in conns if c.handle is not None]
        await asyncio.wait_for(asyncio.gather(*(h.close() for h in handles), return_exceptions=True), 30)
        answer({"closed": len(handles)})
