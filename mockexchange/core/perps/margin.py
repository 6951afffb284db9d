"""Margin: what an account's positions and resting orders require at the marks, and what it holds (docs/perps.md has
the formulas and the spec fields they fill).

Per market, the maintenance margin is the position's notional at the mark times the market's maintenance rate; the
initial margin is the larger of its long side (a long position at the mark plus the resting bids at their prices)
and its short side (a short position plus the resting asks), times the maintenance rate and the initial margin
multiplier (GetMarginRiskParameters' `initial_margin_multiplier`). Each is rounded up to the micro-dollar. Equity is
the cash plus the unrealized P&L at the marks; an order is refused when it raises the initial margin above the equity.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction

from mockexchange.core.perps.markets import PerpMarket
from mockexchange.core.perps.orders import PerpOrder
from mockexchange.core.perps.positions import PerpPosition
from mockexchange.core.perps.state import PerpsState
from mockexchange.core.perps.units import CONTRACT, DOLLAR, MILLION, PRICE, notional
from mockexchange.core.rounding import ceiling

NO_POSITION = PerpPosition()


@dataclass(frozen=True, slots=True)
class PerpMarketRisk:
    """One market of an account: its position and the value of its resting bids and asks (micro-dollars)."""

    market: PerpMarket
    position: PerpPosition
    bids: int = 0
    asks: int = 0

    @property
    def notional(self) -> int:
        return notional(abs(self.position.size), self.market.mark)

    @property
    def unrealized(self) -> int:
        return self.position.unrealized(self.market.mark) if self.position.size else 0

    @property
    def maintenance(self) -> int:
        return ceiling(self.notional * self.market.maintenance_rate, MILLION)

    @property
    def usage(self) -> int:
        """Its risk notional: the larger of its long side (a long position at the mark plus the resting bids at their
        prices) and its short side."""
        size, mark = self.position.size, self.market.mark
        return max(notional(max(size, 0), mark) + self.bids, notional(max(-size, 0), mark) + self.asks)

    @property
    def initial(self) -> int:
        return self._initial(self.usage)

    @property
    def positions_initial(self) -> int:
        return self._initial(self.notional)

    def _initial(self, value: int) -> int:
        return ceiling(value * self.market.maintenance_rate * self.market.initial_multiplier, MILLION * MILLION)


@dataclass(frozen=True, slots=True)
class PerpAccount:
    """An account's (a user's subaccount's) margin at the marks: its cash and each market it holds a position or a
    resting order in, by ticker."""

    user_id: str
    subaccount: int
    cash: int
    markets: tuple[PerpMarketRisk, ...]

    @property
    def unrealized(self) -> int:
        return sum(held.unrealized for held in self.markets)

    @property
    def equity(self) -> int:
        return self.cash + self.unrealized

    @property
    def maintenance(self) -> int:
        return sum(held.maintenance for held in self.markets)

    @property
    def initial(self) -> int:
        return sum(held.initial for held in self.markets)

    @property
    def positions_initial(self) -> int:
        return sum(held.positions_initial for held in self.markets)

    @property
    def available(self) -> int:
        return max(0, self.equity - self.initial)

    def held(self) -> Iterator[PerpMarketRisk]:
        """Its markets with an open position."""
        return (held for held in self.markets if held.position.size)

    def liquidation_price(self, ticker: str, threshold: int) -> Fraction | None:
        """The mark (dollars) of `ticker` at which the account's equity falls to `threshold` (millionths) times its
        maintenance margin, the other marks standing; None where no positive price does (a position so covered that
        only a price below 0 would)."""
        held = next(held for held in self.markets if held.market.ticker == ticker)
        size = Fraction(held.position.size, CONTRACT)
        if not size:
            return None
        rate, line = Fraction(held.market.maintenance_rate, MILLION), Fraction(threshold, MILLION)
        others = Fraction(self.maintenance - held.maintenance, DOLLAR)
        equity, mark = Fraction(self.equity, DOLLAR), Fraction(held.market.mark, PRICE)
        below = size - line * abs(size) * rate
        if not below:
            return None
        price = (line * others - equity + size * mark) / below
        return price if price > 0 else None


def account(
    state: PerpsState, cash: int, user_id: str, subaccount: int, order: PerpOrder | None = None,
    without: str | None = None,
) -> PerpAccount:  # fmt: skip
    """The account's margin now; with `order` resting beside its orders (one being placed), and without the order
    `without` (one being amended)."""
    positions = state.positions.get((user_id, subaccount), {})
    sides: dict[str, list[int]] = {}
    # (an amend's moved order keeps the id of the one it replaces: only the resting one is left out)
    resting = [state.orders[order_id] for order_id in state.resting.get(user_id, ()) if order_id != without]
    for each in [*resting, *([order] if order is not None else [])]:
        if each.subaccount != subaccount:
            continue
        value = notional(each.remaining, each.price)
        side = sides.setdefault(each.ticker, [0, 0])
        side[0 if each.buys else 1] += value
    tickers = sorted({ticker for ticker, held in positions.items() if held.size} | set(sides))
    markets = tuple(
        PerpMarketRisk(state.markets[ticker], positions.get(ticker, NO_POSITION), *sides.get(ticker, (0, 0)))
        for ticker in tickers
    )
    return PerpAccount(user_id, subaccount, cash, markets)
