"""The orders the ledger keeps, and what every change to one keeps up: the records that name it (by id, in its user's
order index, by its client order id, in its order group), what it rests and holds (its position row's
`resting_orders_count`, its account's resting contracts, the cash it holds: orders.py), its publication as an `order`
change, and its end: cancelled or executed, by a command, at its expiration_time, on a pause, or with its market's
book. Used by trading (trading.py, matching.py), order groups and the lifecycle, under the ledger's lock.

An account keeps its resting orders and its `kept_ended` most recent ended ones: past that bound its oldest ended
order is forgotten by everything that names it (its client order id is free again), so a flood of orders keeps
memory flat.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from mockexchange.core.book import Book, LevelChange, merged
from mockexchange.core.clock import unix_us
from mockexchange.core.events import Change
from mockexchange.core.kalshi.footprints import long_work
from mockexchange.core.kalshi.lifecycle import schedule
from mockexchange.core.kalshi.liquidity import book_moved
from mockexchange.core.kalshi.market_changes import Cause
from mockexchange.core.kalshi.market_feed import touch
from mockexchange.core.kalshi.markets import Market
from mockexchange.core.kalshi.orders import CANCELED, EXPIRY_CANCEL, HALT_CANCEL, ORDER, RESTING, Order

if TYPE_CHECKING:
    from mockexchange.core.kalshi.ledger_state import LedgerState

# Ended orders an account keeps (Settings.kalshi_ended_orders): past it its oldest go. About 1 KB each (the order and
# its places in the indexes), so some 10 MB an account: far more than a test reads back, and a soak ending an order a
# second keeps its last three hours of them (and every resting order).
KEPT_ENDED = 10_000


def cause_of(order: Order) -> Cause:
    """Whose command moved the book: the order's owner, its subaccount and client order id."""
    return Cause(order.user_id, order.subaccount, order.client_order_id or None)


class OrderUpkeep:
    """The orders the ledger keeps (module docstring), over its state. It takes what it calls of the FCM desk: the
    count a subtrader's daily cap keeps of its resting orders (`cap_rest_moved`, fcm.py's `rest_moved`)."""

    def __init__(self, state: LedgerState, cap_rest_moved: Callable[[Order], None]) -> None:
        self.state = state
        self.cap_rest_moved = cap_rest_moved

    # -- what every change keeps up --------------------------------------------------------------------------------

    def register(self, order: Order) -> None:
        """A new order, known from now on by its id, its client order id, in its user's list and its group's."""
        state = self.state
        state.all_orders[order.order_id] = order
        order.seq = state.order_index.add(order.user_id, order.created, order)[1]
        if order.client_order_id:
            state.client_orders[(order.user_id, order.client_order_id)] = order.order_id
        if order.order_group_id is not None:
            state.order_groups[order.order_group_id].orders[order.order_id] = None

    def rename(self, order: Order, updated_client_order_id: str) -> None:
        """The order takes the client order id an amend gives it; the one it had names it no more."""
        client_orders = self.state.client_orders
        if order.client_order_id:
            client_orders.pop((order.user_id, order.client_order_id), None)
        order.client_order_id = updated_client_order_id
        client_orders[(order.user_id, updated_client_order_id)] = order.order_id

    def rest_moved(self, order: Order, before: int, now: datetime) -> None:
        """What the order rests, in whole contracts, was `before`: its position row's `resting_orders_count` and its
        account's total follow (and, for a subtrader, what its daily cap counts of it: fcm.py)."""
        state = self.state
        account = state.accounts[order.user_id]
        if account.subtrader_of is not None:
            self.cap_rest_moved(order)
        delta = order.resting_whole - before
        if not delta:
            return
        store = state.positions
        row = store.get(order.user_id, order.subaccount, order.ticker)
        if row is None:
            row = store.open(order.user_id, order.subaccount, state.markets[order.ticker], now)
        with store.changing(row, now):
            row.resting_orders_count += delta
        account.resting += delta

    def hold(self, order: Order, now: datetime) -> None:
        """The order holds what it should now (orders.py): the difference leaves or rejoins the available cash."""
        delta = order.holds() - order.held
        if not delta:
            return
        state = self.state
        account = state.accounts[order.user_id]
        state.move_cash(account, order.subaccount, order.exchange_index, -delta, now)
        order.held += delta

    def changed(self, order: Order, reason: str | None) -> None:
        """The order changed for `reason` (orders.py's; None: it was placed and nothing else happened): published."""
        order.last_update_reason = reason
        state = self.state
        state.user_data_updated = order.updated
        takers = state.bus.takers(ORDER)
        if takers:
            change = Change(ORDER, order.user_id, order.copy())
            for take in takers:
                take(change)

    def end(
        self, order: Order, status: str, now: datetime, book: Book | None, before: int | None = None, *,
        reason: str | None,
    ) -> LevelChange | None:  # fmt: skip
        """The order ends (`canceled` or `executed`) for `reason` (orders.py's): out of `book` if given (else it is out
        already, or never rested), nothing rests, its hold goes back, the archive keeps it. `before`: what rested in
        whole contracts before the change, if its `remaining` changed already."""
        change = book.cancel(order.order_id)[1] if book is not None and order.order_id in book else None
        was = order.resting_whole if before is None else before
        order.remaining = 0
        order.status = status
        order.updated = now
        order.maker_rule = None
        self.rest_moved(order, was, now)
        if order.held:  # (what it holds now is nothing: only what it held goes back)
            self.hold(order, now)
        self.state.orders.pop(order.order_id, None)
        self.changed(order, reason)
        self._keep_ended(order, now)
        return change

    def _keep_ended(self, order: Order, now: datetime) -> None:
        """The order ended at `now`: its account's history of ended orders keeps it; past the account's bound
        (`kept_ended`), the account's oldest ended order (by when it ended) is forgotten by everything that names it.
        Only the order's own account is touched, and what goes follows from the order orders ended in, so a state
        file's replay forgets what the first run forgot."""
        state = self.state
        state.archive.order_ended(order, now)
        for gone in state.archive.ended_orders.trim(order.user_id, state.kept_ended):
            self._forget(gone.order)  # (one, unless the bound was lowered since)

    def _forget(self, order: Order) -> None:
        """An ended order leaves every structure that names it: by id, in its user's list, its client order id (free
        again: Kalshi's only rule is that it names no open order) and its group's list."""
        state = self.state
        user_id = order.user_id
        state.all_orders.pop(order.order_id, None)
        state.order_index.drop(user_id, (unix_us(order.created), order.seq))
        client_orders = state.client_orders
        if order.client_order_id and client_orders.get((user_id, order.client_order_id)) == order.order_id:
            del client_orders[(user_id, order.client_order_id)]
        group = state.order_groups.get(order.order_group_id) if order.order_group_id is not None else None
        if group is not None:
            group.orders.pop(order.order_id, None)

    # -- the clock, pauses and the end of a market ----------------------------------------------------------------

    def schedule_expiry(self, order: Order) -> None:
        """A resting order with an expiration_time ends then: its market is looked at when it comes."""
        if order.expiration_time is not None and order.status == RESTING:
            state = self.state
            heap = state.expiries.setdefault(order.ticker, [])
            heapq.heappush(heap, (order.expiration_time, order.order_id))
            resting = state.orders
            # Mostly orders ended or amended since: only the others kept (O(1) amortized, however many come and go).
            if len(heap) > 2 * len(resting) + 64:
                heap[:] = [(when, i) for when, i in heap if i in resting and resting[i].expiration_time == when]
                heapq.heapify(heap)
            schedule(state, order.expiration_time, order.ticker)

    def expire(self, market: Market, until: datetime) -> None:
        """End the market's orders whose expiration_time is `until` or before, each at its expiration_time."""
        state = self.state
        heap = state.expiries.get(market.ticker)
        while heap and heap[0][0] <= until:
            when, order_id = heapq.heappop(heap)
            order = state.orders.get(order_id)
            if order is None or order.expiration_time != when:
                continue  # ended or amended since
            touch(market, when)
            change = self.end(order, CANCELED, when, market.book, reason=EXPIRY_CANCEL)
            book_moved(state, market, [change] if change else [], when)
        if heap is not None and not heap:
            del state.expiries[market.ticker]

    def cancel_on_pause(self, markets: Iterable[Market], now: datetime) -> None:
        """Trading paused: the orders that asked to be cancelled then end (one action per market)."""
        for market in markets:
            orders = [r.data for r in market.book.orders() if r.data is not None and r.data.cancel_order_on_pause] if (
                market.book is not None) else []  # fmt: skip
            if not orders:
                continue
            touch(market, now)
            changes = [self.end(order, CANCELED, now, market.book, reason=HALT_CANCEL) for order in orders]
            book_moved(self.state, market, merged(c for c in changes if c is not None), now)

    def clear_book(self, market: Market, when: datetime, reason: str) -> None:
        """Every order in the market's book ends (cancelled, for `reason`: the market closed or resumed), the house's
        levels go: one action, if any rested."""
        book = market.book
        if book is None or not len(book):
            return
        state = self.state
        touch(market, when)
        with long_work(state, [market.ticker], len(book)):
            step = state.lock.stepper()
            for resting in list(book.orders()):
                if step is not None:
                    step()
                if resting.data is not None:
                    self.end(resting.data, CANCELED, when, None, reason=reason)
        changes = book.clear()
        market.keeping().house = None
        book_moved(state, market, changes, when)
