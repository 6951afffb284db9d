"""What the lifecycle's schedule holds at a due time (lifecycle.py): a market's ticker, or a part's `Timer`."""

from __future__ import annotations

from typing import NamedTuple


class Timer(NamedTuple):
    """A part's timer in the schedule: its `kind` (the handler registered in `MarketLifecycle.timers`) and what it
    times (a quote's id). Like a ticker, only a reason to look: the handler works out what is due then."""

    kind: str
    key: str


Due = str | Timer  # one entry of the schedule
