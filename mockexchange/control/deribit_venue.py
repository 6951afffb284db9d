"""The commands the Deribit venue runs for its clients' writes (control/venue_commands.py runs them, its refusals raised
as the core's `BookError`)."""

from __future__ import annotations

from typing import Any

from mockexchange.control.venue_commands import VenueCommands
from mockexchange.core.deribit.bounds import BookError

# What a Deribit client may change through the venue: its subaccounts, transfers, withdrawals, deposit addresses,
# orders.
VENUE_COMMANDS = frozenset({
    "create_deribit_subaccount", "rename_deribit_subaccount", "set_deribit_subaccount_login",
    "deribit_transfer", "deribit_transfer_to_user", "deribit_cancel_transfer",
    "deribit_withdraw", "deribit_cancel_withdrawal", "create_deribit_deposit_address",
    "deribit_place_order", "deribit_edit_order", "deribit_cancel_order", "deribit_cancel_orders",
})  # fmt: skip


def deribit_commands(control: Any) -> VenueCommands:
    return VenueCommands(control, "Deribit", VENUE_COMMANDS, BookError)
