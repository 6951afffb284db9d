"""A long scenario load's progress on stderr, so `serve --scenario busy-market` is not minutes of silence.

Quiet below `QUIET_BELOW` operations (a small scenario loads at once); above, a line when the load starts, at each
tenth of it or after a second without one, whichever comes first, and when it ends, with the time it took.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

QUIET_BELOW = 1_000
EVERY_S = 1.0


class LoadProgress:
    """A `runner.Progress`: called with (operations done, operations in all) after each operation of a load."""

    def __init__(self, label: str, stream: TextIO | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.label = label
        self._stream = stream
        self._clock = clock
        self._started: float | None = None
        self._last_line = 0.0
        self._tenth = 0

    def __call__(self, done: int, total: int) -> None:
        if total < QUIET_BELOW:
            return
        now = self._clock()
        if self._started is None:
            self._started = self._last_line = now
            self._say(f"{total:,} operations")
        tenth = done * 10 // total
        if done < total and tenth == self._tenth and now - self._last_line < EVERY_S:
            return
        self._tenth, self._last_line = tenth, now
        took = f" in {now - self._started:.2f}s" if done == total else ""
        self._say(f"{done:,}/{total:,} operations ({done * 100 // total}%){took}")

    def _say(self, what: str) -> None:
        print(f"mockexchange: loading {self.label}: {what}", file=self._stream or sys.stderr, flush=True)
