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
