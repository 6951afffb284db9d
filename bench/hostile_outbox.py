"""Websocket clients that subscribe to many deep books and never read, on the tree before a change and on this one, in
one command: twelve connections of one key subscribe `orderbook_delta` to 200 deep books and read nothing.

    .venv/bin/python bench/hostile_outbox.py --before 2041d41            # 12 connections, 200 books (~1 min 30 s)
    .venv/bin/python bench/hostile_outbox.py --before 2041d41 --quick    # 6 connections, 100 books (~50 s)

`--before REV` is `git archive`d into a temporary folder; its server imports that tree's `mockexchange` (PYTHONPATH),
this checkout's server its own. Each server is `hostile_limits.py`'s: `build_app` served by uvicorn through
`mockexchange.server.serving.uvicorn_config` in a process of its own, so its memory is its own; the websocket settings
at their defaults but the ping interval and timeout (120 s: the close timeout would otherwise reset a client that does
not read 20 s after its buffers filled, and end the figure). `--books` markets are listed at a tenth of a cent
(`deci_cent`), each book holding every level (499 YES bids and 500 NO bids: a snapshot of 21 KB on the wire).

Per tree, `--connections` clients of one key (a 4 KiB receive buffer, a 16 KiB send buffer each) subscribe
`orderbook_delta` to every book and read nothing. **parked**: the server's RSS once it has not grown by 1 MiB in a
second, and its peak (VmHWM), each over its RSS before they connected. **moved**: then one of the books moves
`--moves` times (its 499 YES levels a move, 20 ms apart: what waits for each client grows by about 64 KiB a move, past
`ws_queue_bytes` (4 MiB) after some 65, far from `ws_queue_size`) and the peak is read again; then each client reads
what it was sent, to the close or to 2 s of silence: error 25 and the close 1008 (overflowed), or still open. Printed
for both trees, and as ratios (this tree / before).
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import benchlib
from hostile_holds import _masked, _ratio, _websocket
from hostile_limits import KEY_ID, WS_PATH, Server

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = {"ws_ping_interval_s": 120, "ws_ping_timeout_s": 120}


def _levels(last: int, size: int = 100) -> list[list[str]]:
    """Every tenth-of-a-cent level from $0.001 to `last` thousandths, `size` contracts each."""
    return [[f"0.{price:03d}", str(size)] for price in range(1, last + 1)]


def _settled(server: Server, before: float, limit_s: float = 60.0) -> tuple[float, float]:
    """(RSS, peak RSS) over `before`, once the RSS has not grown by 1 MiB in a second (or after `limit_s`)."""
    started = time.monotonic()
    last, last_at = server.memory_mb()[0], time.monotonic()
    while time.monotonic() - last_at < 1.0 and time.monotonic() - started < limit_s:
        time.sleep(0.1)
        rss = server.memory_mb()[0]
        if rss > last + 1:
            last, last_at = rss, time.monotonic()
    rss, peak = server.memory_mb()
    return rss - before, peak - before


def _read_to_close(sock: socket.socket) -> str:
    """Read what the server sent, to its close frame or 2 s of silence: how it ended. (Frames parsed by hand: a
    server's are unmasked.)"""
    sock.setblocking(True)
    sock.settimeout(2.0)
    data, at, error25 = bytearray(), 0, False
    while True:
        try:
            chunk = sock.recv(1 << 16)
        except TimeoutError:
            return "still open (nothing more for 2 s)"
        except ConnectionResetError:
            return "reset"
        if not chunk:
            return "closed without a close frame"
        data += chunk
        while len(data) - at >= 2:
            opcode, size, start = data[at] & 0x0F, data[at + 1] & 0x7F, at + 2
            if size >= 126:
                width = 2 if size == 126 else 8
                if len(data) - start < width:
                    break
                size, start = int.from_bytes(data[start : start + width], "big"), start + width
            if len(data) - start < size:
                break
            payload, at = bytes(data[start : start + size]), start + size
            if opcode == 1 and b'"code":25' in payload:
                error25 = True
            elif opcode == 8:
                code = int.from_bytes(payload[:2], "big")
                return f"{'error 25, ' if error25 else ''}close {code} {payload[2:].decode()}"
        del data[:at]
        at = 0


def case(server: Server, signer: Any, opts: argparse.Namespace) -> dict[str, Any]:
    tickers = [f"KXDEEP-26DEC-T{n:03d}" for n in range(opts.books)]
    server.call({"cmd": "deep_books", "tickers": tickers, "yes": _levels(499), "no": _levels(500)}, 600)
    before, _ = server.memory_mb()
    server.reset_peak()
    subscribe = {"id": 1, "cmd": "subscribe", "params": {"channels": ["orderbook_delta"], "market_tickers": tickers}}
    frame = _masked(("text", json.dumps(subscribe).encode()))
    socks = []
    for _ in range(opts.connections):
        sock = _websocket(server.port, WS_PATH, signer)
        sock.setblocking(True)
        sock.sendall(frame)
        socks.append(sock)
    parked_rss, parked_peak = _settled(server, before)
    for move in range(1, opts.moves + 1):
        server.call({"cmd": "set_book", "ticker": tickers[0], "yes": _levels(499, 100 + move)}, 60)
        time.sleep(0.02)
    _, moved_peak = _settled(server, before)
    endings = [_read_to_close(sock) for sock in socks]
    for sock in socks:
        sock.close()
    return {
        "rss_before_mb": before,
        "parked_rss_over_before_mb": parked_rss,
        "parked_peak_over_before_mb": parked_peak,
        "moved_peak_over_before_mb": moved_peak,
        "endings": {ending: endings.count(ending) for ending in sorted(set(endings))},
    }


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--before", required=True, metavar="REV", help="the commit before the change (git archive)")
    p.add_argument("--quick", action="store_true", help="6 connections, 100 books")
    p.add_argument("--connections", type=int, help="clients that never read (default 12; quick 6)")
    p.add_argument("--books", type=int, help="deep books each subscribes to (default 200; quick 100)")
    p.add_argument("--moves", type=int, default=100, help="moves of one book after they parked (default 100)")
    p.add_argument("--json", metavar="PATH", help="write the figures here")
    opts = p.parse_args(argv)
    opts.connections = opts.connections or (6 if opts.quick else 12)
    opts.books = opts.books or (100 if opts.quick else 200)
    key, _, public = benchlib.new_rsa_key()
    signer = benchlib.signer(key, KEY_ID)
    rows: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="hostile-outbox-") as tmp:
        before_tree = Path(tmp) / "before"
        before_tree.mkdir()
        archive = subprocess.run(["git", "archive", opts.before], cwd=ROOT, capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(before_tree)], input=archive.stdout, check=True)
        public_pem = Path(tmp) / "bench.pub"
        public_pem.write_text(public)
        print(f"before: {opts.before}; after: this checkout; {opts.connections} connections x {opts.books} books")
        for tree, source in (("before", before_tree), ("after", None)):
            server = Server("mock", SETTINGS, public_pem, source)
            try:
                rows[tree] = case(server, signer, opts)
            finally:
                server.stop()
            print(f"  {tree}: RSS {rows[tree]['rss_before_mb']:.0f} MiB before; the clients {rows[tree]['endings']}")
    print(f"  {'server memory over its RSS before, MiB':44} {'before':>8} {'after':>8} {'after/before':>13}")
    for label, key in (
        ("parked: RSS once settled", "parked_rss_over_before_mb"),
        ("parked: peak", "parked_peak_over_before_mb"),
        (f"after {opts.moves} moves of a book: peak", "moved_peak_over_before_mb"),
    ):
        before, after = rows["before"][key], rows["after"][key]
        print(f"  {label:44} {before:8.1f} {after:8.1f} {_ratio(after, before):>13}", flush=True)
    if opts.json:
        Path(opts.json).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    sys.exit(main())
