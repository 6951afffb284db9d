"""What a Deribit route needs from the rest of the mock: the Deribit exchange, the auth entry points, the wall clock
and the venue's settings. Also the one place a private call learns who is calling."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from mockexchange.auth.deribit.authentication import Authenticated, DeribitAuth
from mockexchange.auth.deribit.errors import AuthFailure
from mockexchange.auth.deribit.tokens import permits
from mockexchange.core.clock import Clock
from mockexchange.core.commands import Command
from mockexchange.core.connections import LiveConnections
from mockexchange.core.deribit.exchange import DeribitExchange
from mockexchange.core.deribit.public_levels import PublicLevels
from mockexchange.core.faults import Fault, FaultRules
from mockexchange.core.rate_limits import RateLimits
from mockexchange.venues.deribit.errors import FORBIDDEN, UNAUTHORIZED, RpcError, from_auth

API_PREFIX = "/api/v2"
WS_PATH = "/ws/api/v2"
# Where the Coinbase dialect (coinbase.py: Coinbase's Deribit-powered gateway) answers, over HTTP and the websocket.
COINBASE_API_PREFIX = "/coinbase/api/v2"
COINBASE_WS_PATH = "/coinbase/ws/api/v2"


@dataclass(slots=True)
class DeribitContext:
    exchange: DeribitExchange
    auth: DeribitAuth
    wall_clock: Clock  # usIn/usOut and what signature timestamps are checked against (the auth's token clock)
    testnet: bool = True
    max_body_bytes: int = 32 * 1024  # Deribit: -32600 beyond 32 kB, for a body or a websocket frame
    ws_queue_size: int = 1000  # notifications and requests waiting per websocket connection; beyond it: close
    ws_queue_bytes: int = 4 << 20  # and the bytes they may hold (websocket.py counts them)
    ws_max_channels: int = 1000  # channels one websocket connection may hold (-32602 beyond)
    signalplus_prefix: str = "/api"
    # A dialect served at its own paths with its own method table (coinbase.py); Deribit's own: its paths, None (the
    # whole table, venues/deribit/table.py).
    api_prefix: str = API_PREFIX
    ws_path: str = WS_PATH
    methods: Mapping[str, Any] | None = None
    # Called for each websocket message before its reply is sent: (client id, text, JSON-RPC method, error or None,
    # what a fault rule did to it or None).
    on_message: Callable[[str | None, str | bytes, str | None, RpcError | None, Fault | None], None] | None = None
    # The credit-based rate limits (venues/deribit/rate_limits.py charges them); None limits nothing.
    rate_limits: RateLimits | None = None
    # The fault rules (docs/misbehaving.md) its websockets obey, and where they register; None: no faults.
    faults: FaultRules | None = None
    connections: LiveConnections | None = None
    # Runs a client's write (orders, subaccounts, transfers, withdrawals, deposit addresses) as its typed command, so a
    # state file keeps it; behind a protocol, as the venue does not know the control plane (the app gives
    # its registration's, mockexchange/registry/deribit.py). None: the writes answer 10001.
    commands: DeribitCommands | None = None
    # The public order books, derived from every account's resting orders (public/get_order_book, book.*): made with
    # the context, so it follows the exchange's bus before the websocket's fan-outs do.
    levels: PublicLevels = field(init=False)
    # Each open websocket connection's cancel on disconnect (cancel_on_disconnect.py's `DisconnectSession`, which
    # imports this module), by connection id.
    sessions: dict[str, Any] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.levels = PublicLevels(self.exchange)


class DeribitCommands(Protocol):
    def execute(self, command: Command) -> Any:
        """Run a typed command (core/deribit/: an order's, an account's, cash's), answering what its handler does (an
        order placed and its trades, a withdrawal made); a refusal raises the exchange's `ExchangeError`."""
        ...


def require_scope(caller: Authenticated, scope: str) -> None:
    if not permits(caller.scope, scope):
        raise RpcError(FORBIDDEN, f"method needs {scope}; the granted scope is {caller.scope!r}")


def http_caller(
    ctx: DeribitContext,
    headers: Mapping[str, str],
    method: str,
    raw_path: str,
    query: str,
    body: str,
    access_token: object,
) -> Authenticated:
    """The caller of a private method over HTTP: the Authorization header, else an `access_token` param."""
    has_header = any(k.lower() == "authorization" for k in headers)
    if not has_header and access_token is not None:
        if not isinstance(access_token, str):
            raise RpcError(UNAUTHORIZED, "access_token must be a string")
        result = ctx.auth.authenticate_token(access_token)
    else:
        result = ctx.auth.authenticate_http(headers, method, raw_path, query, body)
    if isinstance(result, AuthFailure):
        raise from_auth(result)
    return result
