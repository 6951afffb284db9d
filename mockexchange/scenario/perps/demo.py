"""The perps exchange's part of the demo (`serve` without a scenario; its registration's `demo_keys`): a few perpetual
markets, each with bids and asks resting around its mark from a market maker of the demo's own, and margin cash for
the demo user, who signs with its Kalshi demo key. Made through the control plane's operations, so a state file keeps
it as commands."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

MAKER = "perps-maker"  # the demo's market maker (an account of its own, funded as the demo user is)
USER_MARGIN_DOLLARS = 100_000  # the demo user's margin cash
MAKER_MARGIN_DOLLARS = 10_000_000
# (ticker, title, mark, tick, contract size, whole contracts only)
MARKETS = (
    ("BTC-PERP", "Bitcoin perpetual", "100000", "0.5", "0.001", False),
    ("ETH-PERP", "Ether perpetual", "3000", "0.05", "0.01", False),
    ("SOL-PERP", "Solana perpetual", "150", "0.01", "1", True),
)
LEVELS = 3  # resting levels a side, each a tick wider apart than the last
SIZE = "10"  # contracts at each level


@dataclass(frozen=True, slots=True)
class PerpsDemo:
    """What the demo made of the perps exchange (the banner says it): the funded user, its cash, the markets; nothing
    where the venue is not served (`serve --no-perps`)."""

    served: bool
    user_id: str = ""
    margin_dollars: int = 0
    markets: tuple[str, ...] = ()


def demo_perps(key_dir: Path) -> Callable[[Any, Any, int], PerpsDemo]:
    """What makes the perps demo once the portfolio is loaded (the control plane, the portfolio, the seed): the demo
    user's Kalshi keys are its keys, so nothing is kept in `key_dir`."""

    def make(control: Any, portfolio: Any, seed: int) -> PerpsDemo:
        if not control.parts.settings.perps:
            return PerpsDemo(served=False)
        user = portfolio.users[0]
        _fund(control, user, USER_MARGIN_DOLLARS, existing=True)
        _fund(control, MAKER, MAKER_MARGIN_DOLLARS, existing=False)
        for ticker, title, mark, tick, contract_size, whole in MARKETS:
            control.list_perp_market(ticker, mark, title=title, tick_size=tick, contract_size=contract_size,
                                     fractional_trading_enabled=not whole)  # fmt: skip
            _quote(control, ticker, Decimal(mark), Decimal(tick))
        return PerpsDemo(True, user, USER_MARGIN_DOLLARS, tuple(ticker for ticker, *_ in MARKETS))

    return make


def _fund(control: Any, user_id: str, dollars: int, existing: bool) -> None:
    """`dollars` deposited to the user's Kalshi account (one opened first unless `existing`) and moved to its
    margined instance, the perps exchange's cash."""
    if existing:
        control.deposit(user_id, dollars * 100)
    else:
        control.create_account(user_id, balance_cents=dollars * 100)
    control.intra_exchange_transfer(user_id, "event_contract", "margined", dollars * 10_000)  # centi-cents


def _quote(control: Any, ticker: str, mark: Decimal, tick: Decimal) -> None:
    """The maker's bids below the mark and asks above it, `LEVELS` a side, `tick` x 1, 2, 3 ... away."""
    for level in range(1, LEVELS + 1):
        for side, price in (("bid", mark - tick * level), ("ask", mark + tick * level)):
            control.place_perp_order(MAKER, ticker=ticker, side=side, count=SIZE, price=str(price),
                                     client_order_id=f"demo-{ticker}-{side}-{level}")  # fmt: skip
