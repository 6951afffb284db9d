"""The exchange's own status (`GET /exchange/status`): whether it takes changes at all, and whether it trades.

Both are switches of the control plane (a maintenance window, a trading halt): while either is off, the ledger
refuses trading (fills, resting orders, scripted liquidity) with 409; everything else goes on (the mock's reading of
Kalshi's "no state changes at all": docs/known-differences.md). The estimated resume time is only shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(slots=True)
class ExchangeStatus:
    exchange_active: bool = True
    trading_active: bool = True
    estimated_resume_time: datetime | None = None

    @property
    def trading(self) -> bool:
        return self.exchange_active and self.trading_active

    def refusal(self) -> str | None:
        """Why the exchange takes no trading now (None: it does)."""
        if not self.exchange_active:
            return "the exchange is not active (maintenance): it takes no trading"
        if not self.trading_active:
            return "trading is paused on the exchange"
        return None
