"""The perps exchange's order groups: a user's orders under one contracts limit over a rolling window, the rule
core/order_groups.py keeps for both of Kalshi's exchanges. An order naming a group joins it (one of its owner's, of its
subaccount and its market's exchange index, not triggered); the contracts its orders match, as taker or maker, count
in the group's window, and a group past its limit is triggered once the command that matched is done: its resting
orders are cancelled (`Decrease`, a cancel being a decrease to zero) and new ones refused until a reset. A trigger by
hand does the same, a limit set below the window's total triggers at once, a delete cancels its orders and removes it.

Each change is published on the bus as a `perps.order_group` Change of a `GroupEvent`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from mockexchange.core.events import Change
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
from mockexchange.core.perps.errors import PerpsError, not_found
from mockexchange.core.perps.order_group_commands import (
    CreatePerpOrderGroup,
    DeletePerpOrderGroup,
    OnPerpOrderGroup,
    ResetPerpOrderGroup,
    TriggerPerpOrderGroup,
    UpdatePerpOrderGroupLimit,
)
from mockexchange.core.perps.orders import DECREASE, PerpOrder
from mockexchange.core.perps.state import PerpsState

GROUP = "perps.order_group"  # the bus's kind for a group's change


class PerpOrderGroups:
    """Under the exchange's lock. `known` refuses a subaccount the user does not have; `end` ends a resting order
    (trading.py's)."""

    def __init__(
        self, state: PerpsState, known: Callable[[str, int], None], end: Callable[[PerpOrder, str], None]
    ) -> None:
        self.state, self.known, self.end = state, known, end

    # -- commands ------------------------------------------------------------------------------------------------

    def create(self, create: CreatePerpOrderGroup) -> OrderGroup:
        state = self.state
        with state.lock:
            self.known(create.user_id, create.subaccount)
            held = state.user_groups.setdefault(create.user_id, {})
            if len(held) >= MAX_GROUPS:
                raise PerpsError(f"a user holds at most {MAX_GROUPS:,} order groups at a time (delete one first)")
            group_id = create.order_group_id
            if group_id is not None and group_id in state.order_groups:
                raise PerpsError(f"order group {group_id!r} exists already", 409, "conflict")
            now = state.clock.now()
            group = OrderGroup(
                group_id or state.new_id(), create.user_id, create.subaccount, create.exchange_index, create.limit, now
            )
            state.order_groups[group.group_id] = group
            held[group.group_id] = None
            self._publish(group, CREATED, now)
            return group

    def trigger(self, on: TriggerPerpOrderGroup) -> OrderGroup:
        with self.state.lock:
            group = self._group_of(on)
            self._trigger(group, self.state.clock.now())
            return group

    def reset(self, on: ResetPerpOrderGroup) -> OrderGroup:
        with self.state.lock:
            group = self._group_of(on)
            group.reset()
            self._publish(group, RESET, self.state.clock.now())
            return group

    def set_limit(self, update: UpdatePerpOrderGroupLimit) -> OrderGroup:
        with self.state.lock:
            group = self._group_of(update)
            now = self.state.clock.now()
            group.contracts_limit = update.limit
            self._publish(group, LIMIT_UPDATED, now)
            if group.passed(now):
                self._trigger(group, now)
            return group

    def delete(self, on: DeletePerpOrderGroup) -> OrderGroup:
        state = self.state
        with state.lock:
            group = self._group_of(on)
            del state.order_groups[group.group_id]
            del state.user_groups[group.user_id][group.group_id]
            self._publish(group, DELETED, state.clock.now())
            self._cancel_orders(group)
            return group

    # -- reads ---------------------------------------------------------------------------------------------------

    def of_user(self, user_id: str, subaccount: int | None) -> list[OrderGroup]:
        """The user's groups (of one subaccount, if given), oldest first."""
        groups = self.state.order_groups
        held = self.state.user_groups.get(user_id, ())
        return [groups[group_id] for group_id in held if subaccount in (None, groups[group_id].subaccount)]

    def group(self, group_id: str, user_id: str, subaccount: int | None) -> OrderGroup:
        """One of the user's groups (of that subaccount, if given); 404 otherwise."""
        group = self.state.order_groups.get(group_id)
        if group is None or group.user_id != user_id or subaccount not in (None, group.subaccount):
            raise not_found(f"order group {group_id!r}")
        return group

    # -- what orders ask of their group (trading.py) ----------------------------------------------------------------

    def join(self, order: PerpOrder, group_id: str, exchange_index: int) -> OrderGroup:
        """The group an order placed may join: one of its owner's, of its subaccount, on its market's exchange index,
        not triggered (the caller adds the order once it is accepted)."""
        group = self.group(group_id, order.user_id, order.subaccount)
        if group.exchange_index != exchange_index:
            raise PerpsError(
                f"order group {group_id!r} is on exchange index {group.exchange_index}, the market on "
                f"{exchange_index}", 400, "invalid_order",
            )  # fmt: skip
        if group.triggered:
            raise PerpsError(f"order group {group_id!r} is triggered: it takes no orders until it is reset", 409,
                             "order_group_triggered")  # fmt: skip
        return group

    def matched(self, order: PerpOrder, count: int, now: datetime) -> None:
        """An order matched `count` hundredths: counted in its group's window (if it is in one that still exists);
        a group past its limit is due to trigger once the command is done (`trip`)."""
        group = self.state.order_groups.get(order.order_group_id) if order.order_group_id else None
        if group is not None and group.count(count, now):
            self.state.groups_due.append(group.group_id)

    def trip(self) -> None:
        """Trigger the groups a command's matches took past their limit."""
        state = self.state
        due, state.groups_due = state.groups_due, []
        for group_id in dict.fromkeys(due):
            group = state.order_groups.get(group_id)
            if group is not None and not group.triggered:
                self._trigger(group, state.clock.now())

    # -- steps ---------------------------------------------------------------------------------------------------

    def _group_of(self, on: OnPerpOrderGroup) -> OrderGroup:
        return self.group(on.order_group_id, on.user_id, on.subaccount)

    def _trigger(self, group: OrderGroup, now: datetime) -> None:
        group.triggered = True
        self._publish(group, TRIGGERED, now)
        self._cancel_orders(group)

    def _cancel_orders(self, group: OrderGroup) -> None:
        orders = self.state.orders
        for order_id in group.orders:
            order = orders.get(order_id)
            if order is not None and order.status == "resting":
                self.end(order, DECREASE)

    def _publish(self, group: OrderGroup, event_type: str, now: datetime) -> None:
        self.state.bus.publish(Change(GROUP, group.user_id, GroupEvent.of(group, event_type, now)))
