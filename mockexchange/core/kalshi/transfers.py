"""Deposits and withdrawals of cash: a transfer, its statuses and types, and the status changes it may make."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mockexchange.core.kalshi.units import CENT

TRANSFER_STATUSES = ("pending", "applied", "failed", "returned")
TRANSFER_TYPES = ("ach", "wire", "crypto", "debit", "apm")
# Which status changes a transfer may make; cash moves on entering and leaving "applied".
_TRANSITIONS = {"pending": {"applied", "failed"}, "applied": {"returned"}, "failed": set(), "returned": set()}


@dataclass(slots=True)
class Transfer:
    """A deposit or a withdrawal of the primary subaccount's cash, on exchange index 0."""

    id: str
    user_id: str
    kind: str  # "deposit" | "withdrawal"
    type: str
    amount_cents: int
    fee_cents: int
    status: str
    created: datetime
    finalized: datetime | None = None

    @property
    def cash_effect(self) -> int:
        """Cash moved while applied, in micro-dollars: a deposit credits the amount less its fee; a withdrawal debits
        amount and fee."""
        if self.kind == "deposit":
            return (self.amount_cents - self.fee_cents) * CENT
        return -(self.amount_cents + self.fee_cents) * CENT
