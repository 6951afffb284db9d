"""The margined instance's subaccounts on the wire: POST /portfolio/margin/subaccounts (the user's next numbered one, 1
to 63) and POST /portfolio/margin/subaccounts/transfer (cash moved between two of them). The cash is Kalshi's
margined instance's, per (user, subaccount): each runs Kalshi's command for it (core/kalshi/subaccount_commands.py)
through Kalshi's venue, so a state file keeps it and a refusal is Kalshi's; the transfer's body is Kalshi's
ApplySubaccountTransferRequest (its `exchange_index` is ignored, as the spec says). A key locked to a subaccount may
do neither (403)."""

from __future__ import annotations

from typing import Any

from mockexchange.auth.kalshi.keys import ApiKey
from mockexchange.core.kalshi.subaccount_commands import ApplyMarginSubaccountTransfer, CreateMarginSubaccount
from mockexchange.venues.kalshi import commands
from mockexchange.venues.kalshi.errors import restricted
from mockexchange.venues.kalshi.params import Query
from mockexchange.venues.kalshi.subaccounts import TRANSFER_BODY
from mockexchange.venues.perps.context import PerpsContext

__all__ = ["TRANSFER_BODY"]  # (the table's body: Kalshi's struct)


def _whole_account(key: ApiKey) -> None:
    if key.subaccount is not None:
        raise restricted(f"key is locked to subaccount {key.subaccount}: it may not make or fund subaccounts")


def create(ctx: PerpsContext, key: ApiKey, query: Query) -> dict[str, Any]:
    _whole_account(key)
    create = commands.read(CreateMarginSubaccount, {"user_id": key.user_id})
    return {"subaccount_number": commands.execute(ctx.kalshi, create)}


def transfer(ctx: PerpsContext, key: ApiKey, query: Query, values: dict[str, Any]) -> dict[str, Any]:
    _whole_account(key)
    fields = {name: values[name] for name in ("client_transfer_id", "from_subaccount", "to_subaccount",
                                              "amount_cents")} | {"user_id": key.user_id}  # fmt: skip
    commands.execute(ctx.kalshi, commands.read(ApplyMarginSubaccountTransfer, fields))
    return {}
