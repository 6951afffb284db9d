"""A state file's checks in process (docs/persistence.md, "Damage"): damaged pages alone get the file written anew from
the commands, the meta table and a command's outcome are checked, a write the kill cut short is the log's end and not
damage, while a damaged frame with commits after it is; a command is written before it runs and its outcome after.
(tests/hostile/test_hostile_state.py starts `serve` on damaged files and fills its disk.)"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import textwrap
import zlib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from state_sql import sql

from mockexchange.control import ControlError
from mockexchange.server import MockServer
from mockexchange.state import StateError
from mockexchange.state.file import row_checksum, wal_path
from mockexchange.state.mark import mark_path
from mockexchange.state.wal import WalDamage, inspect


def mock_of(path: Path, **settings: object) -> MockServer:
    """A mock of the state file at `path`, without the admin API: these tests ask the Python API, and the admin API's
    routes were most of building a mock."""
    return MockServer(state=str(path), admin=False, **settings)  # type: ignore[arg-type]


def _populate(path: Path) -> None:
    with mock_of(path) as mock:
        mock.create_account("alice", balance_cents=5_000)
        for _ in range(5):
            mock.fill("alice", "KXDAMAGE-1", "yes", "buy", "1", "0.50")


def _overflow_page(data: bytearray, blob: bytes) -> int:
    """The number of a page holding the snapshot's bytes past its first page: an overflow page, whose first 4 bytes
    point on. A 64-byte window of the blob may straddle two such pages (each carries 4,092 of its bytes), so the first
    window found whole in the file names the page."""
    for start in range(5000, len(blob) - 64, 64):
        at = data.find(blob[start : start + 64])
        if at >= 0:
            return at // 4096
    raise AssertionError("no part of the snapshot past its first page was found in the file")


def test_damaged_pages_alone_get_the_file_written_anew_from_its_commands(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "state.db"
    _populate(path)
    blob = sql(path, "SELECT state FROM snapshots")[0][0]
    data = bytearray(path.read_bytes())
    page = _overflow_page(data, blob)
    data[page * 4096 : page * 4096 + 4] = (999_999).to_bytes(4, "big")
    path.write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING, "mockexchange.state"), mock_of(path) as mock:
        assert mock.app.ledger.state.account("alice").balance() == Decimal("47.4125")
        assert mock.app.persistence.status()["restored_commands"] == 7  # type: ignore[union-attr]
        (said,) = mock.app.persistence.warnings()  # type: ignore[union-attr]
    assert said.startswith("SQLite's quick_check finds damaged pages (") and "written anew" in said
    assert [r.getMessage() for r in caplog.records] == [f"{path}: {said}"]
    assert (tmp_path / "state.db.damaged").exists()
    assert sql(path, "PRAGMA quick_check") == [("ok",)]


def test_a_damaged_page_of_commands_refuses_the_file_and_recover_writes_it_anew_from_those_before(
    tmp_path: Path,
) -> None:
    path = tmp_path / "state.db"
    with mock_of(path) as mock:
        for n in range(600):
            mock.create_account(f"user-{n:04d}", balance_cents=n)
    data = bytearray(path.read_bytes())
    page = data.index(b'"user_id":"user-0300"') // 4096
    data[page * 4096] = 0x77  # no page type SQLite knows
    path.write_bytes(bytes(data))
    with pytest.raises(StateError) as refused:
        mock_of(path)
    seq = int(str(refused.value).split("command #")[1].split(" ")[0])
    assert f"command #{seq} cannot be read (database disk image is malformed)" in str(refused.value)
    assert f"--state-recover starts from command #{seq - 1}, the last that checks" in str(refused.value)
    with mock_of(path, state_recover=True) as mock:
        assert len(mock.app.ledger.state.accounts) == seq - 2  # command #1 lists Deribit's instruments
        assert f"started from command #{seq - 1}" in mock.app.persistence.warnings()[0]  # type: ignore[union-attr]
    assert (tmp_path / "state.db.damaged").exists()
    with mock_of(path) as again:  # the file written anew opens as any other
        assert again.app.persistence.warnings() == []  # type: ignore[union-attr]


def test_a_damaged_meta_table_refuses_the_file(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    _populate(path)
    sql(path, "UPDATE meta SET value = '12345' WHERE key = 'id_seed'")  # every id would be drawn anew
    with pytest.raises(StateError, match="its meta table .* is damaged; --state-recover starts from the 7 commands"):
        mock_of(path)


def test_a_command_refused_when_it_runs_again_stops_the_start_and_frees_the_file(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    _populate(path)
    sql(path, "DELETE FROM snapshots")  # every command runs again
    seq, at_us, arguments = sql(path, "SELECT seq, at_us, arguments FROM commands WHERE name = 'fill' LIMIT 1")[0]
    changed = arguments.replace('"side":"yes"', '"side":"maybe"')  # checksummed anew: as another version's command
    checksum = row_checksum(seq, "fill", changed, at_us, True)
    sql(path, "UPDATE commands SET arguments = ?, checksum = ? WHERE seq = ?", changed, checksum, seq)
    for _ in range(2):  # refused the same way again: the first start let the file go
        with pytest.raises(StateError, match=f"command #{seq} \\(fill\\) was accepted when it was kept but is refused"):
            mock_of(path)


def test_a_command_is_written_before_it_runs_and_a_refusal_with_the_next(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    with mock_of(path) as mock:
        mock.create_account("alice")
        with pytest.raises(ControlError):
            mock.fill("bob", "KX-1", "yes", "buy", "1", "0.5")  # no such account: written as accepted, then refused
        assert _outcomes(mock) == [True, True, True]
        mock.create_market("KX-2")
        assert _outcomes(mock) == [True, True, False, True]
        with pytest.raises(ControlError):
            mock.create_account("alice")
    assert sql(path, "SELECT ok FROM commands ORDER BY seq") == [(1,), (1,), (0,), (1,), (0,)]  # closing wrote it


def _outcomes(mock: MockServer) -> list[bool]:
    return [record.ok for record in mock.app.persistence.file.commands()]  # type: ignore[union-attr]


_KILLED = textwrap.dedent(
    """
    import os, signal, sys
    from mockexchange.server import MockServer
    mock = MockServer(state=sys.argv[1])
    mock.create_account("alice", balance_cents=5_000)
    for _ in range(20):
        mock.fill("alice", "KXWAL-1", "yes", "buy", "1", "0.50")
    with open(sys.argv[1] + "-mark", "rb") as mark, open(sys.argv[2], "wb") as before:
        before.write(mark.read())  # the mark before the last command: all a kill cutting its write short leaves
    try:
        mock.create_account("alice")  # refused: the file says accepted until the next command
    finally:
        os.kill(os.getpid(), signal.SIGKILL)
    """
)


@dataclass(frozen=True)
class Killed:
    """A state file, the write-ahead log and the high-water mark a killed mock left (23 commands, each its own commit,
    the last refused), and its mark before the last command."""

    file: bytes
    log: bytes
    mark: bytes
    mark_before_last: bytes


@pytest.fixture(scope="module")
def killed(tmp_path_factory: pytest.TempPathFactory) -> Killed:
    path = tmp_path_factory.mktemp("killed") / "state.db"
    before = path.with_name("mark-before-last")
    subprocess.run([sys.executable, "-c", _KILLED, str(path), str(before)], timeout=60, check=False)
    return Killed(path.read_bytes(), wal_path(path).read_bytes(), mark_path(path).read_bytes(), before.read_bytes())


FRAME = 24 + 4096


def _with_log(tmp_path: Path, killed: Killed, log: bytes | None, mark: bytes | None) -> Path:
    """The killed mock's file, with this log and mark beside it (None: none)."""
    path = tmp_path / "state.db"
    path.write_bytes(killed.file)
    for beside, data in ((wal_path(path), log), (mark_path(path), mark)):
        if data is not None:
            beside.write_bytes(data)
    return path


def _flipped(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :] if at >= 0 else _flipped(data, len(data) + at)


def test_the_last_command_of_a_killed_mock_runs_again_unchecked(tmp_path: Path, killed: Killed) -> None:
    path = _with_log(tmp_path, killed, killed.log, killed.mark)
    with mock_of(path) as mock:  # refused again, which its record could not say yet
        assert len(mock.app.ledger.state.fills) == 20 and mock.app.persistence.warnings() == []  # type: ignore[union-attr]
    assert sql(path, "SELECT ok FROM commands ORDER BY seq DESC LIMIT 1") == [(0,)]


def test_a_write_the_kill_cut_short_is_the_end_of_the_log(tmp_path: Path, killed: Killed) -> None:
    log = killed.log
    frames = (len(log) - 32) // FRAME
    half_written = log[: 32 + (frames - 1) * FRAME + 24 + 100]  # the last page half written: never committed
    path = _with_log(tmp_path, killed, half_written, killed.mark_before_last)
    assert inspect(wal_path(path), 4096) is None
    with mock_of(path) as mock:  # the last command, never acknowledged, is not there
        assert len(mock.app.ledger.state.fills) == 20 and mock.app.persistence.warnings() == []  # type: ignore[union-attr]
        assert mock.app.persistence.status()["commands"] == 22  # type: ignore[union-attr]


@pytest.mark.parametrize(("at", "frame"), [(20, 0), (32 + 24 + 300, 1), (32 + 5 * FRAME + 4, 6)])
def test_a_damaged_frame_with_commits_after_it_refuses_the_file(
    tmp_path: Path, killed: Killed, at: int, frame: int
) -> None:
    log = bytearray(killed.log)
    log[at] ^= 0x40
    path = _with_log(tmp_path, killed, bytes(log), killed.mark)
    found = inspect(wal_path(path), 4096)
    assert isinstance(found, WalDamage) and found.frame == frame and found.lost_commits > 0
    with pytest.raises(StateError, match=f"damaged at {'its header' if frame == 0 else f'frame {frame}'}"):
        mock_of(path)
    assert wal_path(path).read_bytes() == bytes(log)  # refused before SQLite read (and would drop) it


# -- a lost or damaged write-ahead log, told by the high-water mark ---------------------------------------------------

# The log as a copy, a disk or a hand may leave it, and the command the file then ends at (the mark counts 23).
LOGS_LOST = {
    "missing": (lambda log: None, 1),
    "empty": (lambda log: b"", 1),
    "its header only": (lambda log: log[:32], 1),
    "cut at a frame's end": (lambda log: log[: len(log) - 2 * FRAME], 21),
    "cut inside a frame": (lambda log: log[: len(log) - FRAME - FRAME // 2], 21),
    "its last commit damaged": (lambda log: _flipped(log, -100), 22),
}


@pytest.mark.parametrize("spelling", LOGS_LOST)
def test_a_log_lost_or_cut_after_a_kill_refuses_the_file_and_recover_says_how_many_commands_were_lost(
    tmp_path: Path, killed: Killed, spelling: str
) -> None:
    damage, ends = LOGS_LOST[spelling]
    path = _with_log(tmp_path, killed, damage(killed.log), killed.mark)
    said = f"the last {23 - ends} of the 23 commands its mark state.db-mark counts are missing (its write-ahead log "
    for _ in range(2):  # a refusal leaves the file refused
        with pytest.raises(StateError, match=re.escape(said)) as refused:
            mock_of(path)
        assert str(refused.value).endswith(f"; --state-recover starts from the {ends} commands it holds")
    with mock_of(path, state_recover=True) as mock:
        # #1 lists Deribit's instruments, #2 is alice's account, #3 to #22 her fills
        assert len(mock.app.ledger.state.fills) == max(0, min(ends, 22) - 2)
        (note,) = mock.app.persistence.warnings()  # type: ignore[union-attr]
    assert note.startswith(f"--state-recover: {said}") and note.endswith(f"; started from command #{ends}")
    with mock_of(path) as again:  # from what survived on: the mark counts what it holds
        assert again.app.persistence.warnings() == []  # type: ignore[union-attr]


def test_a_kill_between_a_commit_and_its_mark_is_no_loss(tmp_path: Path, killed: Killed) -> None:
    path = _with_log(tmp_path, killed, killed.log, killed.mark_before_last)
    with mock_of(path) as mock:
        assert mock.app.persistence.warnings() == [] and mock.app.persistence.status()["commands"] == 23  # type: ignore[union-attr]


def _another_files(mark: bytes) -> bytes:
    record = _flipped(mark[:-4], 4)  # a byte of the file's id; the mark's own checksum made anew
    return record + zlib.crc32(record).to_bytes(4, "little")


MARKS_WRONG = {
    "missing": lambda mark: None,
    "damaged": lambda mark: _flipped(mark, -1),
    "another file's": _another_files,
}


@pytest.mark.parametrize("wrong", MARKS_WRONG)
def test_a_log_left_by_a_kill_without_its_mark_refuses_the_file(tmp_path: Path, killed: Killed, wrong: str) -> None:
    path = _with_log(tmp_path, killed, killed.log, MARKS_WRONG[wrong](killed.mark))
    said = (
        f"its mark state.db-mark is {wrong} and the last mock did not close the file: whether its write-ahead log "
        "state.db-wal lost commands after #23 cannot be told; --state-recover starts from the 23 commands it holds"
    )
    for _ in range(2):  # a refusal leaves the file refused
        with pytest.raises(StateError, match=re.escape(said)):
            mock_of(path)
    with mock_of(path, state_recover=True) as mock:
        assert mock.app.persistence.status()["commands"] == 23  # type: ignore[union-attr]


def test_an_older_copy_of_a_closed_file_beside_its_mark_refuses_the_file(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    _populate(path)
    older = path.read_bytes()
    with mock_of(path) as mock:
        mock.fill("alice", "KXDAMAGE-1", "yes", "buy", "1", "0.50")
    path.write_bytes(older)
    with pytest.raises(StateError, match="the last 1 of the 8 commands its mark state.db-mark counts are missing;"):
        mock_of(path)
    mark_path(path).unlink()  # a closed file needs no mark: its log was emptied into it
    with mock_of(path) as mock:
        assert mock.app.persistence.warnings() == []  # type: ignore[union-attr]


def test_a_mark_that_cannot_be_made_or_written_fails_no_command_and_is_said_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "state.db"
    mark_path(path).mkdir()
    with caplog.at_level(logging.WARNING, "mockexchange.state"), mock_of(path) as mock:
        mock.create_account("alice", balance_cents=5_000)
        assert mock.app.persistence.warnings() == [  # type: ignore[union-attr]
            "its mark state.db-mark cannot be made (Is a directory): a write-ahead log lost after a kill is noticed "
            "only by the count kept at opening"
        ]
    mark_path(path).rmdir()
    with caplog.at_level(logging.WARNING, "mockexchange.state"), mock_of(path) as mock:
        writer = mock.app.persistence.file.mark  # type: ignore[union-attr]
        read_only = os.open(mark_path(path), os.O_RDONLY)
        os.dup2(read_only, writer._fd)  # every write to the mark fails from here on
        os.close(read_only)
        for _ in range(2):
            mock.fill("alice", "KXDAMAGE-1", "yes", "buy", "1", "0.50")
        said = mock.app.persistence.warnings()  # type: ignore[union-attr]
    assert said == [
        "its mark state.db-mark cannot be written (Bad file descriptor): commands go on, but a write-ahead log lost "
        "after a kill may not be noticed"
    ]
    assert [r.getMessage() for r in caplog.records][1:] == [f"{path}: {said[0]}"]
    with mock_of(path) as again:  # its mark behind the file: no loss
        assert len(again.app.ledger.state.fills) == 2 and again.app.persistence.warnings() == []  # type: ignore[union-attr]
