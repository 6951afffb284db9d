"""What an order group is (order_groups.py): the group the ledger keeps, which a snapshot holds, and the event its
changes publish; their limits.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

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
