"""The commands the Deribit venue runs for its clients' writes (a venue never imports the control plane: the app hands
it `DeribitVenueCommands`, behind `venues/deribit/context.py`'s protocol). They are the admin API's commands, so a state
file keeps what a client did as it keeps what was seeded; a refusal is raised as the book's `BookError` (with Deribit's
error name where the book gave one), which the venue words as Deribit's JSON-RPC error."""

from __future__ import annotations

from typing import Any

from mockexchange.control.errors import ControlError
from mockexchange.core.deribit.bounds import BookError

# What a Deribit client may change through the venue: its subaccounts, transfers, withdrawals, deposit addresses.
VENUE_COMMANDS = frozenset({
    "create_deribit_subaccount", "rename_deribit_subaccount", "set_deribit_subaccount_login",
    "deribit_transfer", "deribit_transfer_to_user", "deribit_cancel_transfer",
    "deribit_withdraw", "deribit_cancel_withdrawal", "create_deribit_deposit_address",
})  # fmt: skip


class DeribitVenueCommands:
    def __init__(self, control: Any) -> None:
        self.control = control

    def run(self, name: str, arguments: dict[str, Any]) -> Any:
        if name not in VENUE_COMMANDS:
            raise ValueError(f"{name!r} is not a command the Deribit venue runs")
        try:
            return getattr(self.control, name)(**arguments)
        except ControlError as exc:
            cause = exc.__cause__
            if isinstance(cause, BookError):
                raise cause from None
            raise BookError(str(exc), exc.status) from None
