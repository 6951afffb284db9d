"""The due timer (control/due_timer.py) in a process forked after it started: the child has no copy of the parent's
thread, so it must start its own, or nothing would fall due there on a running clock (a server's workers forked after
the app was built, multiprocessing's `fork`, a mutation tester's fork server)."""

from __future__ import annotations

import os
import select
import signal
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from mockexchange.control import due_timer
from mockexchange.core.clock import SystemClock
from mockexchange.core.events import EventBus
from mockexchange.core.perps.exchange import PerpsExchange
from mockexchange.core.perps.mark_path import SetPerpMarkPath
from mockexchange.core.perps.market_commands import ListPerpMarket
from mockexchange.registry import perps as perps_registry

BTC = "BTC-PERP"
MOVED = 1_010_000


def _moves_on_time(exchange: PerpsExchange, bus: EventBus) -> bool:
    """A path's point 200 ms ahead, with nobody reading or writing: whether the timer sets it within ten seconds."""
    moved = threading.Event()
    bus.subscribe(lambda change: moved.set() if change.payload.mark == MOVED else None, ["perps.market"])
    soon = exchange.state.clock.now() + timedelta(milliseconds=200)
    exchange.set_mark_path(SetPerpMarkPath(BTC, ((soon, (MOVED, None, None, None)),)))
    return moved.wait(10)


def _in_child(answer: Callable[[], bytes]) -> bytes:
    """Fork; the child's `answer()` through a pipe (it leaves without the parent's teardown); what the child said, or
    "no answer" when it said nothing within 30 s (a child stuck on a lock copied held: killed, not waited)."""
    read, write = os.pipe()
    child = os.fork()
    if child == 0:
        try:
            os.write(write, answer())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as said:
        ready, _, _ = select.select([said], [], [], 30)
        heard = said.read() if ready else b"no answer"
    if not ready:
        os.kill(child, signal.SIGKILL)
    os.waitpid(child, 0)
    return heard


def test_a_child_forked_after_the_timer_started_makes_what_falls_due() -> None:
    bus = EventBus()
    exchange = PerpsExchange(SystemClock(), bus, lambda: "id")
    perps_registry._configure(SimpleNamespace(perps=exchange), None)  # watched: the timer's thread runs here
    exchange.list_market(ListPerpMarket(BTC, 1_000_000))
    assert due_timer._thread is not None and due_timer._thread.is_alive()
    assert _in_child(lambda: b"moved" if _moves_on_time(exchange, bus) else b"stuck") == b"moved"


class _Slow:
    """A watched part whose first due work holds its lock until released (later rounds, the child's too, do none)."""

    def __init__(self) -> None:
        self.lock, self.entered, self.release, self.rounds = threading.Lock(), threading.Event(), threading.Event(), 0

    def run_due(self) -> None:
        self.rounds += 1
        if self.rounds == 1:
            with self.lock:
                self.entered.set()
                self.release.wait()


_forks_seen: list[threading.Event] = []  # set by every fork of this process from here on (a hook cannot be taken back)
os.register_at_fork(before=lambda: [seen.set() for seen in _forks_seen])  # (run before the timer's: registered later)


def test_a_fork_waits_while_the_timer_makes_due_work_so_the_child_finds_the_part_unlocked() -> None:
    """A fork that came while the thread made a part's due work (holding the part's lock, as every venue's due work
    does) would give the child a lock held by a thread it has no copy of: its next command would wait forever (the
    perps child above, now and then on a busy machine). The fork waits for the work, and the child finds it free."""
    part, begun = _Slow(), threading.Event()
    due_timer.watch(part, _Slow.run_due, lambda watched: None, lambda watched: datetime.now(UTC))
    assert part.entered.wait(10)  # the thread holds the part's lock now
    _forks_seen.append(begun)
    heard: list[bytes] = []
    forking = threading.Thread(
        target=lambda: heard.append(_in_child(lambda: b"free" if part.lock.acquire(False) else b"held"))
    )
    try:
        forking.start()
        assert begun.wait(10)  # the fork has begun: from here the child is copied only once the work is done
        part.release.set()
        forking.join(60)
    finally:
        _forks_seen.remove(begun)
        part.release.set()
    assert not forking.is_alive() and heard == [b"free"]
