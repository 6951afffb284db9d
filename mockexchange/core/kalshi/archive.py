"""Kalshi's historical cutoff (`GET /historical/cutoff`) and what it moves from the live reads to `/historical/*`.

Four timestamps on the exchange clock. The default is the Unix epoch for each, before any exchange time (the control
plane keeps the clock from 1970 on), so by default nothing moves: every fill, position and order stays on the live
reads. Once set:
- fills made before `trades_created_ts` leave `GET /portfolio/fills` for `GET /historical/fills`; the fill index is
  in time order, so each read is bounded by a seek (`TimeIndex.page`'s `from_us`, `until_us`), never a walk;
- orders that ended (cancelled, expired, ended with their market, or executed) before `orders_updated_ts` are served
  by `GET /historical/orders` (and no longer by `GET /portfolio/orders`); the ended ones are kept here, in an index of
  their own per account, by the time they ended: each account's most recent ones, up to the ledger's bound
  (`kept_ended`, trading.py: past it the oldest are forgotten, there and everywhere else);
- an event's settled positions move, whole, to the archived book of the position store (`GET /historical/positions`)
  once every market of the event is settled and the last settled before `market_positions_last_updated_ts` (Kalshi's
  whole-event handoff); the live reads' settled book no longer holds them, so their walks do not grow with the
  archive. Moving the cutoff back moves them back.
Two cutoffs move nothing here but split what the venue's reads list: markets settled before `market_settled_ts` are
`/historical/markets`' (`holds_market`), and trades printed before `trades_created_ts` `/historical/trades`'.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mockexchange.core.clock import unix_us
from mockexchange.core.events import Change
from mockexchange.core.kalshi.markets import Event, Market
from mockexchange.core.kalshi.orders import Order
from mockexchange.core.kept_index import KeptIndex

MARKETS = "market_settled_ts"
TRADES = "trades_created_ts"
ORDERS = "orders_updated_ts"
POSITIONS = "market_positions_last_updated_ts"
CUTOFFS = (MARKETS, TRADES, ORDERS, POSITIONS)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class EndedOrder:
    """An order that left the book: its last state, how it ended (Kalshi's order status) and when."""

    order: Order  # as it ended (an ended order never changes)
    status: str  # "canceled" or "executed"
    ended: datetime

    @property
    def ticker(self) -> str:
        return self.order.ticker

    @property
    def subaccount(self) -> int:
        return self.order.subaccount


class Archive:
    """The cutoff, the ended orders, and which events' positions are archived. Used under the ledger's lock."""

    def __init__(self) -> None:
        self.cutoffs: dict[str, datetime] = dict.fromkeys(CUTOFFS, EPOCH)
        self.ended_orders: KeptIndex[EndedOrder] = KeptIndex()  # per user, by the time they ended (the kept ones)
        self.archived_events: set[str] = set()

    def clear(self) -> None:
        self.cutoffs = dict.fromkeys(CUTOFFS, EPOCH)
        self.ended_orders.clear()
        self.archived_events.clear()

    def cutoff_us(self, name: str) -> int:
        """A cutoff in Unix microseconds (what `TimeIndex.page` bounds by)."""
        return unix_us(self.cutoffs[name])

    def holds_market(self, market: Market) -> bool:
        """Whether the market is historical: settled before `market_settled_ts`."""
        settled = market.outcome.settled_time
        return settled is not None and settled < self.cutoffs[MARKETS]

    def order_ended(self, order: Order, when: datetime) -> None:
        self.ended_orders.add(order.user_id, when, EndedOrder(order, order.status, when))

    def set_cutoffs(self, state: Any, changes: Mapping[str, datetime]) -> int:
        """Set the cutoffs named in `changes`; with the positions' cutoff, move each wholly settled event's positions
        to the side of it they now belong on. `state`: the Kalshi ledger's (its events, markets, position store, bus),
        under its lock. Publishes a `historical_cutoff` change (for every user); answers how many events moved."""
        self.cutoffs.update(changes)
        moved = 0
        if POSITIONS in changes:
            for event in state.events.values():
                moved += self._file_event(state, event)
        # Every account's live and historical reads may answer otherwise now (no user named: all of them).
        state.bus.publish(Change("historical_cutoff", None, dict(self.cutoffs)))
        return moved

    def market_settled(self, state: Any, market: Market) -> None:
        """A market settled: its event's positions move now if that settled the event before the cutoff."""
        event = state.events.get(market.event_ticker)
        if event is not None:
            self._file_event(state, event)

    def _file_event(self, state: Any, event: Event) -> int:
        """Archive the event's positions, or bring them back, as the positions' cutoff now says; 1 if they moved."""
        due = _last_settled(state.markets, event)
        archive = due is not None and due < self.cutoffs[POSITIONS]
        if archive == (event.event_ticker in self.archived_events):
            return 0
        if archive:
            self.archived_events.add(event.event_ticker)
        else:
            self.archived_events.discard(event.event_ticker)
        store = state.positions
        for ticker in event.markets:
            for row in store.of_market(ticker):
                store.set_archived(row, archive)
        return 1


def _last_settled(markets: Mapping[str, Market], event: Event) -> datetime | None:
    """When the event's last market settled; None while one of them is not settled (or it has none)."""
    last = None
    for ticker in event.markets:
        settled = markets[ticker].settled_time
        if settled is None:
            return None
        last = settled if last is None or settled > last else last
    return last
