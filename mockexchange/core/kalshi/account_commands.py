"""The commands on a Kalshi account as a whole, declared once (core/commands.py): an account opened with a starting
balance (an FCM member, or a subtrader of one), a deposit or a withdrawal recorded (or moved on to a new status), and
an API usage level granted. The admin API, the Python API, scenario files and the state file build these (the venue's
usage-level upgrade too); the ledger's handlers take them (account_handlers.py). Amounts are the wire's cents, times
its Unix seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from mockexchange.core.commands import Command, UserCommand, value
from mockexchange.core.kalshi.transfers import TRANSFER_STATUSES, TRANSFER_TYPES
from mockexchange.core.kalshi.usage_levels import EXCHANGE_INSTANCES, GRANT_SOURCES, LEVELS, PREDICTIONS
from mockexchange.core.money import MAX_CENTS
from mockexchange.core.values import FLAG, TEXT, Choice, Integer

TRANSFER_KINDS = ("deposit", "withdrawal")
MAX_EXPIRES_TS = 253_402_300_799  # 9999-12-31T23:59:59Z: the last Unix second Python's calendar holds


@dataclass(frozen=True, slots=True)
class CreateAccount(UserCommand):
    """An account with a starting balance (cents) in its primary subaccount; an FCM member or its subtrader."""

    name: ClassVar[str] = "create_account"
    balance_cents: int = value(Integer(0, MAX_CENTS), 0)
    fcm_member: bool = value(FLAG, False)
    subtrader_of: str | None = value(TEXT, None)


@dataclass(frozen=True, slots=True)
class SeedTransfer(Command):
    """A deposit into or a withdrawal from the primary subaccount. Cash moves while it is applied: a deposit credits
    amount less fee, a withdrawal debits amount plus fee. Naming an existing `id` moves that transfer to `status`:
    pending -> applied or failed, applied -> returned."""

    name: ClassVar[str] = "transfer"
    kind: str = value(Choice(TRANSFER_KINDS))
    user_id: str = value(TEXT)
    amount_cents: int = value(Integer(1, MAX_CENTS))
    status: str = value(Choice(TRANSFER_STATUSES), "applied")
    type: str = value(Choice(TRANSFER_TYPES), "ach")
    fee_cents: int = value(Integer(0, MAX_CENTS), 0)
    id: str | None = value(TEXT, None)


@dataclass(frozen=True, slots=True)
class GrantApiUsageLevel(UserCommand):
    """Grant the user an API usage level (basic ... prestige) on an exchange instance, until `expires_ts` (Unix
    seconds, exchange time) or for good; a grant of the same level there is replaced. Its Predictions tier is the
    highest of the mock's tier and its live event_contract grants. Answers its tier and grants."""

    name: ClassVar[str] = "grant_api_usage_level"
    level: str = value(Choice(LEVELS))
    exchange_instance: str = value(Choice(EXCHANGE_INSTANCES), PREDICTIONS)
    source: str = value(Choice(GRANT_SOURCES), "manual")
    expires_ts: int | None = value(Integer(0, MAX_EXPIRES_TS), None)
