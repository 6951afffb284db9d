"""The Deribit account's own changes on the control plane: subaccount names and logins, whether a wallet may send to
other users, transfers to another user, cancelling a transfer or a withdrawal, deposit addresses. Each is declared once
as a command of the book's (core/deribit/account_commands.py, cash_commands.py), which a client's `private/*` write
builds and runs too (`control/venue_commands.py`), so a state file keeps what a client did as it keeps what was seeded.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mockexchange.control.answers import fields
from mockexchange.core.deribit.handlers import Addressed, Held
from mockexchange.core.deribit.records import CashMove


def _wallet(names: str) -> Callable[[Held], dict[str, Any]]:
    """The answer of a change to a wallet: who holds it, its id, and its fields `names`."""
    return lambda held: fields(held[1], f"user_id id {names}", user_id=held[0])


renamed_json = _wallet("username")
login_json = _wallet("login_enabled")
interuser_json = _wallet("interuser_transfers_enabled")
cancel_on_disconnect_json = _wallet("cancel_on_disconnect")


def cancelled_withdrawal_json(move: CashMove) -> dict[str, Any]:
    return fields(move, "user_id currency id state", refunded=move.amount + move.fee)


def deposit_address_json(addressed: Addressed) -> dict[str, Any]:
    user_id, made = addressed
    return fields(made, "user_id currency address account_id", user_id=user_id)
