"""Assembles one mock from the registered venues (mockexchange/registry/): their state and control plane, what each
serves, the admin API and the inspector, the journal and the fault rules, in one Starlette app."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import Scope

from mockexchange.admin import routes as admin_routes
from mockexchange.admin.frames import FrameTap
from mockexchange.admin.routes import AdminDoor
from mockexchange.admin.views import Views
from mockexchange.control import Control
from mockexchange.control.registration import Venue, VenueServed
from mockexchange.core.clock import Clock, SystemClock
from mockexchange.core.connections import LiveConnections
from mockexchange.core.faults import FaultRules
from mockexchange.core.rate_limits import RateLimits
from mockexchange.journal.journal import Journal
from mockexchange.journal.middleware import JournalMiddleware, client_gone
from mockexchange.registry import VENUES, journal_names, journal_venues, mock_parts, proxied
from mockexchange.replay.player import Refusals, ReplayMiddleware
from mockexchange.replay.reel import Reel
from mockexchange.replay.reel import load as load_tape
from mockexchange.scenario.grammar import ScenarioGrammar
from mockexchange.scenario.operations import Scenarios
from mockexchange.settings import Settings
from mockexchange.state import Persistence
from mockexchange.venues.faults import FaultMiddleware
from mockexchange.web.answers import DIAGNOSIS_HEADER, header_safe, json_line_response, json_response
from mockexchange.web.routing import IndexedRouter, keep_contexts


@dataclass(slots=True)
class MockApp:
    settings: Settings
    control: Control  # the operations, and every venue's state (`app.control.ledger`; `app.ledger` reads it too)
    scenarios: Scenarios
    asgi: Starlette
    journal: Journal  # every request the venues received (the admin API's are not)
    served: dict[str, VenueServed] = field(default_factory=dict)  # what each venue serves, by its name
    persistence: Persistence | None = None  # the state file (Settings.state), if any
    views: Views | None = None  # the inspector's reads and live feed (None: no admin API)
    replay: Reel | None = None  # the tape the venues' paths answer from (Settings.replay), if any

    @property
    def rate_limits(self) -> RateLimits:
        return self.control.rate_limiter  # the venues' per-user buckets under Settings.rate_limit_tier

    @property
    def faults(self) -> FaultRules:
        return self.control.fault_rules  # the fault rules the venues obey (docs/misbehaving.md)

    @property
    def connections(self) -> LiveConnections:
        return self.control.connections  # every venue's open websockets

    def __getattr__(self, name: str) -> Any:
        # A venue's context by its name (`app.kalshi`, `app.deribit`), or a venue's state (`app.ledger`,
        # `app.exchange`).
        served = self.served if not name.startswith("__") else {}
        if name in served:
            return served[name].context
        return getattr(self.control, name)

    def close(self) -> None:
        """Close the state file, if any (what it holds is already safe; closing folds its log into it)."""
        if self.persistence is not None:
            self.persistence.close()


def _admin(request: Request) -> bool:
    path = request.scope["path"]
    return path == admin_routes.ADMIN_PREFIX or path.startswith(admin_routes.ADMIN_PREFIX + "/")


async def _not_found(request: Request, exc: Exception) -> Response:
    # Under /_admin, the admin API's one line; elsewhere Kalshi's shape for an unknown route. Either way the mock says
    # it does not serve it.
    unserved = f"the mock does not serve {request.method} {request.scope['path']}"
    headers = {DIAGNOSIS_HEADER: header_safe(unserved)}
    if _admin(request):
        return json_line_response({"error": unserved}, 404, headers)
    return json_response({"error": {"code": "not_found", "message": "not found"}}, 404, headers)


async def _method_not_allowed(request: Request, exc: Exception) -> Response:
    # Starlette's exception carries the `Allow` header RFC 9110 requires on a 405; keep it.
    headers = dict(getattr(exc, "headers", None) or {})
    if _admin(request):
        # Starlette joins the Allow header from a set: its order changes from process to process; the line sorts it.
        allowed = ", ".join(sorted(filter(None, (headers.get("allow") or headers.get("Allow") or "").split(", "))))
        body: dict[str, Any] = {
            "error": f"{request.method} is not allowed on {request.scope['path']} (allowed: {allowed})"
        }
        return json_line_response(body, 405, headers)
    return json_response({"error": {"code": "method_not_allowed", "message": "method not allowed"}}, 405, headers)


def _doors(served: dict[str, VenueServed]) -> list[tuple[str, VenueServed]]:
    """Each venue and what it serves, in the order a request's owner is asked: the last registered first, as a venue
    may serve paths under an earlier one's (Kalshi's perps under Kalshi's /trade-api/)."""
    return list(served.items())[::-1]


def _venue_of(served: dict[str, VenueServed]) -> Callable[[Scope], str | None]:
    """Which venue's journal entry a request is (None: not journaled, e.g. the admin API)."""
    owners = [door.owns for _, door in _doors(served)]

    def venue_of(scope: Scope) -> str | None:
        for owns in owners:
            if (found := owns(scope)) is not None:
                return found
        return None

    return venue_of


def _contexts(served: dict[str, VenueServed]) -> dict[type, Any]:
    """Each venue's context by its type: what the routes a process shares find this mock's parts by
    (web/routing.py's `context_of`)."""
    contexts = {type(door.context): door.context for door in served.values()}
    if len(contexts) != len(served):
        raise ValueError("two venues serve with contexts of one type: a shared route could not tell them apart")
    return contexts


def _key_headers(venues: Sequence[Venue], served: dict[str, VenueServed]) -> dict[str, bytes]:
    """The header each venue's requests name their key in, by each name the journal gives them."""
    names = journal_names(venues)
    headers = {name: served[venue.name].key_header for name, venue in names.items() if venue.name in served}
    return {name: header for name, header in headers.items() if header is not None}


def _state_file(settings: Settings, venues: Sequence[Venue]) -> Persistence | None:
    """The state file the settings name, opened for these venues (None: the mock keeps no state file)."""
    if settings.state is None:
        return None
    return Persistence(
        settings.state,
        synchronous=settings.state_synchronous,
        journal=settings.state_journal,
        recover=settings.state_recover,
        sealed=" or ".join(v.snapshot.sealed for v in venues if v.snapshot and v.snapshot.sealed) or "API key",
        kept=[venue.kept_records for venue in venues if venue.kept_records is not None],
    )


def _frame_tap(wall_clock: Clock, venue_of: Callable[[Scope], str | None], views: Views) -> Middleware:
    """The inspector's tap on each websocket's frames (the last of each it shows, and its connections' changes)."""
    return Middleware(
        FrameTap, clock=wall_clock, venue_of=venue_of, recording=views.recording, on_change=views.connection_changed
    )


def build_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    wall_clock: Clock | None = None,
    seed: int | None = None,
    venues: Sequence[Venue] | None = None,
) -> MockApp:
    """`clock` is exchange time (fills, positions); `wall_clock` is what request signatures are checked against;
    `venues`: the venues it serves (the registry's, mockexchange/registry/, unless given)."""
    settings = settings or Settings()
    venues = VENUES if venues is None else tuple(venues)
    # A tape to replay is read first: one that is not a tape is refused (TapeError) before a state file is opened.
    replay = None if settings.replay is None else load_tape(settings.replay, proxied(venues))
    # A state file decides the ids' seed and, unless given, the clock: its commands ran with them (StateError if the
    # file cannot be used).
    persistence = _state_file(settings, venues)
    if persistence is not None:
        seed, clock = persistence.seed(seed), persistence.clock(clock)
    wall_clock = wall_clock or SystemClock()
    journal = Journal(
        wall_clock, settings.journal_size, max_bytes=settings.journal_max_bytes, **journal_venues(venues)
    )  # fmt: skip
    parts = mock_parts(settings, venues, clock, wall_clock, seed)
    parts.journal = journal
    control = Control(venues, parts)  # every venue's state and its commands' handlers
    if persistence is None:
        for venue in venues:
            venue.fresh(control)  # Deribit's default instruments and index prices
    else:  # the same, kept as the first commands of a new file; or all the file's commands run again
        assert seed is not None
        persistence.attach(control, seed, journal=journal)
    for venue in venues:  # after a state file's commands, so what they made shows at once
        venue.configure(control, settings)
    scenarios = Scenarios(control, ScenarioGrammar.of(venues))
    served = parts.served  # (each venue's as it is made: a venue may stand on one registered before it)
    for venue in venues:
        if venue.serve is not None:
            served[venue.name] = venue.serve(control, parts)
    journal.judges = {name: door.judge for name, door in served.items() if door.judge is not None}
    route_list = [route for door in served.values() for route in door.routes]
    venue_of = _venue_of(served)
    contexts = _contexts(served)
    middleware = [Middleware(FaultMiddleware, rules=parts.faults, doors=_doors(served))]
    if journal.keeps:  # (a journal that keeps nothing records nothing: no middleware to pass through)
        journaled = Middleware(
            JournalMiddleware, journal=journal, venue_of=venue_of, key_headers=_key_headers(venues, served)
        )
        middleware.insert(0, journaled)
    views = None
    if settings.admin:
        # The inspector's reads and live feed (admin/views.py), and the last frames of each websocket it shows.
        panels = [
            venue.panel(served[venue.name].context).named(venue.name, venue.title)
            for venue in venues
            if venue.panel is not None and venue.name in served
        ]
        views = Views.of(control, scenarios, journal, panels, parts.connections)
        warnings = persistence.warnings if persistence is not None else None  # the state file's, for the health check
        admin, door = admin_routes.routes(control, scenarios, journal, settings, views, warnings=warnings)
        route_list += admin
        contexts[AdminDoor] = door
        middleware.append(_frame_tap(wall_clock, venue_of, views))
    if replay is not None:  # innermost: journaled, fault rules and the frame tap apply to what it answers
        parts.bus.subscribe(lambda _: replay.rewind(), ("reset",))  # a reset replays the tape from its start
        refusals = Refusals(wall_clock, settings.deribit_testnet, proxied(venues))
        middleware.append(Middleware(ReplayMiddleware, reel=replay, refusals=refusals))
    asgi = Starlette(
        routes=route_list,
        exception_handlers={404: _not_found, 405: _method_not_allowed, ClientDisconnect: client_gone},
        middleware=middleware,
    )
    asgi.router = IndexedRouter(route_list)  # (a path without parameters tries only its own routes: web/routing.py)
    keep_contexts(asgi, contexts)  # what the routes a process shares serve this mock's requests with
    return MockApp(
        settings, control, scenarios, asgi, journal, served=served, persistence=persistence, views=views,
        replay=replay,
    )  # fmt: skip
