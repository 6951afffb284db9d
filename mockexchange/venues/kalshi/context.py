"""What a Kalshi route needs from the rest of the mock, and the request authentication every route shares."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import anyio
import anyio.to_thread
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from mockexchange.auth.kalshi.diagnosis import DiagnosisBudget
from mockexchange.auth.kalshi.keys import ApiKey, KeyRegistry
from mockexchange.auth.kalshi.replays import SeenSignatures
from mockexchange.auth.kalshi.signature import (
    KEY_HEADER,
    PSS_SALT_ANY,
    KalshiAuthenticated,
    KalshiAuthFailure,
    KalshiAuthReason,
    TimestampWindow,
    authenticate,
)
from mockexchange.core.clock import Clock, epoch_ms
from mockexchange.core.commands import Command
from mockexchange.core.connections import LiveConnections
from mockexchange.core.faults import FaultRules
from mockexchange.core.kalshi.ledger import Ledger
from mockexchange.core.kalshi.market_changes import MarketFeed
from mockexchange.core.rate_limits import RateLimits
from mockexchange.venues.kalshi.errors import auth_error, restricted
from mockexchange.venues.kalshi.fragments import RenderCache
from mockexchange.venues.kalshi.profiles import Profile
from mockexchange.venues.kalshi.subscriptions import DEFAULT_MAX_MARKETS, DEFAULT_MAX_SUBSCRIPTIONS


@dataclass(slots=True)
class KalshiContext:
    ledger: Ledger
    keys: KeyRegistry
    profile: Profile
    wall_clock: Clock  # what request timestamps are checked against (clients sign with their wall clock)
    window: TimestampWindow
    ws_queue_size: int = 1000  # messages a websocket connection may have waiting before it overflows (error 25)
    ws_queue_bytes: int = 4 << 20  # and the bytes they may hold (websocket.py counts them)
    ws_max_subscriptions: int = DEFAULT_MAX_SUBSCRIPTIONS  # per websocket connection (error 27 beyond)
    ws_max_markets: int = DEFAULT_MAX_MARKETS  # market tickers over a connection's subscriptions (error 26 beyond)
    # Told of each websocket command, with the key id and the replies, before the replies are sent: the app's
    # request journal (a callable, so the venue does not know the journal).
    on_command: Callable[[str, str | bytes, list[dict[str, Any]]], None] | None = None
    # The generated-responses mode (mockexchange.venues.kalshi.generated_mode), behind a protocol so the venue does not
    # know the contract kit.
    generated: ResponseGenerator | None = None
    # Signatures seen inside the window, when replays are refused (Settings.kalshi_reject_replays); None accepts them.
    replays: SeenSignatures | None = None
    # Which RSA-PSS salt lengths pass (Settings.kalshi_pss_salt): any (a note says which), or only 32.
    pss_salt: str = PSS_SALT_ANY
    # The CPU the diagnoses of signatures that do not verify may take (auth/kalshi/diagnosis.py).
    diagnoses: DiagnosisBudget = field(default_factory=DiagnosisBudget)
    # The one worker thread that checks signatures of costly keys (`ApiKey.costly`), made on the loop at first use.
    costly_checks: anyio.CapacityLimiter | None = None
    # The per-user rate limits (venues/kalshi/rate_limits.py charges them); None limits nothing.
    rate_limits: RateLimits | None = None
    # The fault rules (docs/misbehaving.md) its websockets obey, and where they register; None: no faults.
    faults: FaultRules | None = None
    connections: LiveConnections | None = None
    # Each record's wire bytes, rendered once per profile and spliced into the pages that show it (fragments.py).
    renders: RenderCache = field(default_factory=RenderCache)
    # Runs a client's write, the typed command its route built (commands.py), as the control plane runs it, so a state
    # file keeps it; behind a protocol, as the venue does not know the control plane (the app gives
    # its registration's, mockexchange/registry/kalshi.py). None: the writes answer 500.
    commands: KalshiCommands | None = None
    # Every write runs in a worker thread, not only those that may take long (`Operation.worker`): a state file is
    # kept, whose commit (an fsync when asked) or a snapshot being taken may hold a command.
    writes_in_worker: bool = False
    # The markets the market data channels serve (orderbook_delta, ticker, trade, market_lifecycle_v2), read under the
    # ledger's lock; their changes come on the ledger's bus. None: no market exists for them.
    markets: MarketFeed | None = None


class KalshiCommands(Protocol):
    def execute(self, command: Command) -> Any:
        """Run a typed command (core/commands.py: orders, order groups, subaccounts, transfers, netting, the allocation,
        keys, the usage level, the FCM desk), answering what its handler does (an order's `OrderOutcome`, a batch's
        items: each an `OrderOutcome` or its `ItemRefused`); a refusal raises the ledger's `LedgerError` with its HTTP
        status (and Kalshi's code where the ledger gave one)."""


class ResponseGenerator(Protocol):
    def seed_for(self, headers: Mapping[str, str]) -> int | None:
        """The seed this request is answered under; None for ledger data."""

    def respond(self, operation_id: str, seed: int, query: Mapping[str, str]) -> Response:
        """A generated 200 for the operation."""


async def authenticate_scope(
    scope: Scope, headers: Mapping[str, str], ctx: KalshiContext, method: str
) -> KalshiAuthenticated | KalshiAuthFailure:
    """Check the signed headers of a request (or websocket upgrade) against its path as sent. The checks that decide
    take at most two verifications: on the event loop for a key of the standard policy (well under a millisecond), in
    a worker thread for a costly one. A signature that does not verify is then diagnosed in a worker thread, within the
    context's budget: no flood of bad signatures holds the event loop."""
    key = ctx.keys.get(headers.get(KEY_HEADER) or "")
    if key is not None and key.costly:
        # One at a time, in a worker: a flood of bad signatures waits on itself, not on the event loop.
        ctx.costly_checks = ctx.costly_checks or anyio.CapacityLimiter(1)
        result = await anyio.to_thread.run_sync(_checked, scope, headers, ctx, method, limiter=ctx.costly_checks)
    else:
        result = _checked(scope, headers, ctx, method)
    if not isinstance(result, KalshiAuthFailure) or result.suspect is None:
        return result
    if not ctx.diagnoses.reserve():
        return KalshiAuthFailure(result.reason, ctx.diagnoses.declined(result.suspect))
    return KalshiAuthFailure(result.reason, await anyio.to_thread.run_sync(ctx.diagnoses.diagnose, result.suspect))


def _checked(
    scope: Scope, headers: Mapping[str, str], ctx: KalshiContext, method: str
) -> KalshiAuthenticated | KalshiAuthFailure:
    """The verdict on the signed headers, a replay refused; a bad signature's common mistakes not yet tried."""
    # raw_path is the path as sent (percent escapes untouched), which is what the client signed.
    raw_path = scope.get("raw_path") or scope["path"].encode()
    now_ms = epoch_ms(ctx.wall_clock)
    result = authenticate(
        headers,
        method,
        raw_path.decode("latin-1").split("?", 1)[0],
        scope.get("query_string", b"").decode("latin-1"),
        ctx.keys,
        now_ms,
        ctx.window,
        ctx.pss_salt,
    )
    replayed = (
        isinstance(result, KalshiAuthenticated)
        and ctx.replays is not None
        and not ctx.replays.first_use(result.key.key_id, result.signature, now_ms)
    )
    if replayed:
        return KalshiAuthFailure(
            KalshiAuthReason.REPLAYED,
            "this signature was already used inside the timestamp window (the mock refuses replays: "
            "--reject-replays); sign each request anew",
        )
    return result


async def authenticated_key(request: Request, ctx: KalshiContext) -> KalshiAuthenticated:
    """The key that signed this request (and the mock's note on how), or a `KalshiError` with Kalshi's 401 body."""
    result = await authenticate_scope(request.scope, request.headers, ctx, request.scope["method"])
    if isinstance(result, KalshiAuthFailure):
        raise auth_error(result)
    return result


def subaccount_for(key: ApiKey, requested: int | None) -> int | None:
    """The subaccount a request acts on: a subaccount-locked key acts on its own (and may name only that one);
    other keys act on the one requested (None: the endpoint's default)."""
    if key.subaccount is None:
        return requested
    if requested is not None and requested != key.subaccount:
        raise restricted(f"key is locked to subaccount {key.subaccount}; omit subaccount or pass {key.subaccount}")
    return key.subaccount
