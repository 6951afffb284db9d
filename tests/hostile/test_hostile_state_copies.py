"""Copies of a state file's parts from different moments (`serve --state`): the main file taken while a mock ran on
it, without its write-ahead log, beside a mark an earlier copy left; a write-ahead log (and mark) older than the main
file put back beside it. The first started on an older sandbox without a word; the second laid the older log over the
file (an older sandbox, or pages read as damaged) and `--state-recover` kept the older log's commands, dropping what
the file held. Each now stops `serve` (status 2, one line); `--state-recover` starts from what the main file holds
(setting an older log aside) and says what was lost."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from serve_process import serving
from test_hostile_state import _admin, _refused, _state_lines

from mockexchange import MockServer

pytestmark = pytest.mark.slow  # each starts `serve`

FILL = {"user_id": "alice", "ticker": "KXCOPY-1", "side": "yes", "action": "buy", "count": "1", "price": "0.40"}


def _fills(mock: MockServer, count: int) -> None:
    for _ in range(count):
        mock.fill(**FILL)


def _copy(path: Path, into: Path, *parts: str) -> Path:
    into.mkdir()
    for part in ("", *parts):
        if Path(f"{path}{part}").exists():
            shutil.copyfile(f"{path}{part}", into / f"state.db{part}")
    return into / "state.db"


def test_a_main_file_copied_without_its_log_beside_an_older_mark_stops_serve(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    with MockServer(state=str(path)) as mock:
        mock.create_account("alice", balance_cents=10_000)
        _fills(mock, 2)
        older = _copy(path, tmp_path / "older", "-mark")  # a copy, then more commands
        _fills(mock, 2)
    with MockServer(state=str(path)) as mock:  # it opens: the file holds every command so far, and these go to its log
        _fills(mock, 3)
        copy = _copy(path, tmp_path / "copy", "-key")  # the main file alone, while the mock runs
    shutil.copyfile(older.with_name("state.db-mark"), copy.with_name("state.db-mark"))
    line = _refused(copy)
    assert "its write-ahead log state.db-wal is missing (the last mock did not close the file)" in line, line
    with serving(tmp_path / "keys", "--state", str(copy), "--state-recover") as served:
        (said,) = _state_lines(served)
        assert "--state-recover" in said and "is missing" in said, said
        fills = _admin(served).get("/accounts/alice").json()["kalshi"]["fills"]["fills"]
        assert len(fills) == 4  # what the main file held: the last 3 were in the log


def test_a_write_ahead_log_older_than_the_file_stops_serve_and_recover_sets_it_aside(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    with MockServer(state=str(path)) as mock:
        mock.create_account("alice", balance_cents=10_000)
        _fills(mock, 2)
        older = _copy(path, tmp_path / "older", "-wal", "-mark")  # a copy of the log and mark while it runs
        _fills(mock, 40)
    # Closed: every command is in the file. The older copy's log and mark put back beside it.
    for part in ("-wal", "-mark"):
        shutil.copyfile(f"{older}{part}", f"{path}{part}")
    line = _refused(path)
    assert "the write-ahead log state.db-wal is older than the file (its last commit leaves the database" in line
    assert line.endswith("--state-recover sets it aside and starts from what the file holds"), line
    with serving(tmp_path / "keys", "--state", str(path), "--state-recover") as served:
        (said,) = _state_lines(served)
        assert "is older than the file" in said and "set aside as state.db-wal.older" in said, said
        fills = _admin(served).get("/accounts/alice").json()["kalshi"]["fills"]["fills"]
        assert len(fills) == 42  # every command the file held
    assert Path(f"{path}-wal.older").exists()
