"""The due timer (control/due_timer.py) in a process forked after it started: the child has no copy of the parent's
thread, so it must start its own, or nothing would fall due there on a running clock (a server's workers forked after
the app was built, multiprocessing's `fork`, a mutation tester's fork server)."""

from __future__ import annotations

import os
import select
import signal
import threading
from datetime import timedelta
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


def test_a_child_forked_after_the_timer_started_makes_what_falls_due() -> None:
    bus = EventBus()
    exchange = PerpsExchange(SystemClock(), bus, lambda: "id")
    perps_registry._configure(SimpleNamespace(perps=exchange), None)  # watched: the timer's thread runs here
    exchange.list_market(ListPerpMarket(BTC, 1_000_000))
    assert due_timer._thread is not None and due_timer._thread.is_alive()
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # the child: answer through the pipe, and leave without the parent's teardown
        try:
            os.write(write, b"moved" if _moves_on_time(exchange, bus) else b"stuck")
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as answer:
        ready, _, _ = select.select([answer], [], [], 30)  # (a child stuck on a lock copied held: killed, not waited)
        said = answer.read() if ready else b"no answer"
    if not ready:
        os.kill(child, signal.SIGKILL)
    os.waitpid(child, 0)
    assert said == b"moved"
