"""Where the perps exchange's cash is: the margined exchange instance's (Kalshi's `POST
/portfolio/intra_exchange_instance_transfer` moves it), one cash, which the registration hands the exchange as a
`MarginCash` (this package imports no other venue's): a cash per (user, subaccount), the numbered subaccounts made
and funded on Kalshi's side (POST /portfolio/margin/subaccounts, .../transfer). The exchange runs under the cash's
lock, so a transfer and a fill never interleave."""

from __future__ import annotations

from typing import Any, Protocol


class MarginCash(Protocol):
    @property
    def lock(self) -> Any:
        """The lock the cash changes under (the perps exchange takes it for every command and read)."""

    def balance(self, user_id: str, subaccount: int) -> int:
        """The margined cash of the user's subaccount, in micro-dollars."""

    def move(self, user_id: str, change: int, subaccount: int) -> None:
        """Add `change` micro-dollars (a loss or a fee below 0) to the margined cash of the user's subaccount."""

    def subaccounts(self, user_id: str) -> int:
        """The highest numbered subaccount the user has there (0: the primary alone)."""
