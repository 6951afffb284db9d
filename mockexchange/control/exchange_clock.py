"""The exchange clock on the control plane: what it reads (`clock_status`) and how `AdvanceClock` moves it
(`move_clock`); what then falls due is each venue's (its registration's `on_clock`: Deribit's expiries delivered,
Kalshi's markets opened, closed and settled, and a system clock's timer woken for the next due time)."""

from __future__ import annotations

from typing import Any

from mockexchange.control.errors import ControlError
from mockexchange.core.clock import Clock, ManualClock, SystemClock
from mockexchange.core.mock_commands import AdvanceClock
from mockexchange.core.values import LATEST_EXCHANGE_TIME


def clock_status(clock: Clock) -> dict[str, Any]:
    """The exchange time and whether the clock is manual (movable) or the system clock."""
    return {"exchange_time": clock.now().isoformat(), "clock": "manual" if isinstance(clock, ManualClock) else "system"}


def move_clock(clock: Clock, move: AdvanceClock) -> None:
    """Move the exchange clock by `move.seconds` or to `move.to` (never backwards)."""
    if not isinstance(clock, ManualClock | SystemClock):
        raise ControlError(f"the exchange clock ({type(clock).__name__}) cannot be moved", 409)
    if move.seconds is not None:
        if move.seconds >= LATEST_EXCHANGE_TIME - clock.now():  # compared so, no sum passes the calendar's end
            raise ControlError(f"exchange time stays before {LATEST_EXCHANGE_TIME.isoformat()}")
        clock.advance(delta=move.seconds)
    elif move.to is not None:
        if move.to < clock.now():
            raise ControlError(f"a clock does not run backwards: it is {clock.now().isoformat()}", 409)
        clock.set(move.to)
