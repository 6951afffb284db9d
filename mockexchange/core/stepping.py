"""The lock a venue's state is kept under, and long commands that step aside for the reads they cannot disturb.

Every command and every read of the state holds the one lock, so a read never sees half a command. A command whose work
grows with what it touches (an order that sweeps thousands of resting orders, a batch) would then hold every other
client for its whole run. Such a command runs *long* instead: it names its footprint (the users and markets it may read
or change, `Footprint`), and between its steps (`StateLock.step`, called as it goes) it lets in the reads waiting on a
footprint it does not touch, one pause at a time; a read or a command that meets the footprint waits for its end. So a
read sees the state before the long command or after it, never half of it, and what it does not touch answers at once.

A long command runs in a worker thread, never on an event loop: the loop must stay free to answer. So an event loop
admits each operation it runs inline first (`admit`): refused while a long command meets its footprint (the caller
waits for its end without blocking the loop: `when_clear`), and while it is admitted no long command starts (one that
would start lets the admitted operations through first and starts again, `Restart`). A command that finds, run inline
on a loop, that it would be long raises `MustStep`: the loop runs it again in a worker thread.

Nothing here knows an event loop or a venue: a loop's waiting is a callback, a footprint is sets of names.
"""

from __future__ import annotations

import contextvars
import functools
import gc
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Concatenate, NamedTuple, ParamSpec, Protocol, TypeVar

# While a long command runs, the interpreter passes to another thread that waits for it after this many microseconds
# (Python's default is 5,000): an event loop waits for it at every read and write of a socket, so at 5 ms each a
# request beside a long command took tens of milliseconds. (A yield at each step costs as much again as the step.)
SWITCH_US = 500
# The steps (resting orders reached, orders ended, fills or rows made) past which a command runs long: some tens of
# milliseconds of matching, about what a read beside it may wait for.
DEEP = 500
T = TypeVar("T")


class Footprint(NamedTuple):
    """The users and markets (instruments) an operation reads or changes; None: every one."""

    users: frozenset[str] | None
    markets: frozenset[str] | None

    def meets(self, other: Footprint) -> bool:
        return _overlap(self.users, other.users) or _overlap(self.markets, other.markets)

    @classmethod
    def of(cls, users: Iterable[str] = (), markets: Iterable[str] = ()) -> Footprint:
        return cls(frozenset(users), frozenset(markets))


EVERYTHING = Footprint(None, None)


def _overlap(ours: frozenset[str] | None, theirs: frozenset[str] | None) -> bool:
    if ours is None:
        return theirs is None or bool(theirs)
    if theirs is None:
        return bool(ours)
    return not ours.isdisjoint(theirs)


class MustStep(Exception):
    """A command run inline on an event loop found it would be long: run it again in a worker thread. Raised before it
    changed anything."""


class Restart(Exception):
    """A long command could not start while operations an event loop admitted were still to run; they ran first (the
    command had changed nothing), so it starts again from the beginning (`restarting`)."""


class _Caller(NamedTuple):
    footprint: Callable[[], Footprint]
    on_loop: bool  # admitted by an event loop: it may not run long here


# The operation running in this context, as its event loop admitted it (None: a worker's, a thread's of its own).
_CALLER: contextvars.ContextVar[_Caller | None] = contextvars.ContextVar("mockexchange_caller", default=None)


class StateLock:
    """A reentrant lock with long commands (module docstring). `with lock:` as with `threading.RLock`."""

    def __init__(self) -> None:
        self._rlock = threading.RLock()
        self._state = threading.Condition(threading.Lock())  # guards what follows and wakes who waits on it
        self._long: Footprint | None = None  # the footprint of the long command running, if one is
        self._long_owner: int | None = None
        self._depth = 0  # how deep the owner holds `_rlock` (touched by the owner only)
        self._arrived = self._entered = 0  # reads beside a long command: how many came, and got in
        # Operations admitted by an event loop, running: one item each. A list, for its append and pop are each one
        # step no other thread comes between: an admission takes no lock (every request of the loop's pays it).
        self._admitted: list[None] = []
        self._draining = 0  # commands waiting for the admitted operations to finish (`wait_admitted`)
        self._held = 0  # threads waiting for a long command's end
        self._on_clear: list[tuple[Footprint, Callable[[], None]]] = []

    # -- holding it ---------------------------------------------------------------------------------------------

    def __enter__(self) -> StateLock:
        if self._long is None or self._long_owner == threading.get_ident():
            self._rlock.acquire()
            if self._long is None or self._long_owner == threading.get_ident():
                self._depth += 1
                return self
            self._rlock.release()  # it went long, or paused, meanwhile: take the long road
        self._enter_beside_long()
        self._depth += 1
        return self

    def __exit__(self, *exc: object) -> None:
        self._depth -= 1
        self._rlock.release()

    def _enter_beside_long(self) -> None:
        """In while a long command runs: at its next pause if the caller's footprint is clear of it, else after it."""
        caller = _CALLER.get()
        footprint = caller.footprint() if caller is not None else EVERYTHING
        with self._state:
            while self._long is not None and footprint.meets(self._long):
                self._held += 1
                self._state.wait()
                self._held -= 1
            beside = self._long is not None
            if beside:
                self._arrived += 1
        self._rlock.acquire()
        if beside:
            with self._state:
                self._entered += 1
                self._state.notify_all()
        elif self._long is not None and footprint.meets(self._long):  # one started as we came: wait for it after all
            self._rlock.release()
            self._enter_beside_long()

    # -- long commands ------------------------------------------------------------------------------------------

    @property
    def running_long(self) -> bool:
        """Whether a long command runs now (in another thread, or this one)."""
        return self._long is not None

    def stepper(self) -> Callable[[], None] | None:
        """What a long command calls as each of its steps ends (`step`); None if the command runs as usual."""
        return self.step if self._long is not None else None

    @property
    def on_loop(self) -> bool:
        """Whether this is an operation an event loop admitted to run inline (it may not run long here)."""
        caller = _CALLER.get()
        return caller is not None and caller.on_loop

    @property
    def held_back(self) -> int:
        """Operations waiting now for a long command's end (threads, and event loops' callbacks)."""
        with self._state:
            return self._held + len(self._on_clear)

    @property
    def beside_long(self) -> bool:
        """Whether this is an operation an event loop admitted while a long command runs (in another thread)."""
        return self._long is not None and self._long_owner != threading.get_ident() and _CALLER.get() is not None

    @contextmanager
    def long(self, footprint: Footprint, fresh: bool = True) -> Iterator[None]:
        """Run the rest of the holder's command long, over `footprint` (every user and market it may read or change).
        `fresh`: the command has changed nothing yet, so it may be run again: on an event loop it raises `MustStep`,
        and `Restart` (having let them run) while admitted operations wait, if it holds the lock once. Else, or not
        fresh, it runs long beside them (on a loop: as it runs, not long). Within a long command already running, it
        is that command's (its footprint must hold this one's)."""
        me = threading.get_ident()
        if self._long_owner == me:
            yield
            return
        caller = _CALLER.get()
        if caller is not None and caller.on_loop:
            if fresh:
                raise MustStep()
            yield
            return
        with self._state:
            waiting = fresh and len(self._admitted) > 0 and self._depth == 1
            if not waiting:
                self._long, self._long_owner = footprint, me
        if waiting:
            raise Restart()
        # A full collection in the middle of a long command would stop every thread at once, the loop's too: the
        # command makes no reference cycle, so the cyclic collector waits until it is done.
        collecting = gc.isenabled()
        gc.disable()
        try:
            with _switching_often():
                yield
        finally:
            if collecting:
                gc.enable()
            self._end_long()

    @contextmanager
    def holding_long(self, footprint: Callable[[], Footprint]) -> Iterator[None]:
        """The lock held for a command known to be long from its start (a batch), run long over `footprint()` (worked
        out under the lock); started again here if admitted operations had to run first."""
        while True:
            with ExitStack() as held:
                held.enter_context(self)
                try:
                    held.enter_context(self.long(footprint()))
                except Restart:
                    pass
                else:
                    yield
                    return
            self.wait_admitted()

    def _end_long(self) -> None:
        with self._state:
            self._long = self._long_owner = None
            called, self._on_clear = self._on_clear, []
            self._state.notify_all()
        for _, call in called:
            call()

    def step(self) -> None:
        """A long command between two steps: the reads waiting beside it go in (their footprint is clear of it), then
        it goes on. Cheap when none waits: call it as often as a step ends."""
        if self._arrived == self._entered or self._long_owner != threading.get_ident():
            return
        with self._state:
            due = self._arrived
        depth, self._depth = self._depth, 0
        saved = self._rlock._release_save()  # type: ignore[attr-defined]  # (CPython's RLock, as Condition uses it)
        with self._state:
            while self._entered < due:
                self._state.wait()
        self._rlock._acquire_restore(saved)  # type: ignore[attr-defined]  # (as above)
        self._depth = depth

    # -- an event loop's operations -------------------------------------------------------------------------------

    def admit(self, footprint: Callable[[], Footprint]) -> contextvars.Token[_Caller | None] | None:
        """Admit an operation an event loop runs inline, whose footprint `footprint()` answers (asked only while a
        long command runs): None while a long command meets it; else a token for `discharge`, and until then no long
        command starts, and the operation runs beside one running (at its pauses)."""
        # Counted first, then the long command read: one that starts now counts this operation (`long` reads the
        # count after it sets none, under `_state`), or this one sees it.
        self._admitted.append(None)
        running = self._long
        if running is not None and footprint().meets(running):
            self._leave()
            return None
        return _CALLER.set(_Caller(footprint, True))

    def discharge(self, token: contextvars.Token[_Caller | None]) -> None:
        """The admitted operation is done."""
        _CALLER.reset(token)
        self._leave()

    def _leave(self) -> None:
        self._admitted.pop()
        if self._draining:
            with self._state:
                self._state.notify_all()

    def when_clear(self, footprint: Footprint, call: Callable[[], None]) -> bool:
        """True if no long command meets `footprint` now; else False, and `call` is called (in the long command's
        thread) once it has ended."""
        with self._state:
            if self._long is None or not footprint.meets(self._long):
                return True
            self._on_clear.append((footprint, call))
            return False

    def wait_admitted(self) -> None:
        """Until no admitted operation runs (a `Restart`'s wait, outside the lock)."""
        with self._state:
            self._draining += 1
            while self._admitted:
                self._state.wait()
            self._draining -= 1


_switching = threading.Lock()
_long_commands = 0  # running now, in every lock of the process (each venue has its own)
_interval = 0  # Python's switch interval as it was before the first of them (microseconds)


@contextmanager
def _switching_often() -> Iterator[None]:
    """The interpreter's switch interval at SWITCH_US while any long command runs, as it was once none does."""
    global _long_commands, _interval
    with _switching:
        if not _long_commands:
            _interval = round(sys.getswitchinterval() * 1_000_000)
            sys.setswitchinterval(SWITCH_US / 1_000_000)
        _long_commands += 1
    try:
        yield
    finally:
        with _switching:
            _long_commands -= 1
            if not _long_commands:
                sys.setswitchinterval(_interval / 1_000_000)


def stepping(items: Iterable[T], step: Callable[[], None] | None) -> Iterator[T]:
    """`items`, with `step` called before each (a long command's or read's `StateLock.step`; None: none)."""
    if step is None:
        yield from items
        return
    for item in items:
        step()
        yield item


def scanning(lock: StateLock, footprint: Callable[[], Footprint], read: Callable[[Callable[[], None]], T]) -> T:
    """`read(step)`, a read whose steps are known only as it goes (a filtered page: the records it passes over until
    its page is full), `step` called at each. Inline on an event loop it takes `DEEP` steps at most, then raises
    `MustStep` (a read changed nothing); elsewhere it runs long from its start, over `footprint()`. Called without
    the lock held (`read` holds it)."""
    if lock.on_loop:
        left = DEEP

        def counted() -> None:
            nonlocal left
            left -= 1
            if left < 0:
                raise MustStep()

        return read(counted)
    with lock.holding_long(footprint):
        return read(lock.step)


class _Locked(Protocol):
    """What a restarting command is called on (a ledger, a book): the state and its lock."""

    lock: StateLock


S = TypeVar("S", bound=_Locked)
P = ParamSpec("P")
R = TypeVar("R")


def restarting(command: Callable[Concatenate[S, P], R]) -> Callable[Concatenate[S, P], R]:
    """A command that may go long run again from the start on `Restart`, once the admitted operations ran."""

    def run(self: S, *args: P.args, **kwargs: P.kwargs) -> R:
        while True:
            try:
                return command(self, *args, **kwargs)
            except Restart:
                self.lock.wait_admitted()

    # (its name, doc and `__wrapped__` only: none of the command's own attributes is copied)
    return functools.update_wrapper(run, command, assigned=("__name__", "__qualname__", "__doc__"), updated=())
