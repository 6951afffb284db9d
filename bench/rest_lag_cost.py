"""What the REST lag costs (issue 14): a fill, a positions page and a balance read with the lag off and on.

    .venv/bin/python bench/rest_lag_cost.py              # 1,000 positions, 5 rounds (about 30 s)
    .venv/bin/python bench/rest_lag_cost.py --quick      # 3 rounds, fewer repetitions
    .venv/bin/python bench/rest_lag_cost.py --positions 10000 --window-changes 5000

Two in-process mocks (`build_app`, ManualClock), each with one account of `--positions` market positions (10 markets
per event, seeded through `apply_fill`): `off` (no lag, the default) and `on` (`rest_lag_ms` 1,000). Timed,
CPU time per call (`time.process_time`), rounds alternating off/on so noise falls on both alike:

- **fill**: `Control.fill` (what the admin API and `MockServer.fill` call), one contract bought or sold in turn, over
  the first 100 markets of the account, the exchange clock moved 1 ms after each: with the lag on, the history holds
  the last 1,000 fills (3 records each: the row, the cash, the market's price) and drops one fill's records per fill.
- **page**: `positions.get_positions(ctx, key, "limit=100")`: parameters, the page, event roll-ups, rendering. The
  render cache keeps no whole pages here (`--cache fragments`, the default; a page asked again unchanged would be a
  look-up), so a read walks the page and looks its rows' and roll-ups' bytes up; `--cache off` renders every row.
- **balance**: `balance.get_balance(ctx, key, "")`: cash and the portfolio value (a walk of every open position).

Reads are timed with the history in its steady state: `--window-changes` fills (default 1,000) made within the lag, on
the account's first 100 markets, so the page's first 100 rows and the balance's walk each meet 100 changed rows.
The ratio on/off is the figure to read; `off` also stands for the code before the lag existed (it pays one attribute
test per change, and `as_of()` returns None at once).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from benchlib import FIXED_TIME, KEY_ID, new_rsa_key, seed_positions
from starlette.datastructures import QueryParams

from mockexchange.app import build_app
from mockexchange.core.clock import ManualClock
from mockexchange.settings import Settings
from mockexchange.venues.kalshi import balance, positions
from mockexchange.venues.kalshi.fragments import RenderCache

USER = "bench"
LAG_MS = 1000
HOT_MARKETS = 100


class Mock:
    def __init__(self, lag_ms: int, n_positions: int, public_pem: str, cache: str = "fragments") -> None:
        self.clock = ManualClock(FIXED_TIME)
        self.app = build_app(Settings(rest_lag_ms=lag_ms), clock=self.clock, seed=7)
        if cache != "full":
            self.app.kalshi.renders = RenderCache({"pages": 0}) if cache == "fragments" else RenderCache.disabled()
        self.app.control.create_account(USER, balance_cents=10**12)
        seed_positions(self.app.ledger, USER, n_positions, prefix="KXLAG")
        self.app.control.create_key(USER, public_key_pem=public_pem, key_id=KEY_ID)
        key = self.app.keys.get(KEY_ID)
        assert key is not None
        self.key = key
        self.tickers = [row.ticker for row in self.app.ledger.state.positions.walk(USER, 0, "all")][:HOT_MARKETS]
        self.fills = 0
        self.clock.advance(delta=timedelta(milliseconds=LAG_MS))  # what was seeded shows

    def fill(self) -> None:
        n = self.fills
        self.fills += 1
        self.app.control.fill(USER, self.tickers[n % len(self.tickers)], "yes", "buy" if n % 2 else "sell", "1", "0.5")
        self.clock.advance(delta=timedelta(milliseconds=1))

    def window(self, changes: int) -> None:
        """`changes` fills inside the last lag, spread evenly over it."""
        step = timedelta(milliseconds=LAG_MS) / max(changes, 1)
        for n in range(changes):
            self.app.control.fill(USER, self.tickers[n % len(self.tickers)], "yes", "buy", "1", "0.5")
            self.clock.advance(delta=step)

    def page(self) -> Any:
        return positions.get_positions(self.app.kalshi, self.key, QueryParams("limit=100"))

    def balance(self) -> dict[str, Any]:
        return balance.get_balance(self.app.kalshi, self.key, QueryParams(""))


def per_call_us(call: Callable[[], Any], n: int) -> float:
    start = time.process_time()
    for _ in range(n):
        call()
    return (time.process_time() - start) / n * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--positions", type=int, default=1000, help="positions of the account (default: 1000)")
    parser.add_argument("--window-changes", type=int, default=1000, help="fills within the lag when reading")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--fills", type=int, default=3000, help="fills per round and mock")
    parser.add_argument("--reads", type=int, default=300, help="pages and balances per round and mock")
    parser.add_argument("--quick", action="store_true", help="3 rounds, a third of the calls")
    parser.add_argument(
        "--cache",
        choices=["full", "fragments", "off"],
        default="fragments",
        help="the render cache of the mocks' pages: fragments (default), full (whole pages too), off",
    )
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.fills, args.reads = 3, 1000, 100
    _, _, public_pem = new_rsa_key()
    started = time.perf_counter()
    mocks = {
        "off": Mock(0, args.positions, public_pem, args.cache),
        "on": Mock(LAG_MS, args.positions, public_pem, args.cache),
    }
    print(f"built 2 mocks of {args.positions:,} positions in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    results: dict[str, dict[str, list[float]]] = {name: {"fill": [], "page": [], "balance": []} for name in mocks}
    for r in range(args.rounds):
        order = list(mocks) if r % 2 == 0 else list(reversed(mocks))
        for name in order:
            results[name]["fill"].append(per_call_us(mocks[name].fill, args.fills))
        for name in order:  # the history in its steady state, then the reads
            mocks[name].window(args.window_changes)
            results[name]["page"].append(per_call_us(mocks[name].page, args.reads))
            results[name]["balance"].append(per_call_us(mocks[name].balance, args.reads))
    ledger = mocks["on"].app.ledger
    history = ledger.state.history
    history, changed = len(history), len(history.changed((USER, 0), ledger.as_of()))
    print(
        f"positions {args.positions:,}; lag {LAG_MS} ms; with the lag on the history holds {history:,} records, "
        f"{changed} of the account's rows changed within the lag"
    )
    print(f"{'':8} {'off (us CPU)':>14} {'on (us CPU)':>14} {'on/off':>8}   rounds off | on")
    for what in ("fill", "page", "balance"):
        off, on = statistics.median(results["off"][what]), statistics.median(results["on"][what])
        rounds = f"{[round(x) for x in results['off'][what]]} | {[round(x) for x in results['on'][what]]}"
        print(f"{what:8} {off:14,.1f} {on:14,.1f} {on / off:8.3f}   {rounds}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
