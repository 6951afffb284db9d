"""The ledger's handlers of the commands that seed an account (account_commands.py): each calls the ledger's own
operation with the command's values, the cents of a starting balance given to it as money once."""

from __future__ import annotations

from typing import NamedTuple

from mockexchange.core.commands import Handlers
from mockexchange.core.kalshi.account_commands import CreateAccount, SeedTransfer
from mockexchange.core.kalshi.accounts import Account
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.kalshi.transfers import Transfer
from mockexchange.core.money import from_cents


class Opened(NamedTuple):
    """An account opened, and the command that opened it (its starting balance in cents, as given)."""

    command: CreateAccount
    account: Account


def open_account(ledger: Ledger, create: CreateAccount) -> Opened:
    account = ledger.open_account(
        create.user_id,
        balance=from_cents(create.balance_cents),
        fcm_member=create.fcm_member,
        subtrader_of=create.subtrader_of,
    )
    return Opened(create, account)


def transfer(ledger: Ledger, seed: SeedTransfer) -> Transfer:
    return ledger.transfer(
        seed.user_id, seed.kind, seed.amount_cents, status=seed.status, type=seed.type, fee_cents=seed.fee_cents,
        transfer_id=seed.id,
    )  # fmt: skip


def add_account_handlers(handlers: Handlers, ledger: Ledger) -> None:
    handlers.add(CreateAccount, lambda create: open_account(ledger, create))
    handlers.add(SeedTransfer, lambda seed: transfer(ledger, seed))
