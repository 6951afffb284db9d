"""The faker-based portfolio generator: a plausible, reproducible portfolio from a seed.

It works only through `Control`, the same operations as the admin API and scenario files, so a generated portfolio is
indistinguishable from a scripted one.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal

from faker import Faker

from mockexchange.control import Control

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


def generate(
    control: Control,
    seed: int,
    *,
    users: int = 4,
    events: int = 6,
    markets_per_event: tuple[int, int] = (2, 5),
    fills_per_user: int = 25,
    subtraders: int = 3,
) -> Portfolio:
    """Accounts, events and markets, fills, and one FCM member with subtraders, all from `seed`."""
    rng = random.Random(seed)
    fake = Faker()
    fake.seed_instance(seed)
    portfolio = Portfolio()
    listed = _events(rng, events, markets_per_event)
    for event, tickers in listed:
        exchange_index = rng.choice((0, 0, 0, 1))
        for ticker in tickers:
            control.create_market(ticker, event, exchange_index)
            portfolio.markets.append((event, ticker))

    def trade(user_id: str, n: int) -> None:
        for _ in range(n):
            _, ticker = rng.choice(portfolio.markets)
            price = Decimal(rng.randint(2, 98)) / 100
            control.fill(
                user_id,
                ticker,
                rng.choice(("yes", "no")),
                rng.choice(("buy", "buy", "buy", "sell")),
                str(rng.randint(1, 50)),
                f"{price:.2f}",
                is_taker=rng.random() < 0.7,
            )
            portfolio.fills += 1

    for _ in range(users):
        user_id = fake.unique.user_name()
        control.create_account(user_id, balance_cents=rng.randint(1_000, 500_000) * 100)
        portfolio.users.append(user_id)
        trade(user_id, fills_per_user)

    member = f"fcm-{fake.unique.company().split()[0].lower().strip(',')}"
    control.create_account(member, balance_cents=10_000_000_00, fcm_member=True)
    portfolio.fcm_member = member
    for i in range(subtraders):
        subtrader = f"{member}-sub-{i + 1}"
        control.create_account(subtrader, balance_cents=rng.randint(1_000, 100_000) * 100, subtrader_of=member)
        portfolio.subtraders.append(subtrader)
        trade(subtrader, fills_per_user // 2)
    return portfolio
