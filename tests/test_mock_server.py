"""`MockServer` is its own small object: the app and a thread runner, whose control plane is the app's one `Control`.
Every method docs/python-api.md names is the server's, with the arguments it documents; an operation reached on the
server is the app's control plane's (one state, one recorder), and `dir` lists them."""

from __future__ import annotations

import gc
import inspect
import itertools
import re
import weakref
from pathlib import Path

import plain_http
import pytest

from mockexchange.server import MockServer

DOC = Path(__file__).resolve().parent.parent / "docs" / "python-api.md"


def documented_methods() -> dict[str, list[str]]:
    """Each method of the doc's method table: its name and the arguments it shows, by name."""
    lines = DOC.read_text(encoding="utf-8").splitlines()
    rows = itertools.takewhile(lambda line: line.startswith("|"), lines[lines.index("| method | |") + 2 :])
    found: dict[str, list[str]] = {}
    for row in rows:
        for name, arguments in re.findall(r"`(\w+)\(([^`]*)\)`", row.split("|")[1]):
            named = [a.split("=")[0].strip() for a in arguments.split(",")]
            found[name] = [a for a in named if a and not a.startswith("*") and a != "..."]  # (`**fields`: any field)
    return found


@pytest.fixture(scope="module")
def mock():
    served = MockServer()  # never started: the methods are there before it serves
    yield served
    served.stop()


def test_every_documented_method_is_the_servers_with_its_arguments(mock):
    documented = documented_methods()
    assert len(documented) > 60, "the doc's method table was not found whole"
    for name, arguments in documented.items():
        method = getattr(mock, name)
        assert callable(method), name
        parameters = inspect.signature(method).parameters
        if any(p.kind is p.VAR_KEYWORD for p in parameters.values()):  # `requests(**filters)`: the journal's filters
            continue
        assert [a for a in arguments if a not in parameters] == [], name


def test_an_operation_on_the_server_is_the_apps_control_planes(mock):
    control = mock.app.control
    assert mock.create_account.__self__ is control and mock.recorder is control.recorder
    mock.create_account("alice", balance_cents=1_234)
    assert "alice" in mock.app.ledger.state.accounts and mock.ledger is mock.app.ledger


def test_dir_lists_the_control_planes_operations_and_an_unknown_name_is_refused(mock):
    listed = set(dir(mock))
    assert {name for name in dir(mock.app.control) if not name.startswith("_")} <= listed
    assert {"start", "stop", "requests", "clear_requests", "load_scenario", "kalshi_url"} <= listed
    with pytest.raises(AttributeError, match="'MockServer' object has no attribute 'no_such_operation'"):
        _ = mock.no_such_operation


def test_a_stopped_mock_is_freed_with_its_state() -> None:
    # Each app's operations are described through caches the process keeps; none may hold the app (a suite, or a
    # user's fixtures, build thousands of mocks).
    with MockServer() as served:
        served.create_account("alice", balance_cents=100)
        assert plain_http.get(f"{served.base_url}/_admin/openapi.json", timeout=10).status_code == 200
        scenario = {"document": "scenario: empty\nsteps: []\n"}
        assert plain_http.post(f"{served.base_url}/_admin/scenario", json=scenario, timeout=10).status_code == 200
        control = weakref.ref(served.app.control)
    del served
    gc.collect()
    assert control() is None
