"""What a Deribit order costs beside the wallet's open orders (each order once rescanned them: their margin, and every
account's for the triggers waiting): the CPU time of 300 client orders beside an empty wallet and beside 4,800 open
orders of its own, and of seeding 16,000 orders through the control plane as a scenario does; for this tree, and
another one (`--before`) as ratios.

    .venv/bin/python bench/deribit_open_orders.py                         # this tree, 3 rounds
    .venv/bin/python bench/deribit_open_orders.py --before /tmp/before-d  # both trees in turn

The 300 orders are `private/buy` resting limit orders on BTC-PERPETUAL (funds checked: the account summary, with its
open orders' margin, is worked out for each), below the index so none trades, handed straight to the app's ASGI
callable with one `Authorization: Bearer` token (as deribit_order_cost.py does). Beside: 4,800 open orders of the same
wallet seeded first through the control plane, 480 on each of 10 dated futures (an account holds at most 500 open
orders on one instrument). The seed: 16,000 resting orders of one account through the control plane's
`deribit_order`, 500 on each of 32 dated futures. Each figure is the process's CPU time over the whole run, each
measurement a child process of its own (`PYTHONPATH` the tree measured), the medians of the rounds reported.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import benchlib

TREE = Path(__file__).resolve().parent.parent
USER = "bench"
BUY_PATH = "/api/v2/private/buy"
ORDERS, BESIDE, SEEDED, PER_INSTRUMENT = 300, 4_800, 16_000, 500


def _futures(count: int) -> list[str]:
    """`count` dated BTC futures a day apart, from a month on."""
    return [f"BTC-{benchlib.FIXED_TIME.date() + timedelta(days=30 + n):%-d%b%y}".upper() for n in range(count)]


def _app() -> Any:
    from mockexchange.app import build_app
    from mockexchange.core.clock import ManualClock
    from mockexchange.settings import Settings

    app = build_app(Settings(), clock=ManualClock(benchlib.FIXED_TIME), seed=7)
    app.control.create_deribit_account(USER, balances={"BTC": "100000"})
    return app


def _seed(app: Any, count: int, per_instrument: int) -> None:
    """`count` resting buys of the account through the control plane, `per_instrument` on each dated future."""
    names = _futures(-(-count // per_instrument))
    for n in range(count):
        app.control.deribit_order(USER, names[n // per_instrument], "buy", "10", str(30000 + 5 * (n % per_instrument)))


def _orders(app: Any, count: int) -> float:
    """The CPU seconds `count` client orders (resting buys) take."""
    key = app.control.create_deribit_key(USER)
    loop = asyncio.new_event_loop()
    auth = f"grant_type=client_credentials&client_id={key['client_id']}&client_secret={key['client_secret']}"
    status, body = loop.run_until_complete(benchlib.asgi_call(app.asgi, "GET", "/api/v2/public/auth", auth.encode(),
                                                              {}, b""))  # fmt: skip
    assert status == 200, body
    token = json.loads(body)["result"]["access_token"]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    bodies = [
        json.dumps({"jsonrpc": "2.0", "id": n, "method": "private/buy", "params": {
            "instrument_name": "BTC-PERPETUAL", "amount": 10, "type": "limit", "price": 40000 + 5 * n,
        }}).encode()
        for n in range(count)
    ]  # fmt: skip
    started = time.process_time()
    for body in bodies:
        status, answered = loop.run_until_complete(benchlib.asgi_call(app.asgi, "POST", BUY_PATH, b"", headers, body))
        assert status == 200 and b'"open"' in answered, answered[:300]
    spent = time.process_time() - started
    loop.close()
    return spent


def measure() -> dict[str, float]:
    alone = _orders(_app(), ORDERS)
    app = _app()
    _seed(app, BESIDE, BESIDE // 10)
    beside = _orders(app, ORDERS)
    app = _app()
    started = time.process_time()
    _seed(app, SEEDED, PER_INSTRUMENT)
    seeded = time.process_time() - started
    return {"alone_s": alone, "beside_s": beside, "beside_over_alone": beside / alone, "seed_s": seeded}


ROWS = [
    (f"{ORDERS} orders, an empty wallet (CPU s)", "alone_s"),
    (f"{ORDERS} orders beside {BESIDE:,} open (CPU s)", "beside_s"),
    ("  beside / empty", "beside_over_alone"),
    (f"seeding {SEEDED:,} orders (CPU s)", "seed_s"),
]


def report(figures: dict[str, list[dict[str, Any]]]) -> None:
    names = list(figures)
    print(f"\nmedians of {len(figures[names[0]])} rounds:")
    print(f"{'figure':45}" + "".join(f"{n:>10}" for n in names) + ("       after/before" if len(names) == 2 else ""))
    for label, key in ROWS:
        values = [statistics.median(m[key] for m in figures[n]) for n in names]
        ratio = f"{values[1] / values[0]:>19.3f}" if len(values) == 2 else ""
        print(f"{label:45}" + "".join(f"{v:>10.2f}" for v in values) + ratio)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--before", type=Path, help="another tree to compare this one with (a worktree or a `git archive`)")
    p.add_argument("--rounds", type=int, default=3, help="measurements per tree (3)")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    opts = p.parse_args()
    if opts.child:
        print(json.dumps(measure()))
        return
    trees = {"after": TREE} if opts.before is None else {"before": opts.before.resolve(), "after": TREE}
    report(benchlib.in_rounds(trees, opts.rounds, lambda tree: benchlib.run_in_tree(__file__, tree, ["--child"])))


if __name__ == "__main__":
    main()
