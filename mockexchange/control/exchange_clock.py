"""The exchange clock on the control plane: what it reads (`clock_status`) and `AdvanceClock`'s handler, which moves
it and then makes what falls due on the way: Deribit's expiries delivered, Kalshi's markets opened, closed and settled
(core/kalshi/lifecycle.py), and a system clock's timer woken for the next due time."""

from __future__ import annotations

from typing import Any

from mockexchange.control.errors import ControlError
from mockexchange.core.clock import Clock, ManualClock, SystemClock
from mockexchange.core.deribit.book import DerivativesBook
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.mock_commands import AdvanceClock
from mockexchange.core.values import LATEST_EXCHANGE_TIME


def clock_status(clock: Clock) -> dict[str, Any]:
    """The exchange time and whether the clock is manual (movable) or the system clock."""
    return {"exchange_time": clock.now().isoformat(), "clock": "manual" if isinstance(clock, ManualClock) else "system"}


def advance_clock(ledger: Ledger, book: DerivativesBook, move: AdvanceClock) -> dict[str, Any]:
    """Move the exchange clock by `move.seconds` or to `move.to` (never backwards); what it then reads."""
    state = ledger.state
    clock = state.clock
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
    book.expiry.expire_due()
    with state.lock:
        ledger.lifecycle.run_due_now()  # markets that open, close or settle on the way
    if state.on_schedule is not None:
        state.on_schedule()  # a system clock moved on: its timer wakes for the next due time
    return clock_status(clock)
