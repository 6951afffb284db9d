"""A Kalshi account's order groups on the control plane: made, triggered, reset, given a new limit and deleted, as
Kalshi's order group API words them (`contracts_limit` whole contracts, or `contracts_limit_fp` as the wire writes a
count; if both are given they must agree). The venue's order group routes run these commands for their clients
(venues/kalshi/order_groups.py), so a state file keeps every group a client made; the admin API's callers and the
Python API may run them too. A refusal is the ledger's (its Kalshi code kept, control/errors.py).
"""

from __future__ import annotations

from typing import Any

from mockexchange.control.commands import command
from mockexchange.control.errors import ControlError, ledger_call
from mockexchange.control.values import decimal, integer, optional_integer, optional_text, shown, text
from mockexchange.core.kalshi.checks import MAX_EXCHANGE_INDEX, MAX_SUBACCOUNT
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.kalshi.order_groups import MAX_LIMIT
from mockexchange.core.kalshi.units import CONTRACT


def _limit(contracts_limit: Any, contracts_limit_fp: Any) -> int:
    """The limit asked for, in hundredths: whole contracts from 1 to MAX_LIMIT, given once or twice alike."""
    whole = optional_integer(contracts_limit, "contracts_limit", 1, MAX_LIMIT)
    fp = None
    if contracts_limit_fp is not None:
        written = decimal(contracts_limit_fp, "contracts_limit_fp", 2, f"whole contracts from 1 to {MAX_LIMIT:,}")
        if written != written.to_integral_value() or not 1 <= written <= MAX_LIMIT:
            raise ControlError(
                f"contracts_limit_fp must be whole contracts from 1 to {MAX_LIMIT:,}, not {shown(contracts_limit_fp)}"
            )
        fp = int(written)
    if whole is None and fp is None:
        raise ControlError("give contracts_limit or contracts_limit_fp")
    if whole is not None and fp is not None and whole != fp:
        raise ControlError(f"contracts_limit {whole} and contracts_limit_fp {contracts_limit_fp} must match")
    return (whole if whole is not None else fp) * CONTRACT  # type: ignore[operator]


def _group_json(group_id: str, subaccount: int, exchange_index: int) -> dict[str, Any]:
    return {"order_group_id": group_id, "subaccount": subaccount, "exchange_index": exchange_index}


class OrderGroupOperations:
    """Mixed into `Control`, which owns the ledger they act on."""

    ledger: Ledger

    @command()
    def create_order_group(
        self, user_id: str, contracts_limit: int | None = None, contracts_limit_fp: str | None = None,
        subaccount: int = 0, exchange_index: int = 0, order_group_id: str | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """A new order group of the user's subaccount (Kalshi's CreateOrderGroup); answers its id (`order_group_id`:
        one of the caller's choosing, for seeding; a client's is drawn)."""
        limit = _limit(contracts_limit, contracts_limit_fp)
        group = ledger_call(
            self.ledger.create_order_group, text(user_id, "user_id"), limit,
            integer(subaccount, "subaccount", 0, MAX_SUBACCOUNT),
            integer(exchange_index, "exchange_index", 0, MAX_EXCHANGE_INDEX),
            optional_text(order_group_id, "order_group_id"),
        )  # fmt: skip
        return _group_json(group.group_id, group.subaccount, group.exchange_index)

    @command()
    def trigger_order_group(
        self, user_id: str, order_group_id: str, subaccount: int = 0, exchange_index: int = 0
    ) -> dict[str, Any]:
        """Trigger the group: its resting orders are cancelled, new ones refused until a reset."""
        return self._on_group(self.ledger.trigger_order_group, user_id, order_group_id, subaccount, exchange_index)

    @command()
    def reset_order_group(
        self, user_id: str, order_group_id: str, subaccount: int = 0, exchange_index: int = 0
    ) -> dict[str, Any]:
        """The group's matched count back to zero, its trigger ended."""
        return self._on_group(self.ledger.reset_order_group, user_id, order_group_id, subaccount, exchange_index)

    @command()
    def delete_order_group(
        self, user_id: str, order_group_id: str, subaccount: int = 0, exchange_index: int = 0
    ) -> dict[str, Any]:
        """Remove the group; its resting orders are cancelled."""
        return self._on_group(self.ledger.delete_order_group, user_id, order_group_id, subaccount, exchange_index)

    @command()
    def set_order_group_limit(
        self, user_id: str, order_group_id: str, contracts_limit: int | None = None,
        contracts_limit_fp: str | None = None, subaccount: int = 0, exchange_index: int = 0,
    ) -> dict[str, Any]:  # fmt: skip
        """A new contracts limit for the group (Kalshi's UpdateOrderGroupLimit); below what its orders matched in the
        window, the group is triggered."""
        limit = _limit(contracts_limit, contracts_limit_fp)
        return self._on_group(
            self.ledger.set_order_group_limit, user_id, order_group_id, subaccount, exchange_index, limit
        )

    def _on_group(
        self, method: Any, user_id: Any, order_group_id: Any, subaccount: Any, exchange_index: Any, *more: Any
    ) -> dict[str, Any]:
        user, group_id = text(user_id, "user_id"), text(order_group_id, "order_group_id")
        sub = integer(subaccount, "subaccount", 0, MAX_SUBACCOUNT)
        index = integer(exchange_index, "exchange_index", 0, MAX_EXCHANGE_INDEX)
        ledger_call(method, group_id, user, sub, *more, exchange_index=index)
        return _group_json(group_id, sub, index)
