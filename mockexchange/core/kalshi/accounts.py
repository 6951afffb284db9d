"""A Kalshi account: its cash per subaccount and exchange index, and its place among FCM members and subtraders."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from mockexchange.core.money import ZERO


@dataclass(slots=True)
class Account:
    user_id: str
    fcm_member: bool = False
    subtrader_of: str | None = None  # the FCM member this account trades under, if it is a subtrader
    # Cash in dollars per (subaccount, exchange_index): each exchange shard holds its own funds.
    cash: dict[tuple[int, int], Decimal] = field(default_factory=dict)
    updated: dict[int, datetime] = field(default_factory=dict)  # last balance change per subaccount
    subtraders: list[str] = field(default_factory=list)

    def balance(self, subaccount: int = 0, exchange_index: int | None = None) -> Decimal:
        return sum(
            (v for (sub, idx), v in self.cash.items() if sub == subaccount and exchange_index in (None, idx)),
            ZERO,
        )

    def breakdown(self, subaccount: int = 0) -> dict[int, Decimal]:
        """Cash per exchange index, index 0 always present."""
        found = {0: ZERO}
        for (sub, idx), value in self.cash.items():
            if sub == subaccount:
                found[idx] = found.get(idx, ZERO) + value
        return dict(sorted(found.items()))

    def cash_spread(self, subaccount: int, exchange_index: int = 0, amount: Decimal = ZERO) -> Decimal:
        """The sum of |cash| over the subaccount's exchange indexes once `amount` moves into `exchange_index`."""
        key = (subaccount, exchange_index)
        others = ZERO
        if len(self.cash) > 1 or key not in self.cash:
            for k, v in self.cash.items():
                if k[0] == subaccount and k != key:
                    others += abs(v)
        return others + abs(self.cash.get(key, ZERO) + amount)

    def move_cash(self, subaccount: int, exchange_index: int, amount: Decimal, when: datetime) -> None:
        key = (subaccount, exchange_index)
        self.cash[key] = self.cash.get(key, ZERO) + amount
        self.updated[subaccount] = when
