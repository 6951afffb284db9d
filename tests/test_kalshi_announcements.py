"""The exchange's announcements (docs/kalshi.md, "Exchange announcements"): the legacy profile's `GET
/exchange/announcements` over real HTTP lists what the admin API set once its delivery time is reached, the latest
delivered first, an announcement set again under its id replaced whole; 3.34 serves no such route; the admin API
refuses what Kalshi's `Announcement` cannot hold and keeps nothing of it; the mock's bound; a reset; a state file's
restart and a scenario's set-up section and steps."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from module_mocks import fresh, module_http, module_mock
from state_sql import sql

from mockexchange.app import MockApp, build_app
from mockexchange.control.errors import ControlError
from mockexchange.core.clock import ManualClock
from mockexchange.core.kalshi import announcements
from mockexchange.server import MockServer
from mockexchange.settings import Settings
from mockexchange.testing.in_process import InProcess

T0 = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
PATH = "/trade-api/v2/exchange/announcements"

server_fixture = module_mock("server", T0, wall_clock=ManualClock(T0), profile="legacy")
modern_fixture = module_mock("modern", T0)

http_fixture = module_http()


@pytest.fixture
def mock(server: MockServer) -> MockServer:
    return fresh(server, T0)


def admin(http: httpx.Client, path: str, body: dict[str, Any]) -> httpx.Response:
    return http.post(f"/_admin/{path}", content=json.dumps(body), headers={"Content-Type": "application/json"})


def announce(http: httpx.Client, **body: Any) -> dict[str, Any]:
    answer = admin(http, "announcements", body)
    assert answer.status_code == 200, answer.text
    return answer.json()


def listed(http: httpx.Client) -> list[dict[str, Any]]:
    answer = http.get(PATH)
    assert answer.status_code == 200, answer.text
    return answer.json()["announcements"]


def test_the_list_shows_what_was_delivered_latest_first(mock: MockServer, http: httpx.Client) -> None:
    set_up = announce(http, message="Maintenance tonight at 03:00 ET", type="warning")
    assert set_up["delivery_time"] == T0.isoformat() and set_up["status"] == "active"  # (not given: now)
    announce(http, message="New tick sizes", delivery_time="2026-11-01T09:30:00Z")
    later = announce(http, message="Trading resumes", type="info", delivery_time="2026-11-02T16:00:00Z")
    assert listed(http) == [
        {"type": "warning", "message": "Maintenance tonight at 03:00 ET",
         "delivery_time": "2026-11-02T15:00:00.000000Z", "status": "active"},
        {"type": "info", "message": "New tick sizes", "delivery_time": "2026-11-01T09:30:00.000000Z",
         "status": "active"},
    ]  # fmt: skip
    # its delivery time reached on the exchange clock, the later one leads
    assert admin(http, "clock", {"to": "2026-11-02T16:00:00Z"}).status_code == 200
    assert [a["message"] for a in listed(http)] == ["Trading resumes", "Maintenance tonight at 03:00 ET",
                                                    "New tick sizes"]  # fmt: skip
    # set again under its id: replaced whole, and in its new place
    announce(http, announcement_id=later["announcement_id"], message="Withdrawn", type="error", status="inactive",
             delivery_time="2026-10-31T00:00:00Z")  # fmt: skip
    shown = listed(http)
    assert [(a["message"], a["type"], a["status"]) for a in shown] == [
        ("Maintenance tonight at 03:00 ET", "warning", "active"), ("New tick sizes", "info", "active"),
        ("Withdrawn", "error", "inactive")]  # fmt: skip
    assert shown[-1]["delivery_time"] == "2026-10-31T00:00:00.000000Z"
    mock.reset()


def test_an_announcement_is_listed_from_the_microsecond_of_its_delivery(mock: MockServer, http: httpx.Client) -> None:
    announce(http, message="On the dot", delivery_time="2026-11-02T15:00:00.000001Z")
    assert listed(http) == []  # (a microsecond early)
    assert admin(http, "clock", {"to": "2026-11-02T15:00:00.000001Z"}).status_code == 200
    assert [a["message"] for a in listed(http)] == ["On the dot"]
    mock.reset()
    assert listed(http) == []
    for message in ("first", "second", "third"):  # one delivery time: the one set last leads
        announce(http, message=message)
    assert [a["message"] for a in listed(http)] == ["third", "second", "first"]


def test_the_read_is_public_and_3_34_serves_no_such_route(
    mock: MockServer, http: httpx.Client, modern: MockServer
) -> None:
    announce(http, message="Hello")
    answer = http.get(PATH, headers={"KALSHI-ACCESS-KEY": "nobody"})  # (no signature asked: public)
    assert answer.status_code == 200 and len(answer.json()["announcements"]) == 1
    modern.set_announcement("Hello")  # (the control plane keeps it; the 3.34 profile has no route to read it)
    gone = httpx.get(modern.base_url + PATH)
    assert (gone.status_code, gone.json()) == (404, {"error": {"code": "not_found", "message": "not found"}})


@pytest.mark.parametrize(
    "body, words",
    [
        ({"message": "x", "type": "notice"}, "type must be one of 'info', 'warning', 'error'"),
        ({"message": "x", "status": "archived"}, "status must be one of 'active', 'inactive'"),
        ({"message": ""}, "message must be a non-empty string"),
        ({"message": "x" * 4097}, "message must be a non-empty string of at most 4096 characters"),
        ({"type": "info"}, "message"),
        ({"message": "x", "delivery_time": "tomorrow"}, "delivery_time"),
        ({"message": "x", "announcement_id": ""}, "announcement_id must be a non-empty string"),
        ({"message": "x", "priority": 1}, "priority"),
    ],
    ids=["type", "status", "empty", "long", "no-message", "time", "id", "unknown-field"],
)
def test_admin_refusals_keep_nothing(mock: MockServer, http: httpx.Client, body: dict[str, Any], words: str) -> None:
    answer = admin(http, "announcements", body)
    assert answer.status_code == 400, answer.text
    assert words in answer.json()["error"]
    assert listed(http) == []


def test_the_mock_keeps_a_bounded_number(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(announcements, "MAX_ANNOUNCEMENTS", 2)
    app = build_app(Settings(profile="legacy"), clock=ManualClock(T0))
    try:
        control = app.control
        hours_ago = [(T0 - timedelta(hours=n)).isoformat() for n in range(4)]
        first = control.set_announcement("one", delivery_time=hours_ago[2])
        control.set_announcement("two", delivery_time=hours_ago[1])
        with pytest.raises(ControlError, match="at most 2 announcements: set one again by its id"):
            control.set_announcement("three")
        control.set_announcement("one, corrected", announcement_id=first["announcement_id"], delivery_time=hours_ago[3])
        assert [a["message"] for a in read(app)["announcements"]] == ["two", "one, corrected"]
        assert len(app.ledger.state.announcements.order) == 2
    finally:
        app.close()


def read(app: MockApp) -> dict[str, Any]:
    with httpx.Client(transport=InProcess(app.asgi), base_url="http://127.0.0.1") as client:
        return client.get(PATH).json()


@pytest.mark.parametrize("snapshot", [True, False], ids=["from-a-snapshot", "from-the-commands"])
def test_a_state_files_restart_answers_the_same(tmp_path: Path, snapshot: bool) -> None:
    path = tmp_path / "state.db"
    app = build_app(Settings(state=str(path), profile="legacy"), clock=ManualClock(T0))
    app.control.set_announcement("kept", type="warning")
    app.control.set_announcement("later", delivery_time=(T0 + timedelta(hours=1)).isoformat())
    before = read(app)
    app.close()
    if not snapshot:
        sql(path, "DELETE FROM snapshots")
    again = build_app(Settings(state=str(path), profile="legacy"), clock=ManualClock(T0))
    try:
        assert read(again) == before and [a["message"] for a in before["announcements"]] == ["kept"]
        assert len(again.ledger.state.announcements.records) == 2  # (the later one kept, not delivered yet)
    finally:
        again.close()


SCENARIO = f"""
scenario: announced
settings: {{start: "{T0.isoformat()}"}}
announcements: [{{announcement_id: a1, message: Welcome, type: info}}]
steps:
  - wait: 60
  - announcement: {{announcement_id: a1, message: Welcome back, status: inactive}}
  - announcement: {{message: Halt, type: error}}
"""


def test_a_scenarios_set_up_and_steps_set_them_on_its_clock() -> None:
    app = build_app(Settings(profile="legacy"), clock=ManualClock(T0))
    try:
        app.scenarios.load_scenario(document=SCENARIO)
        assert [(a["message"], a["status"]) for a in read(app)["announcements"]] == [("Welcome", "active")]
        for _ in range(3):
            app.scenarios.step()
        shown = read(app)["announcements"]
        assert [(a["message"], a["type"], a["status"]) for a in shown] == [
            ("Halt", "error", "active"), ("Welcome back", "info", "inactive")]  # fmt: skip
        # (set again without a delivery time: the one it had)
        assert [a["delivery_time"] for a in shown] == ["2026-11-02T15:01:00.000000Z", "2026-11-02T15:00:00.000000Z"]
    finally:
        app.close()
