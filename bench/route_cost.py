"""What a Kalshi request costs on its road through the routes: a signed 100-row positions page, a signed write (`PUT
/portfolio/subaccounts/netting`, a body read, decoded and run as a control-plane command), a signed order create that
crosses one level (its ratio to the positions page: issue 28's bound is 3) and the public 100-market `GET /markets`
page, each against a bare Starlette route answering as many bytes; for this tree, and another one
(`--before`) as ratios. The markets page's ratio to its bare route over the positions page's (the ratio of ratios)
says whether a market page is dearer against the bare route than a positions page.

    .venv/bin/python bench/route_cost.py                             # this tree: 5 rounds of 300 requests a figure
    git worktree add --detach /tmp/before 26ce5d5                    # the tree before the one route table
    .venv/bin/python bench/route_cost.py --before /tmp/before        # both trees in turn (~1 minute)
    .venv/bin/python bench/route_cost.py --before /tmp/before --rounds 9 --requests 1000

Every measurement runs in a child process of its own (`PYTHONPATH=<tree>`), the two trees in turn (each round
starting with the other), round after round, so noise on a shared machine falls on both alike; the medians are
reported. A request is handed straight to the app `build_app` makes, as a server hands it (no sockets, no client
library: the figure is the app's own work, the signature check included), on an account of 1,000 positions, its page
served from the render cache as a client asking again would find it. The markets (`--markets`, 1,000) are listed
through the control plane (`benchlib.seed_markets`: series, events, markets with their rules and strikes, the house's
books, fills of another account over two days of the exchange clock), and the page is their first 100 (a tree without
markets measures none). The figure is the process's CPU time per request
(every thread's: a write runs in a worker thread) in the least disturbed batch of 50, which a loaded machine disturbs
less than wall time. The mock runs without a state file and with its request journal off (`benchlib.quiet_settings`).
Each request type is signed once, just before its run (the mock keeps no replay cache unless
told to). The floor is a bare Starlette route answering the same bytes (for the write: reading the body first).
"""

from __future__ import annotations

import argparse
import json
import statistics
from decimal import Decimal
from pathlib import Path
from typing import Any

import benchlib

HERE = Path(__file__).resolve().parent
TREE = HERE.parent
USER = "bench"
TRADER = "bench-trader"  # the markets' fills (the positions page stays USER's 1,000 rows)
MARKETS_PATH = "/trade-api/v2/markets"
NETTING_PATH = "/trade-api/v2/portfolio/subaccounts/netting"
NETTING_BODY = b'{"subaccount_number": 0, "enabled": true}'
CREATE_PATH = "/trade-api/v2/portfolio/events/orders"
CROSSED = "KXBENCHORD-26NOV-A"  # the house's YES ask at 0.45 holds a million contracts: each create takes one of them
CREATE_BODY = json.dumps(
    {
        "ticker": CROSSED,
        "side": "bid",
        "count": "1",
        "price": "0.45",
        "time_in_force": "immediate_or_cancel",
        "self_trade_prevention_type": "taker_at_cross",
    }
).encode()


def bench_app(markets: int, public_pem: str) -> Any:
    """The app every figure is measured on: USER's 1,000 positions and its key (`public_pem`), and `markets` markets
    listed (none in a tree without markets)."""
    from mockexchange.app import build_app
    from mockexchange.core.clock import ManualClock

    clock = ManualClock(benchlib.FIXED_TIME)
    app = build_app(benchlib.quiet_settings(), clock=clock, seed=7)
    app.ledger.open_account(USER, balance=Decimal(10**6))
    benchlib.seed_positions(app.ledger, USER, 1_000, prefix="KXBENCH")
    if markets > 0 and hasattr(app.control, "set_book"):
        app.ledger.open_account(TRADER, balance=Decimal(10**7))
        benchlib.seed_markets(app.control, TRADER, markets, clock=clock)
    app.control.create_key(USER, public_key_pem=public_pem, key_id=benchlib.KEY_ID)
    return app


def measure(requests: int, markets: int) -> dict[str, float]:
    key, _, public_pem = benchlib.new_rsa_key()
    app = bench_app(markets, public_pem)
    with_markets = markets > 0 and hasattr(app.control, "set_book")
    timer = benchlib.Timer(benchlib.signer(key), requests)

    page, page_bytes = timer.timed(app.asgi, "GET", benchlib.POSITIONS_PATH, b"limit=100", b"")
    write, write_bytes = timer.timed(app.asgi, "PUT", NETTING_PATH, b"", NETTING_BODY)
    bare = {("GET", benchlib.POSITIONS_PATH): (200, page_bytes), ("PUT", NETTING_PATH): (200, write_bytes)}
    figures: dict[str, float] = {"page_us": page * 1e6, "write_us": write * 1e6}
    if hasattr(app.control, "place_order"):  # (a tree before issue 28 has no orders)
        figures.update(create_figures(app, timer, bare, page))
    if with_markets:
        figures.update(markets_figures(app, timer, bare))
    floor = benchlib.bare_app(bare)
    figures["page_over_floor"] = page / timer.timed(floor, "GET", benchlib.POSITIONS_PATH, b"limit=100", b"")[0]
    figures["write_over_floor"] = write / timer.timed(floor, "PUT", NETTING_PATH, b"", NETTING_BODY)[0]
    if "create_us" in figures:
        create_floor = timer.timed(floor, "POST", CREATE_PATH, b"", CREATE_BODY, ok=201)[0]
        figures["create_over_floor"] = figures["create_us"] / 1e6 / create_floor
    if with_markets:
        markets_floor = timer.timed(floor, "GET", MARKETS_PATH, b"limit=100", b"", signed=False)[0]
        figures["markets_floor_us"] = markets_floor * 1e6
        figures["markets_over_floor"] = figures["markets_us"] / 1e6 / markets_floor
        figures["markets_vs_page"] = figures["markets_over_floor"] / figures["page_over_floor"]
        if "changed_us" in figures:
            figures["changed_over_floor"] = figures["changed_us"] / 1e6 / markets_floor
    timer.loop.close()
    return figures


def create_figures(
    app: Any, timer: benchlib.Timer, bare: dict[tuple[str, str], tuple[int, bytes]], page: float
) -> dict:
    """A signed immediate-or-cancel bid for 1 at 0.45 that crosses one level (the house's YES ask) and fills there:
    its check, the match, both fills down the money road, the trade and the answer; against the positions page."""
    app.control.create_market(CROSSED)
    app.control.set_book(CROSSED, no=[["0.55", "1000000"]])
    create, create_bytes = timer.timed(app.asgi, "POST", CREATE_PATH, b"", CREATE_BODY, ok=201)
    assert json.loads(create_bytes)["fill_count"] == "1.00", create_bytes
    bare[("POST", CREATE_PATH)] = (201, create_bytes)
    return {"create_us": create * 1e6, "create_over_page": create / page}


def markets_figures(app: Any, timer: benchlib.Timer, bare: dict[tuple[str, str], tuple[int, bytes]]) -> dict:
    """The public 100-market page, and the same page after a change elsewhere (a market off the page moved: the page
    is walked and spliced again from its markets' kept fragments), as a client polling while books move finds it:
    `markets_version` moved by hand before each request, so the change's own cost is not counted."""
    market_page, market_bytes = timer.timed(app.asgi, "GET", MARKETS_PATH, b"limit=100", b"", signed=False)
    assert len(json.loads(market_bytes)["markets"]) == 100
    bare[("GET", MARKETS_PATH)] = (200, market_bytes)
    figures = {"markets_us": market_page * 1e6, "markets_kib": len(market_bytes) / 1024}
    state, asgi = benchlib.state_of(app.ledger), app.asgi
    if hasattr(state, "markets_version"):

        async def after_a_change(scope: Any, receive: Any, send: Any) -> None:
            state.markets_version += 1
            await asgi(scope, receive, send)

        changed, changed_bytes = timer.timed(after_a_change, "GET", MARKETS_PATH, b"limit=100", b"", signed=False)
        assert changed_bytes == market_bytes
        figures["changed_us"] = changed * 1e6
    return figures


def run(tree: Path, requests: int, markets: int) -> dict[str, float]:
    return benchlib.run_in_tree(__file__, tree, ["--child", "--requests", str(requests), "--markets", str(markets)])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--before", type=Path, help="another tree to compare this one with (a worktree or a `git archive`)")
    p.add_argument("--rounds", type=int, default=5, help="measurements per tree (5)")
    p.add_argument("--requests", type=int, default=300, help="requests per figure in one measurement (300)")
    p.add_argument("--markets", type=int, default=1000, help="markets listed; the page is their first 100 (1000)")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    opts = p.parse_args()
    if opts.child:
        print(json.dumps(measure(opts.requests, opts.markets)))
        return
    if opts.markets < 100:
        p.error("--markets must be at least 100: the page is 100 markets")
    trees = {"after": TREE} if opts.before is None else {"before": opts.before.resolve(), "after": TREE}
    report(benchlib.in_rounds(trees, opts.rounds, lambda tree: run(tree, opts.requests, opts.markets)))


ROWS = [
    ("signed 100-row positions page (CPU us)", "page_us"),
    ("signed PUT subaccounts/netting (CPU us)", "write_us"),
    ("signed create crossing one level (CPU us)", "create_us"),
    ("  / the signed positions page (bound: 3)", "create_over_page"),
    ("  / a bare route", "create_over_floor"),
    ("public 100-market GET /markets (CPU us)", "markets_us"),
    ("  its bare route (CPU us)", "markets_floor_us"),
    ("the positions page / a bare route", "page_over_floor"),
    ("the write / a bare route", "write_over_floor"),
    ("the markets page / a bare route", "markets_over_floor"),
    ("(markets / bare) / (positions / bare)", "markets_vs_page"),
    ("the markets page after a change elsewhere (us)", "changed_us"),
    ("  / a bare route", "changed_over_floor"),
]


def report(figures: dict[str, list[dict[str, Any]]]) -> None:
    def median(name: str, key: str) -> float | None:
        found = [m[key] for m in figures[name] if key in m]
        return statistics.median(found) if found else None

    def shown(value: float | None) -> str:
        return f"{value:10.2f}" if value is not None else f"{'-':>10}"

    names = list(figures)
    kib = median("after", "markets_kib") or 0
    print(f"\nmedians of {len(figures['after'])} rounds (the markets page: {kib:.0f} KiB):")
    print(
        f"{'figure':44} "
        + " ".join(f"{name:>10}" for name in names)
        + (f" {'after/before':>13}" if len(names) > 1 else "")
    )
    for label, key in ROWS:
        values = [median(name, key) for name in names]
        line = f"{label:44} " + " ".join(shown(v) for v in values)
        if len(names) > 1 and None not in values:
            line += f" {values[1] / values[0]:13.2f}"
        print(line)
    spread = [m["markets_vs_page"] for m in figures["after"] if "markets_vs_page" in m]
    if spread:
        print(f"the ratio of ratios, this tree, per round: {', '.join(f'{x:.2f}' for x in spread)}")


if __name__ == "__main__":
    main()
