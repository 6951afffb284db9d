"""The state lock's long commands (core/stepping.py), thread by thread: a long command lets in, between its steps, the
operations whose footprint it leaves be, and holds the others until its end; an event loop's operation is admitted
only beside it, may not run long itself (MustStep), and a long command that would start while one is admitted lets
it finish first and starts again (Restart)."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

import httpx
import pytest
from waits import HANG_S

from mockexchange.core.events import Change, EventBus
from mockexchange.core.stepping import EVERYTHING, SWITCH_US, Footprint, MustStep, StateLock, restarting

WAIT = HANG_S  # seconds an event may take to come before the test calls it a hang (waits.py)
SWEEP = Footprint.of({"maker", "taker"}, {"M"})
T = TypeVar("T")


def waited(condition: Callable[[], bool]) -> bool:
    """Until `condition()` holds (the lock's state, read again as it changes), or WAIT seconds (False)."""
    done = threading.Event()
    for _ in range(WAIT * 200):
        if condition():
            return True
        done.wait(0.005)
    return False


def beside_a_pause(
    lock: StateLock, bus: EventBus, kinds: list[str], health: str, command: Callable[[], T], *,
    clear: Callable[[], object], touching: list[Callable[[], object]], first: Callable[[], object] = lambda: None,
) -> tuple[T, list[object]]:  # fmt: skip
    """`command()` (in a thread; `first()` before it, once `clear()` is read) held at a pause of its long command:
    meanwhile `health` (a URL) answers and `clear()` answers as it did before, while each of `touching` waits for the
    command's end. Answers the command's answer and theirs."""
    inside, go_on = held_at_a_pause(lock, bus, kinds)
    before = clear()
    first()
    with ThreadPoolExecutor(len(touching) + 1) as pool:
        running = pool.submit(command)
        assert inside.wait(WAIT), "the command never ran long"
        try:
            assert httpx.get(health, timeout=WAIT).status_code == 200
            assert clear() == before
            held = [pool.submit(read) for read in touching]
            assert waited(lambda: lock.held_back == len(held)), "the reads of what it touches were not held back"
            assert not any(read.done() for read in held)
        finally:
            go_on.set()
        return running.result(WAIT), [read.result(WAIT) for read in held]


def held_at_a_pause(lock: StateLock, bus: EventBus, kinds: list[str]) -> tuple[threading.Event, threading.Event]:
    """(inside, go on): at a long command's first change of the maker's (one of `kinds`, on `bus`), its thread steps
    (the reads beside it go in: the bus calls a subscriber in the publishing thread, under the lock) until it is let
    go on."""
    inside, go_on = threading.Event(), threading.Event()

    def hold(change: Change) -> None:
        if change.user_id == "maker" and lock.running_long and not inside.is_set():
            inside.set()
            while not go_on.wait(0.002):
                lock.step()

    bus.subscribe(hold, kinds)
    return inside, go_on


def held_at_its_steps(
    lock: StateLock, monkeypatch: pytest.MonkeyPatch
) -> tuple[threading.Event, threading.Event, list[None]]:
    """(inside, go on, steps): at a long command's (or long read's) first step, its thread steps (what waits beside it
    goes in) until it is let go on; `steps` counts every step it takes. For what changes nothing, so publishes nothing
    `held_at_a_pause` could hold it at."""
    inside, go_on, steps = threading.Event(), threading.Event(), []
    step = lock.step

    def holding() -> None:
        steps.append(None)
        if lock.running_long and not inside.is_set():
            inside.set()
            while not go_on.wait(0.002):
                step()
        step()

    monkeypatch.setattr(lock, "step", holding)
    return inside, go_on, steps


@contextmanager
def long_command(lock: StateLock, footprint: Footprint = SWEEP) -> Iterator[list[str]]:
    """A long command over `footprint` running in a thread of its own, stepping until the block ends; `said` gets
    "end" as it leaves the lock."""
    started, finish, said = threading.Event(), threading.Event(), []

    def run() -> None:
        with lock, lock.long(footprint):
            started.set()
            while not finish.wait(0.002):
                lock.step()
            said.append("end")

    thread = threading.Thread(target=run)
    thread.start()
    assert started.wait(WAIT)
    try:
        yield said
    finally:
        finish.set()
        thread.join(WAIT)


def in_thread(call: Callable[[], None]) -> threading.Thread:
    thread = threading.Thread(target=call)
    thread.start()
    return thread


def admitted(lock: StateLock, footprint: Footprint) -> Callable[[], None]:
    """`with lock:` as an event loop's operation of that footprint runs it, saying so in `said` of the caller."""

    def run(said: list[str], name: str) -> None:
        token = lock.admit(lambda: footprint)
        assert token is not None
        try:
            with lock:
                said.append(name)
        finally:
            lock.discharge(token)

    return run  # type: ignore[return-value]


def test_footprints_meet_on_a_shared_user_or_market_and_everything_meets_all():
    assert Footprint.of({"a"}).meets(Footprint.of({"a", "b"}, {"M"}))
    assert Footprint.of(markets={"M"}).meets(SWEEP)
    assert not Footprint.of({"carol"}, {"N"}).meets(SWEEP)
    assert EVERYTHING.meets(SWEEP) and SWEEP.meets(EVERYTHING)
    assert not Footprint.of().meets(EVERYTHING)


def test_a_read_clear_of_a_long_command_goes_in_between_its_steps():
    lock = StateLock()
    with long_command(lock) as said:
        reader = in_thread(lambda: admitted(lock, Footprint.of({"carol"}, {"N"}))(said, "carol"))  # type: ignore[call-arg]
        reader.join(WAIT)
        assert not reader.is_alive()
        assert said == ["carol"]  # in while the long command still runs
    assert said == ["carol", "end"]


def test_a_threads_own_command_waits_for_a_long_commands_end():
    lock = StateLock()
    with long_command(lock) as said:

        def anyone(name: str) -> None:
            with lock:  # a thread's own command (not an event loop's): it may read or change anything
                said.append(name)

        others = [in_thread(lambda name=name: anyone(name)) for name in ("first", "second")]
        assert waited(lambda: lock.held_back == 2)
        assert said == []
    for thread in others:
        thread.join(WAIT)
    assert said[0] == "end" and sorted(said[1:]) == ["first", "second"]


def test_an_event_loop_is_refused_admission_beside_a_long_command_it_meets_and_told_when_it_ends():
    lock = StateLock()
    ended = threading.Event()
    with long_command(lock):
        assert lock.admit(lambda: Footprint.of({"taker"})) is None
        assert not lock.when_clear(Footprint.of({"taker"}), ended.set)
        assert lock.when_clear(Footprint.of({"carol"}), ended.set)  # clear of it: answered now, no call
        token = lock.admit(lambda: Footprint.of({"carol"}))
        assert token is not None
        lock.discharge(token)
        assert not ended.is_set()
    assert ended.wait(WAIT)
    assert lock.held_back == 0


def test_an_event_loops_operation_may_not_run_long_it_must_step():
    lock = StateLock()
    token = lock.admit(lambda: EVERYTHING)
    assert token is not None
    try:
        with pytest.raises(MustStep), lock, lock.long(SWEEP):
            pass
    finally:
        lock.discharge(token)
    assert not lock.running_long


def test_a_long_command_lets_an_admitted_operation_finish_first_and_starts_again():
    lock = StateLock()
    runs: list[str] = []

    class Command:
        def __init__(self) -> None:
            self.lock = lock

        @restarting
        def run(self) -> str:
            with self.lock:
                runs.append("checked")
                with self.lock.long(SWEEP):
                    runs.append("long")
                    return "done"

    token = lock.admit(lambda: Footprint.of({"carol"}))
    assert token is not None
    answer: list[str] = []
    command = in_thread(lambda: answer.append(Command().run()))
    assert waited(lambda: runs == ["checked"])  # refused to start long while the admitted operation runs
    lock.discharge(token)
    command.join(WAIT)
    assert answer == ["done"] and runs == ["checked", "checked", "long"]


def test_a_long_commands_own_nested_holds_and_longs_are_its_own():
    lock = StateLock()
    with lock, lock.long(SWEEP):
        with lock, lock.long(Footprint.of({"maker"})):
            assert lock.running_long
        assert lock.running_long
    assert not lock.running_long


def test_the_switch_interval_is_short_while_any_long_command_runs_and_as_it_was_once_none_does():
    before = sys.getswitchinterval()
    kalshi, deribit = StateLock(), StateLock()  # each venue's lock: their long commands may overlap
    with kalshi, kalshi.long(SWEEP):
        assert sys.getswitchinterval() == SWITCH_US / 1_000_000
        with deribit, deribit.long(SWEEP):
            assert sys.getswitchinterval() == SWITCH_US / 1_000_000
        assert sys.getswitchinterval() == SWITCH_US / 1_000_000  # the other still runs
    assert sys.getswitchinterval() == before
