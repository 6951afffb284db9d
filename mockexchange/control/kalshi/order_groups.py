"""A Kalshi account's order groups on the control plane: made, triggered, reset, given a new limit and deleted, as
Kalshi's order group API words them (`contracts_limit` whole contracts, or `contracts_limit_fp` as the wire writes a
count; if both are given they must agree), each a typed command declared once in the core
(core/kalshi/order_group_commands.py). The venue's order group routes run them for their clients
(venues/kalshi/order_groups.py), so a state file keeps every group a client made; the admin API's callers and the
Python API may run them too. A refusal is the ledger's (its Kalshi code kept, control/errors.py).
"""

from __future__ import annotations

from typing import Any

from mockexchange.core.order_groups import OrderGroup


def group_json(group: OrderGroup) -> dict[str, Any]:
    return {"order_group_id": group.group_id, "subaccount": group.subaccount, "exchange_index": group.exchange_index}
