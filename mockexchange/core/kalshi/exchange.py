"""The exchange's own status (`GET /exchange/status`): whether it takes changes at all, and whether it trades; and its
schedule (`GET /exchange/schedule`, exchange_schedule.py), which the status follows on the exchange clock.

Its switches are the control plane's (a maintenance, a trading halt); its schedule says when it trades (its weekly
hours) and when it is in maintenance (its windows). At a time, it is active while its switch is on and no maintenance
window holds the time, and it trades while it is active, its trading switch is on and its hours hold the time (`at`).
While it does not trade, the ledger refuses trading (fills, resting orders, scripted liquidity) with 409; everything
else goes on (the mock's reading of Kalshi's "no state changes at all": docs/known-differences.md). The estimated
resume time is the one set, else the end of the maintenance window it is in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from mockexchange.core.clock import Clock
from mockexchange.core.kalshi.exchange_schedule import DEFAULT, ExchangeSchedule


class StatusNow(NamedTuple):
    """What the exchange's status is at a time: its switches within its schedule."""

    exchange_active: bool
    trading_active: bool
    estimated_resume_time: datetime | None

    @property
    def trading(self) -> bool:
        return self.exchange_active and self.trading_active


@dataclass(slots=True)
class ExchangeStatus:
    exchange_active: bool = True
    trading_active: bool = True
    estimated_resume_time: datetime | None = None
    schedule: ExchangeSchedule = DEFAULT
    # When the schedule next says something else (its timer in the lifecycle's schedule, lifecycle.py; None: never)
    hours_due: datetime | None = None

    def at(self, when: datetime) -> StatusNow:
        schedule = self.schedule
        if schedule.always:
            return StatusNow(self.exchange_active, self.trading_active, self.estimated_resume_time)
        window = schedule.maintenance_at(when)
        resume = self.estimated_resume_time or (window.end_datetime if window is not None else None)
        active = self.exchange_active and window is None
        return StatusNow(active, self.trading_active and schedule.open_at(when), resume)

    def refusal_now(self, clock: Clock) -> str | None:
        """`refusal` now (the clock is read only where the schedule needs it: an order's check reads this)."""
        if self.schedule.always and self.exchange_active and self.trading_active:
            return None
        return self.refusal(clock.now())

    def refusal(self, when: datetime) -> str | None:
        """Why the exchange takes no trading at `when` (None: it does)."""
        if not self.exchange_active:
            return "the exchange is not active (maintenance): it takes no trading"
        if not self.trading_active:
            return "trading is paused on the exchange"
        schedule = self.schedule
        if schedule.always:
            return None
        window = schedule.maintenance_at(when)
        if window is not None:
            ends = window.end_datetime.isoformat()
            return f"the exchange is in a maintenance window until {ends}: it takes no trading"
        if not schedule.open_at(when):
            return "trading is closed: the time is outside the exchange's trading hours (GET /exchange/schedule)"
        return None
