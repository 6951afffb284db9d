"""Settings of one mock: where it listens, which wire profile it speaks, how strict its checks are."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_SEED = 7


@dataclass(frozen=True, slots=True)
class Settings:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    profile: str = "3.34"
    # How far a request's KALSHI-ACCESS-TIMESTAMP may lie from the mock's clock (seconds, each way).
    timestamp_past_s: float = 30.0
    timestamp_future_s: float = 30.0
    admin: bool = True
    admin_open: bool = False  # answer admin calls from any address, not only loopback (the Docker image sets it)
    # Kalshi websocket (/trade-api/ws/v2)
    ws_ping_interval_s: float = 10.0  # Kalshi pings every 10 s with payload "heartbeat"
    ws_ping_timeout_s: float = 20.0  # close a connection whose pong is this late
    ws_queue_size: int = 1000  # changes and commands waiting per connection; beyond it: error 25 and close
    ws_max_message_bytes: int = 64 * 1024  # a bigger client message closes the connection (1009)
    # A seed: answer the sliced REST operations with generated, parser-breaking bodies instead of ledger data
    # (mockexchange.venues.kalshi.generated_mode); None: ledger data unless a request's X-Mockexchange-Generate asks.
    generated_responses: int | None = None
    journal_size: int = 10_000  # requests the journal keeps (the newest); 0 keeps none
    # Deribit (/api/v2, /ws/api/v2)
    deribit_testnet: bool = True  # the `testnet` field of every reply (test.deribit.com says true)
    deribit_max_body_bytes: int = 32 * 1024  # a bigger body or websocket frame is -32600, as on Deribit
    deribit_timestamp_window_s: int = 60  # deri-hmac-sha256, client_signature and SignalPlus timestamps, each way
    signalplus_prefix: str = "/api"  # where the SignalPlus gateway dialect listens (POST {prefix})
