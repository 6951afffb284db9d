"""A perps account's order group commands, declared once (core/commands.py): a group made, triggered, reset, deleted
and given a new limit (the rule of a group is venue-neutral: core/order_groups.py). The venue's order group routes,
the admin API, the Python API, scenarios and the state file build them; order_groups.py takes them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from mockexchange.core.commands import UserCommand, value
from mockexchange.core.order_groups import LIMIT, LIMIT_FP, GroupLimitCommand, group_limit
from mockexchange.core.perps.market_commands import MAX_EXCHANGE_INDEX
from mockexchange.core.perps.order_commands import SUBACCOUNT
from mockexchange.core.values import TEXT, Integer


@dataclass(frozen=True, slots=True)
class CreatePerpOrderGroup(GroupLimitCommand):
    """A new order group of the user's subaccount on an exchange index, with its contracts limit (`order_group_id`:
    one of the caller's choosing, for seeding; a client's is drawn)."""

    name: ClassVar[str] = "create_perp_order_group"
    subaccount: int = value(SUBACCOUNT, 0)
    exchange_index: int = value(Integer(0, MAX_EXCHANGE_INDEX), 0)
    order_group_id: str | None = value(TEXT, None)


@dataclass(frozen=True, slots=True)
class OnPerpOrderGroup(UserCommand):
    """A command on one of the user's groups, of a subaccount."""

    order_group_id: str = value(TEXT)
    subaccount: int = value(SUBACCOUNT, 0)


@dataclass(frozen=True, slots=True)
class TriggerPerpOrderGroup(OnPerpOrderGroup):
    """Trigger the group: its resting orders are cancelled, new ones refused until a reset."""

    name: ClassVar[str] = "trigger_perp_order_group"


@dataclass(frozen=True, slots=True)
class ResetPerpOrderGroup(OnPerpOrderGroup):
    """The group's matched count back to zero, its trigger ended."""

    name: ClassVar[str] = "reset_perp_order_group"


@dataclass(frozen=True, slots=True)
class DeletePerpOrderGroup(OnPerpOrderGroup):
    """Remove the group; its resting orders are cancelled."""

    name: ClassVar[str] = "delete_perp_order_group"


@dataclass(frozen=True, slots=True)
class UpdatePerpOrderGroupLimit(OnPerpOrderGroup):
    """A new contracts limit for the group; below what its orders matched in the window, the group is triggered."""

    name: ClassVar[str] = "set_perp_order_group_limit"
    contracts_limit: int | None = value(LIMIT, None)
    contracts_limit_fp: int | None = value(LIMIT_FP, None)

    def check(self) -> None:
        group_limit(self.contracts_limit, self.contracts_limit_fp)

    @property
    def limit(self) -> int:
        return group_limit(self.contracts_limit, self.contracts_limit_fp)
