"""Kalshi's operations on an account's insides: numbered subaccounts, transfers between them, netting settings,
transfers between exchange instances and shards, and the target balance allocation.

Each is a typed command declared once in the core (core/kalshi/subaccount_commands.py), so a state file keeps it: the
admin API, `MockServer` and scenario steps run them, and so does the Kalshi venue for its own writes, so what a client
does over REST is kept by `--state` too.
"""

from __future__ import annotations

from typing import Any

from mockexchange.core.commands import write
from mockexchange.core.kalshi.subaccount_commands import (
    CreateSubaccount,
    SetTargetBalanceAllocation,
    UpdateSubaccountNetting,
)
from mockexchange.core.kalshi.subaccount_records import InstanceTransfer, SubaccountTransfer


def subaccount_transfer_json(record: SubaccountTransfer) -> dict[str, Any]:
    return {
        "transfer_id": record.transfer_id,
        "user_id": record.user_id,
        "client_transfer_id": record.client_transfer_id,
        "from_subaccount": record.from_subaccount,
        "to_subaccount": record.to_subaccount,
        "amount_cents": record.amount_cents,
        "exchange_index": record.exchange_index,
        "created_time": record.created.isoformat(),
    }


def instance_transfer_json(record: InstanceTransfer) -> dict[str, Any]:
    return {
        "transfer_id": record.transfer_id,
        "user_id": record.user_id,
        "client_transfer_id": record.client_transfer_id,
        "source": record.source,
        "destination": record.destination,
        "source_exchange_shard": record.source_exchange_shard,
        "destination_exchange_shard": record.destination_exchange_shard,
        "source_subaccount": record.source_subaccount,
        "destination_subaccount": record.destination_subaccount,
        "amount": record.amount,
        "status": record.status,
        "created_time": record.created.isoformat(),
    }


def subaccount_json(made: tuple[CreateSubaccount, int]) -> dict[str, Any]:
    create, number = made
    return {"user_id": create.user_id, "subaccount_number": number, "exchange_index": create.exchange_index}


def netting_json(netting: UpdateSubaccountNetting) -> dict[str, Any]:
    return {"user_id": netting.user_id, "subaccount": netting.subaccount, "enabled": netting.enabled}


def allocation_json(allocation: SetTargetBalanceAllocation) -> dict[str, Any]:
    return {
        "user_id": allocation.user_id,
        "allocations": write(allocation)["allocations"],
        "resting_margin_reservation": allocation.resting_margin_reservation,
    }
