"""Kalshi's markets on the control plane: series, events and markets listed and changed, their lifecycle moved (pause,
resume, close, a new close time, a result), the house's levels in a market's book, and the exchange's status and
schedule.

`Control`'s methods of them (kalshi_operations.py): the admin API's `POST /_admin/series`, `/events`, `/markets`,
`/markets/update`, `/markets/pause`, ... (admin/routes.py), the Python API's methods of the same names, the scenario's
set-up and steps.
Each takes plain JSON-like values: texts, ISO 8601 times with a timezone, decimal strings for what Kalshi writes as a
JSON number (a fee multiplier, a strike: never a float, so they stay exact), prices and counts as the wire writes them.
Each write is a command declared once in the core (core/kalshi/market_commands.py): its fields' kinds are what a
call, an admin body and a scenario file are read by; the ledger's handlers (core/kalshi/market_handlers.py) run it.
"""

from __future__ import annotations

from typing import Any

from mockexchange.control.answers import fields
from mockexchange.core.kalshi.exchange import StatusNow
from mockexchange.core.kalshi.exchange_schedule import HOURS, WINDOWS, ExchangeSchedule
from mockexchange.core.kalshi.fee_changes import FeeChange
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.kalshi.market_handlers import BookSet
from mockexchange.core.kalshi.markets import (
    Event,
    Market,
    Series,
)
from mockexchange.core.kalshi.units import PRICE, contracts, price

# -- the answers -------------------------------------------------------------------------------------------------------

MARKET_FIELDS = (
    "ticker event_ticker exchange_index market_id status open_time close_time result settles_at settled_time"
    " price_level_structure book_clock"
)


def market_json(market: Market) -> dict[str, Any]:
    return fields(market, MARKET_FIELDS, result=market.result or "")


def book_json(book: BookSet) -> dict[str, Any]:
    """A market whose house levels were set, with its book's sides as the wire writes their bids."""
    return {**market_json(book.market), "yes": _wire(book.bids, False), "no": _wire(book.asks, True)}


def status_json(status: StatusNow) -> dict[str, Any]:
    names = "exchange_active trading_active exchange_estimated_resume_time"
    return fields(status, names, exchange_estimated_resume_time=status.estimated_resume_time)


def schedule_json(schedule: ExchangeSchedule) -> dict[str, Any]:
    """The schedule as its set-up writes it (the wire's shapes, times ISO 8601)."""
    return {"standard_hours": HOURS.write(schedule.standard_hours),
            "maintenance_windows": WINDOWS.write(schedule.maintenance_windows)}  # fmt: skip


def schedule_set_json(done: tuple[ExchangeSchedule, StatusNow]) -> dict[str, Any]:
    """The schedule set, and the exchange's status now."""
    return {**schedule_json(done[0]), "status": status_json(done[1])}


def series_json(series: Series) -> dict[str, Any]:
    return fields(series, "ticker title fee_type fee_multiplier events", events=list(series.events))


def event_json(event: Event) -> dict[str, Any]:
    return fields(event, "event_ticker series_ticker title markets", markets=list(event.markets))


def fee_change_json(change: FeeChange) -> dict[str, Any]:
    return fields(change, "id series_ticker event_ticker fee_type fee_multiplier scheduled_ts")


def exchange_status(ledger: Ledger) -> dict[str, Any]:
    """Whether the exchange is active and trades now, its switches within its schedule (`GET /exchange/status`'s
    figures)."""
    with ledger.reading():
        return status_json(ledger.state.exchange.at(ledger.state.clock.now()))


def _wire(book_levels: list[tuple[int, int]], no_side: bool) -> list[list[str]]:
    """Levels of the YES book as the wire writes a side's bids: price and count, plain."""
    return [[f"{price(PRICE - p if no_side else p):f}", f"{contracts(size):f}"] for p, size in book_levels]
