"""Requests/s of a signed 100-row `GET /trade-api/v2/portfolio/positions?limit=100` (and the same for fills and
settlements) against a bare Starlette baseline answering the same bytes.

    .venv/bin/python bench/positions_throughput.py            # 3 rounds x 5 s per server (about 45 s)
    .venv/bin/python bench/positions_throughput.py --quick    # 3 rounds x 2 s
    .venv/bin/python bench/positions_throughput.py --full     # 5 rounds x 10 s
    .venv/bin/python bench/positions_throughput.py --endpoint all --quick    # positions, fills, settlements in turn
    .venv/bin/python bench/positions_throughput.py --endpoint fills          # one page of /portfolio/fills
    .venv/bin/python bench/positions_throughput.py --profile /tmp/mock.prof   # and a cProfile of the mock under load
    .venv/bin/python bench/positions_throughput.py --quick --nagle            # the binding used before 3818b4d

Three kinds of process, all started from this file:
- mock server: `build_app` with one account holding `--positions` positions (10 markets per event) and an RSA key,
  served by uvicorn with `mockexchange.server.serving.uvicorn_config`, one worker, bound by uvicorn to 127.0.0.1 port 0
  as `MockServer.start` binds. For `--endpoint settlements` the markets of the last `--settled` positions are settled
  too (the first page of positions stays the same); a fills page is the newest 100 of the account's fills.
- baseline server: a bare Starlette route at the same path that answers the mock's own response bytes (captured from
  the mock first) with the same response class, under the same `uvicorn_config` options. Each endpoint is measured
  against a baseline of its own bytes.
- load generator: asyncio, HTTP/1.1 keep-alive, `--connections` connections, each sending pre-built request bytes and
  reading the whole response before sending the next (closed loop). Every response must be 200 with exactly the
  captured body; anything else counts as an error.

Signatures: one signature is made per run, just before it starts, and reused by every request of that run (a run is
at most 25 s, inside the mock's 30 s timestamp window). The mock keeps no replay cache and the RSA-PSS verification
costs the same for a repeated signature, so the server's work per request is exactly that of a client signing every
request; signing per request in the load generator (an RSA private-key operation, about 1 ms) would make the client
the bottleneck instead. The baseline is sent the same bytes and ignores the headers.

Runs alternate baseline/mock (ABBA order across rounds) so drift on a shared machine hits both; the report gives the
median req/s of each, the ratio mock/baseline, latency percentiles, and the server's CPU time per request, which is
less sensitive to noise than req/s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import benchlib
import httpx

USER_ID = "bench-user"
QUERY = "limit=100"
# endpoint -> (path, the page's list)
ENDPOINTS = {
    "positions": (benchlib.POSITIONS_PATH, "market_positions"),
    "fills": ("/trade-api/v2/portfolio/fills", "fills"),
    "settlements": ("/trade-api/v2/portfolio/settlements", "settlements"),
}
MAX_RUN_S = 25.0  # a run must finish inside the 30 s timestamp window of the signature it reuses
START_TIMEOUT_S = 120.0
SCRIPT = str(Path(__file__).resolve())


# -- server process ------------------------------------------------------------------------------------------------


def serve(args: argparse.Namespace) -> None:
    import cProfile
    from types import SimpleNamespace

    import uvicorn
    from starlette.applications import Starlette
    from starlette.routing import Route

    from mockexchange.app import build_app
    from mockexchange.core.clock import ManualClock
    from mockexchange.server.serving import uvicorn_config
    from mockexchange.settings import Settings
    from mockexchange.web.answers import JSONBytesResponse

    if args.kind == "mock":
        target: Any = build_app(Settings(host="127.0.0.1", port=0), clock=ManualClock(benchlib.FIXED_TIME), seed=7)
        target.control.create_account(USER_ID, balance_cents=100_000_000_00)
        target.control.create_key(USER_ID, public_key_pem=Path(args.public_key).read_text(), key_id=benchlib.KEY_ID)
        benchlib.seed_positions(target.ledger, USER_ID, args.positions, prefix="KXBENCH")
        if args.cache != "full":
            from mockexchange.venues.kalshi.fragments import RenderCache

            # fragments: each record's bytes kept, no whole pages (what a read after any change costs); off: none
            target.kalshi.renders = RenderCache({"pages": 0}) if args.cache == "fragments" else RenderCache.disabled()
        if args.endpoint == "settlements":
            for i in range(args.positions - args.settled, args.positions):
                ticker = benchlib.position_key("KXBENCH", i, 10)[1]
                benchlib.part(target.ledger, "lifecycle").settle_market(ticker, "yes" if i % 2 else "no")
    else:
        body = Path(args.body).read_bytes()

        async def positions(request: Any) -> JSONBytesResponse:
            return JSONBytesResponse(body)

        # uvicorn_config only reads `.asgi`; passing the baseline through it guarantees the same uvicorn options.
        path = ENDPOINTS[args.endpoint][0]
        target = SimpleNamespace(asgi=Starlette(routes=[Route(path, positions, methods=["GET"])]))

    sockets: list[socket.socket] | None = None
    if args.nagle:
        # The binding `MockServer.start` used before 3818b4d: a socket made with proto 0, so asyncio does not set
        # TCP_NODELAY on the connections it accepts and uvicorn's separate head and body writes wait for the client's
        # delayed ACK (about 40 ms per keep-alive response).
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sockets = [sock]
        config = uvicorn_config(target)
    else:
        # As `MockServer.start` does now: uvicorn binds 127.0.0.1, port 0 (a free port).
        config = uvicorn_config(target, host="127.0.0.1", port=0)
    config.load()
    loop_factory = config.get_loop_factory()
    loop_name = "asyncio default"
    if loop_factory is not None:
        probe = loop_factory()
        loop_name = f"{type(probe).__module__}.{type(probe).__name__}"
        probe.close()
    server = uvicorn.Server(config)  # in the main thread: uvicorn handles SIGTERM and exits gracefully
    options = ("http", "loop", "lifespan", "log_level", "access_log", "workers", "timeout_keep_alive", "backlog")

    def announce() -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.01)
        if not server.started:
            print("{}", flush=True)  # the parent reads a port-less answer and gives up
            return
        listening = [s for srv in server.servers for s in srv.sockets]
        ready = {
            "port": listening[0].getsockname()[1],
            "proto": listening[0].proto,
            "http": config.http_protocol_class.__name__,
            "loop": loop_name,
            "options": {k: getattr(config, k) for k in options},
        }
        print(json.dumps(ready, default=str), flush=True)

    threading.Thread(target=announce, daemon=True).start()
    if args.profile:
        # uvicorn re-raises the SIGTERM it shut down on; make that an exit that runs the `finally` below.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        profiler = cProfile.Profile()
        profiler.enable()
        try:
            server.run(sockets=sockets)
        finally:
            profiler.disable()
            profiler.dump_stats(args.profile)
    else:
        server.run(sockets=sockets)


class ServerProcess:
    def __init__(self, kind: str, extra: list[str], endpoint: str = "positions") -> None:
        self.kind = kind
        self.endpoint = endpoint
        self.proc = subprocess.Popen(
            [sys.executable, SCRIPT, "_serve", kind, "--endpoint", endpoint, *extra],
            stdout=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).parent,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()  # printed once serving (or given up on), after seeding
        if not line:
            self.stop()
            raise RuntimeError(f"{kind} server exited before it was ready (exit code {self.proc.returncode})")
        self.info = json.loads(line)
        if "port" not in self.info:
            self.stop()
            raise RuntimeError(f"{kind} server did not start within {START_TIMEOUT_S:g} s")
        self.port: int = self.info["port"]

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)


# -- load generator process ----------------------------------------------------------------------------------------


def _cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


async def _load(args: argparse.Namespace) -> dict[str, Any]:
    request = Path(args.request).read_bytes()
    expected = Path(args.expect_body).read_bytes()
    started = time.perf_counter()
    measure_from = started + args.warmup
    stop_at = measure_from + args.duration
    latencies: list[float] = []  # of good responses inside the measured window
    statuses: Counter[int] = Counter()  # of every response, warm-up included
    problems: Counter[str] = Counter()  # every response that is not a 200 with the expected body, and I/O failures
    sent = 0
    cpu: dict[str, float] = {}

    async def connection() -> None:
        nonlocal sent
        while time.perf_counter() < stop_at and sent < args.max_requests:
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", args.port)
            except OSError as exc:
                problems[f"connect: {type(exc).__name__}"] += 1
                await asyncio.sleep(0.05)
                continue
            try:
                while time.perf_counter() < stop_at and sent < args.max_requests:
                    sent += 1
                    t0 = time.perf_counter()
                    writer.write(request)
                    head = await reader.readuntil(b"\r\n\r\n")
                    lower = head.lower()
                    at = lower.find(b"\r\ncontent-length:")
                    if at < 0:
                        problems["no content-length"] += 1
                        break
                    length = int(lower[at + 17 : lower.index(b"\r\n", at + 2)])
                    body = await reader.readexactly(length)
                    t1 = time.perf_counter()
                    status = int(head[9:12])
                    statuses[status] += 1
                    if status != 200:
                        problems[f"status {status}"] += 1
                    elif body != expected:
                        problems["200 with a different body"] += 1
                    elif measure_from <= t0 and t1 <= stop_at:
                        latencies.append(t1 - t0)
                    if b"\r\nconnection: close" in lower:
                        break
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
                problems[f"io: {type(exc).__name__}"] += 1
            finally:
                writer.close()

    async def sample_cpu() -> None:
        await asyncio.sleep(max(0.0, measure_from - time.perf_counter()))
        cpu["server0"], cpu["client0"] = _cpu_seconds(args.server_pid), time.process_time()
        await asyncio.sleep(max(0.0, stop_at - time.perf_counter()))
        cpu["server1"], cpu["client1"] = _cpu_seconds(args.server_pid), time.process_time()

    limit = args.warmup + args.duration + 30
    await asyncio.wait_for(
        asyncio.gather(sample_cpu(), *(connection() for _ in range(args.connections))), timeout=limit
    )
    latencies.sort()
    ok = len(latencies)
    server_cpu = cpu["server1"] - cpu["server0"]
    return {
        "requests": ok,  # good responses inside the measured window
        "responses": sum(statuses.values()),  # every response checked, warm-up included
        "errors": sum(problems.values()),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "problems": dict(problems),
        "rps": ok / args.duration,
        "p50_ms": benchlib.percentile(latencies, 50) * 1000,
        "p99_ms": benchlib.percentile(latencies, 99) * 1000,
        "server_cpu_s": server_cpu,
        "client_cpu_s": cpu["client1"] - cpu["client0"],
        "server_cpu_us_per_request": server_cpu / ok * 1e6 if ok else float("nan"),
    }


def load(args: argparse.Namespace) -> None:
    print(json.dumps(asyncio.run(_load(args))), flush=True)


# -- the benchmark -------------------------------------------------------------------------------------------------


def request_bytes(port: int, headers: dict[str, str], path: str) -> bytes:
    lines = [f"GET {path}?{QUERY} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Accept: application/json"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def run_load(
    server: ServerProcess, sign: benchlib.KalshiSigner, body_file: Path, tmp: Path, opts: argparse.Namespace
) -> dict:
    request_file = tmp / f"request-{server.kind}.http"
    path = ENDPOINTS[server.endpoint][0]
    # Signed now, reused for the whole run (see the module docstring).
    request_file.write_bytes(request_bytes(server.port, sign.headers("GET", path), path))
    command = [
        sys.executable, SCRIPT, "_load",
        "--port", str(server.port), "--server-pid", str(server.pid),
        "--request", str(request_file), "--expect-body", str(body_file),
        "--connections", str(opts.connections), "--duration", str(opts.duration), "--warmup", str(opts.warmup),
        "--max-requests", str(opts.max_requests),
    ]  # fmt: skip
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=opts.warmup + opts.duration + 60, cwd=Path(__file__).parent
    )
    if done.returncode != 0:
        raise RuntimeError(f"load generator failed:\n{done.stderr}")
    return json.loads(done.stdout)


def capture_page(port: int, sign: benchlib.KalshiSigner, endpoint: str) -> tuple[bytes, dict[str, str]]:
    from mockexchange.testing.signing import KalshiAuth

    path, listed = ENDPOINTS[endpoint]
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", auth=KalshiAuth(sign), timeout=START_TIMEOUT_S) as client:
        response = client.get(f"{path}?{QUERY}")
    if response.status_code != 200:
        raise RuntimeError(f"mock answered {response.status_code}: {response.text[:500]}")
    page = response.json()
    if len(page[listed]) != 100 or not page["cursor"]:
        raise RuntimeError(f"expected a full 100-row page with a cursor, got {len(page[listed])} rows")
    return response.content, dict(response.headers)


def fetch_plain(port: int, endpoint: str) -> tuple[bytes, dict[str, str]]:
    response = httpx.get(f"http://127.0.0.1:{port}{ENDPOINTS[endpoint][0]}?{QUERY}", timeout=START_TIMEOUT_S)
    return response.content, dict(response.headers)


def print_profile(path: str, top: int = 30) -> None:
    import pstats

    for order in ("tottime", "cumulative"):
        print(f"\n--- cProfile of the mock server under load, top {top} by {order} ---")
        pstats.Stats(path).strip_dirs().sort_stats(order).print_stats(top)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_serve"]:
        p = argparse.ArgumentParser()
        p.add_argument("kind", choices=["mock", "baseline"])
        p.add_argument("--endpoint", choices=list(ENDPOINTS), default="positions")
        p.add_argument("--positions", type=int, default=1000)
        p.add_argument("--settled", type=int, default=200)
        p.add_argument("--cache", choices=["full", "fragments", "off"], default="full")
        p.add_argument("--public-key")
        p.add_argument("--body")
        p.add_argument("--profile")
        p.add_argument("--nagle", action="store_true")
        return serve(p.parse_args(argv[1:]))
    if argv[:1] == ["_load"]:
        p = argparse.ArgumentParser()
        for name in ("--port", "--server-pid", "--connections", "--max-requests"):
            p.add_argument(name, type=int, required=True)
        for name in ("--duration", "--warmup"):
            p.add_argument(name, type=float, required=True)
        p.add_argument("--request", required=True)
        p.add_argument("--expect-body", required=True)
        return load(p.parse_args(argv[1:]))

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="3 rounds x 2 s per server")
    mode.add_argument("--full", action="store_true", help="5 rounds x 10 s per server")
    p.add_argument("--rounds", type=int, help="rounds; each runs the baseline and the mock once (default 3)")
    p.add_argument("--duration", type=float, help="measured seconds per run (default 5)")
    p.add_argument("--warmup", type=float, default=1.0, help="unmeasured seconds at the start of each run")
    p.add_argument("--connections", type=int, default=8, help="concurrent keep-alive connections")
    p.add_argument("--max-requests", type=int, default=2_000_000, help="cap on requests per run")
    p.add_argument("--positions", type=int, default=1000, help="positions in the account (>= 101: the page is full)")
    p.add_argument(
        "--endpoint",
        choices=[*ENDPOINTS, "all"],
        default="positions",
        help="the page measured: positions (default), fills, settlements, or all three in turn",
    )
    p.add_argument("--settled", type=int, default=200, help="markets settled for the settlements page (>= 101)")
    p.add_argument(
        "--cache",
        choices=["full", "fragments", "off"],
        default="full",
        help="the mock's render cache: full (default: whole pages kept until a change, each record's fragment), "
        "fragments (no whole pages: what a page read after any change costs), off (every record rendered per read)",
    )
    p.add_argument("--profile", metavar="PATH", help="after the rounds, profile a mock server under one run (cProfile)")
    p.add_argument(
        "--nagle",
        action="store_true",
        help="bind the servers' sockets as MockServer.start did before 3818b4d (proto 0: no TCP_NODELAY)",
    )
    p.add_argument("--json", metavar="PATH", help="write every run's figures here")
    opts = p.parse_args(argv)
    opts.rounds = opts.rounds or (5 if opts.full else 3)
    opts.duration = opts.duration or (10.0 if opts.full else 2.0 if opts.quick else 5.0)
    if opts.warmup + opts.duration > MAX_RUN_S:
        p.error(f"--warmup + --duration must be <= {MAX_RUN_S:g} s (the signature is reused within its 30 s window)")
    if opts.positions <= 100:
        p.error("--positions must be > 100 so the page is a full 100 rows")
    if not 100 < opts.settled <= opts.positions:
        p.error("--settled must be > 100 (a full page) and at most --positions")

    key, _, public_pem = benchlib.new_rsa_key()
    with tempfile.TemporaryDirectory(prefix="mockexchange-bench-") as tmpdir:
        bench = Bench(opts, benchlib.signer(key), Path(tmpdir))
        (bench.tmp / "public.pem").write_text(public_pem)
        try:
            bench.run()
        finally:
            bench.stop_all()


ROW = "{:>5} {:<8} {:>9} {:>8} {:>8} {:>6} {:>14} {:>7} {:>8}"


class Bench:
    def __init__(self, opts: argparse.Namespace, sign: benchlib.KalshiSigner, tmp: Path) -> None:
        self.opts = opts
        self.sign = sign
        self.tmp = tmp
        self.servers: list[ServerProcess] = []

    def mock_args(self, *extra: str) -> list[str]:
        opts = self.opts
        args = ["--positions", str(opts.positions), "--settled", str(opts.settled), "--cache", opts.cache]
        args += ["--public-key", str(self.tmp / "public.pem"), *extra]
        return ["--nagle", *args] if self.opts.nagle else args

    def start(self, kind: str, args: list[str], endpoint: str) -> ServerProcess:
        server = ServerProcess(kind, args, endpoint)
        self.servers.append(server)
        return server

    def stop_all(self) -> None:
        for server in self.servers:
            server.stop()
        self.servers.clear()

    def run(self) -> None:
        opts = self.opts
        endpoints = list(ENDPOINTS) if opts.endpoint == "all" else [opts.endpoint]
        summaries: dict[str, dict[str, Any]] = {}
        document: dict[str, Any] = {"options": vars(opts), "endpoints": {}}
        for endpoint in endpoints:
            if len(endpoints) > 1:
                print(f"\n=== {endpoint} ===")
            summary, runs, body_file = self.run_endpoint(endpoint)
            summaries[endpoint] = summary
            document["endpoints"][endpoint] = {"summary": summary, "runs": runs}
            if opts.profile:
                self.stop_all()
                path = str(Path(opts.profile).resolve())
                if len(endpoints) > 1:
                    path = str(Path(path).with_suffix(f".{endpoint}{Path(path).suffix}"))
                profiled = self.start("mock", self.mock_args("--profile", path), endpoint)
                result = run_load(profiled, self.sign, body_file, self.tmp, opts)
                profiled.stop()
                print(f"\nprofiled run (cProfile overhead included): {result['rps']:.0f} req/s, ", end="")
                print(f"{result['errors']} errors; {path}")
                print_profile(path)
            self.stop_all()
        if len(endpoints) > 1:
            print("\nserver CPU per request, mock over its baseline (medians over rounds):")
            for endpoint, summary in summaries.items():
                print(f"  {endpoint:<12} {summary['ratio_cpu_per_request_mock_over_baseline']:.2f}  ", end="")
                print(f"(req/s {summary['ratio_rps_mock_over_baseline']:.3f})")
        if opts.json:
            Path(opts.json).write_text(json.dumps(document, indent=2, default=str))

    def run_endpoint(self, endpoint: str) -> tuple[dict[str, Any], dict[str, list[dict]], Path]:
        opts = self.opts
        body_file = self.tmp / f"page-{endpoint}.json"
        t = time.perf_counter()
        mock = self.start("mock", self.mock_args(), endpoint)
        body, mock_headers = capture_page(mock.port, self.sign, endpoint)
        body_file.write_bytes(body)
        nagle = ["--nagle"] if opts.nagle else []
        baseline = self.start("baseline", [*nagle, "--body", str(body_file)], endpoint)
        base_body, base_headers = fetch_plain(baseline.port, endpoint)
        if base_body != body:
            raise RuntimeError("the baseline does not answer the mock's bytes")
        names = set(mock_headers) | set(base_headers)
        differing = sorted(k for k in names if k != "date" and mock_headers.get(k) != base_headers.get(k))
        print(f"servers ready in {time.perf_counter() - t:.1f} s: mock pid {mock.pid} port {mock.port}, ", end="")
        print(f"baseline pid {baseline.pid} port {baseline.port}")
        how = "made with proto 0 (--nagle: no TCP_NODELAY)" if opts.nagle else "bound by uvicorn, as MockServer.start"
        print(f"listening sockets: {how}, proto {mock.info['proto']}")
        print(f"uvicorn: http={mock.info['http']} loop={mock.info['loop']} options={mock.info['options']}")
        print(f"page: GET {ENDPOINTS[endpoint][0]}?{QUERY}, {len(body)} bytes, 100 rows; ", end="")
        print(f"{opts.positions} positions; render cache: {opts.cache}; ", end="")
        print(f"response headers differing (besides date): {differing or 'none'}")
        print(f"load: {opts.connections} connections, {opts.rounds} rounds x {opts.duration:g} s ", end="")
        print(f"(+{opts.warmup:g} s warm-up) per server, one signature per run\n")
        print(
            ROW.format(
                "round", "server", "req/s", "p50 ms", "p99 ms", "errors", "srv CPU us/req", "srv CPU", "load CPU"
            )
        )
        runs: dict[str, list[dict]] = {"baseline": [], "mock": []}
        for r in range(opts.rounds):
            for server in [baseline, mock] if r % 2 == 0 else [mock, baseline]:
                result = run_load(server, self.sign, body_file, self.tmp, opts)
                runs[server.kind].append(result)
                print_run(r + 1, server.kind, result, opts.duration)
        summary = summarize(runs)
        print_summary(summary)
        return summary, runs, body_file


def print_run(round_no: int, kind: str, result: dict[str, Any], duration: float) -> None:
    cells = (
        round_no,
        kind,
        f"{result['rps']:.0f}",
        f"{result['p50_ms']:.2f}",
        f"{result['p99_ms']:.2f}",
        result["errors"],
        f"{result['server_cpu_us_per_request']:.0f}",
        f"{result['server_cpu_s'] / duration:.0%}",
        f"{result['client_cpu_s'] / duration:.0%}",
    )
    print(ROW.format(*cells), flush=True)
    if result["errors"]:
        print(f"      errors: statuses {result['statuses']} problems {result['problems']}")


def summarize(runs: dict[str, list[dict]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kind, results in runs.items():
        out[kind] = {
            "median_rps": benchlib.median([r["rps"] for r in results]),
            "median_p50_ms": benchlib.median([r["p50_ms"] for r in results]),
            "median_p99_ms": benchlib.median([r["p99_ms"] for r in results]),
            "median_server_cpu_us_per_request": benchlib.median([r["server_cpu_us_per_request"] for r in results]),
            "errors": sum(r["errors"] for r in results),
            "responses": sum(r["responses"] for r in results),
        }
    out["ratio_rps_mock_over_baseline"] = out["mock"]["median_rps"] / out["baseline"]["median_rps"]
    out["ratio_cpu_per_request_mock_over_baseline"] = (
        out["mock"]["median_server_cpu_us_per_request"] / out["baseline"]["median_server_cpu_us_per_request"]
    )
    return out


def print_summary(s: dict[str, Any]) -> None:
    print("\nmedians over rounds:")
    for kind in ("baseline", "mock"):
        k = s[kind]
        print(f"  {kind:<8} {k['median_rps']:>8.0f} req/s  p50 {k['median_p50_ms']:.2f} ms  ", end="")
        print(
            f"p99 {k['median_p99_ms']:.2f} ms  server CPU {k['median_server_cpu_us_per_request']:.0f} us/req  ", end=""
        )
        print(f"errors {k['errors']} in {k['responses']} responses checked")
    print(f"  ratio mock/baseline: req/s {s['ratio_rps_mock_over_baseline']:.3f}, ", end="")
    print(f"server CPU per request {s['ratio_cpu_per_request_mock_over_baseline']:.2f}")


if __name__ == "__main__":
    main()
