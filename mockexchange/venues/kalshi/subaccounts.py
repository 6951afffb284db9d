"""Subaccounts: POST /portfolio/subaccounts, POST /portfolio/subaccounts/transfer, GET /portfolio/subaccounts/balances,
GET /portfolio/subaccounts/transfers and GET/PUT /portfolio/subaccounts/netting.

Writes run as control-plane commands (commands.py), reads take the ledger's lock; neither is lagged (a REST lag delays
balance and positions only). A key locked to a subaccount reads its own subaccount only and changes nothing but its
own netting setting (creating subaccounts and moving cash between them need a key of the whole account: table.py).
Both profiles answer these with the 3.34.0 shapes (the legacy profile predates them).
"""

from __future__ import annotations

from typing import Any

from mockexchange.auth.kalshi.keys import ApiKey
from mockexchange.core.clock import unix_seconds
from mockexchange.core.commands import kind_of
from mockexchange.core.kalshi.accounts import Account
from mockexchange.core.kalshi.subaccount_commands import (
    INDEX,
    SUBACCOUNT,
    ApplySubaccountTransfer,
    CreateSubaccount,
    UpdateSubaccountNetting,
)
from mockexchange.core.kalshi.subaccount_records import SubaccountTransfer
from mockexchange.core.kalshi.subaccounts import SUBACCOUNTS_FROM_TIER, tier_allows_subaccounts
from mockexchange.core.rate_budgets import OFF
from mockexchange.core.values import FLAG
from mockexchange.venues.kalshi import commands, render
from mockexchange.venues.kalshi.bodies import UUID, Body, BodyField
from mockexchange.venues.kalshi.context import KalshiContext
from mockexchange.venues.kalshi.errors import forbidden, restricted
from mockexchange.venues.kalshi.history import Listing, page
from mockexchange.venues.kalshi.params import CURSOR, LIMIT, parse_query

GET_SUBACCOUNT_TRANSFERS = "GetSubaccountTransfers"

EXCHANGE_INDEX = BodyField("exchange_index", INDEX)
CREATE_BODY = Body("CreateSubaccountRequest", (EXCHANGE_INDEX,), optional=True)
TRANSFER_BODY = Body(
    "ApplySubaccountTransferRequest",
    (
        BodyField("client_transfer_id", required=True, go=UUID),
        BodyField("from_subaccount", SUBACCOUNT, required=True),
        BodyField("to_subaccount", SUBACCOUNT, required=True),
        BodyField("amount_cents", kind_of(ApplySubaccountTransfer, "amount_cents"), required=True, go="int64"),
        EXCHANGE_INDEX,
    ),
)
NETTING_BODY = Body(
    "UpdateSubaccountNettingRequest",
    (BodyField("subaccount_number", SUBACCOUNT, required=True), BodyField("enabled", FLAG, required=True)),
)


def _tier(ctx: KalshiContext) -> str:
    """The usage tier of an account: the mock's rate-limit tier (one for every account)."""
    return ctx.rate_limits.tier if ctx.rate_limits is not None else OFF


def create_subaccount(ctx: KalshiContext, key: ApiKey, values: dict[str, Any]) -> dict[str, Any]:
    if not tier_allows_subaccounts(_tier(ctx)):
        raise forbidden(
            f"subaccounts are available on the {SUBACCOUNTS_FROM_TIER.title()} API tier and above",
            f"the account is on the {_tier(ctx)} tier (--rate-limit-tier)",
        )
    create = commands.read(CreateSubaccount, {"user_id": key.user_id, "exchange_index": values["exchange_index"] or 0})
    _, number = commands.execute(ctx, create)
    return {"subaccount_number": number}


def apply_subaccount_transfer(ctx: KalshiContext, key: ApiKey, values: dict[str, Any]) -> dict[str, Any]:
    transfer = {"user_id": key.user_id, **values, "exchange_index": values["exchange_index"] or 0}
    commands.execute(ctx, commands.read(ApplySubaccountTransfer, transfer))
    return {}


def _cash_keys(ledger: Any, account: Account, key: ApiKey) -> list[tuple[int, int]]:
    """(subaccount, exchange index) of every balance the key may read: each known subaccount on each index it holds
    cash on (index 0 at least)."""
    subaccounts = ledger.subaccounts.known_subaccounts(account) if key.subaccount is None else [key.subaccount]
    found = {(sub, 0) for sub in subaccounts}
    found.update(k for k in account.cash if k[0] in subaccounts)
    return sorted(found)


def get_subaccount_balances(ctx: KalshiContext, key: ApiKey, query: Any) -> dict[str, Any]:
    with ctx.ledger.reading():
        account = ctx.ledger.state.account(key.user_id)
        rows = [
            {
                "subaccount_number": sub,
                "exchange_index": index,
                "balance": render.balance_dollars(account.balance(sub, index)),
                "updated_ts": unix_seconds(account.updated.get(sub) or account.updated[0]),
            }
            for sub, index in _cash_keys(ctx.ledger, account, key)
        ]
    return {"subaccount_balances": rows}


def subaccount_transfer(record: SubaccountTransfer) -> dict[str, Any]:
    return {
        "transfer_id": record.transfer_id,
        "from_subaccount": record.from_subaccount,
        "to_subaccount": record.to_subaccount,
        "amount_cents": record.amount_cents,
        "created_ts": unix_seconds(record.created),
        "exchange_index": record.exchange_index,
    }


def get_subaccount_transfers(ctx: KalshiContext, key: ApiKey, query: Any) -> Any:
    values = parse_query(GET_SUBACCOUNT_TRANSFERS, [LIMIT, CURSOR], query)
    locked = values["subaccount"] = key.subaccount  # a locked key sees the transfers of its subaccount
    keep = None if locked is None else (lambda t: locked in (t.from_subaccount, t.to_subaccount))
    index = ctx.ledger.state.subaccount_state.transfers
    return page(
        ctx, Listing(GET_SUBACCOUNT_TRANSFERS, index, key.user_id, values, keep, subaccount_transfer, "transfers")
    )


def get_subaccount_netting(ctx: KalshiContext, key: ApiKey, query: Any) -> dict[str, Any]:
    with ctx.ledger.reading():
        account = ctx.ledger.state.account(key.user_id)
        setup = ctx.ledger.subaccounts.setup(key.user_id)
        configs = [
            {"subaccount_number": sub, "enabled": setup.netting.get(sub, True), "exchange_index": index}
            for sub, index in _cash_keys(ctx.ledger, account, key)
        ]
    return {"netting_configs": configs}


def update_subaccount_netting(ctx: KalshiContext, key: ApiKey, values: dict[str, Any]) -> dict[str, Any]:
    subaccount = values["subaccount_number"]
    if key.subaccount is not None and subaccount != key.subaccount:
        raise restricted(f"key is locked to subaccount {key.subaccount}; it sets only that one's netting")
    netting = {"user_id": key.user_id, "subaccount": subaccount, "enabled": values["enabled"]}
    commands.execute(ctx, commands.read(UpdateSubaccountNetting, netting))
    return {}
