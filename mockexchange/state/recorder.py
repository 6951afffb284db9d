"""Keeps a mock's commands in its state file, each written before it runs, and runs them again, in order, when the mock
restarts.

The state is derived from the commands: the ledger from the fills, settlements and transfers; the Deribit exchange from
its trades and prices; the key registries from the keys created. So the file holds each command (`control.commands`)
with its plain arguments and the exchange time it begins at, and a restart runs them again at those times: the same
ids are drawn (the id generator's seed is kept), the same times read, so every answer is the same, byte for byte.

The file is authoritative, so a command is written before it runs (write-ahead): one that cannot be written (a full
disk) is refused with status 507 and does not run, so memory never holds what the file does not. What a command would
draw at random is drawn before it is written (`Control.run`: the command drawn is the one kept). Commands run one at a
time under the recorder's lock. A refused command is kept too: a refusal may still have changed something (a trade
refused after it listed its instrument), and running it again reproduces that. A command is written as accepted, and a
refusal with the next command (`StateFile.ran`), so that a restart can tell a command that behaves differently now; the
last command of a mock that was killed is not told (its refusal may not have been written).

While a command runs on the system clock, its thread reads one instant (`SystemClock.pinned`), the one kept; on a
`ManualClock` the clock is set to the kept time before the command runs again (the Python API may have moved the
clock directly between commands).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime, timedelta
from typing import Any

from mockexchange.control import ControlError
from mockexchange.control.commands import Call
from mockexchange.core.clock import Clock, ManualClock, SystemClock, unix_us
from mockexchange.state.file import CommandRecord, StateError, StateFile
from mockexchange.state.seal import Sealer, SealError

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# The status of an admin answer when a command could not be written (the disk is full, say): it did not run.
NOT_SAVED = 507


def from_us(at_us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=at_us)


def encode(arguments: dict[str, Any]) -> str:
    """Plain JSON (no NaN) in UTF-8; a value the file cannot hold refuses the command before it runs."""
    try:
        encoded = json.dumps(arguments, allow_nan=False, ensure_ascii=False, separators=(",", ":"))
        encoded.encode("utf-8")  # a lone surrogate (from Python) cannot be stored
    except (TypeError, ValueError) as exc:
        raise ControlError(
            f"with a state file every argument must be a JSON value (strings, numbers, true/false, null, lists, "
            f"objects), so that the command can be kept: {exc}"
        ) from None
    return encoded


class StateRecorder:
    def __init__(self, file: StateFile, clock: Clock, sealer: Sealer) -> None:
        self.file = file
        self.clock = clock
        self.sealer = sealer  # a command's secrets are kept sealed (seal.py)
        self._lock = threading.RLock()
        self._depth = threading.local()
        self.replaying = False
        self.replayed = 0

    # -- keeping --------------------------------------------------------------------------------------------------

    def keeping(self) -> bool:
        # A command run inside another (a handler that runs one through the control plane) is part of the outer one.
        return not self.replaying and not getattr(self._depth, "n", 0)

    def run(self, name: str, arguments: dict[str, Any], call: Call) -> Any:
        encoded = encode(arguments)
        if (kept := self.sealer.sealed_arguments(arguments)) is not arguments:
            encoded = encode(kept)
        with self._lock, self._outermost():
            at = self.clock.now()
            try:
                record = self.file.append(name, encoded, unix_us(at))
            except StateError as exc:
                raise ControlError(f"the command did not run, as it could not be kept: {exc}", NOT_SAVED) from None
            try:
                with self._at(at):
                    answer = call()
            except BaseException:
                self.file.ran(record, ok=False)
                raise
            self.file.ran(record, ok=True)
            return answer

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

    def replay(self, control: Any, after: int = 0, *, killed: bool = False) -> int:
        """Run the file's commands after `after` again, in order (`integrity` checked them); answers how many ran.
        `killed`: the last mock did not close the file, so its last command may say accepted though it was refused."""
        count, last = 0, self.file.last_seq() if killed else 0
        self.replaying = True
        try:
            for record in self.file.commands(after):
                self._run_again(control, record, told=record.seq != last)
                count += 1
        finally:
            self.replaying = False
        self.replayed = count
        return count

    def _run_again(self, control: Any, record: CommandRecord, told: bool) -> None:
        method = getattr(control, record.name, None)
        if method is None or getattr(method, "command", None) != record.name:
            raise StateError(f"{self.file.path}: command #{record.seq} is {record.name!r}, which is no command")
        try:
            arguments = json.loads(record.arguments)
        except ValueError:
            arguments = None
        if not isinstance(arguments, dict):
            raise StateError(f"{self.file.path}: command #{record.seq} ({record.name}) holds no arguments")
        try:
            arguments = self.sealer.opened_arguments(arguments)
        except SealError as exc:
            raise StateError(f"{self.file.path}: command #{record.seq} ({record.name}): {exc}") from None
        if arguments is None:  # its secret was sealed with a key a recovery gave up: the key it made is dropped
            return
        with self._at(from_us(record.at_us)):
            try:
                method(**arguments)
            except Exception as exc:
                if record.ok and told:
                    raise StateError(
                        f"{self.file.path}: command #{record.seq} ({record.name}) was accepted when it was kept but is "
                        f"refused now: {exc}"
                    ) from None
                if record.ok:  # the last command of a killed mock: its refusal is written with the next command
                    self.file.ran(record, ok=False)
