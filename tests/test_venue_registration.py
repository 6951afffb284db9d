"""A venue is a unit: one registration (control/registration.py's `Venue`) contributes its state, its typed command and
handler, its control-plane operation, its admin path, its scenario step and set-up section, its route and its
inspector panel, and build_app, the admin API, the scenario reader, the Python API, the state file and the inspector
(its account list, its live feed, its section of the page in Chromium) take them from it. The toy venue here is
registered in this file alone and served end to end, over real HTTP, beside the registered venues."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from test_inspector_api import Events
from test_inspector_browser import WAIT_MS, browser, open_inspector, page, select_account  # noqa: F401  (fixtures)

from mockexchange import MockServer
from mockexchange.admin.panels import JS, Panel
from mockexchange.control.commands import as_is, operation
from mockexchange.control.registration import MockParts, ScenarioSetup, Venue, VenueServed
from mockexchange.core.commands import Command, Handlers, value
from mockexchange.core.events import Change, EventBus
from mockexchange.core.values import Integer, Text
from mockexchange.registry import VENUES
from mockexchange.scenario.model import Op
from mockexchange.scenario.scalars import command_specs
from mockexchange.scenario.schema import Reader

try:
    from playwright.sync_api import Page, expect
except ImportError:  # test_inspector_browser.py's `browser` fixture fails, saying what to install
    Page = object  # type: ignore[assignment,misc]


class Bell:
    """The toy venue's state: how often each user rang; each ring goes on the mock's bus."""

    def __init__(self, bus: EventBus) -> None:
        self.rings: dict[str, int] = {}
        self.bus = bus


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
        return JSONResponse({"user_id": user_id, "rings": bell.rings.get(user_id, 0)})

    async def refuse(scope: Any, receive: Any, status: int, why: str, owner: str) -> Any:
        return JSONResponse({"refused": why}, status)

    owns = lambda scope: "toy" if scope["path"].startswith("/toy/") else None  # noqa: E731
    return VenueServed(bell, [Route("/toy/bells/{user_id}", rings)], owns, refuse)


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


TOY = Venue(
    name="toy",
    title="Toy",
    state=lambda parts: {"bell": Bell(parts.bus)},
    handlers=add_handlers,
    reset=lambda control: control.bell.rings.clear(),
    operations=BellOperations,
    admin={"toy/bells": "ring_bell"},
    steps={"ring": RingBell},
    setup=ScenarioSetup(("bells",), read_bells, {}),
    serve=serve,
    panel=BellPanel,
)


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
        # the journal names its requests by the venue, and the admin API's document lists its path
        assert [entry["venue"] for entry in mock.requests(operation=None)][-1:] == ["toy"]
        described = httpx.get(f"{mock.base_url}/_admin/openapi.json", timeout=10).json()
        assert "/_admin/toy/bells" in described["paths"]
        # the Kalshi venue still serves beside it
        assert httpx.get(f"{mock.kalshi_url}/exchange/status", timeout=10).status_code == 200
    # the state file kept its commands: a restart answers the same
    with MockServer(venues=(*VENUES, TOY), state=str(state)) as again:
        assert rings_served(again, "alice") == 2 and rings_served(again, "bob") == 4


def test_its_panel_shows_on_the_inspector() -> None:
    with MockServer(venues=(*VENUES, TOY)) as mock:
        events = Events(mock)
        try:
            events.wait_for("hello")
            mock.ring_bell("alice", 2)
            # the live feed names the user whose account its change moved, as the venue's, beside the others'
            state = events.wait_for("state", lambda d: d["users"] is not None and d["users"].get("toy") == ["alice"])
            assert state["users"] == {"kalshi": [], "deribit": [], "toy": ["alice"]}
        finally:
            events.close()
        # its part of the account list, and of one account
        listed = httpx.get(f"{mock.base_url}/_admin/accounts", timeout=10).json()
        assert listed["toy"] == [{"user_id": "alice", "rings": 2}] and "kalshi" in listed
        assert httpx.get(f"{mock.base_url}/_admin/accounts/alice", timeout=10).json()["toy"] == {"rings": 2}
        unknown = httpx.get(f"{mock.base_url}/_admin/accounts/nobody", timeout=10)
        assert unknown.status_code == 404 and "no Kalshi or Deribit or Toy account" in unknown.json()["error"]


def test_without_its_registration_the_venue_is_not_served() -> None:
    with MockServer() as mock:
        assert httpx.get(f"{mock.base_url}/toy/bells/alice", timeout=10).status_code == 404
        assert httpx.post(f"{mock.base_url}/_admin/toy/bells", json={"user_id": "a"}, timeout=10).status_code == 404
        with pytest.raises(AttributeError):
            mock.ring_bell("alice")


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
        expect(page.locator("#filter-venue option")).to_have_text(["all", "kalshi", "deribit", "signalplus", "toy"])
