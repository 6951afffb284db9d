"""Clients that hold a mock's memory or connections, on the tree before a change and on this one, in one command: a
websocket client that floods pings and never reads, and request bodies sent a byte a second.

    .venv/bin/python bench/hostile_holds.py --before 7478333            # both parts (~2 min 30 s)
    .venv/bin/python bench/hostile_holds.py --before 7478333 --quick    # shorter floods, a 5 s body timeout (~1 min)
    .venv/bin/python bench/hostile_holds.py --before 7478333 --only ping-flood

`--before REV` is `git archive`d into a temporary folder; its servers import that tree's `mockexchange` (PYTHONPATH),
this checkout's servers their own. Each server is `hostile_limits.py`'s: `build_app` served by uvicorn through
`mockexchange.server.serving.uvicorn_config` in a process of its own, so its memory and CPU are its own. The figures are
printed for both trees and as ratios (this tree / before).

**ping flood.** For each tree and each venue's websocket (`/trade-api/ws/v2`, signed; `/ws/api/v2`), one client
(a 4 KiB receive buffer, a 16 KiB send buffer) writes masked pings of 125 bytes (the largest control frame), with a
pong of the mock's `heartbeat` payload after every 20, as fast as the server takes them, for `--flood-s` seconds,
and reads nothing. Then it sends one such blind pong every 0.5 s for `--hold-s` seconds, or until the server ends the
connection. Figures: the bytes the server took, the server's peak RSS over its RSS before the flood (VmHWM reset
before, VmRSS sampled every 0.1 s), its CPU seconds over the flood, and when the connection ended (seconds after the
flood began; none: still open at the end). `ws_ping_timeout_s` is the close timeout (default 20 s; `--quick` 5 s).

**slow bodies.** For each tree, `--bodies` connections (each `POST /api/v2` declaring 1,000 bytes) send a byte a
second for `--trickle-s` seconds, with `max_connections` at that number. Figures: the server's RSS over its RSS
before (peak and at the end), its CPU seconds, the connections it still held at the end, the statuses they were
answered, what a new connection got at the end (503: the cap is held), and the tracebacks the server wrote once the
clients hung up (a body cut short was logged as a bug of the mock's before). This tree's body timeout:
`--body-timeout` (default the mock's, 30 s; `--quick` 5 s); the tree before has none.
"""

from __future__ import annotations

import argparse
import json
import select
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import benchlib
from hostile_limits import KEY_ID, WS_PATH, Server, tcp_state

ROOT = Path(__file__).resolve().parent.parent
PING = b"p" * 125
TCP_ESTABLISHED = 1
DERIBIT_WS = "/ws/api/v2"


def _masked(*frames: tuple[str, bytes]) -> bytes:
    from websockets.client import ClientProtocol
    from websockets.uri import parse_uri

    protocol = ClientProtocol(parse_uri("ws://x/"))
    protocol.state = protocol.state.OPEN  # framing only
    send = {"ping": protocol.send_ping, "pong": protocol.send_pong, "text": protocol.send_text}
    for kind, payload in frames:
        send[kind](payload)
    return b"".join(protocol.data_to_send())


def _websocket(port: int, path: str, signer: Any) -> socket.socket:
    """A websocket opened on a socket that will never read again."""
    from websockets.client import ClientProtocol
    from websockets.http11 import Response
    from websockets.uri import parse_uri

    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 16 * 1024)
    sock.connect(("127.0.0.1", port))
    protocol = ClientProtocol(parse_uri(f"ws://127.0.0.1:{port}{path}"))
    request = protocol.connect()
    if path == WS_PATH:
        request.headers.update(signer.headers("GET", WS_PATH))
    protocol.send_request(request)
    sock.sendall(b"".join(protocol.data_to_send()))
    sock.settimeout(10)
    while not any(isinstance(e, Response) and e.status_code == 101 for e in protocol.events_received()):
        protocol.receive_data(sock.recv(65536))
    sock.setblocking(False)
    return sock


def _ended(sock: socket.socket) -> bool:
    return tcp_state(sock) != TCP_ESTABLISHED


def flood_case(server: Server, path: str, signer: Any, opts: argparse.Namespace) -> dict[str, Any]:
    block = _masked(*([("ping", PING)] * 20 + [("pong", b"heartbeat")]) * 10)
    pong = _masked(("pong", b"heartbeat"))
    sock = _websocket(server.port, path, signer)
    server.reset_peak()
    rss_before, _ = server.memory_mb()
    peak = rss_before
    cpu_before = server.cpu_s()
    started = time.monotonic()
    view, at, sent, ended_s = memoryview(block), 0, 0, None
    next_sample = 0.0
    while time.monotonic() - started < opts.flood_s and ended_s is None:
        try:
            written = sock.send(view[at:])
            sent, at = sent + written, (at + written) % len(block)
        except BlockingIOError:
            select.select([], [sock], [], 0.05)
        except OSError:
            ended_s = time.monotonic() - started
        if time.monotonic() >= next_sample:
            peak, next_sample = max(peak, server.memory_mb()[0]), time.monotonic() + 0.1
    cpu = server.cpu_s() - cpu_before
    while ended_s is None and time.monotonic() - started < opts.flood_s + opts.hold_s:
        try:
            sock.send(pong)
        except BlockingIOError:
            pass
        except OSError:
            ended_s = time.monotonic() - started
        if ended_s is None and _ended(sock):
            ended_s = time.monotonic() - started
        peak = max(peak, server.memory_mb()[0])
        time.sleep(0.5)
    peak = max(peak, server.memory_mb()[1])
    sock.close()
    return {
        "taken_mb": sent / 1e6,
        "peak_over_before_mb": peak - rss_before,
        "flood_cpu_s": cpu,
        "ended_after_s": ended_s,
    }


def ping_flood(opts: argparse.Namespace, public_pem: Path, signer: Any) -> dict[str, Any]:
    rows: dict[str, Any] = {}
    settings = {"ws_ping_timeout_s": opts.ping_timeout_s}
    for tree, source in (("before", opts.before_tree), ("after", None)):
        server = Server("mock", settings, public_pem, source)
        try:
            for venue, path in (("kalshi", WS_PATH), ("deribit", DERIBIT_WS)):
                row = rows[f"{tree} {venue}"] = flood_case(server, path, signer, opts)
                ended = row["ended_after_s"]
                print(
                    f"  {tree:6} {venue:7}: took {row['taken_mb']:8.1f} MB of pings in {opts.flood_s:g} s; peak RSS "
                    f"+{row['peak_over_before_mb']:7.1f} MiB; CPU {row['flood_cpu_s']:5.2f} s over the flood; "
                    + (f"ended {ended:.1f} s after it began" if ended else f"still open after {opts.hold_s:g} s more"),
                    flush=True,
                )
        finally:
            server.stop()
    for venue in ("kalshi", "deribit"):
        before, after = rows[f"before {venue}"], rows[f"after {venue}"]
        print(
            f"  ratio after/before, {venue}: pings taken {_ratio(after['taken_mb'], before['taken_mb'])}, peak RSS "
            f"growth {_ratio(after['peak_over_before_mb'], before['peak_over_before_mb'])}, CPU "
            f"{_ratio(after['flood_cpu_s'], before['flood_cpu_s'])}",
            flush=True,
        )
    return rows


def _ratio(after: float, before: float) -> str:
    return f"x{after / before:.3f}" if before > 0 else "n/a"


def slow_bodies_case(server: Server, opts: argparse.Namespace) -> dict[str, Any]:
    head = b"POST /api/v2 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
    server.reset_peak()
    rss_before, _ = server.memory_mb()
    cpu_before = server.cpu_s()
    socks = []
    for _ in range(opts.bodies):
        sock = socket.create_connection(("127.0.0.1", server.port))
        sock.sendall(head)
        sock.setblocking(False)
        socks.append(sock)
    statuses: Counter[str] = Counter()
    answered: set[int] = set()
    started = time.monotonic()
    while time.monotonic() - started < opts.trickle_s:
        for i, sock in enumerate(socks):
            if i in answered:
                continue
            try:
                if select.select([sock], [], [], 0)[0]:
                    data = sock.recv(4096)
                    statuses[data.split(b" ", 2)[1].decode() if data else "closed"] += 1
                    answered.add(i)
                    continue
                sock.send(b" ")
            except OSError as exc:
                statuses[type(exc).__name__] += 1
                answered.add(i)
        time.sleep(max(0.0, 1.0 - (time.monotonic() - started) % 1.0))
    rss_end, peak = server.memory_mb()
    cpu = server.cpu_s() - cpu_before
    with socket.create_connection(("127.0.0.1", server.port)) as fresh:
        fresh.sendall(b"GET /_admin/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        fresh.settimeout(10)
        reply = fresh.recv(4096)
        new_connection = reply.split(b" ", 2)[1].decode() if reply else "closed"
    held = sum(1 for i, sock in enumerate(socks) if i not in answered and not _ended(sock))
    for sock in socks:
        sock.close()
    return {
        "held_at_end": held,
        "answers": dict(statuses),
        "peak_over_before_mb": peak - rss_before,
        "end_over_before_mb": rss_end - rss_before,
        "cpu_s": cpu,
        "new_connection": new_connection,
    }


def slow_bodies(opts: argparse.Namespace, public_pem: Path) -> dict[str, Any]:
    rows: dict[str, Any] = {}
    for tree, source, extra in (
        ("before", opts.before_tree, {}),
        ("after", None, {"body_timeout_s": opts.body_timeout}),
    ):
        with tempfile.TemporaryFile() as stderr:
            server = Server("mock", {"max_connections": opts.bodies, **extra}, public_pem, source, stderr)
            try:
                row = rows[tree] = slow_bodies_case(server, opts)
            finally:
                server.stop()
            stderr.seek(0)
            row["tracebacks"] = stderr.read().count(b"Traceback")  # the bodies' clients hung up at the end
        print(
            f"  {tree:6}: {opts.bodies} bodies at a byte a second for {opts.trickle_s:g} s: {row['held_at_end']} still "
            f"held, answers {row['answers'] or '{}'}; RSS peak +{row['peak_over_before_mb']:.1f} MiB, at the end "
            f"+{row['end_over_before_mb']:.1f} MiB; CPU {row['cpu_s']:.2f} s; a new connection then: "
            f"{row['new_connection']}; tracebacks on the server's stderr once they hung up: {row['tracebacks']}",
            flush=True,
        )
    before, after = rows["before"], rows["after"]
    print(
        f"  ratio after/before: connections held at the end {after['held_at_end']}/{before['held_at_end']}, RSS at "
        f"the end {_ratio(after['end_over_before_mb'], before['end_over_before_mb'])}, CPU "
        f"{_ratio(after['cpu_s'], before['cpu_s'])}",
        flush=True,
    )
    return rows


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--before", required=True, metavar="REV", help="the commit before the change (git archive)")
    p.add_argument("--quick", action="store_true", help="5 s floods and close timeout, a 5 s body timeout")
    p.add_argument("--only", choices=["ping-flood", "slow-bodies"], help="run one part only")
    p.add_argument("--flood-s", type=float, help="seconds of pings (default 10; quick 5)")
    p.add_argument("--hold-s", type=float, help="seconds of blind pongs after them, at most (default 25; quick 8)")
    p.add_argument("--bodies", type=int, default=1000, help="slow bodies at once (default 1,000)")
    p.add_argument("--body-timeout", type=float, help="this tree's body_timeout_s (default 30; quick 5)")
    p.add_argument("--json", metavar="PATH", help="write the figures here")
    opts = p.parse_args(argv)
    opts.flood_s = opts.flood_s or (5.0 if opts.quick else 10.0)
    opts.hold_s = opts.hold_s or (8.0 if opts.quick else 25.0)
    opts.ping_timeout_s = 5.0 if opts.quick else 20.0
    opts.body_timeout = opts.body_timeout or (5.0 if opts.quick else 30.0)
    opts.trickle_s = opts.body_timeout + 5
    key, _, public = benchlib.new_rsa_key()
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="hostile-holds-") as tmp:
        opts.before_tree = Path(tmp) / "before"
        opts.before_tree.mkdir()
        archive = subprocess.run(["git", "archive", opts.before], cwd=ROOT, capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(opts.before_tree)], input=archive.stdout, check=True)
        public_pem = Path(tmp) / "bench.pub"
        public_pem.write_text(public)
        print(f"before: {opts.before}; after: this checkout", flush=True)
        if opts.only in (None, "ping-flood"):
            print("a websocket client that floods pings (and blind pongs) and never reads:", flush=True)
            figures["ping_flood"] = ping_flood(opts, public_pem, benchlib.signer(key, KEY_ID))
        if opts.only in (None, "slow-bodies"):
            print("request bodies at a byte a second:", flush=True)
            figures["slow_bodies"] = slow_bodies(opts, public_pem)
    if opts.json:
        Path(opts.json).write_text(json.dumps(figures, indent=1))


if __name__ == "__main__":
    sys.exit(main())
