"""A Kalshi account's order group commands, declared once (core/commands.py): a group made, triggered, reset, deleted
and given a new limit. The venue's order group routes, the admin API, the Python API and the state file build these;
the ledger's handlers (order_groups.py) take them.

A limit is whole contracts, given as `contracts_limit` (an integer) or `contracts_limit_fp` (a count as the wire writes
one, "5.00"), or both if they agree; held in hundredths (`limit`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from mockexchange.core.commands import UserCommand, value
from mockexchange.core.kalshi.checks import MAX_EXCHANGE_INDEX, MAX_SUBACCOUNT
from mockexchange.core.kalshi.units import CONTRACT, COUNT_PLACES
from mockexchange.core.money import MoneyError, parse_decimal, shown
from mockexchange.core.values import TEXT, Integer, Refused, Scaled

MAX_LIMIT = 1_000_000  # whole contracts (Kalshi's documented range: 1 to 1,000,000)
_WHOLE = f"whole contracts from 1 to {MAX_LIMIT:,}"


def _limit_fp(text: Any, name: str) -> int:
    """Whole contracts written with up to 2 places (of zeros), in hundredths."""
    written = parse_decimal(text, name, COUNT_PLACES, _WHOLE)
    if written != written.to_integral_value() or not 1 <= written <= MAX_LIMIT:
        raise MoneyError(f"{name} must be {_WHOLE}, not {shown(text)}")
    return int(written * CONTRACT)


SUBACCOUNT = Integer(0, MAX_SUBACCOUNT)
INDEX = Integer(0, MAX_EXCHANGE_INDEX)
LIMIT = Integer(1, MAX_LIMIT)
LIMIT_FP = Scaled(_limit_fp, COUNT_PLACES, CONTRACT, MAX_LIMIT * CONTRACT, _WHOLE)


def _limit(contracts_limit: int | None, contracts_limit_fp: int | None) -> int:
    """The limit in hundredths: given once, or twice alike."""
    whole = None if contracts_limit is None else contracts_limit * CONTRACT
    if contracts_limit_fp is None:
        if whole is None:
            raise Refused("give contracts_limit or contracts_limit_fp")
        return whole
    if contracts_limit_fp % CONTRACT:
        raise Refused(f"contracts_limit_fp must be {_WHOLE}, not {Decimal(contracts_limit_fp).scaleb(-COUNT_PLACES)}")
    if whole is not None and whole != contracts_limit_fp:
        raise Refused(
            f"contracts_limit {contracts_limit} and contracts_limit_fp {contracts_limit_fp // CONTRACT} must match"
        )
    return contracts_limit_fp


@dataclass(frozen=True, slots=True)
class CreateOrderGroup(UserCommand):
    """A new order group of the user's subaccount (Kalshi's CreateOrderGroup); answers its id (`order_group_id`: one
    of the caller's choosing, for seeding; a client's is drawn)."""

    name: ClassVar[str] = "create_order_group"
    contracts_limit: int | None = value(LIMIT, None)
    contracts_limit_fp: int | None = value(LIMIT_FP, None)
    subaccount: int = value(SUBACCOUNT, 0)
    exchange_index: int = value(INDEX, 0)
    order_group_id: str | None = value(TEXT, None)

    def check(self) -> None:
        _limit(self.contracts_limit, self.contracts_limit_fp)

    @property
    def limit(self) -> int:
        return _limit(self.contracts_limit, self.contracts_limit_fp)


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
        _limit(self.contracts_limit, self.contracts_limit_fp)

    @property
    def limit(self) -> int:
        return _limit(self.contracts_limit, self.contracts_limit_fp)
