"""The commands the Kalshi venue runs for its clients' writes (control/venue_commands.py runs them, its refusals raised
as the core's `LedgerError`)."""

from __future__ import annotations

from typing import Any

from mockexchange.control.venue_commands import VenueCommands
from mockexchange.core.kalshi import (
    account_commands,
    fcm_commands,
    key_commands,
    order_commands,
    order_group_commands,
    subaccount_commands,
)
from mockexchange.core.kalshi.checks import LedgerError

# What a client may change through the venue: its orders and order groups, its subaccounts and the moves of cash
# inside its account, its API keys and usage level, an FCM member's desk.
VENUE_COMMANDS = frozenset({
    order_commands.PlaceOrder, order_commands.PlaceOrders, order_commands.CancelOrder, order_commands.CancelOrders,
    order_commands.CancelAllOrders, order_commands.AmendOrder, order_commands.DecreaseOrder,
    order_group_commands.CreateOrderGroup, order_group_commands.TriggerOrderGroup,
    order_group_commands.ResetOrderGroup, order_group_commands.DeleteOrderGroup,
    order_group_commands.UpdateOrderGroupLimit,
    subaccount_commands.CreateSubaccount, subaccount_commands.ApplySubaccountTransfer,
    subaccount_commands.UpdateSubaccountNetting, subaccount_commands.IntraExchangeInstanceTransfer,
    subaccount_commands.SetTargetBalanceAllocation,
    key_commands.CreateApiKey, key_commands.DeleteApiKey, account_commands.GrantApiUsageLevel,
    fcm_commands.CreateFCMSubtrader, fcm_commands.UpdateFCMEventContractDailyCap,
    fcm_commands.UpdateFCMSubtraderBlockedCategories, fcm_commands.CreateFCMPositionTransfer,
})  # fmt: skip


def kalshi_commands(control: Any) -> VenueCommands:
    return VenueCommands(control, "Kalshi", VENUE_COMMANDS, LedgerError)
