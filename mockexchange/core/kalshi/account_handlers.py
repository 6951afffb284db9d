"""The ledger's handlers of the commands on an account as a whole (account_commands.py): each calls the ledger's own
operation with the command's values, the cents of a starting balance given to it as money once, a grant's Unix
seconds as the exchange time it expires at."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import NamedTuple

from mockexchange.core.commands import Handlers
from mockexchange.core.kalshi.account_commands import CreateAccount, GrantApiUsageLevel, SeedTransfer
from mockexchange.core.kalshi.accounts import Account
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.kalshi.usage_levels import Grant
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


def grant_usage_level(ledger: Ledger, grant: GrantApiUsageLevel) -> str:
    """The user granted the level (whose tier and grants the answer reads)."""
    expires = None if grant.expires_ts is None else datetime.fromtimestamp(grant.expires_ts, UTC)
    with ledger.reading():
        ledger.state.account(grant.user_id)
        ledger.state.usage_levels.grant(
            grant.user_id, Grant(grant.exchange_instance, grant.level, grant.source, expires)
        )
    return grant.user_id


def add_account_handlers(handlers: Handlers, ledger: Ledger) -> None:
    handlers.add(CreateAccount, lambda create: open_account(ledger, create))
    handlers.add(SeedTransfer, ledger.transfer)
    handlers.add(GrantApiUsageLevel, lambda grant: grant_usage_level(ledger, grant))
