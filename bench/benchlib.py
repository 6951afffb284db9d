"""What the benchmarks share: a reproducible portfolio built through the ledger, request signing, and small stats.

Not a benchmark itself. The scripts beside it put this directory on `sys.path` (Python does that for the script's own
directory), so `import benchlib` works when they are run as `python bench/<script>.py`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from mockexchange.auth.kalshi.keys import generate_private_key, private_key_pem
from mockexchange.testing.signing import KalshiSigner

if TYPE_CHECKING:  # (only for hints: a bench run against another tree, fill_paths.py's, imports no module they moved)
    from mockexchange.app import MockApp
    from mockexchange.core.kalshi.ledger import Ledger
    from mockexchange.settings import Settings
    from mockexchange.venues.kalshi.context import KalshiContext

POSITIONS_PATH = "/trade-api/v2/portfolio/positions"
# Exchange time stands still in the benchmarks so a page renders to the same bytes on every request and every run.
FIXED_TIME = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
KEY_ID = "bench-key"
BATCH = 50  # requests timed together; the least a batch took is the figure (what other processes add, it does not)

_COUNTS = [Decimal(n) for n in range(1, 51)]
_PRICES = [Decimal(n) / 100 for n in range(2, 99)]


def quiet_settings(**fields: Any) -> Settings:
    """The settings a bench measures the mock with: no state file (none is named) and the request journal off
    (`journal_size=0`: it records nothing), so a figure is the mock's own work; `fields` as `Settings` takes them."""
    from mockexchange.settings import Settings  # (the tree on PYTHONPATH's: a bench's `--before` runs another)

    return Settings(**{"journal_size": 0, **fields})


def part(ledger: Ledger, name: str) -> Any:
    """The ledger's part `name` (`filling`, `trading`, `lifecycle`, ...); in a tree from before its parts (a bench's
    `--before`), the ledger itself, whose own methods they were."""
    return getattr(ledger, name, ledger)


def state_of(ledger: Ledger) -> Any:
    """What the ledger holds (`ledger.state`); in a tree from before its state, the ledger itself."""
    return getattr(ledger, "state", ledger)


def position_key(prefix: str, index: int, markets_per_event: int) -> tuple[str, str]:
    """(event_ticker, ticker) of the account's `index`-th position; zero-padded, so index order is key order."""
    event = f"{prefix}-{index // markets_per_event:07d}"
    return event, f"{event}-T{index % markets_per_event:07d}"


def seed_positions(
    ledger: Ledger,
    user_id: str,
    n: int,
    *,
    prefix: str,
    markets_per_event: int = 10,
    closed_every: int = 10,
    seed: int = 7,
    progress: Callable[[int, float], None] | None = None,
    progress_every: int = 100_000,
    holders: int = 1,
) -> int:
    """`n` market positions for an existing account, through `apply_fill` (the path every fill takes).

    One buying fill per position; every `closed_every`-th position is also sold back to zero, so `count_filter=position`
    has rows to skip (position 0, total_traded non-zero). Returns the number of fills applied.
    """
    fills = 0
    started = time.perf_counter()
    apply_fill = part(ledger, "filling").apply_fill
    for i, made in position_fills(user_id, n, prefix, markets_per_event, closed_every, seed, holders):
        for user, ticker, side, action, count, price, _, is_taker, event, _, _, _ in made:
            apply_fill(user, ticker, side, action, count, price, event_ticker=event, is_taker=is_taker)
        fills += len(made)
        if progress is not None and (i + 1) % progress_every == 0:
            progress(i + 1, time.perf_counter() - started)
    return fills


def holder_ids(user_id: str, holders: int) -> list[str]:
    """The accounts `position_fills` spreads positions over: `user_id` alone, or `holders` accounts named after it."""
    return [user_id] if holders == 1 else [f"{user_id}-{k}" for k in range(holders)]


def position_fills(
    user_id: str, n: int, prefix: str, markets_per_event: int, closed_every: int, seed: int, holders: int = 1
) -> Iterator[tuple[int, list[tuple[Any, ...]]]]:
    """The fills of `seed_positions`, position by position: (its index, its one or two fills as tuples in `NewFill`'s
    order), drawn the same way whichever path applies them, so both paths build the same state. With `holders` above
    one, each market has that many positions, one in each of `holder_ids`' accounts in turn."""
    rng = random.Random(seed)
    event = ""
    users = holder_ids(user_id, holders)
    for i in range(n):
        # position_key, with each event's ticker made once (the bench's own cost, not the mock's)
        k = i // holders
        user_id = users[i % holders]
        market = k % markets_per_event
        if i % holders == 0:
            if not market or not event:
                event = position_key(prefix, k, markets_per_event)[0]
            ticker = f"{event}-T{market:07d}"
        side = "yes" if rng.random() < 0.5 else "no"
        count = rng.choice(_COUNTS)
        price = rng.choice(_PRICES)
        made = [(user_id, ticker, side, "buy", count, price, 0, rng.random() < 0.7, event, None, None, None)]
        if closed_every and i % closed_every == closed_every - 1:
            made.append((user_id, ticker, side, "sell", count, rng.choice(_PRICES), 0, True, event, None, None, None))
        yield i, made


def seed_markets(
    control: Any,
    trader: str,
    n: int,
    *,
    clock: Any = None,
    prefix: str = "KXMKT",
    markets_per_event: int = 10,
    events_per_series: int = 10,
) -> int:
    """`n` markets listed as a venue lists them, through the control plane: series (category, tags, a settlement
    source, a contract URL) of `events_per_series` events (a title, a strike date) of `markets_per_event` markets
    (titles, rules, a strike, a close time), each with the house's book (five levels a side) and three fills of
    `trader` (an open account); with a `ManualClock`, a day later three more fills and a book moved, so every figure a
    market shows is non-trivial: bid and ask with their sizes, last price, volume, 24-hour volume, open interest, the
    previous day's bid, ask and price. Answers the fills made."""
    fills = 0
    days = 2 if clock is not None else 1
    tickers = []
    for i in range(n):
        event_no, market_no = divmod(i, markets_per_event)
        series_no = event_no // events_per_series
        series, event = f"{prefix}{series_no:03d}", f"{prefix}{series_no:03d}-26DEC{event_no:04d}"
        if not market_no and not event_no % events_per_series:
            control.set_series(
                series, title=f"Benchmark index {series_no}", frequency="monthly", category="Economics",
                tags=["Rates", "Monthly"], settlement_sources=[{"name": "Bench Bureau", "url": "https://example.com"}],
                contract_url="https://example.com/contract.pdf", fee_type="quadratic", fee_multiplier="1",
            )  # fmt: skip
        if not market_no:
            control.set_event(
                event, series_ticker=series, title=f"Benchmark index {series_no} in December, round {event_no}",
                sub_title="On Dec 31, 2026", category="Economics", strike_date="2026-12-31T15:00:00Z",
            )  # fmt: skip
        strike = f"{2 + market_no // 4}.{25 * (market_no % 4):02d}"
        ticker = f"{event}-T{strike}"
        control.create_market(
            ticker, event_ticker=event, title=f"Will the benchmark index be above {strike}% in December?",
            subtitle=f"Above {strike}%", yes_sub_title=f"Above {strike}%", no_sub_title=f"{strike}% or below",
            rules_primary=f"If the benchmark index is above {strike}% on Dec 31, 2026, the market resolves to Yes.",
            rules_secondary="The index as first published by the source agency.", strike_type="greater",
            floor_strike=strike, close_time="2026-12-31T15:00:00Z", expected_expiration_time="2026-12-31T17:00:00Z",
        )  # fmt: skip
        tickers.append(ticker)
    for day in range(days):
        if day:
            clock.advance(delta=timedelta(days=1))
        for i, ticker in enumerate(tickers):
            mid = 20 + (i * 7 + day * 3) % 60  # cents
            control.set_book(
                ticker,
                yes=[[f"0.{mid - 1 - k:02d}00", f"{100 * (k + 1) + i % 50}.00"] for k in range(5)],
                no=[[f"0.{99 - mid - 1 - k:02d}00", f"{80 * (k + 1) + i % 30}.00"] for k in range(5)],
            )
            for k, (side, action) in enumerate((("yes", "buy"), ("no", "buy"), ("yes", "sell"))):
                yes_price = mid - 1 + k
                price = yes_price if side == "yes" else 100 - yes_price
                control.fill(trader, ticker, side, action, 10 + (i + k + day) % 40, f"0.{price:02d}")
                fills += 1
    return fills


def kalshi_context(app: MockApp) -> KalshiContext:
    """The context `build_app` gives the Kalshi routes, for calling an operation such as `positions.get_positions`
    directly."""
    return app.kalshi


async def asgi_call(
    app: Any, method: str, path: str, query: bytes, headers: dict[str, str], body: bytes
) -> tuple[int, bytes]:
    """One request handed straight to an ASGI app, as a server hands it (no client library's own cost): its status and
    body."""
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": query, "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in {**headers, "content-length": str(len(body))}.items()],
        "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 80),
    }  # fmt: skip
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    status, parts = 0, []

    async def receive() -> dict[str, Any]:
        return messages.pop() if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            parts.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(parts)


class Timer:
    """Times requests handed to an ASGI app: the CPU time of the process per request (every thread's: a write runs in
    a worker) in its least disturbed batch of `BATCH`, and the last answer."""

    def __init__(self, signer: Any, requests: int) -> None:
        self.signer, self.requests = signer, requests
        self.loop = asyncio.new_event_loop()

    def timed(
        self, asgi: Any, method: str, path: str, query: bytes, body: bytes, signed: bool = True, ok: int = 200
    ) -> tuple[float, bytes]:
        headers = {**(self.signer.headers(method, path) if signed else {}), "Content-Type": "application/json"}

        async def batch() -> bytes:
            answer = b""
            for _ in range(BATCH):
                status, answer = await asgi_call(asgi, method, path, query, headers, body)
                assert status == ok, answer
            return answer

        answer, batches = b"", []
        for _ in range(max(1, self.requests // BATCH)):
            started = time.process_time()
            answer = self.loop.run_until_complete(batch())
            batches.append((time.process_time() - started) / BATCH)
        return min(batches), answer


def bare_app(answers: dict[tuple[str, str], tuple[int, bytes]]) -> Any:
    """A bare Starlette app answering each (method, path) with its status and bytes (a write's body read first)."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    def route(method: str, path: str, status: int, answer: bytes) -> Route:
        async def bare(request: Request) -> Response:
            if method != "GET":
                await request.body()
            return Response(answer, status_code=status, media_type="application/json")

        return Route(path, bare, methods=[method])

    return Starlette(routes=[route(m, p, status, answer) for (m, p), (status, answer) in answers.items()])


def new_rsa_key() -> tuple[rsa.RSAPrivateKey, str, str]:
    """A 2048-bit RSA key like Kalshi issues: (key, private PEM, public PEM)."""
    key = generate_private_key("rsa")
    assert isinstance(key, rsa.RSAPrivateKey)
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return key, private_key_pem(key), public_pem.decode()


def signer(key: rsa.RSAPrivateKey, key_id: str = KEY_ID) -> KalshiSigner:
    return KalshiSigner(key_id, key)


def rss_mb() -> tuple[float, float]:
    """(current RSS, peak RSS) of this process in MiB, from /proc (Linux)."""
    values = {}
    with open("/proc/self/status") as status:
        for line in status:
            name, _, rest = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                values[name] = int(rest.split()[0]) / 1024
    return values.get("VmRSS", float("nan")), values.get("VmHWM", float("nan"))


def process_rss_mb(pid: int) -> float:
    """The current RSS of another process in MiB, from /proc (Linux)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def process_cpu_s(pid: int) -> float:
    """CPU seconds another process has used (utime + stime, all its threads), from /proc (Linux)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(ordered: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of an ascending sequence (q in 0..100)."""
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def tree_env(tree: Path) -> dict[str, str]:
    """The environment of a child process that runs `tree`'s mockexchange (`PYTHONPATH=<tree>`, this folder beside
    it for benchlib)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tree), str(Path(__file__).resolve().parent)])}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def comparing(doc: str | None, rounds: int) -> argparse.ArgumentParser:
    """A two-tree bench's command line: `--before` (the other tree), `--rounds`, and its hidden `--child`."""
    p = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--before", type=Path, help="another tree to compare this one with (a worktree or a `git archive`)")
    p.add_argument("--rounds", type=int, default=rounds, help=f"measurements per tree ({rounds})")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    return p


def compared(opts: argparse.Namespace, tree: Path) -> dict[str, Path]:
    """The trees `comparing`'s options name: this one (`tree`), after the other if `--before` was given."""
    return {"after": tree} if opts.before is None else {"before": opts.before.resolve(), "after": tree}


def run_in_tree(script: str, tree: Path, arguments: list[str]) -> dict[str, Any]:
    """The JSON line a bench script's child run answers on its last line, run against `tree`'s mockexchange
    (`tree_env`); SystemExit with its stderr if it fails."""
    command = [sys.executable, str(Path(script).resolve()), *arguments]
    done = subprocess.run(command, env=tree_env(tree), cwd=tree, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{' '.join(arguments)} on {tree} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def in_rounds(
    trees: dict[str, Path], rounds: int, measure: Callable[[Path], dict[str, float]]
) -> dict[str, list[dict[str, float]]]:
    """`measure` of each tree, round after round, each round starting with the other tree (whatever the machine does
    at a round's start falls on both alike); each measurement printed as it comes."""
    figures: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
    for round_ in range(rounds):
        for name, tree in list(trees.items())[:: 1 if round_ % 2 == 0 else -1]:
            measured = measure(tree)
            figures[name].append(measured)
            print(f"round {round_ + 1} {name:6} " + " ".join(f"{k}={v:.2f}" for k, v in measured.items()), flush=True)
    return figures


def report_medians(figures: dict[str, list[dict[str, Any]]], rows: list[tuple[str, str]]) -> None:
    """Each row's figure (label, key) as the median of its tree's rounds, a tree a column (and after/before of two)."""
    names = list(figures)
    print(f"\nmedians of {len(figures[names[0]])} rounds:")
    print(f"{'figure':45}" + "".join(f"{n:>10}" for n in names) + ("       after/before" if len(names) == 2 else ""))
    for label, key in rows:
        values = [statistics.median(f) if (f := [m[key] for m in figures[n] if key in m]) else None for n in names]
        cells = "".join(f"{v:>10.2f}" if v is not None else f"{'-':>10}" for v in values)
        ratio = f"{values[1] / values[0]:>19.2f}" if len(values) == 2 and None not in values else ""
        print(f"{label:45}{cells}{ratio}")


def request_bench(
    doc: str | None, script: str, measure: Callable[[int], dict[str, float]], rows: list[tuple[str, str]]
) -> None:
    """A two-tree bench of requests, run from its `main`: `--requests` a figure, each tree's child run answering
    `measure(requests)`'s figures; the parent reports `rows`' medians, a tree a column."""
    p = comparing(doc, 5)
    p.add_argument("--requests", type=int, default=300, help="requests per figure in one measurement (300)")
    opts = p.parse_args()
    if opts.child:
        print(json.dumps(measure(opts.requests)))
        return
    trees = compared(opts, Path(script).resolve().parent.parent)
    arguments = ["--child", "--requests", str(opts.requests)]
    report_medians(in_rounds(trees, opts.rounds, lambda tree: run_in_tree(script, tree, arguments)), rows)


def answer(obj: Any) -> None:
    """One JSON line to the parent process (a bench server process's stdout)."""
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def serve_commands(
    server: Any,
    handle: Callable[[dict[str, Any]], Any],
    start_timeout_s: float,
    finish: Callable[[], None] | None = None,
) -> None:
    """The server side of a bench script's child process, run in a thread beside `server` (a uvicorn.Server): once it
    listens, say its port (`{}` if it never starts); then answer each JSON command on stdin with `handle`'s result;
    when stdin closes (the parent is done, or gone), run `finish` and stop the server."""
    deadline = time.monotonic() + start_timeout_s
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    if not server.started:
        answer({})
        return
    answer({"port": server.servers[0].sockets[0].getsockname()[1]})
    try:
        for line in sys.stdin:
            answer(handle(json.loads(line)))
    finally:
        if finish is not None:
            finish()
        server.should_exit = True
