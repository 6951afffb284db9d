"""The faker-based portfolio generator: a plausible, reproducible portfolio from a seed.

It is one scenario source among others: `demo_scenario` writes the same in-memory `Scenario` a scenario file reads
into (Kalshi accounts, markets, opening fills; a Deribit account with positions in BTC and ETH futures and options),
and `generate` applies it with the scenario runner, through `Control`, so a generated portfolio is indistinguishable
from a scripted one.

A Kalshi account's cash is held per exchange instance (its `balance_breakdown` by exchange index), and a client's
order is held to the cash of its market's instance; a scripted fill takes its cash from there unchecked. So each user
is funded as a user would fund itself: an opening balance that covers the most its fills may cost, and, before them,
an instance transfer to each other exchange index it trades on of the most its fills there may cost
(`MOST_A_CONTRACT_COSTS` a contract, and a cent a fill, for its fee's rounding): no instance shows negative cash.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from mockexchange.control.deribit.seeded import DEFAULT_INDEX_PRICES, default_instruments
from mockexchange.core.deribit.derivatives import option_mark, years_to_expiry
from mockexchange.core.deribit.exchange_state import DEFAULT_VOLATILITY
from mockexchange.core.deribit.instruments import parse_instrument_name
from mockexchange.scenario.model import Op, Origin, Scenario
from mockexchange.scenario.operations import Scenarios
from mockexchange.scenario.runner import Progress

_SERIES = ("KXFED", "KXCPI", "KXGDP", "KXNBA", "KXNFL", "KXBTC", "KXHIGHNY", "KXRAIN", "KXOSCAR", "KXSENATE")
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
# Cents: the most a fill of one contract moves out of an account: its price (a short's is 1 - the price) and its fee
# at most (the taker's 0.07 x P x (1 - P) is 0.0175 at most).
MOST_A_CONTRACT_COSTS = 102


@dataclass
class Portfolio:
    users: list[str] = field(default_factory=list)
    fcm_member: str | None = None
    subtraders: list[str] = field(default_factory=list)
    markets: list[tuple[str, str]] = field(default_factory=list)  # (event_ticker, ticker)
    fills: int = 0
    deribit_accounts: list[str] = field(default_factory=list)  # their user ids
    deribit_positions: int = 0


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
    now: datetime,
    *,
    users: int = 4,
    events: int = 6,
    markets_per_event: tuple[int, int] = (2, 5),
    fills_per_user: int = 25,
    subtraders: int = 3,
) -> Scenario:
    """Accounts, events and markets, fills, and one FCM member with subtraders, all from `seed`; then a Deribit
    account for the first user, trading the instruments a fresh mock lists at `now` (their expiries follow the
    date). The set-up keeps the order in which the generator draws its numbers, so a seed always means the same
    portfolio (and the same ids); the Deribit part draws after the rest, so it changes none of the Kalshi part."""
    rng = random.Random(seed)
    from faker import Faker  # (here: `serve` listens before it generates, and faker takes a while to import)

    fake = Faker()
    fake.seed_instance(seed)
    source = f"generator(seed={seed})"
    scenario = Scenario(source, Path("."), name="demo", description=f"the faker demo portfolio, seed {seed}")
    setup = scenario.setup
    markets: list[str] = []
    index_of: dict[str, int] = {}  # a market's exchange index
    for e, (event, tickers) in enumerate(_events(rng, events, markets_per_event)):
        exchange_index = rng.choice((0, 0, 0, 1))
        for ticker in tickers:
            setup.append(Op("market", {"ticker": ticker, "event_ticker": event, "exchange_index": exchange_index},
                            Origin(source, None, f"events[{e}]")))  # fmt: skip
            markets.append(ticker)
            index_of[ticker] = exchange_index

    def account(where: str, user_id: str, balance_cents: int, fills: int, **kind: object) -> None:
        """The account, funded for its `fills` (drawn after its balance, as they always were), then its fills."""
        fills_made = trade(user_id, fills, where)
        costs: dict[int, int] = {}  # the most the fills may cost on each exchange index, in cents
        for op in fills_made:
            index = index_of[op.args["ticker"]]
            costs[index] = costs.get(index, 0) + int(op.args["count"]) * MOST_A_CONTRACT_COSTS + 1
        funds = max(balance_cents, sum(costs.values()))
        args = {"user_id": user_id, "balance_cents": funds, **kind}
        setup.append(Op("account", args, Origin(source, None, where)))
        for index, cost in sorted(costs.items()):
            if index:  # from index 0, where the opening balance is
                setup.append(Op("intra_exchange_transfer", _instance_transfer(user_id, index, cost),
                                Origin(source, None, f"{where}.funding[{index}]")))  # fmt: skip
        setup.extend(fills_made)

    def trade(user_id: str, n: int, where: str) -> list[Op]:
        made = []
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
            made.append(Op("position", args, Origin(source, None, f"{where}.positions[{i}]")))
        return made

    for i in range(users):
        user_id = fake.unique.user_name()
        account(f"users[{i}]", user_id, rng.randint(1_000, 500_000) * 100, fills_per_user)

    member = f"fcm-{fake.unique.company().split()[0].lower().strip(',')}"
    account("fcm_member", member, 10_000_000_00, 0, fcm_member=True)
    for i in range(subtraders):
        subtrader = f"{member}-sub-{i + 1}"
        balance = rng.randint(1_000, 100_000) * 100
        account(f"subtraders[{i}]", subtrader, balance, fills_per_user // 2, subtrader_of=member)
    first_user = next(op.args["user_id"] for op in setup if op.kind == "account")
    setup += _deribit_book(rng, first_user, now, source)
    return scenario


def _instance_transfer(user_id: str, exchange_index: int, cents: int) -> dict[str, Any]:
    """An instance transfer of `cents` from the user's exchange index 0 to `exchange_index` (as
    POST /portfolio/intra_exchange_instance_transfer moves it: between shards of the event contract instance, in
    centi-cents)."""
    return {
        "user_id": user_id,
        "source": "event_contract",
        "destination": "event_contract",
        "amount": cents * 100,
        "destination_exchange_shard": exchange_index,
    }


def _deribit_book(rng: random.Random, user_id: str, now: datetime, source: str) -> list[Op]:
    """A small Deribit book: balances in BTC, ETH and USDC; both coins' perpetuals, a dated future and two options,
    long or short, at prices near what a fresh mock marks them at (futures within 3% of the default index price,
    options within 15% of their Black-76 mark at the default volatility), on their tick, never through a float."""
    balances = {
        "BTC": f"{Decimal(rng.randint(5_000, 50_000)) / 10_000:f}",
        "ETH": f"{Decimal(rng.randint(20, 500)) / 10:f}",
        "USDC": str(rng.randint(1_000, 50_000)),
    }
    ops = [Op("deribit_account", {"user_id": user_id, "balances": balances}, Origin(source, None, "deribit.account"))]
    listed = [parse_instrument_name(name) for name in default_instruments(now.date())]
    inverse = [i for i in listed if i.instrument_type == "reversed"]
    futures = [i for i in inverse if i.kind == "future" and not i.is_perpetual]
    options = [i for i in inverse if i.kind == "option"]
    book = [i for i in inverse if i.is_perpetual] + [rng.choice(futures)] + rng.sample(options, 2)
    for n, instrument in enumerate(book):
        tick, least = instrument.tick_size, instrument.min_trade_amount
        index = DEFAULT_INDEX_PRICES[instrument.price_index]
        if instrument.kind == "future":  # sized and priced in USD
            price = index * (1000 + rng.randint(-30, 30)) / 1000
            amount = max(least, Decimal(rng.randint(1_000, 25_000)) // least * least)
            direction = rng.choice(("buy", "sell"))
        else:  # sized and priced in the coin
            mark = option_mark(instrument, index, years_to_expiry(instrument, now), DEFAULT_VOLATILITY)
            price = mark * (100 + rng.randint(-15, 15)) / 100
            amount = least * rng.randint(1, 30)
            direction = rng.choice(("buy", "buy", "sell"))
        args = {
            "user_id": user_id,
            "instrument_name": instrument.instrument_name,
            "direction": direction,
            "amount": f"{amount:f}",
            "price": f"{max(tick, price // tick * tick).normalize():f}",
        }
        ops.append(Op("deribit_position", args, Origin(source, None, f"deribit.positions[{n}]")))
    return ops


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
        elif op.kind == "deribit_account":
            portfolio.deribit_accounts.append(op.args["user_id"])
        elif op.kind == "deribit_position":
            portfolio.deribit_positions += 1
    return portfolio


def generate(scenarios: Scenarios, seed: int, progress: Progress | None = None, **sizes: Any) -> Portfolio:
    """Build the demo scenario from `seed` (`sizes`: see `demo_scenario`) at the exchange clock's time and load it
    on top of the current state, timeline run, like any scenario file; `progress` is told how the load goes."""
    scenario = demo_scenario(seed, scenarios.control.exchange.state.clock.now(), **sizes)
    scenarios.load(scenario, reset=False, run=True, progress=progress)
    return portfolio_of(scenario)
