"""The Deribit account's own changes on the control plane: subaccount names and logins, whether a wallet may send to
other users, transfers to another user, cancelling a transfer or a withdrawal, deposit addresses. Each is declared once
as a command of the book's (core/deribit/account_commands.py, cash_commands.py), which a client's `private/*` write
builds and runs too (`control/deribit_venue.py`), so a state file keeps what a client did as it keeps what was seeded.
"""

from __future__ import annotations

from typing import Any

from mockexchange.core.deribit.handlers import Addressed, Held
from mockexchange.core.deribit.records import CashMove


def renamed_json(held: Held) -> dict[str, Any]:
    user_id, wallet = held
    return {"user_id": user_id, "id": wallet.id, "username": wallet.username}


def login_json(held: Held) -> dict[str, Any]:
    user_id, wallet = held
    return {"user_id": user_id, "id": wallet.id, "login_enabled": wallet.login_enabled}


def interuser_json(held: Held) -> dict[str, Any]:
    user_id, wallet = held
    return {"user_id": user_id, "id": wallet.id, "interuser_transfers_enabled": wallet.interuser_transfers_enabled}


def cancelled_withdrawal_json(move: CashMove) -> dict[str, Any]:
    refund = move.amount + move.fee
    return {"user_id": move.user_id, "currency": move.currency, "id": move.id, "state": move.state,
            "refunded": f"{refund:f}"}  # fmt: skip


def deposit_address_json(addressed: Addressed) -> dict[str, Any]:
    user_id, made = addressed
    return {"user_id": user_id, "currency": made.currency, "address": made.address, "account_id": made.account_id}
