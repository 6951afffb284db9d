"""A long load's progress on stderr, so `serve --scenario busy-market` is not minutes of silence.

Quiet for a load that ends within `QUIET_FOR_S` of its start, whatever its size (most load at once); past that, a
line saying how many operations the load has, then a line at each tenth of it or after `EVERY_S` without one,
whichever comes first, and one when it ends, with the time it took.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

QUIET_FOR_S = 1.0
EVERY_S = 1.0


class LoadProgress:
    """A `runner.Progress`: called with (operations done, operations in all) after each operation of a load. The
    load is taken to start when this is made (just before it)."""

    def __init__(self, label: str, stream: TextIO | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.label = label
        self._stream = stream
        self._clock = clock
        self._started = clock()
        self._speaking = False
        self._last_line = 0.0
        self._tenth = 0

    def __call__(self, done: int, total: int) -> None:
        now = self._clock()
        if not self._speaking:
            if now - self._started < QUIET_FOR_S or done >= total:
                return  # still within the quiet second, or over before anything was said
            self._speaking = True
            self._say(f"{total:,} operations")
        else:
            tenth = done * 10 // total
            if done < total and tenth == self._tenth and now - self._last_line < EVERY_S:
                return
        self._tenth, self._last_line = done * 10 // total, now
        took = f" in {now - self._started:.2f}s" if done >= total else ""
        self._say(f"{done:,}/{total:,} operations ({done * 100 // total}%){took}")

    def _say(self, what: str) -> None:
        print(f"mockexchange: loading {self.label}: {what}", file=self._stream or sys.stderr, flush=True)
