"""A stand-in for the Kalshi core's market feed, for the market data channels' tests until the markets branch lands:
a `MarketFeed` (core/kalshi/market_changes.py) over one `core.book.Book` per market, whose changes are published on
the ledger's bus under the ledger's lock, as the core publishes them: one `BookMoved` per exchange action (the
market's book clock + 1), one `Trade` per match, one `Lifecycle` per transition.

Units are the core's: prices in ten-thousandths of a dollar on the YES book, sizes in hundredths of a contract. What
the stats hold is the stand-in's own simple choice (open interest is the volume): the channels render what a feed
answers, whatever it is.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from mockexchange.core.book import ASK, BID, Book, LevelChange, Side
from mockexchange.core.events import Change
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.kalshi.market_changes import (
    BOOK,
    LIFECYCLE,
    TRADE,
    BookMoved,
    Cause,
    Lifecycle,
    MarketStats,
    Trade,
)

HOUSE = "house"  # the owner of scripted levels


class StandInMarkets:
    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.books: dict[str, Book] = {}
        self.clocks: dict[str, int] = {}
        self.ids: dict[str, str] = {}
        self.last: dict[str, Trade] = {}
        self.volume: dict[str, int] = {}
        self.published: list[Change] = []
        self._next = 0

    def attach(self, mock: Any) -> StandInMarkets:
        """Serve these markets on a running `MockServer`'s Kalshi websocket."""
        mock.app.kalshi.markets = self
        return self

    # -- MarketFeed ---------------------------------------------------------------------------------------------------

    def market_id(self, ticker: str) -> str | None:
        return self.ids.get(ticker)

    def market_ticker(self, market_id: str) -> str | None:
        return next((t for t, i in self.ids.items() if i == market_id), None)

    def book_levels(self, ticker: str, depth: int | None = None) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        book = self.books[ticker]
        return book.levels(BID, depth), book.levels(ASK, depth)

    def book_clock(self, ticker: str) -> int:
        return self.clocks[ticker]

    def stats(self, ticker: str) -> MarketStats:
        book, last = self.books[ticker], self.last.get(ticker)
        bid, ask = book.best(BID), book.best(ASK)
        return MarketStats(
            yes_bid=bid[0] if bid else None,
            yes_bid_size=bid[1] if bid else 0,
            yes_ask=ask[0] if ask else None,
            yes_ask_size=ask[1] if ask else 0,
            last_price=last.yes_price if last else None,
            last_trade_size=last.count if last else None,
            volume=self.volume.get(ticker, 0),
            volume_24h=self.volume.get(ticker, 0),
            open_interest=self.volume.get(ticker, 0),
            previous_yes_bid=None,
            previous_yes_ask=None,
            previous_price=None,
        )

    # -- changes ------------------------------------------------------------------------------------------------------

    def list_market(self, ticker: str, **told: Any) -> str:
        """A new market with an empty book; publishes `created` (with what `told` gives of it)."""
        with self.ledger.state.lock:
            self.books[ticker] = Book()
            self.clocks[ticker] = 0
            self.ids[ticker] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"mockexchange-standin/{ticker}"))
            self._publish(LIFECYCLE, Lifecycle(ticker, "created", self.ledger.state.clock.now(), **told))
            return self.ids[ticker]

    def rest(self, ticker: str, side: Side, price: int, size: int, cause: Cause | None = None) -> str:
        """An order at rest (it must not cross); one action."""
        with self.ledger.state.lock:
            order_id = self._order_id()
            owner = cause.user_id if cause else HOUSE
            change = self.books[ticker].add(order_id, owner, side, price, size, data=cause)
            self._moved(ticker, [change], cause)
            return order_id

    def cancel(self, ticker: str, order_id: str, cause: Cause | None = None) -> None:
        with self.ledger.state.lock:
            _, change = self.books[ticker].cancel(order_id)
            self._moved(ticker, [change], cause)

    def reduce(self, ticker: str, order_id: str, size: int, cause: Cause | None = None) -> None:
        with self.ledger.state.lock:
            self._moved(ticker, [self.books[ticker].reduce(order_id, size)], cause)

    def set_levels(self, ticker: str, side: Side, levels: Iterable[tuple[int, int]]) -> None:
        """Replace the house's levels on one side (scripted liquidity): one action, one change per level moved."""
        with self.ledger.state.lock:
            book = self.books[ticker]
            changes = [book.cancel(o.order_id)[1] for o in list(book.orders()) if o.owner == HOUSE and o.side == side]
            changes += [book.add(self._order_id(), HOUSE, side, price, size) for price, size in levels]
            self._moved(ticker, _net(changes), None)

    def take(self, ticker: str, side: Side, size: int, limit: int | None, cause: Cause | None = None) -> int:
        """An incoming order that takes what crosses (never rests): one action, a trade per match; the size filled."""
        with self.ledger.state.lock:
            owner = cause.user_id if cause else "taker"
            matched = self.books[ticker].match(side, size, limit, owner)
            now = self.ledger.state.clock.now()
            if matched.changes:
                self._moved(ticker, matched.changes, cause)
            for match in matched.matches:
                trade = Trade(self._trade_id(), ticker, match.size, match.price, "yes" if side == BID else "no", now)
                self.last[ticker] = trade
                self.volume[ticker] = self.volume.get(ticker, 0) + match.size
                self._publish(TRADE, trade)
            return matched.filled

    def lifecycle(self, ticker: str, event_type: str, at: datetime | None = None, **told: Any) -> None:
        with self.ledger.state.lock:
            self._publish(LIFECYCLE, Lifecycle(ticker, event_type, at or self.ledger.state.clock.now(), **told))

    # -- inside -------------------------------------------------------------------------------------------------------

    def _moved(self, ticker: str, changes: list[LevelChange], cause: Cause | None) -> None:
        if not changes:
            return
        self.clocks[ticker] += 1
        at = self.ledger.state.clock.now()
        self._publish(BOOK, BookMoved(ticker, self.clocks[ticker], tuple(changes), at, cause))

    def _publish(self, kind: str, payload: Any) -> None:
        change = Change(kind, None, payload)
        self.published.append(change)
        self.ledger.state.bus.publish(change)

    def _order_id(self) -> str:
        self._next += 1
        return f"standin-{self._next}"

    def _trade_id(self) -> str:
        self._next += 1
        return str(uuid.UUID(int=self._next))


def _net(changes: list[LevelChange]) -> list[LevelChange]:
    """Several changes of one level as one (its size before the first, after the last); none for a level that
    ended where it began."""
    first: dict[tuple[str, int], LevelChange] = {}
    last: dict[tuple[str, int], LevelChange] = {}
    for change in changes:
        first.setdefault((change.side, change.price), change)
        last[(change.side, change.price)] = change
    netted = [LevelChange(side, price, first[(side, price)].before, c.after) for (side, price), c in last.items()]
    return [c for c in netted if c.before != c.after]
