"""What falls due on a running exchange clock, made when it falls due: one thread for the process wakes at the
earliest time any watched part of a mock has scheduled (its `next_due`) and makes what is due (its `run_due`), so a
Kalshi market closes and settles, and a perps funding time or a path's point is made, at its time even when nothing
reads or writes it then.

Only parts on the system clock are watched: a manual clock moves through the control plane (`advance_clock`, which
makes what is due itself) or a test's own hand (then the next read or write makes it). The thread holds each part
weakly, so a mock that is dropped is forgotten; it sleeps at most a minute at a time, and is woken (`wake`) when a
part's earliest due time moves. A process forked from this one (multiprocessing's `fork`, a server's workers forked
after the app was built) starts its own thread for the parts it holds; a fork waits while the thread makes due work,
which holds a part's lock, so no child begins with a lock taken by a thread it has no copy of.
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from collections.abc import Callable
from datetime import datetime
from typing import Any

log = logging.getLogger(__name__)
MAX_SLEEP_S = 60.0


class _Schedule:
    """How to run a watched part's due work, when its next falls due and its clock's time now, each a function of
    the part (none holds it: the part is held weakly)."""

    __slots__ = ("run_due", "next_due", "now")

    def __init__(
        self, run_due: Callable[[Any], None], next_due: Callable[[Any], datetime | None], now: Callable[[Any], datetime]
    ) -> None:
        self.run_due, self.next_due, self.now = run_due, next_due, now


_watched: weakref.WeakKeyDictionary[Any, _Schedule] = weakref.WeakKeyDictionary()
_wake = threading.Event()
_lock = threading.Lock()
_making = threading.RLock()  # held while the thread makes due work (a fork waits for it: `_before_fork`)
_thread: threading.Thread | None = None


def watch(
    part: Any,
    run_due: Callable[[Any], None],
    next_due: Callable[[Any], datetime | None],
    now: Callable[[Any], datetime],
) -> None:
    """Make `part`'s due work (`run_due(part)`) when it falls due (`next_due(part)`, on `now(part)`'s clock), from now
    on."""
    with _lock:
        _watched[part] = _Schedule(run_due, next_due, now)
        if _thread is None:
            _start()
    _wake.set()


def wake() -> None:
    """A watched part's earliest due time moved: look again."""
    _wake.set()


def _before_fork() -> None:
    """Fork between one part's due work and the next: a part's due work holds the part's lock, which a child would
    begin with taken and never see released (re-entrant: a part's due work that forks goes on). So a thread must not
    fork while it holds a mock's lock: the fork would wait for the timer, which waits for that lock."""
    _making.acquire()


def _after_fork_in_parent() -> None:
    _making.release()


def _after_fork() -> None:
    """In a child forked from this process the thread is gone (only the forking thread is copied), and the locks may
    have been held by it: the child makes its own, and its own thread for the parts it copied."""
    global _lock, _making, _wake, _thread
    _lock, _making, _wake, _thread = threading.Lock(), threading.RLock(), threading.Event(), None
    if _watched:
        _start()


def _start() -> None:
    global _thread
    _thread = threading.Thread(target=_run, daemon=True, name="mockexchange-due")
    _thread.start()


if hasattr(os, "register_at_fork"):  # (not on Windows, which does not fork)
    os.register_at_fork(before=_before_fork, after_in_parent=_after_fork_in_parent, after_in_child=_after_fork)


def _run() -> None:
    while True:
        _wake.clear()
        _wake.wait(_run_watched())


def _run_watched() -> float:
    """Make each watched part's due work; answer how long to sleep till the next (its locals gone once it returns:
    nothing holds a part while the thread sleeps)."""
    sleep = MAX_SLEEP_S
    with _lock:
        watched = list(_watched.items())
    for part, schedule in watched:
        with _making:
            try:
                schedule.run_due(part)
                due = schedule.next_due(part)
                if due is not None:
                    sleep = min(sleep, max(0.0, (due - schedule.now(part)).total_seconds()))
            except Exception:  # a bug of ours must not stop the other mocks' transitions
                log.exception("a mock's due work failed")
    return sleep
