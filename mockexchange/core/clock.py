"""Clocks: the only source of time in the mock.

`SystemClock` follows the wall clock. `ManualClock` stands still until told to move, so tests and scenarios decide
what time it is. Both are thread-safe: the server thread reads while a test thread advances.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class _Pin(threading.local):
    """The instant a thread's reads of a `SystemClock` are pinned to (None: not pinned). A class default, so a thread
    that never pinned reads None without the AttributeError `getattr` would raise and catch (three times the read)."""

    at: datetime | None = None


class SystemClock:
    """The wall clock, moved forward by an offset (`advance`, `set`: exchange time can be moved on without a scenario,
    and then runs on from there); a thread may pin it to one instant (`pinned`), so that every time one command reads
    is the instant it began: a state file replays that command at that instant (mockexchange.state)."""

    def __init__(self) -> None:
        self._pin = _Pin()
        self._offset = timedelta(0)
        self._lock = threading.Lock()  # for changes: a read of `_offset` is one reference, atomic without it

    def now(self) -> datetime:
        pinned = self._pin.at
        if pinned is not None:
            return pinned
        return datetime.now(UTC) + self._offset

    @property
    def offset(self) -> timedelta:
        """How far exchange time runs ahead of the wall clock."""
        with self._lock:
            return self._offset

    def restore_offset(self, offset: timedelta) -> None:
        """The offset a snapshot kept (mockexchange.state)."""
        with self._lock:
            self._offset = offset

    def advance(self, seconds: float = 0.0, *, delta: timedelta | None = None) -> datetime:
        step = delta if delta is not None else timedelta(seconds=seconds)
        if step < timedelta(0):
            raise ValueError("a clock does not run backwards")
        self._move(step)
        return self.now()

    def set(self, when: datetime) -> datetime:
        """Exchange time is `when` now (read against this thread's pinned instant, if any: a replayed command moves
        the offset exactly as it first did); it runs on from there with the wall clock."""
        if when.tzinfo is None:
            raise ValueError("a clock needs timezone-aware times")
        self._move(when - self.now())
        return self.now()

    def _move(self, step: timedelta) -> None:
        with self._lock:
            self._offset += step
        pinned = self._pin.at
        if pinned is not None:  # the command moving the clock reads the moved time for the rest of it
            self._pin.at = pinned + step

    @contextmanager
    def pinned(self, when: datetime) -> Iterator[datetime]:
        """This thread reads `when` until the block ends (other threads read the wall clock)."""
        previous = self._pin.at
        self._pin.at = when
        try:
            yield when
        finally:
            self._pin.at = previous


class FixedClock:
    """A clock that reads one instant: the exchange clock as what falls due at that time reads it (a part swaps it in
    while it makes what fell due, so every record made meanwhile is dated then)."""

    __slots__ = ("when",)

    def __init__(self, when: datetime) -> None:
        self.when = when

    def now(self) -> datetime:
        return self.when


@contextmanager
def fixed_at(holder: Any, when: datetime) -> Iterator[None]:
    """`holder.clock` reads `when` meanwhile (a `FixedClock`): what falls due at `when` is made at that time."""
    clock = holder.clock
    holder.clock = FixedClock(when)
    try:
        yield
    finally:
        holder.clock = clock


class ManualClock:
    """A clock that moves only when `advance` or `set` is called."""

    def __init__(self, start: datetime | None = None) -> None:
        start = start or datetime.now(UTC)
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start")
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        return self._now  # one reference, atomic: the lock orders the changes

    def advance(self, seconds: float = 0.0, *, delta: timedelta | None = None) -> datetime:
        step = delta if delta is not None else timedelta(seconds=seconds)
        if step < timedelta(0):
            raise ValueError("a clock does not run backwards")
        with self._lock:
            self._now += step
            return self._now

    def set(self, when: datetime) -> datetime:
        if when.tzinfo is None:
            raise ValueError("ManualClock needs timezone-aware times")
        with self._lock:
            self._now = when.astimezone(UTC)
            return self._now


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


_last_us: tuple[datetime | None, int] = (None, 0)


def unix_us(when: datetime) -> int:
    """Whole microseconds since the epoch, by integer arithmetic (no float rounding; a timedelta's own fields, not a
    division of timedeltas, which costs three times as much on every fill and order). The last instant's is
    remembered: a command's every cell and stamp takes the same `now`."""
    global _last_us
    last, us = _last_us  # (one tuple: another thread's update replaces it whole)
    if when is not last:
        since = when - _EPOCH
        us = (since.days * 86_400 + since.seconds) * 1_000_000 + since.microseconds
        _last_us = (when, us)
    return us


def unix_seconds(when: datetime) -> int:
    """Whole seconds since the epoch (floored, as unix_us)."""
    return unix_us(when) // 1_000_000


def unix_ms(when: datetime) -> int:
    """Whole milliseconds since the epoch (floored, as unix_us)."""
    return unix_us(when) // 1_000


def epoch_ms(clock: Clock) -> int:
    return unix_ms(clock.now())


def monotonic() -> float:
    """For measuring durations only (timeouts, benchmarks), never for exchange time."""
    return time.monotonic()
