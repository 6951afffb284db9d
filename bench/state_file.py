"""What a state file (`--state`, mockexchange.state) costs: fills per second with and without one, through the Python
API and through the admin API over HTTP (the ratio is the figure to read); the restart time of a state of 100,000 and
of 1,000,000 fills, from the snapshot a clean stop keeps and from the commands alone (as after `kill -9`); the file's
size per fill.

    .venv/bin/python bench/state_file.py                 # throughput, then restarts at 100k and 1M fills
    .venv/bin/python bench/state_file.py --quick         # smaller throughput runs, restarts at 100k only
    .venv/bin/python bench/state_file.py --sizes 20000   # restarts of a 20k-fill state only
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mockexchange.server import MockServer  # noqa: E402


def _fill_args(i: int) -> tuple:
    # 1,000 markets, buys and sells: positions open, grow, shrink and flip, as a busy sandbox's do.
    return ("alice", f"KXBENCH-{i % 100}-{i % 1000}", "yes", "buy" if i % 3 else "sell", "1", f"0.{10 + i % 80}")


def _python_rate(state: str | None, synchronous: str, count: int) -> float:
    with MockServer(state=state, state_synchronous=synchronous) as mock:
        mock.create_account("alice", balance_cents=10**9)
        started = time.perf_counter()
        for i in range(count):
            mock.fill(*_fill_args(i))
        return count / (time.perf_counter() - started)


def _admin_rate(state: str | None, synchronous: str, count: int) -> float:
    with (
        MockServer(state=state, state_synchronous=synchronous) as mock,
        httpx.Client(base_url=mock.base_url + "/_admin") as client,
    ):
        mock.create_account("alice", balance_cents=10**9)
        names = ("user_id", "ticker", "side", "action", "count", "price")
        bodies = [dict(zip(names, _fill_args(i), strict=True)) for i in range(count)]
        started = time.perf_counter()
        for body in bodies:
            client.post("/fills", json=body).raise_for_status()
        return count / (time.perf_counter() - started)


def _throughput(name: str, measure: Callable[[str | None, str, int], float], count: int, rounds: int) -> None:
    rates: dict[str, list[float]] = {"none": [], "normal": [], "full": []}
    with tempfile.TemporaryDirectory() as folder:
        for n in range(rounds):  # interleaved, so drift on a shared machine hits every variant alike
            rates["none"].append(measure(None, "normal", count))
            for synchronous in ("normal", "full"):
                path = os.path.join(folder, f"{synchronous}-{n}.db")
                rates[synchronous].append(measure(path, synchronous, count))
    base = statistics.median(rates["none"])
    print(f"{name}: {count} fills x {rounds} rounds (median fills/s)")
    print(f"  no state file           {base:9.0f}")
    for synchronous in ("normal", "full"):
        rate = statistics.median(rates[synchronous])
        print(f"  --state (sync {synchronous:6}) {rate:9.0f}   ratio {rate / base:.2f}x")


def _restart(size: int, folder: str) -> None:
    path = os.path.join(folder, f"state-{size}.db")
    started = time.perf_counter()
    with MockServer(state=path) as mock:
        mock.create_account("alice", balance_cents=10**12)
        for i in range(size):
            mock.fill(*_fill_args(i))
        built = time.perf_counter() - started
        stop_started = time.perf_counter()
    stopped = time.perf_counter() - stop_started  # the snapshot a clean stop keeps
    with_snapshot = os.path.getsize(path)
    started = time.perf_counter()
    with MockServer(state=path) as mock:
        from_snapshot = time.perf_counter() - started
        assert len(mock.app.ledger.state.fills) == size
        assert mock.app.persistence is not None and mock.app.persistence.status()["restored_commands"] == 0
    db = sqlite3.connect(path)
    db.execute("DELETE FROM snapshots")
    db.commit()
    db.execute("VACUUM")
    db.close()
    commands_only = os.path.getsize(path)
    started = time.perf_counter()
    with MockServer(state=path) as mock:
        replayed = time.perf_counter() - started
        assert len(mock.app.ledger.state.fills) == size
    print(f"state of {size:,} fills: built in {built:.1f}s (Python API, --state), clean stop {stopped:.1f}s")
    print(f"  restart from the snapshot      {from_snapshot:7.2f}s")
    print(f"  restart from the commands only {replayed:7.2f}s  (as after kill -9 with no snapshot)")
    print(f"  file: {commands_only / size:.0f} B per fill (commands), {with_snapshot / size:.0f} B with the snapshot")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2,000-fill throughput runs, restarts at 100k only")
    parser.add_argument("--rounds", type=int, default=3, help="throughput rounds per variant (default: 3)")
    parser.add_argument("--sizes", type=int, nargs="*", help="state sizes of the restart runs (default: 100k 1M)")
    parser.add_argument("--only", choices=("throughput", "restart"), help="one part only")
    args = parser.parse_args()
    python_count, admin_count = (5_000, 1_000) if args.quick else (20_000, 3_000)
    sizes = args.sizes or ([100_000] if args.quick else [100_000, 1_000_000])
    if args.only != "restart":
        _throughput("Python API (MockServer.fill)", _python_rate, python_count, args.rounds)
        _throughput("admin API (POST /_admin/fills, one keep-alive connection)", _admin_rate, admin_count, args.rounds)
    if args.only != "throughput":
        with tempfile.TemporaryDirectory() as folder:
            for size in sizes:
                _restart(size, folder)


if __name__ == "__main__":
    main()
