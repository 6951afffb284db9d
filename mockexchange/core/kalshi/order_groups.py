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

from collections import deque
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from mockexchange.core.book import LevelChange, merged
from mockexchange.core.events import Change
from mockexchange.core.kalshi.checks import Refusal
from mockexchange.core.kalshi.market_changes import Cause
from mockexchange.core.kalshi.order_group_commands import (
    CreateOrderGroup,
    DeleteOrderGroup,
    OnOrderGroup,
    ResetOrderGroup,
    TriggerOrderGroup,
    UpdateOrderGroupLimit,
)
from mockexchange.core.kalshi.orders import CANCELED, DECREASE, Order
from mockexchange.core.stepping import DEEP, Footprint

GROUP = "order_group"  # the bus's kind for a group's change (a GroupEvent)
WINDOW = timedelta(seconds=15)  # Kalshi's rolling window of matched contracts
MAX_GROUPS = 100_000  # a user's groups at a time
CREATED, TRIGGERED, RESET, DELETED, LIMIT_UPDATED = "created", "triggered", "reset", "deleted", "limit_updated"


@dataclass(slots=True, eq=False)
class OrderGroup:
    group_id: str
    user_id: str
    subaccount: int
    exchange_index: int
    contracts_limit: int  # hundredths (whole contracts only)
    created: datetime
    triggered: bool = False  # Kalshi's `is_auto_cancel_enabled`: its orders were cancelled, new ones are refused
    # The orders placed into it that the ledger keeps (every resting one, its user's latest ended ones), by id, in the
    # order placed: an order the ledger forgets leaves it too.
    orders: dict[str, None] = field(default_factory=dict)
    matched: deque[tuple[datetime, int]] = field(default_factory=deque)  # (when, hundredths) within the window
    in_window: int = 0  # hundredths: the sum of `matched`

    def total(self, now: datetime) -> int:
        """The hundredths its orders matched in the window ending `now` (older matches drop out)."""
        matched = self.matched
        while matched and matched[0][0] <= now - WINDOW:
            self.in_window -= matched.popleft()[1]
        return self.in_window

    def copy(self) -> OrderGroup:
        return replace(self, orders=dict(self.orders), matched=deque(self.matched))


@dataclass(frozen=True, slots=True)
class GroupEvent:
    """What happened to a group (Kalshi's `order_group_updates` message): `contracts_limit` (hundredths) on a
    `created` and a `limit_updated` event only."""

    event_type: str
    group_id: str
    user_id: str
    subaccount: int
    contracts_limit: int | None
    at: datetime
    ticker: str = ""  # no market: the channel's market filter does not apply


class OrderGroups:
    """A part of `Ledger`: its order groups, under its lock."""

    # -- commands ----------------------------------------------------------------------------------------------------

    def create_order_group(self, create: CreateOrderGroup) -> OrderGroup:
        """A new group of the user's subaccount on an exchange index, with its limit (its `order_group_id`: the
        control plane's seeded id; otherwise one is drawn)."""
        user_id, contracts_limit, subaccount = create.user_id, create.limit, create.subaccount
        exchange_index, group_id = create.exchange_index, create.order_group_id
        with self.lock:  # type: ignore[attr-defined]
            account = self.account(user_id)  # type: ignore[attr-defined]
            self._known(account, subaccount, "subaccount")  # type: ignore[attr-defined]
            if exchange_index not in self.exchange_indexes:  # type: ignore[attr-defined]
                raise Refusal(f"exchange_index {exchange_index} lists no market")
            held = self.user_groups.setdefault(user_id, {})  # type: ignore[attr-defined]
            if len(held) >= MAX_GROUPS:
                raise Refusal(f"a user holds at most {MAX_GROUPS:,} order groups at a time (delete one first)")
            if group_id is not None and group_id in self.order_groups:  # type: ignore[attr-defined]
                raise Refusal(f"order group {group_id!r} exists already", 409, "conflict")
            now = self.clock.now()  # type: ignore[attr-defined]
            group_id = group_id or self.new_id()  # type: ignore[attr-defined]
            group = OrderGroup(group_id, user_id, subaccount, exchange_index, contracts_limit, now)
            self.order_groups[group.group_id] = group  # type: ignore[attr-defined]
            held[group.group_id] = None
            self._group_event(group, CREATED, now)
            return group.copy()

    def trigger_order_group(self, on: TriggerOrderGroup) -> OrderGroup:
        """Trigger the group by hand: its resting orders end, new ones are refused until a reset."""
        with self.lock:  # type: ignore[attr-defined]
            self.run_due_now()  # type: ignore[attr-defined]
            group = self._group_of(on)
            self._trigger(group, self.clock.now())  # type: ignore[attr-defined]
            return group

    def reset_order_group(self, on: ResetOrderGroup) -> OrderGroup:
        """The group's count back to zero and its trigger ended: it takes orders again."""
        with self.lock:  # type: ignore[attr-defined]
            group = self._group_of(on)
            group.matched.clear()
            group.in_window = 0
            group.triggered = False
            self._group_event(group, RESET, self.clock.now())  # type: ignore[attr-defined]
            return group

    def set_order_group_limit(self, update: UpdateOrderGroupLimit) -> OrderGroup:
        """A new contracts limit; below what the window holds, the group is triggered at once."""
        contracts_limit = update.limit
        with self.lock:  # type: ignore[attr-defined]
            self.run_due_now()  # type: ignore[attr-defined]
            group = self._own_group(update.order_group_id, update.user_id, update.subaccount, update.exchange_index)
            now = self.clock.now()  # type: ignore[attr-defined]
            group.contracts_limit = contracts_limit
            self._group_event(group, LIMIT_UPDATED, now)
            if not group.triggered and group.total(now) > contracts_limit:
                self._trigger(group, now)
            return group

    def delete_order_group(self, on: DeleteOrderGroup) -> OrderGroup:
        """Remove the group; its resting orders end."""
        with self.lock:  # type: ignore[attr-defined]
            self.run_due_now()  # type: ignore[attr-defined]
            group = self._group_of(on)
            now = self.clock.now()  # type: ignore[attr-defined]
            del self.order_groups[on.order_group_id]  # type: ignore[attr-defined]
            del self.user_groups[on.user_id][on.order_group_id]  # type: ignore[attr-defined]
            self._group_event(group, DELETED, now)
            self._cancel_group_orders(group, now)
            return group

    def _group_of(self, on: OnOrderGroup) -> OrderGroup:
        return self._own_group(on.order_group_id, on.user_id, on.subaccount, on.exchange_index)

    # -- reads -------------------------------------------------------------------------------------------------------

    def order_groups_of(self, user_id: str, subaccount: int | None) -> list[OrderGroup]:
        """The user's groups (of one subaccount, if given), oldest first."""
        with self.lock:  # type: ignore[attr-defined]
            groups = self.order_groups  # type: ignore[attr-defined]
            return [
                groups[group_id].copy()
                for group_id in self.user_groups.get(user_id, ())  # type: ignore[attr-defined]
                if subaccount in (None, groups[group_id].subaccount)
            ]

    def order_group(
        self, group_id: str, user_id: str, subaccount: int | None, exchange_index: int | None
    ) -> OrderGroup:
        """One of the user's groups (of that subaccount and exchange index, if given); 404 otherwise."""
        with self.lock:  # type: ignore[attr-defined]
            return self._own_group(group_id, user_id, subaccount, exchange_index).copy()

    # -- what orders ask of their group (trading.py, matching.py) ------------------------------------------------------

    def _group_for_order(self, group_id: str, user_id: str, subaccount: int, exchange_index: int) -> None:
        """An order may join the group: one of its owner's, of its subaccount and exchange index, not triggered."""
        group = self._own_group(group_id, user_id, subaccount, None)
        if group.exchange_index != exchange_index:
            raise Refusal(
                f"order group {group_id!r} is on exchange index {group.exchange_index}, the market on {exchange_index}",
                400,
                "invalid_order",
            )
        if group.triggered:
            raise Refusal(f"order group {group_id!r} is triggered: it takes no orders until it is reset", 409,
                          "order_group_triggered")  # fmt: skip

    def _group_matched(self, order: Order, count: int, now: datetime) -> None:
        """The order, of a group, matched `count` hundredths: counted in its group's window; a group that passes its
        limit is due to trigger once the action that matched is done (`_trip_groups`)."""
        group = self.order_groups.get(order.order_group_id)  # type: ignore[arg-type, attr-defined]
        if group is None:  # deleted since the order was placed
            return
        group.matched.append((now, count))
        group.in_window += count
        if not group.triggered and group.total(now) > group.contracts_limit:
            self.groups_due.append(group.group_id)  # type: ignore[attr-defined]

    def _trip_groups(self, now: datetime) -> None:
        """Trigger the groups an action's matches took past their limit."""
        due, self.groups_due = self.groups_due, []  # type: ignore[attr-defined]
        for group_id in dict.fromkeys(due):
            group = self.order_groups.get(group_id)  # type: ignore[attr-defined]
            if group is not None and not group.triggered:
                self._trigger(group, now)

    # -- steps -------------------------------------------------------------------------------------------------------

    def _own_group(self, group_id: str, user_id: str, subaccount: int | None, exchange_index: int | None) -> OrderGroup:
        group = self.order_groups.get(group_id) if isinstance(group_id, str) else None  # type: ignore[attr-defined]
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
        resting: dict[str, Order] = self.orders  # type: ignore[attr-defined]
        by_market: dict[str, list[Order]] = {}
        for order_id in group.orders:
            order = resting.get(order_id)
            if order is not None:
                by_market.setdefault(order.ticker, []).append(order)
        # Many: long (core/stepping.py), though the command changed the group already (where it may step).
        many = sum(map(len, by_market.values())) > DEEP
        footprint = Footprint.of((group.user_id,), by_market)
        with self.lock.long(footprint, fresh=False) if many else nullcontext():  # type: ignore[attr-defined]
            step = self._stepper()  # type: ignore[attr-defined]
            for ticker, orders in by_market.items():
                market = self.markets[ticker]  # type: ignore[attr-defined]
                self._touch(market, now)  # type: ignore[attr-defined]
                changes: list[LevelChange] = []
                for order in orders:
                    if step is not None:
                        step()
                    change = self._end(order, CANCELED, now, market.book, reason=DECREASE)  # type: ignore[attr-defined]
                    changes += [change] if change else []
                self.liquidity.moved(market, merged(changes), now, Cause(group.user_id, group.subaccount, None))  # type: ignore[attr-defined]

    def _group_event(self, group: OrderGroup, event_type: str, now: datetime) -> None:
        takers = self.bus.takers(GROUP)  # type: ignore[attr-defined]
        if takers:
            limit = group.contracts_limit if event_type in (CREATED, LIMIT_UPDATED) else None
            change = Change(
                GROUP,
                group.user_id,
                GroupEvent(event_type, group.group_id, group.user_id, group.subaccount, limit, now),
            )
            for take in takers:
                take(change)
