"""The perps exchange's order groups on the wire (`/margin/order_groups...`): list, create, read one, delete, reset,
trigger and a new limit. The request bodies and the group's row are Kalshi's prediction exchange's (the same structs:
venues/kalshi/order_groups.py); each write runs the perps core's command (core/perps/order_group_commands.py), so a
state file keeps it, and a refusal is the exchange's in Kalshi's shape, having changed nothing. The subaccount is the
body's (create) or the query's (the primary by default; the list and the read of one: every subaccount's), the key's
own for a key locked to one."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from mockexchange.auth.kalshi.keys import ApiKey
from mockexchange.core.perps.errors import PerpsError
from mockexchange.core.perps.order_group_commands import CreatePerpOrderGroup, OnPerpOrderGroup
from mockexchange.venues.kalshi import commands, wire_values
from mockexchange.venues.kalshi.context import subaccount_for
from mockexchange.venues.kalshi.order_groups import CREATE, EMPTY, LIMIT, LIMIT_TEXT, order_group
from mockexchange.venues.kalshi.params import SUBACCOUNT, Query, parse_query
from mockexchange.venues.perps.context import PerpsContext, execute, refused

__all__ = ["CREATE", "EMPTY", "LIMIT"]  # (the table's bodies: Kalshi's structs)


def listed(ctx: PerpsContext, key: ApiKey, query: Query) -> dict[str, Any]:
    subaccount = subaccount_for(key, parse_query("GetMarginOrderGroups", (SUBACCOUNT,), query)["subaccount"])
    groups = ctx.exchange.trading.groups.of_user(key.user_id, subaccount)
    return {"order_groups": [order_group(group) for group in groups]}


def get(ctx: PerpsContext, key: ApiKey, query: Query) -> dict[str, Any]:
    """GetOrderGroupResponse: the group and the orders placed into it that the exchange keeps, in the order placed."""
    subaccount = subaccount_for(key, parse_query("GetMarginOrderGroup", (SUBACCOUNT,), query)["subaccount"])
    try:
        group = ctx.exchange.trading.groups.group(query["order_group_id"], key.user_id, subaccount)
    except PerpsError as exc:
        raise refused(exc) from None
    row = order_group(group)
    return {"is_auto_cancel_enabled": row["is_auto_cancel_enabled"], "contracts_limit_fp": row["contracts_limit_fp"],
            "orders": list(group.orders), "exchange_index": group.exchange_index}  # fmt: skip


def _given(values: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in wire_values.read(values, LIMIT_TEXT).items() if value is not None}


def create(ctx: PerpsContext, key: ApiKey, query: Query, values: dict[str, Any]) -> dict[str, Any]:
    fields = _given(values) | {"user_id": key.user_id, "subaccount": subaccount_for(key, values["subaccount"]) or 0}
    group = execute(ctx, commands.read(CreatePerpOrderGroup, fields))
    return {"order_group_id": group.group_id, "subaccount": group.subaccount, "exchange_index": group.exchange_index}


def changing(command: type[OnPerpOrderGroup], operation: str) -> Callable[..., dict[str, Any]]:
    """The route of a change of one group by `command` (the spec's `operation`): EmptyResponse."""
    return partial(_change, command=command, operation=operation)


def _change(
    ctx: PerpsContext, key: ApiKey, query: Query, values: dict[str, Any] | None = None, *,
    command: type[OnPerpOrderGroup], operation: str,
) -> dict[str, Any]:  # fmt: skip
    subaccount = subaccount_for(key, parse_query(operation, (SUBACCOUNT,), query)["subaccount"]) or 0
    fields = _given(values or {}) | {
        "user_id": key.user_id, "order_group_id": query["order_group_id"], "subaccount": subaccount,
    }  # fmt: skip
    execute(ctx, commands.read(command, fields))
    return {}
