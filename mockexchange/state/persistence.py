"""One mock's state file, from opening to closing: opened before the state is built (the file decides the id
generator's seed and, unless one is given, the clock), attached once the control exists (it restores what the file
holds, then keeps every command, Deribit token and, when asked, journal entry).
"""

from __future__ import annotations

import json
import logging
import pickle
import secrets
from datetime import datetime
from pathlib import Path
from typing import Any

from mockexchange.auth.deribit.keys import DeribitCredentialRegistry
from mockexchange.auth.deribit.tokens import TokenStore
from mockexchange.control import Control
from mockexchange.core.clock import Clock, ManualClock, monotonic
from mockexchange.journal import Journal, JournalEntry, entry_from_record, entry_record
from mockexchange.state import snapshot
from mockexchange.state.file import FORMAT, StateError, StateFile
from mockexchange.state.recorder import StateRecorder, from_us
from mockexchange.version import __version__

log = logging.getLogger("mockexchange.state")


class Persistence:
    def __init__(self, path: str | Path, *, synchronous: str = "normal", journal: bool = False) -> None:
        self.file = StateFile(path, synchronous=synchronous)
        self.keep_journal = journal
        self.meta = {} if self.file.created else self.file.meta()
        self.recorder: StateRecorder | None = None
        self.control: Control | None = None
        self.snapshot_seq = 0  # the last command the newest snapshot holds
        self.closed = False
        self.restored_commands = 0
        self.restore_seconds = 0.0

    @property
    def created(self) -> bool:
        """True for a new file: nothing to restore."""
        return self.file.created

    def seed(self, given: int | None) -> int:
        """The id generator's seed: the file's if it has one (its commands drew their ids from it), else the one
        given, else a new random one."""
        if "id_seed" in self.meta:
            return int(self.meta["id_seed"])
        return given if given is not None else secrets.randbits(63)

    def clock(self, given: Clock | None) -> Clock | None:
        """The exchange clock: the one given; else a manual one when the file was kept on a manual clock (its time is
        set as the commands run again); else None (the system clock)."""
        if given is not None or self.meta.get("clock") != "manual":
            return given
        return ManualClock(datetime.fromisoformat(self.meta["created"]))

    def attach(
        self,
        control: Control,
        seed: int,
        *,
        tokens: TokenStore | None = None,
        credentials: DeribitCredentialRegistry | None = None,
        journal: Journal | None = None,
    ) -> None:
        """Restore what the file holds into a freshly built mock (a new file: seed its defaults, kept as the first
        command), then keep what changes from now on."""
        clock = control.ledger.clock
        recorder = self.recorder = StateRecorder(self.file, clock)
        self.control = control
        control.recorder = recorder
        started = monotonic()
        if self.created:
            self.file.set_meta(
                format=str(FORMAT),
                written_by=__version__,
                created=clock.now().isoformat(),
                id_seed=str(seed),
                clock="manual" if isinstance(clock, ManualClock) else "system",
            )
            control.reset_deribit()  # the default instruments and index prices: command #1
        else:
            self.restored_commands = recorder.replay(control, after=self._restore_snapshot(control))
            if tokens is not None and credentials is not None:
                for kind, token, record in self.file.tokens():
                    tokens.restore(kind, token, json.loads(record), credentials)
            if journal is not None and self.keep_journal:
                journal.restore(entry_from_record(json.loads(entry)) for entry in self.file.journal())
        self.restore_seconds = monotonic() - started
        if tokens is not None:
            tokens.listener = self._keep_token
        if journal is not None and self.keep_journal:
            size = journal.max_entries
            journal.listener = lambda entry: self._keep_journal_entry(entry, size)

    def _restore_snapshot(self, control: Control) -> int:
        """The state of the newest snapshot, if this version took it: answers the last command it holds (0: none)."""
        found = self.file.snapshot()
        if found is None:
            return 0
        seq, data = found
        try:
            state = snapshot.read(data)
        except snapshot.SnapshotError as exc:
            log.warning(
                "%s: snapshot after command #%d ignored, every command runs again: %s", self.file.path, seq, exc
            )
            return 0
        if state is None:
            return 0
        snapshot.restore(control, state)
        self.snapshot_seq = seq
        return seq

    def take_snapshot(self) -> int:
        """Keep the whole state now (no command runs meanwhile), so a restart runs only later commands; answers the
        last command it holds."""
        recorder, control = self.recorder, self.control
        if recorder is None or control is None:
            return 0
        with recorder.holding():
            seq = self.file.last_seq()
            if seq != self.snapshot_seq:
                self.file.save_snapshot(seq, snapshot.take(control))
                self.snapshot_seq = seq
        return seq

    def _keep_token(self, kind: str, token: str, record: dict[str, Any] | None) -> None:
        if kind == "clear":
            self.file.drop_tokens()
        elif record is None:
            self.file.drop_token(kind, token)
        else:
            self.file.put_token(kind, token, json.dumps(record))

    def _keep_journal_entry(self, entry: JournalEntry | None, size: int) -> None:
        if entry is None:
            self.file.clear_journal()
        else:
            self.file.append_journal(json.dumps(entry_record(entry), ensure_ascii=False), size)

    def status(self) -> dict[str, Any]:
        return {
            "path": str(self.file.path),
            "created": self.created,
            "commands": self.file.last_seq(),
            "restored_commands": self.restored_commands,
            "restore_seconds": round(self.restore_seconds, 3),
        }

    def close(self) -> None:
        """Keep a snapshot (a restart is then quick), and close the file."""
        if self.closed:
            return
        try:
            self.take_snapshot()
        except (StateError, snapshot.SnapshotError, pickle.PicklingError) as exc:
            log.warning("%s: no snapshot kept (a restart runs every command again): %s", self.file.path, exc)
        self.closed = True
        self.file.close()


__all__ = ["Persistence", "StateError", "from_us"]
