"""Kalshi's order groups (3.34.0): list, create, read one, delete, reset, trigger, and a new limit
(`/portfolio/order_groups...`).

Each write's body is read as Kalshi's Go server reads it (bodies.py); then the control plane's command of the same
meaning runs (commands.py: `create_order_group`, `delete_order_group`, `reset_order_group`, `trigger_order_group`,
`set_order_group_limit`), so a state file keeps every group a client made, and a refusal is the ledger's in Kalshi's
shape (`not_found` for a group that is not the key's, `bad_request` for a limit out of range), having changed nothing.
The reset and trigger take an optional empty body; delete, reset, trigger and the limit answer `{}`.

Whose groups: the key's user's (an FCM member's key bound to a subtrader: the subtrader's); the subaccount is the
body's (create) or the query's, the primary by default (the list and the read of one: every subaccount's), the key's
own for a key locked to one (another is 403).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from mockexchange.auth.kalshi.keys import ApiKey
from mockexchange.core.commands import Command
from mockexchange.core.kalshi.checks import LedgerError
from mockexchange.core.kalshi.order_group_commands import (
    CreateOrderGroup,
)
from mockexchange.core.kalshi.units import contracts
from mockexchange.core.order_groups import OrderGroup
from mockexchange.venues.kalshi import commands, wire_values
from mockexchange.venues.kalshi.bodies import Body, BodyField, at_least
from mockexchange.venues.kalshi.context import KalshiContext, subaccount_for
from mockexchange.venues.kalshi.errors import not_found
from mockexchange.venues.kalshi.order_reads import owner
from mockexchange.venues.kalshi.params import EXCHANGE_INDEX, SUBACCOUNT, Parts, parse_query
from mockexchange.venues.kalshi.render import Row, count_fp

_LIMIT_FIELDS = (BodyField("contracts_limit", at_least(1), go="int64"), BodyField("contracts_limit_fp"))
CREATE = Body(
    "CreateOrderGroupRequest",
    (BodyField("subaccount", at_least(0)), *_LIMIT_FIELDS, BodyField("exchange_index", at_least(0))),
)
LIMIT = Body("UpdateOrderGroupLimitRequest", _LIMIT_FIELDS)
EMPTY = Body("EmptyResponse", (), optional=True)  # the reset's and the trigger's optional body
GROUP_QUERY = [SUBACCOUNT, EXCHANGE_INDEX]
LIMIT_TEXT: dict[str, wire_values.Text] = {"contracts_limit_fp": "count"}  # a fixed-point count (wire_values.py)


def order_group(group: OrderGroup) -> Row:
    """Kalshi's `OrderGroup` (the list's rows)."""
    return {
        "id": group.group_id,
        "contracts_limit_fp": count_fp(contracts(group.contracts_limit)),
        "is_auto_cancel_enabled": group.triggered,
        "exchange_index": group.exchange_index,
    }


def get_order_groups(ctx: KalshiContext, key: ApiKey, query: Any) -> dict[str, Any]:
    values = parse_query("GetOrderGroups", [SUBACCOUNT], query)
    groups = ctx.ledger.groups.order_groups_of(owner(key), subaccount_for(key, values["subaccount"]))
    return {"order_groups": [order_group(group) for group in groups]}


def get_order_group(ctx: KalshiContext, key: ApiKey, parts: Parts) -> dict[str, Any]:
    """GetOrderGroupResponse: the group and every order placed into it, in the order placed."""
    values = parse_query("GetOrderGroup", [SUBACCOUNT], parts.query)
    try:
        found = ctx.ledger.groups.order_group(
            parts.query["order_group_id"], owner(key), subaccount_for(key, values["subaccount"])
        )
    except LedgerError as exc:
        raise not_found(str(exc)) from None
    row = order_group(found)
    return {"is_auto_cancel_enabled": row["is_auto_cancel_enabled"], "contracts_limit_fp": row["contracts_limit_fp"],
            "orders": list(found.orders), "exchange_index": found.exchange_index}  # fmt: skip


def create_order_group(ctx: KalshiContext, key: ApiKey, values: dict[str, Any]) -> dict[str, Any]:
    fields = {name: value for name, value in wire_values.read(values, LIMIT_TEXT).items() if value is not None}
    fields["subaccount"] = subaccount_for(key, values["subaccount"]) or 0
    group = commands.execute(ctx, commands.read(CreateOrderGroup, {**fields, "user_id": owner(key)}))
    return {"order_group_id": group.group_id, "subaccount": group.subaccount, "exchange_index": group.exchange_index}


def changing(command: type[Command]) -> Callable[[KalshiContext, ApiKey, Parts], dict[str, Any]]:
    """The route of a change of one group by `command`, whose name is its operation's (`DeleteOrderGroup`)."""
    return partial(_change, command=command)


def _change(ctx: KalshiContext, key: ApiKey, parts: Parts, command: type[Command]) -> dict[str, Any]:
    """A change of the path's group (of the query's subaccount, the primary by default, and exchange index, 0 by
    default) by the body's fields given; Kalshi's EmptyResponse."""
    values = parse_query(command.__name__, GROUP_QUERY, parts.query)
    body = wire_values.read(parts.body or {}, LIMIT_TEXT)
    fields = {name: value for name, value in body.items() if value is not None}
    commands.execute(ctx, commands.read(command, {
        "user_id": owner(key), "order_group_id": parts.query["order_group_id"],
        "subaccount": subaccount_for(key, values["subaccount"]) or 0, "exchange_index": values["exchange_index"] or 0,
        **fields,
    }))  # fmt: skip
    return {}
