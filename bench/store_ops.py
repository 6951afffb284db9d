"""The position store's part of a fill (issue 50, "Keeping a position"): what opening, finding, moving and keeping a
market position row costs, for this tree and another one (`--before`).

    .venv/bin/python bench/store_ops.py --before /tmp/before              # instructions an operation (valgrind, ~2 min)
    .venv/bin/python bench/store_ops.py --before /tmp/before --holders 100
    .venv/bin/python bench/store_ops.py --build 200000 --before /tmp/before --rounds 2   # CPU to build 200,000 rows
    .venv/bin/python bench/store_ops.py --build 200000 --holders 100 --before /tmp/before --rounds 2

Instructions: each figure is the difference of two child runs under `valgrind --tool=cachegrind --cache-sim=no`
(`PYTHONHASHSEED=0`, the cyclic collector off), one that does the operations and one that does everything before them,
over the operations. The rows are `--rows` (20,000) positions of one account in markets of their own (`--holders K`:
K accounts, one row each in every market), ten markets an event, as page_scaling.py's build lays them out; the store
alone, called as the fill road calls it (`held`, `open_handle`, `update_held`; `holders` as a long command's
footprint asks, 10,000 markets at a time). A move either keeps the row's count mask (one part of its event's totals)
or changes it (two).

`--build N`: the CPU (`time.process_time`) to build N positions through `apply_fills` in batches of 10,000, as
page_scaling.py's `--memory-breakdown` builds them (`seed_in_batches`: one account, its own market each, a tenth of
the positions closed by a second fill; `--holders K`: K accounts a market), the state file and the journal off; each
tree in a child process of its own, the trees in turn, `--rounds` times.
"""

from __future__ import annotations

import argparse
import gc
import inspect
import os
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
STEPS = (
    "find none", "open", "find one", "move (mask changes)", "move (mask kept)", "holders (a market)",
    "a page of 100 rows", "an event's roll-up",
)  # fmt: skip
PAGES = 20
OPENED = (100, 5_000_000, 5_000_000, 0, 10_000, 100)  # positions.Cells: 1 contract bought for $5, fee 1 cent
CLOSED = (0, 0, 5_000_000, 100_000, 20_000, 200)  # sold again: the row's count mask changes
MOVED = (0, 0, 6_000_000, 150_000, 30_000, 300)  # traded again, its mask as it was


class _Place:
    __slots__ = ("ticker", "event_ticker", "exchange_index")

    def __init__(self, ticker: str, event_ticker: str, exchange_index: int) -> None:
        self.ticker, self.event_ticker, self.exchange_index = ticker, event_ticker, exchange_index


def operations(steps: int, rows: int, holders: int) -> None:
    """The first `steps` of STEPS, each over every row (a child run)."""
    from mockexchange.core.kalshi.row_filter import RowFilter
    from mockexchange.core.kalshi.store import PositionStore

    gc.disable()
    now = datetime(2026, 1, 1, tzinfo=UTC)
    users = [f"user-{i}" for i in range(holders)]
    places = [_Place(f"KXMEM-{k // 10:08d}-T{k % 10:07d}", f"KXMEM-{k // 10:08d}", 0) for k in range(rows // holders)]
    owned = [(users[i % holders], places[i // holders]) for i in range(rows)]
    tickers = [place.ticker for place in places]
    events = list(dict.fromkeys(place.event_ticker for place in places))
    positions = RowFilter.of(["position"], None)
    store = PositionStore()

    def footprint(batch: list[str]) -> set[str]:
        if any(p.kind is p.VAR_POSITIONAL for p in inspect.signature(store.holders).parameters.values()):
            return store.holders(*batch)
        touched: set[str] = set()
        for ticker in batch:  # (a tree whose store answers one market at a time: as its footprint asked)
            touched |= store.holders(ticker)
        return touched

    done = [
        lambda: [store.held(user, 0, place.ticker) for user, place in owned],
        lambda: [store.open_handle(user, 0, place, now, OPENED) for user, place in owned],
        lambda: [store.held(user, 0, place.ticker) for user, place in owned],
        lambda: [store.update_held(handle, now, CLOSED, False) for handle in range(rows)],
        lambda: [store.update_held(handle, now, MOVED, False) for handle in range(rows)],
        lambda: [footprint(tickers[at : at + 10_000]) for at in range(0, len(tickers), 10_000)],
        lambda: [store.page(users[0], 0, "unsettled", 100) for _ in range(PAGES)],
        lambda: [store.event_rollup(users[0], 0, "unsettled", event, keep=positions) for event in events],
    ]
    for step in done[:steps]:
        step()


def instructions(tree: Path, steps: int, rows: int, holders: int) -> int:
    env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONPATH": str(tree)}
    command = [
        "valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null", sys.executable,
        str(Path(__file__).resolve()), "--child-steps", str(steps), "--rows", str(rows), "--holders", str(holders),
    ]  # fmt: skip
    done = subprocess.run(command, env=env, cwd=tree, capture_output=True, text=True, check=False)
    found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    if done.returncode or found is None:
        raise SystemExit(f"{tree} failed:\n{done.stderr[-3000:]}")
    return int(found.group(1).replace(",", ""))


def per_operation(tree: Path, rows: int, holders: int) -> list[float]:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        counts = list(pool.map(lambda steps: instructions(tree, steps, rows, holders), range(len(STEPS) + 1)))
    markets = rows // holders
    per = [rows] * 5 + [markets, PAGES, len(range(0, markets, 10))]
    return [(counts[i + 1] - counts[i]) / per[i] for i in range(len(STEPS))]


def build(n: int, holders: int) -> None:
    """A child run: build n positions, print the CPU it took."""
    sys.path.insert(0, str(HERE))
    import benchlib
    from page_scaling import CLOSED_EVERY, seed_in_batches

    from mockexchange.app import build_app
    from mockexchange.core.clock import ManualClock
    from mockexchange.settings import Settings

    app = build_app(Settings(), clock=ManualClock(benchlib.FIXED_TIME), seed=7)
    for user_id in benchlib.holder_ids("memory", holders):
        app.control.create_account(user_id, balance_cents=10**12)
    started = time.process_time()
    seed_in_batches(app.ledger, "memory", n, prefix="KXMEM", closed_every=CLOSED_EVERY, holders=holders)
    print(time.process_time() - started)


def build_cpu(tree: Path, n: int, holders: int) -> float:
    command = [sys.executable, str(Path(__file__).resolve()), "--child-build", str(n), "--holders", str(holders)]
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(command, env=env, cwd=tree, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{tree} failed:\n{done.stderr[-3000:]}")
    return float(done.stdout.split()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--before", type=Path, help="another tree to compare this one with")
    p.add_argument("--rows", type=int, default=20_000, help="rows in the counted runs (20,000)")
    p.add_argument("--holders", type=int, default=1, help="accounts holding a row in each market (1)")
    p.add_argument("--build", type=int, metavar="N", help="time building N positions through apply_fills instead")
    p.add_argument("--rounds", type=int, default=2, help="with --build: rounds, the trees in turn (2)")
    p.add_argument("--child-steps", type=int, help=argparse.SUPPRESS)
    p.add_argument("--child-build", type=int, help=argparse.SUPPRESS)
    opts = p.parse_args()
    if opts.child_steps is not None:
        return operations(opts.child_steps, opts.rows, opts.holders)
    if opts.child_build is not None:
        return build(opts.child_build, opts.holders)
    trees = {"after": HERE.parent} if opts.before is None else {"before": opts.before.resolve(), "after": HERE.parent}
    if opts.build:
        cpu: dict[str, list[float]] = {name: [] for name in trees}
        for _ in range(opts.rounds):
            for name, tree in trees.items():
                cpu[name].append(build_cpu(tree, opts.build, opts.holders))
                print(f"{name}: {cpu[name][-1]:.2f} s", flush=True)
        print(f"CPU to build {opts.build:,} positions ({opts.holders} a market), s: ", end="")
        print("; ".join(f"{name} " + ", ".join(f"{s:.2f}" for s in runs) for name, runs in cpu.items()))
        return None
    figures = {name: per_operation(tree, opts.rows, opts.holders) for name, tree in trees.items()}
    print(f"\ninstructions an operation ({opts.rows:,} rows, {opts.holders} a market):")
    print(
        f"{'operation':24} " + " ".join(f"{name:>10}" for name in figures) + ("  after/before" if opts.before else "")
    )
    for i, step in enumerate(STEPS):
        line = f"{step:24} " + " ".join(f"{found[i]:>10,.0f}" for found in figures.values())
        if opts.before:
            line += f"  {figures['after'][i] / figures['before'][i]:12.2f}"
        print(line)
    return None


if __name__ == "__main__":
    main()
