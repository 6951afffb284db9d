"""The perps exchange's core alone, for the tests that drive it without a mock: a margined cash of the test's own
(a registered mock hands the exchange Kalshi's margined instance)."""

from __future__ import annotations

import threading


class OwnCash:
    """A margined cash of the test's own (the registration hands the exchange Kalshi's)."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.held: dict[tuple[str, int], int] = {}

    def balance(self, user_id: str, subaccount: int) -> int:
        return self.held.get((user_id, subaccount), 0)

    def move(self, user_id: str, change: int, subaccount: int) -> None:
        self.held[(user_id, subaccount)] = self.balance(user_id, subaccount) + change

    def subaccounts(self, user_id: str) -> int:
        return 0
