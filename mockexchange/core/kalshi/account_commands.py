"""The commands that seed a Kalshi account, declared once (core/commands.py): an account opened with a starting
balance (an FCM member, or a subtrader of one), and a deposit or a withdrawal recorded (or moved on to a new status).
The admin API, the Python API, scenario files and the state file build these; the ledger's handlers take them
(account_handlers.py). Amounts are the wire's cents.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from mockexchange.core.commands import Command, value
from mockexchange.core.kalshi.transfers import TRANSFER_STATUSES, TRANSFER_TYPES
from mockexchange.core.money import MAX_CENTS
from mockexchange.core.values import Choice, Flag, Integer, Text

TRANSFER_KINDS = ("deposit", "withdrawal")

TEXT = Text()


@dataclass(frozen=True, slots=True)
class CreateAccount(Command):
    """An account with a starting balance (cents) in its primary subaccount; an FCM member or its subtrader."""

    name: ClassVar[str] = "create_account"
    user_id: str = value(TEXT)
    balance_cents: int = value(Integer(0, MAX_CENTS), 0)
    fcm_member: bool = value(Flag(), False)
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
