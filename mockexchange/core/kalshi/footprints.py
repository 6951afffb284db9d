"""What a long command over the Kalshi ledger's state may read or change (core/stepping.py's `Footprint`): trading in
some markets, and work of many steps inside a command that changed things already."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING

from mockexchange.core.kalshi.accounts import HOUSE
from mockexchange.core.stepping import DEEP, Footprint

if TYPE_CHECKING:
    from mockexchange.core.kalshi.ledger_state import LedgerState


def trading_footprint(state: LedgerState, tickers: Iterable[str], *users: str) -> Footprint:
    """What trading in `tickers` may read or change: those markets, `users`, the house, and every account resting
    an order or holding a row there (a row's value follows its market's price)."""
    tickers = tuple(tickers)
    touched = state.positions.holders(*tickers)
    touched.update(users)
    touched.add(HOUSE)
    markets = state.markets
    for ticker in tickers:
        market = markets.get(ticker)
        book = market.book if market is not None else None
        if book is not None:
            touched.update(resting.owner for resting in book.orders())
    return Footprint.of(touched, tickers)


def long_work(state: LedgerState, tickers: Iterable[str], count: int) -> AbstractContextManager[None]:
    """Work of `count` steps over `tickers`, inside a command that changed things already: long past `DEEP`
    (where it may run long: core/stepping.py), over what trading there touches."""
    if count <= DEEP:
        return nullcontext()
    return state.lock.long(trading_footprint(state, tickers), fresh=False)
