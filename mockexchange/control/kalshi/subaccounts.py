"""Kalshi's operations on an account's details: numbered subaccounts, transfers between them, netting settings,
transfers between exchange instances and shards, and the target balance allocation.

Each is a typed command declared once in the core (core/kalshi/subaccount_commands.py), so a state file keeps it: the
admin API, `MockServer` and scenario steps run them, and so does the Kalshi venue for its own writes, so what a client
does over REST is kept by `--state` too.
"""

from __future__ import annotations

from typing import Any

from mockexchange.control.answers import answer, fields
from mockexchange.core.commands import write
from mockexchange.core.kalshi.subaccount_commands import (
    CreateSubaccount,
    SetTargetBalanceAllocation,
)
from mockexchange.core.kalshi.subaccount_records import InstanceTransfer, SubaccountTransfer


def subaccount_transfer_json(record: SubaccountTransfer) -> dict[str, Any]:
    names = "transfer_id user_id client_transfer_id from_subaccount to_subaccount amount_cents exchange_index"
    return fields(record, names, created_time=record.created)


def instance_transfer_json(record: InstanceTransfer) -> dict[str, Any]:
    names = (
        "transfer_id user_id client_transfer_id source destination source_exchange_shard destination_exchange_shard"
        " source_subaccount destination_subaccount amount status"
    )
    return fields(record, names, created_time=record.created)


def margin_subaccount_json(number: int) -> dict[str, Any]:
    return {"subaccount_number": number}


def subaccount_json(made: tuple[CreateSubaccount, int]) -> dict[str, Any]:
    create, number = made
    return {"user_id": create.user_id, "subaccount_number": number, "exchange_index": create.exchange_index}


netting_json = answer("user_id subaccount enabled")


def allocation_json(allocation: SetTargetBalanceAllocation) -> dict[str, Any]:
    names = "user_id allocations resting_margin_reservation"
    return fields(allocation, names, allocations=write(allocation)["allocations"])
