"""The commands on a Kalshi account's details, declared once (core/commands.py): a numbered subaccount made, cash moved
between subaccounts, a subaccount's netting set, cash moved between exchange instances and shards (and landed, when it
was pending), and the target balance allocation. The venue's routes, the admin API, the Python API, scenario steps and
the state file build these; the ledger's handlers (subaccounts.py) take them. Amounts in the wire's units: a subaccount
transfer's cents, an instance transfer's centi-cents.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from mockexchange.core.commands import Command, UserCommand, value
from mockexchange.core.kalshi.checks import MAX_EXCHANGE_INDEX, MAX_SUBACCOUNT
from mockexchange.core.money import MAX_CENTS
from mockexchange.core.values import FLAG, TEXT, Choice, Integer, Kind, Refused

INSTANCES = ("event_contract", "margined")
INSTANCE_STATUSES = ("pending", "complete")
RESERVATIONS = ("none", "max", "sum")
MAX_SHARD = 100  # an instance transfer's shards: the spec's lte=100
MAX_CENTI_CENTS = MAX_CENTS * 100  # one instance transfer: as much as one deposit
MAX_ALLOCATIONS = 101

SUBACCOUNT = Integer(0, MAX_SUBACCOUNT)
INDEX = Integer(0, MAX_EXCHANGE_INDEX)
SHARD = Integer(0, MAX_SHARD)
INSTANCE = Choice(INSTANCES)
PERCENT = Integer(0, 100)


@dataclass(frozen=True, slots=True)
class Allocations(Kind[tuple[tuple[int, int], ...]]):
    """A target balance allocation: `[{exchange_index, percent}]`, held as (exchange index, percent) pairs."""

    plain = list[dict[str, Any]]

    def read(self, value: Any, name: str) -> tuple[tuple[int, int], ...]:
        if not isinstance(value, list) or len(value) > MAX_ALLOCATIONS:
            raise Refused(f"{name} must be a list of at most {MAX_ALLOCATIONS} objects")
        pairs = []
        for i, item in enumerate(value):
            if not isinstance(item, dict) or set(item) != {"exchange_index", "percent"}:
                raise Refused(f"{name}[{i}] must be an object of exchange_index and percent")
            pairs.append((INDEX.read(item["exchange_index"], f"{name}[{i}].exchange_index"),
                          PERCENT.read(item["percent"], f"{name}[{i}].percent")))  # fmt: skip
        return tuple(pairs)

    def write(self, value: tuple[tuple[int, int], ...]) -> list[dict[str, Any]]:
        return [{"exchange_index": index, "percent": percent} for index, percent in value]

    def schema(self) -> dict[str, Any]:
        return {"type": "array", "maxItems": MAX_ALLOCATIONS, "items": {"type": "object"}}


@dataclass(frozen=True, slots=True)
class CreateSubaccount(UserCommand):
    """The user's next numbered subaccount (1 to 63), on `exchange_index`."""

    name: ClassVar[str] = "create_subaccount"
    exchange_index: int = value(INDEX, 0)


@dataclass(frozen=True, slots=True)
class ApplySubaccountTransfer(UserCommand):
    """Move `amount_cents` of cash between two of the user's subaccounts (0: the primary) on one exchange index; the
    same `client_transfer_id` with the same terms answers the transfer already made (409 with others)."""

    name: ClassVar[str] = "subaccount_transfer"
    client_transfer_id: str = value(TEXT)
    from_subaccount: int = value(SUBACCOUNT)
    to_subaccount: int = value(SUBACCOUNT)
    amount_cents: int = value(Integer(1, MAX_CENTS))
    exchange_index: int = value(INDEX, 0)


@dataclass(frozen=True, slots=True)
class CreateMarginSubaccount(UserCommand):
    """The user's next numbered subaccount of the margined instance (1 to 63: the perps exchange's)."""

    name: ClassVar[str] = "create_margin_subaccount"


@dataclass(frozen=True, slots=True)
class ApplyMarginSubaccountTransfer(UserCommand):
    """Move `amount_cents` of the margined instance's cash between two of the user's subaccounts there (0: the
    primary); the same `client_transfer_id` with the same terms answers the transfer already made (409 with others)."""

    name: ClassVar[str] = "margin_subaccount_transfer"
    client_transfer_id: str = value(TEXT)
    from_subaccount: int = value(SUBACCOUNT)
    to_subaccount: int = value(SUBACCOUNT)
    amount_cents: int = value(Integer(1, MAX_CENTS))


@dataclass(frozen=True, slots=True)
class UpdateSubaccountNetting(UserCommand):
    """Record the subaccount's netting setting (the ledger nets YES against NO either way)."""

    name: ClassVar[str] = "set_subaccount_netting"
    subaccount: int = value(SUBACCOUNT)
    enabled: bool = value(FLAG)


@dataclass(frozen=True, slots=True)
class IntraExchangeInstanceTransfer(UserCommand):
    """Move `amount` centi-cents between the `event_contract` and `margined` exchange instances (or between shards or
    subaccounts of one). `pending`: it has left its source, and `CompleteInstanceTransfer` lands it."""

    name: ClassVar[str] = "intra_exchange_transfer"
    source: str = value(INSTANCE)
    destination: str = value(INSTANCE)
    amount: int = value(Integer(1, MAX_CENTI_CENTS))
    source_exchange_shard: int = value(SHARD, 0)
    destination_exchange_shard: int = value(SHARD, 0)
    source_subaccount: int = value(SUBACCOUNT, 0)
    destination_subaccount: int = value(SUBACCOUNT, 0)
    client_transfer_id: str | None = value(TEXT, None)
    status: str = value(Choice(INSTANCE_STATUSES), "complete")


@dataclass(frozen=True, slots=True)
class CompleteInstanceTransfer(Command):
    """Land a pending intra-exchange transfer in its destination (a complete one stays as it is)."""

    name: ClassVar[str] = "complete_intra_exchange_transfer"
    transfer_id: str = value(TEXT)


@dataclass(frozen=True, slots=True)
class SetTargetBalanceAllocation(UserCommand):
    """Replace the user's target balance allocation: `[{exchange_index, percent}]` totalling 100, or empty."""

    name: ClassVar[str] = "set_target_balance_allocation"
    allocations: tuple[tuple[int, int], ...] = value(Allocations())
    resting_margin_reservation: str = value(Choice(RESERVATIONS), "sum")
