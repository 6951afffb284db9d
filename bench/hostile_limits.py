"""Memory and time of the mock's limits under hostile clients: a 400 MB body refused, a websocket consumer that stops
reading cut off, a fill fanned out to the most subscriptions a connection may hold.

    .venv/bin/python bench/hostile_limits.py                  # every part, 400 MB bodies (~1-2 min)
    .venv/bin/python bench/hostile_limits.py --quick          # 100 MB bodies, 20 s of fills per slow-consumer run
    .venv/bin/python bench/hostile_limits.py --only bodies    # or: --only slow-consumer, --only fanout

Processes, all started from this file: each server is `build_app` served by uvicorn through
`mockexchange.server.serving.uvicorn_config` on 127.0.0.1 port 0 (as `mockexchange serve` and `MockServer` serve it), in
a process of its own, so its memory is its own; the client is this process.

**bodies.** For each server, route and framing (Content-Length, chunked), the client sends a `--size-mb` body in
1 MiB writes, as fast as the server takes it, while another thread waits for the answer; it reports the status, when
the answer came (seconds after the first byte, and how many bytes had been sent by then) and the server's peak RSS
over the request above its RSS before it (VmHWM, reset through /proc/PID/clear_refs before each case). Servers:
- **baseline**: a bare Starlette app whose `POST /_admin/accounts` and `POST /api/v2` read `request.body()` whole and
  then compare its length with the limit: what the mock's routes did before bodies were read within their limit;
- **mock**: the mock, whose routes read a body within the limit (`web.request_body.read_body`).

**slow consumer.** One mock (`ws_queue_size` 1,000, `ws_send_buffer_bytes` 64 KiB: the defaults); a thread of the
server process fills one user's market at `--rate` fills/s (2 messages each). Two websocket clients of that user
subscribe to `fill` and `market_positions`: a good one reads everything and records each message's latency (receive
time minus `sending_ts_ms`, one wall clock); a slow one (the kernel's default receive buffer) reads its two
`subscribed` replies and then nothing. Run 1, the default close timeout (the ping timeout, 20 s): the time until the
slow connection is reset, watched from its TCP state without reading. Run 2, ping interval and timeout 120 s: after
`--fill-s` seconds of fills the slow client reads what it was sent, which tells when error 25 was written (its
`sending_ts_ms`) and how many bytes sat in the buffers ahead of it. Both report the server's peak RSS above its RSS
before the fills.

**fan-out.** One connection subscribes to `fill` `ws_max_subscriptions` times (1,000; the next subscribe must be
refused), another once; one fill; the time until the first has all its messages and until the second has its one.
Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import select
import socket
import statistics
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import benchlib

SCRIPT = str(Path(__file__).resolve())
START_TIMEOUT_S = 30.0
CHUNK = 1 << 20
WS_PATH = "/trade-api/ws/v2"
TICKER = "KXHOSTILE-26DEC-T1"
KEY_ID = "hostile-bench-key"


# -- server process -------------------------------------------------------------------------------------------------


def baseline_asgi() -> Any:
    """The routes' old body handling: the whole body first, then its length against the limit."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    def limited(limit: int) -> Any:
        async def handle(request: Request) -> JSONResponse:
            raw = await request.body()
            if len(raw) > limit:
                return JSONResponse({"error": "body too large"}, 413)
            return JSONResponse({"ok": True})

        return handle

    return Starlette(
        routes=[
            Route("/_admin/accounts", limited(1 << 20), methods=["POST"]),
            Route("/api/v2", limited(32 * 1024), methods=["POST"]),
        ]
    )


class Driver:
    """Fills at a steady rate from a thread of the server process, as a test thread calling `mock.fill` does."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None
        self.fills = 0

    def start(self, rate: float) -> None:
        self.stop.clear()
        self.thread = threading.Thread(target=self._run, args=(rate,), daemon=True, name="driver")
        self.thread.start()

    def _run(self, rate: float) -> None:
        started = time.monotonic()
        while not self.stop.is_set():
            self.app.control.fill("alice", TICKER, "yes", "buy" if self.fills % 2 else "sell", "1", "0.50")
            self.fills += 1
            delay = started + self.fills / rate - time.monotonic()
            if delay > 0:
                self.stop.wait(delay)

    def halt(self) -> int:
        self.stop.set()
        if self.thread is not None:
            self.thread.join(10)
        return self.fills


def serve(kind: str, settings_json: str, public_pem_path: str) -> None:
    from types import SimpleNamespace

    import uvicorn

    from mockexchange.app import build_app
    from mockexchange.server.serving import uvicorn_config
    from mockexchange.settings import Settings

    settings = Settings(host="127.0.0.1", port=0, **json.loads(settings_json))
    app = build_app(settings, seed=7)
    app.control.create_account("alice", balance_cents=10**12)
    app.control.create_key("alice", public_key_pem=Path(public_pem_path).read_text(), key_id=KEY_ID)
    target = app if kind == "mock" else SimpleNamespace(asgi=baseline_asgi(), settings=settings)
    server = uvicorn.Server(uvicorn_config(target, host="127.0.0.1", port=0))
    driver = Driver(app)

    def handle(command: dict[str, Any]) -> Any:
        if command["cmd"] == "fill":
            driver.start(command["rate"])
            return {}
        if command["cmd"] == "halt":
            return {"fills": driver.halt()}
        if command["cmd"] == "fill_once":
            app.control.fill("alice", TICKER, "yes", "buy", "1", "0.50")
            return {}
        if command["cmd"] == "deep_books":  # hostile_outbox.py's markets: each book every level of a deci-cent market
            for ticker in command["tickers"]:
                app.control.create_market(ticker, price_level_structure="deci_cent")
                app.control.set_book(ticker, yes=command["yes"], no=command["no"])
            return {}
        if command["cmd"] == "set_book":
            app.control.set_book(command["ticker"], yes=command["yes"])
            return {}
        return {"error": f"unknown command {command['cmd']!r}"}

    args = (server, handle, START_TIMEOUT_S, driver.halt)
    threading.Thread(target=benchlib.serve_commands, args=args, daemon=True).start()
    server.run()


# -- the client (this process) --------------------------------------------------------------------------------------


class Server:
    """A server process of this script, spoken to in JSON lines; every read has a timeout."""

    def __init__(
        self, kind: str, settings: dict[str, Any], public_pem: Path, source: Path | None = None, stderr: Any = None
    ) -> None:
        """`source`: a tree whose `mockexchange` the server imports instead of this checkout's (a `git archive` of a
        base commit: the tree before a change); `stderr`: where the server's goes (a file; default: this one's)."""
        self.kind = kind
        argv = [sys.executable, SCRIPT, "_serve", kind, json.dumps(settings), str(public_pem)]
        env = {**os.environ, "PYTHONPATH": str(source)} if source is not None else None
        pipe = subprocess.PIPE
        self.proc = subprocess.Popen(argv, stdin=pipe, stdout=pipe, stderr=stderr, cwd=Path(SCRIPT).parent, env=env)
        self._buf = b""
        self.port = self.call(None, START_TIMEOUT_S).get("port") or 0
        if not self.port:
            raise RuntimeError(f"the {kind} server did not start")

    def call(self, obj: Any, timeout: float) -> Any:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        if obj is not None:
            self.proc.stdin.write((json.dumps(obj) + "\n").encode())
            self.proc.stdin.flush()
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buf:
            ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                raise TimeoutError(f"{self.kind} server: no answer within {timeout:g} s")
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                raise RuntimeError(f"{self.kind} server exited ({self.proc.poll()})")
            self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        return json.loads(line)

    def memory_mb(self) -> tuple[float, float]:
        """(RSS, peak RSS since the last reset) in MiB."""
        values = {}
        with open(f"/proc/{self.proc.pid}/status") as status:
            for line in status:
                name, _, rest = line.partition(":")
                if name in ("VmRSS", "VmHWM"):
                    values[name] = int(rest.split()[0]) / 1024
        return values["VmRSS"], values["VmHWM"]

    def cpu_s(self) -> float:
        """User and system CPU seconds the server has used so far."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def reset_peak(self) -> None:
        with open(f"/proc/{self.proc.pid}/clear_refs", "w") as f:
            f.write("5")  # resets VmHWM to the current RSS

    def stop(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)


def _read_status(sock: socket.socket, timeout: float) -> int:
    sock.settimeout(timeout)
    data = b""
    while b"\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            raise EOFError(f"closed before a status line: {data[:100]!r}")
        data += chunk
    return int(data.split(b" ", 2)[1])


def body_case(server: Server, path: str, size: int, chunked: bool) -> dict[str, Any]:
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}"
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n{framing}\r\n\r\n"
    server.reset_peak()
    rss_before, _ = server.memory_mb()
    sock = socket.create_connection(("127.0.0.1", server.port))
    sent = 0
    sent_at_answer: list[int] = []
    send_error: list[str] = []

    def send_all() -> None:
        nonlocal sent
        chunk = b" " * CHUNK
        frame = f"{CHUNK:x}\r\n".encode() + chunk + b"\r\n" if chunked else chunk
        try:
            sock.sendall(head.encode())
            while sent < size:
                sock.sendall(frame)
                sent += CHUNK
            if chunked:
                sock.sendall(b"0\r\n\r\n")
        except OSError as exc:
            send_error.append(type(exc).__name__)

    sender = threading.Thread(target=send_all, daemon=True)
    started = time.monotonic()
    sender.start()
    status = _read_status(sock, 120)
    answered = time.monotonic() - started
    sent_at_answer.append(sent)
    sender.join(300)
    all_sent = time.monotonic() - started
    sock.close()
    time.sleep(0.2)
    _, peak = server.memory_mb()
    return {
        "server": server.kind,
        "path": path,
        "framing": "chunked" if chunked else "content-length",
        "status": status,
        "answered_s": answered,
        "sent_mb_at_answer": sent_at_answer[0] / CHUNK,
        "body_sent_s": all_sent,
        "send_error": send_error[0] if send_error else None,
        "rss_before_mb": rss_before,
        "peak_over_before_mb": peak - rss_before,
    }


def bodies(opts: argparse.Namespace, public_pem: Path) -> list[dict[str, Any]]:
    rows = []
    for kind in ("baseline", "mock"):
        server = Server(kind, {}, public_pem)
        try:
            for path in ("/_admin/accounts", "/api/v2"):
                for chunked in (False, True):
                    row = body_case(server, path, opts.size_mb * CHUNK, chunked)
                    rows.append(row)
                    print(
                        f"  {kind:8} {path:17} {row['framing']:14} -> {row['status']} after {row['answered_s']:.3f} s "
                        f"({row['sent_mb_at_answer']:.0f} MiB sent; all {opts.size_mb} MiB in "
                        f"{row['body_sent_s']:.1f} s{', ' + row['send_error'] if row['send_error'] else ''}); "
                        f"RSS {row['rss_before_mb']:.0f} MiB before, peak +{row['peak_over_before_mb']:.1f} MiB",
                        flush=True,
                    )
        finally:
            server.stop()
    return rows


# -- slow consumer --------------------------------------------------------------------------------------------------


def tcp_state(sock: socket.socket) -> int:
    return struct.unpack("B", sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)[:1])[0]


def slow_consumer_run(
    opts: argparse.Namespace, public_pem: Path, signer: Any, settings: dict[str, Any], read_at_end: bool
) -> dict[str, Any]:
    from websockets.frames import Close, Frame, Opcode
    from websockets.sync.client import connect

    server = Server("mock", settings, public_pem)
    subscribe = {"id": 1, "cmd": "subscribe", "params": {"channels": ["fill", "market_positions"]}}
    url = f"ws://127.0.0.1:{server.port}{WS_PATH}"
    latencies: list[float] = []
    try:
        with connect(url, additional_headers=signer.headers("GET", WS_PATH), open_timeout=10) as good:
            good.send(json.dumps(subscribe))
            slow = _raw_client(server.port, signer)
            slow.send_json(subscribe)
            for _ in range(2):  # the `subscribed` replies; then the slow client reads nothing until the end
                good.recv(10)
                slow.next_event(10)
            stop_reading = threading.Event()

            def read_good() -> None:
                while not stop_reading.is_set():
                    try:
                        message = json.loads(good.recv(1))
                    except TimeoutError:
                        continue
                    latencies.append(time.time() * 1000 - message["sending_ts_ms"])

            reader = threading.Thread(target=read_good, daemon=True)
            reader.start()
            server.reset_peak()
            rss_before, _ = server.memory_mb()
            started_ms = time.time() * 1000
            started = time.monotonic()
            server.call({"cmd": "fill", "rate": opts.rate}, 10)
            cut_off_s = None
            peak_rss = rss_before
            while time.monotonic() - started < opts.fill_s:
                peak_rss = max(peak_rss, server.memory_mb()[0])
                if cut_off_s is None and not read_at_end and tcp_state(slow.sock) != 1:
                    cut_off_s = time.monotonic() - started
                    break
                time.sleep(0.05)
            fills = server.call({"cmd": "halt"}, 30)["fills"]
            stop_reading.set()
            reader.join(10)
            _, peak = server.memory_mb()
            result: dict[str, Any] = {
                "read_at_end": read_at_end,
                "fills": fills,
                "cut_off_s": cut_off_s,
                "rss_before_mb": rss_before,
                "peak_over_before_mb": max(peak, peak_rss) - rss_before,
                "good_messages": len(latencies),
                "good_p50_ms": statistics.median(latencies) if latencies else None,
                "good_p99_ms": benchlib.percentile(sorted(latencies), 99),
                "good_max_ms": max(latencies, default=None),
            }
            if read_at_end:
                data_bytes, messages, error25_ms, close = 0, 0, None, None
                while close is None:
                    event = slow.next_event(30)
                    if isinstance(event, Frame) and event.opcode == Opcode.TEXT:
                        message = json.loads(event.data)
                        if message.get("type") == "error" and message["msg"]["code"] == 25:
                            error25_ms = error25_ms or message["sending_ts_ms"]
                        elif error25_ms is None:
                            data_bytes += len(event.data)
                            messages += 1
                    elif isinstance(event, Frame) and event.opcode == Opcode.CLOSE:
                        close = Close.parse(event.data)
                result.update(
                    error25_after_s=None if error25_ms is None else (error25_ms - started_ms) / 1000,
                    messages_before_error25=messages,
                    kib_before_error25=data_bytes / 1024,
                    close=f"{close.code} {close.reason}",
                )
            slow.close()
    finally:
        server.stop()
    return result


def _raw_client(port: int, signer: Any) -> Any:
    """The test suite's frame-level client (tests/ws_raw_client.py), on a default receive buffer; it reads host,
    port, URL and profile from a `MockServer`, here a stand-in."""
    sys.path.insert(0, str(Path(SCRIPT).parent.parent / "tests"))
    from types import SimpleNamespace

    from ws_raw_client import RawClient

    stand_in = SimpleNamespace(
        host="127.0.0.1",
        port=port,
        kalshi_ws_url=f"ws://127.0.0.1:{port}{WS_PATH}",
        app=SimpleNamespace(settings=SimpleNamespace(profile="3.34")),
    )
    return RawClient(stand_in, signer)  # type: ignore[arg-type]


def slow_consumer(opts: argparse.Namespace, public_pem: Path, signer: Any) -> list[dict[str, Any]]:
    runs = [
        ({}, False),  # the defaults: cut off after error 25 and the close timeout (the ping timeout, 20 s)
        ({"ws_ping_interval_s": 120, "ws_ping_timeout_s": 120}, True),  # read at the end: when error 25 was written
    ]
    rows = []
    for settings, read_at_end in runs:
        row = slow_consumer_run(opts, public_pem, signer, settings, read_at_end)
        rows.append(row)
        extra = (
            f"error 25 written {row['error25_after_s']:.2f} s after the first fill, behind "
            f"{row['messages_before_error25']} messages ({row['kib_before_error25']:.0f} KiB); close {row['close']}"
            if read_at_end
            else f"cut off (no longer established) {row['cut_off_s'] or float('nan'):.2f} s after the first fill"
        )
        print(
            f"  {'read at end' if read_at_end else 'never reads'}: {row['fills']} fills at {opts.rate:g}/s; {extra}; "
            f"server RSS {row['rss_before_mb']:.0f} MiB, peak +{row['peak_over_before_mb']:.1f} MiB; good client "
            f"{row['good_messages']} messages, p50 {row['good_p50_ms']:.1f} ms, p99 {row['good_p99_ms']:.1f} ms, "
            f"max {row['good_max_ms']:.1f} ms",
            flush=True,
        )
    return rows


# -- fan-out -------------------------------------------------------------------------------------------------------


def fanout(public_pem: Path, signer: Any) -> dict[str, Any]:
    """One fill to a connection holding `ws_max_subscriptions` `fill` subscriptions, and to another holding one."""
    from websockets.sync.client import connect

    from mockexchange.settings import Settings

    cap = Settings().ws_max_subscriptions
    server = Server("mock", {}, public_pem)
    url = f"ws://127.0.0.1:{server.port}{WS_PATH}"
    arrived: dict[str, list[float]] = {"many": [], "one": []}
    try:
        with (
            connect(url, additional_headers=signer.headers("GET", WS_PATH), open_timeout=10) as many,
            connect(url, additional_headers=signer.headers("GET", WS_PATH), open_timeout=10) as one,
        ):
            for ws, count in ((many, cap), (one, 1)):
                for i in range(count):
                    ws.send(json.dumps({"id": i + 1, "cmd": "subscribe", "params": {"channels": ["fill"]}}))
                for _ in range(count):
                    ws.recv(10)
            many.send(json.dumps({"id": 9999, "cmd": "subscribe", "params": {"channels": ["fill"]}}))
            refused = json.loads(many.recv(10))

            def read(name: str, ws: Any, count: int) -> None:
                for _ in range(count):
                    ws.recv(60)
                    arrived[name].append(time.monotonic())

            readers = [
                threading.Thread(target=read, args=("many", many, cap), daemon=True),
                threading.Thread(target=read, args=("one", one, 1), daemon=True),
            ]
            for reader in readers:
                reader.start()
            started = time.monotonic()
            server.call({"cmd": "fill_once"}, 30)
            for reader in readers:
                reader.join(120)
    finally:
        server.stop()
    row = {
        "subscriptions": cap,
        "beyond_the_cap": f"error {refused['msg']['code']}" if refused.get("type") == "error" else refused.get("type"),
        "many_all_s": arrived["many"][-1] - started if len(arrived["many"]) == cap else None,
        "one_s": arrived["one"][0] - started if arrived["one"] else None,
    }
    print(
        f"  one fill to {cap} subscriptions of one connection: all there after {row['many_all_s']:.3f} s; another "
        f"connection's one message after {row['one_s']:.3f} s; subscription {cap + 1}: {row['beyond_the_cap']}",
        flush=True,
    )
    return row


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_serve"]:
        return serve(*argv[1:4])
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="100 MB bodies, 20 s of fills")
    p.add_argument("--only", choices=["bodies", "slow-consumer", "fanout"], help="run one part only")
    p.add_argument("--size-mb", type=int, help="body size in MiB (default 400; --quick 100)")
    p.add_argument("--rate", type=float, default=100.0, help="fills/s in the slow-consumer runs (default 100)")
    p.add_argument("--fill-s", type=float, help="seconds of fills at most per slow-consumer run (default 40; quick 20)")
    p.add_argument("--json", metavar="PATH", help="write the figures here")
    opts = p.parse_args(argv)
    opts.size_mb = opts.size_mb or (100 if opts.quick else 400)
    opts.fill_s = opts.fill_s or (20.0 if opts.quick else 40.0)
    key, _, public = benchlib.new_rsa_key()
    public_pem = Path(f"/tmp/hostile-bench-{os.getpid()}.pub")
    public_pem.write_text(public)
    figures: dict[str, Any] = {}
    try:
        if opts.only in (None, "bodies"):
            print(f"bodies of {opts.size_mb} MiB:", flush=True)
            figures["bodies"] = bodies(opts, public_pem)
        if opts.only in (None, "slow-consumer"):
            print("a websocket consumer that stops reading:", flush=True)
            figures["slow_consumer"] = slow_consumer(opts, public_pem, benchlib.signer(key, KEY_ID))
        if opts.only in (None, "fanout"):
            print("a fill fanned out to the most subscriptions a connection may hold:", flush=True)
            figures["fanout"] = fanout(public_pem, benchlib.signer(key, KEY_ID))
    finally:
        public_pem.unlink()
    if opts.json:
        Path(opts.json).write_text(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
