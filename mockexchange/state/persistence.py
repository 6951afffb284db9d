"""One mock's state file, from opening to closing: opened before the state is built (the file decides the id
generator's seed and, unless one is given, the clock) and checked whole (`integrity.py`: damage stops the start, or
`recover` starts from the last command that checks), its sealing key read (seal.py: a missing or other key stops the
start while secrets sealed with it are kept, or `recover` gives them up); attached once the control exists (it
restores what the file holds, then keeps every command, and through the observers' writer what each venue keeps record
by record (its registration's `kept_records`: Deribit's tokens) and, when asked, the journal).

What a start had to say (a snapshot set aside, a recovery) and what the observers could not keep are warnings: each is
said once on stderr (the `mockexchange.state` logger) and listed by `GET /_admin/health`, without the file's path.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import pickle
import secrets
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from mockexchange.control import Control
from mockexchange.control.registration import KeptRecords
from mockexchange.core.clock import Clock, ManualClock, monotonic
from mockexchange.journal.entries import JournalEntry, entry_from_record, entry_record
from mockexchange.journal.journal import Journal
from mockexchange.state import integrity, mark, seal, snapshot, wal
from mockexchange.state.file import (
    FORMAT,
    StateError,
    StateFile,
    Statement,
    commands_held,
    journal_cleared,
    journal_statements,
    page_size,
    snapshot_checksum,
    token_statements,
    wal_path,
)
from mockexchange.state.observers import ObserverWrites
from mockexchange.state.recorder import StateRecorder, from_us
from mockexchange.version import __version__

log = logging.getLogger("mockexchange.state")

JOURNAL = "request journal entries"  # the observers, in words (stderr, health; a venue's records: their `changes`)


class Persistence:
    def __init__(
        self,
        path: str | Path,
        *,
        synchronous: str = "normal",
        journal: bool = False,
        recover: bool = False,
        sealed: str = "API key",
        kept: Sequence[KeptRecords] = (),
    ) -> None:
        """`sealed`: whose client secrets the file seals, as its messages name one (the registrations' `snapshot`);
        `kept`: what the venues keep record by record (their registrations' `kept_records`), whose keys an older file
        kept otherwise are upgraded as they say."""
        path = Path(path)
        self.sealed = sealed
        self.notes: list[str] = []  # what the start had to say, without the path
        wal_found = wal_path(path).exists()
        # Before SQLite reads the log: it would drop what follows a damaged frame, lay an older log over the file, and
        # delete the log on closing.
        damage = wal.inspect(wal_path(path), size := page_size(path), _pages(path, size)) if wal_found else None
        damage = damage or (_behind(path) if wal_found else None)
        if damage is not None and not recover:
            raise StateError(f"{path}: {damage.describe(wal_path(path))}{damage.remedy()}")
        said = None if damage is None else f"{damage.describe(wal_path(path))} could not be read"
        if damage is not None and damage.older is not None:  # recover: the file without it
            said, wal_found = f"{damage.describe(wal_path(path))}: set aside as {_set_aside(wal_path(path))}", False
        self._wal_found = wal_found
        upgrades = {kind: records.upgraded for records in kept if records.upgraded for kind in records.kinds}
        self.file = StateFile(path, synchronous=synchronous, upgrades=upgrades)
        if not self.file.created:
            self._check(wal_found, said, recover)
        self.meta = {} if self.file.created else self.file.meta()
        self.created = self.file.created or ("id_seed" not in self.meta and self.file.last_seq() == 0)
        self._key_lost: tuple[str, str] | None = None  # a recovery: the id of the key given up, and why
        self.sealer = self._open_sealer(recover)
        self.keep_journal = journal
        self.recorder: StateRecorder | None = None
        self.control: Control | None = None
        self.observers: ObserverWrites | None = None
        self.snapshot_seq = 0  # the last command the newest snapshot holds
        self.closed = False
        self.restored_commands = 0
        self.restore_seconds = 0.0

    def _note(self, text: str) -> None:
        self.notes.append(text)
        log.warning("%s: %s", self.file.path, text)

    def _check(self, wal_found: bool, wal_damage: str | None, recover: bool) -> None:
        """Stop on damage (StateError, one line), or start from what checks: `recover`, or when only pages are
        damaged and every command checks (the file is written anew)."""
        try:
            verdict = integrity.examine(self.file, wal_found)
        except StateError:
            self.file.close()
            raise
        if wal_damage is not None:
            verdict.problems.insert(0, wal_damage)
        if not verdict.problems:
            return
        dropped = verdict.held - verdict.good
        if verdict.authority_sound:
            self.file, damaged = integrity.rebuild(self.file, verdict.good, self.file.synchronous)
            self._note(f"{verdict.problems[0]}; every command checks: the file is written anew, the damaged one kept "
                       f"as {damaged.name}")  # fmt: skip
            return
        if not recover:
            self._refuse(verdict)
        if verdict.pages:
            self.file, _ = integrity.rebuild(self.file, verdict.good, self.file.synchronous)
        else:
            self.file.drop_after(verdict.good)
        after = f", the {dropped:,} after it dropped" if dropped else ""
        self._note(f"--state-recover: {'; '.join(verdict.problems)}; started from command #{verdict.good:,}{after}")

    def _close_refused(self, meta_sound: bool = True) -> None:
        """Close a file the start refuses (so that it is free for the next). Closing empties a log a kill left into it:
        the file says so, or the next start would find the log missing."""
        if self._wal_found and meta_sound:
            with contextlib.suppress(StateError):
                if self.file.meta().get(integrity.CLOSED) == "no":
                    self.file.set_meta(**{integrity.CLOSED: integrity.EMPTIED})
        self.file.close()

    def _refuse(self, verdict: integrity.IntegrityVerdict) -> None:
        more = f" (and {len(verdict.problems) - 1} more)" if len(verdict.problems) > 1 else ""
        self._close_refused(verdict.meta_sound)
        dropped = verdict.held - verdict.good
        recover = (
            f"from command #{verdict.good:,}, the last that checks (dropping the {dropped:,} after it)"
            if dropped
            else f"from the {verdict.good:,} commands it holds"
        )
        raise StateError(f"{self.file.path}: {verdict.problems[0]}{more}; --state-recover starts {recover}")

    def _open_sealer(self, recover: bool) -> seal.Sealer:
        """The file's sealing key: the one beside it, if the file names it (or names none yet: a new file, or one kept
        before secrets were sealed), else a new one. A key missing or other while secrets sealed with the named one are
        kept stops the start, unless `recover` (they are given up)."""
        named = self.meta.get(seal.META_KEY)
        lost = frozenset(filter(None, self.meta.get(seal.META_LOST, "").split(",")))
        found = seal.read_key(self.file.path)
        if isinstance(found, bytes) and named in (None, seal.key_id(found)):
            return seal.Sealer(found, lost)
        name = seal.key_path(self.file.path).name
        why = f"is {found}" if isinstance(found, str) else "does not open what the file sealed (another file's key?)"
        held = 0 if named is None else self.file.sealed_with(named)
        if held and not recover:
            self._close_refused()
            keys = f"{held:,} {self.sealed}{'s' if held != 1 else ''}"
            raise StateError(
                f"{self.file.path}: its sealing key {name} {why}: the client secrets of {keys} are sealed with it; put "
                f"it back beside the file (a copy takes {self.file.path.name}, its -mark and -key together), or "
                "--state-recover starts without those keys"
            )
        given_up: frozenset[str] = frozenset()
        if held:  # named is not None
            self._key_lost, given_up = (str(named), why), frozenset((str(named),))
        try:
            key = found if isinstance(found, bytes) else seal.make_key(self.file.path)
        except OSError as exc:
            self.file.close()
            raise StateError(
                f"{self.file.path}: its sealing key {name} cannot be made ({exc.strerror or exc})"
            ) from None
        return seal.Sealer(key, lost | given_up)

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
        journal: Journal | None = None,
    ) -> None:
        """Restore what the file holds into a freshly built mock (a new file: seed each venue's defaults, kept as the
        first commands), then keep what changes from now on."""
        clock = control.parts.clock
        kept = [venue.kept_records for venue in control.venues if venue.kept_records is not None]
        recorder = self.recorder = StateRecorder(self.file, clock, self.sealer)
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
            for venue in control.venues:
                venue.fresh(control)  # what a new mock holds (Deribit's instruments): the first commands
        else:
            killed = self.meta.get(integrity.CLOSED) in integrity.LEFT_OPEN
            try:
                self.restored_commands = recorder.replay(control, after=self._restore_snapshot(control), killed=killed)
            except BaseException:  # a command refused now: the start stops
                self._close_refused()
                raise
            self._restore_records(control, kept)
            if journal is not None and self.keep_journal:
                self._restore_journal(journal)
            self._say_keys_dropped()
        # The file is open: a log lost from here on is missing; the count is kept where a lost log cannot take it,
        # and the mark counts each command committed from here on. The sealing key it names from here on.
        self.file.set_meta(
            **{integrity.CLOSED: "no", integrity.KEPT: str(self.file.last_seq()), integrity.MARK: self._open_mark()},
            **{seal.META_KEY: self.sealer.key_id, seal.META_LOST: ",".join(sorted(self.sealer.lost))},
        )
        self.file.checkpoint()
        self.restore_seconds = monotonic() - started
        observers = self.observers = ObserverWrites(self.file)
        for records in kept:
            records.watch(control, _keeper(observers, records))
        for venue in control.venues:  # (Kalshi: a transition a read finds due runs between commands)
            venue.kept_between(control, recorder.holding)
        if journal is not None and self.keep_journal:
            size = journal.max_entries
            journal.listener = lambda entry: observers.put(JOURNAL, _journal(entry, size))

    def _say_keys_dropped(self) -> None:
        """A recovery that gave up a sealing key says which keys it started without (later starts drop them
        without a word: the loss was said)."""
        if self._key_lost is None:
            return
        given_up, why = self._key_lost
        dropped = list(dict.fromkeys(client for key, client in self.sealer.dropped if key == given_up))
        which = ", ".join(dropped) if dropped else "none is held now"
        name = seal.key_path(self.file.path).name
        self._note(f"--state-recover: its sealing key {name} {why}: started without the {self.sealed}s whose client "
                   f"secrets it sealed ({which}); a new key seals from now on")  # fmt: skip

    def _open_mark(self) -> str:
        """The high-water mark, written for the last command the file holds and kept from here on; answers its id
        ("" if it cannot be kept: a lost log is then told only by the count kept at opening)."""
        file_id = self.meta.get(integrity.MARK) or mark.new_id()
        try:
            writer = mark.MarkWriter(self.file.path, file_id)
        except OSError as exc:
            self._note(f"its mark {mark.mark_path(self.file.path).name} cannot be made ({exc.strerror or exc}): a "
                       "write-ahead log lost after a kill is noticed only by the count kept at opening")  # fmt: skip
            return ""
        if (last := self.file.command(self.file.last_seq())) is not None:
            writer.write(last.seq, last.written_checksum())
        else:
            writer.write(0, 0)
        writer.sync()
        self.file.mark = writer
        return file_id

    def _restore_snapshot(self, control: Control) -> int:
        """The state of the newest snapshot, if this version took it and it checks: answers the last command it holds
        (0: none, or set aside)."""
        try:
            found = self.file.snapshot()
        except StateError as exc:
            self._note(f"its snapshot cannot be read ({exc.reason}): set aside, every command runs again")
            return 0
        if found is None:
            return 0
        seq, data, checksum = found
        if snapshot_checksum(data) != checksum:
            self._note(f"its snapshot after command #{seq:,} is damaged (its checksum does not match): set aside, "
                       "every command runs again")  # fmt: skip
            return 0
        try:
            state = snapshot.read(data)
            if state is None:
                return 0
            snapshot.restore(control, state, self.sealer)
        except snapshot.SnapshotError as exc:  # nothing restored yet
            self._note(f"its snapshot after command #{seq:,} is set aside, every command runs again: {exc}")
            return 0
        self.snapshot_seq = seq
        return seq

    def _restore_records(self, control: Control, kept: list[KeptRecords]) -> None:
        """What each venue kept record by record, taken back by its venue (the rows of a kind no venue keeps stay)."""
        if not kept:
            return
        owner = {kind: records for records in kept for kind in records.kinds}
        unread = dict.fromkeys(kept, 0)
        try:
            rows = self.file.tokens()
        except StateError as exc:
            for records in kept:
                self._note(f"its {records.held} cannot be read ({exc.reason}): set aside")
            return
        for kind, found, record in rows:
            if (of := owner.get(kind)) is not None:
                try:
                    of.restore(control, kind, found, json.loads(record))
                except (ValueError, TypeError, KeyError, AttributeError):
                    unread[of] += 1
        for records, count in unread.items():
            if count:
                self._note(f"{count:,} of its {records.held} cannot be read (damaged): set aside")

    def _restore_journal(self, journal: Journal) -> None:
        entries, unread = [], 0
        try:
            for text in self.file.journal():
                try:
                    entries.append(entry_from_record(json.loads(text)))
                except (ValueError, TypeError, KeyError, AttributeError):
                    unread += 1
        except StateError as exc:
            self._note(f"its request journal cannot be read ({exc.reason}): set aside")
        journal.restore(entries)
        if unread:
            self._note(f"{unread:,} of its request journal entries cannot be read (damaged): set aside")

    def take_snapshot(self) -> int:
        """Keep the whole state now (no command runs meanwhile), so a restart runs only later commands; answers the
        last command it holds."""
        recorder, control = self.recorder, self.control
        if recorder is None or control is None:
            return 0
        with recorder.holding():
            seq = self.file.last_seq()
            if seq != self.snapshot_seq:
                taken = snapshot.take(control, self.sealer)
                if taken is None:  # a venue keeps no snapshot of its state: every command runs again at a restart
                    return 0
                self.file.save_snapshot(seq, taken)
                self.snapshot_seq = seq
        return seq

    def warnings(self) -> list[str]:
        """What the start said and what the observers could not keep, in words without the file's path."""
        said = list(self.notes)
        if self.file.mark is not None and self.file.mark.failure is not None:
            said.append(self.file.mark.failure)
        return said + (self.observers.warnings() if self.observers is not None else [])

    def status(self) -> dict[str, Any]:
        return {
            "path": str(self.file.path),
            "created": self.created,
            "commands": self.file.last_seq(),
            "restored_commands": self.restored_commands,
            "restore_seconds": round(self.restore_seconds, 3),
        }

    def close(self) -> None:
        """Write what waits, keep a snapshot (a restart is then quick), say the file was closed, and close it."""
        if self.closed:
            return
        self.closed = True
        if self.observers is not None:
            self.observers.close()
        try:
            if self.recorder is not None:
                with self.recorder.holding():
                    self.file.settle()
            self.take_snapshot()
        except (StateError, snapshot.SnapshotError, pickle.PicklingError) as exc:
            log.warning("%s: no snapshot kept (a restart runs every command again): %s", self.file.path, exc)
        if self.recorder is not None:
            with contextlib.suppress(StateError):
                self.file.set_meta(**{integrity.CLOSED: "yes", integrity.KEPT: str(self.file.last_seq())})
        self.file.close()


def _keeper(observers: ObserverWrites, records: KeptRecords) -> Callable[[str, str, dict[str, Any] | None], None]:
    """What a venue tells of each record it keeps (or drops) by its key `found` (a token's digest), handed to the
    observers' writer."""

    def keep(kind: str, found: str, record: dict[str, Any] | None) -> None:
        def statements() -> list[Statement]:  # (made on the writer's thread)
            return token_statements(kind, found, None if record is None else json.dumps(record), records.kinds)

        observers.put(records.changes, statements)

    return keep


def _journal(entry: JournalEntry | None, size: int) -> Callable[[], list[Statement]]:
    if entry is None:
        return journal_cleared
    return lambda: journal_statements(json.dumps(entry_record(entry), ensure_ascii=False), size)


__all__ = ["Persistence", "StateError", "from_us"]


def _pages(path: Path, page_size: int) -> int:
    """The pages the database file holds (0: none yet)."""
    try:
        return path.stat().st_size // page_size
    except OSError:
        return 0


def _behind(path: Path) -> wal.WalDamage | None:
    """A log that takes commands from the file: an older copy's whose last commit leaves as many pages as the file
    holds, which `wal.inspect` cannot tell (no other log leaves fewer commands than the file holds alone). The file
    alone is read first: a mock running on it may empty its log into it between the two reads."""
    alone = commands_held(path, log=False)
    read = commands_held(path, log=True) if alone else None
    return wal.WalDamage(0, 0, (read, alone), "commands") if alone and read is not None and read < alone else None


def _set_aside(log_path: Path) -> str:
    """Move a write-ahead log SQLite must not read out of its way (beside it, `-wal.older`); answers its new name."""
    aside = log_path.with_name(log_path.name + ".older")
    try:
        os.replace(log_path, aside)
    except OSError as exc:
        raise StateError(f"{log_path}: cannot set it aside: {exc.strerror or exc}") from None
    return aside.name
