"""What an FCM member's desk keeps (fcm.py): its subtraders' caps and blocked categories, its error account, its
position transfers, and what each subtrader's cap counts; the ledger's `fcm_state`, which a snapshot holds.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field, fields
from datetime import date, datetime


@dataclass(frozen=True, slots=True)
class PositionTransfer:
    """One executed CreateFCMPositionTransfer: `count` hundredths (positive YES, negative NO) at YES `price` (price
    units), from `source` to `target`."""

    position_transfer_id: str
    fcm_user_id: str
    source: str
    target: str
    ticker: str
    count: int
    price: int
    created: datetime


@dataclass(slots=True)
class FcmState:
    """What the desk keeps (the ledger's `fcm_state`: a snapshot of the ledger holds it as it holds the rows)."""

    caps: dict[str, int] = field(default_factory=dict)  # subtrader -> daily cap, micro-dollars
    blocked: dict[str, set[str]] = field(default_factory=dict)  # subtrader -> blocked event categories
    error_accounts: dict[str, str] = field(default_factory=dict)  # FCM member -> its error account
    transfers: dict[str, PositionTransfer] = field(default_factory=dict)
    # Each member's transfers' ids, oldest first: a member keeps its latest `MAX_KEPT_TRANSFERS`, as an account keeps
    # its transfers (subaccounts.py), so shuttling a position back and forth grows nothing past that.
    members_transfers: dict[str, deque[str]] = field(default_factory=dict)
    # What a subtrader's cap counts, kept as it changes (micro-dollars): its fills' premium less what settlements paid
    # it, by New York date; what its resting orders would pay at most (each order's share, by order id, beside).
    executed: dict[str, dict[date, int]] = field(default_factory=dict)
    resting: dict[str, int] = field(default_factory=dict)
    resting_shares: dict[str, int] = field(default_factory=dict)

    def clear(self) -> None:
        for kept in fields(self):
            getattr(self, kept.name).clear()
