"""A Kalshi account: its cash per subaccount and exchange index, its place among FCM members and subtraders, and the
contracts its bounds count."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from mockexchange.core.kalshi.units import dollars

HOUSE = "__house__"  # the house's account id (it holds the scripted liquidity, liquidity.py): no client may open it


@dataclass(slots=True)
class Account:
    user_id: str
    fcm_member: bool = False
    subtrader_of: str | None = None  # the FCM member this account trades under, if it is a subtrader
    # Cash in micro-dollars (units.py) per (subaccount, exchange_index): each exchange shard holds its own funds.
    cash: dict[tuple[int, int], int] = field(default_factory=dict)
    updated: dict[int, datetime] = field(default_factory=dict)  # last balance change per subaccount
    subtraders: list[str] = field(default_factory=list)
    # What the account's bounds count (checks.py's `check_contracts`): hundredths of contracts it filled since the
    # last reset, and whole contracts it rests now (as `resting_orders_count` counts them).
    filled: int = 0
    resting: int = 0

    def balance(self, subaccount: int = 0, exchange_index: int | None = None) -> Decimal:
        """The subaccount's cash in dollars, on one exchange index or over all of them."""
        return dollars(
            sum(v for (sub, idx), v in self.cash.items() if sub == subaccount and exchange_index in (None, idx))
        )

    def breakdown(self, subaccount: int = 0) -> dict[int, Decimal]:
        """Cash in dollars per exchange index, index 0 always present."""
        found = {0: 0}
        for (sub, idx), value in self.cash.items():
            if sub == subaccount:
                found[idx] = found.get(idx, 0) + value
        return {idx: dollars(value) for idx, value in sorted(found.items())}

    def cash_spread(self, subaccount: int, exchange_index: int = 0, amount: int = 0) -> int:
        """The sum of |cash| over the subaccount's exchange indexes once `amount` (micro-dollars) moves into
        `exchange_index`, in micro-dollars."""
        key = (subaccount, exchange_index)
        others = 0
        if len(self.cash) > 1 or key not in self.cash:
            for k, v in self.cash.items():
                if k[0] == subaccount and k != key:
                    others += abs(v)
        return others + abs(self.cash.get(key, 0) + amount)

    def move_cash(self, subaccount: int, exchange_index: int, amount: int, when: datetime) -> None:
        """Move `amount` micro-dollars into the subaccount's cash on `exchange_index`."""
        key = (subaccount, exchange_index)
        self.cash[key] = self.cash.get(key, 0) + amount
        self.updated[subaccount] = when
