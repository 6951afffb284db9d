"""The commands the Deribit venue runs for its clients' writes (control/venue_commands.py runs them, its refusals raised
as the core's `BookError`)."""

from __future__ import annotations

from typing import Any

from mockexchange.control.venue_commands import VenueCommands
from mockexchange.core.deribit import account_commands, cash_commands, order_commands
from mockexchange.core.deribit.bounds import BookError

# What a Deribit client may change through the venue: its subaccounts, transfers, withdrawals, deposit addresses,
# orders.
VENUE_COMMANDS = frozenset({
    account_commands.CreateDeribitSubaccount, account_commands.RenameDeribitSubaccount,
    account_commands.SetDeribitSubaccountLogin,
    cash_commands.DeribitTransfer, cash_commands.DeribitTransferToUser, cash_commands.CancelDeribitTransfer,
    cash_commands.DeribitWithdrawal, cash_commands.CancelDeribitWithdrawal, cash_commands.CreateDeribitDepositAddress,
    order_commands.PlaceDeribitOrder, order_commands.EditDeribitOrder, order_commands.CancelDeribitOrder,
    order_commands.CancelDeribitOrders,
})  # fmt: skip


def deribit_commands(control: Any) -> VenueCommands:
    return VenueCommands(control, "Deribit", VENUE_COMMANDS, BookError)
