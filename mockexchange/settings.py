"""Settings of one mock: where it listens, which wire profile it speaks, how strict its checks are."""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_SEED = 7
DEFAULT_JOURNAL_MAX_BYTES = 8 * 1024 * 1024
DEFAULT_PROFILE = "3.34"  # the Kalshi wire profile a mock speaks unless told (venues/kalshi/profiles.py: the table)
# The most `rest_lag_ms` may be: an hour on the exchange clock, far beyond Kalshi's second, and the history kept is the
# changes of one lag (control/kalshi/rest_lag.py checks a change against it, `serve --rest-lag-ms` a start value).
MAX_REST_LAG_MS = 3_600_000
SYNCHRONOUS = ("normal", "full")  # what `state_synchronous` may be (state/file.py: SQLite's synchronous pragma)


@dataclass(frozen=True, slots=True)
class Settings:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    profile: str = DEFAULT_PROFILE
    # How far a request's KALSHI-ACCESS-TIMESTAMP may lie from the mock's clock (seconds, each way).
    timestamp_past_s: float = 30.0
    timestamp_future_s: float = 30.0
    admin: bool = True
    admin_open: bool = False  # answer admin calls from any address, not only loopback (the Docker image sets it)
    # The admin API's access rules (mockexchange/admin/guard.py, docs/admin-api.md#access-rules): Host names it
    # answers besides loopback names and IP addresses ("*": any), and the Bearer token every admin call must carry.
    allowed_hosts: tuple[str, ...] = ()
    admin_token: str | None = field(default=None, repr=False)  # never printed with the settings
    # Where admin calls may read scenario files (besides the shipped ones, by name) and write key files; the Python
    # API is not confined. `serve` gives its --scenario-dir folders and its --key-dir.
    scenario_dirs: tuple[str, ...] = ()
    key_dirs: tuple[str, ...] = ()
    # Refuse a signed Kalshi request whose signature was already seen inside the timestamp window (Kalshi accepts
    # replays as far as anyone knows, so the default does too).
    kalshi_reject_replays: bool = False
    # Which RSA-PSS salt lengths a Kalshi signature may have: "any" (as verifiers with an automatic salt length
    # accept; one other than 32 gets a note in X-Mockexchange-Auth), or "strict": only 32, the length Kalshi documents.
    kalshi_pss_salt: str = "any"
    # Which public keys a Kalshi key may be registered with: "standard" (RSA of 2,048 to 4,096 bits with exponent
    # 65537, and Ed25519: what Kalshi makes and takes, each cheap to verify), or "any" RSA or Ed25519 key, however
    # costly each signature is to check.
    kalshi_key_policy: str = "standard"
    # Ended (cancelled or executed) Kalshi orders each account keeps, for GET /portfolio/orders and /historical/orders;
    # past it, its oldest (by when it ended) are forgotten. Resting orders are always kept. Each account's own. The same
    # bound holds each user's closed RFQs and its ended quotes (core/kalshi/communications.py), its closed RFQ batches
    # and ended batch quotes (rfq_batches.py) and the block trade proposals it made that ended (block_trades.py), each
    # kind apart.
    kalshi_ended_orders: int = 10_000
    # Kalshi's RFQ timers on the exchange clock (core/kalshi/communications.py): an accepted quote its maker has not
    # confirmed within the window is voided; a confirmed one executes when the execution timer ends (Kalshi's RFQ
    # guide: 30 s and 15 s; the mock has no high-volatility markets, whose are 3 s and 1 s).
    kalshi_rfq_confirm_window_s: float = 30.0
    kalshi_rfq_execution_delay_s: float = 15.0
    # Kalshi's REST portfolio reads (positions, balance, fills, settlements) answer with the state of this many
    # milliseconds ago on the exchange clock, as production lags fills by about a second; the websocket stays
    # immediate. 0: no lag (nothing extra is kept). Changed at run time with POST /_admin/rest_lag (docs/kalshi.md).
    rest_lag_ms: int = 0
    # Kalshi websocket (/trade-api/ws/v2)
    ws_ping_interval_s: float = 10.0  # Kalshi pings every 10 s with payload "heartbeat"
    # Close a connection whose pong is this late; and reset one whose client has not answered a close frame
    # (after an overflow, say) in this time: how long the mock waits for a silent client.
    ws_ping_timeout_s: float = 20.0
    ws_queue_size: int = 1000  # changes and commands waiting per connection; beyond it: error 25 and close
    # ... and the bytes they may hold together (a command at its size, a change at what it holds, its renderings counted
    # as they are made; a subscription's snapshots are read as they are sent: they wait nowhere); beyond: the same
    ws_queue_bytes: int = 4 * 1024 * 1024
    ws_max_message_bytes: int = 64 * 1024  # a bigger client message closes the connection (1009)
    # What may sit between a connection's outbox and a client that stopped reading: the socket's send buffer
    # (SO_SNDBUF, which Linux doubles) and the transport's buffer before sends wait, each this size; small, so the
    # outbox overflows (error 25) soon after a client stops reading, instead of megabytes of socket buffers later.
    # Past it the client is not read (so the pongs to its pings wait too), and a client that has not drained it
    # within ws_ping_timeout_s is reset.
    ws_send_buffer_bytes: int = 64 * 1024
    # Negotiate permessage-deflate (RFC 7692) on both venues' websockets when a client offers it (the `websockets`
    # library and ccxt offer it by default). Whether Kalshi or Deribit accept it is not known; on loopback it costs
    # more CPU than it saves (bench/README.md, ws_latency.py), so it is off unless asked for (`serve --ws-deflate`).
    ws_per_message_deflate: bool = False
    # Per websocket connection: subscriptions (Kalshi: error 27 beyond; Deribit: channels, -32602 beyond) and market
    # tickers over a Kalshi connection's subscriptions (error 26 beyond), so one fill's fan-out stays bounded.
    ws_max_subscriptions: int = 1_000
    ws_max_markets: int = 10_000
    # A seed: answer the sliced REST operations with generated, parser-breaking bodies instead of ledger data
    # (mockexchange.venues.kalshi.generated_mode); None: ledger data unless a request's X-Mockexchange-Generate asks.
    generated_responses: int | None = None
    # A state file (mockexchange.state, docs/persistence.md): every command is kept in it and run again on a restart
    # with the same file; None keeps nothing. `state_synchronous` "full" survives a power cut too (an fsync per
    # command); "normal" survives a killed process. `state_journal` keeps the request journal in it as well.
    # `state_recover`: a file whose command log is damaged starts from the last command that checks, one whose sealing
    # key is lost without the Deribit keys it sealed (else refused).
    state: str | None = None
    state_synchronous: str = "normal"
    state_journal: bool = False
    state_recover: bool = False
    journal_size: int = 10_000  # requests the journal keeps (the newest); 0 keeps none
    # ... and the bytes they may hold together (each text a client chose is cut to 2,000 characters); None: no bound
    journal_max_bytes: int | None = DEFAULT_JOURNAL_MAX_BYTES
    # Deribit (/api/v2, /ws/api/v2)
    deribit_testnet: bool = True  # the `testnet` field of every reply (test.deribit.com says true)
    deribit_max_body_bytes: int = 32 * 1024  # a bigger body or websocket frame is -32600, as on Deribit
    deribit_timestamp_window_s: int = 60  # deri-hmac-sha256, client_signature and SignalPlus timestamps, each way
    # What each Deribit account (a main account and its subaccounts together) keeps of its past, of each kind: closed
    # orders, trades, transaction log entries, deposits and withdrawals, transfers; past it, its oldest of that kind
    # are forgotten (open orders always stay). Each account's own (core/deribit/wallet_history.py). At least 1.
    deribit_history_size: int = 10_000
    # What the perps exchange keeps of its past: each user's newest fills and ended orders, each market's newest
    # trades, this many of each; past it the oldest is forgotten (resting orders always stay). At least 1.
    perps_history_size: int = 10_000
    # The perps exchange's funding times: every this many seconds of the exchange clock from the epoch (3,600: on the
    # hour), from 1 to 86,400 (core/perps/funding.py).
    perps_funding_interval_s: int = 3_600
    signalplus_prefix: str = "/api"  # where the SignalPlus gateway dialect listens (POST {prefix})
    # Kalshi's perps (margin) exchange, under /trade-api/v2/margin (docs/perps.md); False: not served (its state and
    # control-plane operations stay).
    perps: bool = True
    # Connections (mockexchange.server): a request head must arrive whole within header_timeout_s of its first byte
    # (or of the connection's start), else 408 and close; its body (any framing) within body_timeout_s of the head's
    # end, else 408 and close; an idle keep-alive connection is closed after keep_alive_timeout_s (uvicorn's default,
    # 5 s); connections beyond max_connections (HTTP and websocket together) are answered 503 and closed at once.
    header_timeout_s: float = 10.0
    body_timeout_s: float = 30.0
    keep_alive_timeout_s: float = 5.0
    max_connections: int = 10_000
    # Serve TLS (https, wss) with this certificate (PEM, its chain after it) and its key (PEM, not encrypted); None:
    # plain http and ws. Both or neither (mockexchange/server/tls.py; `serve --tls-cert`, `--tls-self-signed`).
    tls_certfile: str | None = None
    tls_keyfile: str | None = None
    # The venues' per-user rate limits (docs/rate-limits.md): "off" (none), or a Kalshi tier: "basic", "advanced",
    # "expert", "premier", "paragon", "prime", "prestige" (Kalshi's 429, Deribit's 10028); changed at run time with
    # POST /_admin/rate_limits.
    rate_limit_tier: str = "off"
    # A tape (mockexchange/recording/) whose recorded answers the venues' paths give instead of the mock's own
    # (`serve --replay FILE`, docs/replay.md); None: the mock answers.
    replay: str | None = None
