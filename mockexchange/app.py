"""Assembles one mock: core state, key registry, control plane and the venues' routes in one Starlette app."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from mockexchange.admin import routes as admin_routes
from mockexchange.auth.deribit.authentication import DeribitAuth
from mockexchange.auth.deribit.keys import DeribitCredentialRegistry
from mockexchange.auth.deribit.signature import TimestampWindow as DeribitWindow
from mockexchange.auth.deribit.tokens import TokenStore
from mockexchange.auth.kalshi.keys import KeyRegistry
from mockexchange.auth.kalshi.replays import SeenSignatures
from mockexchange.auth.kalshi.signature import TimestampWindow
from mockexchange.control import Control
from mockexchange.core.clock import Clock, SystemClock
from mockexchange.core.derivatives_book import DerivativesBook
from mockexchange.core.ledger import IdFactory, Ledger
from mockexchange.journal import Journal, JournalMiddleware
from mockexchange.scenario.operations import Scenarios
from mockexchange.settings import Settings
from mockexchange.venues.deribit import journaling as deribit_journaling
from mockexchange.venues.deribit import routes as deribit_routes
from mockexchange.venues.deribit.context import DeribitContext
from mockexchange.venues.kalshi import profiles as kalshi_profiles
from mockexchange.venues.kalshi import routes as kalshi_routes
from mockexchange.venues.kalshi.context import KalshiContext
from mockexchange.venues.kalshi.generated_mode import GeneratedResponses
from mockexchange.venues.kalshi.websocket import WS_PATH
from mockexchange.web import json_response


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


async def _not_found(request: Request, exc: Exception) -> Response:
    # Kalshi's shape for an unknown route; the mock says it does not serve it.
    return json_response(
        {"error": {"code": "not_found", "message": "not found"}},
        404,
        {"X-Mockexchange-Diagnosis": f"the mock does not serve {request.method} {request.url.path}"},
    )


async def _method_not_allowed(request: Request, exc: Exception) -> Response:
    # Starlette's exception carries the `Allow` header RFC 9110 requires on a 405; keep it.
    headers = dict(getattr(exc, "headers", None) or {})
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
    ledger = Ledger(clock=clock, ids=IdFactory(seed))
    keys = KeyRegistry()
    wall_clock = wall_clock or SystemClock()
    book = DerivativesBook(clock=ledger.clock, bus=ledger.bus)
    deribit_keys = DeribitCredentialRegistry()
    tokens = TokenStore(wall_clock)  # clients sign with their wall clock; tokens expire on it too
    window_ms = settings.deribit_timestamp_window_s * 1000
    deribit = DeribitContext(
        book=book,
        auth=DeribitAuth(deribit_keys, tokens, window=DeribitWindow(window_ms, window_ms)),
        wall_clock=wall_clock,
        testnet=settings.deribit_testnet,
        max_body_bytes=settings.deribit_max_body_bytes,
        ws_queue_size=settings.ws_queue_size,
        ws_max_channels=settings.ws_max_subscriptions,
        signalplus_prefix=settings.signalplus_prefix,
    )
    journal = Journal(wall_clock, settings.journal_size, max_bytes=settings.journal_max_bytes)
    deribit.on_message = deribit_journaling.message_recorder(journal)
    control = Control(ledger, keys, book, deribit_keys, tokens)
    control.reset_deribit()  # the default instruments and index prices
    scenarios = Scenarios(control)
    generated = GeneratedResponses(settings.generated_responses, settings.profile)
    kalshi = KalshiContext(
        ledger=ledger,
        keys=keys,
        profile=kalshi_profiles.profile(settings.profile),
        wall_clock=wall_clock,
        window=TimestampWindow(int(settings.timestamp_past_s * 1000), int(settings.timestamp_future_s * 1000)),
        ws_queue_size=settings.ws_queue_size,
        ws_max_subscriptions=settings.ws_max_subscriptions,
        ws_max_markets=settings.ws_max_markets,
        on_command=lambda key_id, text, replies: journal.record_command(WS_PATH, key_id, text, replies),
        generated=generated,
        replays=SeenSignatures(_window_ms(settings)) if settings.kalshi_reject_replays else None,
    )
    route_list = kalshi_routes.routes(kalshi) + deribit_routes.routes(deribit)
    if settings.admin:
        route_list += admin_routes.routes(control, scenarios, journal, settings)
    asgi = Starlette(
        routes=route_list,
        exception_handlers={404: _not_found, 405: _method_not_allowed},
        middleware=[Middleware(JournalMiddleware, journal=journal, venue_of=_journal_venue(deribit))],
    )
    return MockApp(
        settings, ledger, keys, control, scenarios, kalshi, asgi, journal, generated=generated, book=book,
        deribit=deribit,
    )  # fmt: skip
