"""The commands the Kalshi venue runs for its clients' writes (a venue never imports the control plane: the app hands
it `VenueCommands`, behind `venues/kalshi/context.py`'s protocol). They are the admin API's commands, so a state file
keeps what a client did as it keeps what was seeded; a refusal is raised as the ledger's `LedgerError` (Kalshi's code
kept where the ledger gave one), which the venue words in Kalshi's shape."""

from __future__ import annotations

from typing import Any

from mockexchange.control.errors import ControlError
from mockexchange.core.kalshi.checks import LedgerError

# What a client may change through the venue: its orders, its subaccounts and the moves of cash inside its account,
# its API keys and usage level, an FCM member's desk.
VENUE_COMMANDS = frozenset({
    "place_order", "place_orders", "cancel_user_order", "cancel_user_orders", "cancel_all_orders", "amend_order",
    "decrease_order",
    "create_order_group", "trigger_order_group", "reset_order_group", "delete_order_group", "set_order_group_limit",
    "create_subaccount", "subaccount_transfer", "set_subaccount_netting", "intra_exchange_transfer",
    "set_target_balance_allocation",
    "create_key", "delete_key", "grant_api_usage_level",
    "create_fcm_subtrader", "set_fcm_daily_cap", "set_fcm_blocked_category", "fcm_position_transfer",
})  # fmt: skip


class VenueCommands:
    def __init__(self, control: Any) -> None:
        self.control = control

    def run(self, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        if name not in VENUE_COMMANDS:
            raise ValueError(f"{name!r} is not a command the venue runs")
        try:
            return getattr(self.control, name)(**arguments)
        except ControlError as exc:
            cause = exc.__cause__
            if isinstance(cause, LedgerError):
                raise cause from None
            raise LedgerError(str(exc), exc.status) from None
