"""Deribit's cash commands, declared once (core/commands.py): a deposit (or, negative, a withdrawal booked as one), a
withdrawal and cancelling one not yet confirmed, a transfer between two wallets of one account and one to another
user's account (and cancelling a transfer), a new deposit address. The venue (private/withdraw, cancel_withdrawal,
submit_transfer_to_subaccount, submit_transfer_to_user, cancel_transfer_by_id, create_deposit_address), the admin API,
the Python API, scenario files and the state file build these; the exchange's cash and deposit addresses (cash.py,
deposit_addresses.py) take them, or a deposit's values (handlers.py). Amounts are in the currency's coin, exact
`Decimal`s within the exchange's bounds. The field names and their order are the control plane's parameters (a state
file written before holds those names; a Python call gives them in that order).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from mockexchange.core.commands import UserCommand, value
from mockexchange.core.deribit.bounds import MAX_CASH, MAX_NAME, PLACES
from mockexchange.core.deribit.kinds import ACCOUNT_ID, BALANCE, CASH, CURRENCY
from mockexchange.core.values import Choice, Decimals, Integer, Refused, Text

MAX_ADDRESS = 2 * MAX_NAME  # characters of an address: a deposit's source, a withdrawal's (real ones are under 100)
MAX_NONCE = 128  # a withdrawal's idempotency nonce (Deribit: 8 to 128 characters)
MAX_USERNAME = 64  # a transfer's destination: an account's username (accounts.py's rule)
MAX_RECORD_ID = 2**63 - 1  # a transfer's or withdrawal's id: any int64 a client sends

MOVED = Decimals(-MAX_CASH, MAX_CASH, PLACES)  # a deposit: negative withdraws
ADDRESS = Text(MAX_ADDRESS)
RECORD_ID = Integer(1, MAX_RECORD_ID)
WITHDRAWAL_STATES = ("completed", "unconfirmed")  # how a withdrawal begins: done at once, or awaiting confirmation


@dataclass(frozen=True, slots=True)
class DeribitDeposit(UserCommand):
    """Move cash into (positive) or out of (negative) a Deribit wallet; a deposit comes from `source_address`
    (private/get_deposits' `source_address`; default a stand-in, `mock-btc-source-<id>`)."""

    name: ClassVar[str] = "deribit_deposit"
    currency: str = value(CURRENCY)
    amount: Decimal = value(MOVED)
    subaccount_id: int | None = value(ACCOUNT_ID, None)
    source_address: str | None = value(ADDRESS, None)

    def check(self) -> None:
        if self.source_address is not None and self.amount < 0:
            raise Refused("source_address names where a deposit came from; a negative amount is a withdrawal")


@dataclass(frozen=True, slots=True)
class DeribitWithdrawal(UserCommand):
    """A withdrawal of `amount` (and `fee`, charged on top) out of a Deribit wallet, within what it may withdraw;
    listed by private/get_withdrawals. `completed` at once, or `unconfirmed` (a client's private/withdraw) until
    cancelled; a `nonce` the wallet gave before answers that withdrawal again."""

    name: ClassVar[str] = "deribit_withdraw"
    currency: str = value(CURRENCY)
    amount: Decimal = value(CASH)
    subaccount_id: int | None = value(ACCOUNT_ID, None)
    fee: Decimal = value(BALANCE, Decimal(0))
    address: str | None = value(ADDRESS, None)
    state: str = value(Choice(WITHDRAWAL_STATES), "completed")
    nonce: str | None = value(Text(MAX_NONCE), None)


@dataclass(frozen=True, slots=True)
class CancelDeribitWithdrawal(UserCommand):
    """Cancel an unconfirmed withdrawal (private/cancel_withdrawal): its amount and fee come back."""

    name: ClassVar[str] = "deribit_cancel_withdrawal"
    withdrawal_id: int = value(RECORD_ID)
    subaccount_id: int | None = value(ACCOUNT_ID, None)


@dataclass(frozen=True, slots=True)
class DeribitTransfer(UserCommand):
    """Move cash between two wallets of one Deribit account (an id left out: the main account); listed by
    private/get_transfers on both sides."""

    name: ClassVar[str] = "deribit_transfer"
    currency: str = value(CURRENCY)
    amount: Decimal = value(CASH)
    from_subaccount_id: int | None = value(ACCOUNT_ID, None)
    to_subaccount_id: int | None = value(ACCOUNT_ID, None)


@dataclass(frozen=True, slots=True)
class DeribitTransferToUser(UserCommand):
    """Move cash from one of the user's wallets to another user's account (main or subaccount) named by its
    username (private/submit_transfer_to_user); listed by private/get_transfers on both sides."""

    name: ClassVar[str] = "deribit_transfer_to_user"
    currency: str = value(CURRENCY)
    amount: Decimal = value(CASH)
    destination: str = value(Text(MAX_USERNAME))
    from_subaccount_id: int | None = value(ACCOUNT_ID, None)


@dataclass(frozen=True, slots=True)
class CancelDeribitTransfer(UserCommand):
    """Cancel a transfer the wallet sent that is still waiting (private/cancel_transfer_by_id). The mock's are
    confirmed at once, so this is always refused; kept as a command so a state file keeps the refusal too."""

    name: ClassVar[str] = "deribit_cancel_transfer"
    transfer_id: int = value(RECORD_ID)
    subaccount_id: int | None = value(ACCOUNT_ID, None)


@dataclass(frozen=True, slots=True)
class CreateDeribitDepositAddress(UserCommand):
    """A new deposit address for a wallet and currency (private/create_deposit_address): its current one from now
    on, which deposits with no address of their own arrive at."""

    name: ClassVar[str] = "create_deribit_deposit_address"
    currency: str = value(CURRENCY)
    subaccount_id: int | None = value(ACCOUNT_ID, None)
