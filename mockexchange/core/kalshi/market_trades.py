"""Each market's trades (`LedgerState.market_trades`): a time index over the fill log whose record numbers each market
keeps itself (`Market.trades`), in place of a map keyed by the ticker beside the catalogue's. A market traded once held
a map entry for it there; the fill road reads the market it trades in anyway (bench/README.md, "Fills at scale,
again")."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from mockexchange.core.kalshi.fill_log import FillLog
from mockexchange.core.kalshi.markets import Market
from mockexchange.core.time_index import TimeIndex, numbers_of, with_number


class MarketTrades(TimeIndex):
    """`TimeIndex` over the fill log keyed by ticker, its keys' numbers kept on the markets of `markets` (the ledger's
    catalogue): a ticker no market has has no trades."""

    def __init__(self, log: FillLog, markets: dict[str, Market]) -> None:
        super().__init__(log)
        self._markets = markets

    def add_trade(self, market: Market, position: int) -> None:
        """Index the fill the log took at `position` as a trade of `market` (one after the last this index took)."""
        self._take(position)
        grown = with_number(market.trades, position, self._records.times)
        if grown is not None:
            market.trades = grown

    def add_position(self, user_id: str, when: datetime, position: int) -> None:
        self.add_trade(self._markets[user_id], position)

    def numbers(self, user_id: str) -> Sequence[int] | None:
        market = self._markets.get(user_id)
        return None if market is None else numbers_of(market.trades)

    def numbers_in(self, market: Market) -> Sequence[int] | None:
        """`numbers` of the market in hand (no look-up by ticker)."""
        return numbers_of(market.trades)

    def clear(self) -> None:
        for market in self._markets.values():
            market.trades = None
        super().clear()
