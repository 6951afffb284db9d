"""Keeps a mock's commands in its state file as they run, and runs them again, in order, when the mock restarts.

The state is derived from the commands: the ledger from the fills, settlements and transfers; the Deribit book from
its trades and prices; the key registries from the keys created. So the file holds each command (`control.commands`)
with its plain arguments and the exchange time it began at, and a restart runs them again at those times: the same
ids are drawn (the id generator's seed is kept), the same times read, so every answer is the same, byte for byte.

Commands run one at a time under the recorder's lock, and each is in the file before it answers: what a caller was
told happened survives a `kill -9`. A refused command is kept too (marked), because a refusal may still have
changed something (a trade refused after it listed its instrument): running it again reproduces that.

While a command runs on the system clock, its thread reads one instant (`SystemClock.pinned`), the one kept; on a
`ManualClock` the clock is set to the kept time before the command runs again (the Python API may have moved the
clock directly between commands).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime, timedelta
from typing import Any

from mockexchange.control import ControlError
from mockexchange.control.commands import Pin
from mockexchange.core.clock import Clock, ManualClock, SystemClock, unix_us
from mockexchange.state.file import StateError, StateFile

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# The status of an admin answer when a command ran but could not be written (the disk is full, say).
NOT_SAVED = 507


def from_us(at_us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=at_us)


def encode(arguments: dict[str, Any]) -> str:
    """Plain JSON (no NaN); a value JSON cannot hold refuses the command before it runs."""
    try:
        return json.dumps(arguments, allow_nan=False, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        raise ControlError(
            f"with a state file every argument must be a JSON value (strings, numbers, true/false, null, lists, "
            f"objects), so that the command can be kept: {exc}"
        ) from None


class StateRecorder:
    def __init__(self, file: StateFile, clock: Clock) -> None:
        self.file = file
        self.clock = clock
        self._lock = threading.RLock()
        self._depth = threading.local()
        self.replaying = False
        self.replayed = 0

    # -- keeping --------------------------------------------------------------------------------------------------

    def keeping(self) -> bool:
        # A command inside a command (reset runs reset_deribit) is part of the outer one.
        return not self.replaying and not getattr(self._depth, "n", 0)

    def run(self, control: Any, name: str, arguments: dict[str, Any], call: Callable[[], Any], pin: Pin | None) -> Any:
        encoded = encode(arguments)
        with self._lock, self._outermost():
            at = self.clock.now()
            try:
                with self._at(at):
                    answer = call()
            except BaseException:
                self._keep(name, encoded, at, ok=False)
                raise
            self._keep(name, encode(pin(control, arguments, answer)) if pin else encoded, at, ok=True)
            return answer

    def _keep(self, name: str, encoded: str, at: datetime, ok: bool) -> None:
        try:
            self.file.append(name, encoded, unix_us(at), ok)
        except StateError as exc:
            raise ControlError(f"the command ran but was not saved: {exc}", NOT_SAVED) from None

    @contextmanager
    def _outermost(self) -> Iterator[None]:
        self._depth.n = 1
        try:
            yield
        finally:
            self._depth.n = 0

    def _at(self, at: datetime) -> Any:
        if isinstance(self.clock, ManualClock):
            if self.replaying:
                self.clock.set(at)
            return nullcontext()
        if isinstance(self.clock, SystemClock):
            return self.clock.pinned(at)
        return nullcontext()  # another clock is read as it is (docs/persistence.md)

    @contextmanager
    def holding(self) -> Iterator[None]:
        """No command runs while the block does (a snapshot is taken in it)."""
        with self._lock:
            yield

    # -- running again ------------------------------------------------------------------------------------------------

    def replay(self, control: Any, after: int = 0) -> int:
        """Run the file's commands after `after` again, in order; answers how many ran."""
        count = 0
        self.replaying = True
        try:
            for record in self.file.commands(after):
                method = getattr(control, record.name, None)
                if getattr(method, "command", None) != record.name:
                    raise StateError(f"{self.file.path}: command #{record.seq} is {record.name!r}, which is no command")
                arguments = json.loads(record.arguments)
                with self._at(from_us(record.at_us)):
                    try:
                        method(**arguments)
                    except Exception as exc:
                        if record.ok:
                            raise StateError(
                                f"{self.file.path}: command #{record.seq} ({record.name}) was accepted when it was "
                                f"kept but is refused now: {exc}"
                            ) from None
                count += 1
        finally:
            self.replaying = False
        self.replayed = count
        return count
