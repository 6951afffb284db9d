"""Fill-to-message latency of the Kalshi websocket with 1,000 subscribed connections, and the highest fill rate held.

    .venv/bin/python bench/ws_latency.py              # mock, bare baseline, mock with queue 100; 4 s steps (~4 min)
    .venv/bin/python bench/ws_latency.py --quick      # 2 s steps; mock and bare only (~1 min 15 s)
    .venv/bin/python bench/ws_latency.py --ws-deflate # the servers accept permessage-deflate (the mock's default: no)
    .venv/bin/python bench/ws_latency.py --no-deflate # clients do not offer permessage-deflate
    .venv/bin/python bench/ws_latency.py --no-frame-writer        # every frame an ASGI send, as under another server
    .venv/bin/python bench/ws_latency.py --client asyncio         # websockets' asyncio client instead of sans-I/O
    .venv/bin/python bench/ws_latency.py --quick --no-bare --profile /tmp/ws.prof   # cProfile of the mock's threads

Processes, all started from this file:
- server: `--users` accounts, one RSA key each (public PEM registered) and one market each, in a `build_app` app
  served by uvicorn with `mockexchange.server.serving.uvicorn_config` on 127.0.0.1 port 0, as `mockexchange serve` and
  `MockServer` serve it. A second thread of the same process is the fill driver: it calls `Control.fill` (what
  `MockServer.fill` and the admin API call) at a steady rate, as a test thread calling `mock.fill()` does, and takes
  `time.monotonic()` just before each call. CLOCK_MONOTONIC is one clock for every process of a Linux host, so the
  clients' receive times and the driver's send times compare directly.
- bare baseline server: the same ledger, driver and uvicorn options, and a bare Starlette websocket route that does
  the least a fan-out can: no authentication or subscription logic; each change is rendered once (the mock's own
  renderers, so frames have the same bytes but `sending_ts_ms`) and its text handed to the user's connections through
  a deque and a wake-up of the loop, as the mock hands over changes; one task per connection sends them.
- clients: `--client-procs` processes share `--connections` websocket connections. Connection i belongs to user
  i % users, signs its upgrade with that user's key, subscribes to `fill` and `market_positions` (every market) and
  records for every data message its receive time, which fill it reports (`order_id` of a `fill`, `volume_fp` of a
  `market_position`: each fill of a user is 1 contract in the user's one market) and any error or close. The client
  is the `websockets` library's sans-I/O protocol on an asyncio Protocol (the test suite's RawClient, made async), so
  a frame's receive time is that of the socket read that brought it; `--client asyncio` uses the library's asyncio
  client (`websockets.asyncio.client.connect`, no client pings) and takes the time when `recv` hands the message
  over. Both offer permessage-deflate, as the library does by default, unless `--no-deflate`; the servers accept it
  with `--ws-deflate` only (`Settings.ws_per_message_deflate`, off by default).

Fills go round robin over the users, so at R fills/s each connection gets R / users fills/s (2R / users messages/s)
and the server sends 2R x connections / users frames/s. A step runs the driver for `--step-s` seconds, waits until
every live connection has every message of the step (or nothing arrived for 2 s, at most 20 s), then counts per
connection messages expected and received, duplicates, errors, closes; and per message the latency (receive minus
send) and the backlog: how many of the user's fills had been sent and not yet received on that channel when it
arrived (x 2 channels ~ the connection's outbox plus what is in flight). A step is held when no connection got error
25, closed or fell `ws_queue_size` messages behind, none missed a message, p99 latency is at most `--p99-limit-s` and
the driver kept 90 % of the rate; a ramp stops at its first step not held. The second mock run (`--second-queue-size`,
default 100) starts at the first run's highest rate held and goes on past latency failures until a connection
overflows (or messages are lost, a drain does not finish, the driver cannot keep the rate).

Baselines in the same command: the bare server's ramp (ratio of rates held and of server CPU per message); the mock
with 1 connection (the driver filling that connection's user only, so it gets every fill) at `--baseline-rates`; and
the driver's CPU per `fill()` call with no connection, at each of `--baseline-rates`, against the same with the 1,000
at the same rate (CPU per call falls as the rate rises, so only the same rate compares). CPU of server and clients
per step comes from /proc. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import select
import subprocess
import sys
import tempfile
import time
from array import array
from collections import Counter
from pathlib import Path
from typing import Any

import benchlib
from ws_latency_clients import _clients
from ws_latency_server import (
    CHANNELS,
    DEFAULT_RATES,
    DRAIN_MAX_S,
    DRAIN_STALL_S,
    START_TIMEOUT_S,
    _cpu_seconds,
    _rss_mb,
    raise_nofile,
    serve,
)

SCRIPT = str(Path(__file__).resolve())


class Child:
    """A process of this script spoken to in JSON lines over its stdin and stdout; every read has a timeout."""

    def __init__(self, argv: list[str], name: str, script: str = SCRIPT) -> None:
        self.name = name
        self.proc = subprocess.Popen(
            [sys.executable, script, *argv], stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=Path(script).parent
        )
        self._buf = b""
        self.port = 0  # a server's, once it listens

    @property
    def pid(self) -> int:
        return self.proc.pid

    def send(self, obj: Any) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write((json.dumps(obj) + "\n").encode())
        self.proc.stdin.flush()

    def recv(self, timeout: float) -> Any:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buf:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"{self.name}: no answer within {timeout:g} s")
            ready, _, _ = select.select([fd], [], [], remaining)
            if ready:
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    raise RuntimeError(f"{self.name} exited (code {self.proc.poll()})")
                self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        return json.loads(line)

    def call(self, obj: Any, timeout: float) -> Any:
        self.send(obj)
        return self.recv(timeout)

    def stop(self) -> None:
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            with contextlib.suppress(BrokenPipeError):
                self.proc.stdin.close()  # the child's cue to finish
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


class Bench:
    def __init__(self, opts: argparse.Namespace, tmp: Path) -> None:
        self.opts = opts
        self.tmp = tmp
        self.step_no = 0

    def start_server(self, kind: str, queue_size: int, profile: str | None) -> Child:
        opts = self.opts
        argv = ["_serve", kind, "--keys", str(self.tmp), "--users", str(opts.users), "--queue-size", str(queue_size)]
        argv += ["--nofile", str(opts.connections + 512)] + (["--profile", profile] if profile else [])
        argv += ["--ws-deflate"] if opts.ws_deflate else []
        argv += ["--no-frame-writer"] if opts.no_frame_writer else []
        server = Child(argv, f"{kind} server")
        info = server.recv(START_TIMEOUT_S)
        if "port" not in info:
            server.stop()
            raise RuntimeError(f"the {kind} server did not start")
        server.port = info["port"]
        return server

    def start_clients(self, server: Child, n: int, procs: int) -> list[Child]:
        opts = self.opts
        per = [n // procs + (1 if p < n % procs else 0) for p in range(procs)]
        clients = []
        first = 0
        for p, count in enumerate(per):
            argv = ["_clients", "--port", str(server.port), "--keys", str(self.tmp), "--users", str(opts.users)]
            argv += ["--first", str(first), "--count", str(count), "--nofile", str(count + 256), "--concurrency", "16"]
            argv += ["--client", opts.client] + ([] if opts.deflate else ["--no-deflate"])
            clients.append(Child(argv, f"clients {p}"))
            first += count
        started = time.monotonic()
        for c in clients:
            c.send({"cmd": "connect"})
        replies = [c.recv(180) for c in clients]
        connected = sum(r["connected"] for r in replies)
        failures = [f for r in replies for f in r["failures"]]
        extensions = sorted({e for r in replies for e in r["extensions"]})
        print(
            f"  {connected} of {n} connections open and subscribed in {time.monotonic() - started:.1f} s "
            f"({procs} client processes, {opts.client} client; extensions: {', '.join(extensions) or 'none'})"
            + (f"; {sum(r['n_failures'] for r in replies)} failed, e.g. {failures[0]}" if failures else ""),
            flush=True,
        )
        return clients

    def close_clients(self, clients: list[Child]) -> None:
        for c in clients:
            with contextlib.suppress(OSError):
                c.send({"cmd": "close"})
        for c in clients:
            with contextlib.suppress(TimeoutError, RuntimeError):
                c.recv(60)
            c.stop()

    def step(
        self,
        server: Child,
        clients: list[Child],
        rate: float,
        duration: float,
        users: list[int],
        queue: int | None,
        quiet: bool = False,
    ) -> dict:
        """One rate: fills for `duration`, the drain, the figures. `queue`: the mock's ws_queue_size (None: bare)."""
        self.step_no += 1
        pids = [server.pid] + [c.pid for c in clients]
        cpu0 = [_cpu_seconds(p) for p in pids]
        wall0 = time.monotonic()
        run = server.call({"cmd": "run", "rate": rate, "duration": duration, "users": users}, duration * 3 + 60)
        sends = run.pop("sends")
        first_send = sends[0][2]
        per_user = Counter(u for u, _, _ in sends)
        # Drain: until every live connection has every message of the step, or nothing arrives for a while.
        drain_started = time.monotonic()
        last, last_change, drained = -1, drain_started, False
        while time.monotonic() - drain_started < DRAIN_MAX_S:
            counts = [c.call({"cmd": "count", "per_user": per_user}, 30) for c in clients]
            received = sum(r["received"] for r in counts)
            if received >= sum(r["expected"] for r in counts):
                drained = True
                break
            if received != last:
                last, last_change = received, time.monotonic()
            elif time.monotonic() - last_change > DRAIN_STALL_S:
                break
            time.sleep(0.1)
        wall = time.monotonic() - wall0
        cpu = [_cpu_seconds(p) - c0 for p, c0 in zip(pids, cpu0, strict=True)]
        rss = _rss_mb(server.pid)
        sends_path = self.tmp / f"sends-{self.step_no}.json"
        sends_path.write_text(json.dumps({"sends": sends}))
        totals: Counter[str] = Counter()
        latencies = array("d")
        max_backlog = 0
        last_recv = first_send
        for i, c in enumerate(clients):
            out = self.tmp / f"lat-{self.step_no}-{i}.bin"
            reply = c.call({"cmd": "dump", "sends": str(sends_path), "out": str(out)}, 120)
            max_backlog = max(max_backlog, reply.pop("max_backlog_fills"))
            last_recv = max(last_recv, reply.pop("last_recv"))
            totals.update(reply)
            chunk = array("d")
            chunk.frombytes(out.read_bytes())
            latencies.extend(chunk)
        ordered = sorted(latencies)
        result = {
            "rate": rate,
            **run,
            "messages": totals["messages"],
            "expected": totals["expected"] + totals["expected_closed"],
            "missing": totals["missing"],
            "missing_on_closed": totals["missing_closed"],
            "duplicates": totals["duplicates"],
            "unknown": totals["unknown"],
            "wrong_user": totals["wrong_user"],
            "other_frames": totals["other_frames"],
            "error_25": totals["error_25"],
            "other_errors": sum(n for k, n in totals.items() if k.startswith("error_") and k != "error_25"),
            "connections_alive": totals["connections_alive"],
            "connections_closed": totals["connections_closed"],
            "close_codes": {k[6:]: n for k, n in totals.items() if k.startswith("close_")},
            "drained": drained,
            "last_msg_after_last_fill_s": last_recv - sends[-1][2],
            "p50_ms": benchlib.percentile(ordered, 50) * 1000,
            "p99_ms": benchlib.percentile(ordered, 99) * 1000,
            "max_ms": (ordered[-1] if ordered else float("nan")) * 1000,
            "msgs_per_s": len(ordered) / max(last_recv - first_send, 1e-9),
            "max_backlog_items": max_backlog * len(CHANNELS),
            "server_cpu_cores": cpu[0] / wall,
            "clients_cpu_cores": sum(cpu[1:]) / wall,
            "server_cpu_us_per_msg": cpu[0] / max(len(ordered), 1) * 1e6,
            "clients_cpu_us_per_msg": sum(cpu[1:]) / max(len(ordered), 1) * 1e6,
            "server_rss_mb": rss,
        }
        reasons = []
        result["overflow"] = bool(result["error_25"] or result["connections_closed"])
        if result["overflow"]:
            reasons.append(f"error 25 x{result['error_25']}, {result['connections_closed']} connections closed")
        if queue is not None and result["max_backlog_items"] >= queue:
            reasons.append(f"a connection fell {result['max_backlog_items']} messages behind (queue {queue})")
        if result["missing"] or not drained:
            reasons.append(f"{result['missing']} messages missing after the drain")
        if not result["p99_ms"] <= self.opts.p99_limit_s * 1000:
            reasons.append(f"p99 {result['p99_ms']:.0f} ms > {self.opts.p99_limit_s * 1000:.0f} ms")
        if result["achieved_rate"] < 0.9 * rate:
            reasons.append(f"driver made {result['achieved_rate']:.0f} fills/s")
        result["held"] = not reasons
        result["why_not"] = "; ".join(reasons)
        if not quiet:
            print_step(result)
        return result

    def ramp(
        self,
        kind: str,
        queue_size: int,
        rates: list[float],
        *,
        profile: str | None = None,
        baselines: bool = False,
        until_overflow: bool = False,
    ) -> dict[str, Any]:
        """A server, then steps of rising rate with `--connections` connections, up to the first step not held or,
        `until_overflow`, past latency failures up to the first overflow (or lost messages, an unfinished drain, a
        driver that cannot keep the rate)."""
        opts = self.opts
        queue = queue_size if kind == "mock" else None
        out: dict[str, Any] = {"kind": kind, "queue_size": queue_size, "until_overflow": until_overflow}
        server = self.start_server(kind, queue_size, profile)
        all_users = list(range(opts.users))
        try:
            outbox = f"ws_queue_size {queue_size}" if kind == "mock" else "unbounded outboxes"
            mode = "; ramp until a connection overflows" if until_overflow else ""
            print(f"\n{kind} server: pid {server.pid}, port {server.port}, {outbox}{mode}", flush=True)
            if baselines:
                out["no_connection_by_rate"] = {}
                for rate in opts.baseline_rates:
                    run = {"cmd": "run", "rate": rate, "duration": opts.baseline_s, "users": all_users}
                    idle = server.call(run, 120)
                    idle.pop("sends")
                    out["no_connection_by_rate"][rate] = idle
                    out.setdefault("no_connection", idle)
                    print(
                        f"  no connection, {rate:g} fills/s for {opts.baseline_s:g} s: fill() p50 "
                        f"{idle['call_p50_ms']:.2f} ms p99 {idle['call_p99_ms']:.2f} ms, "
                        f"{idle['driver_cpu_us_per_fill']:.0f} us CPU per fill",
                        flush=True,
                    )
                print(f"  1 connection (user 0; the driver fills user 0 only), {opts.baseline_s:g} s a step")
                one = self.start_clients(server, 1, 1)
                try:
                    out["one_connection"] = [
                        self.step(server, one, r, opts.baseline_s, [0], queue) for r in opts.baseline_rates
                    ]
                finally:
                    self.close_clients(one)
            print(f"  {opts.connections} connections, {opts.users} users, {opts.step_s:g} s a step")
            clients = self.start_clients(server, opts.connections, opts.client_procs)
            out["steps"] = steps = []
            try:
                # The first fills after 1,000 connections opened are slower (seen as a p99 of ~150 ms once): warm up.
                print(f"  warm-up, not counted: {rates[0]:g} fills/s for 1 s", flush=True)
                out["warm_up"] = self.step(server, clients, rates[0], 1.0, all_users, queue, quiet=True)
                for rate in rates:
                    s = self.step(server, clients, rate, opts.step_s, all_users, queue)
                    steps.append(s)
                    if not until_overflow and not s["held"]:
                        break
                    if s["overflow"] or s["missing"] or not s["drained"] or s["achieved_rate"] < 0.9 * rate:
                        break
                if baselines:
                    out["ledger"] = server.call({"cmd": "ledger", "n": opts.ledger_fills}, 120)
            finally:
                self.close_clients(clients)
            held = [s["rate"] for s in steps if s["held"]]
            failed = [s for s in steps if not s["held"]]
            out["highest_held"] = max(held) if held else None
            out["first_failed"] = failed[0]["rate"] if failed else None
            out["first_failed_why"] = failed[0]["why_not"] if failed else None
            clean = [s["rate"] for s in steps if not s["overflow"]]
            overflowed = [s["rate"] for s in steps if s["overflow"]]
            out["highest_without_overflow"] = max(clean) if clean else None
            out["first_overflow"] = overflowed[0] if overflowed else None
        finally:
            server.stop()
        return out


def print_step(s: dict[str, Any]) -> None:
    print(
        f"  {s['rate']:>6g} fills/s: made {s['fills']} ({s['achieved_rate']:.1f}/s; late >1 ms x{s['late_n']}, "
        f"max {s['late_max_ms']:.1f} ms); fill() p50 {s['call_p50_ms']:.2f} ms p99 {s['call_p99_ms']:.2f} ms, "
        f"{s['driver_cpu_us_per_fill']:.0f} us CPU",
        flush=True,
    )
    missing = f"missing {s['missing']}" + (f" (+{s['missing_on_closed']} on closed)" if s["missing_on_closed"] else "")
    odd = ", ".join(f"{k} {s[k]}" for k in ("duplicates", "unknown", "wrong_user", "other_frames") if s[k])
    print(
        f"          messages {s['messages']:,} of {s['expected']:,}: {missing}, error 25 x{s['error_25']}, "
        f"other errors {s['other_errors']}, closed {s['connections_closed']} {s['close_codes'] or ''}"
        + (f"; {odd}" if odd else ""),
        flush=True,
    )
    print(
        f"          latency p50 {s['p50_ms']:.1f} ms  p99 {s['p99_ms']:.1f} ms  max {s['max_ms']:.1f} ms; "
        f"{s['msgs_per_s']:,.0f} msg/s; backlog max {s['max_backlog_items']} items; last message "
        + (
            f"{s['last_msg_after_last_fill_s']:.2f} s after the last fill"
            if s["last_msg_after_last_fill_s"] >= 0
            else "before the last fill (connections closed)"
        ),
        flush=True,
    )
    print(
        f"          CPU: server {s['server_cpu_cores']:.2f} cores, {s['server_cpu_us_per_msg']:.0f} us/msg; clients "
        f"{s['clients_cpu_cores']:.2f} cores, {s['clients_cpu_us_per_msg']:.0f} us/msg; server RSS "
        f"{s['server_rss_mb']:.0f} MiB -> " + ("held" if s["held"] else f"NOT held: {s['why_not']}"),
        flush=True,
    )


def summary(runs: list[dict[str, Any]], opts: argparse.Namespace) -> None:
    print("\nsummary")
    for run in runs:
        label = f"{run['kind']}" + (f", queue {run['queue_size']}" if run["kind"] == "mock" else "")
        print(f"  {label}, {opts.connections} connections:")
        for s in run["steps"]:
            print(
                f"    {s['rate']:>5g} fills/s: p50 {s['p50_ms']:7.1f} ms  p99 {s['p99_ms']:7.1f} ms  "
                f"max {s['max_ms']:7.1f} ms  {s['msgs_per_s']:>7,.0f} msg/s  server {s['server_cpu_us_per_msg']:4.0f} "
                f"us/msg  lost {s['missing'] + s['missing_on_closed']}  error 25 x{s['error_25']}  "
                + ("held" if s["held"] else "NOT held")
            )
        print(
            f"    highest rate held {run['highest_held']} fills/s; first not held {run['first_failed']}"
            f" ({run['first_failed_why'] or 'none failed'})"
        )
        if run["kind"] == "mock":
            backlog = max(s["max_backlog_items"] for s in run["steps"])
            print(
                f"    highest rate without overflow {run['highest_without_overflow']} fills/s; first with error 25 "
                f"{run['first_overflow']}; largest backlog seen {backlog} messages (queue {run['queue_size']})"
            )
    mock = runs[0]
    by_rate = {s["rate"]: s for s in mock["steps"]}
    for b in mock.get("one_connection", []):
        s = by_rate.get(b["rate"])
        ratio = f"; {opts.connections} connections / 1: p50 x{s['p50_ms'] / b['p50_ms']:.1f}" if s else ""
        print(f"  1 connection at {b['rate']:g} fills/s: p50 {b['p50_ms']:.2f} ms  p99 {b['p99_ms']:.2f} ms{ratio}")
    bare = next((r for r in runs if r["kind"] == "bare"), None)
    if bare and mock["highest_held"] and bare["highest_held"]:
        common = [
            (s, b) for s in mock["steps"] for b in bare["steps"] if s["rate"] == b["rate"] and s["held"] and b["held"]
        ]
        print(
            f"  highest rate held, mock / bare: {mock['highest_held']:g} / {bare['highest_held']:g} = "
            f"{mock['highest_held'] / bare['highest_held']:.2f}"
        )
        if common:
            cpu = benchlib.median([s["server_cpu_us_per_msg"] / b["server_cpu_us_per_msg"] for s, b in common])
            p50 = benchlib.median([s["p50_ms"] / b["p50_ms"] for s, b in common])
            rates = ", ".join(f"{s['rate']:g}" for s, _ in common)
            print(
                f"  at the rates both held ({rates} fills/s), mock / bare: server CPU per message x{cpu:.2f}, ", end=""
            )
            print(f"p50 x{p50:.1f}")
    idle, ledger = mock.get("no_connection"), mock.get("ledger")
    held = [s for s in mock["steps"] if s["held"]] or mock["steps"]
    if idle and held:
        loaded = benchlib.median([s["driver_cpu_us_per_fill"] for s in held])
        print(
            f"  fill() CPU: {idle['driver_cpu_us_per_fill']:.0f} us with no connection, {loaded:.0f} us with "
            f"{opts.connections} (median over the steps held): x{loaded / idle['driver_cpu_us_per_fill']:.1f}"
            + (f"; back to back on a fresh ledger {ledger['cpu_us_per_fill']:.0f} us" if ledger else "")
        )
    # The same rate with and without the connections: CPU per call falls as the rate rises (a thread that sleeps
    # less between calls finds its caches warm), so only a comparison at one rate says what the fan-out costs it.
    for rate, alone in (mock.get("no_connection_by_rate") or {}).items():
        s = by_rate.get(rate)
        if s is not None:
            ratio = s["driver_cpu_us_per_fill"] / alone["driver_cpu_us_per_fill"]
            inside = s["call_cpu_us"] / alone["call_cpu_us"]
            print(
                f"  fill() CPU at {rate:g} fills/s: {alone['driver_cpu_us_per_fill']:.0f} us with no connection, "
                f"{s['driver_cpu_us_per_fill']:.0f} us with {opts.connections}: x{ratio:.2f}; inside the call only "
                f"{alone['call_cpu_us']:.0f} and {s['call_cpu_us']:.0f} us: x{inside:.2f}; fill() p99 "
                f"{alone['call_p99_ms']:.2f} ms and {s['call_p99_ms']:.2f} ms"
            )


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_serve"]:
        p = argparse.ArgumentParser()
        p.add_argument("kind", choices=["mock", "bare"])
        p.add_argument("--keys", required=True)
        p.add_argument("--users", type=int, required=True)
        p.add_argument("--queue-size", type=int, required=True)
        p.add_argument("--ws-deflate", action="store_true")
        p.add_argument("--no-frame-writer", action="store_true")
        p.add_argument("--nofile", type=int, default=4096)
        p.add_argument("--profile")
        return serve(p.parse_args(argv[1:]))
    if argv[:1] == ["_clients"]:
        p = argparse.ArgumentParser()
        for name in ("--port", "--users", "--first", "--count", "--nofile", "--concurrency"):
            p.add_argument(name, type=int, required=True)
        p.add_argument("--keys", required=True)
        p.add_argument("--client", choices=["sansio", "asyncio"], default="sansio")
        p.add_argument("--no-deflate", dest="deflate", action="store_false")
        return asyncio.run(_clients(p.parse_args(argv[1:])))

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="2 s steps, no second queue size")
    p.add_argument("--connections", type=int, default=1000, help="websocket connections (default 1000)")
    p.add_argument("--users", type=int, default=10, help="users the connections are spread over (default 10)")
    p.add_argument("--client-procs", type=int, default=4, help="client processes (default 4)")
    p.add_argument("--client", choices=["sansio", "asyncio"], default="sansio", help="websockets client (see above)")
    p.add_argument("--no-deflate", dest="deflate", action="store_false", help="clients do not offer permessage-deflate")
    p.add_argument(
        "--ws-deflate",
        action="store_true",
        help="the servers (mock and bare) accept permessage-deflate (Settings.ws_per_message_deflate; default: off, "
        "as the mock's default)",
    )
    p.add_argument(
        "--no-frame-writer",
        action="store_true",
        help="the mock's server advertises no frame writer (web.FRAME_WRITER): every frame is an ASGI send from the "
        "connection's task, as under another server",
    )
    p.add_argument("--rates", help=f"fill rates of a ramp, fills/s, comma separated (default {DEFAULT_RATES})")
    p.add_argument("--step-s", type=float, help="seconds of fills per step (default 4; --quick 2)")
    p.add_argument("--baseline-rates", help="rates of the 1-connection baseline (default 10,20)")
    p.add_argument("--baseline-s", type=float, help="seconds per baseline step (default 3; --quick 2)")
    p.add_argument("--queue-size", type=int, default=1000, help="ws_queue_size of the main run (default 1000)")
    p.add_argument(
        "--second-queue-size",
        type=int,
        help="ramp the mock again with this ws_queue_size, from the first run's highest rate held past latency "
        "failures, until a connection overflows (default 100; --quick: 0, skipped)",
    )
    p.add_argument("--no-bare", dest="bare", action="store_false", help="skip the bare websocket baseline")
    p.add_argument("--p99-limit-s", type=float, default=1.0, help="a step with a higher p99 is not held (default 1)")
    p.add_argument("--ledger-fills", type=int, default=2000, help="fills of the back-to-back ledger baseline")
    p.add_argument(
        "--profile", metavar="PATH", help="cProfile the main mock server: loop thread PATH, driver PATH.driver"
    )
    p.add_argument("--json", metavar="PATH", help="write every step's figures here")
    opts = p.parse_args(argv)
    opts.rates = [float(r) for r in (opts.rates or DEFAULT_RATES).split(",")]
    opts.baseline_rates = [float(r) for r in (opts.baseline_rates or "10,20").split(",")]
    opts.step_s = opts.step_s or (2.0 if opts.quick else 4.0)
    opts.baseline_s = opts.baseline_s or (2.0 if opts.quick else 3.0)
    if opts.second_queue_size is None:
        opts.second_queue_size = 0 if opts.quick else 100
    if opts.connections < 1 or opts.users < 1 or opts.client_procs < 1 or min(opts.rates + opts.baseline_rates) <= 0:
        p.error("connections, users, client processes and rates must be positive")

    started = time.monotonic()
    print(
        f"open file limit {raise_nofile(opts.connections + 512)}; Python {sys.version.split()[0]}; "
        f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    runs = []
    with tempfile.TemporaryDirectory(prefix="ws-latency-") as tmp_name:
        tmp = Path(tmp_name)
        for u in range(opts.users):
            _, private_pem, public_pem = benchlib.new_rsa_key()
            (tmp / f"{u}.pem").write_text(private_pem)
            (tmp / f"{u}.pub").write_text(public_pem)
        bench = Bench(opts, tmp)
        runs.append(bench.ramp("mock", opts.queue_size, opts.rates, profile=opts.profile, baselines=True))
        if opts.bare:
            runs.append(bench.ramp("bare", opts.queue_size, opts.rates))
        if opts.second_queue_size:
            # From the main run's highest rate held (lower rates showed no backlog), past latency failures.
            start = runs[0]["highest_held"] or opts.rates[0]
            rates = [r for r in opts.rates if r >= start]
            runs.append(bench.ramp("mock", opts.second_queue_size, rates, until_overflow=True))
    summary(runs, opts)
    print(f"  total time {time.monotonic() - started:.0f} s; load average {os.getloadavg()[0]:.2f}")
    if opts.json:
        Path(opts.json).write_text(json.dumps(runs, indent=1))
    if opts.profile:
        import pstats

        for path, title in (
            (opts.profile, "mock server, loop thread"),
            (opts.profile + ".driver", "fill driver thread"),
        ):
            print(f"\ncProfile (CPU time), {title} ({path}), top 30 by internal time:")
            pstats.Stats(path).sort_stats("tottime").print_stats(30)


if __name__ == "__main__":
    main()
