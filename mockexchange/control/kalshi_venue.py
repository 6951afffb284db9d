"""The commands the Kalshi venue runs for its clients' writes (control/venue_commands.py runs them, its refusals raised
as the core's `LedgerError`)."""

from __future__ import annotations

from typing import Any

from mockexchange.control.venue_commands import VenueCommands
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


def kalshi_commands(control: Any) -> VenueCommands:
    return VenueCommands(control, "Kalshi", VENUE_COMMANDS, LedgerError)
