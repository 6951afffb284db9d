"""A fill's road, two trees side by side: a fill applied alone (`apply_fill`, the ledger's `filling`), a fill inside a
batch (`apply_fills`, batches of 10,000), the memory a position takes, and a signed 100-row positions page against a
bare route answering as many bytes; each figure for this tree and for another one (`--before`), with the ratios; and
a fill's time over a fixed pure-Python workload timed in the same process (`reference`), a ratio the machine's load
moves far less than the microseconds.

    git archive e056015 | tar -x -C /tmp/before                      # the tree before the one money path (issue 25)
    .venv/bin/python bench/fill_paths.py --before /tmp/before        # 200,000 positions, 3 rounds (about 6 minutes)
    .venv/bin/python bench/fill_paths.py --before /tmp/before --positions 1000000 --rounds 1

Every measurement runs in a child process of its own (`PYTHONPATH=<tree>`), the two trees in turn, round after round,
so noise on a shared machine falls on both alike; the medians are reported. The workload is `benchlib.position_fills`
(one buying fill per position, a closing fill for every 10th, 10 markets per event, each market listed by its first
fill), the same draws whichever path applies them. Times are inside the ledger's calls only (not the drawing of the
fills). Memory: the process's RSS after the account is built less before, per position, after a full collection. The
page: the median of 200 signed GETs through httpx's ASGITransport, first page of a 10,000-position account, divided
by the median of the same transport into a bare Starlette route answering the same number of bytes, asked with the
same request, signed just before it is sent as the page's is, its headers sent and ignored (`page_over_floor`, like
for like); and by the bare route asked unsigned, without headers (`page_over_unsigned_floor`, the one figure before:
it charges the page with the client's signing and headers, bench/README.md, "The positions page"). The mock runs
without a state file and with its request journal off (`benchlib.quiet_settings`: `journal_size=0`, which in a tree
from before issue 50 still recorded each request, keeping none).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import benchlib

HERE = Path(__file__).resolve().parent
TREE = HERE.parent
USER = "bench"
BATCH = 10_000
PAGE_POSITIONS = 10_000
PAGE_REPS = 200
# A position's wire fields: the reference workload copies them, JSON-encodes them and multiplies two Decimals, per fill
REFERENCE_ROW = {
    "ticker": "KXBENCH-0000001-T0000001", "total_traded_dollars": "0.500000", "position_fp": "1.00",
    "market_exposure_dollars": "0.500000", "realized_pnl_dollars": "0.000000", "resting_orders_count": 0,
    "fees_paid_dollars": "0.010000", "last_updated_ts": "2026-01-01T00:00:00Z", "total_traded": 50, "position": 1,
}  # fmt: skip


class Collector:
    """The cyclic collector's seconds outside the ledger's calls. A batch holds the collector off while it runs, so
    the collections its objects call for run in whatever runs next (the bench drawing the next fills) and walk a heap
    that is mostly the ledger's; a fill alone pays for them inside its call. Charging the collections outside to the
    ledger as well puts the two paths on one footing."""

    def __init__(self) -> None:
        self.outside = 0.0
        self.inside = False  # in a ledger's call: its collections are in its own time already
        self._started: float | None = None
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = None if self.inside else time.perf_counter()
        elif self._started is not None:
            self.outside += time.perf_counter() - self._started
            self._started = None

    def close(self) -> None:
        gc.callbacks.remove(self._callback)


def build(n: int, how: str) -> tuple[Any, float, float]:
    """A mock whose account holds `n` positions, seeded one fill at a time or in batches; the seconds spent in the
    ledger's calls, and those the collector spent outside them (`Collector`)."""
    from mockexchange.app import build_app
    from mockexchange.core.clock import ManualClock

    app = build_app(benchlib.quiet_settings(), clock=ManualClock(benchlib.FIXED_TIME), seed=7)
    ledger = app.ledger
    ledger.open_account(USER, balance=Decimal(10**9))
    filling = benchlib.part(ledger, "filling")  # (the ledger's own methods in a tree from before its parts)
    spent = 0.0
    pending: list[tuple[Any, ...]] = []
    collector = Collector()

    def batch() -> float:
        collector.inside = True
        started = time.perf_counter()
        filling.apply_fills(pending)
        took = time.perf_counter() - started
        collector.inside = False
        return took

    for _, made in benchlib.position_fills(USER, n, "KXBENCH", 10, 10, 7):
        if how == "single":
            collector.inside = True
            started = time.perf_counter()
            for user, ticker, side, action, count, price, _, is_taker, event, _, _, _ in made:
                filling.apply_fill(user, ticker, side, action, count, price, event_ticker=event, is_taker=is_taker)
            spent += time.perf_counter() - started
            collector.inside = False
            continue
        pending += made
        if len(pending) >= BATCH:
            spent += batch()
            pending = []
    if pending:
        spent += batch()
    collector.close()
    return app, spent, collector.outside


def reference(fills: int) -> float:
    """A fixed pure-Python workload, per fill (microseconds): copy a position's 10 wire fields, JSON-encode them,
    multiply two Decimals. Timed in the process that seeded, after it, as a yardstick of what a microsecond buys on
    the machine and heap at hand."""
    a, b = Decimal("0.5500"), Decimal("3.00")
    started = time.perf_counter()
    for _ in range(fills):
        json.dumps(dict(REFERENCE_ROW))
        a * b
    return (time.perf_counter() - started) / fills * 1e6


def seeding(n: int, how: str) -> dict[str, float]:
    gc.collect()
    before, _ = benchlib.rss_mb()
    app, spent, collecting = build(n, how)
    gc.collect()
    after, _ = benchlib.rss_mb()
    fills = len(benchlib.state_of(app.ledger).fills)
    us_per_fill = spent / fills * 1e6
    return {
        "us_per_fill": us_per_fill,
        "us_per_fill_collector_charged": (spent + collecting) / fills * 1e6,
        "bytes_per_position": (after - before) * 2**20 / n,
        "over_reference": us_per_fill / reference(fills),
    }


def page() -> dict[str, float]:
    """The signed first page (limit 100) against the bare route of the same size, asked with the same signed request
    (the bare route ignores its headers) and, as before issue 50's page step, with none."""
    import httpx
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route

    app, _, _ = build(PAGE_POSITIONS, "batch")
    key, _, public_pem = benchlib.new_rsa_key()
    app.control.create_key(USER, public_key_pem=public_pem, key_id=benchlib.KEY_ID)
    signer = benchlib.signer(key)
    url = f"{benchlib.POSITIONS_PATH}?limit=100"
    loop = asyncio.new_event_loop()

    def timed(client: httpx.AsyncClient, signed: bool) -> tuple[float, int]:
        times, size = [], 0
        for _ in range(PAGE_REPS):
            headers = signer.headers("GET", benchlib.POSITIONS_PATH) if signed else {}
            started = time.perf_counter()
            response = loop.run_until_complete(client.get(url, headers=headers))
            times.append(time.perf_counter() - started)
            assert response.status_code == 200, response.text
            size = len(response.content)
        return statistics.median(times), size

    mock = httpx.AsyncClient(transport=httpx.ASGITransport(app=app.asgi), base_url="http://127.0.0.1")
    served, size = timed(mock, True)
    body = b"x" * size

    async def bare_page(request: Any) -> Response:
        return Response(body, media_type="application/json")

    bare = Starlette(routes=[Route(benchlib.POSITIONS_PATH, bare_page, methods=["GET"])])
    floor_client = httpx.AsyncClient(transport=httpx.ASGITransport(app=bare), base_url="http://127.0.0.1")
    floor, _ = timed(floor_client, True)
    unsigned, _ = timed(floor_client, False)
    for client in (mock, floor_client):
        loop.run_until_complete(client.aclose())
    loop.close()
    return {
        "page_ms": served * 1e3, "floor_ms": floor * 1e3, "page_over_floor": served / floor,
        "unsigned_floor_ms": unsigned * 1e3, "page_over_unsigned_floor": served / unsigned,
    }  # fmt: skip


def child(opts: argparse.Namespace) -> None:
    measured = page() if opts.child == "page" else seeding(opts.positions, opts.child)
    print(json.dumps(measured))


def run(tree: Path, what: str, positions: int) -> dict[str, float]:
    return benchlib.run_in_tree(__file__, tree, ["--child", what, "--positions", str(positions)])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--before", type=Path, help="the other tree (a checkout or an unpacked `git archive`)")
    p.add_argument("--positions", type=int, default=200_000, help="positions seeded per measurement (200,000)")
    p.add_argument("--rounds", type=int, default=3, help="measurements per tree and path (3)")
    p.add_argument("--child", choices=["single", "batch", "page"], help=argparse.SUPPRESS)
    opts = p.parse_args()
    if opts.child:
        return child(opts)
    if opts.before is None:
        p.error("--before is required: the tree to compare this one with")
    trees = {"before": opts.before.resolve(), "after": TREE}
    figures: dict[tuple[str, str], list[dict[str, float]]] = {}
    for round_ in range(opts.rounds):
        for what in ("single", "batch", "page"):
            for name, tree in trees.items():
                measured = run(tree, what, opts.positions)
                figures.setdefault((name, what), []).append(measured)
                print(f"round {round_ + 1}, {what:6} {name:6} {measured}", flush=True)
    report(figures, opts.positions)


def report(figures: dict[tuple[str, str], list[dict[str, float]]], positions: int) -> None:
    def median(name: str, what: str, key: str) -> float:
        return statistics.median(m[key] for m in figures[(name, what)])

    print(f"\nmedians, {positions:,} positions:")
    print(f"{'figure':46} {'before':>10} {'after':>10} {'after/before':>13}")
    rows = [
        ("a fill alone, apply_fill (us/fill)", "single", "us_per_fill"),
        ("a fill in a batch, apply_fills (us/fill)", "batch", "us_per_fill"),
        ("memory per position, batch-seeded (bytes)", "batch", "bytes_per_position"),
        ("memory per position, fill by fill (bytes)", "single", "bytes_per_position"),
        ("signed 100-row page / bare route, same request", "page", "page_over_floor"),
        ("signed 100-row page / bare route, unsigned", "page", "page_over_unsigned_floor"),
        ("a fill alone / the reference workload", "single", "over_reference"),
        ("a fill in a batch / the reference workload", "batch", "over_reference"),
    ]
    for label, what, key in rows:
        before, after = median("before", what, key), median("after", what, key)
        print(f"{label:46} {before:10.2f} {after:10.2f} {after / before:13.2f}")
    for name in ("before", "after"):
        alone, batched = median(name, "single", "us_per_fill"), median(name, "batch", "us_per_fill")
        charged = [median(name, what, "us_per_fill_collector_charged") for what in ("single", "batch")]
        print(
            f"{name}: a fill alone takes {alone / batched:.2f}x a fill in a batch; "
            f"{charged[0] / charged[1]:.2f}x with the collector charged to the ledger in both (Collector)"
        )


if __name__ == "__main__":
    main()
