"""A Kalshi account's order group commands, declared once (core/commands.py): a group made, triggered, reset, deleted
and given a new limit. The venue's order group routes, the admin API, the Python API and the state file build these;
the ledger's handlers (order_groups.py) take them.

A limit is read as core/order_groups.py says (`contracts_limit` or `contracts_limit_fp`), held in hundredths (`limit`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from mockexchange.core.commands import UserCommand, value
from mockexchange.core.kalshi.checks import MAX_EXCHANGE_INDEX, MAX_SUBACCOUNT
from mockexchange.core.order_groups import LIMIT, LIMIT_FP, GroupLimitCommand, group_limit
from mockexchange.core.values import TEXT, Integer

SUBACCOUNT = Integer(0, MAX_SUBACCOUNT)
INDEX = Integer(0, MAX_EXCHANGE_INDEX)


@dataclass(frozen=True, slots=True)
class CreateOrderGroup(GroupLimitCommand):
    """A new order group of the user's subaccount (Kalshi's CreateOrderGroup); answers its id (`order_group_id`: one
    of the caller's choosing, for seeding; a client's is drawn)."""

    name: ClassVar[str] = "create_order_group"
    subaccount: int = value(SUBACCOUNT, 0)
    exchange_index: int = value(INDEX, 0)
    order_group_id: str | None = value(TEXT, None)


@dataclass(frozen=True, slots=True)
class OnOrderGroup(UserCommand):
    """A command on one of the user's groups, of a subaccount, on an exchange index."""

    order_group_id: str = value(TEXT)
    subaccount: int = value(SUBACCOUNT, 0)
    exchange_index: int = value(INDEX, 0)


@dataclass(frozen=True, slots=True)
class TriggerOrderGroup(OnOrderGroup):
    """Trigger the group: its resting orders are cancelled, new ones refused until a reset."""

    name: ClassVar[str] = "trigger_order_group"


@dataclass(frozen=True, slots=True)
class ResetOrderGroup(OnOrderGroup):
    """The group's matched count back to zero, its trigger ended."""

    name: ClassVar[str] = "reset_order_group"


@dataclass(frozen=True, slots=True)
class DeleteOrderGroup(OnOrderGroup):
    """Remove the group; its resting orders are cancelled."""

    name: ClassVar[str] = "delete_order_group"


@dataclass(frozen=True, slots=True)
class UpdateOrderGroupLimit(UserCommand):
    """A new contracts limit for the group (Kalshi's UpdateOrderGroupLimit); below what its orders matched in the
    window, the group is triggered."""

    name: ClassVar[str] = "set_order_group_limit"
    order_group_id: str = value(TEXT)
    contracts_limit: int | None = value(LIMIT, None)
    contracts_limit_fp: int | None = value(LIMIT_FP, None)
    subaccount: int = value(SUBACCOUNT, 0)
    exchange_index: int = value(INDEX, 0)

    def check(self) -> None:
        group_limit(self.contracts_limit, self.contracts_limit_fp)

    @property
    def limit(self) -> int:
        return group_limit(self.contracts_limit, self.contracts_limit_fp)
