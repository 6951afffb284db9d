"""A venue is a unit: one registration (control/registration.py's `Venue`) contributes its state, its typed command and
handler, its control-plane operation, its admin path, its scenario step and set-up section, its route, its inspector
panel, its name (which fault rules and the journal's filter take), what a state file keeps of it record by record and
its reader of a tape, and build_app, the admin API, the scenario reader, the Python API, the fault rules, the journal,
the state file, a scenario made from a tape and the inspector (its account list, its live feed, its section of the
page in Chromium) take them from it. The toy venue here
is registered in this file alone and served end to end, over real HTTP, beside the registered venues."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from test_inspector_api import Events
from test_inspector_browser import WAIT_MS, browser, open_inspector, page, select_account  # noqa: F401  (fixtures)
from test_replay import _tape

from mockexchange import MockServer
from mockexchange.admin.panels import JS, Panel
from mockexchange.cli import banner
from mockexchange.control.commands import as_is, operation
from mockexchange.control.registration import (
    Banner,
    KeptRecords,
    MockParts,
    ScenarioSetup,
    TapeSeen,
    Venue,
    VenueServed,
)
from mockexchange.core.clock import ManualClock
from mockexchange.core.commands import Command, Handlers, value
from mockexchange.core.events import Change, EventBus
from mockexchange.core.values import Integer, Text
from mockexchange.journal.entries import JournalNote
from mockexchange.journal.middleware import JOURNAL_NOTE
from mockexchange.recording.records import Record, Tape
from mockexchange.registry import VENUES, tape_readers
from mockexchange.scenario.from_tape import dumps, scenario_from_tape
from mockexchange.scenario.grammar import ScenarioGrammar
from mockexchange.scenario.model import Op
from mockexchange.scenario.scalars import command_specs
from mockexchange.scenario.schema import Reader, load_document
from mockexchange.scenario.tape_values import dated_after
from mockexchange.testing.plugin import _fail_on_invalid_requests

try:
    from playwright.sync_api import Page, expect
except ImportError:  # test_inspector_browser.py's `browser` fixture fails, saying what to install
    Page = object  # type: ignore[assignment,misc]


class Bell:
    """The toy venue's state: how often each user rang (each ring goes on the mock's bus); and the passes its route
    hands out, which are no command (a state file keeps them record by record, as Deribit's tokens): `listener` hears
    each."""

    def __init__(self, bus: EventBus) -> None:
        self.rings: dict[str, int] = {}
        self.bus = bus
        self.passes: set[str] = set()
        self.listener: Callable[[str, str, dict[str, Any] | None], None] | None = None

    def hand_out(self, name: str) -> None:
        self.passes.add(name)
        if self.listener is not None:
            self.listener("toy_pass", name, {"name": name})


@dataclass(frozen=True, slots=True)
class RingBell(Command):
    """Ring the user's bell `times` times."""

    name: ClassVar[str] = "ring_bell"
    user_id: str = value(Text(32))
    times: int = value(Integer(1, 10), 1)


def ring(bell: Bell, command: RingBell) -> dict[str, Any]:
    bell.rings[command.user_id] = bell.rings.get(command.user_id, 0) + command.times
    bell.bus.publish(Change("toy.ring", command.user_id, command.times))
    return {"user_id": command.user_id, "rings": bell.rings[command.user_id]}


class BellOperations:
    ring_bell = operation(RingBell, as_is)


def serve(control: Any, parts: MockParts) -> VenueServed:
    bell: Bell = control.bell

    async def rings(request: Request) -> JSONResponse:
        user_id = request.path_params["user_id"]
        request.scope[JOURNAL_NOTE] = JournalNote("bell.rings", None, [])  # (its operation, as a JSON-RPC method)
        return JSONResponse({"user_id": user_id, "rings": bell.rings.get(user_id, 0)})

    async def passes(request: Request) -> JSONResponse:
        if request.method == "POST":
            bell.hand_out(request.path_params["name"])
        return JSONResponse({"known": request.path_params["name"] in bell.passes})

    async def refuse(scope: Any, receive: Any, status: int, why: str, owner: str) -> Any:
        return JSONResponse({"refused": why}, status)

    owns = lambda scope: "toy" if scope["path"].startswith("/toy/") else None  # noqa: E731
    routes = [Route("/toy/bells/{user_id}", rings), Route("/toy/passes/{name}", passes, methods=["GET", "POST"])]
    return VenueServed(bell, routes, owns, refuse, key_header=b"toy-key")


class BellPanel(Panel):
    """The inspector's panel of the toy venue: its users in the account list, one user's rings, and its changes on the
    bus (`toy.` kinds) named as its users' in the live feed."""

    labels = ("toy",)
    kinds = "toy."
    assets = {"inspector-toy.js": JS}

    @classmethod
    def asset(cls, name: str) -> bytes:
        return TOY_SCRIPT  # (a venue's package would hold it in its static/ folder)

    def __init__(self, bell: Bell) -> None:
        self.bell = bell

    def accounts(self) -> tuple[dict[str, Any], bool]:
        return {"toy": [{"user_id": user, "rings": rings} for user, rings in sorted(self.bell.rings.items())]}, False

    def account(self, user_id: str, query: dict[str, Any]) -> dict[str, Any] | None:
        rings = self.bell.rings.get(user_id)
        return None if rings is None else {"rings": rings}


# The toy's section of the inspector page: its users, each with its rings, and one user's rings.
TOY_SCRIPT = b"""
"use strict";
window.inspector.venue("toy", {
  title: "Toy",
  items: (users, ui) => users.map((u) => ui.el("li", {},
    ui.accountButton("toy", u.user_id, 0, u.user_id, `${u.rings} rings`, u.user_id))),
  has: (users, selected) => users.some((u) => u.user_id === selected.user),
  query: () => "",
  detail: (user, part, ui) => [ui.fact("rings", String(part.rings), "toy-rings")],
  owner: () => null,
});
"""


def read_bells(reader: Reader, top: Mapping[str, Any]) -> list[Op]:
    """The set-up's `bells:`, each a ring made into its command when the file is read."""
    fields = command_specs(RingBell)
    return [op for node, path in reader.items(top.get("bells"), "bells") for op in
            reader.entry("bell", node, path, fields, {"bell": RingBell})]  # fmt: skip


def add_handlers(handlers: Handlers, control: Any) -> None:
    handlers.add(RingBell, lambda command: ring(control.bell, command))


def watch_passes(control: Any, keep: Callable[[str, str, dict[str, Any] | None], None]) -> None:
    control.bell.listener = keep


def restore_pass(control: Any, kind: str, name: str, record: dict[str, Any]) -> None:
    control.bell.passes.add(name)


def read_toy_tape(records: Sequence[Record], user_id: str, notes: list[str]) -> TapeSeen:
    """The toy's reader of a tape: the last read of the user's bells (`GET /toy/bells/{user}`) as the set-up's
    `bells:`, and the rings its log lists (`GET /toy/log`) after that as `ring` steps; a ring without a time, a note."""
    rings, at, log = None, "", []
    for record in records:
        if record.venue != "toy" or record.kind != "http":
            continue
        path, reply = (record.request or {})["path"], (record.response or {})["body"]["json"]
        if path.startswith("/toy/bells/"):
            rings, at = reply["rings"], record.at
        elif path == "/toy/log":
            for rung in reply["rings"]:
                if rung.get("at"):
                    log.append((rung["at"], {"ring": {"user_id": user_id, "times": rung["times"]}}))
                else:
                    notes.append(f"toy: a ring of record {record.seq} has no time; left out")
    return TapeSeen(
        rings is not None,
        at,
        lambda: ({"bells": [{"user_id": user_id, "times": rings}]}, []),
        lambda after: [step for step in log if dated_after(step[0], after)],
    )


def bells_line(where: Any, what: str, rings: int) -> str:
    return f"mockexchange: Toy bells {where.base_url}/toy/bells ({what}): {rings} rings"


# Its section of `serve`'s banner: where its bells answer, and how often they rang (the demo's: what it `made`).
TOY_BANNER = Banner(
    url=lambda where: f"{where.base_url}/toy",
    websocket=lambda where: f"{where.websocket_url}/toy/ws",
    demo=lambda where, what, portfolio, made: [bells_line(where, what, made)],
    scenario=lambda where, what, loaded, read: [bells_line(where, what, read.count("bell"))],
    restored=lambda where, what, mock, said: [bells_line(where, what, sum(mock.control.bell.rings.values())), *said],
    snippet=lambda where, made: f"curl {where.base_url}/toy/bells/alice  # {made} rings",
)

# (A file of format 2 kept a pass by its name in capitals: upgraded, each is kept by its name.)
PASSES = KeptRecords(("toy_pass",), watch_passes, restore_pass, "toy pass changes", "toy passes", str.lower)

TOY = Venue(
    name="toy",
    title="Toy",
    state=lambda parts: {"bell": Bell(parts.bus)},
    handlers=add_handlers,
    reset=lambda control: control.bell.rings.clear(),
    operations=BellOperations,
    admin={"toy/bells": "ring_bell"},
    steps={"ring": RingBell},
    setup=ScenarioSetup(("bells",), read_bells, {}, from_tape=read_toy_tape),
    serve=serve,
    panel=BellPanel,
    kept_records=PASSES,
    operation_in_body=True,
    banner=TOY_BANNER,
)


FORMAT_2 = Path(__file__).parent / "data" / "state-main-e056015.db"  # (written by main at e056015)


def rings_served(mock: MockServer, user_id: str) -> int:
    answer = httpx.get(f"{mock.base_url}/toy/bells/{user_id}", timeout=10)
    assert answer.status_code == 200
    return answer.json()["rings"]


def test_a_venue_registered_here_is_served_end_to_end(tmp_path: Path) -> None:
    state = tmp_path / "state.db"
    with MockServer(venues=(*VENUES, TOY), state=str(state)) as mock:
        assert rings_served(mock, "alice") == 0
        # the admin API's path of its operation, over HTTP, and its route answer what the command changed
        made = httpx.post(f"{mock.base_url}/_admin/toy/bells", json={"user_id": "alice", "times": 2}, timeout=10)
        assert made.status_code == 200 and made.json() == {"user_id": "alice", "rings": 2}
        assert rings_served(mock, "alice") == 2
        # its command's kinds refuse in the admin API's shape
        refused = httpx.post(f"{mock.base_url}/_admin/toy/bells", json={"user_id": "alice", "times": 11}, timeout=10)
        assert refused.status_code == 400 and "times" in refused.json()["error"]
        # the Python API's method, and a scenario's step, are the same operation
        assert mock.ring_bell("bob") == {"user_id": "bob", "rings": 1}
        scenario = {"bells": [{"user_id": "carol", "times": 2}], "steps": [{"ring": {"user_id": "bob", "times": 3}}]}
        mock.load_scenario(document=scenario, reset=False)
        assert rings_served(mock, "carol") == 2  # its set-up section, read and run
        mock.step()
        assert rings_served(mock, "bob") == 4
        # the journal names its requests by the venue, filters by its name, keeps the key its header names, and the
        # admin API's document lists its path
        assert [entry["venue"] for entry in mock.requests(operation=None)][-1:] == ["toy"]
        httpx.get(f"{mock.base_url}/toy/bells/alice", headers={"toy-key": "k-alice"}, timeout=10)
        toy = mock.requests(venue="toy")
        assert {entry["venue"] for entry in toy} == {"toy"} and toy[-1]["key_id"] == "k-alice"
        assert all(entry["venue"] != "toy" for entry in mock.requests(venue="kalshi"))
        described = httpx.get(f"{mock.base_url}/_admin/openapi.json", timeout=10).json()
        assert "/_admin/toy/bells" in described["paths"]
        # the Kalshi venue still serves beside it
        assert httpx.get(f"{mock.kalshi_url}/exchange/status", timeout=10).status_code == 200
    # the state file kept its commands: a restart answers the same
    with MockServer(venues=(*VENUES, TOY), state=str(state)) as again:
        assert rings_served(again, "alice") == 2 and rings_served(again, "bob") == 4


def test_the_journal_describes_its_requests_as_its_registration_says() -> None:
    with MockServer(venues=(*VENUES, TOY)) as mock:
        httpx.get(f"{mock.base_url}/toy/bells/alice", timeout=10)
        httpx.get(f"{mock.base_url}/toy/nowhere", timeout=10)  # no route answers it: invalid
        httpx.get(f"{mock.kalshi_url}/exchange/status", timeout=10)
        entries = mock.app.journal.entries()
        # its operation is in the line (its requests name it in their body, its registration says), Kalshi's is not
        assert [entry.describe() for entry in entries] == [
            "GET /toy/bells/alice bell.rings -> 200",
            "GET /toy/nowhere -> 404",
            "GET /trade-api/v2/exchange/status -> 200",
        ]
        # its routes judge its requests (it has no journal judge): the strict plugin's failure says the venue may
        with pytest.raises(pytest.fail.Exception, match=r"1 request\(s\) the schema or the venue does not allow"):
            _fail_on_invalid_requests(mock)
    # a venue whose requests a journal judge judges (against its schema, as Kalshi's) is said to be the schema's
    judged = replace(TOY, serve=lambda control, parts: replace(serve(control, parts), judge=judge_by_slice))
    with MockServer(venues=(*VENUES, judged)) as mock:
        httpx.get(f"{mock.base_url}/toy/nowhere", timeout=10)
        with pytest.raises(pytest.fail.Exception, match=r"1 request\(s\) the schema does not allow"):
            _fail_on_invalid_requests(mock)


def judge_by_slice(entry: Any) -> tuple[str | None, list[Any]]:
    """A toy journal judge: a path its slice does not have."""
    known = entry.path.startswith("/toy/bells/")
    return None, [] if known else [{"rule": "operation.unknown", "detail": entry.path}]


def test_serve_banners_carry_its_section_after_the_registered_venues(tmp_path: Path) -> None:
    where = banner.Advertised("https://mock.example:9443", tmp_path)
    venues = (*VENUES, TOY)
    # the demo's: its section from what the demo made of it, the admin API, then its snippet
    assert banner.demo(where, "3.34", 7, portfolio=None, made={"toy": 3}, venues=(TOY,)) == [
        "mockexchange: Toy bells https://mock.example:9443/toy/bells (profile 3.34, seed 7): 3 rings",
        "mockexchange: admin API: https://mock.example:9443/_admin/...; inspector: https://mock.example:9443/_inspector",
        "",
        "curl https://mock.example:9443/toy/bells/alice  # 3 rings",
    ]
    # a scenario's: after Kalshi's section (and Deribit's, when the scenario holds an account of it)
    read = load_document({"bells": [{"user_id": "carol", "times": 2}]}, grammar=ScenarioGrammar.of(venues))
    with MockServer(venues=venues, state=str(tmp_path / "state.db")) as mock:
        loaded = mock.app.scenarios.load(read, run=True)
    lines = banner.scenario(where, "3.34", "scenario 'x'", loaded, read, "ran at load", venues=venues)
    toy = lines.index(
        "mockexchange: Toy bells https://mock.example:9443/toy/bells (profile 3.34, scenario 'x'): 1 rings"
    )
    assert lines[toy - 1].startswith("  websocket: wss://mock.example:9443/trade-api/ws/v2")
    assert not any("Deribit" in line for line in lines)  # it holds no Deribit account
    assert lines[toy + 1].startswith("mockexchange: timeline: 0 steps")
    # a restored mock's: the state file's lines go in the first venue's section, its own after Deribit's
    with MockServer(venues=venues, state=str(tmp_path / "state.db")) as again:
        lines = banner.restored(where, again.app, None, venues=venues)
    assert lines[-2:] == [
        "mockexchange: Toy bells https://mock.example:9443/toy/bells (profile 3.34): 2 rings",
        "mockexchange: admin API: https://mock.example:9443/_admin/...; inspector: https://mock.example:9443/_inspector",
    ]
    assert lines[2].startswith("  state restored from ") and lines[-6].startswith("  SignalPlus gateway: ")
    assert lines[-5].startswith("mockexchange: Kalshi perps API ") and lines[-3] == "  0 markets, 0 resting orders"
    # a replay's: what the tape holds of it, where it answers
    with MockServer(venues=venues, replay=str(_tape(tmp_path / "t.tape"))) as replaying:
        assert replaying.app.replay is not None
        lines = banner.replay(where, replaying.app.replay, "the demo portfolio", venues=venues)
    assert lines[4] == (
        "  Toy API https://mock.example:9443/toy (websocket wss://mock.example:9443/toy/ws): 0 HTTP exchanges of "
        "0 requests, 0 websockets"
    )
    assert lines[1].startswith("  Kalshi API ") and lines[2].startswith("  Deribit API ")
    assert lines[3].startswith("  Kalshi perps API ")


def test_its_panel_shows_on_the_inspector() -> None:
    with MockServer(venues=(*VENUES, TOY)) as mock:
        events = Events(mock)
        try:
            events.wait_for("hello")
            mock.ring_bell("alice", 2)
            # the live feed names the user whose account its change moved, as the venue's, beside the others'
            state = events.wait_for("state", lambda d: d["users"] is not None and d["users"].get("toy") == ["alice"])
            assert state["users"] == {"kalshi": [], "deribit": [], "perps": [], "toy": ["alice"]}
        finally:
            events.close()
        # its part of the account list, and of one account
        listed = httpx.get(f"{mock.base_url}/_admin/accounts", timeout=10).json()
        assert listed["toy"] == [{"user_id": "alice", "rings": 2}] and "kalshi" in listed
        assert httpx.get(f"{mock.base_url}/_admin/accounts/alice", timeout=10).json()["toy"] == {"rings": 2}
        unknown = httpx.get(f"{mock.base_url}/_admin/accounts/nobody", timeout=10)
        assert unknown.status_code == 404
        assert "no Kalshi or Deribit or Kalshi perps or Toy account" in unknown.json()["error"]


def test_what_the_state_file_keeps_of_the_venue_record_by_record_survives_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "state.db"
    with MockServer(venues=(*VENUES, TOY), state=str(state)) as mock:
        assert httpx.post(f"{mock.base_url}/toy/passes/gold", timeout=10).json() == {"known": True}
        # Deribit's tokens share the file's rows of such records: neither venue's takes the other's, nor clears them
        mock.reset_deribit()  # (every Deribit token forgotten)
        mock.create_deribit_account("d1")
        key = mock.create_deribit_key("d1")
        grant = {
            "grant_type": "client_credentials",
            "client_id": key["client_id"],
            "client_secret": key["client_secret"],
        }
        token = httpx.get(f"{mock.deribit_url}/api/v2/public/auth", params=grant, timeout=10).json()["result"][
            "access_token"
        ]
    with MockServer(venues=(*VENUES, TOY), state=str(state)) as again:
        assert httpx.get(f"{again.base_url}/toy/passes/gold", timeout=10).json() == {"known": True}
        assert httpx.get(f"{again.base_url}/toy/passes/lead", timeout=10).json() == {"known": False}
        bearer = {"Authorization": f"Bearer {token}"}
        answer = httpx.get(
            f"{again.deribit_url}/api/v2/private/get_account_summary", params={"currency": "BTC"}, headers=bearer
        )
        assert answer.status_code == 200, answer.text


def _read(seq: int, venue: str, at: str, path: str, reply: Any) -> Record:
    request = {"method": "GET", "path": path, "query": "", "headers": {}, "body": None}
    return Record(seq, "http", venue, at, request=request, response={"status": 200, "body": {"json": reply}})


def test_a_scenario_made_from_a_tape_holds_what_its_reader_saw(tmp_path: Path) -> None:
    log = {"rings": [{"at": "2026-11-24T10:00:01Z", "times": 1}, {"at": "2026-11-24T10:01:05Z", "times": 2}, {}]}
    records = (
        _read(1, "kalshi", "2026-11-24T10:00:00.000Z", "/trade-api/v2/portfolio/balance", {"balance": 500}),
        _read(2, "toy", "2026-11-24T10:00:05.000Z", "/toy/bells/alice", {"rings": 3}),
        _read(3, "toy", "2026-11-24T10:09:00.000Z", "/toy/log", log),
    )
    readers = tape_readers((*VENUES, TOY))
    converted = scenario_from_tape(Tape({"toy": "http://toy.test"}, records), readers, user_id="alice")
    document = converted.document
    # its section beside Kalshi's, the scenario starting at the last read of either, its later rings as steps
    assert list(document) == ["description", "settings", "users", "positions", "bells", "steps"]
    assert document["settings"] == {"start": "2026-11-24T10:00:05Z"} and document["bells"] == [
        {"user_id": "alice", "times": 3}
    ]
    assert document["steps"] == [
        {"deposit": {"user_id": "alice", "amount_cents": 500}},
        {"wait": 60.0},
        {"ring": {"user_id": "alice", "times": 2}},
    ]
    assert converted.notes == ["toy: a ring of record 3 has no time; left out"]
    scenario = tmp_path / "s.yaml"
    scenario.write_text(dumps(document))
    with MockServer(venues=(*VENUES, TOY), clock=ManualClock()) as mock:
        mock.load_scenario(path=str(scenario), run=True)
        assert rings_served(mock, "alice") == 5
    # a tape of its reads alone: the scenario holds its part and no other venue's empty account
    alone = scenario_from_tape(Tape({}, records[1:]), readers, user_id="alice")
    assert "users" not in alone.document and alone.document["bells"] == [{"user_id": "alice", "times": 3}]
    # the registered venues' readers alone leave it out
    assert "bells" not in scenario_from_tape(Tape({}, records), tape_readers(VENUES)).document


def test_a_file_of_an_older_format_keeps_its_records_as_the_venue_upgrades_them(tmp_path: Path) -> None:
    """A file of format 2 (tests/data's, Deribit's tokens kept in clear) holding a toy pass as that format kept it: on
    opening, each venue's records are upgraded by its own registration (Deribit's tokens to their digests)."""
    state = tmp_path / "state.db"
    state.write_bytes(FORMAT_2.read_bytes())
    with contextlib.closing(sqlite3.connect(state)) as db, db:
        db.execute("INSERT INTO tokens (kind, token, record) VALUES ('toy_pass', 'GOLD', '{}')")
    with MockServer(venues=(*VENUES, TOY), state=str(state), seed=25) as mock:
        assert httpx.get(f"{mock.base_url}/toy/passes/gold", timeout=10).json() == {"known": True}
    with contextlib.closing(sqlite3.connect(state)) as db:
        kept = dict(db.execute("SELECT kind, digest FROM tokens WHERE kind IN ('toy_pass', 'access')").fetchall())
    assert kept["toy_pass"] == "gold" and len(kept["access"]) == 64  # (a token's digest: SHA-256 in hex)


def test_a_fault_rule_names_the_venue_by_its_registration() -> None:
    with MockServer(venues=(*VENUES, TOY)) as mock:
        # a rule of the toy venue alone fires on its route, answered in its shape, and not on another venue's
        added = httpx.post(f"{mock.base_url}/_admin/faults", json={"path": "/", "venue": "toy", "status": 503})
        assert added.status_code == 200 and added.json()["venue"] == "toy"
        faulted = httpx.get(f"{mock.base_url}/toy/bells/alice", timeout=10)
        assert faulted.status_code == 503 and "fault rule 1" in faulted.json()["refused"]
        assert httpx.get(f"{mock.kalshi_url}/exchange/status", timeout=10).status_code == 200
        assert mock.faults()["faults"][0]["fired"] == 1
        # it has no channel a rule may delay; a close of its connections is taken, and the refusals list it
        with pytest.raises(ValueError, match="the venue 'toy' has no channel"):
            mock.add_fault(channel="fill", venue="toy", delay_ms=5)
        assert mock.close_websockets(4001, user_id="alice", venue="toy") == {"closed": 0}
        with pytest.raises(ValueError, match="venue must be one of 'kalshi', 'deribit', 'perps', 'toy', not 'bell'"):
            mock.add_fault(path="/", venue="bell", status=503)
        # a scenario's fault step takes it too
        mock.load_scenario(document={"steps": [{"fault": {"path": "/toy/", "venue": "toy", "drop": True}}]})
        mock.step()
        assert [rule["venue"] for rule in mock.faults()["faults"]] == ["toy"]


def test_without_its_registration_the_venue_is_not_served() -> None:
    with MockServer() as mock:
        assert httpx.get(f"{mock.base_url}/toy/bells/alice", timeout=10).status_code == 404
        assert httpx.post(f"{mock.base_url}/_admin/toy/bells", json={"user_id": "a"}, timeout=10).status_code == 404
        with pytest.raises(AttributeError):
            mock.ring_bell("alice")
        # nor may a fault rule, a websocket close or a scenario name it
        with pytest.raises(ValueError, match="venue must be one of 'kalshi', 'deribit', 'perps', not 'toy'"):
            mock.add_fault(path="/toy/", venue="toy", status=503)
        with pytest.raises(ValueError, match="venue must be one of 'kalshi', 'deribit', 'perps', not 'toy'"):
            mock.close_websockets(4001, user_id="alice", venue="toy")
        with pytest.raises(ValueError, match="venue: must be one of 'kalshi', 'deribit', 'perps', not 'toy'"):
            mock.load_scenario(document={"steps": [{"fault": {"path": "/toy/", "venue": "toy", "drop": True}}]})


def test_two_venues_naming_one_thing_are_refused() -> None:
    clash = Venue(name="clash", title="Clash", state=lambda parts: {"ledger": object()})
    with pytest.raises(ValueError, match="ledger"):
        MockServer(venues=(*VENUES, clash))
    other = Venue(name="other", title="Other", state=lambda parts: {}, steps={"ring": RingBell})
    with pytest.raises(ValueError, match="ring"):
        MockServer(venues=(*VENUES, TOY, other))


# Last in the module: the browser (a module fixture) is closed in its teardown, its cost its own.
@pytest.mark.slow  # a browser: conftest.py's inner loop leaves it out
def test_its_section_shows_on_the_inspector_page(page: Page) -> None:  # noqa: F811
    with MockServer(venues=(*VENUES, TOY)) as mock:
        mock.ring_bell("alice", 2)
        open_inspector(page, mock)
        expect(page.locator("#toy-accounts")).to_have_attribute("aria-label", "Toy accounts")
        expect(page.locator('[data-key="toy:0:alice"]')).to_contain_text("2 rings")
        select_account(page, "toy:0:alice")
        expect(page.locator("#toy-rings")).to_have_text("2")
        mock.ring_bell("alice", 3)  # the live feed names alice as the toy's: the page reads her again
        expect(page.locator("#toy-rings")).to_have_text("5")
        expect(page.locator('[data-key="toy:0:alice"]')).to_contain_text("5 rings")
        expect(page.locator("#filter-venue option")).to_have_text(
            ["all", "kalshi", "deribit", "signalplus", "perps", "toy"]
        )
        page.goto("about:blank")  # the page leaves before the mock stops: its live feed would fail to reconnect
