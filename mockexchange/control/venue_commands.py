"""The commands a venue runs for its clients' writes (a venue never imports the control plane: the app hands it a
`VenueCommands`, behind the venue context's protocol). They are the admin API's commands, run by `Control.run`, so a
state file keeps what a client did as it keeps what was seeded. Each answers what its handler answers (an order
command's `Done`, where the admin API shows plain values of it: the venue renders its own answer); a refusal is raised
as the venue's core error (Kalshi's ledger's, Deribit's book's, their codes kept where the core gave one), which the
venue words in its own shape. Which commands each venue runs, by their types: `KALSHI_COMMANDS`, `DERIBIT_COMMANDS`."""

from __future__ import annotations

from typing import Any

from mockexchange.control.errors import ControlError
from mockexchange.core.commands import Command
from mockexchange.core.deribit import account_commands as deribit_accounts
from mockexchange.core.deribit import cash_commands
from mockexchange.core.deribit import order_commands as deribit_orders
from mockexchange.core.deribit.bounds import BookError
from mockexchange.core.kalshi import (
    account_commands,
    fcm_commands,
    key_commands,
    order_commands,
    order_group_commands,
    subaccount_commands,
)
from mockexchange.core.kalshi.checks import LedgerError

# What a Kalshi client may change through the venue: its orders and order groups, its subaccounts and the moves of
# cash inside its account, its API keys and usage level, an FCM member's desk.
KALSHI_COMMANDS = frozenset({
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
# What a Deribit client may change through the venue: its subaccounts, transfers, withdrawals, deposit addresses,
# orders.
DERIBIT_COMMANDS = frozenset({
    deribit_accounts.CreateDeribitSubaccount, deribit_accounts.RenameDeribitSubaccount,
    deribit_accounts.SetDeribitSubaccountLogin,
    cash_commands.DeribitTransfer, cash_commands.DeribitTransferToUser, cash_commands.CancelDeribitTransfer,
    cash_commands.DeribitWithdrawal, cash_commands.CancelDeribitWithdrawal, cash_commands.CreateDeribitDepositAddress,
    deribit_orders.PlaceDeribitOrder, deribit_orders.EditDeribitOrder, deribit_orders.CancelDeribitOrder,
    deribit_orders.CancelDeribitOrders,
})  # fmt: skip


class VenueCommands:
    def __init__(self, control: Any, venue: str, types: frozenset[type[Command]], refusal: type[ValueError]) -> None:
        self.control, self.venue, self.types, self.refusal = control, venue, types, refusal

    def execute(self, command: Command) -> Any:
        """A typed command's answer (core/commands.py), as its handler gives it (an order's `Done`)."""
        if type(command) not in self.types:
            raise ValueError(f"{command.name!r} is not a command the {self.venue} venue runs")
        try:
            return self.control.run(command)
        except ControlError as exc:
            cause = exc.__cause__
            if isinstance(cause, self.refusal):
                raise cause from None
            raise self.refusal(str(exc), exc.status) from None


def kalshi_commands(control: Any) -> VenueCommands:
    return VenueCommands(control, "Kalshi", KALSHI_COMMANDS, LedgerError)


def deribit_commands(control: Any) -> VenueCommands:
    return VenueCommands(control, "Deribit", DERIBIT_COMMANDS, BookError)
