"""Kalshi's order groups: a user's set of orders under one contracts limit, counted over a rolling window.

What Kalshi documents (Order Groups, the 3.34.0 spec): a group is made with a contracts limit of 1 to 1,000,000 whole
contracts; orders name it as they are placed (`order_group_id`); the contracts its orders match, as taker or maker,
add up over a rolling 15-second window on the exchange clock, and when that total passes the limit the group is
triggered: its resting orders are cancelled and every new order naming it is refused until it is reset. A trigger by
hand does the same whatever the total; a limit set below the window's total triggers the group at once; a reset sets
the count to zero and ends the trigger; a delete cancels the group's resting orders and removes it. A user holds at
most 100,000 groups at a time.

Each command is one action under the ledger's lock, checked whole first (a refused one changes nothing), and is
published as one `GroupEvent` on the bus (`order_group`: created, triggered, reset, deleted, limit_updated, with the
limit where Kalshi's message has it); the orders a trigger or a delete ends are published as every ended order is
(trading.py), after the group's event, one book action per market.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from datetime import datetime
from typing import TYPE_CHECKING

from mockexchange.core.book import LevelChange, merged
from mockexchange.core.events import Change
from mockexchange.core.kalshi.checks import Refusal
from mockexchange.core.kalshi.liquidity import book_moved
from mockexchange.core.kalshi.market_changes import Cause
from mockexchange.core.kalshi.market_feed import touch
from mockexchange.core.kalshi.order_group_commands import (
    CreateOrderGroup,
    DeleteOrderGroup,
    OnOrderGroup,
    ResetOrderGroup,
    TriggerOrderGroup,
    UpdateOrderGroupLimit,
)
from mockexchange.core.kalshi.order_group_records import GROUP
from mockexchange.core.kalshi.orders import CANCELED, DECREASE, Order
from mockexchange.core.order_groups import (
    CREATED,
    DELETED,
    LIMIT_UPDATED,
    MAX_GROUPS,
    RESET,
    TRIGGERED,
    GroupEvent,
    OrderGroup,
)
from mockexchange.core.stepping import DEEP, Footprint

if TYPE_CHECKING:
    from mockexchange.core.kalshi.accounts import Account
    from mockexchange.core.kalshi.ledger_state import LedgerState


class OrderGroups:
    """The users' order groups (`ledger.groups`), under the ledger's lock. It takes the ledger's state and what it
    calls of the ledger's other parts: the lifecycle's `run_due` (lifecycle.py's `run_due_now`), the subaccounts'
    `known` check (subaccounts.py), and the `end` of an order (trading.py)."""

    def __init__(
        self,
        state: LedgerState,
        run_due: Callable[[], None],
        known: Callable[[Account, int, str], None],
        end: Callable[..., LevelChange | None],
    ) -> None:
        self.state = state
        self.run_due = run_due
        self.known = known
        self.end = end

    # -- commands ----------------------------------------------------------------------------------------------------

    def create_order_group(self, create: CreateOrderGroup) -> OrderGroup:
        """A new group of the user's subaccount on an exchange index, with its limit (its `order_group_id`: the
        control plane's seeded id; otherwise one is drawn)."""
        user_id, contracts_limit, subaccount = create.user_id, create.limit, create.subaccount
        exchange_index, group_id = create.exchange_index, create.order_group_id
        with self.state.lock:
            account = self.state.account(user_id)
            self.known(account, subaccount, "subaccount")
            if exchange_index not in self.state.exchange_indexes:
                raise Refusal(f"exchange_index {exchange_index} lists no market")
            held = self.state.user_groups.setdefault(user_id, {})
            if len(held) >= MAX_GROUPS:
                raise Refusal(f"a user holds at most {MAX_GROUPS:,} order groups at a time (delete one first)")
            if group_id is not None and group_id in self.state.order_groups:
                raise Refusal(f"order group {group_id!r} exists already", 409, "conflict")
            now = self.state.clock.now()
            group_id = group_id or self.state.new_id()
            group = OrderGroup(group_id, user_id, subaccount, exchange_index, contracts_limit, now)
            self.state.order_groups[group.group_id] = group
            held[group.group_id] = None
            self._group_event(group, CREATED, now)
            return group.copy()

    def trigger_order_group(self, on: TriggerOrderGroup) -> OrderGroup:
        """Trigger the group by hand: its resting orders end, new ones are refused until a reset."""
        with self.state.lock:
            self.run_due()
            group = self._group_of(on)
            self._trigger(group, self.state.clock.now())
            return group

    def reset_order_group(self, on: ResetOrderGroup) -> OrderGroup:
        """The group's count back to zero and its trigger ended: it takes orders again."""
        with self.state.lock:
            group = self._group_of(on)
            group.reset()
            self._group_event(group, RESET, self.state.clock.now())
            return group

    def set_order_group_limit(self, update: UpdateOrderGroupLimit) -> OrderGroup:
        """A new contracts limit; below what the window holds, the group is triggered at once."""
        contracts_limit = update.limit
        with self.state.lock:
            self.run_due()
            group = self._users_group(update.order_group_id, update.user_id, update.subaccount, update.exchange_index)
            now = self.state.clock.now()
            group.contracts_limit = contracts_limit
            self._group_event(group, LIMIT_UPDATED, now)
            if group.passed(now):
                self._trigger(group, now)
            return group

    def delete_order_group(self, on: DeleteOrderGroup) -> OrderGroup:
        """Remove the group; its resting orders end."""
        with self.state.lock:
            self.run_due()
            group = self._group_of(on)
            now = self.state.clock.now()
            del self.state.order_groups[on.order_group_id]
            del self.state.user_groups[on.user_id][on.order_group_id]
            self._group_event(group, DELETED, now)
            self._cancel_group_orders(group, now)
            return group

    def _group_of(self, on: OnOrderGroup) -> OrderGroup:
        return self._users_group(on.order_group_id, on.user_id, on.subaccount, on.exchange_index)

    # -- reads -------------------------------------------------------------------------------------------------------

    def order_groups_of(self, user_id: str, subaccount: int | None) -> list[OrderGroup]:
        """The user's groups (of one subaccount, if given), oldest first."""
        with self.state.lock:
            groups = self.state.order_groups
            return [
                groups[group_id].copy()
                for group_id in self.state.user_groups.get(user_id, ())
                if subaccount in (None, groups[group_id].subaccount)
            ]

    def order_group(self, group_id: str, user_id: str, subaccount: int | None) -> OrderGroup:
        """One of the user's groups (of that subaccount, if given), on any exchange index; 404 otherwise."""
        with self.state.lock:
            return self._users_group(group_id, user_id, subaccount, None).copy()

    # -- what orders ask of their group (trading.py, matching.py) ------------------------------------------------------

    def group_for_order(self, group_id: str, user_id: str, subaccount: int, exchange_index: int) -> None:
        """An order may join the group: one of its owner's, of its subaccount and exchange index, not triggered."""
        group = self._users_group(group_id, user_id, subaccount, None)
        if group.exchange_index != exchange_index:
            raise Refusal(
                f"order group {group_id!r} is on exchange index {group.exchange_index}, the market on {exchange_index}",
                400,
                "invalid_order",
            )
        if group.triggered:
            raise Refusal(f"order group {group_id!r} is triggered: it takes no orders until it is reset", 409,
                          "order_group_triggered")  # fmt: skip

    def group_matched(self, order: Order, count: int, now: datetime) -> None:
        """The order, of a group, matched `count` hundredths: counted in its group's window; a group that passes its
        limit is due to trigger once the action that matched is done (`trip_groups`)."""
        group_id = order.order_group_id
        group = self.state.order_groups.get(group_id) if group_id is not None else None
        if group is None:  # deleted since the order was placed
            return
        if group.count(count, now):
            self.state.groups_due.append(group.group_id)

    def trip_groups(self, now: datetime) -> None:
        """Trigger the groups an action's matches took past their limit."""
        due, self.state.groups_due = self.state.groups_due, []
        for group_id in dict.fromkeys(due):
            group = self.state.order_groups.get(group_id)
            if group is not None and not group.triggered:
                self._trigger(group, now)

    # -- steps -------------------------------------------------------------------------------------------------------

    def _users_group(
        self, group_id: str, user_id: str, subaccount: int | None, exchange_index: int | None
    ) -> OrderGroup:
        group = self.state.order_groups.get(group_id) if isinstance(group_id, str) else None
        if (
            group is None
            or group.user_id != user_id
            or subaccount not in (None, group.subaccount)
            or exchange_index not in (None, group.exchange_index)
        ):
            raise Refusal(f"no order group {group_id!r} of this user's subaccount there", 404, "not_found")
        return group

    def _trigger(self, group: OrderGroup, now: datetime) -> None:
        group.triggered = True
        self._group_event(group, TRIGGERED, now)
        self._cancel_group_orders(group, now)

    def _cancel_group_orders(self, group: OrderGroup, now: datetime) -> None:
        """End the group's resting orders: one book action per market."""
        resting: dict[str, Order] = self.state.orders
        by_market: dict[str, list[Order]] = {}
        for order_id in group.orders:
            order = resting.get(order_id)
            if order is not None:
                by_market.setdefault(order.ticker, []).append(order)
        # Many: long (core/stepping.py), though the command changed the group already (where it may step).
        many = sum(map(len, by_market.values())) > DEEP
        footprint = Footprint.of((group.user_id,), by_market)
        with self.state.lock.long(footprint, fresh=False) if many else nullcontext():
            step = self.state.lock.stepper()
            for ticker, orders in by_market.items():
                market = self.state.markets[ticker]
                touch(market, now)
                changes: list[LevelChange] = []
                for order in orders:
                    if step is not None:
                        step()
                    change = self.end(order, CANCELED, now, market.book, reason=DECREASE)
                    changes += [change] if change else []
                book_moved(self.state, market, merged(changes), now, Cause(group.user_id, group.subaccount, None))

    def _group_event(self, group: OrderGroup, event_type: str, now: datetime) -> None:
        takers = self.state.bus.takers(GROUP)
        if takers:
            change = Change(GROUP, group.user_id, GroupEvent.of(group, event_type, now))
            for take in takers:
                take(change)
