"""Issue 45's third bound: while one signed Kalshi order sweeps a deep book, other clients' reads and the health check
are answered with a p99 under 100 ms; for this tree, and another one (`--before DIR`), in one command.

    .venv/bin/python bench/deep_sweep.py                          # this tree: 3 sweeps of 30,000 resting orders
    .venv/bin/python bench/deep_sweep.py --before /tmp/before     # both trees, sweep by sweep in turn
    .venv/bin/python bench/deep_sweep.py --orders 5000 --rounds 1 # a quick look
    .venv/bin/python bench/deep_sweep.py --attack queue --orders 20000 --before /tmp/before
                                                                  # the maker reads its orders' queue positions

The server is a child process (`PYTHONPATH` the tree measured) running a `MockServer` on a manual clock: a maker's
`--orders` one-contract asks at 0.50 on one market, seeded through the ledger, and two readers with a fill and a
resting order each on another market. This process is the clients: four threads read in a loop, each one thing (a
reader's balance and positions, signed; the other market's book; `/_admin/health`), first for `--baseline-s` seconds
with nothing else running (the baseline), then while the taker's one immediate-or-cancel order (signed) sweeps every
ask (`--attack queue`: while the maker reads where each of its asks stands, `GET /portfolio/orders/queue_positions`).
A read counts for the sweep if it began before the sweep's answer came. Figures per read: p50, p99 and max in ms,
beside the sweep's own time; p99 during the sweep over p99 at rest as a ratio. The book is filled again to `--orders`
asks before each round.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import benchlib
import httpx

TREE = Path(__file__).resolve().parent.parent
SWEPT, OTHER = "KXDEEP-26NOV-A", "KXCALM-26NOV-B"
READERS = ("carol", "dave")


# -- the server (a child process) -------------------------------------------------------------------------------


def serve(orders: int) -> None:
    from datetime import UTC, datetime

    from mockexchange.core.clock import ManualClock
    from mockexchange.server import MockServer

    with MockServer(clock=ManualClock(datetime(2026, 11, 25, 15, tzinfo=UTC))) as mock:
        mock.set_rate_limit_tier("off")
        for user in ("maker", "taker", *READERS):
            mock.create_account(user, balance_cents=100_000_000)
        mock.create_market(SWEPT)
        mock.create_market(OTHER)
        for user in READERS:
            mock.fill(user, OTHER, "yes", "buy", "3", "0.40")
            place(mock.ledger, user, OTHER, "buy", 200, 3000)
        keys = {user: mock.create_key(user) for user in ("maker", "taker", *READERS)}
        benchlib.answer({"base_url": mock.base_url, "kalshi_url": mock.kalshi_url,
                         "keys": {u: [k["key_id"], k["private_key_pem"]] for u, k in keys.items()}})  # fmt: skip
        for line in sys.stdin:  # each line: fill the book again (a sweep emptied it, a read left it)
            json.loads(line)
            book = benchlib.state_of(mock.ledger).markets[SWEPT].book
            for _ in range(orders - (len(book) if book is not None else 0)):
                place(mock.ledger, "maker", SWEPT, "sell", 100, 5000)
            benchlib.answer({"seeded": orders})


def place(ledger: Any, user: str, ticker: str, action: str, count: int, yes_price: int) -> None:
    """A good-till-canceled YES order of `count` hundredths at `yes_price` (ten-thousandths), through the ledger: a
    typed command in this tree, plain arguments in a tree from before the commands (`--before`)."""
    trading = benchlib.part(ledger, "trading")
    try:
        from mockexchange.core.kalshi.order_commands import PlaceOrder
    except ImportError:
        trading.submit_order(user, ticker, "yes", action, count, yes_price)
        return
    trading.submit_order(PlaceOrder(
        user_id=user, ticker=ticker, side="yes", action=action, count=count, price=yes_price,
        time_in_force="good_till_canceled", self_trade_prevention_type="taker_at_cross",
    ))  # fmt: skip


# -- the clients (this process) ---------------------------------------------------------------------------------


class Reads:
    """Four reading threads, each timing its requests: (started, took) per read."""

    def __init__(self, server: dict[str, Any]) -> None:
        from mockexchange.testing.signing import KalshiAuth, KalshiSigner

        def signed(user: str) -> httpx.Client:
            key_id, pem = server["keys"][user]
            auth = KalshiAuth(KalshiSigner.from_pem(key_id, pem))
            return httpx.Client(base_url=server["kalshi_url"], auth=auth, timeout=60)

        self.taker, self.maker = signed("taker"), signed("maker")
        self.reads = {
            "balance": (signed("carol"), "/portfolio/balance"),
            "positions": (signed("dave"), "/portfolio/positions"),
            "book": (httpx.Client(base_url=server["kalshi_url"], timeout=60), f"/markets/{OTHER}/orderbook"),
            "health": (httpx.Client(base_url=server["base_url"], timeout=60), "/_admin/health"),
        }
        self.timed: dict[str, list[tuple[float, float]]] = {name: [] for name in self.reads}
        self._stop = threading.Event()

    def _loop(self, name: str) -> None:
        client, path = self.reads[name]
        while not self._stop.is_set():
            started = time.perf_counter()
            assert client.get(path).status_code == 200
            self.timed[name].append((started, time.perf_counter() - started))

    def run(self, during: Any) -> tuple[float, float]:
        """The readers run while `during()` does; (its start, its end)."""
        self._stop.clear()
        for timed in self.timed.values():
            timed.clear()
        threads = [threading.Thread(target=self._loop, args=(name,)) for name in self.reads]
        for thread in threads:
            thread.start()
        start = time.perf_counter()
        during()
        end = time.perf_counter()
        self._stop.set()
        for thread in threads:
            thread.join()
        return start, end

    def figures(self, start: float, end: float) -> dict[str, float]:
        found: dict[str, float] = {}
        for name, timed in self.timed.items():
            took = sorted(t for began, t in timed if start <= began < end)
            if took:
                p50, p99 = benchlib.percentile(took, 50), benchlib.percentile(took, 99)
                found |= {f"{name}_p50": 1000 * p50, f"{name}_p99": 1000 * p99, f"{name}_max": 1000 * took[-1]}
        return found


def sweep(taker: httpx.Client, orders: int) -> None:
    """The taker's one order that sweeps every ask."""
    body = {"ticker": SWEPT, "side": "bid", "count": str(orders), "price": "0.50",
            "time_in_force": "immediate_or_cancel", "self_trade_prevention_type": "taker_at_cross"}  # fmt: skip
    r = taker.post("/portfolio/events/orders", json=body)
    assert r.status_code == 201 and float(r.json()["fill_count"]) == orders, r.text


def queue(maker: httpx.Client, orders: int) -> None:
    """The maker's read of where each of its asks stands in its queue."""
    r = maker.get("/portfolio/orders/queue_positions")
    assert r.status_code == 200 and len(r.json()["queue_positions"]) == orders, r.text[:200]


def measure(tree: Path, opts: argparse.Namespace) -> list[dict[str, float]]:
    """Each round's figures for one tree: its baseline, then its sweep."""
    env = benchlib.tree_env(tree)
    command = [sys.executable, str(Path(__file__).resolve()), "--serve", str(opts.orders)]
    child = subprocess.Popen(command, env=env, cwd=tree, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert child.stdin is not None and child.stdout is not None
    try:
        reads = Reads(json.loads(child.stdout.readline()))
        rounds = []
        for _ in range(opts.rounds):
            child.stdin.write("{}\n")
            child.stdin.flush()
            json.loads(child.stdout.readline())
            base = reads.figures(*reads.run(lambda: time.sleep(opts.baseline_s)))
            if opts.attack == "queue":
                start, end = reads.run(lambda: queue(reads.maker, opts.orders))
            else:
                start, end = reads.run(lambda: sweep(reads.taker, opts.orders))
            during = reads.figures(start, end)
            rounds.append({"sweep_ms": 1000 * (end - start), **{f"rest_{k}": v for k, v in base.items()}, **during})
            print(f"{tree.name or tree}: " + " ".join(f"{k}={v:.1f}" for k, v in rounds[-1].items()), flush=True)
        return rounds
    finally:
        child.stdin.close()
        child.wait(60)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=30_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline-s", type=float, default=2.0)
    parser.add_argument("--attack", choices=("sweep", "queue"), default="sweep")
    parser.add_argument("--before", type=Path, help="another tree (git worktree add --detach DIR REV)")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    opts = parser.parse_args(argv)
    if opts.serve is not None:
        serve(opts.serve)
        return
    trees = {"this": TREE, **({"before": opts.before} if opts.before else {})}
    results = {name: measure(tree, opts) for name, tree in trees.items()}
    print()
    for name, rounds in results.items():
        medians = {key: benchlib.median([r[key] for r in rounds if key in r]) for key in rounds[0]}
        print(f"{name} (medians of {len(rounds)}):")
        what = "queue positions read" if opts.attack == "queue" else "sweep"
        print(f"  {what} of {opts.orders:,} resting orders: {medians['sweep_ms']:.0f} ms")
        for read in ("balance", "positions", "book", "health"):
            rest, during = medians.get(f"rest_{read}_p99"), medians.get(f"{read}_p99")
            if rest is None or during is None:
                print(f"  {read:9}: no read began during the sweep (each waited for it whole)")
                continue
            print(f"  {read:9}: p99 {during:7.1f} ms during the sweep (p50 {medians[f'{read}_p50']:.1f}, max "
                  f"{medians[f'{read}_max']:.1f}), {rest:.1f} at rest: x{during / rest:.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
