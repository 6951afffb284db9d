"""What the inspector's live feed costs while websocket frames move on connections that hold long tickers: the bytes a
reading listener of `GET /_admin/events` is sent, the server's RSS growth and its CPU over N seconds, for this tree
and a baseline tree in the same command, as ratios.

    git archive 7478333 | tar -x -C /tmp/feed-before                  # the tree before the feed sent changes
    .venv/bin/python bench/inspector_feed.py --baseline /tmp/feed-before        # 10 s per run (~1 min 30 s)
    .venv/bin/python bench/inspector_feed.py --baseline /tmp/feed-before --quick # 5 s per run

Processes: each server is a `MockServer` (default settings) in a child process started from this file (`--serve
TREE`) that imports TREE's `mockexchange` (the project's editable install set aside), so its RSS (VmRSS, sampled every
50 ms) and CPU (utime + stime) are its own; the client is this process.

Workload, per tree and per ticker length: `--connections` Kalshi websockets of one user each subscribe to `fill` with
`--tickers` market tickers of that length (in commands under 64 KiB: a subscribe, then `add_markets`); a tree that
refuses the length (error 11) holds none, and the run says so. Then two listeners follow the feed, one reading all
it is sent as fast as it comes, one reading at most `--slow-rate` MB/s (a page on a slow link: what waits for it is
what the server holds), while, for `--seconds`, every connection sends `list_subscriptions` every 50 ms (each moves a
frame both ways: the feed's `connections` topic changes in every 100 ms window). Reported: the bytes each listener
read (the fast one's `connections` events apart), the server's peak RSS over the run above its RSS before the
listeners came, and its CPU seconds over the run. Lengths: 256 characters
(the longest both trees accept) and 4,096 (the baseline accepts it; a tree with Kalshi's ticker bound refuses it).
Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import threading
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = str(Path(__file__).resolve())
WS_PATH = "/trade-api/ws/v2"
FRAME_BYTES = 60_000  # a command's market tickers stay under the websocket's 64 KiB message limit
START_TIMEOUT_S = 60.0


# -- server process -------------------------------------------------------------------------------------------------


def serve(tree: str) -> None:
    """A mock from `tree`'s package: say its port and a key of alice's, then serve until stdin closes."""
    sys.meta_path[:] = [f for f in sys.meta_path if not type(f).__module__.startswith("__editable__")]
    sys.path.insert(0, tree)
    import mockexchange
    from mockexchange.server import MockServer

    mock = MockServer().start()
    mock.create_account("alice")
    key = mock.create_key("alice")
    found = {"port": mock.port, "key_id": key["key_id"], "pem": key["private_key_pem"], "file": mockexchange.__file__}
    sys.stdout.write(json.dumps(found) + "\n")
    sys.stdout.flush()
    sys.stdin.read()
    mock.stop()


# -- client ---------------------------------------------------------------------------------------------------------


class Listener:
    """A raw `GET /_admin/events` that reads everything as it comes: the bytes read, and the bytes of each event name
    (the stream's chunks decoded)."""

    def __init__(self, port: int, rate: float | None = None) -> None:
        self.rate = rate  # bytes a second it reads at most (None: as fast as they come)
        self.sock = socket.create_connection(("127.0.0.1", port))
        head = "GET /_admin/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n"
        self.sock.sendall(head.encode())
        self.bytes = 0
        self.by_event: dict[str, int] = {}
        self._raw = b""  # read, not yet decoded
        self._body = b""  # decoded, not yet split into events
        self._head = True
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        self.sock.settimeout(0.5)
        started = time.monotonic()
        while not self.stopped.is_set():
            if self.rate is not None:
                time.sleep(max(0.0, started + self.bytes / self.rate - time.monotonic()))
            try:
                chunk = self.sock.recv(1 << 20 if self.rate is None else 1 << 16)
            except TimeoutError:
                continue
            except OSError:
                return
            if not chunk:
                return
            self.bytes += len(chunk)
            self._raw += chunk
            self._decode()

    def _decode(self) -> None:
        if self._head:
            if b"\r\n\r\n" not in self._raw:
                return
            self._raw = self._raw.split(b"\r\n\r\n", 1)[1]
            self._head = False
        while b"\r\n" in self._raw:
            size_line, rest = self._raw.split(b"\r\n", 1)
            size = int(size_line.split(b";")[0], 16)
            if len(rest) < size + 2:
                break
            self._body += rest[:size]
            self._raw = rest[size + 2 :]
        *events, self._body = self._body.split(b"\n\n")
        for block in events:
            name = block.split(b"\n", 1)[0].removeprefix(b"event: ").decode() if block.startswith(b"event") else "-"
            self.by_event[name] = self.by_event.get(name, 0) + len(block) + 2

    def stop(self) -> tuple[int, dict[str, int]]:
        self.stopped.set()
        self.thread.join(5)
        self.sock.close()
        return self.bytes, self.by_event


def subscribe(ws: Any, tickers: list[str]) -> bool:
    """`fill` with `tickers`, in commands under FRAME_BYTES; False if the tree refused them."""
    per_command = max(1, FRAME_BYTES // (len(tickers[0]) + 4))
    first, rest = tickers[:per_command], tickers[per_command:]
    ws.send(json.dumps({"id": 1, "cmd": "subscribe", "params": {"channels": ["fill"], "market_tickers": first}}))
    reply = json.loads(ws.recv(timeout=30))
    if reply["type"] != "subscribed":
        return False
    sid = reply["msg"]["sid"]
    for start in range(0, len(rest), per_command):
        update = {"sid": sid, "action": "add_markets", "market_tickers": rest[start : start + per_command]}
        ws.send(json.dumps({"id": 2, "cmd": "update_subscription", "params": update}))
        if json.loads(ws.recv(timeout=30))["type"] != "ok":
            return False
    return True


def run(tree: Path, length: int, args: argparse.Namespace) -> dict[str, Any]:
    # Imported here: a server process imports its own tree's package, not the one benchlib brings.
    from benchlib import process_cpu_s, process_rss_mb
    from websockets.sync.client import connect

    from mockexchange.testing.signing import KalshiSigner

    server = subprocess.Popen(
        [sys.executable, SCRIPT, "--serve", str(tree)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        found = json.loads(server.stdout.readline())
        signer = KalshiSigner.from_pem(found["key_id"], found["pem"])
        url = f"ws://127.0.0.1:{found['port']}{WS_PATH}"
        opened = ExitStack()
        sockets = [
            opened.enter_context(connect(url, additional_headers=signer.headers("GET", WS_PATH), open_timeout=30))
            for _ in range(args.connections)
        ]
        tickers = [f"KXBENCH-{i:05d}-" + "T" * (length - 14) for i in range(args.tickers)]
        held = all([subscribe(ws, tickers) for ws in sockets])
        time.sleep(0.5)
        rss_before, cpu_before = process_rss_mb(server.pid), process_cpu_s(server.pid)
        listener, slow = Listener(found["port"]), Listener(found["port"], args.slow_rate * 1e6)
        peak, started, n = rss_before, time.monotonic(), 0
        while time.monotonic() - started < args.seconds:
            for ws in sockets:
                ws.send(json.dumps({"id": 3, "cmd": "list_subscriptions"}))
            for ws in sockets:
                ws.recv(timeout=30)
            n += 1
            peak = max(peak, process_rss_mb(server.pid))
            time.sleep(max(0.0, started + n * 0.05 - time.monotonic()))
        cpu = process_cpu_s(server.pid) - cpu_before
        sent, by_event = listener.stop()
        slow_sent, _ = slow.stop()
        opened.close()
        return {
            "tree": str(tree),
            "package": found["file"],
            "ticker_chars": length,
            "tickers_held": held,
            "listener_mb": sent / 1e6,
            "connections_events_mb": by_event.get("connections", 0) / 1e6,
            "slow_listener_mb": slow_sent / 1e6,
            "rss_growth_mib": peak - rss_before,
            "server_cpu_s": cpu,
            "commands": n * len(sockets),
        }
    finally:
        if server.stdin is not None:
            server.stdin.close()
        server.wait(30)


def report(row: dict[str, Any]) -> None:
    held = "held" if row["tickers_held"] else "REFUSED (error 11): the connections hold none"
    print(
        f"  {row['tree']}: {row['listener_mb']:.2f} MB to the listener ({row['connections_events_mb']:.2f} MB of "
        f"connections events), {row['slow_listener_mb']:.2f} MB to the slow one, "
        f"server RSS +{row['rss_growth_mib']:.1f} MiB, "
        f"server CPU {row['server_cpu_s']:.1f} s, {row['commands']:,} commands; tickers {held}"
    )


def ratio(before: float, after: float, floor: float) -> str:
    return f"{before / max(after, floor):.0f}x" + (" (at least: after is under the floor)" if after < floor else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", type=Path, help="the tree to compare with (git archive BASE | tar -x -C DIR)")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--quick", action="store_true", help="5 s per run")
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--tickers", type=int, default=100, help="market tickers per connection")
    parser.add_argument("--lengths", default="256,4096", help="ticker lengths, comma-separated")
    parser.add_argument("--slow-rate", type=float, default=1.0, help="MB/s the second listener reads at most")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    if args.quick:
        args.seconds = 5.0
    trees = ([args.baseline] if args.baseline else []) + [ROOT]
    print(
        f"{args.connections} Kalshi connections x {args.tickers} tickers, list_subscriptions every 50 ms each, "
        f"a listener reading all it is sent and one reading {args.slow_rate:g} MB/s, {args.seconds:g} s per run"
    )
    for length in (int(n) for n in args.lengths.split(",")):
        print(f"tickers of {length} characters:")
        rows = [run(tree, length, args) for tree in trees]
        for row in rows:
            report(row)
        if len(rows) == 2:
            before, after = rows
            print(
                f"  baseline / this tree: bytes {ratio(before['listener_mb'], after['listener_mb'], 0.01)} "
                f"(connections events {ratio(before['connections_events_mb'], after['connections_events_mb'], 0.01)}), "
                f"RSS growth {ratio(before['rss_growth_mib'], after['rss_growth_mib'], 1.0)}, "
                f"server CPU {ratio(before['server_cpu_s'], after['server_cpu_s'], 0.1)}"
            )


if __name__ == "__main__":
    main()
