"""The ledger's handlers of the market commands (market_commands.py), by type: the catalogue's methods take its
commands (a series, an event, a market listed or changed, a fee change scheduled); the lifecycle's (a market settled
among them, the exchange's status and schedule) and the house's book take the command's values. Each answers what the
ledger did: the record set, the market moved, the book set with its levels (`BookSet`), the exchange's status now.
"""

from __future__ import annotations

from typing import NamedTuple

from mockexchange.core.commands import Handlers
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.kalshi.market_commands import (
    CloseMarket,
    CreateMarket,
    DetermineMarket,
    PauseMarket,
    ResumeMarket,
    ScheduleFeeChange,
    SetBook,
    SetCloseTime,
    SetEvent,
    SetExchangeSchedule,
    SetExchangeStatus,
    SetSeries,
    SettleMarket,
    UpdateMarket,
)
from mockexchange.core.kalshi.markets import Market

Levels = list[tuple[int, int]]


class BookSet(NamedTuple):
    """A market whose house levels were set, and its YES book after: bids and asks as (price, size), best first."""

    market: Market
    bids: Levels
    asks: Levels


def set_book(ledger: Ledger, book: SetBook) -> BookSet:
    market = ledger.liquidity.set_levels(book.ticker, book.yes, book.no)
    return BookSet(market, *ledger.feed.book_levels(book.ticker))


def add_market_handlers(handlers: Handlers, ledger: Ledger) -> None:
    catalogue, lifecycle = ledger.catalogue, ledger.lifecycle
    handlers.add(SetSeries, catalogue.put_series)
    handlers.add(SetEvent, catalogue.put_event)
    handlers.add(CreateMarket, catalogue.create_market)
    handlers.add(UpdateMarket, catalogue.update_market)
    handlers.add(ScheduleFeeChange, catalogue.schedule_fee_change)
    handlers.add(PauseMarket, lambda pause: lifecycle.pause_market(pause.ticker))
    handlers.add(ResumeMarket, lambda resume: lifecycle.resume_market(resume.ticker))
    handlers.add(CloseMarket, lambda close: lifecycle.set_close_time(close.ticker, None))
    handlers.add(SetCloseTime, lambda moved: lifecycle.set_close_time(moved.ticker, moved.close_time))
    handlers.add(DetermineMarket, lambda determined: lifecycle.determine_market(determined.ticker, determined.result))
    handlers.add(SettleMarket, lambda settle: lifecycle.settle_market(settle.ticker, settle.result))
    handlers.add(SetBook, lambda book: set_book(ledger, book))
    handlers.add(SetExchangeStatus, lifecycle.set_exchange_status)
    handlers.add(SetExchangeSchedule, lifecycle.set_exchange_schedule)
