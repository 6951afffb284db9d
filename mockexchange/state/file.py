"""The state file: one SQLite database (standard library `sqlite3`) holding the commands a mock ran, in order, and the
few things that are not commands (what a venue keeps record by record, Deribit's tokens as their digests; the request
journal when asked; snapshots).

Its identity is in SQLite's own header: `application_id` says the file is mockexchange's, `user_version` which format
it is in. A file that is not SQLite, is another program's database, or is in another format is refused with a
`StateError` that says which, before anything is read or written. A file of format 1 or 2 is upgraded on opening.

Each command is written before it runs (write-ahead, `append`), with a CRC-32 of its fields (`row_checksum`), as
accepted: a refusal is known only once it ran, so it is written with the next command (or at close), the row's
checksum with it; the last command of a mock that was killed may so say accepted though it was refused. The meta
table and each snapshot carry a checksum too. `integrity.py` reads them.

Durability (docs/persistence.md): WAL, and `synchronous=NORMAL` unless FULL is asked. In WAL mode a commit is
written to the log before the call returns, so a process that is killed (`kill -9`) loses nothing it acknowledged;
only a power cut can lose the last commits, which FULL (an fsync per commit) prevents at a cost per command.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from mockexchange.settings import SYNCHRONOUS
from mockexchange.state.mark import MarkWriter

APPLICATION_ID = 0x6D6B7863  # "mkxc"
FORMAT = 3  # user_version: the tables below and the meaning of a command's record
UPGRADED = (1, 2)  # the earlier formats this mockexchange upgrades on opening
_SQLITE_HEADER = b"SQLite format 3\x00"
CHECKSUM = "checksum"  # the meta key of the meta table's own checksum

_COMMANDS = """
CREATE TABLE commands (
    seq INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    arguments TEXT NOT NULL,    -- JSON object: the command's plain arguments
    at_us INTEGER NOT NULL,     -- the exchange time it began at, microseconds since the epoch
    ok INTEGER NOT NULL,        -- 0: refused (it runs again on restore and must be refused again)
    checksum INTEGER NOT NULL   -- CRC-32 of the fields above (row_checksum)
);
"""
_SNAPSHOTS = "CREATE TABLE snapshots (seq INTEGER PRIMARY KEY, state BLOB NOT NULL, checksum INTEGER NOT NULL);"
_TABLES = f"""
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
{_COMMANDS}
CREATE TABLE tokens (kind TEXT NOT NULL, digest TEXT NOT NULL, record TEXT NOT NULL, PRIMARY KEY (kind, digest));
CREATE TABLE journal (seq INTEGER PRIMARY KEY, entry TEXT NOT NULL);
{_SNAPSHOTS}
"""
# Format 1 had no checksums: its commands are kept (checksummed as they read), its snapshot is set aside (the commands
# run again once).
_UPGRADE_1 = f"""
ALTER TABLE commands RENAME TO commands_format_1;
{_COMMANDS}
INSERT INTO commands SELECT seq, name, arguments, at_us, ok, row_checksum(seq, name, arguments, at_us, ok)
    FROM commands_format_1;
DROP TABLE commands_format_1;
DROP TABLE snapshots;
{_SNAPSHOTS}
"""
# Format 2 kept tokens and client secrets in clear: the key of each venue's record becomes what the venue keeps now
# (`upgraded_key`, its `kept_records.upgraded`: Deribit's tokens, their digests), its snapshot (which held the secrets)
# goes; its commands are kept as they read (their secrets in clear, the truth), and new ones are sealed.
_UPGRADE_2 = f"""
ALTER TABLE tokens RENAME COLUMN token TO digest;
UPDATE tokens SET digest = upgraded_key(kind, digest);
DROP TABLE snapshots;
{_SNAPSHOTS}
"""
_UPGRADES = {1: _UPGRADE_1 + _UPGRADE_2, 2: _UPGRADE_2}
T = TypeVar("T")
Statement = tuple[str, tuple]


class StateError(Exception):
    """A state file that cannot be used: not ours, another format, damaged, or not writable. `reason`: what SQLite
    said, without the path."""

    def __init__(self, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason = message if reason is None else reason


def row_checksum(seq: int, name: str, arguments: str, at_us: int, ok: bool | int) -> int:
    text = f"{seq}\x1f{name}\x1f{arguments}\x1f{at_us}\x1f{int(ok)}"
    return zlib.crc32(text.encode("utf-8", "surrogatepass"))


def meta_checksum(meta: dict[str, str]) -> int:
    kept = sorted((key, value) for key, value in meta.items() if key != CHECKSUM)
    return zlib.crc32(json.dumps(kept, ensure_ascii=True).encode())


def snapshot_checksum(state: bytes) -> int:
    return zlib.crc32(state)


def wal_path(path: Path) -> Path:
    return path.with_name(path.name + "-wal")


def page_size(path: Path) -> int:
    """The page size an SQLite file's header names (4096 if it names none: a new or damaged file)."""
    try:
        with path.open("rb") as stream:
            header = stream.read(18)
    except OSError:
        return 4096
    size = int.from_bytes(header[16:18], "big") if len(header) == 18 else 0
    if size == 1:  # how the header writes 65536
        return 65536
    return size if size >= 512 and size & (size - 1) == 0 else 4096


def commands_held(path: Path, *, log: bool) -> int | None:
    """The last command a closed state file holds, read without writing a byte of it: through its write-ahead log
    (`log`: read only, so SQLite neither empties the log into the file nor removes it) or in the database file alone
    (the log not read); None if it cannot be read so."""
    uri = f"{path.absolute().as_uri()}?{'mode=ro' if log else 'immutable=1'}"
    try:
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as db:
            return int(db.execute("SELECT coalesce(max(seq), 0) FROM commands").fetchone()[0])
    except sqlite3.Error:
        return None


@dataclass(frozen=True, slots=True)
class CommandRecord:
    seq: int
    name: str
    arguments: str
    at_us: int
    ok: bool  # False: refused
    checksum: int

    def sound(self) -> bool:
        return row_checksum(self.seq, self.name, self.arguments, self.at_us, self.ok) == self.checksum

    def written_checksum(self) -> int:
        """The checksum it was first written with, as accepted (what the mark keeps); a refusal changes `checksum`."""
        return self.checksum if self.ok else row_checksum(self.seq, self.name, self.arguments, self.at_us, True)


class StateFile:
    def __init__(
        self,
        path: str | Path,
        *,
        synchronous: str = "normal",
        upgrades: Mapping[str, Callable[[str], str]] | None = None,
    ) -> None:
        """`upgrades`: how a record's key a file of format 2 kept (of a kind, in its `tokens` table) reads now, by
        kind (the venues' `kept_records.upgraded`); one of another kind is kept as it was."""
        if synchronous not in SYNCHRONOUS:
            raise StateError(f"synchronous must be one of {', '.join(SYNCHRONOUS)}, not {synchronous!r}")
        self.path = Path(path)
        self.synchronous = synchronous
        self.upgrades = upgrades or {}
        self._lock = threading.Lock()  # innermost: held only while SQLite runs
        self._refused: CommandRecord | None = None  # the last command, refused, written as accepted so far
        self.mark: MarkWriter | None = None  # the high-water mark, once the file is checked (Persistence.attach)
        _check_header(self.path)
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._db.create_function("row_checksum", 5, row_checksum, deterministic=True)
            self._db.create_function("upgraded_key", 2, self._upgraded_key, deterministic=True)
        except sqlite3.Error as exc:
            raise StateError(f"{self.path}: cannot open the state file: {exc}") from None
        try:
            self._open(synchronous)
            self.next_seq = self.last_seq() + 1
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise StateError(f"{self.path}: not a usable state file ({exc})") from None
        except StateError:
            self._db.close()
            raise

    def _upgraded_key(self, kind: str, key: str) -> str:
        upgraded = self.upgrades.get(kind)
        return key if upgraded is None else upgraded(key)

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
        self.created = application_id == 0 and version == 0 and tables == 0
        if not self.created and application_id != APPLICATION_ID:
            raise StateError(
                f"{self.path} is an SQLite database but not a mockexchange state file (application_id "
                f"{application_id:#x}); give a new path or one that `mockexchange serve --state` wrote"
            )
        if not self.created and version != FORMAT and version not in UPGRADED:
            raise StateError(
                f"{self.path} is a mockexchange state file of format {version}; this mockexchange reads formats "
                f"{', '.join(map(str, (*UPGRADED, FORMAT)))} (start with a new file, or run the mockexchange that "
                "wrote it)"
            )
        if db.execute("PRAGMA journal_mode=WAL").fetchone()[0].lower() != "wal":
            raise StateError(f"{self.path}: cannot use write-ahead logging (is the folder writable?)")
        db.execute(f"PRAGMA synchronous={synchronous.upper()}")
        if self.created:
            db.executescript(
                f"BEGIN; {_TABLES} PRAGMA application_id={APPLICATION_ID}; PRAGMA user_version={FORMAT}; COMMIT;"
            )
            # In the database file itself at once: a write-ahead log lost later leaves a state file, not an empty one.
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        elif version in UPGRADED:
            db.executescript(f"BEGIN; {_UPGRADES[version]} PRAGMA user_version={FORMAT}; COMMIT;")
            self.set_meta()  # the meta table's checksum

    # -- writing ----------------------------------------------------------------------------------------------------

    def _transaction(self, work: Callable[[sqlite3.Connection], T], *, alone: bool = False) -> T:
        """`work` and a commit, whole or not at all (`alone`: one statement, its own transaction); StateError if it
        cannot be written (a full disk)."""
        with self._lock:
            db = self._db
            try:
                if alone:
                    return work(db)
                db.execute("BEGIN")
                done = work(db)
                db.execute("COMMIT")
                return done
            except sqlite3.Error as exc:
                if db.in_transaction:
                    with contextlib.suppress(sqlite3.Error):  # SQLite may have rolled back already
                        db.execute("ROLLBACK")
                raise StateError(f"{self.path}: could not write the state file: {exc}", str(exc)) from None

    def _settle(self, db: sqlite3.Connection) -> None:
        """Write that the last command was refused, if it was and this is not written yet (inside a transaction)."""
        if (done := self._refused) is not None:
            checksum = row_checksum(done.seq, done.name, done.arguments, done.at_us, False)
            db.execute("UPDATE commands SET ok = 0, checksum = ? WHERE seq = ?", (checksum, done.seq))

    def append(self, name: str, arguments: str, at_us: int) -> CommandRecord:
        """Write a command before it runs, as accepted (a refusal goes with the next one: `ran`). StateError: it could
        not be written, and must not run."""
        seq = self.next_seq
        record = CommandRecord(seq, name, arguments, at_us, True, row_checksum(seq, name, arguments, at_us, True))
        row = (seq, name, arguments, at_us, record.checksum)
        insert = "INSERT INTO commands (seq, name, arguments, at_us, ok, checksum) VALUES (?, ?, ?, ?, 1, ?)"

        def settled_first(db: sqlite3.Connection) -> None:
            self._settle(db)
            db.execute(insert, row)

        if self._refused is None:
            self._transaction(lambda db: db.execute(insert, row), alone=True)
        else:
            self._transaction(settled_first)
        if self.mark is not None:  # committed: from here on a file without it has lost it
            self.mark.write(seq, record.checksum)
        self._refused = None
        self.next_seq += 1
        return record

    def ran(self, record: CommandRecord, ok: bool) -> None:
        """The outcome of the last command written (or run again): a refusal is written with the next command, or by
        `settle`."""
        self._refused = None if ok else CommandRecord(record.seq, record.name, record.arguments, record.at_us, False, 0)

    def settle(self) -> None:
        """Write the last command's refusal now (at close)."""
        if self._refused is not None:
            self._transaction(self._settle)
            self._refused = None

    def set_meta(self, **values: str) -> None:
        """Set meta values, and the table's checksum over all of them."""

        def write(db: sqlite3.Connection) -> None:
            db.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", values.items())
            meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (CHECKSUM, str(meta_checksum(meta))))

        self._transaction(write)

    def keep(self, statements: Sequence[Statement]) -> None:
        """What observers keep (`journal_statements`, `token_statements`), in one transaction."""
        self._transaction(lambda db: [db.execute(sql, parameters) for sql, parameters in statements])

    def copy_commands(self, records: Iterable[CommandRecord]) -> None:
        """Commands as another file holds them, checksums and all (a file written anew: integrity.rebuild)."""
        rows = ((r.seq, r.name, r.arguments, r.at_us, r.ok, r.checksum) for r in records)
        self._transaction(
            lambda db: db.executemany(
                "INSERT INTO commands (seq, name, arguments, at_us, ok, checksum) VALUES (?, ?, ?, ?, ?, ?)", rows
            )
        )
        self.next_seq = self.last_seq() + 1

    def save_snapshot(self, seq: int, state: bytes) -> None:
        """The state after command `seq`; older snapshots go."""

        def write(db: sqlite3.Connection) -> None:
            db.execute(
                "INSERT OR REPLACE INTO snapshots (seq, state, checksum) VALUES (?, ?, ?)",
                (seq, state, snapshot_checksum(state)),
            )
            db.execute("DELETE FROM snapshots WHERE seq < ?", (seq,))

        self._transaction(write)

    def drop_after(self, seq: int) -> int:
        """Drop the commands after `seq`, and the snapshots of any of them (--state-recover); answers how many went."""

        def write(db: sqlite3.Connection) -> int:
            db.execute("DELETE FROM snapshots WHERE seq > ?", (seq,))
            return db.execute("DELETE FROM commands WHERE seq > ?", (seq,)).rowcount

        dropped = self._transaction(write)
        self._refused = None
        self.next_seq = seq + 1
        return dropped

    def checkpoint(self) -> None:
        """Everything written so far into the database file itself, the write-ahead log emptied."""
        try:
            with self._lock:
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        except sqlite3.Error as exc:
            raise StateError(f"{self.path}: could not write the state file: {exc}") from None

    # -- reading ----------------------------------------------------------------------------------------------------

    def _read(self, sql: str, *parameters: object) -> list[tuple]:
        try:
            with self._lock:
                db = self._db
                return db.execute(sql, parameters).fetchall()
        except sqlite3.DatabaseError as exc:
            raise StateError(f"{self.path}: the state file is damaged ({exc})", str(exc)) from None

    def meta(self) -> dict[str, str]:
        """The meta table, its checksum too."""
        return dict(self._read("SELECT key, value FROM meta"))

    def commands(self, after: int = 0, upto: int | None = None, batch: int = 10_000) -> Iterator[CommandRecord]:
        """The commands after `after` (up to `upto`), in the order they ran; rows past `upto` are not read."""
        last = (1 << 63) - 1 if upto is None else upto
        while True:
            rows = self._read(
                "SELECT seq, name, arguments, at_us, ok, checksum FROM commands WHERE seq > ? AND seq <= ? "
                "ORDER BY seq LIMIT ?",
                after,
                last,
                batch,
            )
            for seq, name, arguments, at_us, ok, checksum in rows:
                yield CommandRecord(seq, name, arguments, at_us, bool(ok), checksum)
            if len(rows) < batch:
                return
            after = rows[-1][0]

    def last_seq(self) -> int:
        return int(self._read("SELECT coalesce(max(seq), 0) FROM commands")[0][0])

    def command(self, seq: int) -> CommandRecord | None:
        return next(self.commands(after=seq - 1, upto=seq), None)

    def quick_check(self) -> list[str]:
        """What SQLite's own `PRAGMA quick_check` finds wrong in the file's pages (nothing: [])."""
        found = [line for (row,) in self._read("PRAGMA quick_check(5)") for line in str(row).splitlines()]
        return [] if found == ["ok"] else [line for line in found if not line.startswith("*** in database")]

    def tokens(self) -> list[tuple[str, str, str]]:
        """(kind, the token's digest, record) of each token kept."""
        return self._read("SELECT kind, digest, record FROM tokens")

    def sealed_with(self, key_id: str) -> int:
        """How many accepted commands hold a secret sealed with the key `key_id` names (seal.py)."""
        held = '"client_secret":"sealed:' + key_id + ":"
        return int(self._read("SELECT count(*) FROM commands WHERE ok = 1 AND instr(arguments, ?) > 0", held)[0][0])

    def journal(self) -> list[str]:
        return [entry for (entry,) in self._read("SELECT entry FROM journal ORDER BY seq")]

    def snapshot_seq(self) -> int:
        """The last command the newest snapshot holds (0: none)."""
        return int(self._read("SELECT coalesce(max(seq), 0) FROM snapshots")[0][0])

    def snapshot(self) -> tuple[int, bytes, int] | None:
        """The newest snapshot: the last command it holds, its bytes and the checksum kept with them."""
        rows = self._read("SELECT seq, state, checksum FROM snapshots ORDER BY seq DESC LIMIT 1")
        return (int(rows[0][0]), bytes(rows[0][1]), int(rows[0][2])) if rows else None

    def close(self) -> None:
        with self._lock:
            with contextlib.suppress(sqlite3.Error):  # else the WAL stays beside the file; the next open reads it
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._db.close()
            if self.mark is not None:
                self.mark.close()


def journal_statements(entry: str, keep: int | None) -> list[Statement]:
    """One journal entry; only the newest `keep` stay (None: every one)."""
    insert = ("INSERT INTO journal (entry) VALUES (?)", (entry,))
    if keep is None:
        return [insert]
    return [insert, ("DELETE FROM journal WHERE seq <= (SELECT max(seq) FROM journal) - ?", (keep,))]


def journal_cleared() -> list[Statement]:
    return [("DELETE FROM journal", ())]


def token_statements(kind: str, found: str, record: str | None, kinds: tuple[str, ...] = ()) -> list[Statement]:
    """A venue's record kept (a token granted: its record) or forgotten (None), by its key (a token's digest), or every
    one of its `kinds` forgotten (kind "clear"): the `tokens` table holds each venue's `kept_records`."""
    if kind == "clear":
        return [(f"DELETE FROM tokens WHERE kind IN ({', '.join('?' * len(kinds))})", kinds)]
    if record is None:
        return [("DELETE FROM tokens WHERE kind = ? AND digest = ?", (kind, found))]
    return [("INSERT OR REPLACE INTO tokens (kind, digest, record) VALUES (?, ?, ?)", (kind, found, record))]


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
