"""Kalshi's operations on an account's insides: numbered subaccounts, transfers between them, netting settings,
transfers between exchange instances and shards, and the target balance allocation.

Each is a `@command`, so a state file keeps it: the admin API, `MockServer` and scenario steps call them, and so does
the Kalshi venue for its own writes (`kalshi_venue.kalshi_commands`), so what a client does over REST is kept by
`--state` too.
"""

from __future__ import annotations

from typing import Any

from mockexchange.control.commands import command
from mockexchange.control.errors import ControlError
from mockexchange.control.errors import ledger_call as _run
from mockexchange.control.values import boolean, choice, integer, optional_text, text
from mockexchange.core.kalshi.checks import MAX_EXCHANGE_INDEX, MAX_SUBACCOUNT
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.kalshi.subaccounts import (
    INSTANCE_STATUSES,
    INSTANCES,
    MAX_ALLOCATIONS,
    MAX_CENTI_CENTS,
    MAX_SHARD,
    RESERVATIONS,
    InstanceTransfer,
    SubaccountTransfer,
)
from mockexchange.core.money import MAX_CENTS


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


class SubaccountOperations:
    """Mixed into `Control`, which owns the ledger they act on."""

    ledger: Ledger

    @command()
    def create_subaccount(self, user_id: str, exchange_index: int = 0) -> dict[str, Any]:
        """The user's next numbered subaccount (1 to 63), on `exchange_index`."""
        user_id = text(user_id, "user_id")
        exchange_index = integer(exchange_index, "exchange_index", 0, MAX_EXCHANGE_INDEX)
        number = _run(self.ledger.create_subaccount, user_id, exchange_index)
        return {"user_id": user_id, "subaccount_number": number, "exchange_index": exchange_index}

    @command()
    def subaccount_transfer(
        self,
        user_id: str,
        client_transfer_id: str,
        from_subaccount: int,
        to_subaccount: int,
        amount_cents: int,
        exchange_index: int = 0,
    ) -> dict[str, Any]:
        """Move `amount_cents` of cash between two of the user's subaccounts (0: the primary) on one exchange index;
        the same `client_transfer_id` with the same terms answers the transfer already made (409 with others)."""
        record = _run(
            self.ledger.subaccount_transfer,
            text(user_id, "user_id"),
            text(client_transfer_id, "client_transfer_id"),
            integer(from_subaccount, "from_subaccount", 0, MAX_SUBACCOUNT),
            integer(to_subaccount, "to_subaccount", 0, MAX_SUBACCOUNT),
            integer(amount_cents, "amount_cents", 1, MAX_CENTS),
            integer(exchange_index, "exchange_index", 0, MAX_EXCHANGE_INDEX),
        )
        return subaccount_transfer_json(record)

    @command()
    def set_subaccount_netting(self, user_id: str, subaccount: int, enabled: bool) -> dict[str, Any]:
        """Record the subaccount's netting setting (the ledger nets YES against NO either way)."""
        user_id = text(user_id, "user_id")
        subaccount = integer(subaccount, "subaccount", 0, MAX_SUBACCOUNT)
        enabled = boolean(enabled, "enabled")
        _run(self.ledger.set_subaccount_netting, user_id, subaccount, enabled)
        return {"user_id": user_id, "subaccount": subaccount, "enabled": enabled}

    @command()
    def intra_exchange_transfer(
        self,
        user_id: str,
        source: str,
        destination: str,
        amount: int,
        source_exchange_shard: int = 0,
        destination_exchange_shard: int = 0,
        source_subaccount: int = 0,
        destination_subaccount: int = 0,
        client_transfer_id: str | None = None,
        status: str = "complete",
    ) -> dict[str, Any]:
        """Move `amount` centi-cents between the `event_contract` and `margined` exchange instances (or between
        shards or subaccounts of one). `pending`: it has left its source, and `complete_intra_exchange_transfer`
        lands it."""
        record = _run(
            self.ledger.instance_transfer,
            text(user_id, "user_id"),
            choice(source, "source", INSTANCES),
            choice(destination, "destination", INSTANCES),
            integer(amount, "amount", 1, MAX_CENTI_CENTS),
            source_exchange_shard=integer(source_exchange_shard, "source_exchange_shard", 0, MAX_SHARD),
            destination_exchange_shard=integer(destination_exchange_shard, "destination_exchange_shard", 0, MAX_SHARD),
            source_subaccount=integer(source_subaccount, "source_subaccount", 0, MAX_SUBACCOUNT),
            destination_subaccount=integer(destination_subaccount, "destination_subaccount", 0, MAX_SUBACCOUNT),
            client_transfer_id=optional_text(client_transfer_id, "client_transfer_id"),
            status=choice(status, "status", INSTANCE_STATUSES),
        )
        return instance_transfer_json(record)

    @command()
    def complete_intra_exchange_transfer(self, transfer_id: str) -> dict[str, Any]:
        """Land a pending intra-exchange transfer in its destination (a complete one stays as it is)."""
        return instance_transfer_json(_run(self.ledger.complete_instance_transfer, text(transfer_id, "transfer_id")))

    @command()
    def set_target_balance_allocation(
        self, user_id: str, allocations: list[dict[str, Any]], resting_margin_reservation: str = "sum"
    ) -> dict[str, Any]:
        """Replace the user's target balance allocation: `[{exchange_index, percent}]` totalling 100, or empty."""
        user_id = text(user_id, "user_id")
        reservation = choice(resting_margin_reservation, "resting_margin_reservation", RESERVATIONS)
        if not isinstance(allocations, list) or len(allocations) > MAX_ALLOCATIONS:
            raise ControlError(f"allocations must be a list of at most {MAX_ALLOCATIONS} objects")
        pairs = []
        for i, item in enumerate(allocations):
            if not isinstance(item, dict) or set(item) != {"exchange_index", "percent"}:
                raise ControlError(f"allocations[{i}] must be an object of exchange_index and percent")
            pairs.append(
                (
                    integer(item["exchange_index"], f"allocations[{i}].exchange_index", 0, MAX_EXCHANGE_INDEX),
                    integer(item["percent"], f"allocations[{i}].percent", 0, 100),
                )
            )
        _run(self.ledger.set_target_balance_allocation, user_id, pairs, reservation)
        return {"user_id": user_id, "allocations": allocations, "resting_margin_reservation": reservation}
