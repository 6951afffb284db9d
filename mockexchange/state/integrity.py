"""What a state file's checks find before a restart runs anything, and what `--state-recover` keeps
(docs/persistence.md, "Damage").

The command log is the truth, so it is checked whole at every opening: SQLite's own `PRAGMA quick_check` over the
file's pages; the meta table's checksum (the id seed and the clock the commands ran with); every command's checksum,
and their numbers running from #1 without a gap; the count of commands the file held when it was last opened or closed
(`commands_kept`, in the database file itself, past any write-ahead log) and the last command the snapshot holds,
neither more than the log holds; the high-water mark beside the file (`mark.py`: the last command committed, counted
outside SQLite), which the log must reach, with that command as the mark keeps it; without a mark of the file, the
write-ahead log a run that did not close the file leaves, which must be there (`wal.py` checked it is whole before
SQLite read it). A snapshot is only a cache: its checksum is checked when it is read (persistence.py), and a damaged
one is set aside.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from mockexchange.state import mark
from mockexchange.state.file import (
    CHECKSUM,
    CommandRecord,
    StateError,
    StateFile,
    journal_statements,
    meta_checksum,
    snapshot_checksum,
    token_statements,
    wal_path,
)

KEPT = "commands_kept"  # meta: the commands the file held when it was last opened or closed
CLOSED = "closed"  # meta: "yes" once closed, "no" while a mock has it open (a write-ahead log may hold commits),
EMPTIED = "emptied"  # or this: a start that refused the file emptied the log of a mock that did not close it into it
LEFT_OPEN = ("no", EMPTIED)
MARK = "mark"  # meta: the id of the file's high-water mark (mark.py); none or "": no mark is kept


@dataclass
class IntegrityVerdict:
    problems: list[str] = field(default_factory=list)  # one line each: what is damaged
    good: int = 0  # the last command of the unbroken run from #1 that checks: a recovery starts from it
    held: int = 0  # the last command the file holds
    pages: bool = False  # SQLite finds damaged pages: a recovery writes the file anew
    meta_sound: bool = True

    @property
    def authority_sound(self) -> bool:
        """Only pages are damaged: the meta table and every command check, none is missing."""
        return self.pages and len(self.problems) == 1 and self.good == self.held


def examine(file: StateFile, wal_found: bool) -> IntegrityVerdict:
    verdict = IntegrityVerdict()
    meta = file.meta()
    left_open = meta.get(CLOSED) in LEFT_OPEN
    wal_found = wal_found or meta.get(CLOSED) == EMPTIED  # what it held is in the file now, checked like the rest
    if meta and meta.get(CHECKSUM) != str(meta_checksum(meta)):
        verdict.meta_sound = False
        verdict.problems.append("its meta table (the id seed and the clock the commands ran with) is damaged")
    _check_commands(file, verdict)
    found = _mark(file, meta.get(MARK, ""), left_open and wal_found, verdict)
    kept = int(meta[KEPT]) if meta.get(KEPT, "").isdigit() else 0
    marked = 0 if found is None else found.seq
    short = marked > max(kept, verdict.held)  # the mark counts the most: it says the loss
    if short:
        verdict.problems.append(
            f"the last {marked - verdict.held:,} of the {marked:,} commands its mark "
            f"{mark.mark_path(file.path).name} counts are missing{_log_lost(file, left_open, wal_found)}"
        )
    elif kept > verdict.held:
        verdict.problems.append(
            f"it held {kept:,} commands when it was last {'closed' if meta.get(CLOSED) == 'yes' else 'opened'}, "
            f"it holds {verdict.held:,}: the last {kept - verdict.held:,} are missing"
        )
    elif found is not None and 0 < found.seq <= verdict.good and _written_checksum(file, found.seq) != found.checksum:
        verdict.problems.append(
            f"its command #{found.seq:,} is not the one its mark {mark.mark_path(file.path).name} counts: the file "
            "holds another run of this sandbox (a copy that ran on elsewhere?)"
        )
    with contextlib.suppress(StateError):  # a snapshot that cannot be read is set aside when it is read
        if (snapshot := file.snapshot_seq()) > verdict.held:
            verdict.problems.append(f"its snapshot holds {snapshot:,} commands, its log {verdict.held:,}")
    # No log where one should be: said unless the mark said it, or counts what the file holds, no more and no less (a
    # mark behind the file is another copy's, or stopped: it cannot say the log held nothing more).
    if not short and (found is None or found.seq != verdict.held) and left_open and not wal_found:
        verdict.problems.append(
            f"its write-ahead log {wal_path(file.path).name} is missing (the last mock did not close the file): "
            "what it wrote after the last checkpoint is lost"
        )
    try:
        damaged_pages = file.quick_check()
    except StateError as exc:  # a page so damaged that the check itself stops
        damaged_pages = [exc.reason]
    if damaged_pages:  # last: a problem of the log above names what is lost more plainly
        verdict.pages = True
        verdict.problems.append(f"SQLite's quick_check finds damaged pages ({damaged_pages[0]})")
    return verdict


def _mark(file: StateFile, file_id: str, log_left: bool, verdict: IntegrityVerdict) -> mark.Mark | None:
    """The file's high-water mark, if it has one that reads. One it should have and has not is a problem when the
    last mock did not close the file and left a log (`log_left`): whether the log is whole cannot be told then."""
    if not file_id:  # written before marks were kept, or its mark could not be made
        return None
    found = mark.read(file.path)
    if isinstance(found, mark.Mark) and found.file_id == file_id:
        return found
    # Closed: its log was emptied into it, nothing to count. No log: said by examine, more plainly.
    if log_left:
        state = found if isinstance(found, str) else "another file's"
        verdict.problems.append(
            f"its mark {mark.mark_path(file.path).name} is {state} "
            f"and the last mock did not close the file: whether its write-ahead log {wal_path(file.path).name} lost "
            f"commands after #{verdict.held:,} cannot be told"
        )
    return None


def _log_lost(file: StateFile, left_open: bool, wal_found: bool) -> str:
    if not left_open:
        return ""
    wal = wal_path(file.path).name
    return f" (its write-ahead log {wal} {'ends early or is damaged' if wal_found else 'is missing'})"


def _written_checksum(file: StateFile, seq: int) -> int | None:
    try:
        record = file.command(seq)
    except StateError:
        return None
    return None if record is None else record.written_checksum()


def _check_commands(file: StateFile, verdict: IntegrityVerdict) -> None:
    """The unbroken run of commands from #1 that check; the first that does not is a problem."""
    good, problem = 0, None
    try:
        for record in file.commands():
            if (problem := _problem(record, good)) is not None:
                break
            good = record.seq
    except StateError:  # a damaged page under a batch: read one by one from the last good command
        good, problem = _one_by_one(file, good)
    if problem is not None:
        verdict.problems.append(problem)
    verdict.good = good
    try:
        verdict.held = max(file.last_seq(), good)
    except StateError:
        verdict.held = good


def _problem(record: CommandRecord, good: int) -> str | None:
    if record.seq != good + 1:
        return f"command #{good + 1} is missing"
    if not record.sound():
        return f"command #{record.seq} is damaged (its checksum does not match)"
    return None


def _one_by_one(file: StateFile, good: int) -> tuple[int, str]:
    while True:
        try:
            found = list(file.commands(after=good, upto=good + 1))
        except StateError as exc:
            return good, f"command #{good + 1} cannot be read ({exc.reason})"
        if not found:
            return good, f"the commands after #{good} cannot be read"
        if (problem := _problem(found[0], good)) is not None:
            return good, problem
        good += 1


def rebuild(file: StateFile, good: int, synchronous: str) -> tuple[StateFile, Path]:
    """Write the file anew from what reads and checks (the meta table, commands #1 to `good`, the snapshot if it
    checks and holds no later command, the tokens and journal entries that read); the damaged file is kept beside it.
    Answers the new file, open, and where the damaged one went."""
    path = file.path
    fresh, damaged = path.with_name(path.name + ".rebuilt"), path.with_name(path.name + ".damaged")
    for stale in (fresh, wal_path(fresh)):
        stale.unlink(missing_ok=True)
    new = StateFile(fresh, synchronous=synchronous, upgrades=file.upgrades)
    try:
        new.set_meta(**{key: value for key, value in file.meta().items() if key != CHECKSUM})
        new.copy_commands(file.commands(upto=good))
        with contextlib.suppress(StateError):
            found = file.snapshot()
            if found is not None and found[0] <= good and snapshot_checksum(found[1]) == found[2]:
                new.save_snapshot(found[0], found[1])
        with contextlib.suppress(StateError):
            new.keep([statement for row in file.tokens() for statement in token_statements(*row)])
        with contextlib.suppress(StateError):
            new.keep([statement for entry in file.journal() for statement in journal_statements(entry, keep=None)])
    finally:
        new.close()
    file.close()
    try:
        os.replace(path, damaged)
        if wal_path(path).exists():
            os.replace(wal_path(path), wal_path(damaged))
        os.replace(fresh, path)
    except OSError as exc:
        raise StateError(f"{path}: cannot write the file anew beside it: {exc.strerror or exc}") from None
    return StateFile(path, synchronous=synchronous, upgrades=file.upgrades), damaged
