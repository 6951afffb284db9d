"""Position arithmetic: how one fill changes one market position. Pure functions, no state.

A position is one signed number of contracts: positive holds YES, negative holds NO (YES and NO are netted, as
`position_fp` reports them). Every fill is first put in YES terms:

    buy YES  c at p  ->  +c at YES price p          sell YES c at p  ->  -c at YES price p
    buy NO   c at q  ->  -c at YES price 1 - q      sell NO  c at q  ->  +c at YES price 1 - q

Then, with `exposure` the cost basis of the contracts held (what `market_exposure` reports, always >= 0):

- Opening or adding to the held side: pay the held side's price per contract (p for YES, 1 - p for NO); exposure grows
  by what was paid.
- Reducing the held side: receive the held side's price per contract; the basis released is the average cost of the
  contracts closed (exposure x closed / held, held to the micro-dollar, the whole exposure when the position closes);
  realized P&L grows by proceeds minus released basis.
- A fill larger than the position closes it and opens the rest on the other side.

`total_traded` (what `total_traded_dollars` reports) adds, for every fill, the price of the side it bought times the
count: Kalshi books a sell of one side as a purchase of the other, so selling YES at p spends 1 - p per contract.

So for every sequence of fills: cash from trading (fees apart) = realized P&L - exposure, and the position is the
signed sum of the YES-term deltas. Fees are tracked apart (`fees_paid`) and are not part of realized P&L.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from mockexchange.core.money import ONE, ZERO, quantize_dollars


@dataclass(frozen=True, slots=True)
class TradeResult:
    position: Decimal
    exposure: Decimal
    realized: Decimal  # P&L realized by this fill
    cash: Decimal  # cash moved by this fill, fees apart: + received, - paid


def yes_terms(side: str, action: str, count: Decimal, price: Decimal) -> tuple[Decimal, Decimal]:
    """(signed YES delta, YES price) for a fill of `count` contracts of `side` at that side's `price`."""
    if side not in ("yes", "no") or action not in ("buy", "sell"):
        raise ValueError(f"unknown side/action {side}/{action}")
    buys_yes = (side == "yes") == (action == "buy")
    yes_price = price if side == "yes" else ONE - price
    return (count if buys_yes else -count), yes_price


def _held_side_price(long_yes: bool, yes_price: Decimal) -> Decimal:
    return yes_price if long_yes else ONE - yes_price


def trade(position: Decimal, exposure: Decimal, delta: Decimal, yes_price: Decimal) -> TradeResult:
    """Apply a YES-terms delta at a YES price to (position, exposure)."""
    if delta == ZERO:
        return TradeResult(position, exposure, ZERO, ZERO)
    cash = ZERO
    realized = ZERO
    remaining = delta
    if position != ZERO and (position > ZERO) != (delta > ZERO):
        held = abs(position)
        closed = min(held, abs(delta))
        proceeds = closed * _held_side_price(position > ZERO, yes_price)
        released = exposure if closed == held else quantize_dollars(exposure * closed / held)
        realized = proceeds - released
        cash += proceeds
        exposure -= released
        position += closed if position < ZERO else -closed
        remaining = delta + closed if delta < ZERO else delta - closed
    if remaining != ZERO:
        cost = abs(remaining) * _held_side_price(remaining > ZERO, yes_price)
        cash -= cost
        exposure += cost
        position += remaining
    return TradeResult(position, exposure, realized, cash)


def settle(position: Decimal, exposure: Decimal, result: str) -> TradeResult:
    """Settle a binary market: each winning contract pays 1 dollar, losing ones nothing.

    The position keeps its count (a settled position still says what was held); its exposure is paid out or lost.
    """
    if result not in ("yes", "no"):
        raise ValueError(f"unknown market result {result!r}")
    wins = (position > ZERO and result == "yes") or (position < ZERO and result == "no")
    payout = abs(position) * ONE if wins else ZERO
    return TradeResult(position, ZERO, payout - exposure, payout)
