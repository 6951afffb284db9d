"""A perpetual's funding, as Deribit's funding reads show it (`public/get_funding_rate_value`,
`public/get_funding_rate_history`, `public/get_funding_chart_data`; the ticker's `current_funding` and `funding_8h`):
its rate for 8 hours over the exchange clock, set through the control plane (a path, price_path.py; 0 until set), and
what it accrues.

Deribit derives its rate from the premium of a perpetual's mark over its index; the mock's perpetual mark is its index
(unless pinned), which would make every rate 0, so the rate is an input (docs/known-differences.md). What a rate
accrues from `start` to `end` is its sum over that time as a share of 8 hours: a rate of 0.0001 held for one hour
accrues 0.0000125. Every read stops at the exchange clock's time now. Funding is reported, not paid: no balance moves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from mockexchange.core.deribit.bounds import ZERO, ExchangeError
from mockexchange.core.deribit.exchange_state import ExchangeState
from mockexchange.core.deribit.instruments import Instrument
from mockexchange.core.deribit.market import DeribitMarket
from mockexchange.core.deribit.price_path import PricePath, grid, put
from mockexchange.core.deribit.records import Price

HOUR = timedelta(hours=1)
EIGHT_HOURS = 8 * HOUR
_EIGHT_HOURS_MS = Decimal(8 * 3_600_000)
MAX_HOURS = 1_000  # rows one history read answers at most: the newest of its span
# public/get_funding_chart_data's `length`: the span its points cover and the step between them (the mock's choice)
CHART = {"8h": (EIGHT_HOURS, timedelta(minutes=5)), "24h": (24 * HOUR, timedelta(minutes=15)),
         "1m": (timedelta(days=30), EIGHT_HOURS)}  # fmt: skip


@dataclass(frozen=True, slots=True)
class FundingHour:
    """One row of the hourly history: the index at the hour and an hour before, what the rate accrued over the hour
    and over the 8 hours that end there."""

    timestamp: datetime
    index_price: Decimal
    prev_index_price: Decimal
    interest_1h: Decimal
    interest_8h: Decimal


@dataclass(frozen=True, slots=True)
class FundingPoint:
    """One point of the funding chart: the index then and what the rate accrued over the 8 hours that end there."""

    timestamp: datetime
    index_price: Decimal
    interest_8h: Decimal


@dataclass(frozen=True, slots=True)
class FundingChart:
    current_interest: Decimal  # the rate in force now
    interest_8h: Decimal  # what it accrued over the last 8 hours
    data: list[FundingPoint]


class Funding:
    """Each perpetual's funding rate (the state's `funding`, by instrument name) and the reads of it."""

    def __init__(self, state: ExchangeState, market: DeribitMarket) -> None:
        self.state = state
        self.market = market

    def set_rates(self, instrument_name: str, points: list[Price]) -> Decimal:
        """Set a listed perpetual's rate path; answers the rate in force now."""
        state = self.state
        with state.lock:
            if not self.instrument(instrument_name).is_perpetual:
                raise ExchangeError(f"{instrument_name} is not a perpetual: only a perpetual has a funding rate")
            path = put(state.funding, instrument_name, points, state.clock.now())
            path.announced = path.current(state.clock)  # (a later point: published as the clock reaches it)
            rate = self.rate(instrument_name)
            state.publish("funding", None, (instrument_name, rate))
            return rate

    def instrument(self, instrument_name: str) -> Instrument:
        """The listed instrument (404 if it is not)."""
        return self.market.instrument(instrument_name)

    def path(self, instrument_name: str) -> PricePath | None:
        return self.state.funding.get(instrument_name)

    def rate(self, instrument_name: str) -> Decimal:
        """The rate for 8 hours in force now (0 if none was set by now)."""
        path = self.path(instrument_name)
        found = None if path is None else path.current(self.state.clock)
        return ZERO if found is None else found.value

    def accrued(self, instrument_name: str, start: datetime, end: datetime) -> Decimal:
        """What the rate accrued from `start` to `end` (up to now), as a share of the position's value."""
        path = self.path(instrument_name)
        if path is None:
            return ZERO
        return path.accrued(start, min(end, self.state.clock.now())) / _EIGHT_HOURS_MS

    def hours(self, instrument_name: str, start: datetime, end: datetime) -> list[FundingHour]:
        """The rows at each whole hour from `start` to `end` (up to now) once a rate was set and the index had a
        price an hour before: the newest `MAX_HOURS`, oldest first."""
        path, index = self.path(instrument_name), self.instrument(instrument_name).price_index
        if path is None or not path.points:
            return []
        first = path.points[0].timestamp
        rows: list[FundingHour] = []
        hour = grid(min(end, self.state.clock.now()), HOUR)
        while hour >= start and hour >= first and len(rows) < MAX_HOURS:
            now_index, before = self.state.index_at(index, hour), self.state.index_at(index, hour - HOUR)
            if now_index is None or before is None:
                break
            interest_1h, interest_8h = self.accrued_before(path, hour, HOUR), self.accrued_before(path, hour)
            rows.append(FundingHour(hour, now_index, before, interest_1h, interest_8h))
            hour -= HOUR
        rows.reverse()
        return rows

    def chart(self, instrument_name: str, length: str) -> FundingChart:
        """public/get_funding_chart_data over `length` (`CHART`): the rate now, its last 8 hours, and a point each step
        once a rate was set and the index had a price."""
        span, step = CHART[length]
        now, path = self.state.clock.now(), self.path(instrument_name)
        index = self.instrument(instrument_name).price_index
        data = []
        if path is not None and path.points:
            at = grid(now - span, step)
            at = at if at >= now - span else at + step
            while at <= now:
                price = self.state.index_at(index, at)
                if price is not None and at >= path.points[0].timestamp:
                    data.append(FundingPoint(at, price, self.accrued_before(path, at)))
                at += step
        interest_8h = ZERO if path is None else self.accrued_before(path, now)
        return FundingChart(self.rate(instrument_name), interest_8h, data)

    @staticmethod
    def accrued_before(path: PricePath, when: datetime, span: timedelta = EIGHT_HOURS) -> Decimal:
        """What the path accrued over `span` up to `when`."""
        return path.accrued(when - span, when) / _EIGHT_HOURS_MS
