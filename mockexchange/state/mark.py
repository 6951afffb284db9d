"""A state file's high-water mark (`FILE-mark`): the last command committed to it, kept beside it, outside SQLite's
pages, so that a restart notices commands the file no longer holds (integrity.py).

After a `kill -9` the commits since the last checkpoint live only in the write-ahead log (`FILE-wal`). Without it, or
with its tail cut off or damaged, SQLite opens the file as it stood before and says nothing. The mark is written once
each command is committed: one `pwrite` of a fixed record into a file held open, no fsync (a killed process's writes
are in the kernel's cache already; after a power cut the mark may count commits a `synchronous=NORMAL` log lost, which
is a loss to report too). So it never counts a command that was not committed, and a file that holds fewer commands
than its mark counts has lost them.

The record: the state file's id (kept in its meta table as `mark`: a mark beside another file says nothing of this
one), the last command's number and its checksum as it was written (accepted, `CommandRecord.written_checksum`: a
refusal written later does not change it), and a CRC-32 of those.
"""

from __future__ import annotations

import contextlib
import logging
import os
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

_MAGIC = b"mkxm"
_RECORD = struct.Struct("<4s8sQI")  # magic, the file's id, the last command's number, its checksum
_CRC = struct.Struct("<I")
SIZE = _RECORD.size + _CRC.size
ID_BYTES = 8

log = logging.getLogger("mockexchange.state")


def mark_path(path: Path) -> Path:
    return path.with_name(path.name + "-mark")


@dataclass(frozen=True, slots=True)
class Mark:
    file_id: str  # hex, as the meta table keeps it
    seq: int  # the last command committed (0: none)
    checksum: int  # its checksum as written


def new_id() -> str:
    return os.urandom(ID_BYTES).hex()


def read_beside(path: Path) -> bytes | str:
    """A file kept beside a state file (its mark, its sealing key), or why it cannot be read: "missing" or "damaged"."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return "missing"
    except OSError:
        return "damaged"


def read(path: Path) -> Mark | str:
    """The mark beside a state file, or why there is none to read: "missing" or "damaged"."""
    data = read_beside(mark_path(path))
    if isinstance(data, str):
        return data
    if len(data) != SIZE or _CRC.unpack(data[_RECORD.size :])[0] != zlib.crc32(data[: _RECORD.size]):
        return "damaged"
    magic, file_id, seq, checksum = _RECORD.unpack(data[: _RECORD.size])
    return Mark(file_id.hex(), seq, checksum) if magic == _MAGIC else "damaged"


class MarkWriter:
    """The mark of one open state file (OSError if it cannot be made). A write that fails fails nothing, as the command
    is committed already: a restart then finds the mark behind the file, which is no loss. It is said once on stderr
    and kept as `failure` (for `GET /_admin/health`, without the path)."""

    def __init__(self, path: Path, file_id: str) -> None:
        self.path = mark_path(path)
        self._state = path
        self._id = bytes.fromhex(file_id)
        self.failure: str | None = None
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)

    def write(self, seq: int, checksum: int) -> None:
        record = _RECORD.pack(_MAGIC, self._id, seq, checksum)
        try:
            os.pwrite(self._fd, record + _CRC.pack(zlib.crc32(record)), 0)
        except OSError as exc:
            self._failed(exc)

    def sync(self) -> None:
        """On disk now (once, at opening: a power cut then leaves a mark that reads, older or not)."""
        try:
            os.ftruncate(self._fd, SIZE)
            os.fsync(self._fd)
        except OSError as exc:
            self._failed(exc)

    def _failed(self, exc: OSError) -> None:
        if self.failure is None:
            self.failure = (
                f"its mark {self.path.name} cannot be written ({exc.strerror or exc}): commands go on, but a "
                "write-ahead log lost after a kill may not be noticed"
            )
            log.warning("%s: %s", self._state, self.failure)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self._fd)
