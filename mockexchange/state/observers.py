"""What observers keep in the state file (the request journal when asked, Deribit's tokens), written on a thread of its
own: keeping it never fails, delays or changes an answer.

The command log is the file's truth; these are records beside it. A venue request only hands its record over (an
append to a bounded queue); the thread writes what waits in one transaction at a time. A write that fails (a full
disk) loses what it held: said once on stderr per observer and, with how much was lost, in `GET /_admin/health`; the
thread goes on with what comes next. Closing writes what still waits.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter, deque
from collections.abc import Callable

from mockexchange.state.file import StateError, StateFile, Statement

log = logging.getLogger("mockexchange.state")

WAITING = 10_000  # records waiting to be written; beyond, a new one is lost rather than held (a disk far behind)
BATCH = 1_000  # records per transaction
_CLOSE_S = 30.0  # how long closing waits for the thread to write what waits


class ObserverWrites:
    def __init__(self, file: StateFile) -> None:
        self._file = file
        self._waiting: deque[tuple[str, Callable[[], list[Statement]]]] = deque()
        self._wake = threading.Condition()
        self._closing = False
        self.lost: Counter[str] = Counter()  # per observer: records not written
        self._reasons: dict[str, str] = {}
        self._counting = threading.Lock()  # a loss is counted by a request's thread (queue full) or the writer's
        self._thread = threading.Thread(target=self._run, name="mockexchange-state-observers", daemon=True)
        self._thread.start()

    def put(self, observer: str, statements: Callable[[], list[Statement]]) -> None:
        """Keep a record of `observer` (what it is, in words: "request journal entries"); `statements` makes its SQL,
        on the writing thread."""
        with self._wake:
            if self._closing:  # the file is closing: what comes now (a late journal entry) is not kept
                return
            if len(self._waiting) < WAITING:
                self._waiting.append((observer, statements))
                self._wake.notify()
                return
        self._lose(Counter({observer: 1}), "the disk is too slow: more records wait than are held")

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._waiting and not self._closing:
                    self._wake.wait()
                if not self._waiting:
                    return
                batch = [self._waiting.popleft() for _ in range(min(BATCH, len(self._waiting)))]
            try:
                self._file.keep([statement for _, make in batch for statement in make()])
            except StateError as exc:
                self._lose(Counter(observer for observer, _ in batch), exc.reason)
            except Exception as exc:  # a record that cannot be written is a loss too, never the thread's end
                self._lose(Counter(observer for observer, _ in batch), f"{type(exc).__name__}: {exc}")

    def _lose(self, counts: Counter[str], reason: str) -> None:
        with self._counting:
            first = [observer for observer in counts if observer not in self.lost]
            self.lost.update(counts)
            self._reasons.update(dict.fromkeys(counts, reason))
        for observer in first:
            log.warning(
                "%s: %s cannot be kept in it (%s); answers go on unchanged, GET /_admin/health counts what is not kept",
                self._file.path,
                observer,
                reason,
            )

    def warnings(self) -> list[str]:
        with self._counting:
            return [
                f"{observer}: {count:,} not kept in the state file ({self._reasons[observer]})"
                for observer, count in self.lost.items()
            ]

    def close(self) -> None:
        """Write what waits, then stop."""
        with self._wake:
            self._closing = True
            self._wake.notify()
        self._thread.join(_CLOSE_S)
