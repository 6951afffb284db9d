"""The Deribit account's own changes as control-plane commands: subaccount names and logins, whether a wallet may send
to other users, transfers to another user, cancelling a transfer or a withdrawal, deposit addresses. A client's
`private/*` write runs one of these (or `create_deribit_subaccount`, `deribit_transfer`, `deribit_withdraw` of
`control/deribit.py`) through `control/deribit_venue.py`, so a state file keeps what a client did as it keeps what
was seeded.
"""

from __future__ import annotations

from typing import Any

from mockexchange.control.commands import command, operation
from mockexchange.control.deribit import _account_id, _amount
from mockexchange.control.errors import ControlError
from mockexchange.control.values import currency as currency_code
from mockexchange.control.values import integer, text
from mockexchange.core.deribit.account_commands import (
    RenameDeribitSubaccount,
    SetDeribitInteruserTransfers,
    SetDeribitSubaccountLogin,
)
from mockexchange.core.deribit.book import DerivativesBook
from mockexchange.core.deribit.bounds import MAX_CASH, SMALLEST, BookError
from mockexchange.core.deribit.handlers import Held

MAX_RECORD_ID = 2**63 - 1  # a transfer's or withdrawal's id: any int64 a client sends


def _refused(exc: BookError) -> ControlError:
    return ControlError(str(exc), exc.status)


def _renamed_json(held: Held) -> dict[str, Any]:
    user_id, wallet = held
    return {"user_id": user_id, "id": wallet.id, "username": wallet.username}


def _login_json(held: Held) -> dict[str, Any]:
    user_id, wallet = held
    return {"user_id": user_id, "id": wallet.id, "login_enabled": wallet.login_enabled}


def _interuser_json(held: Held) -> dict[str, Any]:
    user_id, wallet = held
    return {"user_id": user_id, "id": wallet.id, "interuser_transfers_enabled": wallet.interuser_transfers_enabled}


class DeribitAccountOperations:
    book: DerivativesBook

    rename_deribit_subaccount = operation(RenameDeribitSubaccount, _renamed_json)
    set_deribit_subaccount_login = operation(SetDeribitSubaccountLogin, _login_json)
    set_deribit_interuser_transfers = operation(SetDeribitInteruserTransfers, _interuser_json)

    @command()
    def deribit_transfer_to_user(
        self,
        user_id: str,
        currency: str,
        amount: str | int,
        destination: str,
        from_subaccount_id: int | None = None,
    ) -> dict[str, Any]:
        """Move cash from one of the user's wallets to another user's account (main or subaccount) named by its
        username (private/submit_transfer_to_user); listed by private/get_transfers on both sides."""
        user_id, code = text(user_id, "user_id"), currency_code(currency)
        moved = _amount(amount, "amount", SMALLEST, MAX_CASH)
        destination = text(destination, "destination", most=64)
        source = _account_id(from_subaccount_id, "from_subaccount_id")
        try:
            made = self.book.cash.transfer_to_user(user_id, code, moved, destination, source=source)
        except BookError as exc:
            raise _refused(exc) from exc
        return {
            "user_id": user_id, "currency": code, "id": made.id, "amount": f"{made.amount:f}",
            "from_account": made.from_account, "to_account": made.to_account, "to_user_id": made.to_user_id,
            "state": made.state,
        }  # fmt: skip

    @command()
    def deribit_cancel_transfer(self, user_id: str, transfer_id: int, subaccount_id: int | None = None) -> None:
        """Cancel a transfer the wallet sent that is still waiting (private/cancel_transfer_by_id). The mock's are
        confirmed at once, so this is always refused; kept as a command so a state file keeps the refusal too."""
        user_id = text(user_id, "user_id")
        number = integer(transfer_id, "transfer_id", 1, MAX_RECORD_ID)
        try:
            self.book.cash.cancel_transfer(user_id, number, subaccount_id=_account_id(subaccount_id, "subaccount_id"))
        except BookError as exc:
            raise _refused(exc) from exc

    @command()
    def deribit_cancel_withdrawal(
        self, user_id: str, withdrawal_id: int, subaccount_id: int | None = None
    ) -> dict[str, Any]:
        """Cancel an unconfirmed withdrawal (private/cancel_withdrawal): its amount and fee come back."""
        user_id = text(user_id, "user_id")
        number = integer(withdrawal_id, "withdrawal_id", 1, MAX_RECORD_ID)
        wallet_id = _account_id(subaccount_id, "subaccount_id")
        try:
            move = self.book.cash.cancel_withdrawal(user_id, number, subaccount_id=wallet_id)
        except BookError as exc:
            raise _refused(exc) from exc
        refund = move.amount + move.fee
        return {"user_id": user_id, "currency": move.currency, "id": move.id, "state": move.state,
                "refunded": f"{refund:f}"}  # fmt: skip

    @command()
    def create_deribit_deposit_address(
        self, user_id: str, currency: str, subaccount_id: int | None = None
    ) -> dict[str, Any]:
        """A new deposit address for a wallet and currency (private/create_deposit_address): its current one from now
        on, which deposits with no address of their own arrive at."""
        user_id, code = text(user_id, "user_id"), currency_code(currency)
        try:
            made = self.book.deposit_addresses.create_deposit_address(
                user_id, code, _account_id(subaccount_id, "subaccount_id")
            )
        except BookError as exc:
            raise _refused(exc) from exc
        return {"user_id": user_id, "currency": code, "address": made.address, "account_id": made.account_id}
