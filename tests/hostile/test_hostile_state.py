"""The state file (`serve --state`) under a full disk and damaged files, over real processes and sockets.

A full disk is the process's own: its file-size limit set to 0 from outside (`prlimit`), so that every write to a file
fails (EFBIG) while its sockets and pipes still write; SQLite then fails as on a full disk. The command log is the
truth: a command that cannot be written answers 507 and does not run, and what was acknowledged comes back after a
`kill -9` with the same ids. The request journal and Deribit's tokens are observers: their failure is said once on
stderr and in `GET /_admin/health`, and never changes an answer. A damaged snapshot is set aside with a warning; a
damaged or missing part of the command log stops `serve` (status 2, one line) unless `--state-recover` is given.
"""

from __future__ import annotations

import contextlib
import io
import re
import resource
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import httpx
import pytest
from serve_process import Served, serving

from mockexchange.cli import main
from mockexchange.cli import serving as serving_cli

pytestmark = pytest.mark.slow  # each starts `serve`

FILL = {"user_id": "alice", "ticker": "KXSTATE-1", "side": "yes", "action": "buy", "count": "2", "price": "0.40"}
BALANCE_CENTS = 123_456
# Commands that draw: fill and order ids, a key pair and id, a deposit's id.
REFUSED = [("/fills", FILL), ("/keys", {"user_id": "alice"}), ("/deposits", {"user_id": "alice", "amount_cents": 500})]


@contextmanager
def disk_full(pid: int) -> Iterator[None]:
    """Every write the process makes to a file fails from here to the end of the block."""
    soft, hard = resource.prlimit(pid, resource.RLIMIT_FSIZE)
    resource.prlimit(pid, resource.RLIMIT_FSIZE, (0, hard))
    try:
        yield
    finally:
        resource.prlimit(pid, resource.RLIMIT_FSIZE, (soft, hard))


def _admin(served: Served) -> httpx.Client:
    return httpx.Client(base_url=served.base_url + "/_admin", timeout=10)


def _alice(admin: httpx.Client) -> dict:
    """Alice's balance (cents), her fills' ids (newest first) and her keys' ids, as the inspector reads them."""
    account = admin.get("/accounts/alice")
    assert account.status_code == 200, account.text
    kalshi = account.json()["kalshi"]
    return {
        "balance": kalshi["balance"]["balance"],
        "fills": [fill["fill_id"] for fill in kalshi["fills"]["fills"]],
        "keys": sorted(key["key_id"] for key in kalshi["keys"]),
    }


def _populate(admin: httpx.Client) -> None:
    assert admin.post("/accounts", json={"user_id": "alice", "balance_cents": BALANCE_CENTS}).status_code == 200
    for _ in range(3):
        assert admin.post("/fills", json=FILL).status_code == 200


def _state_lines(served: Served) -> list[str]:
    return [line for line in served.err if "state.db" in line]


# -- class 5: a command that cannot be written never runs -------------------------------------------------------------


def test_a_command_the_full_disk_refuses_never_runs_and_a_restart_holds_every_acknowledged_one(tmp_path: Path) -> None:
    state, keys = tmp_path / "state.db", tmp_path / "keys"
    with serving(keys, "--state", str(state)) as served:
        admin = _admin(served)
        _populate(admin)
        admin.post("/keys", json={"user_id": "alice"})
        before = _alice(admin)
        with disk_full(served.proc.pid):
            refused = [admin.post(path, json=body) for path, body in REFUSED]
            assert _alice(admin) == before  # no fill, key, id or cent moved
        assert [answer.status_code for answer in refused] == [507] * len(REFUSED)
        assert all(a.json()["error"].startswith("the command did not run, as it could not be kept: ") for a in refused)
        after = [admin.post("/fills", json=FILL).json()["fill_id"] for _ in range(2)]
        acknowledged = _alice(admin)
        assert acknowledged["fills"][:2] == after[::-1] and acknowledged["fills"][2:] == before["fills"]
        served.proc.kill()  # SIGKILL: no snapshot; the restart runs every command again
        served.proc.wait()
    with serving(keys, "--state", str(state)) as again:
        assert _alice(_admin(again)) == acknowledged  # the same fills with the same ids, the same keys and cents


# -- class 2: an observer's failure never fails an answer --------------------------------------------------------------


def _venue_answers(served: Served, credentials: dict) -> list[tuple[int, str]]:
    """A Kalshi read without a key (401), Deribit's time, a grant of tokens and a private call with it."""
    client = httpx.Client(base_url=served.base_url, timeout=10)
    answers = [(client.get("/trade-api/v2/portfolio/balance").status_code, "kalshi")]

    def rpc(method: str, params: dict, token: str | None = None) -> dict:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
        answer = client.post(f"/api/v2/{method}", json=body, headers=headers)
        answers.append((answer.status_code, method))
        return answer.json()

    rpc("public/get_time", {})
    granted = rpc("public/auth", {"grant_type": "client_credentials", **credentials})["result"]
    assert (
        "size" in rpc("private/get_position", {"instrument_name": "BTC-PERPETUAL"}, granted["access_token"])["result"]
    )
    return answers


def test_the_journal_and_tokens_on_a_full_disk_change_no_answer_and_are_reported_once(tmp_path: Path) -> None:
    state = tmp_path / "state.db"
    with serving(tmp_path / "keys", "--state", str(state), "--state-journal") as served:
        admin = _admin(served)
        assert admin.post("/deribit/accounts", json={"user_id": "bob", "balances": {"BTC": "1"}}).status_code == 200
        credential = admin.post("/deribit/keys", json={"user_id": "bob"}).json()
        credentials = {k: credential[k] for k in ("client_id", "client_secret")}
        expected = _venue_answers(served, credentials)
        assert admin.get("/health").json() == {"status": "ok", "version": admin.get("/health").json()["version"]}
        with disk_full(served.proc.pid):
            for _ in range(5):
                assert _venue_answers(served, credentials) == expected
            health = admin.get("/health")
        assert health.status_code == 200
        warnings = health.json()["warnings"]
        assert [w.split(":")[0] for w in warnings] == ["request journal entries", "Deribit token changes"]
        assert all("not kept in the state file" in w and str(state) not in w for w in warnings)
        assert _venue_answers(served, credentials) == expected  # and after
        said = _state_lines(served)
        assert len(said) == 2 and all("answers go on unchanged" in line for line in said), served.err
        assert len(served.err) == len(set(served.err))


# -- class 6: damaged files are not trusted ----------------------------------------------------------------------------


def _kept(factory: pytest.TempPathFactory, killed: bool) -> tuple[Path, dict]:
    """A state file with alice's account and fills, closed by its mock (a snapshot kept) or killed (its write-ahead log
    left beside it); and what alice held."""
    folder = factory.mktemp("killed" if killed else "closed")
    with serving(folder / "keys", "--state", str(folder / "state.db")) as served:
        _populate(_admin(served))
        held = _alice(_admin(served))
        if killed:
            served.proc.kill()
            served.proc.wait()
    assert (folder / "state.db-wal").exists() == killed
    return folder / "state.db", held


@pytest.fixture(scope="module")
def closed_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    return _kept(tmp_path_factory, killed=False)


@pytest.fixture(scope="module")
def killed_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    return _kept(tmp_path_factory, killed=True)


def _copy(source: Path, folder: Path) -> Path:
    for suffix in ("", "-wal", "-mark", "-key"):
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", folder / f"state.db{suffix}")
    return folder / "state.db"


def _refused(path: Path, *options: str) -> str:
    """`serve` on the file, run in this process (its refusal comes before it serves; an interpreter for each cost
    half a second of CPU): it must answer status 2 with one line on stderr, no exception; answers the line."""
    out, err = io.StringIO(), io.StringIO()
    argv = ["serve", "--port", "0", "--state", str(path), "--key-dir", str(path.parent / "keys"), *options]
    with (
        mock.patch.object(serving_cli, "serve_forever", side_effect=AssertionError("serve took the file: it serves")),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        status = main(argv)
    assert status == 2, out.getvalue() + err.getvalue()
    assert len(err.getvalue().splitlines()) == 1, err.getvalue()
    return err.getvalue().strip()


def _flip(path: Path, at: int) -> None:
    data = bytearray(path.read_bytes())
    data[at] ^= 0x01
    path.write_bytes(bytes(data))


def test_a_damaged_snapshot_is_set_aside_with_one_warning_and_the_commands_run_again(
    closed_file: tuple[Path, dict], tmp_path: Path
) -> None:
    source, held = closed_file
    path = _copy(source, tmp_path)
    db = sqlite3.connect(path)
    blob = db.execute("SELECT state FROM snapshots").fetchone()[0]
    db.close()
    middle = blob[len(blob) // 2 : len(blob) // 2 + 64]
    _flip(path, path.read_bytes().index(middle) + 10)
    with serving(tmp_path / "keys", "--state", str(path)) as served:
        said = _state_lines(served)
        assert len(said) == 1 and "snapshot" in said[0] and "is damaged" in said[0] and "set aside" in said[0]
        assert _alice(_admin(served)) == held
        assert any("snapshot" in w for w in _admin(served).get("/health").json()["warnings"])


def test_a_changed_digit_in_a_command_stops_serve_and_recover_starts_before_it(
    closed_file: tuple[Path, dict], tmp_path: Path
) -> None:
    source, _ = closed_file
    path = _copy(source, tmp_path)
    data = path.read_bytes()
    kept = f'"balance_cents":{BALANCE_CENTS}'.encode()
    path.write_bytes(data.replace(kept, kept.replace(b"123456", b"923456")))
    line = _refused(path)
    assert "is damaged (its checksum does not match)" in line and "--state-recover starts from command #" in line
    seq = int(line.split("command #")[1].split(" ")[0])
    with serving(tmp_path / "keys", "--state", str(path), "--state-recover") as served:
        said = _state_lines(served)
        assert len(said) == 1 and f"started from command #{seq - 1}" in said[0] and "dropped" in said[0], said
        assert _admin(served).get("/accounts/alice").status_code == 404  # alice's account was that command


def test_a_command_log_cut_short_stops_serve(closed_file: tuple[Path, dict], tmp_path: Path) -> None:
    path = _copy(closed_file[0], tmp_path)
    db = sqlite3.connect(path)
    with db:
        db.execute("DELETE FROM commands WHERE seq = (SELECT max(seq) FROM commands)")
    db.close()
    line = _refused(path)
    assert "when it was last closed" in line and "the last 1 are missing" in line


def test_a_lost_write_ahead_log_stops_serve_and_recover_says_so(killed_file: tuple[Path, dict], tmp_path: Path) -> None:
    path = _copy(killed_file[0], tmp_path)
    Path(f"{path}-wal").unlink()
    assert "its write-ahead log state.db-wal is missing" in _refused(path)
    with serving(tmp_path / "keys", "--state", str(path), "--state-recover") as served:
        said = _state_lines(served)
        assert len(said) == 1 and "--state-recover" in said[0] and "is missing" in said[0], said


def test_a_damaged_write_ahead_log_stops_serve_and_recover_starts_from_what_reads(
    killed_file: tuple[Path, dict], tmp_path: Path
) -> None:
    path = _copy(killed_file[0], tmp_path)
    _flip(Path(f"{path}-wal"), 32 + 24 + 200)  # inside the first frame's page
    line = _refused(path)
    assert "the write-ahead log state.db-wal is damaged at frame 1" in line
    with serving(tmp_path / "keys", "--state", str(path), "--state-recover") as served:
        said = _state_lines(served)
        assert len(said) == 1 and "damaged at frame 1" in said[0] and "started from command #" in said[0], said
    with serving(tmp_path / "keys", "--state", str(path)) as again:
        assert _state_lines(again) == []


def _without_last_commits(log: bytes, commits: int, page_size: int = 4096) -> bytes:
    """The write-ahead log cut at the end of a whole frame, its last `commits` transactions gone: SQLite reads it as a
    shorter log, whole."""
    ends = [
        end
        for end in range(32 + 24 + page_size, len(log) + 1, 24 + page_size)
        if log[end - page_size - 20 : end - page_size - 16] != bytes(4)  # a commit frame names the database's size
    ]
    return log[: ends[-1 - commits]]


def test_a_write_ahead_log_cut_at_a_frame_stops_serve_and_recover_says_how_many_commands_were_lost(
    killed_file: tuple[Path, dict], tmp_path: Path
) -> None:
    source, held = killed_file
    path = _copy(source, tmp_path)
    log = Path(f"{path}-wal")
    log.write_bytes(_without_last_commits(log.read_bytes(), 2))  # alice's last two fills
    line = _refused(path)
    found = re.fullmatch(
        r"mockexchange: .*state\.db: (the last 2 of the (\d+) commands its mark state\.db-mark counts are missing "
        r"\(its write-ahead log state\.db-wal ends early or is damaged\)); --state-recover starts from the (\d+) "
        r"commands it holds",
        line,
    )
    assert found is not None and int(found[2]) - int(found[3]) == 2, line
    assert _refused(path) == line  # refused until told to recover
    with serving(tmp_path / "keys", "--state", str(path), "--state-recover") as served:
        (said,) = _state_lines(served)
        assert said.endswith(f"state.db: --state-recover: {found[1]}; started from command #{found[3]}"), said
        assert said.split("state.db: ")[1] in _admin(served).get("/health").json()["warnings"]
        assert _alice(_admin(served))["fills"] == held["fills"][2:]  # the first, with their ids
    with serving(tmp_path / "keys", "--state", str(path)) as again:
        assert _state_lines(again) == []
