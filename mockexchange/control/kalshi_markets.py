"""Kalshi's markets on the control plane: series, events and markets listed and changed, their lifecycle moved (pause,
resume, close, a new close time, a result), the house's levels in a market's book, and the exchange's status.

`Control` inherits them: the admin API's `POST /_admin/series`, `/events`, `/markets`, `/markets/update`,
`/markets/pause`, ... (admin/routes.py), the Python API's methods of the same names, the scenario's set-up and steps.
Each takes plain JSON-like values: texts, ISO 8601 times with a timezone, decimal strings for what Kalshi writes as a
JSON number (a fee multiplier, a strike: never a float, so they stay exact), prices and counts as the wire writes them.
A series, an event, a market listed and a market changed are commands declared once in the core
(core/kalshi/market_commands.py): their fields' kinds are what a call, an admin body and a scenario file are read by.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from mockexchange.control.commands import command, operation
from mockexchange.control.errors import ControlError
from mockexchange.control.values import (
    boolean,
    check_exchange_time,
    choice,
    iso_time,
    text,
)
from mockexchange.core.kalshi.checks import LedgerError
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.kalshi.market_commands import CreateMarket, SetEvent, SetSeries, UpdateMarket
from mockexchange.core.kalshi.markets import (
    RESULTS,
    Event,
    Market,
    Series,
)
from mockexchange.core.kalshi.units import PRICE, contracts, count_units, price, price_units
from mockexchange.core.money import MoneyError, parse_count, parse_price, shown

# -- the values --------------------------------------------------------------------------------------------------------


def exchange_time(value: Any, name: str) -> datetime:
    return check_exchange_time(iso_time(value, name), name).astimezone(UTC)


def levels(value: Any, name: str) -> list[tuple[int, int]] | None:
    """A side's levels as the wire writes them: a list of [price, count] pairs ("0.4200", "100.00"), in units."""
    if value is None:
        return None
    if not isinstance(value, list) or len(value) > 1000:
        raise ControlError(f"{name} must be a list of at most 1000 [price, count] pairs, not {shown(value)}")
    found = []
    for i, pair in enumerate(value):
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise ControlError(f'{name}[{i}] must be a [price, count] pair such as ["0.4200", "100.00"]')
        try:
            found.append((price_units(parse_price(pair[0], f"{name}[{i}] price")),
                          count_units(parse_count(pair[1], f"{name}[{i}] count"))))  # fmt: skip
        except MoneyError as exc:
            raise ControlError(str(exc)) from None
    return found


# -- the answers -------------------------------------------------------------------------------------------------------


def _when(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def market_json(market: Market) -> dict[str, Any]:
    return {
        "ticker": market.ticker, "event_ticker": market.event_ticker, "exchange_index": market.exchange_index,
        "market_id": market.market_id, "status": market.status, "open_time": _when(market.open_time),
        "close_time": _when(market.close_time), "result": market.result or "",
        "settles_at": _when(market.settles_at), "settled_time": _when(market.settled_time),
        "price_level_structure": market.price_level_structure, "book_clock": market.book_clock,
    }  # fmt: skip


def series_json(series: Series) -> dict[str, Any]:
    return {"ticker": series.ticker, "title": series.title, "fee_type": series.fee_type,
            "fee_multiplier": f"{series.fee_multiplier:f}", "events": list(series.events)}  # fmt: skip


def event_json(event: Event) -> dict[str, Any]:
    return {"event_ticker": event.event_ticker, "series_ticker": event.series_ticker, "title": event.title,
            "markets": list(event.markets)}  # fmt: skip


class KalshiMarketOperations:
    """Mixed into `Control`, which owns the ledger they act on."""

    ledger: Ledger

    def _ledger(self, call: Callable[[], Any]) -> Any:
        try:
            return call()
        except LedgerError as exc:
            raise ControlError(str(exc), exc.status) from None

    set_series = operation(SetSeries, series_json)
    set_event = operation(SetEvent, event_json)
    create_market = operation(CreateMarket, market_json)
    update_market = operation(UpdateMarket, market_json)

    @command()
    def pause_market(self, ticker: str) -> dict[str, Any]:
        """Pause an active market's trading (status `inactive`, `deactivated`)."""
        ticker = text(ticker, "ticker")
        return market_json(self._ledger(lambda: self.ledger.pause_market(ticker)))

    @command()
    def resume_market(self, ticker: str) -> dict[str, Any]:
        """Resume a paused market (`activated`); its book is cleared, as Kalshi cancels resting orders then."""
        ticker = text(ticker, "ticker")
        return market_json(self._ledger(lambda: self.ledger.resume_market(ticker)))

    @command()
    def close_market(self, ticker: str) -> dict[str, Any]:
        """Close a market now (`close_date_updated`; `can_close_early` must allow it); its book is cleared."""
        ticker = text(ticker, "ticker")
        return market_json(self._ledger(lambda: self.ledger.set_close_time(ticker, self.ledger.clock.now())))

    @command()
    def set_close_time(self, ticker: str, close_time: str) -> dict[str, Any]:
        """Move a market's close time: at or before now it closes now; later, a closed market opens again."""
        ticker = text(ticker, "ticker")
        when = exchange_time(close_time, "close_time")
        return market_json(self._ledger(lambda: self.ledger.set_close_time(ticker, when)))

    @command()
    def determine_market(self, ticker: str, result: str) -> dict[str, Any]:
        """The market's result: it closes (if open) and is determined; its positions are paid when its
        `settlement_timer_seconds` end on the exchange clock (`settle` pays at once)."""
        ticker, result = text(ticker, "ticker"), choice(result, "result", RESULTS)
        return market_json(self._ledger(lambda: self.ledger.determine_market(ticker, result)))

    @command()
    def set_book(self, ticker: str, yes: list[Any] | None = None, no: list[Any] | None = None) -> dict[str, Any]:
        """The house's levels in a market's book: `yes` its YES bids, `no` its NO bids, each a list of [price, count]
        as the wire writes them ([["0.4200", "100.00"]]); a side not given keeps its levels, an empty list takes them
        away. One exchange action (one `BookMoved`, the book's clock + 1); levels that would cross are refused."""
        ticker = text(ticker, "ticker")
        yes_levels, no_levels = levels(yes, "yes"), levels(no, "no")
        if yes_levels is None and no_levels is None:
            raise ControlError("give yes, no or both")
        market = self._ledger(lambda: self.ledger.set_levels(ticker, yes_levels, no_levels))
        bids, asks = self.ledger.book_levels(ticker)
        return {**market_json(market), "yes": _wire(bids, False), "no": _wire(asks, True)}

    def exchange_status(self) -> dict[str, Any]:
        """Whether the exchange is active and trades (`GET /exchange/status`'s figures)."""
        with self.ledger.reading():
            status = self.ledger.exchange
            return {"exchange_active": status.exchange_active, "trading_active": status.trading_active,
                    "exchange_estimated_resume_time": _when(status.estimated_resume_time)}  # fmt: skip

    @command()
    def set_exchange_status(
        self,
        exchange_active: bool | None = None,
        trading_active: bool | None = None,
        exchange_estimated_resume_time: str | None = None,
    ) -> dict[str, Any]:
        """Switch the exchange or its trading off and on (what is not given stays; the resume time is set as given).
        While either is off, trading is refused."""
        active = None if exchange_active is None else boolean(exchange_active, "exchange_active")
        trading = None if trading_active is None else boolean(trading_active, "trading_active")
        resume = None
        if exchange_estimated_resume_time is not None:
            resume = exchange_time(exchange_estimated_resume_time, "exchange_estimated_resume_time")
        self.ledger.set_exchange_status(active, trading, resume)
        return self.exchange_status()


def _wire(book_levels: list[tuple[int, int]], no_side: bool) -> list[list[str]]:
    """Levels of the YES book as the wire writes a side's bids: price and count, plain."""
    return [[f"{price(PRICE - p if no_side else p):f}", f"{contracts(size):f}"] for p, size in book_levels]
