"""The faker-based portfolio generator: a plausible, reproducible portfolio from a seed.

It is one scenario source among others: `demo_scenario` writes the same in-memory `Scenario` a scenario file reads
into (accounts, markets, opening fills), and `generate` applies it with the scenario runner, through `Control`, so a
generated portfolio is indistinguishable from a scripted one.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from mockexchange.scenario.model import Op, Origin, Scenario
from mockexchange.scenario.operations import Scenarios

_SERIES = ("KXFED", "KXCPI", "KXGDP", "KXNBA", "KXNFL", "KXBTC", "KXHIGHNY", "KXRAIN", "KXOSCAR", "KXSENATE")
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


@dataclass
class Portfolio:
    users: list[str] = field(default_factory=list)
    fcm_member: str | None = None
    subtraders: list[str] = field(default_factory=list)
    markets: list[tuple[str, str]] = field(default_factory=list)  # (event_ticker, ticker)
    fills: int = 0


def _events(rng: random.Random, n_events: int, markets_per_event: tuple[int, int]) -> list[tuple[str, list[str]]]:
    events: list[tuple[str, list[str]]] = []
    used: set[str] = set()
    while len(events) < n_events:
        series = rng.choice(_SERIES)
        event = f"{series}-{rng.randint(25, 27)}{rng.choice(_MONTHS)}{rng.randint(1, 28):02d}"
        if event in used:
            continue
        used.add(event)
        strikes = sorted(rng.sample(range(1, 400), rng.randint(*markets_per_event)))
        events.append((event, [f"{event}-T{s / 4:.2f}" for s in strikes]))
    return events


def demo_scenario(
    seed: int,
    *,
    users: int = 4,
    events: int = 6,
    markets_per_event: tuple[int, int] = (2, 5),
    fills_per_user: int = 25,
    subtraders: int = 3,
) -> Scenario:
    """Accounts, events and markets, fills, and one FCM member with subtraders, all from `seed`. The set-up keeps the
    order in which the generator draws its numbers, so a seed always means the same portfolio (and the same ids)."""
    rng = random.Random(seed)
    from faker import Faker  # (here: `serve` listens before it generates, and faker takes a while to import)

    fake = Faker()
    fake.seed_instance(seed)
    source = f"generator(seed={seed})"
    scenario = Scenario(source, Path("."), name="demo", description=f"the faker demo portfolio, seed {seed}")
    setup = scenario.setup
    markets: list[str] = []
    for e, (event, tickers) in enumerate(_events(rng, events, markets_per_event)):
        exchange_index = rng.choice((0, 0, 0, 1))
        for ticker in tickers:
            setup.append(Op("market", {"ticker": ticker, "event_ticker": event, "exchange_index": exchange_index},
                            Origin(source, None, f"events[{e}]")))  # fmt: skip
            markets.append(ticker)

    def account(where: str, **args: object) -> None:
        setup.append(Op("account", args, Origin(source, None, where)))

    def trade(user_id: str, n: int, where: str) -> None:
        for i in range(n):
            ticker = rng.choice(markets)
            price = Decimal(rng.randint(2, 98)) / 100
            args = {
                "user_id": user_id,
                "ticker": ticker,
                "side": rng.choice(("yes", "no")),
                "action": rng.choice(("buy", "buy", "buy", "sell")),
                "count": str(rng.randint(1, 50)),
                "price": f"{price:.2f}",
                "is_taker": rng.random() < 0.7,
            }
            setup.append(Op("position", args, Origin(source, None, f"{where}.positions[{i}]")))

    for i in range(users):
        user_id = fake.unique.user_name()
        account(f"users[{i}]", user_id=user_id, balance_cents=rng.randint(1_000, 500_000) * 100)
        trade(user_id, fills_per_user, f"users[{i}]")

    member = f"fcm-{fake.unique.company().split()[0].lower().strip(',')}"
    account("fcm_member", user_id=member, balance_cents=10_000_000_00, fcm_member=True)
    for i in range(subtraders):
        subtrader = f"{member}-sub-{i + 1}"
        where = f"subtraders[{i}]"
        account(where, user_id=subtrader, balance_cents=rng.randint(1_000, 100_000) * 100, subtrader_of=member)
        trade(subtrader, fills_per_user // 2, where)
    return scenario


def portfolio_of(scenario: Scenario) -> Portfolio:
    portfolio = Portfolio()
    for op in scenario.setup:
        if op.kind == "market":
            portfolio.markets.append((op.args["event_ticker"], op.args["ticker"]))
        elif op.kind == "position":
            portfolio.fills += 1
        elif op.kind == "account" and op.args.get("fcm_member"):
            portfolio.fcm_member = op.args["user_id"]
        elif op.kind == "account" and op.args.get("subtrader_of"):
            portfolio.subtraders.append(op.args["user_id"])
        elif op.kind == "account":
            portfolio.users.append(op.args["user_id"])
    return portfolio


def generate(scenarios: Scenarios, seed: int, **sizes: Any) -> Portfolio:
    """Build the demo scenario from `seed` (`sizes`: see `demo_scenario`) and load it on top of the current state,
    timeline run, like any scenario file."""
    scenario = demo_scenario(seed, **sizes)
    scenarios.load(scenario, reset=False, run=True)
    return portfolio_of(scenario)
