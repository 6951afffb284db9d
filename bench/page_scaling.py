"""Time of one 100-row positions page for an account of 1,000 positions against one of 1,000,000.

    .venv/bin/python bench/page_scaling.py            # 1k vs 1M, 200 repetitions per case (about 2.5 minutes)
    .venv/bin/python bench/page_scaling.py --quick    # 1k vs 100k, 100 repetitions
    .venv/bin/python bench/page_scaling.py --full     # 1k vs 1M, 1000 repetitions
    .venv/bin/python bench/page_scaling.py --profile  # and cProfile listings of the slowest paths
    .venv/bin/python bench/page_scaling.py --memory-breakdown 100000   # where a position's bytes go (tracemalloc)
    .venv/bin/python bench/page_scaling.py --memory-breakdown 100000 --holders 100   # 100 positions a market
    .venv/bin/python bench/page_scaling.py --build-only      # build the accounts, report memory and time, stop
    .venv/bin/python bench/page_scaling.py --build-only --seed fill   # the same, one apply_fill call per fill

One in-process mock (`build_app`, exchange clock held still, no state file, the request journal off:
`benchlib.quiet_settings`). Accounts are filled through `apply_fills` (the ledger's
`filling`) in batches of 10,000 (`--seed fill`: one `apply_fill` call per fill; the same fills, the same state), one
fill per position and a closing fill for every 10th, 10 markets per event, keys in index order. Each page is timed
at three layers of the same request:
- core:  `PositionStore.page` (the keyset seek and walk, snapshots; no event roll-ups, no rendering)
- op:    `positions.get_positions(ctx, key, query)`: parameters, cursor, page, event roll-ups, rendering (through the
         render cache, `--cache`: full, the mock as it runs, serves a page asked again unchanged from its bytes;
         fragments keeps each row's and roll-up's bytes but no whole page, what a read after any change costs)
- asgi:  a signed GET through httpx's ASGITransport into the Starlette app: routing, RSA-PSS verification, the
         operation, orjson; the end-to-end number. `floor` is the same transport into a bare route that answers the
         same number of bytes.
The two sizes of a case are timed call by call in turn, so noise on a shared machine falls on both alike.
Pages: the first, the middle (a cursor whose key is the row before the middle) and the last. Cursors are the mock's
own: one is taken from a first page of the same query and re-issued with another key by `cursors.encode` with the
filter set it carries; every timed page is checked once against the rows it must hold.

Filtered variants: `count_filter=position` (skips the closed positions) at the same three places, and
`count_filter=position&event_ticker=<an event in the middle>`.

`--wide N` adds accounts whose positions all sit in one event (1k against N markets), first page only: Kalshi sends
an event's roll-up beside its first market row, and the mock computes it by walking the whole event.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import cProfile
import functools
import gc
import pstats
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import benchlib
import httpx
import orjson
from starlette.applications import Starlette
from starlette.datastructures import QueryParams
from starlette.routing import Route

from mockexchange.app import MockApp, build_app
from mockexchange.auth.kalshi.keys import ApiKey
from mockexchange.core.clock import ManualClock
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.kalshi.row_filter import RowFilter
from mockexchange.testing.signing import KalshiSigner
from mockexchange.venues.kalshi import cursors
from mockexchange.venues.kalshi.fragments import RenderCache
from mockexchange.venues.kalshi.positions import get_positions
from mockexchange.web.answers import JSONBytesResponse

LIMIT = 100
CLOSED_EVERY = 10
MARKETS_PER_EVENT = 10
RESIGN_AFTER_S = 10.0  # well inside the 30 s timestamp window


@dataclass
class Account:
    user_id: str
    prefix: str
    n: int
    markets_per_event: int
    key: ApiKey
    signer: KalshiSigner


@dataclass
class Case:
    account: Account
    name: str
    query: str  # without limit and cursor
    after_index: int | None  # the page starts after this position index
    event_ticker: str | None
    count_filter: tuple[str, ...] | None

    @property
    def after_key(self) -> tuple[str, str] | None:
        if self.after_index is None:
            return None
        return benchlib.position_key(self.account.prefix, self.after_index, self.account.markets_per_event)


class Bench:
    def __init__(self, opts: argparse.Namespace) -> None:
        self.opts = opts
        self.app: MockApp = build_app(benchlib.quiet_settings(), clock=ManualClock(benchlib.FIXED_TIME), seed=7)
        self.ctx = benchlib.kalshi_context(self.app)
        if opts.cache != "full":
            self.ctx.renders = RenderCache({"pages": 0}) if opts.cache == "fragments" else RenderCache.disabled()
        self.rsa_key, _, self.public_pem = benchlib.new_rsa_key()
        self.loop = asyncio.new_event_loop()
        self.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app.asgi), base_url="http://127.0.0.1")
        self.headers: dict[str, tuple[float, dict[str, str]]] = {}
        self.signers: dict[str, Account] = {}
        self.gc_pauses: list[float] = []
        self._gc_started = 0.0

    # -- building --------------------------------------------------------------------------------------------------

    def account(self, user_id: str, prefix: str, n: int, markets_per_event: int) -> Account:
        self.app.control.create_account(user_id, balance_cents=10**12)
        key_id = f"key-{user_id}"
        self.app.control.create_key(user_id, public_key_pem=self.public_pem, key_id=key_id)
        started, cpu_started = time.perf_counter(), time.process_time()

        def progress(done: int, elapsed: float) -> None:
            rss, _ = benchlib.rss_mb()
            print(
                f"  {user_id}: {done:>9,} positions in {elapsed:6.1f} s ({done / elapsed:,.0f}/s), RSS {rss:,.0f} MiB",
                flush=True,
            )

        in_mock = [0.0]
        if self.opts.seed == "fill":
            seed: Callable[..., int] = benchlib.seed_positions
        else:
            seed = functools.partial(seed_in_batches, batch=self.opts.batch, in_mock=in_mock)
        fills = seed(
            self.app.ledger, user_id, n, prefix=prefix, markets_per_event=markets_per_event,
            closed_every=CLOSED_EVERY, progress=progress if n >= 200_000 else None,
        )  # fmt: skip
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        print(f"  {user_id}: {n:,} positions ({fills:,} fills) built in {elapsed:.1f} s (CPU {cpu:.1f} s)", end="")
        if in_mock[0]:
            print(f" ({in_mock[0]:.1f} s in apply_fills; the rest, the bench drawing the fills)", end="")
        print(flush=True)
        key = self.app.keys.get(key_id)
        assert key is not None
        return Account(user_id, prefix, n, markets_per_event, key, benchlib.signer(self.rsa_key, key_id))

    # -- the three layers ------------------------------------------------------------------------------------------

    def cursor_for(self, case: Case) -> str | None:
        """The mock's own cursor for `case.query`, re-issued to resume after `case.after_key`."""
        if case.after_key is None:
            return None
        first = orjson.loads(
            orjson.dumps(get_positions(self.ctx, case.account.key, QueryParams(f"limit=1&{case.query}")))
        )
        if not first["cursor"]:
            raise RuntimeError(f"{case.name}: no cursor on a one-row first page")
        raw = first["cursor"]
        payload = orjson.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        return cursors.encode(case.after_key, payload["f"])

    @staticmethod
    def query_string(case: Case, cursor: str | None) -> str:
        return f"limit={LIMIT}&{case.query}" + (f"&cursor={cursor}" if cursor else "")

    def signed(self, account: Account) -> dict[str, str]:
        """Headers signed at most `RESIGN_AFTER_S` ago; `time_calls` refreshes them between rounds, untimed."""
        made, headers = self.headers.get(account.user_id, (0.0, {}))
        if time.monotonic() - made > RESIGN_AFTER_S:
            headers = account.signer.headers("GET", benchlib.POSITIONS_PATH)
            self.headers[account.user_id] = (time.monotonic(), headers)
            self.signers[account.user_id] = account
        return headers

    def refresh_signatures(self) -> None:
        for account in self.signers.values():
            self.signed(account)

    def layers(self, case: Case) -> dict[str, Callable[[], Any]]:
        store = benchlib.state_of(self.app.ledger).positions
        account = case.account
        keep = RowFilter.of(case.count_filter, None)
        after = case.after_key
        cursor = self.cursor_for(case)
        query = QueryParams(self.query_string(case, cursor))
        url = f"{benchlib.POSITIONS_PATH}?{self.query_string(case, cursor)}"

        def core() -> Any:
            with self.app.ledger.reading():
                return store.page(
                    account.user_id, 0, "unsettled", LIMIT, after=after, event_ticker=case.event_ticker, keep=keep
                )

        def op() -> Any:
            return get_positions(self.ctx, account.key, query)

        def asgi() -> Any:
            return self.loop.run_until_complete(self.client.get(url, headers=self.signed(account)))

        return {"core": core, "op": op, "asgi": asgi}

    def check(self, case: Case, calls: dict[str, Callable[[], Any]]) -> int:
        """The rows each layer serves are the rows this page must hold; returns how many."""
        rows, _ = calls["core"]()
        body = orjson.dumps(calls["op"]())
        page = orjson.loads(body)
        response = calls["asgi"]()
        if response.status_code != 200:
            raise RuntimeError(f"{case.name}: {response.status_code} {response.text[:300]}")
        if response.content != body:
            raise RuntimeError(f"{case.name}: the ASGI body differs from the operation's page")
        tickers = [r["ticker"] for r in page["market_positions"]]
        if tickers != [r.ticker for r in rows]:
            raise RuntimeError(f"{case.name}: core and op pages differ")
        expected = self.expected_tickers(case)
        if tickers != expected:
            raise RuntimeError(f"{case.name}: expected rows {expected[:2]}... got {tickers[:2]}... ({len(tickers)})")
        return len(tickers)

    def expected_tickers(self, case: Case) -> list[str]:
        account = case.account
        index = 0 if case.after_index is None else case.after_index + 1
        if case.event_ticker is not None:  # event numbers are the index // markets_per_event
            index = max(index, int(case.event_ticker.rsplit("-", 1)[1]) * account.markets_per_event)
        out = []
        while index < account.n and len(out) < LIMIT:
            event, ticker = benchlib.position_key(account.prefix, index, account.markets_per_event)
            index += 1
            if case.event_ticker is not None and event != case.event_ticker:
                if event > case.event_ticker:
                    break
                continue
            if case.count_filter and index % CLOSED_EVERY == 0:  # index was incremented: position index-1 is closed
                continue
            out.append(ticker)
        return out

    # -- timing ----------------------------------------------------------------------------------------------------

    def gc_callback(self, phase: str, info: dict[str, int]) -> None:
        if info.get("generation") != 2:
            return
        if phase == "start":
            self._gc_started = time.perf_counter()
        else:
            self.gc_pauses.append(time.perf_counter() - self._gc_started)

    def time_call(self, call: Callable[[], Any]) -> list[float]:
        """Up to `reps` timings (seconds), stopping early after `max_case_s`; at least 5."""
        return self.time_calls([call])[0]

    def time_calls(self, calls: list[Callable[[], Any]]) -> list[list[float]]:
        """Timings of several calls taken in turn (the order rotating each round), so that noise from the rest of a
        shared machine falls on all of them alike. Up to `reps` rounds, stopping after `max_case_s`; at least 5."""
        for _ in range(3):
            for call in calls:
                call()
        times: list[list[float]] = [[] for _ in calls]
        deadline = time.perf_counter() + self.opts.max_case_s
        rounds = 0
        while rounds < self.opts.reps and (rounds < 5 or time.perf_counter() < deadline):
            self.refresh_signatures()
            for i in range(len(calls)):
                at = (i + rounds) % len(calls)
                t0 = time.perf_counter()
                calls[at]()
                times[at].append(time.perf_counter() - t0)
            rounds += 1
        for series in times:
            series.sort()
        return times


def seed_in_batches(
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
    batch: int = 10_000,
    in_mock: list[float] | None = None,
    holders: int = 1,
) -> int:
    """`benchlib.seed_positions`' fills (the same draws, so the same state), handed to `apply_fills`
    `batch` fills at a time, as a user seeding a large sandbox would. Returns the number of fills applied; adds the
    time spent in `apply_fills` to `in_mock[0]` if given (the rest is the bench drawing the fills)."""
    fills = 0
    pending: list[tuple[Any, ...]] = []
    started = time.perf_counter()
    applying = 0.0

    def apply() -> int:
        nonlocal applying, pending
        t0 = time.perf_counter()
        done = len(benchlib.part(ledger, "filling").apply_fills(pending))
        applying += time.perf_counter() - t0
        pending = []
        return done

    for i, made in benchlib.position_fills(user_id, n, prefix, markets_per_event, closed_every, seed, holders):
        pending += made
        if len(pending) >= batch:
            fills += apply()
        if progress is not None and (i + 1) % progress_every == 0:
            fills += apply()
            progress(i + 1, time.perf_counter() - started)
    fills += apply()
    if in_mock is not None:
        in_mock[0] += applying
    return fills


def cases_for(account: Account) -> list[Case]:
    n = account.n
    middle_event, _ = benchlib.position_key(account.prefix, n // 2, account.markets_per_event)
    out = []
    for label, query, count_filter in (
        ("all", "", None),
        ("count_filter=position", "count_filter=position", ("position",)),
    ):
        out.append(Case(account, f"{label} start", query, None, None, count_filter))
        out.append(Case(account, f"{label} middle", query, n // 2 - 1, None, count_filter))
        out.append(Case(account, f"{label} end", query, n - LIMIT - 1, None, count_filter))
    both = f"count_filter=position&event_ticker={middle_event}"
    out.append(Case(account, "count_filter=position&event_ticker=E", both, None, middle_event, ("position",)))
    return out


def floor_timings(bench: Bench, size: int) -> list[float]:
    """The same httpx ASGITransport into a bare Starlette route answering `size` bytes: what the harness costs."""
    body = b"x" * size

    async def page(request: Any) -> JSONBytesResponse:
        return JSONBytesResponse(body)

    app = Starlette(routes=[Route(benchlib.POSITIONS_PATH, page, methods=["GET"])])
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1")
    url = f"{benchlib.POSITIONS_PATH}?limit=100"
    try:
        return bench.time_call(lambda: bench.loop.run_until_complete(client.get(url)))
    finally:
        bench.loop.run_until_complete(client.aclose())


def memory_breakdown(n: int, how: str, holders: int = 1, top: int = 15) -> None:
    import linecache
    import tracemalloc

    app = build_app(benchlib.quiet_settings(), clock=ManualClock(benchlib.FIXED_TIME), seed=7)
    for user_id in benchlib.holder_ids("memory", holders):
        app.control.create_account(user_id, balance_cents=10**12)
    tracemalloc.start(1)
    if how == "fill":
        benchlib.seed_positions(app.ledger, "memory", n, prefix="KXMEM", closed_every=CLOSED_EVERY, holders=holders)
    else:
        seed_in_batches(app.ledger, "memory", n, prefix="KXMEM", closed_every=CLOSED_EVERY, holders=holders)
    gc.collect()
    stats = tracemalloc.take_snapshot().statistics("lineno")
    tracemalloc.stop()
    total = sum(stat.size for stat in stats)
    shared = f" ({holders} a market)" if holders > 1 else ""
    print(f"{n:,} positions{shared}: {total / 2**20:,.0f} MiB traced, {total / n:,.0f} bytes per position; top sites:")
    for stat in stats[:top]:
        frame = stat.traceback[0]
        where = f"{Path(frame.filename).name}:{frame.lineno}"
        print(f"  {stat.size / n:6.0f} B  {where:<22} {linecache.getline(frame.filename, frame.lineno).strip()[:80]}")


def profile(title: str, call: Callable[[], Any], reps: int, top: int = 25) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(reps):
        call()
    profiler.disable()
    print(f"\n--- cProfile: {title}, {reps} calls, top {top} by tottime ---")
    pstats.Stats(profiler).strip_dirs().sort_stats("tottime").print_stats(top)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="1k vs 100k, 100 repetitions, --wide 20000")
    mode.add_argument("--full", action="store_true", help="1k vs 1M, 1000 repetitions")
    p.add_argument("--small", type=int, default=1_000)
    p.add_argument("--large", type=int, help="positions in the large account (default 1,000,000; --quick 100,000)")
    p.add_argument("--reps", type=int, help="timed repetitions per case and layer (default 200)")
    p.add_argument("--max-case-s", type=float, default=5.0, help="time cap per case and layer (at least 5 repetitions)")
    p.add_argument("--wide", type=int, help="markets in the large single-event account (default 100,000; 0: skip)")
    p.add_argument("--profile", action="store_true", help="print cProfile listings of the large account's pages")
    p.add_argument(
        "--cache",
        choices=["full", "fragments", "off"],
        default="full",
        help="the mock's render cache: full (default), fragments (no whole pages kept), off (every row rendered)",
    )
    p.add_argument(
        "--seed",
        choices=["fills", "fill"],
        default="fills",
        help="how accounts are built: fills (default), apply_fills in batches of 10,000; fill, one "
        "apply_fill call per fill (the same fills, the same state)",
    )
    p.add_argument("--batch", type=int, default=10_000, help="fills per apply_fills call (default 10,000)")
    p.add_argument(
        "--holders",
        type=int,
        default=1,
        help="with --memory-breakdown: positions a market (one in each of that many accounts; default 1)",
    )
    p.add_argument(
        "--build-only",
        action="store_true",
        help="build the small and large accounts (no one-event accounts), report RSS and build time, and stop",
    )
    p.add_argument(
        "--memory-breakdown",
        type=int,
        metavar="N",
        help="only build N positions under tracemalloc and print the top allocation sites per position",
    )
    opts = p.parse_args()
    if opts.memory_breakdown:
        return memory_breakdown(opts.memory_breakdown, opts.seed, opts.holders)
    opts.large = opts.large or (100_000 if opts.quick else 1_000_000)
    opts.reps = opts.reps or (100 if opts.quick else 1000 if opts.full else 200)
    if opts.wide is None:
        opts.wide = 20_000 if opts.quick else 100_000
    if min(opts.small, opts.large) <= 2 * LIMIT + 1:
        p.error("accounts need more than 201 positions")

    if opts.build_only:
        opts.wide = 0
    bench = Bench(opts)
    small, large, wide = build(bench, opts)
    if opts.build_only:
        rss, peak = benchlib.rss_mb()
        print(f"RSS at the end: {rss:,.0f} MiB (peak {peak:,.0f} MiB)")
        bench.loop.run_until_complete(bench.client.aclose())
        bench.loop.close()
        return None
    gc.callbacks.append(bench.gc_callback)
    results: dict[tuple[str, str, str], list[float]] = {}
    print(f"\ntiming: up to {opts.reps} repetitions per case and layer (cap {opts.max_case_s:g} s), times in ms;")
    print("the two sizes of a case are timed in turn, call by call")
    print(ROW.format("account", "case", "rows", "layer", "median", "p99", "reps"))
    for pair in zip(cases_for(small), cases_for(large), strict=True):
        measure(bench, pair, results)
    body_size = len(bench.layers(cases_for(small)[0])["asgi"]().content)
    print_row("-", "floor: bare route, same transport", "", "asgi", floor_timings(bench, body_size))
    if wide:
        for small_case, large_case in zip(wide_cases(wide[0]), wide_cases(wide[1]), strict=True):
            measure(bench, (small_case, large_case), results)
    gc.callbacks.remove(bench.gc_callback)
    print_ratios(opts, results, small, wide=bool(wide))
    pauses = sorted(bench.gc_pauses)
    longest = f", longest {pauses[-1] * 1000:.0f} ms" if pauses else ""
    print(f"\nfull (generation 2) GC collections while timing: {len(pauses)}{longest}")
    rss, peak = benchlib.rss_mb()
    print(f"RSS at the end: {rss:,.0f} MiB (peak {peak:,.0f} MiB)")

    if opts.profile:
        middle = cases_for(large)[1]
        profile(f"asgi, {large.user_id} account, {middle.name}", bench.layers(middle)["asgi"], 200)
        for case in wide_cases(wide[1]) if wide else []:
            calls = bench.layers(case)
            profile(
                f"op, {case.account.user_id} account ({case.account.n:,} markets in one event), {case.name}",
                calls["op"],
                5,
            )
    bench.loop.run_until_complete(bench.client.aclose())
    bench.loop.close()


ROW = "{:<11} {:<40} {:>4} {:<5} {:>8} {:>8} {:>5}"


def wide_cases(account: Account) -> list[Case]:
    """First pages of a one-event account: the roll-up of that event rides on them."""
    return [
        Case(account, "all start (one event)", "", None, None, None),
        Case(account, "count_filter=position start (one event)", "count_filter=position", None, None, ("position",)),
    ]


def print_row(account: str, case: str, rows: int | str, layer: str, times: list[float]) -> None:
    median, p99 = f"{benchlib.median(times) * 1000:.3f}", f"{benchlib.percentile(times, 99) * 1000:.3f}"
    print(ROW.format(account, case, rows, layer, median, p99, len(times)), flush=True)


def build(bench: Bench, opts: argparse.Namespace) -> tuple[Account, Account, list[Account]]:
    print(f"building accounts (10 markets per event, every {CLOSED_EVERY}th position closed)", flush=True)
    gc.collect()
    rss0, _ = benchlib.rss_mb()
    small = bench.account("small", "KXSMALL", opts.small, MARKETS_PER_EVENT)
    gc.collect()
    rss1, _ = benchlib.rss_mb()
    large = bench.account("large", "KXLARGE", opts.large, MARKETS_PER_EVENT)
    gc.collect()
    rss2, peak = benchlib.rss_mb()
    ledger = bench.app.ledger
    print(f"RSS: {rss0:,.0f} MiB empty, {rss1:,.0f} MiB with {opts.small:,} positions, ", end="")
    print(f"{rss2:,.0f} MiB with {opts.large:,} more (+{rss2 - rss1:,.0f} MiB, ", end="")
    print(
        f"{(rss2 - rss1) * 2**20 / opts.large:,.0f} bytes per position with its fills and market); peak {peak:,.0f} MiB"
    )
    state = benchlib.state_of(ledger)
    print(f"ledger: {len(state.fills):,} fills, {len(state.markets):,} markets, {len(state.positions):,} positions")
    wide: list[Account] = []
    if opts.wide:
        print(f"building single-event accounts ({opts.small:,} and {opts.wide:,} markets in one event)", flush=True)
        wide = [
            bench.account("wide-small", "KXWIDES", opts.small, opts.small),
            bench.account("wide-large", "KXWIDEL", opts.wide, opts.wide),
        ]
    return small, large, wide


def measure(bench: Bench, cases: tuple[Case, Case], results: dict[tuple[str, str, str], list[float]]) -> None:
    """Both sizes of one case, layer by layer, their calls interleaved."""
    calls = [bench.layers(case) for case in cases]
    rows = [bench.check(case, layer_calls) for case, layer_calls in zip(cases, calls, strict=True)]
    for layer in calls[0]:
        timings = bench.time_calls([layer_calls[layer] for layer_calls in calls])
        for case, n_rows, times in zip(cases, rows, timings, strict=True):
            results[(case.account.user_id, case.name, layer)] = times
            print_row(case.account.user_id, case.name, n_rows, layer, times)


def print_ratios(
    opts: argparse.Namespace, results: dict[tuple[str, str, str], list[float]], small: Account, wide: bool
) -> None:
    print(f"\nratios {opts.large:,} / {opts.small:,} positions, median [p99]:")
    names = [(case.name, "small", "large") for case in cases_for(small)]
    if wide:
        names += [(case.name, "wide-small", "wide-large") for case in wide_cases(small)]
    for name, a_user, b_user in names:
        cells = []
        for layer in ("core", "op", "asgi"):
            a, b = results[(a_user, name, layer)], results[(b_user, name, layer)]
            ratio = benchlib.median(b) / benchlib.median(a)
            ratio99 = benchlib.percentile(b, 99) / benchlib.percentile(a, 99)
            cells.append(f"{layer} {ratio:6.2f} [{ratio99:6.2f}]")
        label = f"{name}: {opts.wide:,} / {opts.small:,} markets" if a_user == "wide-small" else name
        print(f"  {label:<62} " + "   ".join(cells))


if __name__ == "__main__":
    main()
