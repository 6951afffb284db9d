"""A write-ahead log older than its state file, whose last commit leaves the database as many pages as the file holds
(the file ran on without growing: a command or two after its start's checkpoint): the older log's size said nothing,
so SQLite laid it over the file. The start was refused by a count that did not name the log, and `--state-recover`
kept the older log's commands and dropped one the file held. Now it is told as an older log before SQLite reads it,
and `--state-recover` sets it aside and starts from every command the file holds."""

from __future__ import annotations

import shutil
from pathlib import Path

import plain_http
import pytest

from mockexchange import MockServer
from mockexchange.state import StateError

FILL = {"user_id": "alice", "ticker": "KXOLDER-1", "side": "yes", "action": "buy", "count": "1", "price": "0.40"}


def fills(mock: MockServer) -> int:
    return len(plain_http.get(f"{mock.base_url}/_admin/accounts/alice", timeout=10).json()["kalshi"]["fills"]["fills"])


def test_an_older_log_of_as_many_pages_as_the_file_is_refused_and_recover_sets_it_aside(tmp_path: Path) -> None:
    path, older = tmp_path / "state.db", tmp_path / "older-wal"
    with MockServer(state=str(path)) as mock:
        mock.create_account("alice", balance_cents=10_000)
        for _ in range(20):
            mock.fill(**FILL)
    for run in range(3):  # each start keeps a snapshot at its close: the file's pages settle
        with MockServer(state=str(path)) as mock:
            mock.fill(**FILL)
            if run == 2:
                shutil.copyfile(f"{path}-wal", older)  # the log of one command, while the mock runs on
                mock.fill(**FILL)
    shutil.copyfile(older, f"{path}-wal")
    with pytest.raises(StateError) as refused:
        MockServer(state=str(path))
    said = str(refused.value)
    assert "the write-ahead log state.db-wal is older than the file" in said, said
    assert said.endswith("--state-recover sets it aside and starts from what the file holds"), said
    with MockServer(state=str(path), state_recover=True) as mock:
        (warning,) = mock.app.persistence.warnings()  # type: ignore[union-attr]
        assert "is older than the file" in warning and "set aside as state.db-wal.older" in warning, warning
        assert fills(mock) == 24  # every command the file held: the one after the copy too
    with MockServer(state=str(path)) as mock:
        assert fills(mock) == 24
