"""What a Deribit account keeps of its past, of one kind of record (its closed orders, its trades, its transaction log,
its deposits and withdrawals, its transfers): the newest, up to a bound per account (the main account and its
subaccounts together: what one holder can make), the oldest dropped first as a new one comes; read per wallet, oldest
first.

The bound is each account's own, never one count for every account: an account that floods drops only its own oldest
records, and what the mock holds stays within the bound times the accounts. What is dropped depends only on the order
records came in, so a state file's replay drops what the first run dropped.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")
DEFAULT_HISTORY_SIZE = 10_000  # records of each kind an account keeps unless the mock is told otherwise


@dataclass(slots=True)
class WalletHistory(Generic[T]):
    """Each wallet's records, oldest first; and for each account the wallet of each of its records, oldest first (what
    tells the account's oldest record, whichever wallet holds it)."""

    wallets: dict[int, deque[T]] = field(default_factory=dict)
    arrivals: dict[str, deque[int]] = field(default_factory=dict)

    def add(self, account: str, wallet: int, record: T, size: int) -> list[T]:
        """Keep `record` as the wallet's newest; the account's oldest records it took past `size`, dropped (to take out
        of whatever else names them)."""
        self.wallets.setdefault(wallet, deque()).append(record)
        arrived = self.arrivals.setdefault(account, deque())
        arrived.append(wallet)
        dropped = []
        while len(arrived) > size:  # one, unless the bound was lowered since
            oldest = arrived.popleft()
            held = self.wallets[oldest]
            dropped.append(held.popleft())
            if not held:
                del self.wallets[oldest]
        return dropped

    def of_wallet(self, wallet: int) -> deque[T]:
        """The wallet's records, oldest first (empty: none kept)."""
        return self.wallets.get(wallet) or deque()

    def clear(self) -> None:
        self.wallets.clear()
        self.arrivals.clear()

    def __iter__(self) -> Iterator[T]:
        """Every record kept, wallet by wallet."""
        for held in self.wallets.values():
            yield from held

    def __len__(self) -> int:
        return sum(len(held) for held in self.wallets.values())
