"""Assembles one mock: core state, key registry, control plane and the venues' routes in one Starlette app."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import Scope

from mockexchange.admin import routes as admin_routes
from mockexchange.admin.frames import FrameTap
from mockexchange.admin.views import Views
from mockexchange.auth.deribit.authentication import DeribitAuth
from mockexchange.auth.deribit.keys import DeribitCredentialRegistry
from mockexchange.auth.deribit.signature import TimestampWindow as DeribitWindow
from mockexchange.auth.deribit.tokens import TokenStore
from mockexchange.auth.kalshi.keys import KeyRegistry
from mockexchange.auth.kalshi.replays import SeenSignatures
from mockexchange.auth.kalshi.signature import TimestampWindow, pss_salt_rule
from mockexchange.control import Control, due_timer
from mockexchange.control.venue_commands import deribit_commands, kalshi_commands
from mockexchange.core.clock import Clock, SystemClock
from mockexchange.core.connections import LiveConnections
from mockexchange.core.deribit.book import DerivativesBook
from mockexchange.core.faults import FaultRules
from mockexchange.core.ids import IdFactory
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.rate_limits import RateLimits
from mockexchange.journal.journal import Journal
from mockexchange.journal.middleware import JournalMiddleware, client_gone
from mockexchange.replay.player import Refusals, ReplayMiddleware
from mockexchange.replay.reel import Reel
from mockexchange.replay.reel import load as load_tape
from mockexchange.scenario.operations import Scenarios
from mockexchange.settings import Settings
from mockexchange.state import Persistence
from mockexchange.venues.deribit import journaling as deribit_journaling
from mockexchange.venues.deribit import routes as deribit_routes
from mockexchange.venues.deribit.context import DeribitContext
from mockexchange.venues.faults import FaultMiddleware
from mockexchange.venues.kalshi import profiles as kalshi_profiles
from mockexchange.venues.kalshi import routes as kalshi_routes
from mockexchange.venues.kalshi.context import KalshiContext
from mockexchange.venues.kalshi.generated_mode import GeneratedResponses
from mockexchange.venues.kalshi.websocket import WS_PATH
from mockexchange.web.answers import DIAGNOSIS_HEADER, header_safe, json_line_response, json_response


@dataclass(slots=True)
class MockApp:
    settings: Settings
    ledger: Ledger
    keys: KeyRegistry
    control: Control
    scenarios: Scenarios
    kalshi: KalshiContext
    asgi: Starlette
    journal: Journal  # every request the venues received (the admin API's are not)
    # Generated, parser-breaking answers instead of ledger data: the seed, the numbering, what was served.
    generated: GeneratedResponses = field(default_factory=GeneratedResponses)
    book: DerivativesBook | None = None  # Deribit's state (instruments, prices, accounts, trades)
    deribit: DeribitContext | None = None
    rate_limits: RateLimits | None = None  # the venues' per-user buckets under Settings.rate_limit_tier
    persistence: Persistence | None = None  # the state file (Settings.state), if any
    faults: FaultRules = field(default_factory=FaultRules)  # the fault rules the venues obey (docs/misbehaving.md)
    connections: LiveConnections = field(default_factory=LiveConnections)  # both venues' open websockets
    views: Views | None = None  # the inspector's reads and live feed (None: no admin API)
    replay: Reel | None = None  # the tape the venues' paths answer from (Settings.replay), if any

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


def _journal_venue(deribit: DeribitContext) -> Callable[[Scope], str | None]:
    """Which venue's journal entry a request is (None: not journaled, e.g. the admin API)."""

    def venue_of(scope: Scope) -> str | None:
        if scope["path"].startswith("/trade-api/"):
            return "kalshi"
        return deribit_journaling.venue_of(deribit, scope)

    return venue_of


def _window_ms(settings: Settings) -> int:
    """The width of Kalshi's timestamp window: how long a signature can pass, so how long a replay is remembered."""
    return int((settings.timestamp_past_s + settings.timestamp_future_s) * 1000)


def build_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    wall_clock: Clock | None = None,
    seed: int | None = None,
) -> MockApp:
    """`clock` is exchange time (fills, positions); `wall_clock` is what request signatures are checked against."""
    settings = settings or Settings()
    # A tape to replay is read first: one that is not a tape is refused (TapeError) before a state file is opened.
    replay = None if settings.replay is None else load_tape(settings.replay)
    # A state file decides the ids' seed and, unless given, the clock: its commands ran with them (StateError if the
    # file cannot be used).
    persistence = None
    if settings.state is not None:
        persistence = Persistence(
            settings.state,
            synchronous=settings.state_synchronous,
            journal=settings.state_journal,
            recover=settings.state_recover,
        )
        seed, clock = persistence.seed(seed), persistence.clock(clock)
    ledger = Ledger(clock=clock, ids=IdFactory(seed), kept_ended=settings.kalshi_ended_orders)
    # ValueError: an unknown policy. Its keys' changes go on the ledger's bus (the inspector's feed follows them).
    keys = KeyRegistry(settings.kalshi_key_policy, bus=ledger.state.bus)
    wall_clock = wall_clock or SystemClock()
    # Rate limits refill on the wall clock: a test's ManualClock refills them when it moves. ValueError: unknown tier.
    rate_limits = RateLimits(wall_clock, settings.rate_limit_tier)
    book = DerivativesBook(clock=ledger.state.clock, bus=ledger.state.bus, history_size=settings.deribit_history_size)
    deribit_keys = DeribitCredentialRegistry()
    tokens = TokenStore(wall_clock)  # clients sign with their wall clock; tokens expire on it too
    journal = Journal(wall_clock, settings.journal_size, max_bytes=settings.journal_max_bytes)
    # Fault rules (checked before any route) and the open websockets they may close, shared with the control plane.
    faults, connections = FaultRules(), LiveConnections()
    shared: dict[str, Any] = {"rate_limits": rate_limits, "faults": faults, "connections": connections}
    deribit_auth = DeribitAuth(deribit_keys, tokens, window=_deribit_window(settings))
    deribit = _deribit_context(settings, book, deribit_auth, wall_clock, shared)
    deribit.on_message = deribit_journaling.message_recorder(journal, deribit_keys.get)
    control = Control(
        ledger, keys, book, deribit_keys, tokens, rate_limiter=rate_limits, faults=faults, connections=connections
    )
    if persistence is None:
        control.reset_deribit()  # the default instruments and index prices
    else:  # the same, kept as the first command of a new file; or all the file's commands run again
        assert seed is not None
        persistence.attach(control, seed, tokens=tokens, credentials=deribit_keys, journal=journal)
    if persistence is not None and persistence.recorder is not None:
        # A transition a read finds due runs between commands, never inside one's instant (docs/persistence.md).
        ledger.state.due_guard = persistence.recorder.holding
    if isinstance(ledger.state.clock, SystemClock):
        due_timer.watch(ledger)  # markets open, close and settle when due (control/due_timer.py)
    # After a state file's commands, so what they made shows at once; the lag is a setting, not state, so a snapshot's
    # is replaced too (ControlError: a bad value).
    control.set_rest_lag(settings.rest_lag_ms)
    scenarios = Scenarios(control)
    generated = GeneratedResponses(settings.generated_responses, settings.profile)
    kalshi = _kalshi_context(settings, ledger, keys, wall_clock, journal, generated, shared)
    kalshi.commands = kalshi_commands(control)  # a client's writes, run as commands a state file keeps
    deribit.commands = deribit_commands(control)
    route_list = kalshi_routes.routes(kalshi) + deribit_routes.routes(deribit)
    middleware = [
        Middleware(JournalMiddleware, journal=journal, venue_of=_journal_venue(deribit)),
        Middleware(FaultMiddleware, rules=faults, venue_of=_journal_venue(deribit), deribit=deribit),
    ]
    views = None
    if settings.admin:
        # The inspector's reads and live feed (admin/views.py), and the last frames of each websocket it shows.
        views = Views.of(control, scenarios, journal, kalshi, deribit, connections)
        warnings = persistence.warnings if persistence is not None else None  # the state file's, for the health check
        route_list += admin_routes.routes(control, scenarios, journal, settings, views, warnings=warnings)
        tap = Middleware(
            FrameTap, clock=wall_clock, venue_of=_journal_venue(deribit), recording=views.recording,
            on_change=views.connection_changed,
        )  # fmt: skip
        middleware.append(tap)
    if replay is not None:  # innermost: journaled, fault rules and the frame tap apply to what it answers
        ledger.state.bus.subscribe(lambda _: replay.rewind(), ("reset",))  # a reset replays the tape from its start
        refusals = Refusals(wall_clock, settings.deribit_testnet)
        middleware.append(Middleware(ReplayMiddleware, reel=replay, refusals=refusals))
    asgi = Starlette(
        routes=route_list,
        exception_handlers={404: _not_found, 405: _method_not_allowed, ClientDisconnect: client_gone},
        middleware=middleware,
    )
    return MockApp(
        settings, ledger, keys, control, scenarios, kalshi, asgi, journal, generated=generated, book=book,
        deribit=deribit, rate_limits=rate_limits, persistence=persistence, faults=faults,
        connections=connections, views=views, replay=replay,
    )  # fmt: skip


def _deribit_window(settings: Settings) -> DeribitWindow:
    window_ms = settings.deribit_timestamp_window_s * 1000
    return DeribitWindow(window_ms, window_ms)


def _deribit_context(
    settings: Settings, book: DerivativesBook, auth: DeribitAuth, wall_clock: Clock, shared: dict[str, Any]
) -> DeribitContext:
    """The Deribit venue's context from the settings and what it shares with the other venue (`shared`)."""
    return DeribitContext(
        book=book,
        auth=auth,
        wall_clock=wall_clock,
        testnet=settings.deribit_testnet,
        max_body_bytes=settings.deribit_max_body_bytes,
        ws_queue_size=settings.ws_queue_size,
        ws_queue_bytes=settings.ws_queue_bytes,
        ws_max_channels=settings.ws_max_subscriptions,
        signalplus_prefix=settings.signalplus_prefix,
        **shared,
    )


def _kalshi_context(
    settings: Settings,
    ledger: Ledger,
    keys: KeyRegistry,
    wall_clock: Clock,
    journal: Journal,
    generated: GeneratedResponses,
    shared: dict[str, Any],
) -> KalshiContext:
    """The Kalshi venue's context from the settings and what it shares with the other venue (`shared`: rate limits,
    fault rules, live connections)."""
    return KalshiContext(
        ledger=ledger,
        keys=keys,
        markets=ledger.feed,  # the market data channels' feed (core/kalshi/figures.py)
        profile=kalshi_profiles.profile(settings.profile),
        wall_clock=wall_clock,
        window=TimestampWindow(int(settings.timestamp_past_s * 1000), int(settings.timestamp_future_s * 1000)),
        ws_queue_size=settings.ws_queue_size,
        ws_queue_bytes=settings.ws_queue_bytes,
        ws_max_subscriptions=settings.ws_max_subscriptions,
        ws_max_markets=settings.ws_max_markets,
        on_command=lambda key_id, text, replies: journal.record_command(WS_PATH, key_id, text, replies),
        generated=generated,
        replays=SeenSignatures(_window_ms(settings)) if settings.kalshi_reject_replays else None,
        pss_salt=pss_salt_rule(settings.kalshi_pss_salt),
        writes_in_worker=settings.state is not None,
        **shared,
    )
