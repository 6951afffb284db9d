"""A perps market's book as it moves: each exchange action's level changes, published as one `PerpBookMoved` (the
websocket's orderbook_delta), stamped by the exchange's book clock, which counts the actions that moved a book so a
snapshot read at a clock holds every move at or below it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from mockexchange.core.book import LevelChange, merged
from mockexchange.core.events import Change
from mockexchange.core.perps.orders import PerpOrder
from mockexchange.core.perps.state import PerpsState

BOOK = "perps.book"


@dataclass(frozen=True, slots=True)
class BookCause:
    """The order whose action moved the book, as its owner's delta names it."""

    user_id: str
    subaccount: int
    client_order_id: str
    reason: str  # its last_update_reason then ("": none)


@dataclass(frozen=True, slots=True)
class PerpBookMoved:
    ticker: str
    clock: int
    levels: tuple[LevelChange, ...]
    at: datetime
    cause: BookCause


class BookClock:
    """The exchange's book clock (wiring, not state: it only orders a connection's snapshot and deltas)."""

    def __init__(self) -> None:
        self.now = 0

    def moved(self, state: PerpsState, order: PerpOrder, changes: Iterable[LevelChange]) -> None:
        """Publish what one action of `order` did to its market's book (nothing if no level moved)."""
        levels = tuple(merged(changes))
        if not levels:
            return
        self.now += 1
        cause = BookCause(order.user_id, order.subaccount, order.client_order_id, order.last_update_reason)
        state.bus.publish(Change(BOOK, None, PerpBookMoved(order.ticker, self.now, levels, state.clock.now(), cause)))
