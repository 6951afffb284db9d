"""`serve --scenario-dir DIR` (Settings.scenario_dirs; mockexchange/admin/paths.py) over real HTTP: a relative
`POST /_admin/scenario` path is found in DIR (in each folder given, in turn, then from the working directory), while a
path that leaves the folders (`..`, a symlink out) is still a 403 and a file missing in them a 404."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import plain_http
import pytest

from mockexchange import MockServer
from mockexchange.core.clock import ManualClock

SCENARIO = "users:\n  - user_id: {user}\n    balance_cents: 100\n"


def load(mock: MockServer, path: str) -> httpx.Response:
    return plain_http.post(f"{mock.base_url}/_admin/scenario", json={"path": path}, timeout=10)


@pytest.fixture
def folders(tmp_path: Path) -> dict[str, Path]:
    first, second, outside = tmp_path / "first", tmp_path / "second", tmp_path / "outside"
    for folder in (first, second, outside, second / "desk"):
        folder.mkdir()
    (first / "mine.yaml").write_text(SCENARIO.format(user="first"))
    (second / "mine.yaml").write_text(SCENARIO.format(user="second"))
    (second / "only-here.yaml").write_text(SCENARIO.format(user="only_here"))
    (second / "desk" / "deeper.yaml").write_text(SCENARIO.format(user="deeper"))
    (outside / "secret.yaml").write_text(SCENARIO.format(user="secret"))
    (first / "escape.yaml").symlink_to(outside / "secret.yaml")
    (first / "linked").symlink_to(outside)
    return {"first": first, "second": second, "outside": outside}


@pytest.fixture
def mock(folders: dict[str, Path]) -> Iterator[MockServer]:
    dirs = (str(folders["first"]), str(folders["second"]))
    with MockServer(clock=ManualClock(), scenario_dirs=dirs) as server:
        yield server


@pytest.mark.parametrize(
    ("path", "user"),
    [
        ("mine.yaml", "first"),  # the first folder that holds it
        ("only-here.yaml", "only_here"),  # the next folder when the first lacks it
        ("desk/deeper.yaml", "deeper"),
        ("desk/../only-here.yaml", "only_here"),  # `..` that stays inside
    ],
)
def test_a_relative_path_is_found_in_the_scenario_folders(mock: MockServer, path: str, user: str) -> None:
    r = load(mock, path)
    assert r.status_code == 200, r.text
    assert set(mock.ledger.state.accounts) == {user}
    assert r.json()["file"].endswith(path.split("/")[-1])


def test_a_relative_path_from_the_working_directory_still_loads(
    mock: MockServer, folders: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(folders["second"].parent)
    r = load(mock, "second/only-here.yaml")
    assert r.status_code == 200 and set(mock.ledger.state.accounts) == {"only_here"}, r.text


@pytest.mark.parametrize(
    "path",
    ["../outside/secret.yaml", "escape.yaml", "linked/secret.yaml", "desk/../../outside/secret.yaml"],
    ids=["dot-dot", "symlinked file", "symlinked folder", "dot-dot from a subfolder"],
)
def test_a_relative_path_that_leaves_the_folders_is_refused(mock: MockServer, path: str) -> None:
    r = load(mock, path)
    assert r.status_code == 403 and "lies outside the scenario folders" in r.json()["error"], r.text
    assert mock.ledger.state.accounts == {} and mock.scenario_status()["loaded"] is False


def test_a_file_in_none_of_the_folders_is_a_404_naming_the_first(mock: MockServer, folders: dict[str, Path]) -> None:
    r = load(mock, "nope.yaml")
    assert r.status_code == 404 and "cannot read the scenario file" in r.json()["error"], r.text
    assert str(folders["first"] / "nope.yaml") in r.json()["error"]
