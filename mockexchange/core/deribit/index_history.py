"""A Deribit price index over the exchange clock, beyond its price now (market.py): a point its path holds for later,
published as the clock reaches it, with the stop and take orders it makes due (`clock_moved`, what the exchange does as
the control plane moves the clock); an index's candles (`candles`: the volatility index's, `btcdvol_usdc`); and an
option's mark at past times (`mark_history`), Black-76 on the index then.

An index keeps its price's path (price_path.py): the point in force now is its price, the points before it its
history; nothing else holds a copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from mockexchange.core.deribit import derivatives as d
from mockexchange.core.deribit import mmp, triggers
from mockexchange.core.deribit.bounds import ExchangeError
from mockexchange.core.deribit.exchange import DeribitExchange
from mockexchange.core.deribit.price_path import PricePath, grid
from mockexchange.core.deribit.records import Price

MARK_STEP = timedelta(minutes=5)  # Deribit's mark price history: one a 5 minutes
_INSTANT = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class IndexCandle:
    timestamp: datetime  # when its span begins
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal


def clock_moved(exchange: DeribitExchange) -> None:
    """What falls due as the clock moves: what expired delivered (at the index in force when it expired), each
    index's point the clock has reached published as its price, and the orders the moves make due fired; each
    perpetual's funding rate the clock has reached published, and each announcement whose time it has reached."""
    exchange.expiry.expire_due()
    state = exchange.state
    moved = False
    with state.lock:
        now = state.clock.now()
        for name, path in state.indexes.items():
            point = path.at(now)
            if point is not None and point != path.announced:
                path.announced = point
                state.publish("index_price", None, (name, point))
                moved = True
        for name, path in state.funding.items():
            point = path.at(now)
            if point is not None and point != path.announced:
                path.announced = point
                state.publish("funding", None, (name, point.value))
        exchange.platform.tell_due()
    if moved:
        triggers.fire(exchange)
        mmp.settle(exchange)  # (what the orders fired filled)


def candles(
    path: PricePath, span: timedelta, start: datetime, end: datetime, now: datetime, most: int
) -> tuple[list[IndexCandle], datetime | None]:
    """The path's candles of `span` (on the epoch's grid) that begin from `start` to `end` and by `now`, once it has a
    value: the newest `most`, oldest first; and the time to read up to for the ones before (None: there are none)."""
    made: list[IndexCandle] = []
    at = grid(min(end, now), span)
    while at >= start:
        candle = _candle(path, at, span, now)
        if candle is None:
            break  # (nothing before it either)
        if len(made) == most:
            return made[::-1], at
        made.append(candle)
        at -= span
    return made[::-1], None


def _candle(path: PricePath, at: datetime, span: timedelta, now: datetime) -> IndexCandle | None:
    """The candle of the span from `at` (by `now`): the value in force as it began, then each point inside it."""
    opening = path.value_at(at)
    values = ([] if opening is None else [opening]) + [
        p.value for p in path.between(at, min(at + span - _INSTANT, now))
    ]
    return IndexCandle(at, values[0], max(values), min(values), values[-1]) if values else None


def mark_history(
    exchange: DeribitExchange, instrument_name: str, start: datetime, end: datetime, most: int
) -> list[Price]:
    """An option's mark every `MARK_STEP` from `start` to `end` (by now, while it was listed and before it expired),
    newest first, at most `most`: its pinned mark from the time it was pinned, else Black-76 on its index then with
    the volatility it is marked with now. A future's is none (Deribit keeps this history for options only)."""
    listing = exchange.market.listing(instrument_name)
    instrument = listing.instrument
    if instrument.kind != "option" or instrument.expiration is None:
        return []
    state = exchange.state
    volatility = exchange.market.volatility(instrument_name)
    pin = listing.mark
    last = min(end, state.clock.now(), instrument.expiration - _INSTANT)
    at = grid(last, MARK_STEP)
    found: list[Price] = []
    while at >= max(start, listing.listed) and len(found) < most:
        if pin is not None and pin.timestamp <= at:
            found.append(Price(pin.value, at))
        else:
            index = state.index_at(instrument.price_index, at)
            if index is None:
                break
            years = d.years_to_expiry(instrument, at)
            try:
                found.append(Price(d.option_mark(instrument, index, years, volatility), at))
            except (ValueError, ArithmeticError) as error:  # (as the ticker words it)
                raise ExchangeError(f"{instrument_name} cannot be priced: {error}", status=409) from None
        at -= MARK_STEP
    return found
