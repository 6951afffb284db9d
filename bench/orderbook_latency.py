"""Publish-to-receive latency of Kalshi's `orderbook_delta` to 1,000 subscribed websocket connections at 30 book
changes a second, against the same load on the `fill` channel and a bare write of the same frames in the same command;
and, with `--sweep`, the same at several connection counts: the most at which each kind's p99 holds 20 ms.

    .venv/bin/python bench/orderbook_latency.py                 # 3 rounds x 10 s of each, 30 changes/s (~3 min)
    .venv/bin/python bench/orderbook_latency.py --quick         # 2 rounds x 5 s (~1 min 30 s)
    .venv/bin/python bench/orderbook_latency.py --rate 60 --connections 500
    .venv/bin/python bench/orderbook_latency.py --quick --kinds book,bare --sweep 100,200,300,500,1000
    .venv/bin/python bench/orderbook_latency.py --quick --client-procs 1    # one client process, not four
    .venv/bin/python bench/orderbook_latency.py --quick --profile /tmp/ob.prof   # cProfile of the server's loop

Processes, all started from this file:
- server: `build_app` with one user and one RSA key (its public PEM registered), served by uvicorn through
  `mockexchange.server.serving.uvicorn_config` on 127.0.0.1 port 0, as `mockexchange serve` and `MockServer` serve it.
  Its series, event and two markets are listed through the control plane, and the book market holds the house's scripted
  liquidity (`Control.set_book`), which the ledger publishes on its bus as every book change. A second thread is the
  driver: at a steady rate it makes one exchange action a time and takes `time.monotonic()` just before
  it. A book step is `Control.set_book` of the market's YES bid at 0.40 with a new size (one `BookMoved` of one level,
  so one `orderbook_delta` per connection, its `clock` naming the action); a fill step calls `Control.fill` for the
  user, 1 contract, its `order_id` naming the fill (one `fill` message per connection). CLOCK_MONOTONIC is one clock
  for every process of a Linux host, so the clients' receive times and the driver's send times compare directly.
- clients: `--client-procs` processes share the connections, all of the one user, each subscribed to
  `orderbook_delta` for the market and to `fill` (websockets' sans-I/O protocol on an asyncio Protocol, as
  ws_latency.py's clients: a frame's receive time is that of the socket read that brought it).

The baseline of the machine itself, a bare step: the driver hands a frame of an `orderbook_delta`'s size to the
server's loop, which writes it to every connection through the server's frame writer, and nothing else (no
subscription, rendering, `seq` or outbox): the least a fan-out from the loop can do, what this machine's sockets and
clients cost. It batches as the mock's fan-out does (`BareFanout`: frames handed over wait in one list, the loop is
woken once until it has run and writes them all to each connection in one write): unbatched, a loop that falls behind
pays a callback per frame and a `send` per frame and connection and never catches up (p50 0.6-2.8 s at 1,000
connections, twice the mock's CPU per message), a floor the mock beat.

Under it, the machine's floor, a raw step: the same frames written by two threads of their own straight to the
connections' sockets (one `os.write` of the whole websocket frame per socket, half the sockets each: a socket write
releases the GIL), no event loop, no transport, no batching: the sockets and the clients alone, what no server on this
machine can beat.

So every step sends the same number of frames (rate x connections a second) over the same connections from the same
server; each step is followed by a drain (until every connection has every message, or none arrived for 2 s). Rounds
go book, fill, bare, raw (`--kinds`); a warm-up step of each comes first, not counted. Reported per kind: messages
expected and received, gaps in `seq` (book), p50, p99 and max latency over all the rounds, server CPU per message,
and the cores the server and the client processes kept busy over the steps (their CPU time over the wall time: with
2 CPUs, clients near 1 core or more leave the server less than one), the server's full garbage collections over the
steps and the longest (each stops the loop); and the ratios book / fill, book / bare, fill / bare, bare / raw.
A sweep opens the connections anew for each count. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import queue
import sys
import tempfile
import threading
import time
from array import array
from pathlib import Path
from typing import Any

import benchlib
from ws_latency import Child
from ws_latency_clients import Conn, SansIOClient, stdin_lines
from ws_latency_server import WS_PATH, raise_nofile, run_server

SCRIPT = str(Path(__file__).resolve())
USER, KEY_ID = "obb-user", "obb-key"
BOOK_MARKET, FILL_MARKET = "KXOBB-26-T1", "KXOBB-26-T2"
START_TIMEOUT_S = 60.0
DRAIN_STALL_S = 2.0
DRAIN_MAX_S = 30.0
BOUND_MS = 20.0  # the bound on the p99
KINDS = ("book", "fill", "bare", "raw")


# -- server process -------------------------------------------------------------------------------------------------


# The baseline: a frame of an orderbook_delta's size, written to every connection by the loop, as the least a fan-out
# from the loop can do (no subscription, rendering, seq nor outbox): what this machine's sockets cost.
BARE_FRAME = (
    b'{"type":"bare","sid":1,"seq":1,"msg":{"market_ticker":"KXOBB-26-T1","market_id":'
    b'"27a48778-a122-5588-88af-4179c50e2bda","clock":%d,"price_dollars":"0.4000","delta_fp":"1.00","side":"yes",'
    b'"ts":"2026-11-23T14:43:52.835Z","ts_ms":1795445032835},"sending_ts_ms":1795445032836}\n'
)


class BareFanout:
    """The bare write, batched as the mock's fan-out batches (venues/fanout.py): frames handed over from the driver
    wait in one list, and the loop, woken once until it has run, writes every frame waiting to each connection in one
    write. Without the batching, a loop that falls behind (a CPU shared with the clients) runs one callback per frame
    and one `send` per frame and connection, and never catches up: a floor the mock would beat."""

    def __init__(self) -> None:
        self._pending: list[bytes] = []
        self._scheduled = False
        self._lock = threading.Lock()

    def put(self, connections: list[Any], frame: bytes) -> None:
        """From the driver's thread."""
        with self._lock:
            self._pending.append(frame)
            if self._scheduled:
                return
            self._scheduled = True
        connections[0].loop.call_soon_threadsafe(self._drain, connections)

    def _drain(self, connections: list[Any]) -> None:
        """On the server's loop: the frames to each connection through its server's frame writer."""
        with self._lock:
            frames, self._pending = self._pending, []
            self._scheduled = False
        for connection in connections:
            writer = connection._writer
            if writer is not None and writer.can_write():
                writer.write_texts(frames)


# The machine's floor under the bare write: the same frames, type "raw", written by a thread straight to each
# connection's socket (os.write of the whole websocket frame), no event loop, no transport, no batching.
RAW_FRAME = BARE_FRAME.replace(b'"type":"bare"', b'"type":"raw"')
RAW_THREADS = 2  # socket writes release the GIL: two threads, each with half the sockets, use both CPUs


class RawFanout:
    """The raw write: `RAW_THREADS` threads of their own, each writing every frame handed over to its share of the
    connections' sockets, in order, with one `os.write` each. What a server that did nothing else would cost: the
    sockets and the clients alone. (Only for this measurement: the loop owns the sockets; a frame it cannot take
    whole, with the socket's buffer full, is dropped and shows as a message not received.)"""

    def __init__(self) -> None:
        self._queues: list[queue.SimpleQueue[bytes]] = []

    def put(self, connections: list[Any], frame: bytes) -> None:
        from mockexchange.server.websocket_protocol import text_frame

        if not self._queues:
            fds = [_socket_fd(connection) for connection in connections]
            for share in range(RAW_THREADS):
                waiting: queue.SimpleQueue[bytes] = queue.SimpleQueue()
                threading.Thread(target=_write_raw, args=(waiting, fds[share::RAW_THREADS]), daemon=True).start()
                self._queues.append(waiting)
        whole = text_frame(frame)
        for waiting in self._queues:
            waiting.put(whole)


def _socket_fd(connection: Any) -> int:
    """A Kalshi connection's socket, under the server's frame writer (the inspector's tap wraps its methods)."""
    writer = connection._writer.can_write.__self__
    return writer.transport.get_extra_info("socket").fileno()


def _write_raw(waiting: queue.SimpleQueue[bytes], fds: list[int]) -> None:
    write = os.write
    while True:
        frame = waiting.get()
        for fd in fds:
            with contextlib.suppress(OSError):
                write(fd, frame)


class Driver:
    """One exchange action at a time at a steady rate, from a thread of the server process."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.fills = 0
        self.bare = 0
        self.bare_fanout = BareFanout()
        self.raw_fanout = RawFanout()

    def act(self, kind: str, i: int) -> int:
        """One action; the number that names its messages (the book's clock, the fill's number)."""
        if kind == "book":
            # The house's YES bid at 0.40 set to a new size: one exchange action, one level moved.
            moved = self.app.control.set_book(BOOK_MARKET, yes=[["0.40", str(100 + i % 1000)]])
            return moved["book_clock"]
        if kind == "bare":
            self.bare += 1
            frame = BARE_FRAME % self.bare
            self.bare_fanout.put(self.app.connections.listed("kalshi"), frame)
            return self.bare
        if kind == "raw":
            self.bare += 1
            self.raw_fanout.put(self.app.connections.listed("kalshi"), RAW_FRAME % self.bare)
            return self.bare
        self.fills += 1
        side = "buy" if self.fills % 2 else "sell"
        self.app.control.fill(USER, FILL_MARKET, "yes", side, "1", "0.50", order_id=f"obb-{self.fills}")
        return self.fills

    def run(self, kind: str, rate: float, duration: float) -> dict[str, Any]:
        n = max(1, int(rate * duration))
        sends: list[tuple[int, float]] = []
        cpu0 = time.thread_time()
        t0 = time.monotonic() + 0.02
        for i in range(n):
            due = t0 + i / rate
            now = time.monotonic()
            if due > now:
                time.sleep(due - now)
            sent = time.monotonic()
            sends.append((self.act(kind, i), sent))
        return {
            "actions": n,
            "achieved_rate": n / (time.monotonic() - t0),
            "driver_cpu_us": (time.thread_time() - cpu0) / n * 1e6,
            "sends": sends,
        }


class GcPauses:
    """The server process's garbage collections (gc.callbacks): how many and how long, the full ones apart (a full
    collection stops the loop for as long as it walks the heap)."""

    def __init__(self) -> None:
        self._started = 0.0
        self._taken: list[tuple[int, float]] = []
        gc.callbacks.append(self._note)

    def _note(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self._taken.append((info["generation"], time.perf_counter() - self._started))

    def take(self) -> dict[str, float]:
        """Since the last take: full collections, their longest and total ms, and the younger ones' total ms."""
        taken, self._taken = self._taken, []
        full = [seconds for generation, seconds in taken if generation == 2]
        return {
            "full": len(full),
            "full_max_ms": max(full, default=0.0) * 1000,
            "full_ms": sum(full) * 1000,
            "young_ms": sum(seconds for generation, seconds in taken if generation < 2) * 1000,
        }


def serve(args: argparse.Namespace) -> None:
    import uvicorn

    from mockexchange.app import build_app
    from mockexchange.server.serving import tune_collector, uvicorn_config
    from mockexchange.settings import Settings

    raise_nofile(args.nofile)
    app = build_app(Settings(host="127.0.0.1", port=0), seed=7)
    control = app.control
    control.create_account(USER, balance_cents=10**12)
    control.create_key(USER, public_key_pem=Path(args.public_key).read_text(), key_id=KEY_ID)
    # The markets as a venue lists them; the book market's levels are the house's scripted liquidity.
    control.set_series("KXOBB", title="Orderbook bench", category="Economics")
    control.set_event("KXOBB-26", series_ticker="KXOBB", title="Orderbook bench 2026")
    for ticker in (BOOK_MARKET, FILL_MARKET):
        control.create_market(ticker, event_ticker="KXOBB-26", title=f"Will {ticker} settle yes?")
    control.set_book(BOOK_MARKET, yes=[["0.40", "100"], ["0.39", "250"]], no=[["0.40", "1000"], ["0.39", "500"]])
    if args.collector == "serving":  # as `mockexchange serve` runs it (server.serve_forever)
        tune_collector()
    server = uvicorn.Server(uvicorn_config(app, host="127.0.0.1", port=0))
    driver = Driver(app)
    pauses = GcPauses()

    def handle(cmd: dict[str, Any]) -> Any:
        if cmd["cmd"] == "gc":
            return pauses.take()
        return driver.run(cmd["kind"], cmd["rate"], cmd["duration"])

    threading.Thread(
        target=benchlib.serve_commands, args=(server, handle, START_TIMEOUT_S), daemon=True, name="driver"
    ).start()
    run_server(server, args.profile)


# -- client process -------------------------------------------------------------------------------------------------


class BookConn(Conn):
    """A connection's record: for each data message its kind (0 book, 1 fill), the number naming the action, the
    receive time; and the gaps in the book subscription's `seq`."""

    def __init__(self, idx: int) -> None:
        super().__init__(idx, 0)
        self.last_seq = 0
        self.gaps = 0

    def record(self, raw: str | bytes, t: float, loads: Any) -> None:
        try:
            message = loads(raw)
            kind = message.get("type")
            if kind == "orderbook_delta":
                if message["seq"] != self.last_seq + 1:
                    self.gaps += 1
                self.last_seq = message["seq"]
                channel, k = 0, message["msg"]["clock"]
            elif kind == "fill":
                channel, k = 1, int(message["msg"]["order_id"].rsplit("-", 1)[1])
            elif kind == "bare":
                channel, k = 2, message["msg"]["clock"]
            elif kind == "raw":
                channel, k = 3, message["msg"]["clock"]
            elif kind == "orderbook_snapshot":
                self.last_seq = message["seq"]
                return
            elif kind == "subscribed":
                self.subscribed += 1
                return
            elif kind == "error":
                self.errors[message["msg"]["code"]] += 1
                return
            else:
                self.other += 1
                return
        except (ValueError, KeyError, TypeError, AttributeError):
            self.other += 1
            return
        self.kinds.append(channel)
        self.ks.append(k)
        self.ts.append(t)


async def _connect(conn: BookConn, port: int, signer: Any) -> None:
    import orjson

    loop = asyncio.get_running_loop()
    client = SansIOClient(conn, port, signer.headers("GET", WS_PATH), deflate=False)
    await loop.create_connection(lambda: client, "127.0.0.1", port)
    conn.handle = client
    if await asyncio.wait_for(client.opened, 60) != 101:
        raise RuntimeError("the upgrade was refused")
    conn.alive = True
    for command_id, params in enumerate(
        ({"channels": ["orderbook_delta"], "market_ticker": BOOK_MARKET}, {"channels": ["fill"]}), 1
    ):
        client.send_text(orjson.dumps({"id": command_id, "cmd": "subscribe", "params": params}))
    deadline = time.monotonic() + 60
    while conn.subscribed < 2:
        if conn.errors or conn.close_code is not None or time.monotonic() > deadline:
            raise RuntimeError(f"subscribe failed: errors {dict(conn.errors)}, close {conn.close_code}")
        await asyncio.sleep(0.01)


def _dump(conns: list[BookConn], kind: int, sends_path: str, out_path: str) -> dict[str, Any]:
    """Latency of every message of `kind` (0 book, 1 fill, 2 bare, 3 raw) recorded since the last dump, against the
    step's sends."""
    sent = {k: t for k, t in json.loads(Path(sends_path).read_text())}
    latencies = array("d")
    received = gaps = 0
    for conn in conns:
        kinds, ks, ts = conn.take()
        for channel, k, t in zip(kinds, ks, ts, strict=True):
            if channel == kind and k in sent:
                latencies.append(t - sent[k])
                received += 1
        gaps += conn.gaps
        conn.gaps = 0
    with open(out_path, "wb") as f:
        latencies.tofile(f)
    errors = sum(sum(c.errors.values()) for c in conns)
    return {"received": received, "gaps": gaps, "errors": errors, "alive": sum(c.alive for c in conns)}


async def _clients(args: argparse.Namespace) -> None:
    from mockexchange.testing.signing import KalshiSigner

    raise_nofile(args.nofile)
    signer = KalshiSigner.from_pem(KEY_ID, Path(args.private_key).read_text())
    conns = [BookConn(i) for i in range(args.count)]
    lines = stdin_lines()
    sem = asyncio.Semaphore(16)

    async def open_one(conn: BookConn) -> str | None:
        async with sem:
            try:
                await _connect(conn, args.port, signer)
            except Exception as exc:  # a figure, not a crash
                return f"{type(exc).__name__}: {exc}"
        return None

    try:
        while (line := await lines.get()) is not None:
            cmd = json.loads(line)
            if cmd["cmd"] == "connect":
                failures = [f for f in await asyncio.gather(*map(open_one, conns)) if f]
                benchlib.answer({"connected": sum(c.alive for c in conns), "failures": failures[:3]})
            elif cmd["cmd"] == "count":
                benchlib.answer({"received": sum(len(c.ts) for c in conns), "alive": sum(c.alive for c in conns)})
            elif cmd["cmd"] == "dump":
                benchlib.answer(_dump(conns, cmd["kind"], cmd["sends"], cmd["out"]))
    finally:
        handles = [c.handle for c in conns if c.handle is not None]
        await asyncio.wait_for(asyncio.gather(*(h.close() for h in handles), return_exceptions=True), 30)


# -- the command ----------------------------------------------------------------------------------------------------


class Bench:
    def __init__(self, opts: argparse.Namespace, tmp: Path) -> None:
        self.opts = opts
        self.tmp = tmp
        self.steps = 0
        self.server: Child | None = None
        self.clients: list[Child] = []

    def start_server(self) -> None:
        opts, tmp = self.opts, self.tmp
        most = max(opts.counts)
        argv = [
            "_serve",
            "--public-key",
            str(tmp / "key.pub"),
            "--nofile",
            str(most + 512),
            "--collector",
            opts.collector,
        ]
        self.server = Child(argv + (["--profile", opts.profile] if opts.profile else []), "server", SCRIPT)
        info = self.server.recv(START_TIMEOUT_S)
        if "port" not in info:
            raise RuntimeError("the server did not start")
        self.server.port = info["port"]

    def open_clients(self, n: int) -> None:
        """`n` connections, shared by the client processes, each subscribed to the book and to fills."""
        assert self.server is not None
        procs = self.opts.client_procs
        for p, count in enumerate(n // procs + (p < n % procs) for p in range(procs)):
            argv = ["_clients", "--port", str(self.server.port), "--private-key", str(self.tmp / "key.pem")]
            argv += ["--count", str(count), "--nofile", str(count + 256)]
            self.clients.append(Child(argv, f"clients {p}", SCRIPT))
        started = time.monotonic()
        replies = [c.call({"cmd": "connect"}, 300) for c in self.clients]
        connected = sum(r["connected"] for r in replies)
        failures = [f for r in replies for f in r["failures"]]
        print(
            f"{connected} of {n} connections open and subscribed in {time.monotonic() - started:.1f} s "
            f"({procs} client processes)" + (f"; failures, e.g. {failures[0]}" if failures else ""),
            flush=True,
        )

    def close_clients(self) -> None:
        for child in self.clients:
            child.stop()
        self.clients = []
        time.sleep(1.0)  # the server's side of the closes

    def stop(self) -> None:
        self.close_clients()
        if self.server is not None:
            self.server.stop()

    def step(self, kind: str, duration: float, connections: int) -> dict[str, Any]:
        assert self.server is not None
        self.steps += 1
        pids = [self.server.pid] + [c.pid for c in self.clients]
        self.server.call({"cmd": "gc"}, 30)  # (what was collected before the step is not the step's)
        cpu0 = [benchlib.process_cpu_s(p) for p in pids]
        wall0 = time.monotonic()
        before = sum(c.call({"cmd": "count"}, 30)["received"] for c in self.clients)
        run = self.server.call({"cmd": "run", "kind": kind, "rate": self.opts.rate, "duration": duration}, 300)
        sends = run.pop("sends")
        expected = len(sends) * connections
        started, last, last_change = time.monotonic(), -1, time.monotonic()
        while time.monotonic() - started < DRAIN_MAX_S:
            got = sum(c.call({"cmd": "count"}, 30)["received"] for c in self.clients) - before
            if got >= expected:
                break
            if got != last:
                last, last_change = got, time.monotonic()
            elif time.monotonic() - last_change > DRAIN_STALL_S:
                break
            time.sleep(0.1)
        wall = time.monotonic() - wall0
        cpu = [benchlib.process_cpu_s(p) - c0 for p, c0 in zip(pids, cpu0, strict=True)]
        collected = self.server.call({"cmd": "gc"}, 30)
        sends_path = self.tmp / f"sends-{self.steps}.json"
        sends_path.write_text(json.dumps(sends))
        latencies = array("d")
        totals = {"received": 0, "gaps": 0, "errors": 0}
        for i, client in enumerate(self.clients):
            out = self.tmp / f"lat-{self.steps}-{i}.bin"
            dump = {"cmd": "dump", "kind": KINDS.index(kind), "sends": str(sends_path), "out": str(out)}
            reply = client.call(dump, 120)
            for name in totals:
                totals[name] += reply[name]
            chunk = array("d")
            chunk.frombytes(out.read_bytes())
            latencies.extend(chunk)
        return {
            "kind": kind, **run, "expected": expected, **totals, "latencies": latencies, "server_cpu_s": cpu[0],
            # cores busy over the step and its drain: the server's, and the client processes' together
            "server_cores": cpu[0] / wall, "client_cores": sum(cpu[1:]) / wall, "gc": collected,
        }  # fmt: skip


def report(kind: str, steps: list[dict[str, Any]]) -> dict[str, float]:
    ordered = sorted(x for s in steps for x in s["latencies"])
    received = sum(s["received"] for s in steps)
    rate = benchlib.median([s["achieved_rate"] for s in steps])
    figures = {
        "p50_ms": benchlib.percentile(ordered, 50) * 1000,
        "p99_ms": benchlib.percentile(ordered, 99) * 1000,
        "max_ms": (ordered[-1] if ordered else float("nan")) * 1000,
        "cpu_us_per_msg": sum(s["server_cpu_s"] for s in steps) / max(received, 1) * 1e6,
        "driver_cpu_us": benchlib.median([s["driver_cpu_us"] for s in steps]),
        "server_cores": benchlib.median([s["server_cores"] for s in steps]),
        "client_cores": benchlib.median([s["client_cores"] for s in steps]),
        "full_gcs": sum(s["gc"]["full"] for s in steps),
        "full_gc_max_ms": max(s["gc"]["full_max_ms"] for s in steps),
    }
    print(
        f"  {kind:>4}: {received:,} of {sum(s['expected'] for s in steps):,} messages, "
        f"gaps {sum(s['gaps'] for s in steps)}, errors {sum(s['errors'] for s in steps)}; {rate:.1f} actions/s; "
        f"latency p50 {figures['p50_ms']:.2f} ms p99 {figures['p99_ms']:.2f} ms max {figures['max_ms']:.1f} ms; "
        f"server CPU {figures['cpu_us_per_msg']:.1f} us/msg; driver {figures['driver_cpu_us']:.0f} us CPU/action; "
        f"cores busy: server {figures['server_cores']:.2f}, clients {figures['client_cores']:.2f}; "
        f"server's full GCs {figures['full_gcs']} (longest {figures['full_gc_max_ms']:.0f} ms)",
        flush=True,
    )
    return figures


def measure(bench: Bench, opts: argparse.Namespace, connections: int) -> dict[str, dict[str, float]]:
    """Rounds of each kind at `connections` connections (opened here, closed after): the figures per kind."""
    steps: dict[str, list[dict[str, Any]]] = {kind: [] for kind in opts.kinds}
    bench.open_clients(connections)
    try:
        for kind in steps:  # warm-up, not counted
            bench.step(kind, 1.0, connections)
        for _ in range(opts.rounds):
            for kind in steps:
                steps[kind].append(bench.step(kind, opts.step_s, connections))
    finally:
        bench.close_clients()
    print(f"\n{connections} connections, {opts.rounds} rounds of {opts.step_s:g} s per kind:")
    figures = {kind: report(kind, kind_steps) for kind, kind_steps in steps.items()}
    pairs = [
        (a, b)
        for a, b in (("book", "fill"), ("book", "bare"), ("fill", "bare"), ("bare", "raw"))
        if a in figures and b in figures
    ]
    for a, b in pairs:
        one, other = figures[a], figures[b]
        print(
            f"  {a} / {b}: p50 x{one['p50_ms'] / other['p50_ms']:.2f}, p99 x{one['p99_ms'] / other['p99_ms']:.2f}, "
            f"server CPU per message x{one['cpu_us_per_msg'] / other['cpu_us_per_msg']:.2f}"
        )
    if "book" in figures:
        p99 = figures["book"]["p99_ms"]
        print(f"  orderbook_delta p99 {p99:.1f} ms {'<= 20 ms' if p99 <= BOUND_MS else '> 20 ms: over the bound'}")
    print(flush=True)
    return figures


def sweep_summary(found: dict[int, dict[str, dict[str, float]]], kinds: list[str]) -> None:
    print(f"p99 (ms) per connection count; * over {BOUND_MS:g} ms:")
    print(f"{'connections':>12} " + " ".join(f"{k:>10}" for k in kinds))
    for n, figures in sorted(found.items()):
        cells = [f"{figures[k]['p99_ms']:9.1f}{'*' if figures[k]['p99_ms'] > BOUND_MS else ' '}" for k in kinds]
        print(f"{n:>12} " + " ".join(cells))
    for kind in kinds:
        held = [n for n, figures in sorted(found.items()) if figures[kind]["p99_ms"] <= BOUND_MS]
        below = [n for n in sorted(found) if not held or n <= held[-1]]
        every = held == below
        print(f"  {kind}: the most connections with p99 <= {BOUND_MS:g} ms: {held[-1] if held else 'none measured'}"
              + ("" if every or not held else " (not at every count below it)"))  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_serve"]:
        p = argparse.ArgumentParser()
        p.add_argument("--public-key", required=True)
        p.add_argument("--nofile", type=int, default=4096)
        p.add_argument("--collector", default="serving")
        p.add_argument("--profile")
        return serve(p.parse_args(argv[1:]))
    if argv[:1] == ["_clients"]:
        p = argparse.ArgumentParser()
        for name in ("--port", "--count", "--nofile"):
            p.add_argument(name, type=int, required=True)
        p.add_argument("--private-key", required=True)
        return asyncio.run(_clients(p.parse_args(argv[1:])))
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="2 rounds of 5 s steps")
    p.add_argument("--connections", type=int, default=1000, help="websocket connections (default 1000)")
    p.add_argument("--sweep", metavar="N,N,...", help="connection counts to measure in turn, e.g. 100,200,500,1000")
    p.add_argument("--kinds", default=",".join(KINDS), help="what steps drive: book, fill, bare, raw (default all)")
    p.add_argument("--client-procs", type=int, default=4, choices=range(1, 5), help="client processes (default 4)")
    p.add_argument("--rate", type=float, default=30.0, help="actions a second (default 30)")
    p.add_argument("--rounds", type=int, help="rounds of each kind (default 3; --quick 2)")
    p.add_argument("--step-s", type=float, help="seconds of actions per step (default 10; --quick 5)")
    p.add_argument("--profile", metavar="PATH", help="cProfile the server's loop thread into PATH, then print it")
    p.add_argument(
        "--collector", choices=("serving", "python"), default="serving",
        help="the server's garbage collector: as `mockexchange serve` sets it (server.tune_collector, the default), "
        "or Python's own thresholds",
    )  # fmt: skip
    opts = p.parse_args(argv)
    opts.rounds = opts.rounds or (2 if opts.quick else 3)
    opts.step_s = opts.step_s or (5.0 if opts.quick else 10.0)
    opts.kinds = [k for k in opts.kinds.split(",") if k]
    if not opts.kinds or set(opts.kinds) - set(KINDS):
        p.error(f"--kinds takes some of {', '.join(KINDS)}")
    opts.counts = [int(n) for n in opts.sweep.split(",")] if opts.sweep else [opts.connections]
    started = time.monotonic()
    print(
        f"open file limit {raise_nofile(max(opts.counts) + 512)}; Python {sys.version.split()[0]}; "
        f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f}; {opts.rate:g} actions/s; "
        f"{opts.client_procs} client processes; the server's collector: {opts.collector}",
        flush=True,
    )
    found: dict[int, dict[str, dict[str, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="orderbook-latency-") as tmp_name:
        tmp = Path(tmp_name)
        _, private_pem, public_pem = benchlib.new_rsa_key()
        (tmp / "key.pem").write_text(private_pem)
        (tmp / "key.pub").write_text(public_pem)
        bench = Bench(opts, tmp)
        try:
            bench.start_server()
            for n in opts.counts:
                found[n] = measure(bench, opts, n)
        finally:
            with contextlib.suppress(Exception):
                bench.stop()
    if len(found) > 1:
        sweep_summary(found, opts.kinds)
    print(f"  total time {time.monotonic() - started:.0f} s; load average {os.getloadavg()[0]:.2f}")
    if opts.profile:
        import pstats

        print(f"\ncProfile (CPU time), the server's loop thread ({opts.profile}), top 30 by internal time:")
        pstats.Stats(opts.profile).sort_stats("tottime").print_stats(30)


if __name__ == "__main__":
    main()
