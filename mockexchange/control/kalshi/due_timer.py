"""The exchange clock's due transitions, made when they fall due on a running clock: one thread for the process
wakes at the earliest time any mock's ledger has scheduled (lifecycle.py's `next_due`) and makes what is due
(`run_due`), so a market closes, and a determined one is paid and publishes `settled`, at its time even when nothing
reads or writes it then.

Only ledgers on the system clock are watched: a manual clock moves through the control plane (`advance_clock`, which
makes what is due itself) or a test's own hand (then the next read or write makes it). The thread holds each ledger
weakly, so a mock that is dropped is forgotten; it sleeps at most a minute at a time, and is woken when a ledger's
earliest due time moves (the ledger state's `on_schedule`).
"""

from __future__ import annotations

import logging
import threading
import weakref

from mockexchange.core.kalshi.ledger import Ledger

log = logging.getLogger(__name__)
MAX_SLEEP_S = 60.0

_ledgers: weakref.WeakSet[Ledger] = weakref.WeakSet()
_wake = threading.Event()
_lock = threading.Lock()
_thread: threading.Thread | None = None


def watch(ledger: Ledger) -> None:
    """Make the ledger's due transitions when they fall due, from now on."""
    global _thread
    ledger.state.on_schedule = _wake.set
    with _lock:
        _ledgers.add(ledger)
        if _thread is None:
            _thread = threading.Thread(target=_run, daemon=True, name="mockexchange-due")
            _thread.start()
    _wake.set()


def _run() -> None:
    while True:
        _wake.clear()
        sleep = MAX_SLEEP_S
        for ledger in list(_ledgers):
            try:
                ledger.lifecycle.run_due()
                due = ledger.lifecycle.next_due()
                if due is not None:
                    sleep = min(sleep, max(0.0, (due - ledger.state.clock.now()).total_seconds()))
            except Exception:  # a bug of ours must not stop the other mocks' transitions
                log.exception("a ledger's due transitions failed")
        _wake.wait(sleep)
