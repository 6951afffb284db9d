"""Issue 28 point 8's second bound: 1,000 Kalshi orders a second from 10 clients held with p99 at most 20 ms. The
latency of each signed order at a fixed rate (open loop), the mock against a bare Starlette route answering the same
bytes in the same command; with `--rates`, the highest rate at which each holds the bound.

    .venv/bin/python bench/order_rate.py                    # 1,000 orders/s, 3 rounds x 10 s per server (~1 min 30 s)
    .venv/bin/python bench/order_rate.py --quick            # 2 rounds x 5 s (~40 s)
    .venv/bin/python bench/order_rate.py --mix trade        # resting orders placed and cancelled among the crossing
    .venv/bin/python bench/order_rate.py --quick --rates 250,500,1000,1500     # a sweep (~2 min 40 s)
    .venv/bin/python bench/order_rate.py --quick --profile /tmp/orders.prof    # and a cProfile of the mock at 150/s

Three kinds of process, all started from this file:
- mock server: `build_app` (the exchange clock held still) with 10 accounts, each with its own RSA key registered by
  its public PEM, and one market whose book holds the house's YES ask of 10,000,000 contracts at 0.45
  (`Control.set_book(..., no=[["0.55", ...]])`, as route_cost.py sets it up); served by uvicorn through
  `mockexchange.server.serving.uvicorn_config` on 127.0.0.1 port 0, as `MockServer` serves it. A fresh server for every
  run, so every run starts from the same state.
- baseline server: a bare Starlette app under the same `uvicorn_config` answering the mock's own bytes (captured from
  a mock first, headers compared): the create's answer (after reading the body; a resting order's answer for a
  good-till-canceled body) and the cancel's.
- load generator: asyncio streams, one keep-alive connection per client (10), each a separate account signing with its
  own key, pre-built request bytes. OPEN loop: client i sends its k-th order at start + i/R + k*10/R (R the total
  rate), whatever came back before; an order's latency runs from that scheduled time to the end of its response, so a
  server that falls behind is charged the queueing (on its connection an order waits for the answer before it, as
  HTTP clients do: no pipelining). Sending stops at the end of the run; orders still owed then are sent for up to
  `--drain` seconds more and any left after it count as errors. Every answer must be the status and body the order
  asks for (201 with one contract filled, 201 resting, 200 cancelled); anything else, or an I/O failure, is an error.

The mix (`--mix`): `cross` (default) is every order an immediate-or-cancel bid for 1 at 0.45 that crosses the house's
ask and takes one contract (route_cost.py's create: the check, the match, both fills down the money road, the
trade); `trade` is each client repeating rest, cross, cancel, cross: a good-till-canceled bid for 1 at 0.30 that
rests, a crossing order, the cancel of that resting order (`DELETE /portfolio/events/orders/{order_id}`), a crossing
order; half the orders crossing, a quarter resting, a quarter cancels, every write counted as an order.

Signatures: a Kalshi signature covers timestamp + method + path, not the body, and the mock keeps no replay cache
unless told to (`kalshi_reject_replays`, off by default), so each client signs each request kind once and sends the
same bytes for every order of the kind, signing again every 10 s (the mock's window is 30 s). The server verifies
every request, and an RSA-PSS verification costs the same for a repeated signature, so its work per order is what it
would be for a client signing every order; signing each (an RSA private-key operation, about 0.26 ms) would cost the
load generator a quarter of a core more at 1,000 a second, on a machine of two. A cancel's path names its order, so
each cancel is signed as its resting order's answer comes back.

Rounds alternate baseline/mock (ABBA) at each rate. Reported per run: the rate achieved, p50/p90/p99/max latency,
errors, the server's CPU per order (`/proc/<pid>/stat` from the end of the warm-up until the last answer), the cores
the server, the load generator and every other process of the machine kept busy (`/proc/stat`: what says a run was
disturbed), the generator's own lateness (p99 of how late a send left when its connection was idle: its timer, not
the server), the server's full garbage collections, and the seconds of the run in which orders went over 20 ms; per
rate, the percentiles over all rounds' orders, and the ratios mock/baseline. Held: p99 over all rounds at most 20 ms,
no errors, and at least 97 % of the rate achieved. Figures are reported, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import benchlib
from orderbook_latency import GcPauses
from route_cost import CREATE_BODY, CREATE_PATH, CROSSED
from ws_latency import Child
from ws_latency_server import run_server

SCRIPT = str(Path(__file__).resolve())
CLIENTS = 10
BOUND_MS = 20.0  # the bound on the p99
HELD_SHARE = 0.97  # of the rate asked, achieved
HOUSE_ASK = "10000000"  # contracts at 0.45 YES: enough for any bounded run (each crossing order takes one)
RESIGN_S = 10.0  # a client signs its requests again this often (the mock's timestamp window is 30 s)
START_TIMEOUT_S = 120.0
MAX_RUN_S = 120.0  # warm-up + duration
REST_BODY = json.dumps(
    {
        "ticker": CROSSED,
        "side": "bid",
        "count": "1",
        "price": "0.30",
        "time_in_force": "good_till_canceled",
        "self_trade_prevention_type": "taker_at_cross",
    }
).encode()
CREATES = {"cross": CREATE_BODY, "rest": REST_BODY}
MIXES = {"cross": ("cross",), "trade": ("rest", "cross", "cancel", "cross")}
# each kind's status and what its body must hold
EXPECT = {
    "cross": (201, (b'"fill_count":"1.00"', b'"remaining_count":"0.00"')),
    "rest": (201, (b'"fill_count":"0.00"', b'"remaining_count":"1.00"')),
    "cancel": (200, (b'"reduced_by":"1.00"',)),
}


def user_id(i: int) -> str:
    return f"bench-trader-{i}"


def key_id(i: int) -> str:
    return f"bench-key-{i}"


# -- server process -------------------------------------------------------------------------------------------------


def mock_app(keys: Path) -> Any:
    from mockexchange.app import build_app
    from mockexchange.core.clock import ManualClock
    from mockexchange.settings import Settings

    app = build_app(Settings(host="127.0.0.1", port=0), clock=ManualClock(benchlib.FIXED_TIME), seed=7)
    for i in range(CLIENTS):
        app.control.create_account(user_id(i), balance_cents=100_000_000)
        app.control.create_key(user_id(i), public_key_pem=(keys / f"{i}.pub").read_text(), key_id=key_id(i))
    app.control.create_market(CROSSED)
    app.control.set_book(CROSSED, no=[["0.55", HOUSE_ASK]])
    return app


def baseline_app(answers: Path) -> Any:
    """A bare Starlette app answering the mock's captured bytes, with the mock's response class; `uvicorn_config`
    reads only `.asgi`, so passing it through gives the baseline the same uvicorn options."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.routing import Route

    from mockexchange.web.answers import JSONBytesResponse

    cross, rest, cancel = ((answers / f"{kind}.json").read_bytes() for kind in ("cross", "rest", "cancel"))

    async def create(request: Request) -> JSONBytesResponse:
        resting = b"good_till_canceled" in await request.body()
        return JSONBytesResponse(rest if resting else cross, status_code=201)

    async def cancel_one(request: Request) -> JSONBytesResponse:
        return JSONBytesResponse(cancel)

    routes = [
        Route(CREATE_PATH, create, methods=["POST"]),
        Route(CREATE_PATH + "/{order_id}", cancel_one, methods=["DELETE"]),
    ]
    return SimpleNamespace(asgi=Starlette(routes=routes))


def serve(args: argparse.Namespace) -> None:
    import uvicorn

    from mockexchange.server.serving import uvicorn_config

    target = mock_app(Path(args.keys)) if args.kind == "mock" else baseline_app(Path(args.answers))
    server = uvicorn.Server(uvicorn_config(target, host="127.0.0.1", port=0))
    pauses = GcPauses()
    threading.Thread(
        target=benchlib.serve_commands, args=(server, lambda cmd: pauses.take(), START_TIMEOUT_S), daemon=True
    ).start()
    run_server(server, args.profile)


# -- load generator process -----------------------------------------------------------------------------------------


class Client:
    """One connection and account: its signed request bytes (signed again every `RESIGN_S`) and its record."""

    def __init__(self, i: int, port: int, keys: Path, mix: tuple[str, ...]) -> None:
        from mockexchange.testing.signing import KalshiSigner

        self.i, self.port, self.mix = i, port, mix
        self.signer = KalshiSigner.from_pem(key_id(i), (keys / f"{i}.pem").read_text())
        self.signed_at = -RESIGN_S
        self.signed: dict[str, bytes] = {}
        self.latencies: dict[str, list[float]] = {kind: [] for kind in set(mix)}
        self.over: list[tuple[float, float]] = []  # (due, latency) of each order over the bound
        self.lateness: list[float] = []  # how late a send left when the connection was idle at its time
        self.problems: Counter[str] = Counter()
        self.answered = 0  # every answer checked, warm-up included
        self.last_answer = 0.0

    def _head(self, method: str, path: str, length: int) -> bytes:
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}", "Accept: application/json"]
        if length:
            lines += ["Content-Type: application/json", f"Content-Length: {length}"]
        lines += [f"{name}: {value}" for name, value in self.signer.headers(method, path).items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def request(self, kind: str, order_id: bytes, now: float) -> bytes:
        if kind == "cancel":
            return self._head("DELETE", f"{CREATE_PATH}/{order_id.decode()}", 0)  # its path names the order: signed now
        if now - self.signed_at >= RESIGN_S:
            self.signed_at = now
            self.signed = {name: self._head("POST", CREATE_PATH, len(body)) + body for name, body in CREATES.items()}
        return self.signed[kind]

    def check(self, kind: str, status: int, body: bytes, order_id: bytes) -> bool:
        want, holds = EXPECT[kind]
        if status != want:
            self.problems[f"{kind}: status {status}"] += 1
        elif not all(part in body for part in holds) or (kind == "cancel" and order_id not in body):
            self.problems[f"{kind}: {status} with another body"] += 1
        else:
            return True
        return False


async def read_answer(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """The status, body, and whether the server closes the connection after it."""
    head = (await reader.readuntil(b"\r\n\r\n")).lower()
    at = head.find(b"\r\ncontent-length:")
    if at < 0:
        raise ValueError("no content-length")
    body = await reader.readexactly(int(head[at + 17 : head.index(b"\r\n", at + 2)]))
    return int(head[9:12]), body, b"\r\nconnection: close" in head


async def run_client(client: Client, plan: SimpleNamespace) -> None:
    """Client i's orders at its schedule until the run's end; owed orders for up to `drain` seconds more."""
    interval, first = CLIENTS / plan.rate, plan.start + client.i / plan.rate
    k, order_id = 0, b""
    reader, writer = await asyncio.open_connection("127.0.0.1", plan.port)
    try:
        while (due := first + k * interval) < plan.stop_at and k < plan.max_orders:
            kind = client.mix[k % len(client.mix)]
            k += 1
            now = time.perf_counter()
            if now < due:
                await asyncio.sleep(due - now)
                now = time.perf_counter()
                if due >= plan.measure_from:
                    client.lateness.append(now - due)
            elif now > plan.stop_at + plan.drain:
                client.problems["not sent within the drain"] += 1
                continue
            if kind == "cancel" and not order_id:
                client.problems["cancel not sent: its resting order failed"] += 1
                continue
            writer.write(client.request(kind, order_id, now))
            status, body, closing = await read_answer(reader)
            client.last_answer = time.perf_counter()
            client.answered += 1
            good = client.check(kind, status, body, order_id)
            if kind == "rest":  # the order the next cancel names (none if this one failed)
                at = body.find(b'"order_id":"') + 12
                order_id = body[at : body.index(b'"', at)] if good else b""
            elif kind == "cancel":
                order_id = b""
            if good and due >= plan.measure_from:
                client.latencies[kind].append(latency := client.last_answer - due)
                if latency > BOUND_MS / 1000:
                    client.over.append((due - plan.measure_from, latency))
            if closing:
                client.problems["server closed the connection"] += 1
                break
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
        client.problems[f"io: {type(exc).__name__}"] += 1
    finally:
        writer.close()
        planned = min(plan.max_orders, max(0, math.ceil((plan.stop_at - first) / interval)))
        client.problems["not sent: the connection had failed or hung"] += max(0, planned - k)


def machine_busy_s() -> float:
    """CPU seconds every process of the machine has used, from /proc/stat (all but idle and iowait)."""
    with open("/proc/stat") as stat:
        ticks = [int(x) for x in stat.readline().split()[1:9]]
    user, nice, system, _, _, irq, softirq, steal = ticks
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


async def _load(args: argparse.Namespace) -> dict[str, Any]:
    mix = MIXES[args.mix]
    clients = [Client(i, args.port, Path(args.keys), mix) for i in range(CLIENTS)]
    start = time.perf_counter() + 0.2  # the connections open first
    plan = SimpleNamespace(
        port=args.port, rate=args.rate, start=start, measure_from=start + args.warmup, drain=args.drain,
        stop_at=start + args.warmup + args.duration, max_orders=int(args.rate * (args.warmup + args.duration)) + 1,
    )  # fmt: skip
    tasks = [asyncio.create_task(run_client(c, plan)) for c in clients]
    await asyncio.sleep(max(0.0, plan.measure_from - time.perf_counter()))
    server0, client0, machine0 = benchlib.process_cpu_s(args.server_pid), time.process_time(), machine_busy_s()
    _, hung = await asyncio.wait(tasks, timeout=plan.stop_at + args.drain + 5 - time.perf_counter())
    for task in hung:
        task.cancel()
    ended = await asyncio.gather(*tasks, return_exceptions=True)
    server1, client1, machine1 = benchlib.process_cpu_s(args.server_pid), time.process_time(), machine_busy_s()
    last = max([c.last_answer for c in clients] + [plan.stop_at])
    latencies = {kind: sorted(x for c in clients for x in c.latencies[kind]) for kind in set(mix)}
    problems = sum((c.problems for c in clients), Counter())
    problems["connections that hung (cancelled)"] += len(hung)
    for failure in ended:
        if isinstance(failure, Exception):
            problems[f"client failed: {failure!r}"[:200]] += 1
    orders = sum(len(x) for x in latencies.values())
    over: dict[int, list[float]] = {}  # the measured window's seconds: orders over the bound, their worst latency
    for due, latency in (item for c in clients for item in c.over):
        count, worst = over.get(int(due), [0, 0.0])
        over[int(due)] = [count + 1, max(worst, round(latency * 1000, 1))]
    window = max(last - plan.measure_from, args.duration)
    return {
        "latencies_ms": {kind: [round(x * 1000, 3) for x in xs] for kind, xs in latencies.items()},
        "orders": orders,  # measured and good
        "answered": sum(c.answered for c in clients),  # every answer, warm-up included
        "achieved": orders / window,
        "over_bound_by_second": {str(second): over[second] for second in sorted(over)},
        "errors": sum(problems.values()),
        "problems": {k: v for k, v in problems.items() if v},
        "lateness_p99_ms": benchlib.percentile(sorted(x for c in clients for x in c.lateness), 99) * 1000,
        "server_cpu_us_per_order": (server1 - server0) / orders * 1e6 if orders else float("nan"),
        "server_cores": (server1 - server0) / window,
        "load_cores": (client1 - client0) / window,
        "other_cores": max(0.0, (machine1 - machine0) - (server1 - server0) - (client1 - client0)) / window,
    }


# -- the benchmark --------------------------------------------------------------------------------------------------


def percentiles(latencies_ms: list[float]) -> dict[str, float]:
    ordered = sorted(latencies_ms)
    out = {f"p{q}": benchlib.percentile(ordered, q) for q in (50, 90, 99)}
    return out | {"max": ordered[-1] if ordered else float("nan")}


class Bench:
    def __init__(self, opts: argparse.Namespace, tmp: Path) -> None:
        self.opts, self.tmp = opts, tmp

    def start(self, kind: str, profile: str | None = None) -> Child:
        argv = ["_serve", kind, "--keys", str(self.tmp), "--answers", str(self.tmp)]
        server = Child(argv + (["--profile", profile] if profile else []), kind, SCRIPT)
        server.port = server.recv(START_TIMEOUT_S).get("port", 0)  # serve_commands says {} if it never listened
        if not server.port:
            server.stop()
            raise RuntimeError(f"the {kind} server did not start within {START_TIMEOUT_S:g} s")
        return server

    def capture(self) -> None:
        """A mock's answers to a crossing order, a resting one and its cancel (client 0's, signed), kept for the
        baseline; and the baseline's answers and headers compared with them."""
        import httpx

        from mockexchange.testing.signing import KalshiAuth, KalshiSigner

        auth = KalshiAuth(KalshiSigner.from_pem(key_id(0), (self.tmp / "0.pem").read_text()))
        answers: dict[str, httpx.Response] = {}
        for kind in ("mock", "baseline"):
            server = self.start(kind)
            try:
                with httpx.Client(base_url=f"http://127.0.0.1:{server.port}", auth=auth, timeout=30) as http:
                    for order, body in (("cross", CREATE_BODY), ("rest", REST_BODY)):
                        sent = http.post(CREATE_PATH, content=body, headers={"Content-Type": "application/json"})
                        answers[f"{kind} {order}"] = sent
                    order_id = answers[f"{kind} rest"].json()["order_id"]
                    answers[f"{kind} cancel"] = http.delete(f"{CREATE_PATH}/{order_id}")
            finally:
                server.stop()
            for order in ("cross", "rest", "cancel"):
                got = answers[f"{kind} {order}"]
                want, holds = EXPECT[order]
                if got.status_code != want or not all(part in got.content for part in holds):
                    raise RuntimeError(f"{kind} answered {got.status_code} to {order}: {got.text[:500]}")
                if kind == "mock":
                    (self.tmp / f"{order}.json").write_bytes(got.content)
                elif got.content != answers[f"mock {order}"].content:
                    raise RuntimeError(f"the baseline's {order} answer is not the mock's bytes")
        for order in ("cross", "rest", "cancel"):
            mock, base = (dict(answers[f"{kind} {order}"].headers) for kind in ("mock", "baseline"))
            differing = sorted(k for k in set(mock) | set(base) if k != "date" and mock.get(k) != base.get(k))
            print(
                f"{order}: {len(answers[f'mock {order}'].content)} bytes, {answers[f'mock {order}'].status_code}; ",
                end="",
            )
            print(f"headers differing from the baseline's (besides date): {differing or 'none'}")

    def run_once(self, kind: str, rate: float, profile: str | None = None) -> dict[str, Any]:
        opts = self.opts
        load_before = os.getloadavg()[0]
        server = self.start(kind, profile)
        try:
            server.call({"cmd": "gc"}, 30)
            command = [
                sys.executable, SCRIPT, "_load", "--port", str(server.port), "--server-pid", str(server.pid),
                "--keys", str(self.tmp), "--mix", opts.mix, "--rate", str(rate), "--duration", str(opts.duration),
                "--warmup", str(opts.warmup), "--drain", str(opts.drain),
            ]  # fmt: skip
            limit = opts.warmup + opts.duration + opts.drain + 60
            done = subprocess.run(command, capture_output=True, text=True, timeout=limit, cwd=Path(SCRIPT).parent)
            if done.returncode != 0:
                raise RuntimeError(f"load generator failed:\n{done.stderr[-3000:]}")
            result = json.loads(done.stdout)
            result["gc"] = server.call({"cmd": "gc"}, 30)
        finally:
            server.stop()
        result["load_average"] = load_before
        return result

    def run(self) -> dict[str, Any]:
        opts = self.opts
        document: dict[str, Any] = {"options": vars(opts), "rates": {}}
        print(f"load: {CLIENTS} clients, mix {opts.mix} {MIXES[opts.mix]}, {opts.rounds} rounds x ", end="")
        print(f"{opts.duration:g} s (+{opts.warmup:g} s warm-up) per server and rate, a fresh server each run\n")
        print(ROW.format(*HEADER))
        for rate in opts.rates:
            runs: dict[str, list[dict[str, Any]]] = {"baseline": [], "mock": []}
            for r in range(opts.rounds):
                for kind in ("baseline", "mock") if r % 2 == 0 else ("mock", "baseline"):
                    result = self.run_once(kind, rate)
                    runs[kind].append(result)
                    print_run(rate, r + 1, kind, result)
            document["rates"][str(rate)] = {"runs": runs, "summary": summarize(rate, runs)}
        report(document, opts)
        return document


HEADER = ("rate", "round", "server", "achieved", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors", "CPU us/order",
          "srv cores", "load cores", "others", "late p99", "full gc")  # fmt: skip
ROW = "{:>6} {:>5} {:<8} {:>8} {:>7} {:>7} {:>7} {:>8} {:>6} {:>12} {:>9} {:>10} {:>6} {:>8} {:>7}"


def print_run(rate: float, round_no: int, kind: str, result: dict[str, Any]) -> None:
    every = [x for xs in result["latencies_ms"].values() for x in xs]
    p = percentiles(every)
    cells = (
        f"{rate:g}", round_no, kind, f"{result['achieved']:.0f}", f"{p['p50']:.2f}", f"{p['p90']:.2f}",
        f"{p['p99']:.2f}", f"{p['max']:.1f}", result["errors"], f"{result['server_cpu_us_per_order']:.0f}",
        f"{result['server_cores']:.2f}", f"{result['load_cores']:.2f}", f"{result['other_cores']:.2f}",
        f"{result['lateness_p99_ms']:.2f}", f"{result['gc']['full']}",
    )  # fmt: skip
    print(ROW.format(*cells), flush=True)
    if result["errors"]:
        print(f"       errors: {result['problems']}")
    if result["over_bound_by_second"]:
        seconds = [f"{s} s: {n} (worst {worst:g} ms)" for s, (n, worst) in result["over_bound_by_second"].items()]
        print(f"       orders over {BOUND_MS:g} ms, by second of the run: " + ", ".join(seconds[:8]), end="")
        print(f" and {len(seconds) - 8} seconds more" if len(seconds) > 8 else "")


def summarize(rate: float, runs: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kind, results in runs.items():
        pooled = [x for r in results for xs in r["latencies_ms"].values() for x in xs]
        by_kind = {
            order: percentiles([x for r in results for x in r["latencies_ms"].get(order, [])])
            for order in sorted({order for r in results for order in r["latencies_ms"]})
        }
        achieved = benchlib.median([r["achieved"] for r in results])
        figures = percentiles(pooled)
        errors = sum(r["errors"] for r in results)
        out[kind] = figures | {
            "by_kind": by_kind,
            "orders": len(pooled),
            "achieved": achieved,
            "errors": errors,
            "cpu_us_per_order": benchlib.median([r["server_cpu_us_per_order"] for r in results]),
            "full_gc": sum(r["gc"]["full"] for r in results),
            "held": figures["p99"] <= BOUND_MS and errors == 0 and achieved >= HELD_SHARE * rate,
        }
    mock, base = out["mock"], out["baseline"]
    out["ratios"] = {name: mock[name] / base[name] for name in ("p50", "p90", "p99", "max", "cpu_us_per_order")}
    return out


def report(document: dict[str, Any], opts: argparse.Namespace) -> None:
    print(
        f"\nover all rounds' orders at each rate (p99 bound {BOUND_MS:g} ms; held: p99 within it, no errors, ", end=""
    )
    print(f"at least {HELD_SHARE:.0%} of the rate achieved):")
    for rate, entry in document["rates"].items():
        s = entry["summary"]
        for kind in ("baseline", "mock"):
            k = s[kind]
            print(f"  {rate:>6} {kind:<8} p50 {k['p50']:.2f}  p90 {k['p90']:.2f}  p99 {k['p99']:.2f}  ", end="")
            print(f"max {k['max']:.1f} ms; {k['achieved']:.0f}/s; {k['cpu_us_per_order']:.0f} us CPU/order; ", end="")
            print(f"errors {k['errors']} in {k['orders']} orders; held: {'yes' if k['held'] else 'NO'}")
            if len(k["by_kind"]) > 1:
                parts = [f"{order} p50 {f['p50']:.2f} p99 {f['p99']:.2f}" for order, f in k["by_kind"].items()]
                print(f"  {'':>6} {'':<8} " + "; ".join(parts))
        r = s["ratios"]
        print(f"  {rate:>6} mock/baseline: p50 {r['p50']:.2f}, p90 {r['p90']:.2f}, p99 {r['p99']:.2f}, ", end="")
        print(f"max {r['max']:.2f}, server CPU per order {r['cpu_us_per_order']:.2f}")
    if len(document["rates"]) > 1:
        for kind in ("baseline", "mock"):
            held = [float(rate) for rate, e in document["rates"].items() if e["summary"][kind]["held"]]
            print(f"the highest rate {kind} held: {f'{max(held):g} orders/s' if held else 'none of those asked'}")


def area_of(file: str) -> str:
    """A profiled function's place: mockexchange's subpackage or module, the library, or the standard library's."""
    import re

    if "/mockexchange/" in file:
        return "mockexchange/" + file.split("/mockexchange/", 1)[1].split("/", 1)[0].removesuffix(".py")
    found = re.search(r"/site-packages/([^/]+)", file) or re.search(r"/lib/python3\.\d+/([^/]+)", file)
    return found.group(1).removesuffix(".py") if found else file


def areas(stats: dict[Any, Any]) -> Counter[str]:
    """Own time summed by `area_of`; a built-in's (file "~") split among its callers' areas as cProfile timed each
    caller's share."""
    seconds: Counter[str] = Counter()
    for (file, _, _), (_, _, tt, _, callers) in stats.items():
        if file != "~":
            seconds[area_of(file)] += tt
            continue
        for caller, timed in (callers or {("~", 0, ""): (0, 0, tt, 0)}).items():
            seconds[area_of(caller[0]) if caller[0] != "~" else "built-ins"] += timed[2]
    return seconds


def print_profile(path: str, orders: int, top: int) -> None:
    """The profile's top functions per order: calls, own time and cumulative time in us (the loop thread's CPU, with
    cProfile's own cost in it). By cumulative time, only functions called at least once per two orders: the server's
    and the loop's frames that hold every order (uvicorn's `run`, the loop's `_run_once`) say nothing per order."""
    import pstats
    import re

    stats = pstats.Stats(path).stats  # type: ignore[attr-defined]
    total = sum(tt for _, _, tt, _, _ in stats.values())
    print(f"\nprofile: {orders} orders answered, {total / orders * 1e6:.0f} us of the loop thread's CPU per order")
    print("own time by where the code is (a built-in's time counted where its callers are):")
    spent = sorted(areas(stats).items(), key=lambda item: item[1], reverse=True)
    for area, seconds in [item for item in spent if item[1] >= total / 200]:
        print(f"  {seconds / orders * 1e6:8.1f} us {seconds / total:6.1%}  {area}")
    rest = sum(seconds for _, seconds in spent if seconds < total / 200)
    print(f"  {rest / orders * 1e6:8.1f} us {rest / total:6.1%}  the rest (each under 0.5 %)")
    for order, column in (("cumulative", 3), ("tottime", 2)):
        print(f"\n--- top {top} by {order}, per order ---")
        print(f"{'calls':>7} {'own us':>8} {'cum us':>8}  function")
        kept = [item for item in stats.items() if order == "tottime" or item[1][1] >= orders / 2]
        for (file, line, name), (_, calls, tt, ct, _) in sorted(kept, key=lambda i: i[1][column], reverse=True)[:top]:
            where = re.sub(r"^.*/(site-packages|lib/python3\.\d+|mockexchange)/", "", file) + f":{line}" * (file != "~")
            print(f"{calls / orders:>7.2f} {tt / orders * 1e6:>8.1f} {ct / orders * 1e6:>8.1f}  {where}({name})")


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_serve"]:
        p = argparse.ArgumentParser()
        p.add_argument("kind", choices=["mock", "baseline"])
        p.add_argument("--keys", required=True)
        p.add_argument("--answers", required=True)
        p.add_argument("--profile")
        return serve(p.parse_args(argv[1:]))
    if argv[:1] == ["_load"]:
        p = argparse.ArgumentParser()
        p.add_argument("--port", type=int, required=True)
        p.add_argument("--server-pid", type=int, required=True)
        for name in ("--rate", "--duration", "--warmup", "--drain"):
            p.add_argument(name, type=float, required=True)
        p.add_argument("--keys", required=True)
        p.add_argument("--mix", choices=list(MIXES), required=True)
        print(json.dumps(asyncio.run(_load(p.parse_args(argv[1:])))), flush=True)
        return None
    opts = parse_options(argv)
    with tempfile.TemporaryDirectory(prefix="mockexchange-orders-") as tmpdir:
        tmp = Path(tmpdir)
        for i in range(CLIENTS):
            _, private_pem, public_pem = benchlib.new_rsa_key()
            (tmp / f"{i}.pem").write_text(private_pem)
            (tmp / f"{i}.pub").write_text(public_pem)
        bench = Bench(opts, tmp)
        bench.capture()
        document = bench.run()
        if opts.profile:
            rate = opts.profile_rate
            path = str(Path(opts.profile).resolve())
            result = bench.run_once("mock", rate, profile=path)
            print(f"\nprofiled mock at {rate:g} orders/s (cProfile's overhead included): ", end="")
            print(
                f"p99 {percentiles([x for xs in result['latencies_ms'].values() for x in xs])['p99']:.1f} ms, ", end=""
            )
            print(f"{result['errors']} errors; {path}")
            print_profile(path, result["answered"], opts.profile_top)
            document["profiled"] = {k: v for k, v in result.items() if k != "latencies_ms"}
        if opts.json:
            Path(opts.json).write_text(json.dumps(document, indent=1, default=str))


def parse_options(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="2 rounds x 5 s per server and rate")
    p.add_argument("--rate", type=float, default=1000.0, help="orders a second from all clients together (1000)")
    p.add_argument("--rates", help="a sweep: comma-separated rates (e.g. 250,500,1000,1500); the highest held is said")
    p.add_argument("--mix", choices=list(MIXES), default="cross", help="cross (default) or trade: see above")
    p.add_argument("--rounds", type=int, help="rounds per rate; each runs the baseline and the mock once (3)")
    p.add_argument("--duration", type=float, help="measured seconds per run (10)")
    p.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds at the start of each run (2)")
    p.add_argument("--drain", type=float, default=10.0, help="seconds after the run to send orders still owed (10)")
    p.add_argument("--profile", metavar="PATH", help="then one more mock run under cProfile, its top functions")
    p.add_argument(
        "--profile-rate",
        type=float,
        default=150.0,
        help="the profiled run's rate (150: under cProfile an order costs the server some 6x its CPU)",
    )
    p.add_argument("--profile-top", type=int, default=15, help="functions listed by each order (15)")
    p.add_argument("--json", metavar="PATH", help="write every run's figures here")
    opts = p.parse_args(argv)
    opts.rounds = opts.rounds or (2 if opts.quick else 3)
    opts.duration = opts.duration or (5.0 if opts.quick else 10.0)
    opts.rates = [float(x) for x in opts.rates.split(",")] if opts.rates else [opts.rate]
    if opts.warmup + opts.duration > MAX_RUN_S or min(opts.warmup, opts.drain) < 0 or opts.duration <= 0:
        p.error(
            f"--duration must be positive, --warmup and --drain not negative, --warmup + --duration <= {MAX_RUN_S:g}"
        )
    if not all(10 <= rate <= 20_000 for rate in [*opts.rates, opts.profile_rate]) or opts.rounds < 1:
        # (at 10 a second each connection sends every second, well inside the servers' 5 s keep-alive)
        p.error("rates (and --profile-rate) must be from 10 to 20,000 orders a second, --rounds at least 1")
    return opts


if __name__ == "__main__":
    main()
