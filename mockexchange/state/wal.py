"""Reads a state file's write-ahead log (`FILE-wal`) as SQLite will, before SQLite does: says whether committed
transactions sit past a frame SQLite cannot read, which SQLite would drop without a word.

SQLite's WAL (https://www.sqlite.org/fileformat.html#the_write_ahead_log): a 32-byte header (magic, version, page
size, checkpoint sequence, two salts, a checksum of the first 24 bytes), then frames of a 24-byte header (page number,
the database's size in pages for the frame that commits a transaction else 0, the two salts, a cumulative checksum)
and one page. On opening, SQLite reads frames while their salts are the header's and their checksum chains on, and
keeps the transactions committed up to there; the rest is dropped. A frame of the current salts that fails the
chain is the end of the log when nothing committed follows it (a write the kill cut short: never acknowledged); a
commit frame of the current salts after it means acknowledged transactions are lost (the file was damaged).
Frames of other salts are an earlier pass over the file, which a checkpoint let be overwritten.

A log older than the file beside it (a copy's log put back beside a file that ran on and was checkpointed since) is
told by the database's size: each commit frame names it, and the mock's file never shrinks (no VACUUM), so a log whose
last commit leaves the database smaller than the file already is lays an earlier state over a later one. SQLite reads
it all the same: the file then reads as that earlier state, or as damaged pages. A file that ran on without growing
is told by its commands instead (persistence.py: read with the log, fewer than in the file alone).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

_MAGIC = (0x377F0682, 0x377F0683)  # little- and big-endian checksums
_HEADER = 32
_FRAME_HEADER = 24
_MASK = 0xFFFFFFFF


@dataclass(frozen=True, slots=True)
class WalDamage:
    frame: int  # the first frame SQLite cannot read (1 = the first; 0: the header)
    lost_commits: int  # transactions committed after it, which SQLite would drop
    older: tuple[int, int] | None = None  # a log older than the file: the pages its last commit leaves, the file's
    counted: str = "pages"  # what `older` counts: or "commands", those the file holds read with the log, and without

    def describe(self, wal: Path) -> str:
        if self.older is not None:
            held = (
                f"its last commit leaves the database {self.older[0]:,} pages, the file holds {self.older[1]:,}"
                if self.counted == "pages"
                else f"read with it the file holds {self.older[0]:,} commands, without it {self.older[1]:,}"
            )
            return f"the write-ahead log {wal.name} is older than the file ({held}: another copy's log?)"
        where = "its header" if self.frame == 0 else f"frame {self.frame}"
        return f"the write-ahead log {wal.name} is damaged at {where}: {self.lost_commits} commit(s) after it"

    def remedy(self) -> str:
        """What a refusal says of it, after `describe`."""
        if self.older is not None:
            return "; --state-recover sets it aside and starts from what the file holds"
        return ", which SQLite cannot read; --state-recover starts from the last commit that reads"


def _checksum(data: bytes, big_endian: bool, s0: int, s1: int) -> tuple[int, int]:
    words = struct.unpack(f"{'>' if big_endian else '<'}{len(data) // 4}I", data)
    pairs = iter(words)
    for a, b in zip(pairs, pairs, strict=True):
        s0 = (s0 + a + s1) & _MASK
        s1 = (s1 + b + s0) & _MASK
    return s0, s1


def inspect(wal: Path, page_size: int, file_pages: int = 0) -> WalDamage | None:
    """None if SQLite will read every transaction the log commits (or there is no log) and the log is no older than
    the file of `file_pages` pages; `page_size`: the database's, so that frames are found even when the header is
    damaged."""
    try:
        stream = wal.open("rb")
    except FileNotFoundError:
        return None
    with stream:
        header = stream.read(_HEADER)
        if len(header) < _HEADER:
            return None
        magic = struct.unpack(">I", header[:4])[0]
        big_endian = magic == _MAGIC[1]
        sums = _checksum(header[:24], big_endian, 0, 0)
        sound = magic in _MAGIC and struct.pack(">2I", *sums) == header[24:32]
        salts: bytes | None = header[16:24] if sound else None  # else: the first frame's (this pass's first)
        bad: int | None = None if sound else 0
        frame = lost = pages = 0
        while len(head := stream.read(_FRAME_HEADER)) == _FRAME_HEADER:
            page = stream.read(page_size)
            frame += 1
            salts = salts or head[8:16]
            if bad is None:
                if len(page) == page_size and head[8:16] == salts:
                    sums = _checksum(head[:8] + page, big_endian, *sums)
                    if struct.pack(">2I", *sums) == head[16:24]:
                        pages = int.from_bytes(head[4:8], "big") or pages  # a commit frame names the database's size
                        continue
                bad = frame  # SQLite stops here; a commit of this pass further on was acknowledged
            elif head[8:16] == salts and head[4:8] != b"\0\0\0\0":
                lost += 1
    if bad is not None and lost:
        return WalDamage(bad, lost)
    return WalDamage(0, 0, (pages, file_pages)) if 0 < pages < file_pages else None
