"""A state file's checks in process (docs/persistence.md, "Damage"): damaged pages alone get the file written anew from
the commands, the meta table and a command's outcome are checked, a write the kill cut short is the log's end and not
damage, while a damaged frame with commits after it is; a command is written before it runs and its outcome after.
(tests/hostile/test_hostile_state.py starts `serve` on damaged files and fills its disk.)"""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest
from state_sql import sql

from mockexchange.control import ControlError
from mockexchange.server import MockServer
from mockexchange.state import StateError
from mockexchange.state.file import wal_path
from mockexchange.state.wal import WalDamage, inspect


def _populate(path: Path) -> None:
    with MockServer(state=str(path)) as mock:
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
    with caplog.at_level(logging.WARNING, "mockexchange.state"), MockServer(state=str(path)) as mock:
        assert mock.app.ledger.account("alice").balance() == Decimal("47.4125")
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
    with MockServer(state=str(path)) as mock:
        for n in range(600):
            mock.create_account(f"user-{n:04d}", balance_cents=n)
    data = bytearray(path.read_bytes())
    page = data.index(b'"user_id":"user-0300"') // 4096
    data[page * 4096] = 0x77  # no page type SQLite knows
    path.write_bytes(bytes(data))
    with pytest.raises(StateError) as refused:
        MockServer(state=str(path))
    seq = int(str(refused.value).split("command #")[1].split(" ")[0])
    assert f"command #{seq} cannot be read (database disk image is malformed)" in str(refused.value)
    assert f"--state-recover starts from command #{seq - 1}, the last that checks" in str(refused.value)
    with MockServer(state=str(path), state_recover=True) as mock:
        assert len(mock.app.ledger.accounts) == seq - 2  # command #1 lists Deribit's instruments
        assert f"started from command #{seq - 1}" in mock.app.persistence.warnings()[0]  # type: ignore[union-attr]
    assert (tmp_path / "state.db.damaged").exists()
    with MockServer(state=str(path)) as again:  # the file written anew opens as any other
        assert again.app.persistence.warnings() == []  # type: ignore[union-attr]


def test_a_damaged_meta_table_refuses_the_file(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    _populate(path)
    sql(path, "UPDATE meta SET value = '12345' WHERE key = 'id_seed'")  # every id would be drawn anew
    with pytest.raises(StateError, match="its meta table .* is damaged; --state-recover starts from the 7 commands"):
        MockServer(state=str(path))


def test_a_command_is_written_before_it_runs_and_a_refusal_with_the_next(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    with MockServer(state=str(path)) as mock:
        mock.create_account("alice")
        with pytest.raises(ControlError):
            mock.fill("alice", "KX-1", "maybe", "buy", "1", "0.5")  # written as accepted, then refused
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
    try:
        mock.create_account("alice")  # refused: the file says accepted until the next command
    finally:
        os.kill(os.getpid(), signal.SIGKILL)
    """
)


@pytest.fixture(scope="module")
def killed(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, bytes]:
    """A state file and the write-ahead log a killed mock left: 23 commands, each its own commit, the last refused."""
    path = tmp_path_factory.mktemp("killed") / "state.db"
    subprocess.run([sys.executable, "-c", _KILLED, str(path)], timeout=60, check=False)
    return path.read_bytes(), wal_path(path).read_bytes()


FRAME = 24 + 4096


def _with_log(tmp_path: Path, killed: tuple[bytes, bytes], log: bytes) -> Path:
    path = tmp_path / "state.db"
    path.write_bytes(killed[0])
    wal_path(path).write_bytes(log)
    return path


def test_the_last_command_of_a_killed_mock_runs_again_unchecked(tmp_path: Path, killed: tuple[bytes, bytes]) -> None:
    path = _with_log(tmp_path, killed, killed[1])
    with MockServer(state=str(path)) as mock:  # refused again, which its record could not say yet
        assert len(mock.app.ledger.fills) == 20 and mock.app.persistence.warnings() == []  # type: ignore[union-attr]
    assert sql(path, "SELECT ok FROM commands ORDER BY seq DESC LIMIT 1") == [(0,)]


def test_a_write_the_kill_cut_short_is_the_end_of_the_log(tmp_path: Path, killed: tuple[bytes, bytes]) -> None:
    log = killed[1]
    frames = (len(log) - 32) // FRAME
    path = _with_log(tmp_path, killed, log[: 32 + (frames - 1) * FRAME + 24 + 100])  # the last page half written
    assert inspect(wal_path(path), 4096) is None
    with MockServer(state=str(path)) as mock:  # the last command, never acknowledged, is not there
        assert len(mock.app.ledger.fills) == 20 and mock.app.persistence.warnings() == []  # type: ignore[union-attr]
        assert mock.app.persistence.status()["commands"] == 22  # type: ignore[union-attr]


@pytest.mark.parametrize(("at", "frame"), [(20, 0), (32 + 24 + 300, 1), (32 + 5 * FRAME + 4, 6)])
def test_a_damaged_frame_with_commits_after_it_refuses_the_file(
    tmp_path: Path, killed: tuple[bytes, bytes], at: int, frame: int
) -> None:
    log = bytearray(killed[1])
    log[at] ^= 0x40
    path = _with_log(tmp_path, killed, bytes(log))
    found = inspect(wal_path(path), 4096)
    assert isinstance(found, WalDamage) and found.frame == frame and found.lost_commits > 0
    with pytest.raises(StateError, match=f"damaged at {'its header' if frame == 0 else f'frame {frame}'}"):
        MockServer(state=str(path))
    assert wal_path(path).read_bytes() == bytes(log)  # refused before SQLite read (and would drop) it
