"""Kalshi's ledgers' due transitions on a running clock (control/due_timer.py's thread): a market opens, closes, and
a determined one is paid and publishes `settled`, at its time (lifecycle.py's `next_due`) even when nothing reads or
writes it then; the thread is woken when a ledger's earliest due time moves (the ledger state's `on_schedule`)."""

from __future__ import annotations

from mockexchange.control import due_timer
from mockexchange.core.kalshi.ledger import Ledger


def watch(ledger: Ledger) -> None:
    """Make the ledger's due transitions when they fall due, from now on."""
    ledger.state.on_schedule = due_timer.wake
    due_timer.watch(
        ledger,
        lambda watched: watched.lifecycle.run_due(),
        lambda watched: watched.lifecycle.next_due(),
        lambda watched: watched.state.clock.now(),
    )
