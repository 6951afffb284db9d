"""The state file: one SQLite database (standard library `sqlite3`) holding the commands a mock ran, in order, and the
few things that are not commands (Deribit's tokens, the request journal when asked, snapshots).

Its identity is in SQLite's own header: `application_id` says the file is mockexchange's, `user_version` which format
it is in. A file that is not SQLite, is another program's database, or is in another format is refused with a
`StateError` that says which, before anything is read or written.

Durability (docs/persistence.md): WAL, and `synchronous=NORMAL` unless FULL is asked. In WAL mode a commit is
written to the log before the call returns, so a process that is killed (`kill -9`) loses nothing it acknowledged;
only a power cut can lose the last commits, which FULL (an fsync per commit) prevents at a cost per command.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

APPLICATION_ID = 0x6D6B7863  # "mkxc"
FORMAT = 1  # user_version: the tables below and the meaning of a command's record
SYNCHRONOUS = ("normal", "full")
_SQLITE_HEADER = b"SQLite format 3\x00"

_TABLES = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE commands (
    seq INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    arguments TEXT NOT NULL,  -- JSON object: the command's plain arguments
    at_us INTEGER NOT NULL,   -- the exchange time it began at, microseconds since the epoch
    ok INTEGER NOT NULL       -- 0: it was refused (it runs again on restore and must be refused again)
);
CREATE TABLE tokens (kind TEXT NOT NULL, token TEXT NOT NULL, record TEXT NOT NULL, PRIMARY KEY (kind, token));
CREATE TABLE journal (seq INTEGER PRIMARY KEY, entry TEXT NOT NULL);
CREATE TABLE snapshots (seq INTEGER PRIMARY KEY, state BLOB NOT NULL);
"""


class StateError(Exception):
    """A state file that cannot be used: not ours, another format, damaged, or not writable."""


@dataclass(frozen=True, slots=True)
class CommandRecord:
    seq: int
    name: str
    arguments: str
    at_us: int
    ok: bool


class StateFile:
    def __init__(self, path: str | Path, *, synchronous: str = "normal") -> None:
        if synchronous not in SYNCHRONOUS:
            raise StateError(f"synchronous must be one of {', '.join(SYNCHRONOUS)}, not {synchronous!r}")
        self.path = Path(path)
        self._lock = threading.Lock()  # innermost: held only while SQLite runs
        _check_header(self.path)
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        except sqlite3.Error as exc:
            raise StateError(f"{self.path}: cannot open the state file: {exc}") from None
        try:
            self._open(synchronous)
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise StateError(f"{self.path}: not a usable state file ({exc})") from None
        except StateError:
            self._db.close()
            raise

    def _open(self, synchronous: str) -> None:
        db = self._db
        # One mock per file: a second one would interleave its commands with ours. The lock is taken by the first
        # write below and held until the file is closed.
        db.execute("PRAGMA locking_mode=EXCLUSIVE")
        try:
            db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc):
                raise StateError(f"{self.path} is in use by another mock (or another program)") from None
            raise
        try:
            application_id = db.execute("PRAGMA application_id").fetchone()[0]
            version = db.execute("PRAGMA user_version").fetchone()[0]
            tables = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        finally:
            db.execute("COMMIT")
        if application_id == 0 and version == 0 and tables == 0:
            self.created = True
            if db.execute("PRAGMA journal_mode=WAL").fetchone()[0].lower() != "wal":
                raise StateError(f"{self.path}: cannot use write-ahead logging")
            db.executescript(
                f"BEGIN; {_TABLES} PRAGMA application_id={APPLICATION_ID}; PRAGMA user_version={FORMAT}; COMMIT;"
            )
        elif application_id != APPLICATION_ID:
            raise StateError(
                f"{self.path} is an SQLite database but not a mockexchange state file (application_id "
                f"{application_id:#x}); give a new path or one that `mockexchange serve --state` wrote"
            )
        elif version != FORMAT:
            raise StateError(
                f"{self.path} is a mockexchange state file of format {version}; this mockexchange reads format "
                f"{FORMAT} (start with a new file, or run the mockexchange that wrote it)"
            )
        else:
            self.created = False
            if db.execute("PRAGMA journal_mode=WAL").fetchone()[0].lower() != "wal":
                raise StateError(f"{self.path}: cannot use write-ahead logging (is the folder writable?)")
        db.execute(f"PRAGMA synchronous={synchronous.upper()}")

    # -- writing ----------------------------------------------------------------------------------------------------

    def _write(self, sql: str, *rows: tuple) -> None:
        """One statement per row, committed together before returning (autocommit for one row)."""
        try:
            with self._lock:
                db = self._db
                if len(rows) == 1:
                    db.execute(sql, rows[0])
                else:
                    db.execute("BEGIN")
                    db.executemany(sql, rows)
                    db.execute("COMMIT")
        except sqlite3.Error as exc:
            raise StateError(f"{self.path}: could not write the state file: {exc}") from None

    def append(self, name: str, arguments: str, at_us: int, ok: bool) -> int:
        try:
            with self._lock:
                db = self._db
                cursor = db.execute(
                    "INSERT INTO commands (name, arguments, at_us, ok) VALUES (?, ?, ?, ?)",
                    (name, arguments, at_us, ok),
                )
                return int(cursor.lastrowid or 0)
        except sqlite3.Error as exc:
            raise StateError(f"{self.path}: could not write the state file: {exc}") from None

    def set_meta(self, **values: str) -> None:
        self._write("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", *values.items())

    def put_token(self, kind: str, token: str, record: str) -> None:
        self._write("INSERT OR REPLACE INTO tokens (kind, token, record) VALUES (?, ?, ?)", (kind, token, record))

    def drop_token(self, kind: str, token: str) -> None:
        self._write("DELETE FROM tokens WHERE kind = ? AND token = ?", (kind, token))

    def drop_tokens(self) -> None:
        self._write("DELETE FROM tokens WHERE 1 = ?", (1,))

    def append_journal(self, entry: str, keep: int) -> None:
        """One journal entry; only the newest `keep` stay."""
        try:
            with self._lock:
                db = self._db
                db.execute("BEGIN")
                cursor = db.execute("INSERT INTO journal (entry) VALUES (?)", (entry,))
                db.execute("DELETE FROM journal WHERE seq <= ?", (int(cursor.lastrowid or 0) - keep,))
                db.execute("COMMIT")
        except sqlite3.Error as exc:
            raise StateError(f"{self.path}: could not write the state file: {exc}") from None

    def clear_journal(self) -> None:
        self._write("DELETE FROM journal WHERE 1 = ?", (1,))

    def save_snapshot(self, seq: int, state: bytes) -> None:
        """The state after command `seq`; older snapshots go."""
        try:
            with self._lock:
                db = self._db
                db.execute("BEGIN")
                db.execute("INSERT OR REPLACE INTO snapshots (seq, state) VALUES (?, ?)", (seq, state))
                db.execute("DELETE FROM snapshots WHERE seq < ?", (seq,))
                db.execute("COMMIT")
        except sqlite3.Error as exc:
            raise StateError(f"{self.path}: could not write the state file: {exc}") from None

    # -- reading ----------------------------------------------------------------------------------------------------

    def _read(self, sql: str, *parameters: object) -> list[tuple]:
        try:
            with self._lock:
                db = self._db
                return db.execute(sql, parameters).fetchall()
        except sqlite3.DatabaseError as exc:
            raise StateError(f"{self.path}: the state file is damaged ({exc})") from None

    def meta(self) -> dict[str, str]:
        return dict(self._read("SELECT key, value FROM meta"))

    def commands(self, after: int = 0, batch: int = 10_000) -> Iterator[CommandRecord]:
        """The commands after `after`, in the order they ran."""
        while True:
            rows = self._read(
                "SELECT seq, name, arguments, at_us, ok FROM commands WHERE seq > ? ORDER BY seq LIMIT ?", after, batch
            )
            for seq, name, arguments, at_us, ok in rows:
                yield CommandRecord(seq, name, arguments, at_us, bool(ok))
            if len(rows) < batch:
                return
            after = rows[-1][0]

    def last_seq(self) -> int:
        return int(self._read("SELECT coalesce(max(seq), 0) FROM commands")[0][0])

    def tokens(self) -> list[tuple[str, str, str]]:
        return self._read("SELECT kind, token, record FROM tokens")

    def journal(self) -> list[str]:
        return [entry for (entry,) in self._read("SELECT entry FROM journal ORDER BY seq")]

    def snapshot(self) -> tuple[int, bytes] | None:
        rows = self._read("SELECT seq, state FROM snapshots ORDER BY seq DESC LIMIT 1")
        return (int(rows[0][0]), bytes(rows[0][1])) if rows else None

    def close(self) -> None:
        with self._lock:
            with contextlib.suppress(sqlite3.Error):  # else the WAL stays beside the file; the next open reads it
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._db.close()


def _check_header(path: Path) -> None:
    """A file that exists must be an SQLite database (an empty file becomes one)."""
    try:
        with path.open("rb") as stream:
            head = stream.read(len(_SQLITE_HEADER))
    except FileNotFoundError:
        if not path.parent.is_dir():
            raise StateError(f"{path}: its folder {path.parent} does not exist") from None
        return
    except OSError as exc:
        raise StateError(f"{path}: cannot read the state file: {exc.strerror}") from None
    if head and head != _SQLITE_HEADER:
        raise StateError(f"{path} is not a mockexchange state file (not an SQLite database)")
