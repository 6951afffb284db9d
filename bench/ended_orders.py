"""What a flood of Kalshi orders leaves in the mock's memory: one account's signed immediate-or-cancel orders (each
ends at once, cancelled: its market has no book, so nothing fills and no fill is kept), and the memory the server's
Python objects hold after 1x and 2x the orders (tracemalloc, after a collection) and its RSS; for this tree and another
(`--before DIR`) as ratios.

    .venv/bin/python bench/ended_orders.py                                # this tree: 12,000 orders a step (~1 min)
    git worktree add --detach /tmp/before 2041d41                         # the tree before ended orders were bounded
    .venv/bin/python bench/ended_orders.py --before /tmp/before           # both trees in turn (~2 min)
    .venv/bin/python bench/ended_orders.py --before /tmp/before --orders 30000 --kept 1000

Each tree runs in a child process of its own (`PYTHONPATH=<tree>`). A request is handed straight to the app `build_app`
makes (no sockets), signed as a client signs it (signed again every 1,000 requests, within the timestamp window); the
journal keeps nothing (`journal_size=0`, so only the orders' state grows), and the exchange clock stands still. The
figures: the traced memory after the first `--orders` over what it was before them, the same after as many again, and
their ratio (2x over 1x: 2.0 when every ended order is kept, about 1.0 when an account keeps a bounded number);
the bytes each order of the second step added; and the RSS at each step. `--kept`: the ended orders an account keeps
(`Settings.kalshi_ended_orders`, default 10,000), given to a tree that has the setting.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import tracemalloc
from decimal import Decimal
from pathlib import Path
from typing import Any

import benchlib

TREE = Path(__file__).resolve().parent.parent
USER = "bench"
CREATE_PATH = "/trade-api/v2/portfolio/events/orders"
TICKER = "KXBENCHEND-26NOV-A"  # listed with no book: every immediate-or-cancel order ends at once, unfilled
BODY = json.dumps(
    {"ticker": TICKER, "side": "bid", "count": "1", "price": "0.45", "time_in_force": "immediate_or_cancel",
     "self_trade_prevention_type": "taker_at_cross"}
).encode()  # fmt: skip
SIGNED_FOR = 1_000  # requests each signature serves


def measure(orders: int, kept: int | None) -> dict[str, float]:
    from mockexchange.app import build_app
    from mockexchange.core.clock import ManualClock
    from mockexchange.settings import Settings

    fields: dict[str, Any] = {"journal_size": 0}
    if kept is not None and "kalshi_ended_orders" in Settings.__dataclass_fields__:
        fields["kalshi_ended_orders"] = kept
    app = build_app(Settings(**fields), clock=ManualClock(benchlib.FIXED_TIME), seed=7)
    app.ledger.open_account(USER, balance=Decimal(1000))
    app.control.create_market(TICKER)
    key, _, public_pem = benchlib.new_rsa_key()
    app.control.create_key(USER, public_key_pem=public_pem, key_id=benchlib.KEY_ID)
    signer = benchlib.signer(key)
    loop = asyncio.new_event_loop()

    async def flood(count: int) -> None:
        for i in range(count):
            if i % SIGNED_FOR == 0:
                headers = {**signer.headers("POST", CREATE_PATH), "Content-Type": "application/json"}
            status, answer = await benchlib.asgi_call(app.asgi, "POST", CREATE_PATH, b"", headers, BODY)
            assert status == 201 and b'"remaining_count":"0.00"' in answer, answer  # (ended)

    loop.run_until_complete(flood(100))  # what a first order makes once (the market's row, caches) is not counted
    tracemalloc.start()
    figures: dict[str, float] = {}
    base = _traced()
    for step in (1, 2):
        loop.run_until_complete(flood(orders))
        figures[f"traced_{step}x_mb"] = (_traced() - base) / 2**20
        figures[f"rss_{step}x_mb"] = benchlib.rss_mb()[0]
    loop.close()
    figures["growth_ratio"] = figures["traced_2x_mb"] / figures["traced_1x_mb"]
    figures["bytes_per_order_2nd"] = (figures["traced_2x_mb"] - figures["traced_1x_mb"]) * 2**20 / orders
    return figures


def _traced() -> int:
    gc.collect()
    return tracemalloc.get_traced_memory()[0]


def run(tree: Path, orders: int, kept: int | None) -> dict[str, float]:
    arguments = ["--child", "--orders", str(orders)] + (["--kept", str(kept)] if kept is not None else [])
    return benchlib.run_in_tree(__file__, tree, arguments)


ROWS = [
    ("traced memory after 1x the orders (MiB)", "traced_1x_mb"),
    ("traced memory after 2x the orders (MiB)", "traced_2x_mb"),
    ("  2x / 1x", "growth_ratio"),
    ("bytes each order of the 2nd step added", "bytes_per_order_2nd"),
    ("RSS after 1x (MiB)", "rss_1x_mb"),
    ("RSS after 2x (MiB)", "rss_2x_mb"),
]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--orders", type=int, default=12_000, help="orders a step (12000)")
    p.add_argument("--kept", type=int, help="ended orders an account keeps, where the tree has the setting")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--before", type=Path, help="another tree to compare this one with (a worktree or a `git archive`)")
    p.add_argument("--rounds", type=int, default=1, help="measurements per tree (1)")
    opts = p.parse_args()
    if opts.child:
        print(json.dumps(measure(opts.orders, opts.kept)))
        return
    trees = {"after": TREE} if opts.before is None else {"before": opts.before.resolve(), "after": TREE}
    figures = benchlib.in_rounds(trees, opts.rounds, lambda tree: run(tree, opts.orders, opts.kept))
    names = list(figures)
    print(f"\n{opts.orders} orders a step, medians of {opts.rounds} round(s):")
    ratio = f" {'after/before':>13}" if len(names) > 1 else ""
    print(f"{'figure':42} " + " ".join(f"{n:>10}" for n in names) + ratio)
    for label, key in ROWS:
        values = [statistics.median(m[key] for m in figures[name]) for name in names]
        line = f"{label:42} " + " ".join(f"{v:10.2f}" for v in values)
        if len(names) > 1 and values[0]:
            line += f" {values[1] / values[0]:13.2f}"
        print(line)


if __name__ == "__main__":
    main()
