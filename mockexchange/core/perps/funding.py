"""Funding on the perps exchange's clock: its times (every `funding_interval`, one hour unless set, on the epoch's
grid: on the hour), a market's rate of a period and what each open position pays at its end.

A market's funding period runs from its last funding time (its listing, at first) to the next. Its rate is the
time-weighted average premium of the period's bars (premium.py), clamped by the market's funding limits: within the
deadband it is 0, beyond the cap it is the cap (`funding_limit_unit` `percentage`: the deadband and cap are percents,
4 meaning a rate of 0.04; `dollar`: dollars a contract, a rate of that over the settlement mark), then rounded to
`RATE_PLACES` places (a tie to the even one): the rate shown is the rate paid. At a funding time each open position
is paid -size x settlement mark x rate (a long pays a positive rate, a short receives it), rounded to the
micro-dollar (a tie to the even one), into its cash through the one money road (`cash.move`)."""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Any

from mockexchange.core.clock import unix_us
from mockexchange.core.events import Change
from mockexchange.core.perps import premium
from mockexchange.core.perps.cash import MarginCash
from mockexchange.core.perps.markets import PerpMarket
from mockexchange.core.perps.records import PerpFundingPayment, PerpFundingRate
from mockexchange.core.perps.state import PerpsState
from mockexchange.core.perps.units import MILLION, PRICE
from mockexchange.core.rounding import half_even

RATE_PLACES = 12
RATE = 10**RATE_PLACES  # a funding rate's units in 1
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # the funding times' grid starts there
PAYMENT_CHANGE = "perps.funding"


@dataclass(frozen=True, slots=True)
class PerpFundingEstimate:
    """A market's in-progress period as it stands: its rate so far (clamped and rounded as it would be paid), the
    next funding time, the settlement mark, the last whole bar's premium (None: none) and when that bar started."""

    computed: datetime
    rate: int
    next_funding: datetime
    mark: int
    premium: Fraction | None
    premium_second: datetime | None


def next_time(state: PerpsState, after: datetime) -> datetime:
    """The first funding time after `after`."""
    interval = state.funding_interval
    return after - (after - EPOCH) % interval + interval


def start(state: PerpsState, market: PerpMarket) -> None:
    """A market just listed starts its first period at its listing."""
    listed = market.listed or state.clock.now()
    state.funding_start[market.ticker] = listed
    due = next_time(state, listed)
    if state.funding_due is None or due < state.funding_due:
        state.funding_due = due


def rate_of(market: PerpMarket, average: Fraction, mark: int) -> int:
    """A period's rate from its average premium: clamped by the market's limits, rounded to `RATE_PLACES` places."""
    if market.funding_limit_unit == "percentage":
        deadband, cap = Fraction(market.funding_deadband, 100 * MILLION), Fraction(market.funding_cap, 100 * MILLION)
    else:  # (dollars a contract, over the mark in dollars)
        deadband = Fraction(market.funding_deadband * PRICE, MILLION * mark)
        cap = Fraction(market.funding_cap * PRICE, MILLION * mark)
    clamped = Fraction(0) if abs(average) <= deadband else max(-cap, min(cap, average))
    return half_even(clamped.numerator * RATE, clamped.denominator)


def estimate(state: PerpsState, market: PerpMarket) -> PerpFundingEstimate:
    """The market's in-progress period at the exchange's time now (while what fell due is made, the time it fell due
    at: what falls due later is not made yet): its whole bars so far."""
    now = state.clock.now()
    begun = state.funding_start[market.ticker]
    ends = next_time(state, begun)
    now = min(now, ends)
    start = unix_us(begun)
    second = unix_us(now) // premium.SECOND * premium.SECOND  # (the bar in progress: not whole yet)
    mark = market.settlement_mark.price
    total, counted = _summed(state, market, start, second)
    rate = rate_of(market, total / counted if counted else Fraction(0), mark)
    last = second - premium.SECOND
    measured = premium.at_second(state, market.ticker, last) if last >= start else None
    at = EPOCH + timedelta(microseconds=last) if measured is not None else None
    return PerpFundingEstimate(now, rate, ends, mark, measured, at)


# What an estimate summed of a market's period so far, by state and ticker: (the market, the period's start, the end
# summed to, the sum, the bars counted). A whole bar's premium never changes once the clock has passed it (what moves
# the prices is kept at the clock's time), so the next estimate sums the bars since, not the period again: a ticker
# subscription estimates at each move of the book. (Not state: a memo, held weakly by the state it sums.)
_SUMS: weakref.WeakKeyDictionary[PerpsState, dict[str, tuple[PerpMarket, int, int, Fraction, int]]]
_SUMS = weakref.WeakKeyDictionary()


def _summed(state: PerpsState, market: PerpMarket, start: int, end: int) -> tuple[Fraction, int]:
    kept = _SUMS.setdefault(state, {})
    held = kept.get(market.ticker)
    if held is not None and held[0] is market and held[1] == start and held[2] <= end:
        total, counted = premium.summed(state, market, held[2], end)
        total, counted = total + held[3], counted + held[4]
    else:
        total, counted = premium.summed(state, market, start, end)
    kept[market.ticker] = (market, start, end, total, counted)
    return total, counted


def fund_due(state: PerpsState, cash: MarginCash) -> tuple[str, ...]:
    """Pay the funding time due (`state.funding_due`, which the caller found reached): each market whose period
    ends then, at its marks then; the next funding time set. Answers the markets funded."""
    due = state.funding_due
    assert due is not None
    funded = []
    for market in state.markets.values():
        start = state.funding_start[market.ticker]
        if start >= due:
            continue
        mark = market.settlement_mark.price
        rate = rate_of(market, premium.average(state, market, unix_us(start), unix_us(due)), mark)
        record = PerpFundingRate(market.ticker, due, rate, mark)
        _keep(state, state.funding_rates.setdefault(market.ticker, []), record)
        _pay(state, cash, record)
        state.funding_start[market.ticker] = due
        funded.append(market.ticker)
        state.bus.publish(Change("perps.market", None, market))
    state.funding_due = due + state.funding_interval if state.markets else None
    return tuple(funded)


def _pay(state: PerpsState, cash: MarginCash, funding: PerpFundingRate) -> None:
    """Each open position in the market is paid its funding (below 0: it pays)."""
    for (user_id, subaccount), held in state.positions.items():
        position = held.get(funding.ticker)
        if position is None or not position.size:
            continue
        amount = half_even(-position.size * funding.mark * funding.rate, RATE)
        cash.move(user_id, amount, subaccount)
        position.funding += amount
        payment = PerpFundingPayment(user_id, subaccount, funding, position.size, amount)
        _keep(state, state.funding_payments.setdefault(user_id, []), payment)
        if state.bus.takers(PAYMENT_CHANGE):
            state.bus.publish(Change(PAYMENT_CHANGE, user_id, payment))


def _keep(state: PerpsState, kept: list[Any], made: Any) -> None:
    kept.append(made)
    if len(kept) > state.history_size:
        del kept[0]
