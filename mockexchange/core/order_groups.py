"""An order group, venue-neutral (Kalshi's prediction order groups, the perps exchange's): one user's orders under one
contracts limit, counted over a rolling window on the exchange clock; what a group is, the event its changes publish,
and the limit a command gives it. Each venue's core keeps its groups and cancels their orders (core/kalshi/
order_groups.py, core/perps/order_groups.py); the rule of the window is here, once.

A limit is whole contracts, given as `contracts_limit` (an integer) or `contracts_limit_fp` (a count as the wire writes
one, "5.00"), or both if they agree; held in hundredths of a contract, as both venues count.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from mockexchange.core.commands import UserCommand, value
from mockexchange.core.money import MoneyError, parse_decimal, shown
from mockexchange.core.values import Integer, Refused, Scaled

WINDOW = timedelta(seconds=15)  # Kalshi's rolling window of matched contracts
MAX_GROUPS = 100_000  # a user's groups at a time
CREATED, TRIGGERED, RESET, DELETED, LIMIT_UPDATED = "created", "triggered", "reset", "deleted", "limit_updated"
HUNDREDTHS, PLACES = 100, 2  # a limit's unit: hundredths of a contract (FixedPointCount's 2 places)
MAX_LIMIT = 1_000_000  # whole contracts (Kalshi's documented range: 1 to 1,000,000)
_WHOLE = f"whole contracts from 1 to {MAX_LIMIT:,}"


@dataclass(slots=True, eq=False)
class OrderGroup:
    group_id: str
    user_id: str
    subaccount: int
    exchange_index: int
    contracts_limit: int  # hundredths (whole contracts only)
    created: datetime
    triggered: bool = False  # Kalshi's `is_auto_cancel_enabled`: its orders were cancelled, new ones are refused
    # The orders placed into it that the venue keeps (every resting one, its user's latest ended ones), by id, in the
    # order placed: an order the venue forgets leaves it too.
    orders: dict[str, None] = field(default_factory=dict)
    matched: deque[tuple[datetime, int]] = field(default_factory=deque)  # (when, hundredths) within the window
    in_window: int = 0  # hundredths: the sum of `matched`

    def total(self, now: datetime) -> int:
        """The hundredths its orders matched in the window ending `now` (older matches drop out)."""
        matched = self.matched
        while matched and matched[0][0] <= now - WINDOW:
            self.in_window -= matched.popleft()[1]
        return self.in_window

    def count(self, hundredths: int, now: datetime) -> bool:
        """Count `hundredths` its orders matched now in the window: whether the group is due to trigger."""
        self.matched.append((now, hundredths))
        self.in_window += hundredths
        return self.passed(now)

    def passed(self, now: datetime) -> bool:
        """Whether the window holds more than the limit of a group not triggered yet (it is due to trigger)."""
        return not self.triggered and self.total(now) > self.contracts_limit

    def reset(self) -> None:
        """The count back to zero and the trigger ended: it takes orders again."""
        self.matched.clear()
        self.in_window = 0
        self.triggered = False

    def copy(self) -> OrderGroup:
        return replace(self, orders=dict(self.orders), matched=deque(self.matched))


@dataclass(frozen=True, slots=True)
class GroupEvent:
    """What happened to a group (the `order_group_updates` message): `contracts_limit` (hundredths) on a `created` and
    a `limit_updated` event only."""

    event_type: str
    group_id: str
    user_id: str
    subaccount: int
    contracts_limit: int | None
    at: datetime
    ticker: str = ""  # no market: the channel's market filter does not apply

    @classmethod
    def of(cls, group: OrderGroup, event_type: str, now: datetime) -> GroupEvent:
        limit = group.contracts_limit if event_type in (CREATED, LIMIT_UPDATED) else None
        return cls(event_type, group.group_id, group.user_id, group.subaccount, limit, now)


def _limit_fp(text: Any, name: str) -> int:
    """Whole contracts written with up to 2 places (of zeros), in hundredths."""
    written = parse_decimal(text, name, PLACES, _WHOLE)
    if written != written.to_integral_value() or not 1 <= written <= MAX_LIMIT:
        raise MoneyError(f"{name} must be {_WHOLE}, not {shown(text)}")
    return int(written * HUNDREDTHS)


LIMIT = Integer(1, MAX_LIMIT)
LIMIT_FP = Scaled(_limit_fp, PLACES, HUNDREDTHS, MAX_LIMIT * HUNDREDTHS, _WHOLE)


def group_limit(contracts_limit: int | None, contracts_limit_fp: int | None) -> int:
    """A command's limit in hundredths: given once, or twice alike."""
    whole = None if contracts_limit is None else contracts_limit * HUNDREDTHS
    if contracts_limit_fp is None:
        if whole is None:
            raise Refused("give contracts_limit or contracts_limit_fp")
        return whole
    if contracts_limit_fp % HUNDREDTHS:
        raise Refused(f"contracts_limit_fp must be {_WHOLE}, not {Decimal(contracts_limit_fp).scaleb(-PLACES)}")
    if whole is not None and whole != contracts_limit_fp:
        raise Refused(
            f"contracts_limit {contracts_limit} and contracts_limit_fp {contracts_limit_fp // HUNDREDTHS} must match"
        )
    return contracts_limit_fp


@dataclass(frozen=True, slots=True)
class GroupLimitCommand(UserCommand):
    """A new group's command with its contracts limit (Kalshi's CreateOrderGroup, the perps exchange's): the limit given
    whole or in hundredths (`contracts_limit`, `contracts_limit_fp`), held in hundredths (`limit`). Each venue's command
    adds its own fields after these."""

    contracts_limit: int | None = value(LIMIT, None)
    contracts_limit_fp: int | None = value(LIMIT_FP, None)

    def check(self) -> None:
        group_limit(self.contracts_limit, self.contracts_limit_fp)

    @property
    def limit(self) -> int:
        return group_limit(self.contracts_limit, self.contracts_limit_fp)
