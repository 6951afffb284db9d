"""Moves of cash between exchange instances and shards: POST /portfolio/intra_exchange_instance_transfer,
GET /portfolio/intra_exchange_instance_transfers (paged) and .../{transfer_id}; and the target balance allocation,
GET/POST /portfolio/target_balance_allocation.

Amounts come in centi-cents and go out as dollar strings of 4 places. A transfer a client makes completes at once
(the admin API can make `pending` ones, core/kalshi/subaccounts.py). A key locked to a subaccount moves cash only
between `event_contract` shards of its own subaccount, and sees only those transfers; the allocation is the account's,
so such a key is refused it (table.py). Both profiles answer with the 3.34.0 shapes.
"""

from __future__ import annotations

from typing import Any

from mockexchange.auth.kalshi.keys import ApiKey
from mockexchange.core.clock import unix_seconds
from mockexchange.core.commands import kind_of
from mockexchange.core.kalshi.subaccount_commands import (
    INDEX,
    INSTANCE,
    MAX_ALLOCATIONS,
    PERCENT,
    SHARD,
    SUBACCOUNT,
    IntraExchangeInstanceTransfer,
    SetTargetBalanceAllocation,
)
from mockexchange.core.kalshi.subaccount_records import InstanceTransfer
from mockexchange.core.kalshi.units import CENTI_CENT, dollars
from mockexchange.core.values import Listed
from mockexchange.venues.kalshi import commands, render
from mockexchange.venues.kalshi.bodies import UUID, Body, BodyField
from mockexchange.venues.kalshi.context import KalshiContext
from mockexchange.venues.kalshi.errors import not_found, restricted
from mockexchange.venues.kalshi.history import Listing, page
from mockexchange.venues.kalshi.params import CURSOR, TRANSFER_LIMIT, parse_query

GET_INTRA_EXCHANGE_INSTANCE_TRANSFERS = "GetIntraExchangeInstanceTransfers"

TRANSFER_BODY = Body(
    "IntraExchangeInstanceTransferRequest",
    (
        BodyField("client_transfer_id", go=UUID),
        BodyField("source", INSTANCE, required=True),
        BodyField("destination", INSTANCE, required=True),
        BodyField("amount", kind_of(IntraExchangeInstanceTransfer, "amount"), required=True, go="int64"),
        BodyField("source_exchange_shard", SHARD),
        BodyField("destination_exchange_shard", SHARD),
        BodyField("source_subaccount", SUBACCOUNT),
        BodyField("destination_subaccount", SUBACCOUNT),
    ),
)
ALLOCATION = Body(
    "TargetBalanceAllocationInput",
    (
        BodyField("exchange_index", INDEX, required=True),
        BodyField("percent", PERCENT, required=True),
    ),
)
ALLOCATION_BODY = Body(
    "SetTargetBalanceAllocationRequest",
    (
        BodyField("allocations", Listed(None, MAX_ALLOCATIONS), required=True, items=ALLOCATION),
        BodyField("resting_margin_reservation", kind_of(SetTargetBalanceAllocation, "resting_margin_reservation")),
    ),
)
_DEFAULTS = {"source_exchange_shard": 0, "destination_exchange_shard": 0, "source_subaccount": 0}


def intra_exchange_instance_transfer(ctx: KalshiContext, key: ApiKey, values: dict[str, Any]) -> dict[str, Any]:
    arguments = {name: (value if value is not None else _DEFAULTS.get(name, 0)) for name, value in values.items()}
    arguments["client_transfer_id"] = values["client_transfer_id"]
    if key.subaccount is not None:
        locked_pair = (key.subaccount, key.subaccount)
        contracts = values["source"] == values["destination"] == "event_contract"
        if not contracts or (arguments["source_subaccount"], arguments["destination_subaccount"]) != locked_pair:
            raise restricted(
                f"key is locked to subaccount {key.subaccount}: it moves cash between event_contract shards with "
                f"source_subaccount and destination_subaccount both {key.subaccount}"
            )
    made = commands.execute(ctx, commands.read(IntraExchangeInstanceTransfer, {"user_id": key.user_id, **arguments}))
    return {"transfer_id": made.transfer_id}


def _visible(key: ApiKey, record: InstanceTransfer) -> bool:
    locked = key.subaccount
    return locked is None or (
        record.source == record.destination == "event_contract"
        and record.source_subaccount == record.destination_subaccount == locked
    )


def instance_transfer(record: InstanceTransfer) -> dict[str, Any]:
    row: dict[str, Any] = {"transfer_id": record.transfer_id}
    render.omitempty(row, "client_transfer_id", record.client_transfer_id)
    row.update(
        source=record.source,
        destination=record.destination,
        source_exchange_shard=record.source_exchange_shard,
        destination_exchange_shard=record.destination_exchange_shard,
        amount=render.balance_dollars(dollars(record.amount * CENTI_CENT)),
        status=record.status,
        created_ts=unix_seconds(record.created),
    )
    return row


def get_intra_exchange_instance_transfers(ctx: KalshiContext, key: ApiKey, query: Any) -> dict[str, Any]:
    values = parse_query(GET_INTRA_EXCHANGE_INSTANCE_TRANSFERS, [TRANSFER_LIMIT, CURSOR], query)
    values["subaccount"] = key.subaccount
    keep = None if key.subaccount is None else (lambda record: _visible(key, record))
    index = ctx.ledger.state.subaccount_state.instance_transfers
    listing = Listing(
        GET_INTRA_EXCHANGE_INSTANCE_TRANSFERS, index, key.user_id, values, keep, instance_transfer, "transfers"
    )
    body = page(ctx, listing)
    if not body["cursor"]:
        del body["cursor"]  # "Omitted when there are no further pages"
    return body


def get_intra_exchange_instance_transfer(ctx: KalshiContext, key: ApiKey, path: Any) -> dict[str, Any]:
    transfer_id = path["transfer_id"]
    with ctx.ledger.reading():
        record = ctx.ledger.state.subaccount_state.instance_by_id.get(transfer_id)
        if record is None or record.user_id != key.user_id or not _visible(key, record):
            raise not_found(f"no intra-exchange transfer {transfer_id!r} of this key's account")
        return {"transfer": instance_transfer(record)}


def get_target_balance_allocation(ctx: KalshiContext, key: ApiKey, query: Any) -> dict[str, Any]:
    with ctx.ledger.reading():
        setup = ctx.ledger.subaccounts.setup(key.user_id)
        return {
            "allocations": [{"exchange_index": index, "percent": percent} for index, percent in setup.allocations],
            "resting_margin_reservation": setup.reservation,
        }


def set_target_balance_allocation(ctx: KalshiContext, key: ApiKey, values: dict[str, Any]) -> dict[str, Any]:
    commands.execute(ctx, commands.read(SetTargetBalanceAllocation, {
        "user_id": key.user_id, "allocations": values["allocations"],
        "resting_margin_reservation": values["resting_margin_reservation"] or "sum",  # "Defaults to `sum`"
    }))  # fmt: skip
    return {}
