"""What listing a market costs the core: `--markets` markets (10 to an event, as page_scaling.py's positions have them)
listed through `Catalogue.list_checked` as a batch of fills lists them (one instant, under the ledger's lock, nobody
subscribed), its CPU time a market (the least of three runs), and the bytes a listed market holds (tracemalloc: the
market, its id, its entries in the ledger's maps and its share of its event; its ticker, the caller's, not counted).
For this tree, and another one (`--before`) as ratios, each measurement a child process of its own, the trees in turn.

    .venv/bin/python bench/market_listing.py                           # this tree, 100,000 markets, 3 rounds
    .venv/bin/python bench/market_listing.py --before /tmp/base --rounds 5

Nothing is asserted.
"""

from __future__ import annotations

import gc
import json
import statistics
import time
import tracemalloc
from pathlib import Path

import benchlib

TREE = Path(__file__).resolve().parent.parent


def measure(n: int) -> dict[str, float]:
    from mockexchange.core.clock import ManualClock
    from mockexchange.core.ids import IdFactory
    from mockexchange.core.kalshi.ledger import Ledger

    tickers = [benchlib.position_key("KXLIST", i, 10)[1] for i in range(n)]
    best = float("inf")
    for run in range(3):
        ledger = Ledger(clock=ManualClock(benchlib.FIXED_TIME), ids=IdFactory(7))
        state, list_checked = ledger.state, ledger.catalogue.list_checked
        now = state.clock.now()
        gc.collect()
        gc.disable()
        if run == 0:
            tracemalloc.start(1)
        started = time.process_time()
        with state.lock:
            for ticker in tickers:
                list_checked(ticker, None, (), now=now)
        took = time.process_time() - started
        if run == 0:
            held = tracemalloc.get_traced_memory()[0]
            tracemalloc.stop()
        else:
            best = min(best, took)
        gc.enable()
    return {"us_a_market": best / n * 1e6, "bytes_a_market": held / n}


def main() -> None:
    p = benchlib.comparing(__doc__, 3)
    p.add_argument("--markets", type=int, default=100_000, help="markets listed (100,000)")
    opts = p.parse_args()
    if opts.child:
        print(json.dumps(measure(opts.markets)))
        return
    trees = benchlib.compared(opts, TREE)
    arguments = ["--child", "--markets", str(opts.markets)]
    figures = benchlib.in_rounds(trees, opts.rounds, lambda tree: benchlib.run_in_tree(__file__, tree, arguments))
    print(f"\nmedians of {opts.rounds} rounds, {opts.markets:,} markets:")
    for name, label in (("us_a_market", "CPU to list a market (us)"), ("bytes_a_market", "bytes a listed market")):
        medians = {tree: statistics.median(m[name] for m in figures[tree]) for tree in trees}
        ratio = f"{medians['after'] / medians['before']:12.2f}" if "before" in medians else ""
        print(f"{label:32}" + "".join(f"{v:12.2f}" for v in medians.values()) + ratio)


if __name__ == "__main__":
    main()
